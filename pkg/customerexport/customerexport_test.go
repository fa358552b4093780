package customerexport_test

import (
	"context"
	"errors"
	"slices"
	"testing"

	"github.com/opencrm/crm/pkg/apperr"
	"github.com/opencrm/crm/pkg/customerexport"
)

func TestCollect(t *testing.T) {
	t.Parallel()
	ids := func(_ context.Context, ids []string) ([]string, error) { return ids, nil }
	got, err := customerexport.Collect(t.Context(), []string{"customers/a", "customers/b"}, ids)
	if err != nil || !slices.Equal(got, []string{"a", "b"}) {
		t.Fatalf("Collect: %v, %v", got, err)
	}
	called := false
	_, err = customerexport.Collect(t.Context(), []string{"customers/a", "programs/b"}, func(context.Context, []string) (int, error) {
		called = true
		return 0, nil
	})
	if e, ok := apperr.As(err); !ok || called || e.Field == "" {
		t.Fatalf("a bad name: %v, export called %v", err, called)
	}
	boom := errors.New("boom")
	if _, err := customerexport.Collect(t.Context(), []string{"customers/a"}, func(context.Context, []string) (int, error) { return 0, boom }); !errors.Is(err, boom) {
		t.Fatalf("export's error: %v", err)
	}
}
