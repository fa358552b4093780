package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"slices"
	"strings"
	"sync"
	"time"

	"google.golang.org/grpc/status"

	interactionv1 "github.com/opencrm/crm/gen/go/crm/interaction/v1"
	loyaltyv1 "github.com/opencrm/crm/gen/go/crm/loyalty/v1"
	"github.com/opencrm/crm/pkg/feed"
)

// scaleConfig is one run of the scale mode.
type scaleConfig struct {
	backend          string // sqlite or postgresql
	pgURL            string
	dir              string // holds the prepared folder and the run's copy
	customers        int
	history          int
	historyCustomers int
	backlog          int
	load             time.Duration
	rate             int
	racers           int
	jsonPath, mdPath string
	cpuProfile       string
}

// prepared is what a prepared folder holds beside its database: the
// parameters it was built with and the enrolled customers' names.
type prepared struct {
	Backend          string    `json:"backend"`
	Customers        int       `json:"customers"`
	History          int       `json:"history"`
	HistoryCustomers int       `json:"history_customers"`
	Built            time.Time `json:"built"`
	BuildSeconds     float64   `json:"build_seconds"`
	Retries          int64     `json:"retries"`
	Names            []string  `json:"names"`
}

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

// prepare builds, or finds built with the same parameters, the folder
// with the measured customers enrolled, the earlier history in
// interaction-log's feed and loyalty caught up with it.
func prepare(ctx context.Context, c scaleConfig) (string, *prepared, error) {
	dir := filepath.Join(c.dir, fmt.Sprintf("prepared-%s-%d-%d-%d", c.backend, c.customers, c.history, c.historyCustomers))
	marker := filepath.Join(dir, "prepared.json")
	if b, err := os.ReadFile(marker); err == nil && c.pgURL == "" {
		var p prepared
		if err := json.Unmarshal(b, &p); err != nil {
			return "", nil, fmt.Errorf("read %s: %w", marker, err)
		}
		fmt.Fprintf(os.Stderr, "reusing %s (built %s)\n", dir, p.Built.Format(time.RFC3339))
		return dir, &p, nil
	}
	if err := os.RemoveAll(dir); err != nil {
		return "", nil, err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", nil, err
	}
	began := time.Now()
	r, err := openRig(ctx, dir, c.backend, c.pgURL, true)
	if err != nil {
		return "", nil, err
	}
	defer r.close()
	if err := r.startLoyalty(ctx); err != nil {
		return "", nil, err
	}
	if _, err := r.loyalty.CreateProgram(r.ctx, &loyaltyv1.CreateProgramRequest{Program: scaleProgram()}); err != nil {
		return "", nil, err
	}
	fmt.Fprintf(os.Stderr, "creating %d customers and %d others...\n", c.customers, c.historyCustomers)
	names, err := r.createCustomers(c.customers, 8, "Member", nil)
	if err != nil {
		return "", nil, err
	}
	others, err := r.createCustomers(c.historyCustomers, 8, "Other", nil)
	if err != nil {
		return "", nil, err
	}
	fmt.Fprintf(os.Stderr, "customers ready after %s; ingesting %d earlier events...\n", time.Since(began).Round(time.Second), c.history)
	// The history opens with each member's first purchase, which enrols
	// them (auto-enrolment, as EnrolCustomer one at a time costs a second
	// each on a busy machine); the other customers' events follow.
	at := time.Now().Add(-24 * time.Hour)
	const chunk = 10000
	total := max(c.history, len(names))
	for k := 0; k < total; k += chunk {
		items := make([]*interactionv1.LogInteractionRequest, 0, chunk)
		for j := k; j < min(k+chunk, total); j++ {
			if j < len(names) {
				first := purchase(names[j], fmt.Sprint("first-", j), int64(30+j%70), j%2 == 0, at)
				first.Interaction.SourceSystem, first.Interaction.ExternalId = "bench", fmt.Sprint("first-", j)
				items = append(items, first)
				continue
			}
			items = append(items, historyItem(j, others, at))
		}
		if err := r.ingest(items); err != nil {
			return "", nil, err
		}
		if (k/chunk)%10 == 9 {
			fmt.Fprintf(os.Stderr, "ingested %d after %s\n", k+chunk, time.Since(began).Round(time.Second))
		}
	}
	if _, err := r.caughtUp(ctx, "prepare"); err != nil {
		return "", nil, err
	}
	p := &prepared{Backend: c.backend, Customers: c.customers, History: c.history, HistoryCustomers: c.historyCustomers,
		Built: time.Now().UTC(), BuildSeconds: time.Since(began).Seconds(), Retries: retries.Load(), Names: names}
	fmt.Fprintf(os.Stderr, "prepared in %s\n", time.Since(began).Round(time.Second))
	r.close()
	b, err := json.Marshal(p)
	if err != nil {
		return "", nil, err
	}
	if c.pgURL != "" {
		// An outside server's data cannot be copied: it is used once.
		return dir, p, nil
	}
	return dir, p, os.WriteFile(marker, b, 0o644)
}

