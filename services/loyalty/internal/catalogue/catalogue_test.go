package catalogue_test

import (
	"errors"
	"testing"
	"time"

	"github.com/opencrm/crm/services/loyalty/internal/catalogue"
	"github.com/opencrm/crm/services/loyalty/internal/errs"
)

func TestUseIsOnceAndOnlyWhenIssued(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 3, 1, 10, 0, 0, 123456789, time.FixedZone("CET", 3600))
	d := &catalogue.Redemption{ID: "r1", Code: "AAAAA-BBBBB-CCCCC", State: catalogue.Issued, CancelDeadline: now.Add(24 * time.Hour)}
	if err := d.Use(now); err != nil {
		t.Fatal(err)
	}
	if d.State != catalogue.Used || !d.UseTime.Equal(now.Truncate(time.Millisecond)) || d.UseTime.Location() != time.UTC {
		t.Fatalf("after use: state %d, use time %v", d.State, d.UseTime)
	}
	if err := d.Use(now.Add(time.Minute)); !errors.Is(err, errs.RedemptionUsed) {
		t.Fatalf("second use: %v, want REDEMPTION_USED", err)
	}
	if !d.UseTime.Equal(now.Truncate(time.Millisecond)) {
		t.Fatalf("a refused use moved the use time to %v", d.UseTime)
	}
	// Within the cancel window still, but used: no cancel.
	if err := d.CanCancel(now.Add(time.Hour)); !errors.Is(err, errs.RedemptionUsed) {
		t.Fatalf("cancel after use: %v, want REDEMPTION_USED", err)
	}

	for _, c := range []struct {
		state int32
		want  error
	}{{catalogue.Cancelled, errs.AlreadyCancelled}, {catalogue.Pending, errs.RedemptionPending}} {
		d := &catalogue.Redemption{ID: "r2", Code: "AAAAA-BBBBB-DDDDD", State: c.state}
		if err := d.Use(now); !errors.Is(err, c.want) || d.State != c.state || !d.UseTime.IsZero() {
			t.Errorf("use in state %d: %v (state %d, use time %v), want %v", c.state, err, d.State, d.UseTime, c.want)
		}
	}
}
