// Command crm-token mints a bearer token for operators and local use.
//
//	crm-token -secret-file .data/auth-secret -sub alice -scopes "customers.read customers.write"
//	crm-token -secret-file .data/auth-secret -all
//	crm-token -key private.pem -sub billing-service -scopes customers.read
//
// The secret can also come from CRM_AUTH_HS256_SECRET. With -key, the token
// is signed RS256 or ES256 by a PEM private key (PKCS#8, PKCS#1 or SEC 1).
package main

import (
	"crypto/x509"
	"encoding/pem"
	"errors"
	"flag"
	"fmt"
	"os"
	"strings"
	"time"

	// The platform APIs, registered so that -all lists their scopes.
	_ "github.com/opencrm/crm/gen/go/crm/audit/v1"
	_ "github.com/opencrm/crm/gen/go/crm/customer/v1"
	_ "github.com/opencrm/crm/gen/go/crm/interaction/v1"
	_ "github.com/opencrm/crm/gen/go/crm/loyalty/v1"
	_ "github.com/opencrm/crm/gen/go/crm/segmentation/v1"
	_ "github.com/opencrm/crm/gen/go/crm/status/v1"
	"github.com/opencrm/crm/pkg/auth"
)

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "crm-token:", err)
		os.Exit(2)
	}
}

func run(args []string) error {
	fs := flag.NewFlagSet("crm-token", flag.ContinueOnError)
	secretFile := fs.String("secret-file", "", "file holding the HS256 shared secret (default: $CRM_AUTH_HS256_SECRET)")
	keyFile := fs.String("key", "", "PEM private key for RS256/ES256 instead of a shared secret")
	sub := fs.String("sub", "local-admin", "subject: the user or service the token stands for")
	scopes := fs.String("scopes", "", "space-separated scopes to grant")
	all := fs.Bool("all", false, "grant every scope the platform declares")
	ttl := fs.Duration("ttl", 24*time.Hour, "validity")
	iss := fs.String("iss", "", "issuer claim (must match CRM_AUTH_ISSUER when that is set)")
	aud := fs.String("aud", "", "audience claim (must match CRM_AUTH_AUDIENCE when that is set)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	granted := strings.Fields(*scopes)
	if *all {
		granted = auth.AllScopes()
	}
	if len(granted) == 0 {
		return errors.New("give -scopes or -all")
	}
	key, err := signingKey(*secretFile, *keyFile)
	if err != nil {
		return err
	}
	tok, err := auth.Mint(key, *sub, granted, *ttl, *iss, *aud)
	if err != nil {
		return err
	}
	fmt.Println(tok)
	return nil
}

func signingKey(secretFile, keyFile string) (any, error) {
	if keyFile != "" {
		data, err := os.ReadFile(keyFile)
		if err != nil {
			return nil, fmt.Errorf("read key: %w", err)
		}
		block, _ := pem.Decode(data)
		if block == nil {
			return nil, fmt.Errorf("%s holds no PEM block", keyFile)
		}
		if k, err := x509.ParsePKCS8PrivateKey(block.Bytes); err == nil {
			return k, nil
		}
		if k, err := x509.ParsePKCS1PrivateKey(block.Bytes); err == nil {
			return k, nil
		}
		if k, err := x509.ParseECPrivateKey(block.Bytes); err == nil {
			return k, nil
		}
		return nil, fmt.Errorf("%s: not an RSA or EC private key", keyFile)
	}
	secret := os.Getenv("CRM_AUTH_HS256_SECRET")
	if secretFile != "" {
		b, err := os.ReadFile(secretFile)
		if err != nil {
			return nil, fmt.Errorf("read secret: %w", err)
		}
		secret = strings.TrimSpace(string(b))
	}
	if len(secret) < 32 {
		return nil, errors.New("need a shared secret of at least 32 characters: -secret-file or CRM_AUTH_HS256_SECRET (or -key)")
	}
	return []byte(secret), nil
}
