// Command loyalty-bench measures loyalty on the embedded database: EarnPoints
// and RedeemPoints operations/s with p50/p99 at 1 and 32 callers, next to
// the raw driver's cost of the store operations at the heart of one change
// (the same ten calls one change makes) in the same run,
// and the delay from a purchase logged in interaction-log to its points on
// the loyalty feed, with -accounts accounts. It writes the figures to a
// results file. A benchmark, not a test:
//
//	go run ./services/loyalty/cmd/loyalty-bench -out services/loyalty/BENCHMARKS.md
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"google.golang.org/protobuf/types/known/timestamppb"

	customerv1 "github.com/opencrm/crm/gen/go/crm/customer/v1"
	interactionv1 "github.com/opencrm/crm/gen/go/crm/interaction/v1"
	loyaltyv1 "github.com/opencrm/crm/gen/go/crm/loyalty/v1"
	typev1 "github.com/opencrm/crm/gen/go/crm/type/v1"
	"github.com/opencrm/crm/pkg/auth"
	"github.com/opencrm/crm/pkg/benchrig"
	"github.com/opencrm/crm/pkg/feed"
	"github.com/opencrm/crm/pkg/idempotency"
	"github.com/opencrm/crm/pkg/mongox"
	"github.com/opencrm/crm/pkg/resname"
	"github.com/opencrm/crm/services/loyalty/internal/ledger"
	"github.com/opencrm/crm/services/loyalty/internal/names"
	"github.com/opencrm/crm/services/loyalty/internal/points"
	"github.com/opencrm/crm/services/loyalty/internal/store"
)

// The program the run measures and its currency.
const (
	benchProgram = "programs/bench"
	currency     = "EUR"
)

func main() {
	out := flag.String("out", "services/loyalty/BENCHMARKS.md", "results file")
	accounts := flag.Int("accounts", 1000, "accounts in the program")
	ops := flag.Int("ops", 400, "operations per measurement")
	pg := flag.String("postgresql", "", "store the embedded database's data in this PostgreSQL database (FerretDB's postgresql backend) instead of SQLite")
	scale := flag.Bool("scale", false, "measure the feed consumer, the redeem race and the loaded purchase-to-points delay at scale instead (see -backend)")
	racers := flag.Int("racers", 50, "with -scale: concurrent redemptions of 1 point from a balance of 10")
	audit := flag.Bool("audit", true, "with -scale: replay every account from its ledger after the run (AuditAccounts; on the embedded database a read of the ledger per account, about 25 minutes at 10,000 accounts on PostgreSQL)")
	var c benchrig.ScaleConfig
	c.Flags(flag.CommandLine, "loyalty-bench", "enrolled customers", "services/loyalty/BENCHMARKS.json")
	flag.Parse()
	ctx := context.Background()
	if *scale {
		if err := c.Check(*out, *pg); err != nil {
			benchrig.Usagef("%v", err)
		}
		benchrig.Exit(runScale(ctx, c, *racers, *audit))
	}
	benchrig.Exit(run(ctx, *out, *accounts, *ops, *pg))
}

type bench struct {
	customers customerv1.CustomerServiceClient
	logs      interactionv1.InteractionServiceClient
	client    loyaltyv1.LoyaltyServiceClient
	names     []string
	report    benchrig.Report
	// accountIDs names accounts as the service does (same key).
	accountIDs points.AccountIDs
}

