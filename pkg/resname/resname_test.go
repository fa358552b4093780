package resname_test

import (
	"errors"
	"slices"
	"testing"

	"github.com/opencrm/crm/pkg/apperr"
	"github.com/opencrm/crm/pkg/resname"
)

func TestRoundTrip(t *testing.T) {
	rewards := resname.New("programs", "rewards")
	name := rewards.Format("gold", "mug")
	if name != "programs/gold/rewards/mug" {
		t.Fatalf("format: %q", name)
	}
	ids, err := rewards.ParseAll("reward.name", name)
	if err != nil || !slices.Equal(ids, []string{"gold", "mug"}) {
		t.Fatalf("parse: %v %v", ids, err)
	}
	if id, err := resname.Customers.Parse("customer", "customers/c1"); err != nil || id != "c1" {
		t.Fatalf("customer: %q %v", id, err)
	}
}

func TestMalformedNamesNameTheField(t *testing.T) {
	rewards := resname.New("programs", "rewards")
	for _, name := range []string{"", "programs/gold", "programs/gold/rewards/", "programs//rewards/mug", "programs/gold/tiers/mug", "programs/gold/rewards/mug/x", "customers/c1"} {
		_, err := rewards.ParseAll("reward.name", name)
		var ae *apperr.Error
		if !errors.As(err, &ae) || ae.Kind != apperr.KindInvalidArgument || ae.Field != "reward.name" {
			t.Errorf("%q: %v", name, err)
		}
	}
}
