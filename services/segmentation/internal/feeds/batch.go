package feeds

import (
	"context"
	"errors"
	"fmt"
	"time"

	customerv1 "github.com/opencrm/crm/gen/go/crm/customer/v1"
	feedv1 "github.com/opencrm/crm/gen/go/crm/feed/v1"
	interactionv1 "github.com/opencrm/crm/gen/go/crm/interaction/v1"
	"github.com/opencrm/crm/pkg/customers"
	"github.com/opencrm/crm/pkg/feed"
	"github.com/opencrm/crm/pkg/resname"
	"github.com/opencrm/crm/services/segmentation/internal/grading"
	"github.com/opencrm/crm/services/segmentation/internal/metrics"
	"github.com/opencrm/crm/services/segmentation/internal/records"
)

// batch is a run of one feed's events applied to customers' metrics in
// memory: every customer it touches is read at once, each changed one is
// written once (version-checked), and all are rescored together.
type batch struct {
	a           *Applier
	interaction bool
	now         time.Time
	window      int
	docs        map[string]*doc // by id, merged-away customers included
	order       []string
}

// doc is one customer of a batch.
type doc struct {
	c       *metrics.Customer
	prev    int64
	changed bool
	rescore bool
	// ctx is the context of the last event that touched the customer:
	// their membership events continue its trace.
	ctx context.Context //nolint:containedctx // it is the trace the customer's membership events continue, carried as data
	// redo makes the customer's changes again one at a time, in order,
	// should the batched write meet a concurrent change.
	redo []func() error
}

// load reads the customers that events of the batch name, following
// merges to the survivors.
func (a *Applier) load(ctx context.Context, interaction bool, evs []feed.Event) (*batch, error) {
	settings, err := a.Engine.Settings(ctx)
	if err != nil {
		return nil, err
	}
	b := &batch{a: a, interaction: interaction, now: a.Engine.Now().UTC(), window: 2 * settings.Params.WindowDays, docs: map[string]*doc{}}
	var ids []string
	for _, ev := range evs {
		ids = append(ids, subjectOf(ev.Message))
	}
	for range 20 {
		found, err := a.Engine.MetricsByID(ctx, ids)
		if err != nil {
			return nil, err
		}
		var next []string
		for _, id := range ids {
			if _, ok := b.docs[id]; ok {
				continue
			}
			c := found[id]
			if c == nil {
				b.docs[id] = &doc{c: &metrics.Customer{ID: id}}
				continue
			}
			b.docs[id] = &doc{c: c, prev: c.Version}
			if c.MergedInto != "" {
				next = append(next, c.MergedInto)
			}
		}
		if len(next) == 0 {
			return b, nil
		}
		ids = next
	}
	return nil, errors.New("merge chain too long")
}

// subjectOf is the id of the customer an event changes.
func subjectOf(m any) string {
	var name string
	switch e := m.(type) {
	case *interactionv1.InteractionLogged:
		name = e.GetInteraction().GetCustomer()
	case *interactionv1.CaseOpened:
		name = e.GetCase().GetCustomer()
	case *interactionv1.CaseChanged:
		name = e.GetCase().GetCustomer()
	case interface{ GetCustomer() *customerv1.Customer }:
		return e.GetCustomer().GetId()
	}
	// The peers send well-formed names; a malformed one is no customer.
	id, _ := resname.Customers.Parse("customer", name)
	return id
}

// update applies change to customer id (following merges) in memory,
// unless their document has seq from this feed already.
func (b *batch) update(ctx context.Context, id string, seq int64, change func(*metrics.Customer)) error {
	d := b.docs[id]
	for d != nil && d.c.MergedInto != "" {
		d = b.docs[d.c.MergedInto]
	}
	if d == nil {
		return fmt.Errorf("%s was not loaded", resname.Customers.Format(id))
	}
	d.redo = append(d.redo, func() error { return b.a.update(ctx, id, b.interaction, seq, change) })
	if !d.changed && !d.rescore {
		b.order = append(b.order, d.c.ID)
	}
	d.ctx, d.rescore = ctx, true
	c := d.c
	if (b.interaction && c.ISeq >= seq) || (!b.interaction && c.PSeq >= seq) {
		return nil // applied before: a crash may have come before the rescoring
	}
	change(c)
	if b.interaction {
		c.ISeq = seq
	} else {
		c.PSeq = seq
	}
	d.changed = true
	return nil
}

