package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"
	"time"

	"google.golang.org/grpc/status"

	interactionv1 "github.com/opencrm/crm/gen/go/crm/interaction/v1"
	loyaltyv1 "github.com/opencrm/crm/gen/go/crm/loyalty/v1"
	"github.com/opencrm/crm/pkg/benchrig"
	"github.com/opencrm/crm/pkg/feed"
)

const programID = "bench"

// scaleProgram has two earning rules and three tiers, and enrols a
// customer at their first purchase in euros.
func scaleProgram() *loyaltyv1.Program {
	return &loyaltyv1.Program{Id: programID, DisplayName: "Bench", CurrencyCode: "EUR", PointsPerUnit: 1, AutoEnrol: true,
		Tiers: []*loyaltyv1.Tier{{Id: "silver", MinQualifyingPoints: 500, Multiplier: 1.25}, {Id: "gold", MinQualifyingPoints: 2000, Multiplier: 1.5},
			{Id: "platinum", MinQualifyingPoints: 10000, Multiplier: 2}},
		EarningRules: []*loyaltyv1.EarningRule{{Id: "welcome", Condition: "customer.first_purchase", Points: "50"},
			{Id: "web-double", Condition: `purchase.channel == "web" && purchase.amount >= 100.0`, Points: "base * 1.0"}}}
}

// scaleRig is a scale run's rig with loyalty's client and the bench's
// authorized context.
type scaleRig struct {
	*benchrig.Rig
	loyalty loyaltyv1.LoyaltyServiceClient
}

// openScale opens a rig on dir with the producers running.
func openScale(ctx context.Context, c *benchrig.ScaleConfig, dir string) (*scaleRig, context.Context, error) {
	r, cctx, err := benchrig.OpenScale(ctx, c, dir, idKeyEnv, profileSvc, interactionSvc)
	return &scaleRig{Rig: r}, cctx, err
}

func (r *scaleRig) start(ctx context.Context) (err error) {
	r.loyalty, err = startLoyalty(ctx, r.Rig)
	return err
}

// build fills a prepared folder: the measured customers enrolled, the
// earlier history in interaction-log's feed and loyalty caught up with it.
func build(c benchrig.ScaleConfig) func(ctx context.Context, dir string) ([]string, error) {
	return func(ctx context.Context, dir string) (_ []string, err error) {
		began := time.Now()
		r, cctx, err := openScale(ctx, &c, dir)
		if err != nil {
			return nil, err
		}
		defer func() { err = errors.Join(err, r.Close(ctx)) }()
		if err := r.start(ctx); err != nil {
			return nil, err
		}
		if _, err := r.loyalty.CreateProgram(cctx, &loyaltyv1.CreateProgramRequest{Program: scaleProgram()}); err != nil {
			return nil, fmt.Errorf("create program: %w", err)
		}
		names, others, err := r.Population(cctx, &c, began)
		if err != nil {
			return nil, err
		}
		// The history opens with each member's first purchase, which enrols
		// them (auto-enrolment, as EnrolCustomer one at a time costs a second
		// each on a busy machine); the other customers' events follow.
		at := time.Now().Add(-24 * time.Hour)
		err = r.IngestHistory(cctx, max(c.History, len(names)), began, func(j int) *interactionv1.LogInteractionRequest {
			if j < len(names) {
				id := fmt.Sprint("first-", j)
				return benchrig.Sourced(benchrig.Purchase(names[j], id, int64(30+j%70), j%2 == 0, at), id)
			}
			return benchrig.HistoryItem(j, others, at)
		})
		if err != nil {
			return nil, err
		}
		if _, err := r.CaughtUp(ctx, consumerName, loyaltyDB, "prepare"); err != nil {
			return nil, err
		}
		return names, nil
	}
}

// consumerName names loyalty in progress lines.
const consumerName = "loyalty"

// scaleFigures are the results of one run.
type scaleFigures struct {
	run            benchrig.Run
	consumeRate    float64
	consumeSeconds float64
	audited        bool // AuditAccounts ran (-audit)
	auditChecked   int64
	auditDiffs     int
	raceSeconds    float64
	raceOK         int
	raceRefused    map[string]int
	lat            benchrig.Figures
	loadSent       int
	loadMissing    int
	loadFailed     int    // LogInteraction calls that failed
	loadErr        string // the last failure
	prep           *benchrig.Prepared
}

