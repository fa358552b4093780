package apperr_test

import (
	"errors"
	"fmt"
	"testing"

	"github.com/opencrm/crm/pkg/apperr"
)

func TestReasonsMatchTheirErrorsThroughWrapping(t *testing.T) {
	insufficient := apperr.Reason{Kind: apperr.KindFailedPrecondition, Reason: "INSUFFICIENT_POINTS"}
	other := apperr.Reason{Kind: apperr.KindFailedPrecondition, Reason: "ACCOUNT_CLOSED"}
	err := fmt.Errorf("redeem: %w", insufficient.New("balance %d is below %d", 3, 5))
	if !errors.Is(err, insufficient) || errors.Is(err, other) {
		t.Fatalf("errors.Is against reasons: %v", err)
	}
	e, ok := apperr.As(err)
	if !ok || e.Kind != apperr.KindFailedPrecondition || e.Message != "balance 3 is below 5" {
		t.Fatalf("As: %+v", e)
	}
	if f := insufficient.Field("points", "too many"); f.Field != "points" || !errors.Is(f, insufficient) {
		t.Fatalf("Field: %+v", f)
	}
}
