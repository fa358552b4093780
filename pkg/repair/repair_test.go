package repair_test

import (
	"os"
	"slices"
	"testing"
	"time"

	"github.com/opencrm/crm/pkg/dbtest"
	"github.com/opencrm/crm/pkg/repair"
)

func TestMain(m *testing.M) { os.Exit(dbtest.Main(m)) }

// On the embedded database the worker scans until a scan completes, then
// takes only what writers added; on MongoDB every round scans.
func TestRoundsScanUntilAScanCompletesThenTakeWhatWasAdded(t *testing.T) {
	t.Parallel()
	tr := &repair.Tracker{ScanOnlyAtStart: true}
	tr.Add("a", "b")
	if scan, ids := tr.Round(); !scan || ids != nil {
		t.Fatalf("first round: scan %v, ids %v; want a scan", scan, ids)
	}
	// The scan failed (no Scanned): the next round scans again.
	if scan, _ := tr.Round(); !scan {
		t.Fatal("round after a failed scan: no scan")
	}
	tr.Scanned()
	tr.Remove("a")
	tr.Add("c")
	if scan, ids := tr.Round(); scan || !slices.Equal(ids, []string{"b", "c"}) {
		t.Fatalf("after the scan: scan %v, ids %v; want b and c, kept through the scans", scan, ids)
	}
	if scan, ids := tr.Round(); scan || len(ids) != 0 {
		t.Fatalf("next round: scan %v, ids %v; want nothing (taken)", scan, ids)
	}
	tr.Add("b") // the worker left b for later
	if _, ids := tr.Round(); !slices.Equal(ids, []string{"b"}) {
		t.Fatalf("after b was added again: %v", ids)
	}

	always := &repair.Tracker{}
	always.Scanned()
	always.Add("x")
	if scan, _ := always.Round(); !scan {
		t.Fatal("without ScanOnlyAtStart: a round did not scan")
	}
	if !always.Settled() {
		t.Fatal("without ScanOnlyAtStart the tracker keeps ids no round takes")
	}
}

// A note of a clean stop is read once: the process that takes it leaves
// none behind if it crashes.
func TestACleanStopIsTakenOnce(t *testing.T) {
	t.Parallel()
	stops := repair.NewStops(dbtest.Database(t))
	ctx := t.Context()
	if clean, err := stops.Take(ctx); err != nil || clean {
		t.Fatalf("first start: clean %v, %v; want not clean", clean, err)
	}
	for range 2 { // noted twice, as two stops in a row without a start
		if err := stops.Record(ctx, time.Now()); err != nil {
			t.Fatal(err)
		}
	}
	if clean, err := stops.Take(ctx); err != nil || !clean {
		t.Fatalf("after a clean stop: clean %v, %v", clean, err)
	}
	if clean, err := stops.Take(ctx); err != nil || clean {
		t.Fatalf("taken again: clean %v, %v; want not clean", clean, err)
	}
}
