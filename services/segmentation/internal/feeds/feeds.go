// Package feeds applies the other services' event feeds to segmentation's
// metrics: interactions, purchases, refunds and complaint cases from
// interaction-log; profile attributes, merges and erasures from
// customer-profile. Each event is applied to a customer's document at most
// once (the document keeps the last sequence applied from each feed, and
// each feed is applied in order), then the customer is rescored.
package feeds

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	customerv1 "github.com/opencrm/crm/gen/go/crm/customer/v1"
	feedv1 "github.com/opencrm/crm/gen/go/crm/feed/v1"
	interactionv1 "github.com/opencrm/crm/gen/go/crm/interaction/v1"
	"github.com/opencrm/crm/pkg/feed"
	"github.com/opencrm/crm/pkg/money"
	"github.com/opencrm/crm/services/segmentation/internal/grading"
	"github.com/opencrm/crm/services/segmentation/internal/metrics"
	"github.com/opencrm/crm/services/segmentation/internal/store"
)

// Applier applies both feeds.
type Applier struct {
	Engine *grading.Engine
	Log    *slog.Logger
}

// maxRetries bounds retries of a write that lost a race.
const maxRetries = 10

// update applies change to customer id's document (following merges),
// creating it if needed, unless the document already has seq from that
// feed; then rescores the customer.
func (a *Applier) update(ctx context.Context, id string, interaction bool, seq int64, change func(*metrics.Customer)) error {
	st := a.Engine.Store
	for range maxRetries {
		c, err := a.resolve(ctx, id)
		if err != nil {
			return err
		}
		var prev int64
		if c == nil {
			c = &metrics.Customer{ID: id}
		} else {
			prev = c.Version
		}
		if (interaction && c.ISeq >= seq) || (!interaction && c.PSeq >= seq) {
			// Applied before: a crash may have come before the rescoring.
			if c.Version == 0 || c.MergedInto != "" {
				return nil
			}
			return a.Engine.RescoreCustomer(ctx, c)
		}
		change(c)
		if interaction {
			c.ISeq = seq
		} else {
			c.PSeq = seq
		}
		now := a.Engine.Now().UTC()
		c.Updated = now
		settings, err := a.Engine.Settings(ctx)
		if err != nil {
			return err
		}
		c.Prune(now, 2*settings.Params.WindowDays)
		err = st.SaveCustomer(ctx, c, prev)
		if errors.Is(err, store.ErrConflict) {
			continue
		}
		if err != nil {
			return err
		}
		return a.Engine.RescoreCustomer(ctx, c)
	}
	return fmt.Errorf("update customers/%s: %w %d times", id, store.ErrConflict, maxRetries)
}

// resolve reads a customer, following merges to the survivor.
func (a *Applier) resolve(ctx context.Context, id string) (*metrics.Customer, error) {
	for range 20 {
		c, err := a.Engine.Store.Customer(ctx, id)
		if err != nil || c == nil || c.MergedInto == "" {
			return c, err
		}
		id = c.MergedInto
	}
	return nil, fmt.Errorf("customers/%s: merge chain too long", id)
}

// ApplyInteraction handles one interaction-log event.
func (a *Applier) ApplyInteraction(ctx context.Context, ev *feedv1.Event) error {
	if ev.GetRedacted() {
		return nil
	}
	switch ev.GetType() {
	case "crm.interaction.v1.InteractionLogged":
		var e interactionv1.InteractionLogged
		if err := ev.GetPayload().UnmarshalTo(&e); err != nil {
			return fmt.Errorf("decode interaction event: %w", err)
		}
		return a.interaction(ctx, ev.GetSequence(), e.GetInteraction())
	case "crm.interaction.v1.CaseOpened", "crm.interaction.v1.CaseChanged":
		var c *interactionv1.Case
		if ev.GetType() == "crm.interaction.v1.CaseOpened" {
			var e interactionv1.CaseOpened
			if err := ev.GetPayload().UnmarshalTo(&e); err != nil {
				return fmt.Errorf("decode case event: %w", err)
			}
			c = e.GetCase()
		} else {
			var e interactionv1.CaseChanged
			if err := ev.GetPayload().UnmarshalTo(&e); err != nil {
				return fmt.Errorf("decode case event: %w", err)
			}
			c = e.GetCase()
		}
		open := c.GetStatus() == interactionv1.CaseStatus_CASE_STATUS_OPEN || c.GetStatus() == interactionv1.CaseStatus_CASE_STATUS_IN_PROGRESS
		return a.update(ctx, strings.TrimPrefix(c.GetCustomer(), "customers/"), true, ev.GetSequence(), func(m *metrics.Customer) {
			m.Case(c.GetId(), open)
		})
	}
	return nil
}

