package fieldmask_test

import (
	"errors"
	"testing"

	"github.com/opencrm/crm/pkg/apperr"
	"github.com/opencrm/crm/pkg/fieldmask"
)

func TestCheck(t *testing.T) {
	allowed := []string{"summary", "tags"}
	if got, err := fieldmask.Check([]string{"tags"}, allowed, ""); err != nil || len(got) != 1 {
		t.Fatalf("allowed path: %v %v", got, err)
	}
	for _, paths := range [][]string{nil, {"tags", "amount"}} {
		_, err := fieldmask.Check(paths, allowed, "facts are fixed")
		var ae *apperr.Error
		if !errors.As(err, &ae) || ae.Kind != apperr.KindInvalidArgument || ae.Field == "" {
			t.Errorf("%v: %v", paths, err)
		}
	}
}