// scaleFigures are the results of one run.
type scaleFigures struct {
	consumeRate    float64
	consumeSeconds float64
	auditChecked   int64
	auditDiffs     int
	raceSeconds    float64
	raceOK         int
	raceRefused    map[string]int
	p50, p99, max  float64
	loadSent       int
	loadMissing    int
	loadFailed     int    // LogInteraction calls that failed
	loadErr        string // the last failure
	loadStart      string
	loadEnd        string
	started        time.Time
	prep           *prepared
}

func runScale(ctx context.Context, c scaleConfig) error {
	f := scaleFigures{started: time.Now().UTC(), loadStart: loadavg()}
	dir, p, err := prepare(ctx, c)
	if err != nil {
		return fmt.Errorf("prepare: %w", err)
	}
	f.prep = p
	run := dir
	if c.pgURL == "" {
		run = filepath.Join(c.dir, "run-"+c.backend)
		if err := copyTree(dir, run); err != nil {
			return err
		}
		defer os.RemoveAll(run)
	}
	r, err := openRig(ctx, run, c.backend, c.pgURL, true)
	if err != nil {
		return err
	}
	defer r.close()

	// The backlog, logged while loyalty is stopped.
	now := time.Now()
	items := make([]*interactionv1.LogInteractionRequest, c.backlog)
	for k := range items {
		items[k] = purchase(p.Names[k%len(p.Names)], fmt.Sprintf("b-%d-%d", now.Unix(), k), int64(20+k%150), k%2 == 0, now)
		items[k].Interaction.SourceSystem, items[k].Interaction.ExternalId = "bench", fmt.Sprintf("b-%d-%d", now.Unix(), k)
	}
	fmt.Fprintf(os.Stderr, "logging a backlog of %d purchases...\n", c.backlog)
	if err := r.ingest(items); err != nil {
		return err
	}
	if c.cpuProfile != "" {
		pf, err := os.Create(c.cpuProfile)
		if err != nil {
			return err
		}
		if err := pprof.StartCPUProfile(pf); err != nil {
			return err
		}
		defer pf.Close()
	}
	start := time.Now()
	if err := r.startLoyalty(ctx); err != nil {
		return err
	}
	done, err := r.caughtUp(ctx, "backlog")
	if c.cpuProfile != "" {
		pprof.StopCPUProfile()
	}
	if err != nil {
		return err
	}
	f.consumeSeconds = done.Sub(start).Seconds()
	f.consumeRate = float64(c.backlog) / f.consumeSeconds
	fmt.Fprintf(os.Stderr, "backlog applied in %.1f s: %.0f purchases/s\n", f.consumeSeconds, f.consumeRate)

	if err := f.race(r, c.racers); err != nil {
		return fmt.Errorf("redeem race: %w", err)
	}
	fmt.Fprintf(os.Stderr, "redeem race: %d answered in %.2f s, %d succeeded\n", c.racers, f.raceSeconds, f.raceOK)
	if err := f.loaded(ctx, r, p.Names, c.rate, c.load); err != nil {
		return fmt.Errorf("loaded purchases: %w", err)
	}
	fmt.Fprintf(os.Stderr, "loaded: p50 %.3f s, p99 %.3f s, max %.3f s (%d sent, %d missing)\n", f.p50, f.p99, f.max, f.loadSent, f.loadMissing)
	audit, err := r.loyalty.AuditAccounts(r.ctx, &loyaltyv1.AuditAccountsRequest{Program: "programs/" + programID})
	if err != nil {
		return err
	}
	f.auditChecked, f.auditDiffs = audit.GetChecked(), len(audit.GetDifferences())
	f.loadEnd = loadavg()
	return writeScale(c, f)
}

