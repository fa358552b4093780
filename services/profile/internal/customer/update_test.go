package customer_test

import (
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/opencrm/crm/services/profile/internal/customer"
)

// outputOnly are the stored fields no update mask may name: identity,
// state, times, counters and derived keys.
var outputOnly = []string{
	"_id", "state", "merged_into", "create_time", "update_time", "delete_time", "purge_time", "erase_time",
	"version", "consent_changes", "search_version", "name_key", "contact_keys", "dedup_keys",
}

// bsonName is the stored name of a field.
func bsonName(f reflect.StructField) string {
	name, _, _ := strings.Cut(f.Tag.Get("bson"), ",")
	return name
}

// field finds the field of v at a dotted path of bson names.
func field(v reflect.Value, path string) (reflect.Value, bool) {
	for name := range strings.SplitSeq(path, ".") {
		i := slices.IndexFunc(reflect.VisibleFields(v.Type()), func(f reflect.StructField) bool {
			return bsonName(f) == name
		})
		if i < 0 {
			return reflect.Value{}, false
		}
		v = v.Field(i)
	}
	return v, true
}

// TestUpdatablePathsCoverTheRecord makes sure every stored field is either
// updatable or output-only, so a new field cannot be left out of updates
// unnoticed.
func TestUpdatablePathsCoverTheRecord(t *testing.T) {
	t.Parallel()
	for _, f := range reflect.VisibleFields(reflect.TypeFor[customer.Customer]()) {
		name := bsonName(f)
		if !slices.Contains(customer.UpdatablePaths, name) && !slices.Contains(outputOnly, name) {
			t.Errorf("field %s (%s) is neither updatable nor output-only", f.Name, name)
		}
	}
	for _, f := range reflect.VisibleFields(reflect.TypeFor[customer.Demographics]()) {
		if p := "demographics." + f.Tag.Get("bson"); !slices.Contains(customer.UpdatablePaths, p) {
			t.Errorf("%s is not updatable", p)
		}
	}
}

// TestApplyMaskCopiesEachPath applies each path alone to an empty customer
// and expects exactly that field copied from the patch.
func TestApplyMaskCopiesEachPath(t *testing.T) {
	t.Parallel()
	attr := "gold"
	src := customer.Customer{
		Kind: customer.KindPerson, DisplayName: "Ada", LegalName: "Ada King", Emails: []customer.Email{{Address: "ada@example.com"}},
		Phones: []customer.Phone{{Number: "+442079460958"}}, Addresses: []customer.Address{{Locality: "London"}},
		Demographics:      customer.Demographics{BirthDate: "1815-12-10", Gender: 2, CountryCode: "GB", Region: "London", Language: "en"},
		AcquisitionSource: "web", Tags: []string{"vip"}, Attributes: map[string]customer.Attribute{"tier": {String: &attr}},
		Owner: "bob", Stage: customer.StageProspect, Consents: []customer.Consent{{Channel: 1, Granted: true}},
	}
	for _, p := range customer.UpdatablePaths {
		var dst customer.Customer
		if err := customer.ApplyMask(&dst, src, []string{p}); err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		got, ok := field(reflect.ValueOf(&dst).Elem(), p)
		if !ok {
			t.Fatalf("%s names no field of Customer", p)
		}
		want, _ := field(reflect.ValueOf(src), p)
		if got.IsZero() || !reflect.DeepEqual(got.Interface(), want.Interface()) {
			t.Errorf("%s: copied %v, want %v", p, got.Interface(), want.Interface())
		}
		got.SetZero()
		if !reflect.ValueOf(dst).IsZero() {
			t.Errorf("%s copied other fields too: %+v", p, dst)
		}
	}
}
