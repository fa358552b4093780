// Package feeds applies the other services' event feeds to segmentation's
// metrics: interactions, purchases, refunds and complaint cases from
// interaction-log; profile attributes, merges and erasures from
// customer-profile. Each event is applied to a customer's document at most
// once (the document keeps the last sequence applied from each feed, and
// each feed is applied in order), then the customer is rescored.
package feeds

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"time"

	customerv1 "github.com/opencrm/crm/gen/go/crm/customer/v1"
	interactionv1 "github.com/opencrm/crm/gen/go/crm/interaction/v1"
	"github.com/opencrm/crm/pkg/customers"
	"github.com/opencrm/crm/pkg/money"
	"github.com/opencrm/crm/pkg/resname"
	"github.com/opencrm/crm/services/segmentation/internal/grading"
	"github.com/opencrm/crm/services/segmentation/internal/metrics"
	"github.com/opencrm/crm/services/segmentation/internal/records"
)

// Applier applies both feeds: events that change one customer's metrics
// in batches (batch.go), merges and erasures one at a time.
type Applier struct {
	Engine *grading.Engine
	Log    *slog.Logger
	// Confirm publishes the confirmation of each erasure applied.
	Confirm customers.Confirmer
}

// maxRetries bounds retries of a write that lost a race.
const maxRetries = 10

// update applies change to customer id's document (following merges),
// creating it if needed, unless the document already has seq from that
// feed; then rescores the customer. It is the one-at-a-time path: merges,
// and a batch's customers whose batched write met a concurrent change.
func (a *Applier) update(ctx context.Context, id string, interaction bool, seq int64, change func(*metrics.Customer)) error {
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
		err = a.Engine.SaveMetrics(ctx, c, prev)
		if errors.Is(err, records.ErrConflict) {
			continue
		}
		if err != nil {
			return err
		}
		return a.Engine.RescoreCustomer(ctx, c)
	}
	return fmt.Errorf("update customers/%s: %w %d times", id, records.ErrConflict, maxRetries)
}

// resolve reads a customer, following merges to the survivor.
func (a *Applier) resolve(ctx context.Context, id string) (*metrics.Customer, error) {
	for range 20 {
		c, err := a.Engine.Metrics(ctx, id)
		if err != nil || c == nil || c.MergedInto == "" {
			return c, err
		}
		id = c.MergedInto
	}
	return nil, fmt.Errorf("%s: merge chain too long", resname.Customers.Format(id))
}

// interactionChange returns the change a logged interaction makes to its
// customer's metrics.
func (a *Applier) interactionChange(i *interactionv1.Interaction) (func(*metrics.Customer), error) {
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
			return nil, fmt.Errorf("purchase %s amount: %w", i.GetName(), err)
		}
		change = func(m *metrics.Customer) { m.Purchase(at, v, foreign, channel) }
	case interactionv1.InteractionKind_INTERACTION_KIND_REFUND:
		v, foreign, err := amount(i.GetRefund().GetAmount())
		if err != nil {
			return nil, fmt.Errorf("refund %s amount: %w", i.GetName(), err)
		}
		change = func(m *metrics.Customer) { m.Refund(at, v, foreign, channel) }
	case interactionv1.InteractionKind_INTERACTION_KIND_COMPLAINT:
		change = func(m *metrics.Customer) { m.Complaint(at, channel) }
	default:
		change = func(m *metrics.Customer) { m.Other(at, channel) }
	}
	return func(m *metrics.Customer) {
		change(m)
		if s := i.GetSatisfaction(); s != nil {
			m.Satisfaction(s.GetRatio())
		}
	}, nil
}

// Merge adds the loser's metrics to the survivor's, leaves a tombstone
// that sends the loser's later events to the survivor, and publishes the
// loser leaving their segments.
func (a *Applier) Merge(ctx context.Context, seq int64, loserID string, survivor *customerv1.Customer) error {
	loser, err := a.Engine.Metrics(ctx, loserID)
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
	if err := a.Engine.SaveMetrics(ctx, tomb, prev); err != nil && !errors.Is(err, records.ErrConflict) {
		return err
	}
	a.Log.InfoContext(ctx, "merged a customer's metrics into the survivor's", "loser", resname.Customers.Format(loserID), "survivor", survivor.GetName())
	return nil
}

// Erase forgets an erased customer's metrics and grades, and the
// payloads of segmentation's events about them.
func (a *Applier) Erase(ctx context.Context, id string) ([]customers.Count, error) {
	f, err := a.Engine.Forget(ctx, id)
	if err != nil {
		return nil, err
	}
	a.Log.InfoContext(ctx, "forgot an erased customer's metrics and grades", "customer", resname.Customers.Format(id))
	return []customers.Count{{Kind: "metrics", Deleted: f.Metrics}, {Kind: "scores", Deleted: f.Scores},
		{Kind: "membership_changes", Deleted: f.MembershipChanges}}, nil
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
	for _, cs := range c.GetConsents() {
		p.Consents = append(p.Consents, metrics.Consent{Purpose: cmp.Or(cs.GetPurpose(), customers.PurposeMarketing),
			Channel: enumName(cs.GetChannel().String(), "CONSENT_CHANNEL_"), Granted: cs.GetGranted()})
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
				p.Attributes[k] = strconv.FormatBool(x.BoolValue)
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