// race redeems 1 point 50 times at once from an account holding 10,
// among the others.
func (f *scaleFigures) race(r *rig, racers int) error {
	names, err := r.createCustomers(1, 1, "Racer", nil)
	if err != nil {
		return err
	}
	prog := "programs/" + programID
	if _, err := r.loyalty.EnrolCustomer(r.ctx, &loyaltyv1.EnrolCustomerRequest{Program: prog, Customer: names[0]}); err != nil {
		return err
	}
	if _, err := r.loyalty.AdjustPoints(r.ctx, &loyaltyv1.AdjustPointsRequest{Program: prog, Customer: names[0], Points: 10, Reason: "race", Operator: "bench", RequestId: fmt.Sprint("race-fill-", time.Now().UnixNano())}); err != nil {
		return err
	}
	f.raceRefused = map[string]int{}
	var mu sync.Mutex
	var wg sync.WaitGroup
	gate := make(chan struct{})
	tag := time.Now().UnixNano()
	for n := range racers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-gate
			_, err := r.loyalty.RedeemPoints(r.ctx, &loyaltyv1.RedeemPointsRequest{Program: prog, Customer: names[0], Points: 1, RequestId: fmt.Sprint("race-", tag, "-", n)})
			mu.Lock()
			defer mu.Unlock()
			if err == nil {
				f.raceOK++
				return
			}
			f.raceRefused[status.Code(err).String()]++
		}()
	}
	start := time.Now()
	close(gate)
	wg.Wait()
	f.raceSeconds = time.Since(start).Seconds()
	acc, err := r.loyalty.GetAccount(r.ctx, &loyaltyv1.GetAccountRequest{Program: prog, Customer: names[0]})
	if err != nil {
		return err
	}
	if want := int64(10 - f.raceOK); f.raceOK <= 10 && acc.GetAccount().GetBalance() != want {
		return fmt.Errorf("balance %d after %d redemptions of 10 points", acc.GetAccount().GetBalance(), f.raceOK)
	}
	return nil
}