// save writes each changed customer once, rescores the batch's customers
// together, and makes the changes of a customer that changed meanwhile
// again one at a time.
func (b *batch) save(ctx context.Context) error {
	var rescore []grading.Rescore
	var redo []*doc
	for _, id := range b.order {
		d := b.docs[id]
		if d.changed {
			d.c.Updated = b.now
			d.c.Prune(b.now, b.window)
			err := b.a.Engine.SaveMetrics(ctx, d.c, d.prev)
			if errors.Is(err, records.ErrConflict) {
				redo = append(redo, d)
				continue
			}
			if err != nil {
				return err
			}
		}
		if d.c.Version != 0 && d.c.MergedInto == "" {
			rescore = append(rescore, grading.Rescore{Customer: d.c, Ctx: d.ctx})
		}
	}
	if err := b.a.Engine.RescoreBatch(ctx, rescore); err != nil {
		return err
	}
	for _, d := range redo {
		for _, fn := range d.redo {
			if err := fn(); err != nil {
				return err
			}
		}
	}
	return nil
}

func (a *Applier) batches(interaction bool) *feed.Batches[*batch] {
	return &feed.Batches[*batch]{
		Load: func(ctx context.Context, evs []feed.Event) (*batch, error) { return a.load(ctx, interaction, evs) },
		Save: func(ctx context.Context, b *batch) error { return b.save(ctx) },
	}
}

// Interactions returns the Apply of interaction-log's feed:
// interactions, purchases, refunds and complaint cases.
func (a *Applier) Interactions() func(context.Context, []*feedv1.Event) error {
	bs := a.batches(true)
	feed.On(&bs.Handlers, func(ctx context.Context, b *batch, ev *feedv1.Event, e *interactionv1.InteractionLogged) error {
		change, err := a.interactionChange(e.GetInteraction())
		if err != nil {
			return err
		}
		return b.update(ctx, subjectOf(e), ev.GetSequence(), change)
	})
	onCase := func(ctx context.Context, b *batch, ev *feedv1.Event, c *interactionv1.Case) error {
		open := c.GetStatus() == interactionv1.CaseStatus_CASE_STATUS_OPEN || c.GetStatus() == interactionv1.CaseStatus_CASE_STATUS_IN_PROGRESS
		id, err := resname.Customers.Parse("case.customer", c.GetCustomer())
		if err != nil {
			return fmt.Errorf("case %s: %w", c.GetId(), err)
		}
		return b.update(ctx, id, ev.GetSequence(), func(m *metrics.Customer) { m.Case(c.GetId(), open) })
	}
	feed.On(&bs.Handlers, func(ctx context.Context, b *batch, ev *feedv1.Event, e *interactionv1.CaseOpened) error {
		return onCase(ctx, b, ev, e.GetCase())
	})
	feed.On(&bs.Handlers, func(ctx context.Context, b *batch, ev *feedv1.Event, e *interactionv1.CaseChanged) error {
		return onCase(ctx, b, ev, e.GetCase())
	})
	return bs.Apply
}

// Customers returns the Apply of customer-profile's feed: creations,
// updates, deletions and restorations keep the profile facts (a
// soft-deleted customer leaves every segment until restored), merges add
// the loser's behaviour to the survivor's, erasures forget the customer.
func (a *Applier) Customers() func(context.Context, []*feedv1.Event) error {
	bs := a.batches(false)
	// The three events carry the customer as it is now.
	profile := func(ctx context.Context, b *batch, ev *feedv1.Event, c *customerv1.Customer) error {
		p, deleted := Profile(c), c.GetState() == customerv1.CustomerState_CUSTOMER_STATE_DELETED
		return b.update(ctx, c.GetId(), ev.GetSequence(), func(m *metrics.Customer) { m.Profile, m.Deleted = p, deleted })
	}
	feed.On(&bs.Handlers, func(ctx context.Context, b *batch, ev *feedv1.Event, e *customerv1.CustomerCreated) error {
		return profile(ctx, b, ev, e.GetCustomer())
	})
	feed.On(&bs.Handlers, func(ctx context.Context, b *batch, ev *feedv1.Event, e *customerv1.CustomerUpdated) error {
		return profile(ctx, b, ev, e.GetCustomer())
	})
	feed.On(&bs.Handlers, func(ctx context.Context, b *batch, ev *feedv1.Event, e *customerv1.CustomerUndeleted) error {
		return profile(ctx, b, ev, e.GetCustomer())
	})
	feed.On(&bs.Handlers, func(ctx context.Context, b *batch, ev *feedv1.Event, e *customerv1.CustomerDeleted) error {
		return b.update(ctx, e.GetCustomer().GetId(), ev.GetSequence(), func(m *metrics.Customer) { m.Deleted = true })
	})
	customers.OnProfileReach(&bs.Handlers, a, a.Confirm)
	return bs.Apply
}

// InteractionConsumer returns the consumer of interaction-log's feed.
func InteractionConsumer(client interactionv1.InteractionServiceClient, a *Applier, base feed.Consumer) *feed.Consumer {
	return feed.NewConsumer(base, "interaction-log", feed.Watcher(func(ctx context.Context, after int64) (interactionv1.InteractionService_WatchInteractionEventsClient, error) {
		return client.WatchInteractionEvents(ctx, &interactionv1.WatchInteractionEventsRequest{AfterSequence: after})
	}), a.Interactions())
}
