package main

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/metadata"
	"google.golang.org/protobuf/types/known/timestamppb"

	customerv1 "github.com/opencrm/crm/gen/go/crm/customer/v1"
	interactionv1 "github.com/opencrm/crm/gen/go/crm/interaction/v1"
	segmentationv1 "github.com/opencrm/crm/gen/go/crm/segmentation/v1"
	typev1 "github.com/opencrm/crm/gen/go/crm/type/v1"
	"github.com/opencrm/crm/pkg/auth"
	"github.com/opencrm/crm/pkg/config"
	"github.com/opencrm/crm/pkg/embedded"
	"github.com/opencrm/crm/pkg/mongox"
	"github.com/opencrm/crm/pkg/server"
	interaction "github.com/opencrm/crm/services/interaction/service"
	profile "github.com/opencrm/crm/services/profile/service"
	"github.com/opencrm/crm/services/segmentation/internal/store"
	segmentation "github.com/opencrm/crm/services/segmentation/service"
)

// purchaseToMembership runs customer-profile, interaction-log and
// segmentation with base generated customers in segmentation's database
// (graded by a first run), then logs purchases one at a time for a few
// real customers and times each until the customer's membership change
// arrives on the segmentation feed. The segment holds customers with an
// odd number of purchases, so every purchase moves its customer in or out.
func purchaseToMembership(ctx context.Context, res *results, base, samples int, pg string) error {
	dir, err := os.MkdirTemp("", "segmentation-bench-")
	if err != nil {
		return err
	}
	defer cleanup("remove "+dir, func() error { return os.RemoveAll(dir) })
	db, err := embedded.Start(ctx, dir, embedded.Options{PostgreSQLURL: pg})
	if err != nil {
		return err
	}
	defer db.Stop()
	mongoCfg := func(database string) mongox.Config {
		return mongox.Config{URI: db.URI(), Database: database, Mode: mongox.ModeEmbedded, MaxPoolSize: 1, ConnectTimeout: 10 * time.Second}
	}
	// The base, stored before segmentation starts.
	client, err := mongox.Connect(ctx, mongoCfg("bench_segmentation"), nil)
	if err != nil {
		return err
	}
	// A PostgreSQL backend keeps data between runs: start from nothing.
	for _, name := range []string{"bench_profile", "bench_interaction", "bench_segmentation"} {
		if err := client.Database(name).Drop(ctx); err != nil {
			return err
		}
	}
	mdb := client.Database("bench_segmentation")
	if err := mongox.EnsureIndexes(ctx, mdb, store.Indexes()); err != nil {
		return err
	}
	if err := seed(ctx, store.New(mdb), base, time.Now().UTC()); err != nil {
		return err
	}
	if err := client.Disconnect(ctx); err != nil {
		return err
	}

	secret := []byte(rand.Text() + rand.Text())
	start := func(name, database string, setup server.Setup) (*server.Running, error) {
		r, err := server.Start(ctx, server.Config{Service: name, ListenAddr: "127.0.0.1:0", Auth: auth.Config{HMACSecret: secret}, PageTokenKey: secret,
			ShutdownTimeout: 5 * time.Second, Mongo: mongoCfg(database)}, setup, server.Options{LogOutput: io.Discard})
		if err != nil {
			return nil, err
		}
		<-r.Ready()
		return r, nil
	}
	prof, err := start(profile.Name, "bench_profile", profile.Setup(config.FromMap(nil)))
	if err != nil {
		return err
	}
	defer cleanup("stop customer-profile", prof.Stop)
	svcToken, err := auth.Mint(secret, "service", []string{"customers.read", "customers.events", "interactions.events"}, time.Hour, "", "")
	if err != nil {
		return err
	}
	inter, err := start(interaction.Name, "bench_interaction", interaction.Setup(config.FromMap(map[string]string{
		"CRM_PROFILE_ADDR": prof.Addr(), "CRM_PROFILE_TOKEN": svcToken})))
	if err != nil {
		return err
	}
	defer cleanup("stop interaction-log", inter.Stop)
	seg, err := start(segmentation.Name, "bench_segmentation", segmentation.Setup(config.FromMap(map[string]string{
		"CRM_PROFILE_ADDR": prof.Addr(), "CRM_PROFILE_TOKEN": svcToken, "CRM_INTERACTION_ADDR": inter.Addr(), "CRM_INTERACTION_TOKEN": svcToken,
		"CRM_SEGMENTATION_CURRENCY": "EUR"})))
	if err != nil {
		return err
	}
	defer cleanup("stop segmentation", seg.Stop)

	token, err := auth.Mint(secret, "bench", auth.AllScopes(), time.Hour, "", "")
	if err != nil {
		return err
	}
	cctx := metadata.AppendToOutgoingContext(ctx, "authorization", "Bearer "+token)
	var conns []*grpc.ClientConn
	defer func() {
		for _, c := range conns {
			_ = c.Close()
		}
	}()
	dial := func(addr string) (*grpc.ClientConn, error) {
		c, err := grpc.NewClient(addr, grpc.WithTransportCredentials(insecure.NewCredentials()))
		conns = append(conns, c)
		return c, err
	}
	pc, err := dial(prof.Addr())
	if err != nil {
		return err
	}
	ic, err := dial(inter.Addr())
	if err != nil {
		return err
	}
	sc, err := dial(seg.Addr())
	if err != nil {
		return err
	}
	customers, logs, segs := customerv1.NewCustomerServiceClient(pc), interactionv1.NewInteractionServiceClient(ic), segmentationv1.NewSegmentationServiceClient(sc)

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
	for quiet := false; !quiet; {
		select {
		case <-seen:
		case <-time.After(time.Second):
			quiet = true
		}
	}
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
		timeout := time.After(30 * time.Second)
	wait:
		for {
			select {
			case got, ok := <-seen:
				if !ok {
					return errors.New("segmentation feed closed")
				}
				if got == c {
					break wait
				}
			case <-timeout:
				return fmt.Errorf("the membership change of %s did not arrive", c)
			}
		}
		lat = append(lat, time.Since(s))
	}
	slices.Sort(lat)
	pct := func(p float64) float64 { return lat[min(len(lat)-1, int(p*float64(len(lat))))].Seconds() }
	res.addf("%d customers in segmentation's database (the segment's first run over them took %.1f s); %d purchases logged one at a time through interaction-log, each timed from the LogInteraction call to its customer's SegmentMembershipChanged event on the segmentation feed. Target: p99 under 2 s.", base+20, runTook.Seconds(), samples)
	res.addf("")
	res.addf("| p50 | p90 | p99 | max |")
	res.addf("| ---: | ---: | ---: | ---: |")
	res.addf("| %.3f s | %.3f s | %.3f s | %.3f s |", pct(0.5), pct(0.9), pct(0.99), lat[len(lat)-1].Seconds())
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