func run(ctx context.Context, out string, accounts, ops int, pg string) (err error) {
	r, release, err := benchrig.OpenTemp(ctx, "loyalty-bench-", benchrig.Options{PostgreSQLURL: pg})
	if err != nil {
		return err
	}
	defer release()
	if err := r.StartProducers(ctx, profileSvc, interactionSvc); err != nil {
		return err
	}
	client, err := startLoyalty(ctx, r)
	if err != nil {
		return err
	}
	callCtx, err := r.Authorize(ctx, "bench", auth.AllScopes())
	if err != nil {
		return err
	}
	accountIDs, err := points.NewAccountIDs([]byte(benchIDKey))
	if err != nil {
		return fmt.Errorf("account ids: %w", err)
	}
	b := &bench{accountIDs: accountIDs, customers: r.People, logs: r.Logs, client: client}

	if _, err := b.client.CreateProgram(callCtx, &loyaltyv1.CreateProgramRequest{Program: &loyaltyv1.Program{
		Id: "bench", DisplayName: "Bench", CurrencyCode: currency, PointsPerUnit: 1, AutoEnrol: true,
		Tiers: []*loyaltyv1.Tier{{Id: "silver", MinQualifyingPoints: 500, Multiplier: 1.5}}}}); err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "creating %d customers and accounts...\n", accounts)
	for n := range accounts {
		resp, err := b.customers.CreateCustomer(callCtx, &customerv1.CreateCustomerRequest{Customer: &customerv1.Customer{
			Kind: customerv1.CustomerKind_CUSTOMER_KIND_PERSON, DisplayName: fmt.Sprint("Bench ", n)}})
		if err != nil {
			return err
		}
		b.names = append(b.names, resp.GetCustomer().GetName())
		if _, err := b.client.EnrolCustomer(callCtx, &loyaltyv1.EnrolCustomerRequest{Program: benchProgram, Customer: b.names[n]}); err != nil {
			return err
		}
	}

	var seq int
	var mu sync.Mutex
	next := func() (int, string) {
		mu.Lock()
		defer mu.Unlock()
		seq++
		return seq, b.names[seq%len(b.names)]
	}
	earn := func() error {
		n, c := next()
		_, err := b.client.EarnPoints(callCtx, &loyaltyv1.EarnPointsRequest{Program: benchProgram, Customer: c, RequestId: fmt.Sprint("earn-", n),
			Purchase: &loyaltyv1.PurchaseInput{OrderId: fmt.Sprint("o-", n), Amount: &typev1.Money{CurrencyCode: currency, Units: 20}}})
		return err
	}
	// Redemptions take 1 point from the accounts the first earnings
	// filled (20 points each), so none runs short.
	var spent int
	redeem := func() error {
		mu.Lock()
		spent++
		n := spent
		mu.Unlock()
		c := b.names[1+(n-1)%min(ops, len(b.names)-1)]
		_, err := b.client.RedeemPoints(callCtx, &loyaltyv1.RedeemPointsRequest{Program: benchProgram, Customer: c, Points: 1, RequestId: fmt.Sprint("redeem-", n)})
		return err
	}
	for _, callers := range []int{1, 32} {
		for _, m := range []struct {
			name string
			fn   func() error
		}{{"EarnPoints", earn}, {"RedeemPoints", redeem}} {
			if err := b.measure(fmt.Sprintf("%s, %d callers", m.name, callers), ops, callers, m.fn); err != nil {
				return err
			}
			if callers == 1 {
				// Right after, on collections of the same size.
				if err := b.raw(ctx, r.Mongo(loyaltyDB), ops); err != nil {
					return err
				}
			}
		}
	}
	if err := b.purchaseToPoints(callCtx, 100); err != nil {
		return err
	}
	// No lost or doubled entries: every account replays from its ledger.
	audit, err := b.client.AuditAccounts(callCtx, &loyaltyv1.AuditAccountsRequest{Program: benchProgram})
	if err != nil {
		return err
	}
	note := fmt.Sprintf("After the run, AuditAccounts replayed %d accounts from their ledgers: %d differences.", audit.GetChecked(), len(audit.GetDifferences()))
	fmt.Fprintln(os.Stderr, note)

	var s strings.Builder
	fmt.Fprintf(&s, "## Operations (EarnPoints, RedeemPoints, one purchase at a time)\n\nWritten by `go run ./services/loyalty/cmd/loyalty-bench%s` on %s (%s, %d CPUs), ",
		benchrig.Args(), time.Now().UTC().Format("2006-01-02 15:04 MST"), runtime.Version(), runtime.NumCPU())
	backend := "SQLite"
	if pg != "" {
		backend = "PostgreSQL backend"
	}
	fmt.Fprintf(&s, "embedded database (FerretDB, %s, one-connection pools) in the same process; customer-profile and interaction-log running; %d accounts; tracing off. ", backend, accounts)
	fmt.Fprintf(&s, "Targets: purchase-to-points p99 under 1 s; the service adds at most 150 µs at p50 over the store's own cost.\n\n| measure | throughput | p50 | p99 |\n|---|---|---|---|\n")
	s.WriteString(b.report.String())
	s.WriteString("\n" + note + "\n")
	// Its own section: the scale mode's sections share the file.
	return benchrig.PutSection(out, "ops", s.String())
}

