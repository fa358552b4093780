package mongox

import (
	"context"
	"sync/atomic"

	"go.mongodb.org/mongo-driver/v2/event"
)

// WriteFailures counts the write commands a client sent that failed: an
// error reply, a broken connection, a call cancelled while it waited. Such
// a write may still have been stored, so a process that saw one cannot
// vouch that nothing it wrote is left half done (repair.Stops). Writes
// refused with a write error (a duplicate key) are answers, not failures.
type WriteFailures struct{ n atomic.Int64 }

// Count returns the failures counted so far.
func (w *WriteFailures) Count() int64 { return w.n.Load() }

// writeCommands are the commands that change documents.
var writeCommands = map[string]bool{"insert": true, "update": true, "delete": true, "findAndModify": true}

// monitor returns next (may be nil) with w counting its client's failed
// writes.
func (w *WriteFailures) monitor(next *event.CommandMonitor) *event.CommandMonitor {
	m := &event.CommandMonitor{}
	if next != nil {
		*m = *next
	}
	failed := m.Failed
	m.Failed = func(ctx context.Context, e *event.CommandFailedEvent) {
		if writeCommands[e.CommandName] {
			w.n.Add(1)
		}
		if failed != nil {
			failed(ctx, e)
		}
	}
	return m
}
