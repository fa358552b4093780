// Command interaction-bench measures interaction-log on the embedded
// database: single logs/s, batch ingest and streamed ingest docs/s (batches
// of 500, streams of four messages of 500), each next to the raw driver's
// insertMany of the same documents in alternating rounds (the raw
// collections growing as fast as the service's),
// and the timeline page latency next to the raw driver's same query; it
// writes the figures to a results file. A benchmark, not a test:
//
//	go run ./services/interaction/cmd/interaction-bench -out services/interaction/BENCHMARKS.md
package main

import (
	"context"
	"crypto/rand"
	"flag"
	"fmt"
	"os"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
	"google.golang.org/protobuf/types/known/timestamppb"

	customerv1 "github.com/opencrm/crm/gen/go/crm/customer/v1"
	interactionv1 "github.com/opencrm/crm/gen/go/crm/interaction/v1"
	typev1 "github.com/opencrm/crm/gen/go/crm/type/v1"
	"github.com/opencrm/crm/pkg/benchrig"
	"github.com/opencrm/crm/pkg/config"
	"github.com/opencrm/crm/pkg/mongox"
	"github.com/opencrm/crm/pkg/peer"
	"github.com/opencrm/crm/services/interaction/internal/record"
	"github.com/opencrm/crm/services/interaction/internal/store"
	"github.com/opencrm/crm/services/interaction/service"
	profile "github.com/opencrm/crm/services/profile/service"
)

const (
	batch = 500
	// streamed is how many messages of 500 one ingest stream sends.
	streamed = 4
)

func main() {
	out := flag.String("out", "services/interaction/BENCHMARKS.md", "results file")
	batches := flag.Int("batches", 10, "rounds of one call each way (a service batch of 500, a service stream of 4 x 500, raw and raw with indexes insertMany of 500)")
	pages := flag.Int("pages", 100, "timeline pages read each way (the embedded database sorts the whole table for each)")
	flag.Parse()
	if *batches < 1 || *pages < 2 {
		fmt.Fprintln(os.Stderr, "interaction-bench: -batches must be at least 1 and -pages at least 2")
		os.Exit(2)
	}
	benchrig.Exit(run(context.Background(), *out, *batches, *pages))
}

