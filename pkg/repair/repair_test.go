package repair_test

import (
	"slices"
	"testing"

	"github.com/opencrm/crm/pkg/repair"
)

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
}
