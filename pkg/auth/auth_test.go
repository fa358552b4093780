package auth_test

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"errors"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/opencrm/crm/pkg/auth"
)

func TestVerify(t *testing.T) {
	t.Parallel()
	secret := []byte("0123456789abcdef0123456789abcdef")
	rsaKey, _ := rsa.GenerateKey(rand.Reader, 2048)
	ecKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	otherEC, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	v := auth.NewVerifier(auth.Config{HMACSecret: secret, PublicKeys: []crypto.PublicKey{rsaKey.Public(), ecKey.Public()}, Issuer: "crm", Audience: "crm-api"})

	mint := func(key any, ttl time.Duration, iss, aud string) string {
		tok, err := auth.Mint(key, "alice", []string{"customers.read", "customers.write"}, ttl, iss, aud)
		if err != nil {
			t.Fatal(err)
		}
		return tok
	}
	for _, tc := range []struct {
		name  string
		token string
		ok    bool
	}{
		{"HS256", mint(secret, time.Hour, "crm", "crm-api"), true},
		{"RS256", mint(rsaKey, time.Hour, "crm", "crm-api"), true},
		{"ES256", mint(ecKey, time.Hour, "crm", "crm-api"), true},
		{"unknown key", mint(otherEC, time.Hour, "crm", "crm-api"), false},
		{"wrong secret", mint([]byte("another-secret-another-secret-xx"), time.Hour, "crm", "crm-api"), false},
		{"expired", mint(secret, -time.Hour, "crm", "crm-api"), false},
		{"wrong issuer", mint(secret, time.Hour, "evil", "crm-api"), false},
		{"wrong audience", mint(secret, time.Hour, "crm", "other"), false},
		{"garbage", "not.a.token", false},
	} {
		p, err := v.Verify(tc.token)
		if tc.ok {
			if err != nil || p.Subject != "alice" || !p.Has("customers.write") || p.Has("customers.admin") {
				t.Errorf("%s: got %+v, %v", tc.name, p, err)
			}
		} else if !errors.Is(err, auth.ErrInvalidToken) {
			t.Errorf("%s: accepted (%v)", tc.name, err)
		}
	}
}

func TestCachedTokenStillExpires(t *testing.T) {
	t.Parallel()
	secret := []byte("0123456789abcdef0123456789abcdef")
	v := auth.NewVerifier(auth.Config{HMACSecret: secret})
	tok, _ := auth.Mint(secret, "bob", []string{"a"}, time.Hour, "", "")
	for range 2 {
		if _, err := v.Verify(tok); err != nil {
			t.Fatal(err)
		}
	}
	v.Now = func() time.Time { return time.Now().Add(2 * time.Hour) }
	if _, err := v.Verify(tok); !errors.Is(err, auth.ErrInvalidToken) {
		t.Fatalf("expired token accepted from the cache: %v", err)
	}
	if _, err := v.Verify(tok[:len(tok)-1] + "x"); !errors.Is(err, auth.ErrInvalidToken) {
		t.Fatal("a token differing from a cached one was accepted")
	}
}

func TestClientComesFromClientIDElseAzp(t *testing.T) {
	t.Parallel()
	secret := []byte("0123456789abcdef0123456789abcdef")
	v := auth.NewVerifier(auth.Config{HMACSecret: secret})
	sign := func(clientID, azp string) string {
		c := auth.Claims{RegisteredClaims: jwt.RegisteredClaims{Subject: "ann", ExpiresAt: jwt.NewNumericDate(time.Now().Add(time.Hour))},
			ClientID: clientID, AuthorizedParty: azp}
		tok, err := jwt.NewWithClaims(jwt.SigningMethodHS256, c).SignedString(secret)
		if err != nil {
			t.Fatal(err)
		}
		return tok
	}
	for _, tc := range []struct{ clientID, azp, want string }{
		{"console", "other", "console"}, {"", "crmctl", "crmctl"}, {"", "", ""},
	} {
		p, err := v.Verify(sign(tc.clientID, tc.azp))
		if err != nil || p.Subject != "ann" || p.Client != tc.want {
			t.Errorf("client_id %q azp %q: got %+v, %v; want client %q", tc.clientID, tc.azp, p, err, tc.want)
		}
	}
}
