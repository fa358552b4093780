package pagetoken_test

import (
	"errors"
	"testing"

	customerv1 "github.com/opencrm/crm/gen/go/crm/customer/v1"
	interactionv1 "github.com/opencrm/crm/gen/go/crm/interaction/v1"
	"github.com/opencrm/crm/pkg/apperr"
	"github.com/opencrm/crm/pkg/pagetoken"
)

type pos struct {
	ID string `json:"id"`
}

func TestTokensAreBoundToQueryAndKey(t *testing.T) {
	t.Parallel()
	c, _ := pagetoken.New([]byte("0123456789abcdef0123456789abcdef"))
	other, _ := pagetoken.New([]byte("fedcba9876543210fedcba9876543210"))
	tok, err := c.Encode("filter=a", pos{ID: "c42"})
	if err != nil {
		t.Fatal(err)
	}
	var p pos
	if err := c.Decode(tok, "filter=a", &p); err != nil || p.ID != "c42" {
		t.Fatalf("round trip: %v %v", p, err)
	}
	for name, decode := range map[string]func() error{
		"other query": func() error { return c.Decode(tok, "filter=b", &p) },
		"other key":   func() error { return other.Decode(tok, "filter=a", &p) },
		"edited":      func() error { return c.Decode(tok[:len(tok)-2]+"AA", "filter=a", &p) },
		"garbage":     func() error { return c.Decode("!!", "filter=a", &p) },
	} {
		if err := decode(); !errors.Is(err, pagetoken.ErrInvalid) {
			t.Errorf("%s: %v", name, err)
		}
	}
	if _, err := pagetoken.New([]byte("short")); err == nil {
		t.Error("short key accepted")
	}
}

// TestTokensAreBoundToTheMethod takes a token from one List method and
// offers it to another whose request, with empty filters, has the same
// encoding: services may share a signing key, so the request's type must
// tell them apart.
func TestTokensAreBoundToTheMethod(t *testing.T) {
	t.Parallel()
	c, _ := pagetoken.New([]byte("0123456789abcdef0123456789abcdef"))
	items := []pos{{ID: "a"}, {ID: "b"}, {ID: "c"}}
	list := func(after *pos, limit int64) ([]pos, error) {
		var out []pos
		for _, it := range items {
			if (after == nil || it.ID > after.ID) && int64(len(out)) < limit {
				out = append(out, it)
			}
		}
		return out, nil
	}
	at := func(p pos) pos { return p }

	page, next, err := pagetoken.Page(c, &customerv1.ListCustomersRequest{PageSize: 1}, 10, list, at)
	if err != nil || len(page) != 1 || next == "" {
		t.Fatalf("first page of ListCustomers: %v %q %v", page, next, err)
	}
	// The same method takes it.
	page, _, err = pagetoken.Page(c, &customerv1.ListCustomersRequest{PageSize: 1, PageToken: next}, 10, list, at)
	if err != nil || len(page) != 1 || page[0].ID != "b" {
		t.Fatalf("second page of ListCustomers: %v %v", page, err)
	}
	// Another method with an equally empty query does not.
	_, _, err = pagetoken.Page(c, &interactionv1.ListCasesRequest{PageSize: 1, PageToken: next}, 10, list, at)
	if !errors.Is(err, pagetoken.ErrInvalid) {
		t.Fatalf("ListCustomers token given to ListCases: %v, want %v", err, pagetoken.ErrInvalid)
	}
	if e, ok := apperr.As(err); !ok || e.Kind != apperr.KindInvalidArgument || e.Field != "page_token" {
		t.Fatalf("error %v: want INVALID_ARGUMENT on page_token", err)
	}
	// And the other way round.
	_, next, err = pagetoken.Page(c, &interactionv1.ListCasesRequest{PageSize: 1}, 10, list, at)
	if err != nil || next == "" {
		t.Fatalf("first page of ListCases: %q %v", next, err)
	}
	if _, _, err := pagetoken.Page(c, &customerv1.ListCustomersRequest{PageSize: 1, PageToken: next}, 10, list, at); !errors.Is(err, pagetoken.ErrInvalid) {
		t.Fatalf("ListCases token given to ListCustomers: %v", err)
	}
}
