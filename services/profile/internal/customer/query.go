package customer

import (
	"cmp"
	"regexp"
	"strings"
	"time"

	"github.com/opencrm/crm/pkg/apperr"
)

// Filter selects customers for a listing.
type Filter struct {
	States         []State
	Stage          Stage
	Tag            string
	CountryCode    string
	Owner          string
	CreateFrom     *time.Time
	CreateTo       *time.Time
	UpdateFrom     *time.Time
	UpdateTo       *time.Time
	Attributes     map[string]Attribute
	ExcludeID      string
	DedupKeysAnyOf []string
}

// Order is a listing's order: the sort field and direction.
type Order struct {
	Field string // "create_time", "update_time" or "name_key"
	Desc  bool
}

// After is the position after the last item of a page of a listing.
type After struct {
	Time *time.Time `json:"t,omitempty"`
	Text *string    `json:"s,omitempty"`
	ID   string     `json:"id"`
}

// PositionOf returns the page position after c in order o.
func PositionOf(c *Customer, o Order) After {
	a := After{ID: c.ID}
	switch o.Field {
	case "create_time":
		t := c.CreateTime
		a.Time = &t
	case "update_time":
		t := c.UpdateTime
		a.Time = &t
	default:
		n := c.NameKey
		a.Text = &n
	}
	return a
}

// SearchPos is a search hit's position in the results.
type SearchPos struct {
	Rank Rank   `json:"r"`
	Key  string `json:"k"`
	ID   string `json:"id"`
}

// Compare orders positions as search results are ordered.
func (p SearchPos) Compare(o SearchPos) int {
	return cmp.Or(cmp.Compare(p.Rank, o.Rank), cmp.Compare(p.Key, o.Key), cmp.Compare(p.ID, o.ID))
}

// Hit is a customer a search found, with its position.
type Hit struct {
	Customer *Customer
	Pos      SearchPos
}

// Query is what a search looks for: a contact key ("email:...",
// "phone:...") when the query is an e-mail address or a phone number, or
// else the words of the names.
type Query struct {
	Contact string
	Words   []string
}

var phoneLike = regexp.MustCompile(`^\+?[0-9 ().\-]{5,}$`)

// ParseQuery reads a search query; field names it in errors.
func ParseQuery(field, q string) (Query, error) {
	q = strings.TrimSpace(q)
	var out Query
	switch {
	case strings.Contains(q, "@"):
		out.Contact = EmailKey(strings.ToLower(q))
	case phoneLike.MatchString(q):
		e164, ok := NormalizePhone(q, "")
		if !ok {
			return Query{}, apperr.Invalid(field, "%q looks like a phone number but is not a valid one in international form (+CC...)", q)
		}
		out.Contact = PhoneKey(e164)
	}
	out.Words = SearchWords(q)
	if out.Contact == "" && len(out.Words) == 0 {
		return Query{}, apperr.Invalid(field, "has no letters or digits to search for")
	}
	return out, nil
}
