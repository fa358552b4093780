// Package auth authenticates callers by JWT bearer token and authorises each
// call against the scope its method declares with the crm.auth.v1
// required_scope option. It denies by default: a platform method without the
// option stops the server from starting, and a call without a valid token
// carrying the scope never reaches a handler.
package auth

import (
	"cmp"
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/opencrm/crm/pkg/config"
)

// Principal is the authenticated caller.
type Principal struct {
	// Subject is the token's "sub": a user or service id.
	Subject string
	// Client is the OAuth client the token was issued to: its "client_id"
	// claim (RFC 9068), else its "azp"; empty when it names none.
	Client string
	// Scopes are the token's granted scopes.
	Scopes []string
}

// Has reports whether the principal was granted scope.
func (p Principal) Has(scope string) bool { return slices.Contains(p.Scopes, scope) }

type principalKey struct{}

// WithPrincipal returns ctx carrying p.
func WithPrincipal(ctx context.Context, p Principal) context.Context {
	return context.WithValue(ctx, principalKey{}, p)
}

// FromContext returns the caller of the current call.
func FromContext(ctx context.Context) (Principal, bool) {
	p, ok := ctx.Value(principalKey{}).(Principal)
	return p, ok
}

// Claims are the token claims the platform reads.
type Claims struct {
	jwt.RegisteredClaims
	// Scope is the space-separated list of granted scopes (RFC 8693).
	Scope string `json:"scope"`
	// ClientID and AuthorizedParty name the client the token was issued
	// to (RFC 9068 "client_id", OpenID Connect "azp").
	ClientID        string `json:"client_id,omitempty"`
	AuthorizedParty string `json:"azp,omitempty"`
}

// Config says which tokens to trust.
type Config struct {
	// HMACSecret verifies HS256 tokens when set (at least 32 bytes).
	HMACSecret []byte
	// PublicKeys verify RS256 and ES256 tokens.
	PublicKeys []crypto.PublicKey
	// Issuer and Audience, when set, must match the token's.
	Issuer   string
	Audience string
}

// LoadConfig reads CRM_AUTH_HS256_SECRET (or _FILE), CRM_AUTH_PUBLIC_KEYS_FILE
// (PEM, one or more RSA or EC public keys), CRM_AUTH_ISSUER and
// CRM_AUTH_AUDIENCE. At least one key source is required.
func LoadConfig(env *config.Env) Config {
	var c Config
	if s := env.Secret("CRM_AUTH_HS256_SECRET"); s != "" {
		if len(s) < 32 {
			env.Fail("CRM_AUTH_HS256_SECRET", "must be at least 32 characters")
		}
		c.HMACSecret = []byte(s)
	}
	if path := env.String("CRM_AUTH_PUBLIC_KEYS_FILE", ""); path != "" {
		keys, err := readPublicKeys(path)
		if err != nil {
			env.Fail("CRM_AUTH_PUBLIC_KEYS_FILE", "%v", err)
		}
		c.PublicKeys = keys
	}
	if c.HMACSecret == nil && c.PublicKeys == nil {
		env.Fail("CRM_AUTH_HS256_SECRET", "set it or CRM_AUTH_PUBLIC_KEYS_FILE: calls are refused without a way to verify tokens")
	}
	c.Issuer = env.String("CRM_AUTH_ISSUER", "")
	c.Audience = env.String("CRM_AUTH_AUDIENCE", "")
	return c
}

func readPublicKeys(path string) ([]crypto.PublicKey, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read public keys: %w", err)
	}
	var keys []crypto.PublicKey
	for {
		var block *pem.Block
		block, data = pem.Decode(data)
		if block == nil {
			break
		}
		k, err := x509.ParsePKIXPublicKey(block.Bytes)
		if err != nil {
			return nil, fmt.Errorf("parse public key in %q: %w", path, err)
		}
		keys = append(keys, k)
	}
	if len(keys) == 0 {
		return nil, fmt.Errorf("no PEM public key in %q", path)
	}
	return keys, nil
}

// ErrInvalidToken is returned for any token that does not verify; the cause
// is kept for logs, never shown to the caller.
var ErrInvalidToken = errors.New("invalid bearer token")

