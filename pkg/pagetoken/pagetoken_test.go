package pagetoken_test

import (
	"errors"
	"testing"

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
