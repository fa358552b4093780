package customer_test

import (
	"slices"
	"testing"

	"github.com/opencrm/crm/services/profile/internal/customer"
)

func TestSearchWordsFoldCaseAndAccents(t *testing.T) {
	t.Parallel()
	for in, want := range map[string][]string{
		"Ben Müller":               {"ben", "muller"},
		"MULLER":                   {"muller"},
		"Zoë  O'Brien-Łukasiewicz": {"zoe", "obrien", "lukasiewicz"},
		"Straße 7, Ørsted":         {"strasse", "7", "orsted"},
		"Grace (Hopper)":           {"grace", "hopper"},
		"(( ))":                    nil,
	} {
		if got := customer.SearchWords(in); !slices.Equal(got, want) {
			t.Errorf("SearchWords(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestIndexedWordsOnlyForActiveCustomers(t *testing.T) {
	t.Parallel()
	c := customer.Customer{DisplayName: "Ada Lovelace", LegalName: "Augusta Ada King", State: customer.StateActive}
	if got, want := c.IndexedWords(), []string{"ada", "augusta", "king", "lovelace"}; !slices.Equal(got, want) {
		t.Fatalf("IndexedWords = %q, want %q", got, want)
	}
	for _, s := range []customer.State{customer.StateDeleted, customer.StateMerged, customer.StateErased} {
		c.State = s
		if got := c.IndexedWords(); got != nil {
			t.Errorf("state %d: indexed %q, want none", s, got)
		}
	}
}

func TestMatchRanks(t *testing.T) {
	t.Parallel()
	words := func(name string) ([]string, string) {
		c := customer.Customer{DisplayName: name, State: customer.StateActive}
		return c.IndexedWords(), c.SearchKey()
	}
	for _, tc := range []struct {
		query, name string
		rank        customer.Rank
		ok          bool
	}{
		{"ada", "Ada", customer.RankExactName, true},
		{"ada", "Ada Lovelace", customer.RankAllWords, true},
		{"lovelace ada", "Ada Lovelace", customer.RankAllWords, true},
		{"ada", "Adam Smith", customer.RankPrefix, true},
		{"ada lov", "Ada Lovelace", customer.RankPrefix, true},
		{"ad lovelace", "Ada Lovelace", 0, false}, // only the last word may be a beginning
		{"smith", "Ada Lovelace", 0, false},
	} {
		w, key := words(tc.name)
		rank, ok := customer.Match(customer.SearchWords(tc.query), w, key)
		if ok != tc.ok || rank != tc.rank {
			t.Errorf("Match(%q, %q) = %d, %v; want %d, %v", tc.query, tc.name, rank, ok, tc.rank, tc.ok)
		}
	}
}
