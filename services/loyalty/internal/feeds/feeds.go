// Package feeds applies the other services' event feeds to loyalty: a
// purchase logged in interaction-log earns points and a refund reverses
// them; a merge in customer-profile moves the loser's accounts into the
// survivor's, an erasure pseudonymises the customer's accounts. Every
// effect is keyed by the event's cause, so a replay changes nothing twice.
package feeds

import (
	"context"
	"fmt"
	"log/slog"
	"strings"

	customerv1 "github.com/opencrm/crm/gen/go/crm/customer/v1"
	feedv1 "github.com/opencrm/crm/gen/go/crm/feed/v1"
	interactionv1 "github.com/opencrm/crm/gen/go/crm/interaction/v1"
	"github.com/opencrm/crm/pkg/feed"
	"github.com/opencrm/crm/pkg/idempotency"
	"github.com/opencrm/crm/pkg/money"
	"github.com/opencrm/crm/services/loyalty/internal/points"
	"github.com/opencrm/crm/services/loyalty/internal/store"
)

// Applier applies both feeds.
type Applier struct {
	Book *points.Book
	Keys *idempotency.Store
	Log  *slog.Logger
}

// ApplyInteraction handles one interaction-log event; only logged
// purchases and refunds matter here.
func (a *Applier) ApplyInteraction(ctx context.Context, ev *feedv1.Event) error {
	if ev.GetType() != "crm.interaction.v1.InteractionLogged" || ev.GetRedacted() {
		return nil
	}
	var e interactionv1.InteractionLogged
	if err := ev.GetPayload().UnmarshalTo(&e); err != nil {
		return fmt.Errorf("decode interaction event: %w", err)
	}
	i := e.GetInteraction()
	customer := strings.TrimPrefix(i.GetCustomer(), "customers/")
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
		return a.Book.OnPurchase(ctx, i.GetId(), customer, p)
	case interactionv1.InteractionKind_INTERACTION_KIND_REFUND:
		amount := i.GetRefund().GetAmount()
		minor, err := money.ToMinor(amount.GetCurrencyCode(), amount.GetUnits(), amount.GetNanos())
		if err != nil {
			return fmt.Errorf("refund %s amount: %w", i.GetName(), err)
		}
		return a.Book.OnRefund(ctx, i.GetId(), strings.TrimPrefix(i.GetRefund().GetPurchase(), "interactions/"), customer, amount.GetCurrencyCode(), minor)
	}
	return nil
}

// ApplyCustomer handles one customer-profile event: creations and updates
// keep the facts earning rules see (the birth month), merges move points,
// erasures pseudonymise.
func (a *Applier) ApplyCustomer(ctx context.Context, ev *feedv1.Event) error {
	switch ev.GetType() {
	case "crm.customer.v1.CustomerCreated", "crm.customer.v1.CustomerUpdated":
		if ev.GetRedacted() {
			return nil
		}
		var c *customerv1.Customer
		if ev.GetType() == "crm.customer.v1.CustomerCreated" {
			var e customerv1.CustomerCreated
			if err := ev.GetPayload().UnmarshalTo(&e); err != nil {
				return fmt.Errorf("decode creation: %w", err)
			}
			c = e.GetCustomer()
		} else {
			var e customerv1.CustomerUpdated
			if err := ev.GetPayload().UnmarshalTo(&e); err != nil {
				return fmt.Errorf("decode update: %w", err)
			}
			c = e.GetCustomer()
		}
		return a.Book.Store.SaveMember(ctx, store.Member{ID: c.GetId(), BirthMonth: c.GetDemographics().GetBirthDate().GetMonth()})
	case "crm.customer.v1.CustomerErased":
		var e customerv1.CustomerErased
		if err := ev.GetPayload().UnmarshalTo(&e); err != nil {
			return fmt.Errorf("decode erasure: %w", err)
		}
		n, err := a.Book.Erase(ctx, strings.TrimPrefix(e.GetCustomer(), "customers/"))
		if err != nil {
			return err
		}
		if err := a.Book.Store.ForgetMember(ctx, strings.TrimPrefix(e.GetCustomer(), "customers/")); err != nil {
			return err
		}
		if err := a.Book.Store.Redact(ctx, e.GetCustomer()); err != nil {
			return err
		}
		if err := a.Keys.ForgetSubject(ctx, e.GetCustomer()); err != nil {
			return err
		}
		a.Log.InfoContext(ctx, "pseudonymised an erased customer's accounts", "customer", e.GetCustomer(), "accounts", n)
	case "crm.customer.v1.CustomersMerged":
		var e customerv1.CustomersMerged
		if err := ev.GetPayload().UnmarshalTo(&e); err != nil {
			return fmt.Errorf("decode merge: %w", err)
		}
		if err := a.Book.Merge(ctx, strings.TrimPrefix(e.GetLoser(), "customers/"), e.GetSurvivor().GetId()); err != nil {
			return err
		}
		a.Log.InfoContext(ctx, "moved a merged customer's points", "loser", e.GetLoser(), "survivor", e.GetSurvivor().GetName())
	}
	return nil
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