func (a *Applier) interaction(ctx context.Context, seq int64, i *interactionv1.Interaction) error {
	at := i.GetOccurTime().AsTime()
	channel := strings.ToLower(strings.TrimPrefix(i.GetChannel().String(), "CHANNEL_"))
	if i.GetChannel() == interactionv1.Channel_CHANNEL_UNSPECIFIED {
		channel = ""
	}
	// amount converts an amount to minor units of the scored currency;
	// another currency counts the event but adds no spend.
	amount := func(m interface {
		GetCurrencyCode() string
		GetUnits() int64
		GetNanos() int32
	}) (int64, bool, error) {
		if m.GetCurrencyCode() != a.Engine.Currency {
			return 0, true, nil
		}
		v, err := money.ToMinor(m.GetCurrencyCode(), m.GetUnits(), m.GetNanos())
		return v, false, err
	}
	var change func(*metrics.Customer)
	switch i.GetKind() {
	case interactionv1.InteractionKind_INTERACTION_KIND_PURCHASE:
		v, foreign, err := amount(i.GetPurchase().GetAmount())
		if err != nil {
			return fmt.Errorf("purchase %s amount: %w", i.GetName(), err)
		}
		change = func(m *metrics.Customer) { m.Purchase(at, v, foreign, channel) }
	case interactionv1.InteractionKind_INTERACTION_KIND_REFUND:
		v, foreign, err := amount(i.GetRefund().GetAmount())
		if err != nil {
			return fmt.Errorf("refund %s amount: %w", i.GetName(), err)
		}
		change = func(m *metrics.Customer) { m.Refund(at, v, foreign, channel) }
	case interactionv1.InteractionKind_INTERACTION_KIND_COMPLAINT:
		change = func(m *metrics.Customer) { m.Complaint(at, channel) }
	default:
		change = func(m *metrics.Customer) { m.Other(at, channel) }
	}
	return a.update(ctx, strings.TrimPrefix(i.GetCustomer(), "customers/"), true, seq, func(m *metrics.Customer) {
		change(m)
		if s := i.GetSatisfaction(); s != nil {
			m.Satisfaction(s.GetRatio())
		}
	})
}

// ApplyCustomer handles one customer-profile event: creations, updates,
// deletions and restorations keep the profile facts (a soft-deleted
// customer leaves every segment until restored), merges add the loser's
// behaviour to the survivor's, erasures forget the customer.
func (a *Applier) ApplyCustomer(ctx context.Context, ev *feedv1.Event) error {
	seq := ev.GetSequence()
	switch ev.GetType() {
	case "crm.customer.v1.CustomerCreated", "crm.customer.v1.CustomerUpdated", "crm.customer.v1.CustomerUndeleted":
		if ev.GetRedacted() {
			return nil
		}
		// The three events carry the customer as it is now.
		m, err := ev.GetPayload().UnmarshalNew()
		if err != nil {
			return fmt.Errorf("decode %s: %w", ev.GetType(), err)
		}
		withCustomer, ok := m.(interface{ GetCustomer() *customerv1.Customer })
		if !ok {
			return fmt.Errorf("decode %s: no customer in %T", ev.GetType(), m)
		}
		c := withCustomer.GetCustomer()
		p, deleted := Profile(c), c.GetState() == customerv1.CustomerState_CUSTOMER_STATE_DELETED
		return a.update(ctx, c.GetId(), false, seq, func(m *metrics.Customer) { m.Profile, m.Deleted = p, deleted })
	case "crm.customer.v1.CustomerDeleted":
		var e customerv1.CustomerDeleted
		if err := ev.GetPayload().UnmarshalTo(&e); err != nil {
			return fmt.Errorf("decode deletion: %w", err)
		}
		return a.update(ctx, e.GetCustomer().GetId(), false, seq, func(m *metrics.Customer) { m.Deleted = true })
	case "crm.customer.v1.CustomerErased":
		var e customerv1.CustomerErased
		if err := ev.GetPayload().UnmarshalTo(&e); err != nil {
			return fmt.Errorf("decode erasure: %w", err)
		}
		id := strings.TrimPrefix(e.GetCustomer(), "customers/")
		if err := a.Engine.Store.DeleteCustomer(ctx, id); err != nil {
			return err
		}
		if err := a.Engine.Store.Feed.Redact(ctx, e.GetCustomer()); err != nil {
			return err
		}
		a.Log.InfoContext(ctx, "forgot an erased customer's metrics and grades", "customer", e.GetCustomer())
	case "crm.customer.v1.CustomersMerged":
		var e customerv1.CustomersMerged
		if err := ev.GetPayload().UnmarshalTo(&e); err != nil {
			return fmt.Errorf("decode merge: %w", err)
		}
		return a.merge(ctx, seq, strings.TrimPrefix(e.GetLoser(), "customers/"), e.GetSurvivor())
	}
	return nil
}

