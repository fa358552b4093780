package benchrig

import (
	"context"
	"fmt"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/timestamppb"

	customerv1 "github.com/opencrm/crm/gen/go/crm/customer/v1"
	interactionv1 "github.com/opencrm/crm/gen/go/crm/interaction/v1"
	typev1 "github.com/opencrm/crm/gen/go/crm/type/v1"
	"github.com/opencrm/crm/pkg/feed"
	"github.com/opencrm/crm/pkg/mongox"
)

// Retries counts the calls Retry made again.
var Retries atomic.Int64

// Retry calls fn until it succeeds or fails with other than a timeout or
// unavailability, up to five times: on a loaded machine a service's call
// to another can miss its deadline.
func Retry(fn func() error) error {
	var err error
	for try := range 5 {
		if err = fn(); err == nil {
			return nil
		}
		if c := status.Code(err); c != codes.DeadlineExceeded && c != codes.Unavailable {
			return err
		}
		Retries.Add(1)
		time.Sleep(time.Duration(try+1) * time.Second)
	}
	return err
}

// Parallel runs fn(0..n-1) on callers goroutines and returns the first
// error.
func Parallel(n, callers int, fn func(i int) error) error {
	var wg sync.WaitGroup
	var mu sync.Mutex
	var first error
	for w := range callers {
		wg.Go(func() {
			for i := w; i < n; i += callers {
				if err := fn(i); err != nil {
					mu.Lock()
					if first == nil {
						first = err
					}
					mu.Unlock()
					return
				}
			}
		})
	}
	wg.Wait()
	return first
}

// CreateCustomers creates n people named label and a number with callers
// concurrent calls and returns their names in order.
func (r *Rig) CreateCustomers(ctx context.Context, n, callers int, label string) ([]string, error) {
	names := make([]string, n)
	err := Parallel(n, callers, func(i int) error {
		// No request id: on the SQLite backend each one's completion reads
		// the whole table of request ids (see BENCHMARKS.md); a retry after
		// a timeout may leave an extra customer, which changes nothing here.
		req := &customerv1.CreateCustomerRequest{Customer: &customerv1.Customer{Kind: customerv1.CustomerKind_CUSTOMER_KIND_PERSON,
			DisplayName: fmt.Sprintf("%s %d", label, i)}}
		return Retry(func() error {
			resp, err := r.People.CreateCustomer(ctx, req)
			if err != nil {
				return fmt.Errorf("create customer: %w", err)
			}
			names[i] = resp.GetCustomer().GetName()
			return nil
		})
	})
	return names, err
}

// Ingest streams items through IngestInteractions in messages of 500, one
// stream per 20 messages. A stream that fails, or whose items fail, is
// sent again (the items' source record ids make that safe): on a loaded
// machine interaction-log's check of the customers against
// customer-profile can miss its deadline.
func (r *Rig) Ingest(ctx context.Context, items []*interactionv1.LogInteractionRequest) error {
	const msg, perStream = 500, 20
	for len(items) > 0 {
		n := min(msg*perStream, len(items))
		var err error
		for try := range 5 {
			if err = r.ingestStream(ctx, items[:n]); err == nil {
				break
			}
			fmt.Fprintf(os.Stderr, "ingest, try %d: %v\n", try+1, err)
			time.Sleep(2 * time.Second)
		}
		if err != nil {
			return err
		}
		items = items[n:]
	}
	return nil
}

func (r *Rig) ingestStream(ctx context.Context, items []*interactionv1.LogInteractionRequest) error {
	const msg = 500
	stream, err := r.Logs.IngestInteractions(ctx)
	if err != nil {
		return fmt.Errorf("ingest: %w", err)
	}
	for len(items) > 0 {
		n := min(msg, len(items))
		if err := stream.Send(&interactionv1.IngestInteractionsRequest{Requests: items[:n]}); err != nil {
			_, err = stream.CloseAndRecv()
			return fmt.Errorf("ingest: %w", err)
		}
		items = items[n:]
	}
	resp, err := stream.CloseAndRecv()
	if err != nil {
		return fmt.Errorf("ingest: %w", err)
	}
	if resp.GetFailed() > 0 {
		return fmt.Errorf("ingest: %d items failed, the first: %v", resp.GetFailed(), resp.GetFailures()[0])
	}
	return nil
}

// IngestHistory ingests item(0..total-1) in chunks of 10,000, printing
// progress every 100,000 from began.
func (r *Rig) IngestHistory(ctx context.Context, total int, began time.Time, item func(k int) *interactionv1.LogInteractionRequest) error {
	const chunk = 10000
	for k := 0; k < total; k += chunk {
		items := make([]*interactionv1.LogInteractionRequest, 0, chunk)
		for j := k; j < min(k+chunk, total); j++ {
			items = append(items, item(j))
		}
		if err := r.Ingest(ctx, items); err != nil {
			return err
		}
		if (k/chunk)%10 == 9 {
			fmt.Fprintf(os.Stderr, "ingested %d after %s\n", k+chunk, time.Since(began).Round(time.Second))
		}
	}
	return nil
}

