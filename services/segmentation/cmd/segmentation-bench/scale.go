package main

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"slices"
	"strings"
	"sync"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	interactionv1 "github.com/opencrm/crm/gen/go/crm/interaction/v1"
	segmentationv1 "github.com/opencrm/crm/gen/go/crm/segmentation/v1"
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
	jsonPath, mdPath string
	cpuProfile       string
}

// prepared is what a prepared folder holds beside its database: the
// parameters it was built with and the measured customers' names.
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

// scaleSegments are the three rule segments: one whose membership every
// purchase flips (so each purchase has a membership event to time), and
// two of the scoring benchmark's rules.
var scaleSegments = map[string]string{
	"odd-purchases": `metrics.purchases % 2 == 1`,
	"big-or-warned": benchRules[1],
	"vip-regulars":  benchRules[2],
}

// prepare builds, or finds built with the same parameters, the folder
// with the measured customers known to segmentation, three rule segments,
// the earlier history in interaction-log's feed and segmentation caught up
// with it.
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
	if err := r.startSegmentation(ctx); err != nil {
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
	at := time.Now().Add(-24 * time.Hour)
	const chunk = 10000
	for k := 0; k < c.history; k += chunk {
		items := make([]*interactionv1.LogInteractionRequest, 0, chunk)
		for j := k; j < min(k+chunk, c.history); j++ {
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
	// The segments last, so that their first run grades everyone.
	for _, id := range slices.Sorted(maps.Keys(scaleSegments)) {
		if _, err := r.segs.CreateSegment(r.ctx, &segmentationv1.CreateSegmentRequest{Segment: &segmentationv1.Segment{Id: id, Rule: scaleSegments[id]}}); err != nil {
			return "", nil, fmt.Errorf("create segment %s: %w", id, err)
		}
	}
	if err := r.recompute(ctx); err != nil {
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

// recompute runs a whole recompute over every segment, after the run
// the segments' creation started.
func (r *rig) recompute(ctx context.Context) error {
	for {
		resp, err := r.segs.StartRecompute(r.ctx, &segmentationv1.StartRecomputeRequest{})
		if code := status.Code(err); code == codes.FailedPrecondition || code == codes.Aborted || code == codes.Unavailable {
			time.Sleep(time.Second)
			continue
		}
		if err != nil {
			return fmt.Errorf("start a recompute: %w", err)
		}
		return waitRun(r.ctx, r.segs, resp.GetRun().GetName())
	}
}

// scaleFigures are the results of one run.
type scaleFigures struct {
	consumeRate    float64
	consumeSeconds float64
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

	// The backlog, logged while segmentation is stopped.
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
	if err := r.startSegmentation(ctx); err != nil {
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

	if err := f.loaded(ctx, r, p.Names, c.rate, c.load); err != nil {
		return fmt.Errorf("loaded purchases: %w", err)
	}
	fmt.Fprintf(os.Stderr, "loaded: p50 %.3f s, p99 %.3f s, max %.3f s (%d sent, %d missing)\n", f.p50, f.p99, f.max, f.loadSent, f.loadMissing)
	f.loadEnd = loadavg()
	return writeScale(c, f)
}

// loaded logs rate purchases a second for d, each of a customer not yet
// in this phase, and times each from the LogInteraction call to the
// customer's membership change on segmentation's feed (every purchase
// moves its customer in or out of odd-purchases).
func (f *scaleFigures) loaded(ctx context.Context, r *rig, names []string, rate int, d time.Duration) error {
	if n := rate * int(d.Seconds()); n > len(names) {
		return fmt.Errorf("%d purchases under load need as many customers, there are %d", n, len(names))
	}
	after, err := feed.NewProducer(r.mongo.Database(segmentationDB)).LastSequence(ctx)
	if err != nil {
		return err
	}
	wctx, cancel := context.WithCancel(r.ctx)
	defer cancel()
	probe, err := r.segs.WatchSegmentationEvents(wctx, &segmentationv1.WatchSegmentationEventsRequest{AfterSequence: after})
	if err != nil {
		return err
	}
	var mu sync.Mutex
	sent := map[string]time.Time{} // by customer
	arrived := map[string]time.Time{}
	go func() {
		for {
			resp, err := probe.Recv()
			if err != nil {
				return
			}
			var e segmentationv1.SegmentMembershipChanged
			if resp.GetEvent().GetPayload().UnmarshalTo(&e) == nil && strings.HasSuffix(e.GetSegment(), "odd-purchases") {
				mu.Lock()
				if _, seen := arrived[e.GetCustomer()]; !seen {
					arrived[e.GetCustomer()] = time.Now()
				}
				mu.Unlock()
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
			c := names[(k*7919)%len(names)]
			s := time.Now()
			mu.Lock()
			sent[c] = s
			mu.Unlock()
			if _, err := r.logs.LogInteraction(r.ctx, purchase(c, fmt.Sprintf("l-%d-%d", tag, k), int64(10+k%90), k%3 == 0, s)); err != nil {
				mu.Lock()
				delete(sent, c)
				f.loadFailed++
				failed, f.loadErr = err, err.Error()
				mu.Unlock()
			}
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
	for c, s := range sent {
		a, ok := arrived[c]
		if !ok {
			f.loadMissing++
			continue
		}
		lat = append(lat, a.Sub(s).Seconds())
	}
	f.loadSent = len(sent)
	if len(lat) == 0 {
		return fmt.Errorf("no membership change arrived")
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
	var out float64
	_, _ = fmt.Sscan(fmt.Sprintf("%.*f", digits, v), &out)
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
	figures["purchase_to_membership_p99_s_"+c.backend+"_loaded"] = round(f.p99, 3)
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
	fmt.Fprintf(&s, "The prepared folder: %d customers created in customer-profile (segmentation learns them from its feed), three rule segments (`%s`, `%s`, `%s`) graded by a whole run, "+
		"and interaction-log's feed holding %d earlier events (four in ten purchases, the rest enquiries, support, feedback and marketing touches) of %d other customers, "+
		"ingested through IngestInteractions, which segmentation's consumer read and applied before the folder was kept (built %s in %.0f s; %d calls retried after a timeout). Each run works on a copy of it. The services give one another 30 s per call instead of their default 2 s, so that on a busy machine a slow check of a batch's customers is measured as delay, not lost as a failure.\n\n",
		f.prep.Customers, scaleSegments["odd-purchases"], scaleSegments["big-or-warned"], scaleSegments["vip-regulars"],
		f.prep.History, f.prep.HistoryCustomers, f.prep.Built.Format("2006-01-02 15:04"), f.prep.BuildSeconds, f.prep.Retries)
	s.WriteString("| figure | value | target | |\n|---|---|---|---|\n")
	fmt.Fprintf(&s, "| `consume_purchases_per_s_%s`: a backlog of %d purchases of the measured customers, logged while segmentation was stopped, applied by its feed consumer (from segmentation's start until its cursor reached the feed's head; %.1f s) | %.1f /s | >= 300 /s | %s |\n",
		c.backend, c.backlog, f.consumeSeconds, f.consumeRate, verdict(f.consumeRate >= 300))
	fmt.Fprintf(&s, "| `purchase_to_membership_p99_s_%s_loaded`: %d purchases/s logged through LogInteraction for %s, each timed to its customer's odd-purchases membership change on segmentation's feed (%d logged, %d calls failed, %d never arrived; p50 %.3f s, max %.3f s) | p99 %.3f s | <= 2 s | %s |\n",
		c.backend, c.rate, c.load, f.loadSent, f.loadFailed, f.loadMissing, f.p50, f.max, f.p99, verdict(f.p99 <= 2 && f.loadMissing == 0 && f.loadFailed == 0))
	if f.loadErr != "" {
		fmt.Fprintf(&s, "\nA failed LogInteraction under load said: `%s`.\n", f.loadErr)
	}
	return putSection(c.mdPath, "scale-"+c.backend, s.String())
}

// commandLine is the run's command, without a connection string (which
// may hold a password).
func commandLine() string {
	args := "go run ./services/segmentation/cmd/segmentation-bench"
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
