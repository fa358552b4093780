package main

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"os"
	"slices"
	"strings"
	"sync"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	interactionv1 "github.com/opencrm/crm/gen/go/crm/interaction/v1"
	segmentationv1 "github.com/opencrm/crm/gen/go/crm/segmentation/v1"
	"github.com/opencrm/crm/pkg/benchrig"
	"github.com/opencrm/crm/pkg/feed"
)

// scaleSegments are the three rule segments: one whose membership every
// purchase flips (so each purchase has a membership event to time), and
// two of the scoring benchmark's rules.
var scaleSegments = map[string]string{
	"odd-purchases": `metrics.purchases % 2 == 1`,
	"big-or-warned": benchRules[1],
	"vip-regulars":  benchRules[2],
}

// consumerName names segmentation in progress lines.
const consumerName = "segmentation"

// scaleRig is a scale run's rig with segmentation's client.
type scaleRig struct {
	*benchrig.Rig
	segs segmentationv1.SegmentationServiceClient
}

// openScale opens a rig on dir with the producers running.
func openScale(ctx context.Context, c *benchrig.ScaleConfig, dir string) (*scaleRig, context.Context, error) {
	r, cctx, err := benchrig.OpenScale(ctx, c, dir, nil, profileSvc, interactionSvc)
	return &scaleRig{Rig: r}, cctx, err
}

func (r *scaleRig) start(ctx context.Context) (err error) {
	r.segs, err = startSegmentation(ctx, r.Rig)
	return err
}

// build fills a prepared folder: the measured customers known to
// segmentation, three rule segments, the earlier history in
// interaction-log's feed and segmentation caught up with it.
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
		names, others, err := r.Population(cctx, &c, began)
		if err != nil {
			return nil, err
		}
		at := time.Now().Add(-24 * time.Hour)
		if err := r.IngestHistory(cctx, c.History, began, func(j int) *interactionv1.LogInteractionRequest { return benchrig.HistoryItem(j, others, at) }); err != nil {
			return nil, err
		}
		if _, err := r.CaughtUp(ctx, consumerName, segmentationDB, "prepare"); err != nil {
			return nil, err
		}
		// The segments last, so that their first run grades everyone.
		for _, id := range slices.Sorted(maps.Keys(scaleSegments)) {
			if _, err := r.segs.CreateSegment(cctx, &segmentationv1.CreateSegmentRequest{Segment: &segmentationv1.Segment{Id: id, Rule: scaleSegments[id]}}); err != nil {
				return nil, fmt.Errorf("create segment %s: %w", id, err)
			}
		}
		if err := r.recompute(cctx); err != nil {
			return nil, err
		}
		return names, nil
	}
}

// recompute runs a whole recompute over every segment, after the run
// the segments' creation started.
func (r *scaleRig) recompute(ctx context.Context) error {
	for {
		resp, err := r.segs.StartRecompute(ctx, &segmentationv1.StartRecomputeRequest{})
		if code := status.Code(err); code == codes.FailedPrecondition || code == codes.Aborted || code == codes.Unavailable {
			time.Sleep(time.Second)
			continue
		}
		if err != nil {
			return fmt.Errorf("start a recompute: %w", err)
		}
		return waitRun(ctx, r.segs, resp.GetRun().GetName())
	}
}

// scaleFigures are the results of one run.
type scaleFigures struct {
	run            benchrig.Run
	consumeRate    float64
	consumeSeconds float64
	lat            benchrig.Figures
	loadSent       int
	loadMissing    int
	loadFailed     int    // LogInteraction calls that failed
	loadErr        string // the last failure
	prep           *benchrig.Prepared
}

func runScale(ctx context.Context, c benchrig.ScaleConfig) (err error) {
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

	// The backlog, logged while segmentation is stopped.
	if f.consumeSeconds, err = r.TimeBacklog(cctx, c, p.Names, consumerName, segmentationDB, r.start); err != nil {
		return err
	}
	f.consumeRate = c.Consumed(f.consumeSeconds)
	if err := f.loaded(cctx, r, p.Names, c.Rate, c.Load); err != nil {
		return fmt.Errorf("loaded purchases: %w", err)
	}
	fmt.Fprintf(os.Stderr, "loaded: p50 %.3f s, p99 %.3f s, max %.3f s (%d sent, %d missing)\n", f.lat.P50, f.lat.P99, f.lat.Max, f.loadSent, f.loadMissing)
	f.run.LoadEnd = benchrig.LoadAvg()
	return writeScale(c, f)
}

