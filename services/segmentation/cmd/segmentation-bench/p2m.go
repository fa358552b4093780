package main

import (
	"context"
	"fmt"
	"slices"
	"time"

	"google.golang.org/protobuf/types/known/timestamppb"

	customerv1 "github.com/opencrm/crm/gen/go/crm/customer/v1"
	interactionv1 "github.com/opencrm/crm/gen/go/crm/interaction/v1"
	segmentationv1 "github.com/opencrm/crm/gen/go/crm/segmentation/v1"
	typev1 "github.com/opencrm/crm/gen/go/crm/type/v1"
	"github.com/opencrm/crm/pkg/auth"
	"github.com/opencrm/crm/pkg/benchrig"
	"github.com/opencrm/crm/pkg/mongox"
	"github.com/opencrm/crm/services/segmentation/internal/store"
)

// purchaseToMembership runs customer-profile, interaction-log and
// segmentation with base generated customers in segmentation's database
// (graded by a first run), then logs purchases one at a time for a few
// real customers and times each until the customer's membership change
// arrives on the segmentation feed. The segment holds customers with an
// odd number of purchases, so every purchase moves its customer in or out.
func purchaseToMembership(ctx context.Context, res *benchrig.Report, base, samples int, pg string) error {
	r, release, err := benchrig.OpenTemp(ctx, "segmentation-bench-", benchrig.Options{PostgreSQLURL: pg})
	if err != nil {
		return err
	}
	defer release()
	// The base, stored before segmentation starts; a PostgreSQL backend
	// keeps data between runs: start from nothing.
	for _, name := range []string{profileSvc.Database, interactionSvc.Database, segmentationDB} {
		if err := r.Database(name).Drop(ctx); err != nil {
			return fmt.Errorf("drop %s: %w", name, err)
		}
	}
	mdb := r.Database(segmentationDB)
	if err := mongox.EnsureIndexes(ctx, mdb, store.Indexes()); err != nil {
		return fmt.Errorf("indexes: %w", err)
	}
	if err := seed(ctx, store.New(mdb, mongox.ModeEmbedded), base, time.Now().UTC()); err != nil {
		return err
	}
	if err := r.StartProducers(ctx, profileSvc, interactionSvc); err != nil {
		return err
	}
	segs, err := startSegmentation(ctx, r)
	if err != nil {
		return err
	}
	cctx, err := r.Authorize(ctx, "bench", auth.AllScopes())
	if err != nil {
		return err
	}
	customers, logs := r.People, r.Logs

	var names []string
	for range 20 {
		c, err := customers.CreateCustomer(cctx, &customerv1.CreateCustomerRequest{Customer: &customerv1.Customer{
			Kind: customerv1.CustomerKind_CUSTOMER_KIND_PERSON, DisplayName: "Probe"}})
		if err != nil {
			return err
		}
		names = append(names, c.GetCustomer().GetName())
	}
	created, err := segs.CreateSegment(cctx, &segmentationv1.CreateSegmentRequest{Segment: &segmentationv1.Segment{
		Id: "odd-purchases", Rule: `metrics.purchases % 2 == 1`}})
	if err != nil {
		return err
	}
	runStart := time.Now()
	if err := waitRun(cctx, segs, created.GetRun()); err != nil {
		return err
	}
	runTook := time.Since(runStart)

	wctx, cancel := context.WithCancel(cctx)
	defer cancel()
	probe, err := segs.WatchSegmentationEvents(wctx, &segmentationv1.WatchSegmentationEventsRequest{})
	if err != nil {
		return err
	}
	seen := make(chan string, 64)
	go func() {
		defer close(seen)
		for {
			resp, err := probe.Recv()
			if err != nil {
				return
			}
			var e segmentationv1.SegmentMembershipChanged
			if resp.GetEvent().GetPayload().UnmarshalTo(&e) == nil {
				seen <- e.GetCustomer()
			}
		}
	}()
	// The watch replays the feed's history first: wait until it is quiet.
	benchrig.Quiet(seen)
	lat := make([]time.Duration, 0, samples)
	for n := range samples {
		c := names[n%len(names)]
		s := time.Now()
		if _, err := logs.LogInteraction(cctx, &interactionv1.LogInteractionRequest{Interaction: &interactionv1.Interaction{
			Customer: c, Channel: interactionv1.Channel_CHANNEL_WEB, Direction: interactionv1.Direction_DIRECTION_INBOUND,
			Kind: interactionv1.InteractionKind_INTERACTION_KIND_PURCHASE, OccurTime: timestamppb.Now(),
			Purchase: &interactionv1.Purchase{OrderId: fmt.Sprint("probe-", n), Amount: &typev1.Money{CurrencyCode: "EUR", Units: 25}}}}); err != nil {
			return err
		}
		if err := benchrig.Await(seen, c, "segmentation feed"); err != nil {
			return err
		}
		lat = append(lat, time.Since(s))
	}
	slices.Sort(lat)
	pct := func(p int) float64 { return benchrig.Quantile(lat, p).Seconds() }
	res.Addf("%d customers in segmentation's database (the segment's first run over them took %.1f s); %d purchases logged one at a time through interaction-log, each timed from the LogInteraction call to its customer's SegmentMembershipChanged event on the segmentation feed. Target: p99 under 2 s.", base+20, runTook.Seconds(), samples)
	res.Addf("")
	res.Addf("| p50 | p90 | p99 | max |")
	res.Addf("| ---: | ---: | ---: | ---: |")
	res.Addf("| %.3f s | %.3f s | %.3f s | %.3f s |", pct(50), pct(90), pct(99), lat[len(lat)-1].Seconds())
	return nil
}

func waitRun(ctx context.Context, segs segmentationv1.SegmentationServiceClient, run string) error {
	stream, err := segs.WatchRun(ctx, &segmentationv1.WatchRunRequest{Name: run})
	if err != nil {
		return err
	}
	var last *segmentationv1.Run
	for {
		m, err := stream.Recv()
		if err != nil {
			break
		}
		last = m.GetRun()
	}
	if last.GetState() != segmentationv1.RunState_RUN_STATE_SUCCEEDED {
		return fmt.Errorf("run %s ended %v: %s", run, last.GetState(), last.GetError())
	}
	return nil
}
