// Package ids makes the platform's resource ids: 20 lower-case base32
// characters, random, or derived from a key so that a retried request finds
// the record its first attempt created.
package ids

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base32"
	"strings"
)

// New returns a random id.
func New() string { return strings.ToLower(rand.Text()[:20]) }

// Derived returns the id derived from seed: the same seed, the same id.
func Derived(seed string) string {
	sum := sha256.Sum256([]byte(seed))
	return strings.ToLower(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(sum[:])[:20])
}
