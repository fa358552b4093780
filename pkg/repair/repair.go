// Package repair tells a repair worker which documents to look at: those a
// write may have left half done (an account whose ledger entries are not
// copied out yet, a complaint whose case is not opened yet).
//
// On MongoDB the worker finds them with an indexed query every round: any
// replica may have left them. On the embedded database that query reads
// and decodes the whole collection (FerretDB serves only filters on _id
// alone from an index): seconds at ten thousand accounts or a million
// interactions, on the service's one connection. The embedded database
// runs one replica, so there the worker queries once, at start, for what
// an earlier process left (not at all when it stopped clean, see Stops),
// and afterwards looks up by _id only the documents this process added.
package repair

import (
	"maps"
	"slices"
	"sync"
)

// Tracker keeps the documents added for a repair worker and says whether
// a round of the worker queries the collection. Safe for concurrent use.
//
// A writer adds a document once a write has left it needing the second
// step (the ledger copy, the case), and removes it when that step is done;
// a failure in between leaves it added. The worker's rounds take what is
// added and add again what they leave for a later round. The worker's
// repair must be harmless to repeat, and to run while the writer's second
// step runs: a round may take a document its writer is still finishing.
type Tracker struct {
	// ScanOnlyAtStart makes only the rounds up to the first complete scan
	// query the collection (the embedded database); later rounds take the
	// added documents.
	ScanOnlyAtStart bool

	mu      sync.Mutex
	added   map[string]bool
	scanned bool
}

// Add records documents a write left needing their second step. Without
// ScanOnlyAtStart every round scans, so nothing is kept.
func (t *Tracker) Add(ids ...string) {
	if !t.ScanOnlyAtStart {
		return
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.added == nil {
		t.added = map[string]bool{}
	}
	for _, id := range ids {
		t.added[id] = true
	}
}

// Remove drops documents whose second step is done.
func (t *Tracker) Remove(ids ...string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	for _, id := range ids {
		delete(t.added, id)
	}
}

// Round starts a round of the worker: with scan it queries the
// collection, which finds the added documents too (they stay added, as a
// writer may not have written them yet); otherwise it looks up ids, which
// it takes from the tracker.
func (t *Tracker) Round() (scan bool, ids []string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if !t.ScanOnlyAtStart || !t.scanned {
		return true, nil
	}
	ids = slices.Sorted(maps.Keys(t.added))
	clear(t.added)
	return false, ids
}

// Settled reports whether, with ScanOnlyAtStart, a scan has completed (it
// finds what an earlier process left) and no document added is left
// needing its second step: what a clean stop requires (Stops).
func (t *Tracker) Settled() bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	return (!t.ScanOnlyAtStart || t.scanned) && len(t.added) == 0
}

// Scanned records that a query found every document there was to find, or
// that there was none (the previous process stopped clean, Stops), so
// that, with ScanOnlyAtStart, later rounds take the added documents.
func (t *Tracker) Scanned() {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.scanned = true
}
