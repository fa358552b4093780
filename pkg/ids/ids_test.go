package ids_test

import (
	"regexp"
	"testing"

	"github.com/opencrm/crm/pkg/ids"
)

func TestIDs(t *testing.T) {
	t.Parallel()
	form := regexp.MustCompile(`^[a-z2-7]{20}$`)
	a, b := ids.New(), ids.New()
	if !form.MatchString(a) || a == b {
		t.Fatalf("random ids %q %q", a, b)
	}
	d := ids.Derived("customer\x00req-1")
	if !form.MatchString(d) || d != ids.Derived("customer\x00req-1") || d == ids.Derived("customer\x00req-2") {
		t.Fatalf("derived id %q", d)
	}
}
