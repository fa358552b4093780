// Package feeds applies the other services' event feeds to loyalty: a
// purchase logged in interaction-log earns points and a refund reverses
// them; a merge in customer-profile moves the loser's accounts into the
// survivor's, an erasure pseudonymises the customer's accounts. Every
// effect is keyed by the event's cause, so a replay changes nothing twice.
// Purchases and refunds apply in batches (points.FeedBatch); merges and
// erasures one at a time.
package feeds

import (
	"cmp"
	"context"
	"fmt"
	"log/slog"
	"strings"

	customerv1 "github.com/opencrm/crm/gen/go/crm/customer/v1"
	feedv1 "github.com/opencrm/crm/gen/go/crm/feed/v1"
	interactionv1 "github.com/opencrm/crm/gen/go/crm/interaction/v1"
	"github.com/opencrm/crm/pkg/customers"
	"github.com/opencrm/crm/pkg/feed"
	"github.com/opencrm/crm/pkg/idempotency"
	"github.com/opencrm/crm/pkg/money"
	"github.com/opencrm/crm/pkg/resname"
	"github.com/opencrm/crm/services/loyalty/internal/names"
	"github.com/opencrm/crm/services/loyalty/internal/points"
	"github.com/opencrm/crm/services/loyalty/internal/rules"
)

// Applier applies both feeds.
type Applier struct {
	Book *points.Book
	Keys *idempotency.Store
	Log  *slog.Logger
	// Confirm publishes the confirmation of each erasure applied.
	Confirm customers.Confirmer
}

// Interactions returns the Apply of interaction-log's feed: logged
// purchases and refunds, in batches.
func (a *Applier) Interactions() func(context.Context, []*feedv1.Event) error {
	b := &feed.Batches[*points.FeedBatch]{Load: a.loadInteractions,
		Save: func(ctx context.Context, fb *points.FeedBatch) error { return fb.Save(ctx) }}
	feed.On(&b.Handlers, func(ctx context.Context, fb *points.FeedBatch, ev *feedv1.Event, e *interactionv1.InteractionLogged) error {
		return applyInteraction(ctx, fb, ev.GetSequence(), e.GetInteraction())
	})
	return b.Apply
}

func (a *Applier) loadInteractions(ctx context.Context, evs []feed.Event) (*points.FeedBatch, error) {
	touches := make([]points.Touch, 0, len(evs))
	for _, ev := range evs {
		logged, ok := ev.Message.(*interactionv1.InteractionLogged)
		if !ok {
			return nil, fmt.Errorf("event %s: %T is not an interaction logged", ev.GetId(), ev.Message)
		}
		i := logged.GetInteraction()
		customer, err := resname.Customers.Parse("customer", i.GetCustomer())
		if err != nil {
			return nil, fmt.Errorf("interaction %s: %w", i.GetName(), err)
		}
		t := points.Touch{Customer: customer, Interaction: i.GetId(), Seq: ev.GetSequence()}
		switch i.GetKind() {
		case interactionv1.InteractionKind_INTERACTION_KIND_PURCHASE:
			t.Currency = i.GetPurchase().GetAmount().GetCurrencyCode()
		case interactionv1.InteractionKind_INTERACTION_KIND_REFUND:
			t.Currency, t.Refund = i.GetRefund().GetAmount().GetCurrencyCode(), true
		default:
			continue
		}
		touches = append(touches, t)
	}
	return a.Book.LoadFeed(ctx, touches)
}

// applyInteraction applies one logged interaction, the feed's event seq;
// only purchases and refunds matter here.
func applyInteraction(ctx context.Context, fb *points.FeedBatch, seq int64, i *interactionv1.Interaction) error {
	customer, err := resname.Customers.Parse("customer", i.GetCustomer())
	if err != nil {
		return fmt.Errorf("interaction %s: %w", i.GetName(), err)
	}
	switch i.GetKind() {
	case interactionv1.InteractionKind_INTERACTION_KIND_PURCHASE:
		amount := i.GetPurchase().GetAmount()
		minor, err := money.ToMinor(amount.GetCurrencyCode(), amount.GetUnits(), amount.GetNanos())
		if err != nil {
			return fmt.Errorf("purchase %s amount: %w", i.GetName(), err)
		}
		p := points.Purchase{Source: i.GetName(), OrderID: i.GetPurchase().GetOrderId(), Currency: amount.GetCurrencyCode(), Amount: minor,
			Channel: strings.ToLower(strings.TrimPrefix(i.GetChannel().String(), "CHANNEL_")), Tags: i.GetTags(), OccurTime: i.GetOccurTime().AsTime()}
		for _, it := range i.GetPurchase().GetItems() {
			p.SKUs = append(p.SKUs, it.GetSku())
			p.ItemCount += int64(max(it.GetQuantity(), 1))
		}
		return fb.Purchase(ctx, seq, i.GetId(), customer, p)
	case interactionv1.InteractionKind_INTERACTION_KIND_REFUND:
		amount := i.GetRefund().GetAmount()
		minor, err := money.ToMinor(amount.GetCurrencyCode(), amount.GetUnits(), amount.GetNanos())
		if err != nil {
			return fmt.Errorf("refund %s amount: %w", i.GetName(), err)
		}
		purchase, err := names.Interactions.Parse("refund.purchase", i.GetRefund().GetPurchase())
		if err != nil {
			return fmt.Errorf("refund %s: %w", i.GetName(), err)
		}
		return fb.Refund(ctx, seq, i.GetId(), purchase, customer, amount.GetCurrencyCode(), minor)
	}
	return nil
}