// loaded logs rate purchases a second for d, each in its own call, and
// times each from the LogInteraction call to its ledger entry on
// loyalty's feed.
func (f *scaleFigures) loaded(ctx context.Context, r *rig, names []string, rate int, d time.Duration) error {
	after, err := feed.NewProducer(r.mongo.Database(loyaltyDB)).LastSequence(ctx)
	if err != nil {
		return err
	}
	wctx, cancel := context.WithCancel(r.ctx)
	defer cancel()
	probe, err := r.loyalty.WatchLoyaltyEvents(wctx, &loyaltyv1.WatchLoyaltyEventsRequest{AfterSequence: after})
	if err != nil {
		return err
	}
	var mu sync.Mutex
	sent := map[string]time.Time{} // by the interaction's name
	arrived := map[string]time.Time{}
	go func() {
		for {
			resp, err := probe.Recv()
			if err != nil {
				return
			}
			var e loyaltyv1.LedgerEntryRecorded
			if resp.GetEvent().GetPayload().UnmarshalTo(&e) == nil {
				if src := e.GetEntry().GetSource(); strings.HasPrefix(src, "interactions/") {
					mu.Lock()
					arrived[src] = time.Now()
					mu.Unlock()
				}
			}
		}
	}()
	tick := time.NewTicker(time.Second / time.Duration(rate))
	defer tick.Stop()
	end := time.Now().Add(d)
	tag := time.Now().Unix()
	var wg sync.WaitGroup
	var failed error
	for k := 0; time.Now().Before(end); k++ {
		<-tick.C
		wg.Add(1)
		go func() {
			defer wg.Done()
			s := time.Now()
			resp, err := r.logs.LogInteraction(r.ctx, purchase(names[(k*7919)%len(names)], fmt.Sprintf("l-%d-%d", tag, k), int64(10+k%90), k%3 == 0, s))
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				f.loadFailed++
				failed, f.loadErr = err, err.Error()
				return
			}
			sent[resp.GetInteraction().GetName()] = s
		}()
	}
	wg.Wait()
	if len(sent) == 0 {
		return fmt.Errorf("every LogInteraction failed: %w", failed)
	}
	// The last ones may still be on their way.
	for wait := time.Now().Add(30 * time.Second); time.Now().Before(wait); time.Sleep(200 * time.Millisecond) {
		mu.Lock()
		all := len(arrived) >= len(sent)
		mu.Unlock()
		if all {
			break
		}
	}
	mu.Lock()
	defer mu.Unlock()
	var lat []float64
	for name, s := range sent {
		a, ok := arrived[name]
		if !ok {
			f.loadMissing++
			continue
		}
		lat = append(lat, a.Sub(s).Seconds())
	}
	f.loadSent = len(sent)
	if len(lat) == 0 {
		return fmt.Errorf("no purchase's points arrived")
	}
	slices.Sort(lat)
	f.p50, f.p99, f.max = lat[len(lat)/2], lat[min(len(lat)-1, len(lat)*99/100)], lat[len(lat)-1]
	return nil
}

func loadavg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown"
	}
	return strings.Join(strings.Fields(string(b))[:3], " ")
}

func round(v float64, digits int) float64 {
	s := fmt.Sprintf("%.*f", digits, v)
	var out float64
	fmt.Sscan(s, &out)
	return out
}