// Verifier checks tokens. Verified tokens are cached until they expire:
// callers send the same token with many calls, and verifying it again each
// time would cost more than the rest of the call's overhead.
type Verifier struct {
	cfg    Config
	parser *jwt.Parser
	keys   jwt.Keyfunc
	Now    func() time.Time

	mu    sync.Mutex
	cache map[string]cached
}

type cached struct {
	p   Principal
	exp time.Time
}

// maxCached bounds the cache; when full it is emptied, which costs one
// verification per live token.
const maxCached = 10000

// NewVerifier returns a verifier for cfg.
func NewVerifier(cfg Config) *Verifier {
	opts := []jwt.ParserOption{
		jwt.WithValidMethods([]string{"HS256", "RS256", "ES256"}),
		jwt.WithExpirationRequired(),
		jwt.WithLeeway(30 * time.Second),
	}
	if cfg.Issuer != "" {
		opts = append(opts, jwt.WithIssuer(cfg.Issuer))
	}
	if cfg.Audience != "" {
		opts = append(opts, jwt.WithAudience(cfg.Audience))
	}
	public := jwt.VerificationKeySet{}
	for _, k := range cfg.PublicKeys {
		public.Keys = append(public.Keys, k)
	}
	// Keys by algorithm, so an HS256 token is never checked against a
	// public key or the reverse.
	keys := func(t *jwt.Token) (any, error) {
		switch t.Method.Alg() {
		case "HS256":
			if cfg.HMACSecret != nil {
				return cfg.HMACSecret, nil
			}
		case "RS256", "ES256":
			if len(public.Keys) > 0 {
				return public, nil
			}
		}
		return nil, fmt.Errorf("no key for algorithm %s", t.Method.Alg())
	}
	v := &Verifier{cfg: cfg, keys: keys, Now: time.Now, cache: map[string]cached{}}
	v.parser = jwt.NewParser(append(opts, jwt.WithTimeFunc(func() time.Time { return v.Now() }))...)
	return v
}

// Verify parses and checks a token and returns its principal.
func (v *Verifier) Verify(token string) (Principal, error) {
	now := v.Now()
	v.mu.Lock()
	c, ok := v.cache[token]
	v.mu.Unlock()
	if ok && now.Before(c.exp) {
		return c.p, nil
	}
	var claims Claims
	if _, err := v.parser.ParseWithClaims(token, &claims, v.keys); err != nil {
		return Principal{}, fmt.Errorf("%w: %w", ErrInvalidToken, err)
	}
	if claims.Subject == "" {
		return Principal{}, fmt.Errorf("%w: no subject", ErrInvalidToken)
	}
	p := Principal{Subject: claims.Subject, Client: cmp.Or(claims.ClientID, claims.AuthorizedParty), Scopes: strings.Fields(claims.Scope)}
	v.mu.Lock()
	if len(v.cache) >= maxCached {
		clear(v.cache)
	}
	// Cached only until expiry; the not-before time has passed already.
	v.cache[token] = cached{p: p, exp: claims.ExpiresAt.Time}
	v.mu.Unlock()
	return p, nil
}

// Mint signs a token for subject with the given scopes, valid for ttl.
// key is an HS256 secret ([]byte) or an RSA or ECDSA (P-256) private key.
func Mint(key any, subject string, scopes []string, ttl time.Duration, issuer, audience string) (string, error) {
	now := time.Now()
	claims := Claims{
		RegisteredClaims: jwt.RegisteredClaims{
			Subject:   subject,
			IssuedAt:  jwt.NewNumericDate(now),
			ExpiresAt: jwt.NewNumericDate(now.Add(ttl)),
			Issuer:    issuer,
		},
		Scope: strings.Join(scopes, " "),
	}
	if audience != "" {
		claims.Audience = jwt.ClaimStrings{audience}
	}
	var method jwt.SigningMethod
	switch key.(type) {
	case []byte:
		method = jwt.SigningMethodHS256
	case *rsa.PrivateKey:
		method = jwt.SigningMethodRS256
	case *ecdsa.PrivateKey:
		method = jwt.SigningMethodES256
	default:
		return "", fmt.Errorf("unsupported signing key %T", key)
	}
	s, err := jwt.NewWithClaims(method, claims).SignedString(key)
	if err != nil {
		return "", fmt.Errorf("sign token: %w", err)
	}
	return s, nil
}