func run(ctx context.Context, out string, batches, pages int) error {
	r, release, err := benchrig.OpenTemp(ctx, "interaction-bench-", benchrig.Options{})
	if err != nil {
		return err
	}
	defer release()
	prof, err := r.Start(ctx, profile.Name, "bench_profile", profile.Setup(config.FromMap(nil)))
	if err != nil {
		return err
	}
	svcToken, err := r.Token("interaction-log", []string{"customers.read", "customers.events"})
	if err != nil {
		return err
	}
	svc, err := r.Start(ctx, service.Name, "bench_interaction",
		service.SetupWith(service.Options{Profile: peer.Options{Addr: prof.Addr(), Token: svcToken, Timeout: 5 * time.Second}}))
	if err != nil {
		return err
	}
	cctx, err := r.Authorize(ctx, "bench", []string{"customers.write", "interactions.read", "interactions.write"})
	if err != nil {
		return err
	}
	pconn, err := r.Dial(prof.Addr())
	if err != nil {
		return err
	}
	conn, err := r.Dial(svc.Addr())
	if err != nil {
		return err
	}
	customers := customerv1.NewCustomerServiceClient(pconn)
	client := interactionv1.NewInteractionServiceClient(conn)

	// The customers' names for calls, and their ids for raw documents.
	var ids, customerIDs []string
	for n := range 20 {
		resp, err := customers.CreateCustomer(cctx, &customerv1.CreateCustomerRequest{Customer: &customerv1.Customer{
			Kind: customerv1.CustomerKind_CUSTOMER_KIND_PERSON, DisplayName: fmt.Sprint("Bench ", n)}})
		if err != nil {
			return err
		}
		ids = append(ids, resp.GetCustomer().GetName())
		customerIDs = append(customerIDs, resp.GetCustomer().GetId())
	}
	t0 := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	seq := 0
	item := func() *interactionv1.LogInteractionRequest {
		seq++
		return &interactionv1.LogInteractionRequest{Interaction: &interactionv1.Interaction{
			Customer: ids[seq%len(ids)], Channel: interactionv1.Channel_CHANNEL_WEB, Direction: interactionv1.Direction_DIRECTION_INBOUND,
			Kind: interactionv1.InteractionKind_INTERACTION_KIND_PURCHASE, OccurTime: timestamppb.New(t0.Add(time.Duration(seq) * time.Minute)),
			SourceSystem: "bench", ExternalId: strconv.Itoa(seq),
			Purchase: &interactionv1.Purchase{OrderId: fmt.Sprint("o-", seq), Amount: &typev1.Money{CurrencyCode: "EUR", Units: 10}}}}
	}

	var rep benchrig.Report
	add := rep.Addf

	// Single logs, one caller.
	singles := 200
	start := time.Now()
	for range singles {
		if _, err := client.LogInteraction(cctx, item()); err != nil {
			return err
		}
	}
	add("| single LogInteraction (1 caller) | %.0f logs/s | |", float64(singles)/time.Since(start).Seconds())

	mkBatch := func() []*interactionv1.LogInteractionRequest {
		reqs := make([]*interactionv1.LogInteractionRequest, batch)
		for n := range reqs {
			reqs[n] = item()
		}
		return reqs
	}
	logBatch := func() error {
		resp, err := client.BatchLogInteractions(cctx, &interactionv1.BatchLogInteractionsRequest{Requests: mkBatch()})
		if err != nil {
			return err
		}
		for _, res := range resp.GetResults() {
			if res.GetError() != nil {
				return fmt.Errorf("batch item: %v", res.GetError())
			}
		}
		return nil
	}
	ingest := func() error {
		stream, err := client.IngestInteractions(cctx)
		if err != nil {
			return err
		}
		for range streamed {
			if err := stream.Send(&interactionv1.IngestInteractionsRequest{Requests: mkBatch()}); err != nil {
				return err
			}
		}
		if resp, err := stream.CloseAndRecv(); err != nil || resp.GetFailed() != 0 {
			return fmt.Errorf("ingest: %v %w", resp, err)
		}
		return nil
	}

	// The raw driver: insertMany of the same stored documents, 500 at a time.
	rawDB := r.Database("bench_interaction")
	// The same indexes as the service's collection on this database, for
	// the second baseline.
	var indexed []mongox.Index
	for _, ix := range mongox.ForMode(mongox.ModeEmbedded, store.Indexes()) {
		if ix.Collection == store.Interactions {
			indexed = append(indexed, mongox.Index{Collection: "raw_indexed_interactions", Model: ix.Model})
		}
	}
	if err := mongox.EnsureIndexes(ctx, rawDB, indexed); err != nil {
		return err
	}
	rawInsert := func(coll string) func() error {
		return func() error {
			docs := make([]any, batch)
			for n := range docs {
				seq++
				i := record.Interaction{ID: strings.ToLower(rand.Text()[:20]), CustomerID: customerIDs[seq%len(customerIDs)], Channel: 6, Direction: 1,
					Kind: record.KindPurchase, OccurTime: t0.Add(time.Duration(seq) * time.Minute), RecordTime: time.Now(), UpdateTime: time.Now(),
					Purchase:     &record.Purchase{OrderID: fmt.Sprint("o-", seq), Amount: record.Amount{Minor: 1000, Currency: "EUR"}, RefundIDs: []string{}},
					SourceSystem: "bench", ExternalID: strconv.Itoa(seq), Tags: []string{}, Version: 1}
				i.DedupKey = "ext:5:bench:" + i.ExternalID
				i.OrderKey = "order:" + i.CustomerID + ":5:bench:" + i.Purchase.OrderID
				docs[n] = i
			}
			_, err := rawDB.Collection(coll).InsertMany(ctx, docs)
			return err
		}
	}
	// The raw collections grow as fast as the service's, which takes a
	// batch and a stream each round: an insert costs more in a bigger table.
	rawRound := func(insert func() error) func() error {
		return func() error {
			for range streamed + 1 {
				if err := insert(); err != nil {
					return err
				}
			}
			return nil
		}
	}

	// Rounds of one of each, so that drift in the machine's speed and the
	// collections' growth weigh on all four alike.
	ways := []func() error{logBatch, ingest, rawRound(rawInsert("raw_interactions")), rawRound(rawInsert("raw_indexed_interactions"))}
	perRound := []int{batch, streamed * batch, (streamed + 1) * batch, (streamed + 1) * batch}
	spent := make([]time.Duration, len(ways))
	rounds := make([][]time.Duration, len(ways))
	for range batches {
		for w, f := range ways {
			start := time.Now()
			if err := f(); err != nil {
				return err
			}
			d := time.Since(start)
			spent[w] += d
			rounds[w] = append(rounds[w], d)
		}
	}
	// Mean rates over all rounds, and rates of the median round: a stall
	// of the embedded database (a checkpoint, a background write on the
	// one connection) lands in one way's round at random and swings the
	// means between runs; the medians are the steadier comparison.
	rate := func(w int) float64 { return float64(batches*perRound[w]) / spent[w].Seconds() }
	median := func(w int) float64 {
		slices.Sort(rounds[w])
		return float64(perRound[w]) / benchrig.Quantile(rounds[w], 50).Seconds()
	}
	batchRate, streamRate, rawRate, rawIndexedRate := rate(0), rate(1), rate(2), rate(3)
	mBatch, mStream, mRaw, mRawIndexed := median(0), median(1), median(2), median(3)
	add("| BatchLogInteractions (batches of %d) | %.0f docs/s (median round %.0f) | %.0f%% of raw insertMany (median round %.0f%%); %.0f%% of raw insertMany with the service's indexes (median round %.0f%%) |",
		batch, batchRate, mBatch, 100*batchRate/rawRate, 100*mBatch/mRaw, 100*batchRate/rawIndexedRate, 100*mBatch/mRawIndexed)
	add("| IngestInteractions (streams of %d messages of %d) | %.0f docs/s (median round %.0f) | %.0f%% of raw insertMany (median round %.0f%%); %.0f%% with the service's indexes (median round %.0f%%) |",
		streamed, batch, streamRate, mStream, 100*streamRate/rawRate, 100*mStream/mRaw, 100*streamRate/rawIndexedRate, 100*mStream/mRawIndexed)
	add("| raw driver insertMany (%d per call, _id index only) | %.0f docs/s (median round %.0f) | |", batch, rawRate, mRaw)
	add("| raw driver insertMany (%d per call, the service's indexes) | %.0f docs/s (median round %.0f) | |", batch, rawIndexedRate, mRawIndexed)

	// Timeline pages of one customer, against the raw driver's same query.
	customer := ids[0]
	var grpcLat, rawLat []time.Duration
	for range pages {
		s := time.Now()
		if _, err := client.ListInteractions(cctx, &interactionv1.ListInteractionsRequest{Customer: customer, PageSize: 50}); err != nil {
			return err
		}
		grpcLat = append(grpcLat, time.Since(s))
		s = time.Now()
		cur, err := rawDB.Collection(store.Interactions).Find(ctx,
			bson.D{{Key: "customer_id", Value: customerIDs[0]}},
			options.Find().SetSort(store.TimelineSort).SetLimit(51))
		if err != nil {
			return err
		}
		var docs []bson.Raw
		if err := cur.All(ctx, &docs); err != nil {
			return err
		}
		rawLat = append(rawLat, time.Since(s))
	}
	slices.Sort(grpcLat)
	slices.Sort(rawLat)
	add("| timeline page of 50 (ListInteractions, %d pages) | p50 %.0f µs, p99 %.0f µs | raw Find p50 %.0f µs, p99 %.0f µs |", pages,
		us(benchrig.Quantile(grpcLat, 50)), us(benchrig.Quantile(grpcLat, 99)), us(benchrig.Quantile(rawLat, 50)), us(benchrig.Quantile(rawLat, 99)))

	var b strings.Builder
	fmt.Fprintf(&b, "# interaction-log benchmark\n\nWritten by `go run ./services/interaction/cmd/interaction-bench` on %s (%s, %d CPUs), ",
		time.Now().UTC().Format("2006-01-02 15:04 MST"), runtime.Version(), runtime.NumCPU())
	b.WriteString("embedded database (FerretDB, SQLite, one-connection pools) in the same process; customer-profile running for the customer checks; tracing off. ")
	b.WriteString("Target: batch ingest at least 70% of raw insertMany throughput.\n\n| measure | figure | compared |\n|---|---|---|\n")
	b.WriteString(rep.String())
	return benchrig.WriteFile(out, b.String())
}

func us(d time.Duration) float64 { return float64(d.Microseconds()) }
