// Package resname formats and parses resource names, such as
// "customers/{customer}" or "programs/{program}/rewards/{reward}": one
// Pattern per kind of resource, so that no handler cuts prefixes by hand
// and every malformed name is the same precise INVALID_ARGUMENT.
package resname

import (
	"fmt"
	"strings"

	"github.com/opencrm/crm/pkg/apperr"
)

// Pattern is the shape of a kind of resource name: its collections, each
// followed by one id.
type Pattern struct {
	collections []string
}

// New returns the pattern "c1/{id}/c2/{id}/...".
func New(collections ...string) Pattern {
	return Pattern{collections: collections}
}

// Customers is "customers/{customer}", used by every service.
var Customers = New("customers")

// String returns the pattern with placeholders, as errors show it.
func (p Pattern) String() string {
	var b strings.Builder
	for i, c := range p.collections {
		if i > 0 {
			b.WriteByte('/')
		}
		b.WriteString(c + "/{id}")
	}
	return b.String()
}

// Format returns the name of the resource with ids, one per collection.
func (p Pattern) Format(ids ...string) string {
	var b strings.Builder
	for i, c := range p.collections {
		if i > 0 {
			b.WriteByte('/')
		}
		b.WriteString(c)
		b.WriteByte('/')
		if i < len(ids) {
			b.WriteString(ids[i])
		}
	}
	return b.String()
}

// ParseAll returns the ids of name, one per collection. A name of another
// shape, or with an empty id, is INVALID_ARGUMENT naming field.
func (p Pattern) ParseAll(field, name string) ([]string, error) {
	parts := strings.Split(name, "/")
	if name == "" {
		return nil, apperr.Invalid(field, "is required (%s)", p)
	}
	if len(parts) != 2*len(p.collections) {
		return nil, apperr.Invalid(field, "%q is not a name of the form %s", name, p)
	}
	ids := make([]string, len(p.collections))
	for i, c := range p.collections {
		if parts[2*i] != c || parts[2*i+1] == "" {
			return nil, apperr.Invalid(field, "%q is not a name of the form %s", name, p)
		}
		ids[i] = parts[2*i+1]
	}
	return ids, nil
}

// Parse returns the last id of name (for "customers/{id}", the customer's
// id); see ParseAll.
func (p Pattern) Parse(field, name string) (string, error) {
	ids, err := p.ParseAll(field, name)
	if err != nil {
		return "", err
	}
	return ids[len(ids)-1], nil
}

// ParseList returns the last id of each name of a repeated field, in
// order; a malformed one is INVALID_ARGUMENT naming field[n].
func (p Pattern) ParseList(field string, names []string) ([]string, error) {
	ids := make([]string, len(names))
	for n, name := range names {
		id, err := p.Parse(fmt.Sprintf("%s[%d]", field, n), name)
		if err != nil {
			return nil, err
		}
		ids[n] = id
	}
	return ids, nil
}
