// Package confirmations applies the feeds of interaction-log, segmentation
// and loyalty to customer-profile's erasure receipts: each of them
// publishes crm.feed.v1.ErasureCompleted once it has erased what it kept of
// a customer, and the receipt records that service's part. Recording a
// part is idempotent, so a replayed feed changes nothing twice.
package confirmations

import (
	"context"
	"fmt"
	"log/slog"

	feedv1 "github.com/opencrm/crm/gen/go/crm/feed/v1"
	interactionv1 "github.com/opencrm/crm/gen/go/crm/interaction/v1"
	loyaltyv1 "github.com/opencrm/crm/gen/go/crm/loyalty/v1"
	segmentationv1 "github.com/opencrm/crm/gen/go/crm/segmentation/v1"
	"github.com/opencrm/crm/pkg/apperr"
	"github.com/opencrm/crm/pkg/feed"
	"github.com/opencrm/crm/pkg/resname"
	"github.com/opencrm/crm/services/profile/internal/archive"
	"github.com/opencrm/crm/services/profile/internal/customer"
)

// Applier records confirmations in the archive's receipts.
type Applier struct {
	Archive *archive.Archive
	Log     *slog.Logger
}

// Apply returns the Apply of a confirming service's feed; feedService is
// the service the feed belongs to, and only its own confirmations count.
func (a *Applier) Apply(feedService string) func(context.Context, []*feedv1.Event) error {
	var h feed.Handlers[struct{}]
	feed.Alone(&h, func(ctx context.Context, _ *feedv1.Event, e *feedv1.ErasureCompleted) error {
		return a.confirm(ctx, feedService, e)
	})
	return feed.EachAlone(h)
}

func (a *Applier) confirm(ctx context.Context, feedService string, e *feedv1.ErasureCompleted) error {
	if e.GetService() != feedService {
		a.Log.WarnContext(ctx, "ignored an erasure confirmation naming another service", "feed", feedService, "service", e.GetService())
		return nil
	}
	id, err := customer.Erasures.Parse("erasure", e.GetErasure())
	if err != nil {
		return fmt.Errorf("erasure confirmation of %s: %w", feedService, err)
	}
	cust, err := resname.Customers.Parse("customer", e.GetCustomer())
	if err != nil {
		return fmt.Errorf("erasure confirmation of %s: %w", feedService, err)
	}
	p := customer.Part{Customer: cust}
	for _, n := range e.GetCounts() {
		p.Counts = append(p.Counts, customer.Count{Kind: n.GetKind(), Deleted: n.GetDeleted(), Pseudonymised: n.GetPseudonymised()})
	}
	err = a.Archive.ConfirmErasure(ctx, id, feedService, p)
	if ae, ok := apperr.As(err); ok && ae.Kind == apperr.KindNotFound {
		// A receipt that is not here cannot be confirmed; waiting would
		// stop the feed for good.
		a.Log.WarnContext(ctx, "confirmation of an unknown erasure", "erasure", e.GetErasure(), "service", feedService)
		return nil
	}
	return err
}

// InteractionConsumer returns the consumer of interaction-log's feed.
func InteractionConsumer(a *Applier, base feed.Consumer, c interactionv1.InteractionServiceClient) *feed.Consumer {
	return feed.NewConsumer(base, customer.ServiceInteraction, feed.Watcher(func(ctx context.Context, after int64) (interactionv1.InteractionService_WatchInteractionEventsClient, error) {
		return c.WatchInteractionEvents(ctx, &interactionv1.WatchInteractionEventsRequest{AfterSequence: after})
	}), a.Apply(customer.ServiceInteraction))
}

// SegmentationConsumer returns the consumer of segmentation's feed.
func SegmentationConsumer(a *Applier, base feed.Consumer, c segmentationv1.SegmentationServiceClient) *feed.Consumer {
	return feed.NewConsumer(base, customer.ServiceSegmentation, feed.Watcher(func(ctx context.Context, after int64) (segmentationv1.SegmentationService_WatchSegmentationEventsClient, error) {
		return c.WatchSegmentationEvents(ctx, &segmentationv1.WatchSegmentationEventsRequest{AfterSequence: after})
	}), a.Apply(customer.ServiceSegmentation))
}

// LoyaltyConsumer returns the consumer of loyalty's feed.
func LoyaltyConsumer(a *Applier, base feed.Consumer, c loyaltyv1.LoyaltyServiceClient) *feed.Consumer {
	return feed.NewConsumer(base, customer.ServiceLoyalty, feed.Watcher(func(ctx context.Context, after int64) (loyaltyv1.LoyaltyService_WatchLoyaltyEventsClient, error) {
		return c.WatchLoyaltyEvents(ctx, &loyaltyv1.WatchLoyaltyEventsRequest{AfterSequence: after})
	}), a.Apply(customer.ServiceLoyalty))
}