// loaded logs rate purchases a second for d, each of a customer not yet
// in this phase, and times each from the LogInteraction call to the
// customer's membership change on segmentation's feed (every purchase
// moves its customer in or out of odd-purchases).
func (f *scaleFigures) loaded(ctx context.Context, r *scaleRig, names []string, rate int, d time.Duration) error {
	if n := rate * int(d.Seconds()); n > len(names) {
		return fmt.Errorf("%d purchases under load need as many customers, there are %d", n, len(names))
	}
	after, err := feed.NewProducer(r.Database(segmentationDB)).LastSequence(ctx)
	if err != nil {
		return fmt.Errorf("feed head: %w", err)
	}
	wctx, cancel := context.WithCancel(ctx)
	defer cancel()
	probe, err := r.segs.WatchSegmentationEvents(wctx, &segmentationv1.WatchSegmentationEventsRequest{AfterSequence: after})
	if err != nil {
		return fmt.Errorf("watch: %w", err)
	}
	times := benchrig.NewArrivals() // by customer
	go func() {
		for {
			resp, err := probe.Recv()
			if err != nil {
				return
			}
			var e segmentationv1.SegmentMembershipChanged
			if resp.GetEvent().GetPayload().UnmarshalTo(&e) == nil && strings.HasSuffix(e.GetSegment(), "odd-purchases") {
				times.Arrived(e.GetCustomer())
			}
		}
	}()
	tag := time.Now().Unix()
	var mu sync.Mutex
	var failed error
	benchrig.Tick(rate, d, func(k int) {
		c := names[(k*7919)%len(names)]
		s := time.Now()
		times.Sent(c, s)
		if _, err := r.Logs.LogInteraction(ctx, benchrig.Purchase(c, fmt.Sprintf("l-%d-%d", tag, k), int64(10+k%90), k%3 == 0, s)); err != nil {
			times.Unsent(c)
			mu.Lock()
			defer mu.Unlock()
			f.loadFailed++
			failed, f.loadErr = err, err.Error()
		}
	})
	times.Wait(30 * time.Second)
	sent, missing, lat := times.Result()
	if sent == 0 {
		return fmt.Errorf("every LogInteraction failed: %w", failed)
	}
	f.loadSent, f.loadMissing = sent, missing
	if len(lat) == 0 {
		return errors.New("no membership change arrived")
	}
	f.lat = benchrig.Latencies(lat)
	return nil
}

// writeScale merges the figures into the JSON file and puts the run's
// section in the Markdown file.
func writeScale(c benchrig.ScaleConfig, f scaleFigures) error {
	if err := benchrig.MergeJSON(c.JSONPath, map[string]any{
		"consume_purchases_per_s_" + c.Backend:                  benchrig.Round(f.consumeRate, 1),
		"purchase_to_membership_p99_s_" + c.Backend + "_loaded": benchrig.Round(f.lat.P99, 3),
	}); err != nil {
		return err
	}
	var s strings.Builder
	fmt.Fprintf(&s, "## At scale, %s\n\n", c.Backend)
	s.WriteString(f.run.Line("./services/segmentation/cmd/segmentation-bench"))
	fmt.Fprintf(&s, "The prepared folder: %d customers created in customer-profile (segmentation learns them from its feed), three rule segments (`%s`, `%s`, `%s`) graded by a whole run, "+
		"and interaction-log's feed holding %d earlier events (four in ten purchases, the rest enquiries, support, feedback and marketing touches) of %d other customers, "+
		"ingested through IngestInteractions, which segmentation's consumer read and applied before the folder was kept (built %s in %.0f s; %d calls retried after a timeout). Each run works on a copy of it. The services give one another 30 s per call instead of their default 2 s, so that on a busy machine a slow check of a batch's customers is measured as delay, not lost as a failure.\n\n",
		f.prep.Customers, scaleSegments["odd-purchases"], scaleSegments["big-or-warned"], scaleSegments["vip-regulars"],
		f.prep.History, f.prep.HistoryCustomers, f.prep.Built.Format("2006-01-02 15:04"), f.prep.BuildSeconds, f.prep.Retries)
	s.WriteString("| figure | value | target | |\n|---|---|---|---|\n")
	fmt.Fprintf(&s, "| `consume_purchases_per_s_%s`: a backlog of %d purchases of the measured customers, logged while segmentation was stopped, applied by its feed consumer (from segmentation's start until its cursor reached the feed's head; %.1f s) | %.1f /s | >= 300 /s | %s |\n",
		c.Backend, c.Backlog, f.consumeSeconds, f.consumeRate, benchrig.Verdict(f.consumeRate >= 300))
	fmt.Fprintf(&s, "| `purchase_to_membership_p99_s_%s_loaded`: %d purchases/s logged through LogInteraction for %s, each timed to its customer's odd-purchases membership change on segmentation's feed (%d logged, %d calls failed, %d never arrived; p50 %.3f s, max %.3f s) | p99 %.3f s | <= 2 s | %s |\n",
		c.Backend, c.Rate, c.Load, f.loadSent, f.loadFailed, f.loadMissing, f.lat.P50, f.lat.Max, f.lat.P99, benchrig.Verdict(f.lat.P99 <= 2 && f.loadMissing == 0 && f.loadFailed == 0))
	if f.loadErr != "" {
		fmt.Fprintf(&s, "\nA failed LogInteraction under load said: `%s`.\n", f.loadErr)
	}
	return benchrig.PutSection(c.MDPath, "scale-"+c.Backend, s.String())
}
