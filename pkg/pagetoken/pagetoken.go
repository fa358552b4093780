// Package pagetoken makes the opaque page tokens of List calls: the position
// after the last item returned, bound to the List method (its request's
// message type) and the query that produced it, and signed with
// HMAC-SHA256, so a token cannot be forged, edited, or replayed against
// another method, filter or order.
package pagetoken

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"

	"github.com/opencrm/crm/pkg/apperr"
	"github.com/opencrm/crm/pkg/config"
)

// Codec signs and verifies tokens with one key.
type Codec struct{ key []byte }

// New returns a codec; key must be at least 32 bytes and shared by every
// replica of a service, or tokens break when a call lands elsewhere.
func New(key []byte) (*Codec, error) {
	if len(key) < 32 {
		return nil, errors.New("page token key must be at least 32 bytes")
	}
	return &Codec{key: key}, nil
}

// LoadKey reads CRM_PAGE_TOKEN_KEY (or _FILE).
func LoadKey(env *config.Env) []byte {
	k := env.Secret("CRM_PAGE_TOKEN_KEY")
	switch {
	case k == "":
		env.Fail("CRM_PAGE_TOKEN_KEY", "required: a secret of at least 32 characters, the same on every replica, that signs page tokens")
	case len(k) < 32:
		env.Fail("CRM_PAGE_TOKEN_KEY", "must be at least 32 characters")
	}
	return []byte(k)
}

type payload struct {
	Query []byte          `json:"q"` // SHA-256 of the query's canonical form
	After json.RawMessage `json:"a"`
}

// Encode returns a token for the position after, bound to query (any value
// whose JSON form identifies the filter and order; page size excluded).
func (c *Codec) Encode(query any, after any) (string, error) {
	q, err := queryHash(query)
	if err != nil {
		return "", err
	}
	a, err := json.Marshal(after)
	if err != nil {
		return "", fmt.Errorf("encode page position: %w", err)
	}
	body, err := json.Marshal(payload{Query: q, After: a})
	if err != nil {
		return "", fmt.Errorf("encode page token: %w", err)
	}
	mac := hmac.New(sha256.New, c.key)
	mac.Write(body)
	return base64.RawURLEncoding.EncodeToString(append(body, mac.Sum(nil)...)), nil
}

// QueryKey is what a List request's page tokens are bound to: the request's
// full message type, then the request without its page size and page token,
// encoded deterministically. The type matters because services may share a
// signing key, and two List requests of different types with the same
// filter values (or none) encode to the same bytes.
func QueryKey(req proto.Message) ([]byte, error) {
	c := proto.Clone(req)
	r := c.ProtoReflect()
	for _, f := range []protoreflect.Name{"page_size", "page_token"} {
		if fd := r.Descriptor().Fields().ByName(f); fd != nil {
			r.Clear(fd)
		}
	}
	key := append([]byte(r.Descriptor().FullName()), 0)
	key, err := proto.MarshalOptions{Deterministic: true}.MarshalAppend(key, c)
	if err != nil {
		return nil, fmt.Errorf("encode page query: %w", err)
	}
	return key, nil
}

// ErrInvalid is the error for a token that is malformed, forged, or from
// another method or query.
var ErrInvalid = apperr.Invalid("page_token", "not a page token of this query: start again without a token")

// Decode checks token against query and stores the position in after.
func (c *Codec) Decode(token string, query any, after any) error {
	raw, err := base64.RawURLEncoding.DecodeString(token)
	if err != nil || len(raw) < sha256.Size {
		return ErrInvalid
	}
	body, sig := raw[:len(raw)-sha256.Size], raw[len(raw)-sha256.Size:]
	mac := hmac.New(sha256.New, c.key)
	mac.Write(body)
	if !hmac.Equal(sig, mac.Sum(nil)) {
		return ErrInvalid
	}
	var p payload
	if err := json.Unmarshal(body, &p); err != nil {
		return ErrInvalid
	}
	q, err := queryHash(query)
	if err != nil {
		return err
	}
	if !hmac.Equal(q, p.Query) {
		return ErrInvalid
	}
	if err := json.Unmarshal(p.After, after); err != nil {
		return ErrInvalid
	}
	return nil
}

func queryHash(query any) ([]byte, error) {
	b, err := json.Marshal(query)
	if err != nil {
		return nil, fmt.Errorf("encode page query: %w", err)
	}
	h := sha256.Sum256(b)
	return h[:], nil
}

// Request is a List request: its page size and token.
type Request interface {
	proto.Message
	GetPageSize() int32
	GetPageToken() string
}

// After is a page position's value: the zero value on the first page,
// where Page passes nil.
func After[P any](after *P) P {
	var zero P
	if after == nil {
		return zero
	}
	return *after
}

// Page runs one page of a List call: it checks the request's token and
// decodes its position (of type P, nil on the first page), asks list for
// up to size+1 items after it, and returns the page and the token of the
// next one ("" on the last). pos gives an item's position.
func Page[T, P any](c *Codec, req Request, defaultSize int, list func(after *P, limit int64) ([]T, error), pos func(T) P) ([]T, string, error) {
	key, err := QueryKey(req)
	if err != nil {
		return nil, "", err
	}
	var after *P
	if req.GetPageToken() != "" {
		after = new(P)
		if err := c.Decode(req.GetPageToken(), key, after); err != nil {
			return nil, "", err
		}
	}
	size := int(req.GetPageSize())
	if size == 0 {
		size = defaultSize
	}
	items, err := list(after, int64(size+1))
	if err != nil || len(items) <= size {
		return items, "", err
	}
	items = items[:size]
	next, err := c.Encode(key, pos(items[size-1]))
	return items, next, err
}
