package feed

import (
	"context"
	"maps"
	"slices"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/opencrm/crm/pkg/mongox"
)

// Bookkeeping that no reader needs at once is written in bulk, off the
// path of each publish: the shared end hint, and the deletion of record
// batches' intents whose records are all placed. Each costs a round trip
// per publish otherwise, a third of a batch insert's time on the embedded
// database. Both are safe to leave late: the hint may lag by design (a
// reader or writer walks on from it), and an intent left over is one
// that a recovery finds fully placed and deletes.
const (
	// tidyEvery is how many placings, or finished intents, wait before
	// the hint, or the intents' deletion, is written; Relay writes what
	// waits every interval, and when it stops.
	tidyEvery = 16
	// tidyTimeout bounds the last tidy after Relay's context has ended.
	tidyTimeout = 5 * time.Second
)

// placedSome notes a placing (of one or many chunks) and writes the hint
// once tidyEvery placings wait, so that a batch costs the same whatever
// its size. The caller holds p.mu.
func (p *Producer) placedSome(ctx context.Context) error {
	p.unhinted++
	if p.unhinted < tidyEvery {
		return nil
	}
	return p.writeHint(ctx)
}

// writeHint records the end this process knows. The caller holds p.mu.
func (p *Producer) writeHint(ctx context.Context) error {
	if p.tail <= p.hinted {
		return nil
	}
	if err := p.hint(ctx, p.tail); err != nil {
		return err
	}
	p.hinted, p.unhinted = p.tail, 0
	return nil
}

// finished queues the intent of a batch whose records are all placed for
// deletion, and deletes the queue once tidyEvery wait.
func (p *Producer) finished(ctx context.Context, batch string) error {
	p.doneMu.Lock()
	p.done[batch] = true
	n := len(p.done)
	p.doneMu.Unlock()
	if n < tidyEvery {
		return nil
	}
	return p.clearIntents(ctx)
}

// clearIntents deletes the queued intents in one command.
func (p *Producer) clearIntents(ctx context.Context) error {
	p.doneMu.Lock()
	ids := slices.Collect(maps.Keys(p.done))
	p.doneMu.Unlock()
	if len(ids) == 0 {
		return nil
	}
	if _, err := p.pending.DeleteMany(ctx, bson.D{{Key: "_id", Value: bson.D{{Key: "$in", Value: ids}}}}); err != nil {
		return mongox.Wrap("clear finished batches' intents", err)
	}
	p.doneMu.Lock()
	for _, id := range ids {
		delete(p.done, id)
	}
	p.doneMu.Unlock()
	return nil
}

// queued reports whether batch's intent waits for deletion here.
func (p *Producer) queued(batch string) bool {
	p.doneMu.Lock()
	defer p.doneMu.Unlock()
	return p.done[batch]
}

// tidy writes what waits: the hint and the finished intents' deletion.
func (p *Producer) tidy(ctx context.Context) error {
	p.mu.Lock()
	err := p.writeHint(ctx)
	p.mu.Unlock()
	if err != nil {
		return err
	}
	return p.clearIntents(ctx)
}