// merge adds the loser's metrics to the survivor's, leaves a tombstone
// that sends the loser's later events to the survivor, and publishes the
// loser leaving their segments.
func (a *Applier) merge(ctx context.Context, seq int64, loserID string, survivor *customerv1.Customer) error {
	st := a.Engine.Store
	loser, err := st.Customer(ctx, loserID)
	if err != nil {
		return err
	}
	if loser != nil && loser.MergedInto == "" {
		p := Profile(survivor)
		if err := a.update(ctx, survivor.GetId(), false, seq, func(m *metrics.Customer) {
			m.Absorb(loser)
			m.Profile = p
		}); err != nil {
			return err
		}
	}
	if err := a.Engine.Leave(ctx, loserID); err != nil {
		return err
	}
	tomb := &metrics.Customer{ID: loserID, MergedInto: survivor.GetId(), Updated: a.Engine.Now().UTC()}
	var prev int64
	if loser != nil {
		prev = loser.Version
	}
	if err := st.SaveCustomer(ctx, tomb, prev); err != nil && !errors.Is(err, store.ErrConflict) {
		return err
	}
	a.Log.InfoContext(ctx, "merged a customer's metrics into the survivor's", "loser", "customers/"+loserID, "survivor", survivor.GetName())
	return nil
}

// Profile is what rules may use of a profile.
func Profile(c *customerv1.Customer) metrics.Profile {
	d := c.GetDemographics()
	p := metrics.Profile{
		Known: true, Country: d.GetCountryCode(), Region: d.GetRegion(), Tags: c.GetTags(),
		LifecycleStage: enumName(c.GetLifecycleStage().String(), "LIFECYCLE_STAGE_"),
		Gender:         enumName(d.GetGender().String(), "GENDER_"),
		BirthYear:      d.GetBirthDate().GetYear(), BirthMonth: d.GetBirthDate().GetMonth(), BirthDay: d.GetBirthDate().GetDay(),
		Created: c.GetCreateTime().AsTime(),
	}
	for _, addr := range c.GetAddresses() {
		if addr.GetPrimary() || (p.Country == "" && len(c.GetAddresses()) == 1) {
			if p.Country == "" {
				p.Country = addr.GetCountryCode()
			}
			if p.Region == "" {
				p.Region = addr.GetRegion()
			}
		}
	}
	if len(c.GetAttributes()) > 0 {
		p.Attributes = map[string]string{}
		for k, v := range c.GetAttributes() {
			switch x := v.GetKind().(type) {
			case *customerv1.AttributeValue_StringValue:
				p.Attributes[k] = x.StringValue
			case *customerv1.AttributeValue_NumberValue:
				p.Attributes[k] = fmt.Sprint(x.NumberValue)
			case *customerv1.AttributeValue_BoolValue:
				p.Attributes[k] = fmt.Sprint(x.BoolValue)
			case *customerv1.AttributeValue_TimeValue:
				p.Attributes[k] = x.TimeValue.AsTime().Format(time.RFC3339)
			}
		}
	}
	return p
}

func enumName(s, prefix string) string {
	s = strings.TrimPrefix(s, prefix)
	if s == "UNSPECIFIED" {
		return ""
	}
	return strings.ToLower(s)
}

// InteractionConsumer returns the consumer of interaction-log's feed.
func InteractionConsumer(client interactionv1.InteractionServiceClient, a *Applier, c feed.Consumer) *feed.Consumer {
	c.Name = "interaction-log"
	c.Apply = a.ApplyInteraction
	c.Open = feed.Watcher(func(ctx context.Context, after int64) (interactionv1.InteractionService_WatchInteractionEventsClient, error) {
		return client.WatchInteractionEvents(ctx, &interactionv1.WatchInteractionEventsRequest{AfterSequence: after})
	})
	return &c
}
