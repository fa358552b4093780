package money_test

import (
	"testing"

	"github.com/opencrm/crm/pkg/money"
)

func TestRoundTrip(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		cur   string
		units int64
		nanos int32
		minor int64
	}{
		{"EUR", 12, 340_000_000, 1234},
		{"EUR", -12, -340_000_000, -1234},
		{"EUR", 0, -50_000_000, -5},
		{"JPY", 1500, 0, 1500},
		{"KWD", 1, 5_000_000, 1005},
		{"CNY", 0, 0, 0},
	} {
		got, err := money.ToMinor(tc.cur, tc.units, tc.nanos)
		if err != nil || got != tc.minor {
			t.Errorf("ToMinor(%s %d.%09d) = %d, %v; want %d", tc.cur, tc.units, tc.nanos, got, err, tc.minor)
		}
		u, n := money.FromMinor(tc.cur, tc.minor)
		if u != tc.units || n != tc.nanos {
			t.Errorf("FromMinor(%s %d) = %d, %d", tc.cur, tc.minor, u, n)
		}
	}
	for _, bad := range []struct {
		cur   string
		units int64
		nanos int32
	}{
		{"EUR", 1, 1_000_000},     // a tenth of a cent
		{"JPY", 1, 500_000_000},   // no minor unit
		{"EUR", 1, -500_000_000},  // mixed signs
		{"eur", 1, 0},             // not a code
		{"EUR", 1 << 62, 0},       // overflow
		{"EUR", 0, 1_000_000_000}, // nanos out of range
	} {
		if _, err := money.ToMinor(bad.cur, bad.units, bad.nanos); err == nil {
			t.Errorf("ToMinor(%s %d %d) accepted", bad.cur, bad.units, bad.nanos)
		}
	}
}