func runScale(ctx context.Context, c benchrig.ScaleConfig, racers int, audit bool) (err error) {
	f := scaleFigures{run: benchrig.StartRun()}
	dir, p, err := benchrig.Prepare(ctx, c, build(c))
	if err != nil {
		return fmt.Errorf("prepare: %w", err)
	}
	f.prep = p
	run, remove, err := benchrig.RunFolder(ctx, c, dir)
	if err != nil {
		return err
	}
	defer benchrig.Cleanup("remove "+run, remove)
	r, cctx, err := openScale(ctx, &c, run)
	if err != nil {
		return err
	}
	defer func() { err = errors.Join(err, r.Close(ctx)) }()

	// The backlog, logged while loyalty is stopped.
	if f.consumeSeconds, err = r.TimeBacklog(cctx, c, p.Names, consumerName, loyaltyDB, r.start); err != nil {
		return err
	}
	f.consumeRate = c.Consumed(f.consumeSeconds)

	if err := f.race(cctx, r, racers); err != nil {
		return fmt.Errorf("redeem race: %w", err)
	}
	fmt.Fprintf(os.Stderr, "redeem race: %d answered in %.2f s, %d succeeded\n", racers, f.raceSeconds, f.raceOK)
	if err := f.loaded(cctx, r, p.Names, c.Rate, c.Load); err != nil {
		return fmt.Errorf("loaded purchases: %w", err)
	}
	fmt.Fprintf(os.Stderr, "loaded: p50 %.3f s, p99 %.3f s, max %.3f s (%d sent, %d missing)\n", f.lat.P50, f.lat.P99, f.lat.Max, f.loadSent, f.loadMissing)
	if audit {
		res, err := r.loyalty.AuditAccounts(cctx, &loyaltyv1.AuditAccountsRequest{Program: "programs/" + programID})
		if err != nil {
			return fmt.Errorf("audit: %w", err)
		}
		f.audited, f.auditChecked, f.auditDiffs = true, res.GetChecked(), len(res.GetDifferences())
	}
	f.run.LoadEnd = benchrig.LoadAvg()
	return writeScale(c, racers, f)
}

// race redeems 1 point racers times at once from an account holding 10,
// among the others.
func (f *scaleFigures) race(ctx context.Context, r *scaleRig, racers int) error {
	names, err := r.CreateCustomers(ctx, 1, 1, "Racer")
	if err != nil {
		return err
	}
	prog := "programs/" + programID
	if _, err := r.loyalty.EnrolCustomer(ctx, &loyaltyv1.EnrolCustomerRequest{Program: prog, Customer: names[0]}); err != nil {
		return fmt.Errorf("enrol: %w", err)
	}
	if _, err := r.loyalty.AdjustPoints(ctx, &loyaltyv1.AdjustPointsRequest{Program: prog, Customer: names[0], Points: 10, Reason: "race", Operator: "bench", RequestId: fmt.Sprint("race-fill-", time.Now().UnixNano())}); err != nil {
		return fmt.Errorf("adjust: %w", err)
	}
	f.raceRefused = map[string]int{}
	var mu sync.Mutex
	var wg sync.WaitGroup
	gate := make(chan struct{})
	tag := time.Now().UnixNano()
	for n := range racers {
		wg.Go(func() {
			<-gate
			_, err := r.loyalty.RedeemPoints(ctx, &loyaltyv1.RedeemPointsRequest{Program: prog, Customer: names[0], Points: 1, RequestId: fmt.Sprint("race-", tag, "-", n)})
			mu.Lock()
			defer mu.Unlock()
			if err == nil {
				f.raceOK++
				return
			}
			f.raceRefused[status.Code(err).String()]++
		})
	}
	start := time.Now()
	close(gate)
	wg.Wait()
	f.raceSeconds = time.Since(start).Seconds()
	acc, err := r.loyalty.GetAccount(ctx, &loyaltyv1.GetAccountRequest{Program: prog, Customer: names[0]})
	if err != nil {
		return fmt.Errorf("get account: %w", err)
	}
	if want := int64(10 - f.raceOK); f.raceOK <= 10 && acc.GetAccount().GetBalance() != want {
		return fmt.Errorf("balance %d after %d redemptions of 10 points", acc.GetAccount().GetBalance(), f.raceOK)
	}
	return nil
}

// loaded logs rate purchases a second for d, each in its own call, and
// times each from the LogInteraction call to its ledger entry on
// loyalty's feed.
func (f *scaleFigures) loaded(ctx context.Context, r *scaleRig, names []string, rate int, d time.Duration) error {
	after, err := feed.NewProducer(r.Database(loyaltyDB)).LastSequence(ctx)
	if err != nil {
		return fmt.Errorf("feed head: %w", err)
	}
	wctx, cancel := context.WithCancel(ctx)
	defer cancel()
	probe, err := r.loyalty.WatchLoyaltyEvents(wctx, &loyaltyv1.WatchLoyaltyEventsRequest{AfterSequence: after})
	if err != nil {
		return fmt.Errorf("watch: %w", err)
	}
	times := benchrig.NewArrivals() // by the interaction's name
	go func() {
		for {
			resp, err := probe.Recv()
			if err != nil {
				return
			}
			var e loyaltyv1.LedgerEntryRecorded
			if resp.GetEvent().GetPayload().UnmarshalTo(&e) == nil {
				if src := e.GetEntry().GetSource(); strings.HasPrefix(src, "interactions/") {
					times.Arrived(src)
				}
			}
		}
	}()
	tag := time.Now().Unix()
	var mu sync.Mutex
	var failed error
	benchrig.Tick(rate, d, func(k int) {
		s := time.Now()
		resp, err := r.Logs.LogInteraction(ctx, benchrig.Purchase(names[(k*7919)%len(names)], fmt.Sprintf("l-%d-%d", tag, k), int64(10+k%90), k%3 == 0, s))
		if err != nil {
			mu.Lock()
			defer mu.Unlock()
			f.loadFailed++
			failed, f.loadErr = err, err.Error()
			return
		}
		times.Sent(resp.GetInteraction().GetName(), s)
	})
	times.Wait(30 * time.Second)
	sent, missing, lat := times.Result()
	if sent == 0 {
		return fmt.Errorf("every LogInteraction failed: %w", failed)
	}
	f.loadSent, f.loadMissing = sent, missing
	if len(lat) == 0 {
		return errors.New("no purchase's points arrived")
	}
	f.lat = benchrig.Latencies(lat)
	return nil
}