// members is a batch of customer facts to store, the last of each
// customer's winning.
type members struct {
	order []string
	facts map[string]points.Member
}

func (m *members) set(c *customerv1.Customer) {
	if _, ok := m.facts[c.GetId()]; !ok {
		m.order = append(m.order, c.GetId())
	}
	mb := points.Member{ID: c.GetId(), BirthMonth: c.GetDemographics().GetBirthDate().GetMonth()}
	for _, cs := range c.GetConsents() {
		mb.Consents = append(mb.Consents, rules.Consent{Purpose: cmp.Or(cs.GetPurpose(), customers.PurposeMarketing),
			Channel: strings.ToLower(strings.TrimPrefix(cs.GetChannel().String(), "CONSENT_CHANNEL_")), Granted: cs.GetGranted()})
	}
	m.facts[c.GetId()] = mb
}

// Customers returns the Apply of customer-profile's feed: creations and
// updates keep the facts earning rules see (the birth month), stored once
// per customer per batch; merges move points, erasures pseudonymise.
func (a *Applier) Customers() func(context.Context, []*feedv1.Event) error {
	b := &feed.Batches[*members]{
		Load: func(context.Context, []feed.Event) (*members, error) {
			return &members{facts: map[string]points.Member{}}, nil
		},
		Save: func(ctx context.Context, m *members) error {
			ms := make([]points.Member, len(m.order))
			for i, id := range m.order {
				ms[i] = m.facts[id]
			}
			return a.Book.SaveMembers(ctx, ms)
		},
	}
	feed.On(&b.Handlers, func(_ context.Context, m *members, _ *feedv1.Event, e *customerv1.CustomerCreated) error {
		m.set(e.GetCustomer())
		return nil
	})
	feed.On(&b.Handlers, func(_ context.Context, m *members, _ *feedv1.Event, e *customerv1.CustomerUpdated) error {
		m.set(e.GetCustomer())
		return nil
	})
	customers.OnProfileReach(&b.Handlers, a, a.Confirm)
	return b.Apply
}

// Erase pseudonymises an erased customer's accounts and forgets what
// loyalty kept of them.
func (a *Applier) Erase(ctx context.Context, id string) ([]customers.Count, error) {
	n, err := a.Book.Erase(ctx, id)
	if err != nil {
		return nil, err
	}
	name := resname.Customers.Format(id)
	if err := a.Keys.ForgetSubject(ctx, name); err != nil {
		return nil, err
	}
	a.Log.InfoContext(ctx, "pseudonymised an erased customer's accounts", "customer", name, "accounts", n.Accounts, "redemptions", n.Redemptions)
	return []customers.Count{{Kind: "accounts", Pseudonymised: n.Accounts}, {Kind: "redemptions", Pseudonymised: n.Redemptions}}, nil
}

// Merge moves the loser's points to the survivor.
func (a *Applier) Merge(ctx context.Context, _ int64, loserID string, survivor *customerv1.Customer) error {
	if err := a.Book.Merge(ctx, loserID, survivor.GetId()); err != nil {
		return err
	}
	a.Log.InfoContext(ctx, "moved a merged customer's points", "loser", resname.Customers.Format(loserID), "survivor", survivor.GetName())
	return nil
}

// InteractionConsumer returns the consumer of interaction-log's feed.
func InteractionConsumer(client interactionv1.InteractionServiceClient, a *Applier, base feed.Consumer) *feed.Consumer {
	return feed.NewConsumer(base, "interaction-log", feed.Watcher(func(ctx context.Context, after int64) (interactionv1.InteractionService_WatchInteractionEventsClient, error) {
		return client.WatchInteractionEvents(ctx, &interactionv1.WatchInteractionEventsRequest{AfterSequence: after})
	}), a.Interactions())
}