// writeScale merges the figures into the JSON file and puts the run's
// section in the Markdown file.
func writeScale(c scaleConfig, f scaleFigures) error {
	figures := map[string]any{}
	if b, err := os.ReadFile(c.jsonPath); err == nil {
		if err := json.Unmarshal(b, &figures); err != nil {
			return fmt.Errorf("read %s: %w", c.jsonPath, err)
		}
	}
	figures["consume_purchases_per_s_"+c.backend] = round(f.consumeRate, 1)
	figures["redeem_race_50_s_"+c.backend] = round(f.raceSeconds, 3)
	figures["redeem_race_50_successes_"+c.backend] = f.raceOK
	figures["purchase_to_points_p99_s_"+c.backend+"_loaded"] = round(f.p99, 3)
	j, err := json.MarshalIndent(figures, "", "  ")
	if err != nil {
		return err
	}
	if err := os.WriteFile(c.jsonPath, append(j, '\n'), 0o644); err != nil {
		return err
	}

	var s strings.Builder
	verdict := func(ok bool) string {
		if ok {
			return "met"
		}
		return "**not met**"
	}
	fmt.Fprintf(&s, "## At scale, %s\n\n", c.backend)
	fmt.Fprintf(&s, "Run on %s UTC with `%s` (%s, %d CPUs); load average at start %s, at end %s.\n\n",
		f.started.Format("2006-01-02 15:04"), commandLine(), runtime.Version(), runtime.NumCPU(), f.loadStart, f.loadEnd)
	fmt.Fprintf(&s, "The prepared folder: %d customers enrolled in one auto-enrolling program (two earning rules, three tiers), and interaction-log's feed holding %d earlier events: "+
		"each of those customers' first purchase (which enrolled them), then events of %d other customers (four in ten purchases in US dollars, which no program earns on, the rest enquiries, support, feedback and marketing touches), ingested through IngestInteractions, "+
		"which loyalty's consumer read and applied before the folder was kept (built %s in %.0f s; %d calls retried after a timeout). Each run works on a copy of it. The services give one another 30 s per call instead of their default 2 s, so that on a busy machine a slow check of a batch's customers is measured as delay, not lost as a failure.\n\n",
		f.prep.Customers, max(f.prep.History, f.prep.Customers), f.prep.HistoryCustomers, f.prep.Built.Format("2006-01-02 15:04"), f.prep.BuildSeconds, f.prep.Retries)
	s.WriteString("| figure | value | target | |\n|---|---|---|---|\n")
	fmt.Fprintf(&s, "| `consume_purchases_per_s_%s`: a backlog of %d purchases of the enrolled customers, logged while loyalty was stopped, applied by its feed consumer (from loyalty's start until its cursor reached the feed's head; %.1f s) | %.1f /s | >= 300 /s | %s |\n",
		c.backend, c.backlog, f.consumeSeconds, f.consumeRate, verdict(f.consumeRate >= 300))
	fmt.Fprintf(&s, "| `redeem_race_50_s_%s`: %d concurrent RedeemPoints of 1 point on an account holding 10 (refused: %v) | %.3f s, %d succeeded | <= 5 s, exactly 10 | %s |\n",
		c.backend, c.racers, f.raceRefused, f.raceSeconds, f.raceOK, verdict(f.raceSeconds <= 5 && f.raceOK == 10))
	fmt.Fprintf(&s, "| `purchase_to_points_p99_s_%s_loaded`: %d purchases/s logged through LogInteraction for %s, each timed to its ledger entry on loyalty's feed (%d logged, %d calls failed, %d never arrived; p50 %.3f s, max %.3f s) | p99 %.3f s | <= 1 s | %s |\n",
		c.backend, c.rate, c.load, f.loadSent, f.loadFailed, f.loadMissing, f.p50, f.max, f.p99, verdict(f.p99 <= 1 && f.loadMissing == 0 && f.loadFailed == 0))
	fmt.Fprintf(&s, "\nAfter the run, AuditAccounts replayed %d accounts from their ledgers: %d differences.\n", f.auditChecked, f.auditDiffs)
	if f.loadErr != "" {
		fmt.Fprintf(&s, "\nA failed LogInteraction under load said: `%s`.\n", f.loadErr)
	}
	return putSection(c.mdPath, "scale-"+c.backend, s.String())
}

// commandLine is the run's command, without a connection string (which
// may hold a password).
func commandLine() string {
	args := "go run ./services/loyalty/cmd/loyalty-bench"
	for _, a := range os.Args[1:] {
		if strings.Contains(a, "://") {
			a = "URL"
		}
		args += " " + a
	}
	return args
}

// putSection replaces the section between the markers named name in the
// Markdown file at path, or appends it; the rest of the file stays.
func putSection(path, name, text string) error {
	begin, end := "<!-- "+name+" -->", "<!-- /"+name+" -->"
	old, err := os.ReadFile(path)
	if err != nil && !os.IsNotExist(err) {
		return err
	}
	md := string(old)
	block := begin + "\n" + strings.TrimRight(text, "\n") + "\n" + end
	i, j := strings.Index(md, begin), strings.Index(md, end)
	if i >= 0 && j > i {
		md = md[:i] + block + md[j+len(end):]
	} else {
		md = strings.TrimRight(md, "\n") + "\n\n" + block + "\n"
	}
	if err := os.WriteFile(path, []byte(strings.TrimLeft(md, "\n")), 0o644); err != nil {
		return err
	}
	fmt.Fprintln(os.Stderr, "wrote", path)
	return nil
}