// writeScale merges the figures into the JSON file and puts the run's
// section in the Markdown file.
func writeScale(c benchrig.ScaleConfig, racers int, f scaleFigures) error {
	if err := benchrig.MergeJSON(c.JSONPath, map[string]any{
		"consume_purchases_per_s_" + c.Backend:              benchrig.Round(f.consumeRate, 1),
		"redeem_race_50_s_" + c.Backend:                     benchrig.Round(f.raceSeconds, 3),
		"redeem_race_50_successes_" + c.Backend:             f.raceOK,
		"purchase_to_points_p99_s_" + c.Backend + "_loaded": benchrig.Round(f.lat.P99, 3),
	}); err != nil {
		return err
	}
	var s strings.Builder
	fmt.Fprintf(&s, "## At scale, %s\n\n", c.Backend)
	s.WriteString(f.run.Line("./services/loyalty/cmd/loyalty-bench"))
	fmt.Fprintf(&s, "The prepared folder: %d customers enrolled in one auto-enrolling program (two earning rules, three tiers), and interaction-log's feed holding %d earlier events: "+
		"each of those customers' first purchase (which enrolled them), then events of %d other customers (four in ten purchases in US dollars, which no program earns on, the rest enquiries, support, feedback and marketing touches), ingested through IngestInteractions, "+
		"which loyalty's consumer read and applied before the folder was kept (built %s in %.0f s; %d calls retried after a timeout). Each run works on a copy of it. The services give one another 30 s per call instead of their default 2 s, so that on a busy machine a slow check of a batch's customers is measured as delay, not lost as a failure.\n\n",
		f.prep.Customers, max(f.prep.History, f.prep.Customers), f.prep.HistoryCustomers, f.prep.Built.Format("2006-01-02 15:04"), f.prep.BuildSeconds, f.prep.Retries)
	s.WriteString("| figure | value | target | |\n|---|---|---|---|\n")
	fmt.Fprintf(&s, "| `consume_purchases_per_s_%s`: a backlog of %d purchases of the enrolled customers, logged while loyalty was stopped, applied by its feed consumer (from loyalty's start until its cursor reached the feed's head; %.1f s) | %.1f /s | >= 300 /s | %s |\n",
		c.Backend, c.Backlog, f.consumeSeconds, f.consumeRate, benchrig.Verdict(f.consumeRate >= 300))
	fmt.Fprintf(&s, "| `redeem_race_50_s_%s`: %d concurrent RedeemPoints of 1 point on an account holding 10 (refused: %v) | %.3f s, %d succeeded | <= 5 s, exactly 10 | %s |\n",
		c.Backend, racers, f.raceRefused, f.raceSeconds, f.raceOK, benchrig.Verdict(f.raceSeconds <= 5 && f.raceOK == 10))
	fmt.Fprintf(&s, "| `purchase_to_points_p99_s_%s_loaded`: %d purchases/s logged through LogInteraction for %s, each timed to its ledger entry on loyalty's feed (%d logged, %d calls failed, %d never arrived; p50 %.3f s, max %.3f s) | p99 %.3f s | <= 1 s | %s |\n",
		c.Backend, c.Rate, c.Load, f.loadSent, f.loadFailed, f.loadMissing, f.lat.P50, f.lat.Max, f.lat.P99, benchrig.Verdict(f.lat.P99 <= 1 && f.loadMissing == 0 && f.loadFailed == 0))
	if f.audited {
		fmt.Fprintf(&s, "\nAfter the run, AuditAccounts replayed %d accounts from their ledgers: %d differences.\n", f.auditChecked, f.auditDiffs)
	} else {
		s.WriteString("\nAuditAccounts was not run after this run (`-audit=false`).\n")
	}
	if f.loadErr != "" {
		fmt.Fprintf(&s, "\nA failed LogInteraction under load said: `%s`.\n", f.loadErr)
	}
	return benchrig.PutSection(c.MDPath, "scale-"+c.Backend, s.String())
}