// measure runs ops calls of fn spread over callers goroutines.
func (b *bench) measure(what string, ops, callers int, fn func() error) error {
	lat := make([]time.Duration, 0, ops)
	var mu sync.Mutex
	var wg sync.WaitGroup
	var first error
	start := time.Now()
	for w := range callers {
		wg.Go(func() {
			for i := w; i < ops; i += callers {
				s := time.Now()
				err := fn()
				d := time.Since(s)
				mu.Lock()
				lat = append(lat, d)
				if err != nil && first == nil {
					first = err
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if first != nil {
		return fmt.Errorf("%s: %w", what, first)
	}
	b.row(what, float64(ops)/time.Since(start).Seconds(), lat)
	return nil
}

func (b *bench) row(what string, rate float64, lat []time.Duration) {
	slices.Sort(lat)
	b.report.Addf("| %s | %.0f ops/s | %.0f µs | %.0f µs |", what, rate, us(benchrig.Quantile(lat, 50)), us(benchrig.Quantile(lat, 99)))
}

// raw times, through the raw driver on the same database, the same store
// calls that one EarnPoints or RedeemPoints makes: claim the request id,
// read the program, read the account, look the entry up in the ledger,
// replace the account, insert the entry, take a feed sequence number,
// insert the event, clear the account's copied entries, store the
// response.
//
//nolint:goconst // the documents' keys are spelled as in the service's store, which this mirrors
func (b *bench) raw(ctx context.Context, cfg mongox.Config, ops int) error {
	client, err := mongox.Connect(ctx, cfg, nil)
	if err != nil {
		return err
	}
	defer benchrig.Cleanup("disconnect", func() error { return client.Disconnect(ctx) })
	rdb := client.Database(cfg.Database)
	accounts, programs := rdb.Collection(store.Accounts), rdb.Collection(store.Programs)
	// The service's own collections, at the sizes the run left them: on the
	// embedded database a lookup's cost grows with its collection.
	keys, responses, entries := rdb.Collection(idempotency.Collection), rdb.Collection(idempotency.ResponsesCollection), rdb.Collection(store.Ledger)
	audit, events := rdb.Collection("raw_audit"), rdb.Collection(feed.EventsCollection)
	// The accounts the measured calls used.
	ids := make([]string, min(ops, len(b.names)-1))
	for i := range ids {
		customer, err := resname.Customers.Parse("customer", b.names[1+i])
		if err != nil {
			return err
		}
		ids[i] = b.accountIDs.ID("bench", customer)
	}
	payload := make([]byte, 600)
	lat := make([]time.Duration, 0, ops)
	start := time.Now()
	for n := range ops {
		s := time.Now()
		key := fmt.Sprint("raw-", start.UnixNano(), "-", n)
		if _, err := keys.InsertOne(ctx, bson.D{{Key: "_id", Value: key}, {Key: "hash", Value: payload[:32]}, {Key: "attempt", Value: key}, {Key: "lease_until", Value: s}}); err != nil {
			return err
		}
		var p bson.Raw
		if err := programs.FindOne(ctx, bson.D{{Key: "_id", Value: "bench"}}).Decode(&p); err != nil {
			return err
		}
		var a points.Account
		id := ids[n%len(ids)]
		if err := accounts.FindOne(ctx, bson.D{{Key: "_id", Value: id}}).Decode(&a); err != nil {
			return err
		}
		if err := entries.FindOne(ctx, bson.D{{Key: "_id", Value: key}}).Err(); !mongox.IsNotFound(err) {
			return fmt.Errorf("ledger lookup: %w", err)
		}
		prev := a.Version
		a.Version++
		e := ledger.Entry{ID: key, Account: "raw-bench", Type: ledger.Earn, Points: 20, Time: s}
		a.Entries = []ledger.Entry{e}
		if _, err := accounts.ReplaceOne(ctx, bson.D{{Key: "_id", Value: id}, {Key: "version", Value: prev}}, a); err != nil {
			return err
		}
		if _, err := entries.InsertMany(ctx, []any{e}); err != nil {
			return err
		}
		// The event's chunk in the feed, the same size, under a key no
		// reader looks up, and the change's audit entry: what publishing
		// one event and recording its actor write.
		if _, err := events.InsertOne(ctx, bson.D{{Key: "_id", Value: "raw-" + key}, {Key: "batch", Value: "e/raw-" + key}, {Key: "n", Value: int64(1)},
			{Key: "placed", Value: s}, {Key: "time", Value: s}, {Key: "payload", Value: payload}}); err != nil {
			return err
		}
		if _, err := audit.InsertOne(ctx, bson.D{{Key: "_id", Value: key}, {Key: "resource", Value: id}, {Key: "time", Value: s}, {Key: "payload", Value: payload[:200]}}); err != nil {
			return err
		}
		if _, err := accounts.UpdateOne(ctx, bson.D{{Key: "_id", Value: id}, {Key: "version", Value: a.Version}},
			bson.D{{Key: "$set", Value: bson.D{{Key: "entries", Value: bson.A{}}, {Key: "dirty", Value: false}}}}); err != nil {
			return err
		}
		// The response, stored beside the key as the service's is.
		if _, err := responses.InsertOne(ctx, bson.D{{Key: "_id", Value: key + "/" + key}, {Key: "done", Value: true}, {Key: "response", Value: payload}, {Key: "create_time", Value: s}}); err != nil {
			return err
		}
		lat = append(lat, time.Since(s))
	}
	b.row("raw driver: the same 10 store calls as one earn or redeem (1 caller)", float64(ops)/time.Since(start).Seconds(), lat)
	return nil
}

// purchaseToPoints logs purchases in interaction-log one at a time and
// times each until its ledger entry appears on the loyalty feed.
func (b *bench) purchaseToPoints(ctx context.Context, samples int) error {
	wctx, cancel := context.WithCancel(ctx)
	defer cancel()
	probe, err := b.client.WatchLoyaltyEvents(wctx, &loyaltyv1.WatchLoyaltyEventsRequest{})
	if err != nil {
		return err
	}
	seen := make(chan string, 16)
	go func() {
		for {
			resp, err := probe.Recv()
			if err != nil {
				close(seen)
				return
			}
			var e loyaltyv1.LedgerEntryRecorded
			if resp.GetEvent().GetPayload().UnmarshalTo(&e) == nil {
				if src := e.GetEntry().GetSource(); strings.HasPrefix(src, names.Interactions.Format()) {
					seen <- src
				}
			}
		}
	}()
	// The watch replays the feed's history first: wait until it is quiet,
	// so that no sample pays for the replay.
	benchrig.Quiet(seen)
	lat := make([]time.Duration, 0, samples)
	logged := make([]time.Duration, 0, samples)
	start := time.Now()
	for n := range samples {
		c := b.names[n%len(b.names)]
		s := time.Now()
		resp, err := b.logs.LogInteraction(ctx, &interactionv1.LogInteractionRequest{Interaction: &interactionv1.Interaction{
			Customer: c, Channel: interactionv1.Channel_CHANNEL_WEB, Direction: interactionv1.Direction_DIRECTION_INBOUND,
			Kind: interactionv1.InteractionKind_INTERACTION_KIND_PURCHASE, OccurTime: timestamppb.Now(),
			Purchase: &interactionv1.Purchase{OrderId: fmt.Sprint("feed-", n), Amount: &typev1.Money{CurrencyCode: currency, Units: 15}}}})
		if err != nil {
			return err
		}
		logged = append(logged, time.Since(s))
		if err := benchrig.Await(seen, resp.GetInteraction().GetName(), "loyalty feed"); err != nil {
			return err
		}
		lat = append(lat, time.Since(s))
	}
	rate := float64(samples) / time.Since(start).Seconds()
	b.row(fmt.Sprintf("purchase logged in interaction-log to points on the loyalty feed (%d purchases, one at a time)", samples), rate, lat)
	b.row("of which LogInteraction's own call", rate, logged)
	return nil
}

func us(d time.Duration) float64 { return float64(d.Microseconds()) }