// Purchase is a logged purchase of customer in euros.
func Purchase(customer, order string, units int64, web bool, at time.Time) *interactionv1.LogInteractionRequest {
	ch := interactionv1.Channel_CHANNEL_SERVICE_CENTRE
	if web {
		ch = interactionv1.Channel_CHANNEL_WEB
	}
	return &interactionv1.LogInteractionRequest{Interaction: &interactionv1.Interaction{
		Customer: customer, Channel: ch, Direction: interactionv1.Direction_DIRECTION_INBOUND,
		Kind: interactionv1.InteractionKind_INTERACTION_KIND_PURCHASE, OccurTime: timestamppb.New(at),
		Purchase: &interactionv1.Purchase{OrderId: order, Amount: &typev1.Money{CurrencyCode: "EUR", Units: units}}}}
}

// Sourced sets an item's source record id (source system "bench"), which
// makes sending it again safe.
func Sourced(item *interactionv1.LogInteractionRequest, id string) *interactionv1.LogInteractionRequest {
	item.Interaction.SourceSystem, item.Interaction.ExternalId = "bench", id
	return item
}

// HistoryItem is the k-th event of an earlier history of customers: four
// in ten purchases (in US dollars, a currency no benchmark's program or
// segmentation's currency is in), the rest enquiries, support contacts,
// feedback and marketing touches.
func HistoryItem(k int, customers []string, at time.Time) *interactionv1.LogInteractionRequest {
	c := customers[k%len(customers)]
	id := fmt.Sprint("h-", k)
	if k%10 < 4 {
		p := Sourced(Purchase(c, id, int64(5+k%200), k%2 == 0, at), id)
		p.Interaction.Purchase.Amount.CurrencyCode = "USD"
		return p
	}
	kinds := []interactionv1.InteractionKind{interactionv1.InteractionKind_INTERACTION_KIND_INQUIRY, interactionv1.InteractionKind_INTERACTION_KIND_SUPPORT,
		interactionv1.InteractionKind_INTERACTION_KIND_FEEDBACK, interactionv1.InteractionKind_INTERACTION_KIND_MARKETING_TOUCH}
	channels := []interactionv1.Channel{interactionv1.Channel_CHANNEL_EMAIL, interactionv1.Channel_CHANNEL_PHONE, interactionv1.Channel_CHANNEL_WEB, interactionv1.Channel_CHANNEL_EMAIL}
	dir := interactionv1.Direction_DIRECTION_INBOUND
	if k%10 == 9 {
		dir = interactionv1.Direction_DIRECTION_OUTBOUND
	}
	return Sourced(&interactionv1.LogInteractionRequest{Interaction: &interactionv1.Interaction{
		Customer: c, Channel: channels[k%4], Direction: dir, Kind: kinds[(k%10-4)%4], OccurTime: timestamppb.New(at),
		Summary: "history"}}, id)
}

// BacklogItems are n purchases of customers at now, with source record
// ids unique to now.
func BacklogItems(customers []string, n int, now time.Time) []*interactionv1.LogInteractionRequest {
	items := make([]*interactionv1.LogInteractionRequest, n)
	for k := range items {
		id := fmt.Sprintf("b-%d-%d", now.Unix(), k)
		items[k] = Sourced(Purchase(customers[k%len(customers)], id, int64(20+k%150), k%2 == 0, now), id)
	}
	return items
}

// Lag returns interaction-log's feed head and the sequence the consumer
// whose database is consumerDB has stored as applied.
func (r *Rig) Lag(ctx context.Context, consumerDB string) (head, cursor int64, err error) {
	if head, err = feed.NewProducer(r.Database(r.InteractionDB)).LastSequence(ctx); err != nil {
		return 0, 0, fmt.Errorf("feed head: %w", err)
	}
	var c struct {
		Seq int64 `bson:"seq"`
	}
	err = r.Database(consumerDB).Collection(feed.CursorsCollection).FindOne(ctx, bson.D{{Key: "_id", Value: "interaction-log"}}).Decode(&c)
	if mongox.IsNotFound(err) {
		err = nil
	}
	if err != nil {
		return 0, 0, fmt.Errorf("cursor of %s: %w", consumerDB, err)
	}
	return head, c.Seq, nil
}

// CaughtUp waits until the consumer (named consumer, with its database
// consumerDB) has applied interaction-log's whole feed, printing progress
// as what, and returns when it saw the cursor reach the head.
func (r *Rig) CaughtUp(ctx context.Context, consumer, consumerDB, what string) (time.Time, error) {
	last := time.Now()
	for {
		head, cur, err := r.Lag(ctx, consumerDB)
		if err != nil {
			return time.Time{}, err
		}
		if cur >= head {
			return time.Now(), nil
		}
		if time.Since(last) > 15*time.Second {
			fmt.Fprintf(os.Stderr, "%s: %s at %d of %d\n", what, consumer, cur, head)
			last = time.Now()
		}
		select {
		case <-ctx.Done():
			return time.Time{}, fmt.Errorf("%s: %w", what, ctx.Err())
		case <-time.After(100 * time.Millisecond):
		}
	}
}
