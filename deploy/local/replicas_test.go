package main_test

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/metadata"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/opencrm/crm/deploy/local/platform"
	customerv1 "github.com/opencrm/crm/gen/go/crm/customer/v1"
	interactionv1 "github.com/opencrm/crm/gen/go/crm/interaction/v1"
	loyaltyv1 "github.com/opencrm/crm/gen/go/crm/loyalty/v1"
	segmentationv1 "github.com/opencrm/crm/gen/go/crm/segmentation/v1"
	statusv1 "github.com/opencrm/crm/gen/go/crm/status/v1"
	"github.com/opencrm/crm/pkg/feed"
)

// stall is a feed hook that, once armed, holds every record batch of its
// writer after the records are committed and before they have a place in
// the feed, until released: far longer than any wait in the code.
type stall struct {
	armed   atomic.Bool
	held    atomic.Int32
	release chan struct{}
	once    sync.Once
}

func (s *stall) hook(ctx context.Context, step feed.Step) error {
	if step != feed.StepCommitted || !s.armed.Load() {
		return nil
	}
	s.held.Add(1)
	select {
	case <-s.release:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (s *stall) free() { s.once.Do(func() { close(s.release) }) }

// logged is a purchase logged through one interaction-log instance.
type logged struct {
	customer string
	units    int64
	name     string // the interaction's resource name, once logged
	err      error
}

// Two interaction-log instances log purchases concurrently, one of them
// stalled after committing its records and before they get feed numbers,
// while two loyalty instances consume: the other writer's purchases are
// delivered during the stall, and once the stalled writer goes on every
// purchase earns its points exactly once and segmentation counts it once.
func TestReplicasStalledWriter(t *testing.T) {
	ctx := context.Background()
	p, err := platform.Start(ctx, testOptions(t))
	if err != nil {
		t.Fatal(err)
	}
	st := &stall{release: make(chan struct{})}
	// Release before stopping, so that a failing test does not wait for
	// the stalled calls' shutdown timeout.
	defer func() { st.free(); _ = p.Stop() }()
	stalledAddr, err := p.StartReplica(ctx, "interaction-log", st.hook)
	if err != nil {
		t.Fatal(err)
	}
	loyalty2, err := p.StartReplica(ctx, "loyalty", nil)
	if err != nil {
		t.Fatal(err)
	}
	token, err := p.Token(time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	dial := func(addr string) *grpc.ClientConn {
		c, err := grpc.NewClient(addr, grpc.WithTransportCredentials(insecure.NewCredentials()))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = c.Close() })
		return c
	}
	cctx, cancel := context.WithTimeout(metadata.AppendToOutgoingContext(ctx, "authorization", "Bearer "+token), 4*time.Minute)
	defer cancel()
	j := &journey{t: t, ctx: cctx,
		customers: customerv1.NewCustomerServiceClient(dial(p.Addr("customer-profile"))),
		segments:  segmentationv1.NewSegmentationServiceClient(dial(p.Addr("segmentation"))),
		loyalty:   loyaltyv1.NewLoyaltyServiceClient(dial(loyalty2))}
	writers := []interactionv1.InteractionServiceClient{
		interactionv1.NewInteractionServiceClient(dial(p.Addr("interaction-log"))),
		interactionv1.NewInteractionServiceClient(dial(stalledAddr)),
	}
	statuses := statusv1.NewStatusServiceClient(dial(p.Addr("interaction-log")))

	if _, err := j.loyalty.CreateProgram(cctx, &loyaltyv1.CreateProgramRequest{Program: &loyaltyv1.Program{Id: "club", DisplayName: "Club",
		CurrencyCode: "EUR", PointsPerUnit: 1, AutoEnrol: true}}); err != nil {
		t.Fatal(err)
	}
	// Customers 0 and 1 buy only through the free writer, 4 only through
	// the stalled one, 2 and 3 through both.
	var customers []string
	for i := range 5 {
		customers = append(customers, j.customer(fmt.Sprintf("Buyer %d", i), fmt.Sprintf("buyer%d@example.com", i)))
	}
	const perWriter = 8
	buys := [2][]*logged{}
	for w := range buys {
		for i := range perWriter {
			c := customers[i%4] // the free writer's
			if w == 1 {
				c = customers[2+i%3]
			}
			// Distinct amounts: a purchase counted twice or not at all
			// changes every sum it is in.
			buys[w] = append(buys[w], &logged{customer: c, units: int64(1+w)*100 + int64(i)})
		}
	}
	purchase := func(w int, b *logged, order string) {
		resp, err := writers[w].LogInteraction(cctx, &interactionv1.LogInteractionRequest{Interaction: &interactionv1.Interaction{
			Customer: b.customer, Channel: interactionv1.Channel_CHANNEL_WEB, Direction: interactionv1.Direction_DIRECTION_INBOUND,
			Kind: interactionv1.InteractionKind_INTERACTION_KIND_PURCHASE, OccurTime: timestamppb.New(time.Now().Add(-time.Hour)),
			Purchase: &interactionv1.Purchase{OrderId: order, Amount: eur(b.units)}}})
		b.name, b.err = resp.GetInteraction().GetName(), err
	}

	// The stalled writer commits its purchases and holds them.
	st.armed.Store(true)
	var stalled, free sync.WaitGroup
	for i, b := range buys[1] {
		stalled.Go(func() { purchase(1, b, fmt.Sprintf("S-%d", i)) })
	}
	j.eventually("the stalled writer to hold all its purchases", func() bool { return st.held.Load() == perWriter })
	// Meanwhile the other writer logs its own, concurrently.
	for i, b := range buys[0] {
		free.Go(func() { purchase(0, b, fmt.Sprintf("F-%d", i)) })
	}
	free.Wait()
	for _, b := range buys[0] {
		if b.err != nil {
			t.Fatalf("log a purchase through the free writer: %v", b.err)
		}
	}

	want := map[string]map[string]int64{} // customer: interaction: units
	add := func(bs []*logged) {
		for _, b := range bs {
			if want[b.customer] == nil {
				want[b.customer] = map[string]int64{}
			}
			want[b.customer][b.name] = b.units
		}
	}
	add(buys[0])
	earned := func(c string) (n int64) {
		if a := j.account(c); a != nil {
			n = a.GetPurchases()
		}
		return n
	}
	// The feed does not wait for the stalled writer: the free writer's
	// purchases earn while it is still held.
	j.eventually("the free writer's purchases to earn and count while the other writer is stalled", func() bool {
		for c, ps := range want {
			if earned(c) < int64(len(ps)) || j.grades(c).GetFacts().GetMetrics().GetPurchases() < int64(len(ps)) {
				return false
			}
		}
		return true
	})
	// The held purchases are committed: the log lists them.
	held, err := writers[0].ListInteractions(cctx, &interactionv1.ListInteractionsRequest{Customer: customers[4], PageSize: 100})
	if err != nil {
		t.Fatal(err)
	}
	if n := len(held.GetInteractions()); n != 2 {
		t.Fatalf("%d of the stalled writer's purchases of customer 4 listed during the stall, want 2 (committed)", n)
	}
	if n := st.held.Load(); n != perWriter {
		t.Fatalf("%d batches held, want %d", n, perWriter)
	}
	select {
	case <-st.release:
		t.Fatal("the stalled writer was released early")
	default:
	}
	for _, b := range buys[1] {
		if b.name != "" || b.err != nil {
			t.Fatalf("a stalled purchase returned during the stall: %q %v", b.name, b.err)
		}
	}

	// The stalled writer goes on; its purchases take their places in the
	// feed after the others.
	st.free()
	done := make(chan struct{})
	go func() { stalled.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(45 * time.Second):
		t.Fatal("timed out waiting for the released writer's calls to return")
	}
	for _, b := range buys[1] {
		if b.err != nil {
			t.Fatalf("log a purchase through the stalled writer: %v", b.err)
		}
	}
	add(buys[1])
	// A last purchase through the free writer: once both consumers applied
	// it, they applied everything before it in the feed.
	last := &logged{customer: customers[0], units: 7}
	purchase(0, last, "LAST")
	if last.err != nil {
		t.Fatal(last.err)
	}
	add([]*logged{last})
	total := 2*perWriter + 1

	j.eventually("loyalty to apply the last purchase", func() bool { return earned(last.customer) >= int64(len(want[last.customer])) })
	j.eventually("segmentation to apply the last purchase", func() bool {
		return j.grades(last.customer).GetFacts().GetMetrics().GetPurchases() >= int64(len(want[last.customer]))
	})

	// The feed holds each purchase once.
	s, err := statuses.GetStatus(cctx, &statusv1.GetStatusRequest{})
	if err != nil {
		t.Fatal(err)
	}
	if got := s.GetProduced().GetLastSequence(); got != int64(total) {
		t.Errorf("interaction-log's feed ends at %d, want one event per purchase: %d", got, total)
	}
	for _, c := range customers {
		ps := want[c]
		var sum int64
		for _, u := range ps {
			sum += u
		}
		a := j.account(c)
		if a.GetPurchases() != int64(len(ps)) || a.GetBalance() != sum {
			t.Errorf("%s: %d purchases, balance %d; want %d, %d", c, a.GetPurchases(), a.GetBalance(), len(ps), sum)
		}
		entries, err := j.loyalty.ListLedgerEntries(cctx, &loyaltyv1.ListLedgerEntriesRequest{Program: "programs/club", Customer: c, PageSize: 500})
		if err != nil {
			t.Fatal(err)
		}
		seen := map[string]int{}
		for _, e := range entries.GetEntries() {
			if e.GetType() != loyaltyv1.EntryType_ENTRY_TYPE_EARN {
				t.Errorf("%s: unexpected ledger entry %v", c, e)
				continue
			}
			seen[e.GetSource()]++
			if units, ok := ps[e.GetSource()]; !ok || e.GetPoints() != units {
				t.Errorf("%s: ledger entry %s for %d points, want %d from a purchase of the customer", c, e.GetSource(), e.GetPoints(), units)
			}
		}
		for name := range ps {
			if seen[name] != 1 {
				t.Errorf("%s: %d ledger entries for %s, want 1", c, seen[name], name)
			}
		}
		g := j.grades(c)
		if g.GetFacts().GetMetrics().GetPurchases() != int64(len(ps)) || g.GetAmount().GetUnits() != sum {
			t.Errorf("%s in segmentation: %d purchases, amount %d; want %d, %d", c,
				g.GetFacts().GetMetrics().GetPurchases(), g.GetAmount().GetUnits(), len(ps), sum)
		}
	}
}
