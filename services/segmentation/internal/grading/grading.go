// Package grading scores customers: one customer at a time when their
// metrics change (against the thresholds of the current run), the whole
// base in recompute runs, and rule segments for previews. It owns the
// membership events: a rescored customer's are published with their
// score, a run's once the run is current.
package grading

import (
	"context"
	"fmt"
	"log/slog"
	"runtime"
	"slices"
	"sync"
	"time"

	segmentationv1 "github.com/opencrm/crm/gen/go/crm/segmentation/v1"
	"github.com/opencrm/crm/pkg/apperr"
	"github.com/opencrm/crm/pkg/feed"
	"github.com/opencrm/crm/pkg/money"
	"github.com/opencrm/crm/pkg/resname"
	"github.com/opencrm/crm/services/segmentation/internal/errs"
	"github.com/opencrm/crm/services/segmentation/internal/facts"
	"github.com/opencrm/crm/services/segmentation/internal/metrics"
	"github.com/opencrm/crm/services/segmentation/internal/model"
	"github.com/opencrm/crm/services/segmentation/internal/names"
	"github.com/opencrm/crm/services/segmentation/internal/records"
	"github.com/opencrm/crm/services/segmentation/internal/rules"
)

// Engine grades customers.
type Engine struct {
	repo    Repository
	events  Events
	compile rules.Compiler
	Log     *slog.Logger
	Now     func() time.Time
	// Currency is the scored currency (CRM_SEGMENTATION_CURRENCY).
	Currency string
	// Batch is how many customers a run reads and writes at once.
	Batch int64

	mu         sync.Mutex
	thresholds map[string]*basis          // by run id
	compiled   map[string]compiledSegment // by segment id
	// runCtx outlives requests: runs started by a call continue after it;
	// set by Serve, which waits for runs on shutdown.
	runCtx context.Context //nolint:containedctx // the runs' lifetime is Serve's, not the starting call's
	runs   sync.WaitGroup
}

// basis is what grades a customer: a run's thresholds and currency.
type basis struct {
	run        string
	thresholds model.Thresholds
	currency   string
	exponent   int
}

type compiledSegment struct {
	version int64
	rule    rules.Rule
}

// NewEngine returns an engine over repo, publishing to events and
// compiling segment rules with compile; runs start once Serve runs.
func NewEngine(repo Repository, events Events, compile rules.Compiler, log *slog.Logger, currency string) *Engine {
	return &Engine{repo: repo, events: events, compile: compile, Log: log, Now: time.Now, Currency: currency, Batch: 1000,
		thresholds: map[string]*basis{}, compiled: map[string]compiledSegment{}}
}

// Settings returns the stored settings, or the defaults.
func (e *Engine) Settings(ctx context.Context) (*records.Settings, error) {
	st, err := e.repo.Settings(ctx)
	if err != nil || st != nil {
		return st, err
	}
	return &records.Settings{Params: model.Defaults(), Interval: 60}, nil
}

// current returns the basis of the current run; before the first run,
// thresholds of an empty base (every quintile score is 3).
func (e *Engine) current(ctx context.Context) (*basis, error) {
	id, err := e.repo.Current(ctx)
	if err != nil {
		return nil, err
	}
	e.mu.Lock()
	b := e.thresholds[id]
	e.mu.Unlock()
	if b != nil {
		return b, nil
	}
	if id == "" {
		st, err := e.Settings(ctx)
		if err != nil {
			return nil, err
		}
		// Not cached: settings may change before the first run.
		return &basis{thresholds: model.NewCollector(st.Params).Thresholds(), currency: e.Currency, exponent: money.Exponent(e.Currency)}, nil
	}
	r, err := e.repo.Run(ctx, id)
	if err != nil {
		return nil, err
	}
	if r == nil || r.Thresholds == nil {
		return nil, fmt.Errorf("current run %s has no thresholds", id)
	}
	b = &basis{run: id, thresholds: *r.Thresholds, currency: r.Currency, exponent: r.Exponent}
	e.mu.Lock()
	e.thresholds[id] = b
	e.mu.Unlock()
	return b, nil
}

// segment is a rule segment ready to evaluate.
type segment struct {
	records.Segment
	rule rules.Rule
}

// segments returns every rule segment, compiled.
func (e *Engine) segments(ctx context.Context) ([]segment, error) {
	all, err := e.repo.Segments(ctx, "", 0)
	if err != nil {
		return nil, err
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	out := make([]segment, 0, len(all))
	for _, sg := range all {
		c, ok := e.compiled[sg.ID]
		if !ok || c.version != sg.RuleVersion {
			r, err := e.compile("segment.rule", sg.Rule)
			if err != nil {
				// Saved rules compiled when saved; one that no longer does
				// (an older API) matches no one and is logged.
				e.Log.Error("a saved segment rule does not compile", "segment", sg.ID, "error", err)
				continue
			}
			c = compiledSegment{version: sg.RuleVersion, rule: r}
			e.compiled[sg.ID] = c
		}
		out = append(out, segment{Segment: sg, rule: c.rule})
	}
	return out, nil
}

// Grade scores one customer at now against th (amounts in minor units
// with exponent digits) and evaluates each rule; member[i] says whether
// rule i matched. A rule that fails at run time does not match.
func Grade(c *metrics.Customer, th *model.Thresholds, exponent int, rs []rules.Rule, now time.Time) (model.Scores, *facts.Facts, []bool) {
	window := th.Params.WindowDays
	s := th.Score(c.Features(now, window, exponent))
	f := facts.Build(c, s, now, window, exponent)
	member := make([]bool, len(rs))
	for i, r := range rs {
		ok, err := r.Match(f)
		member[i] = ok && err == nil
	}
	return s, f, member
}

// Graded is one customer's result of GradeBatch.
type Graded struct {
	Scores model.Scores
	Member []bool
}

// GradeBatch grades a batch of customers as Grade does, spread over the
// machine's cores (grading is pure, and a run's batches are large).
func GradeBatch(cs []metrics.Customer, th *model.Thresholds, exponent int, rs []rules.Rule, now time.Time) []Graded {
	out := make([]Graded, len(cs))
	workers := min(runtime.GOMAXPROCS(0), max(1, len(cs)/64))
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for i := w; i < len(cs); i += workers {
				s, _, member := Grade(&cs[i], th, exponent, rs, now)
				out[i] = Graded{Scores: s, Member: member}
			}
		})
	}
	wg.Wait()
	return out
}

// grade is Grade with the segments' ids.
func grade(c *metrics.Customer, b *basis, segs []segment, now time.Time) (model.Scores, *facts.Facts, []string) {
	s, f, member := Grade(c, &b.thresholds, b.exponent, ruleList(segs), now)
	return s, f, memberIDs(segs, member)
}

func ruleList(segs []segment) []rules.Rule {
	rs := make([]rules.Rule, len(segs))
	for i, sg := range segs {
		rs[i] = sg.rule
	}
	return rs
}

// memberIDs lists the ids of the segments a customer is a member of.
func memberIDs(segs []segment, member []bool) []string {
	var ids []string
	for i, ok := range member {
		if ok {
			ids = append(ids, segs[i].ID)
		}
	}
	return ids
}

// diff lists the membership changes from old to cur (both sorted).
func diff(old, cur []string) (entered, left []string) {
	for _, s := range cur {
		if !slices.Contains(old, s) {
			entered = append(entered, s)
		}
	}
	for _, s := range old {
		if !slices.Contains(cur, s) {
			left = append(left, s)
		}
	}
	return entered, left
}

func membershipEvent(ctx context.Context, customer, segment, run string, entered bool, now time.Time) (feed.Pending, error) {
	return feed.NewPending(ctx, resname.Customers.Format(customer), &segmentationv1.SegmentMembershipChanged{
		Customer: resname.Customers.Format(customer), Segment: names.Segments.Format(segment), Entered: entered, Run: runName(run), Time: timestamp(now),
	}, now)
}

func runName(id string) string {
	if id == "" {
		return ""
	}
	return names.Runs.Format(id)
}

// Rescore grades one customer against the current run's thresholds, and
// publishes their membership changes.
func (e *Engine) Rescore(ctx context.Context, id string) error {
	c, err := e.repo.Customer(ctx, id)
	if err != nil || c == nil || c.MergedInto != "" {
		return err
	}
	return e.RescoreCustomer(ctx, c)
}

// RescoreCustomer is Rescore of a customer's metrics just read or written.
func (e *Engine) RescoreCustomer(ctx context.Context, c *metrics.Customer) error {
	return e.RescoreBatch(ctx, []Rescore{{Customer: c, Ctx: ctx}})
}

// Rescore is a customer whose metrics were just read or written, with the
// context of the change (its trace goes on in the membership events).
type Rescore struct {
	Customer *metrics.Customer
	Ctx      context.Context //nolint:containedctx // each customer's change carries its own trace, as data
}

// RescoreBatch grades customers against the current run's thresholds and
// publishes their membership changes, with a number of store calls that
// does not depend on how many they are.
func (e *Engine) RescoreBatch(ctx context.Context, rs []Rescore) error {
	if len(rs) == 0 {
		return nil
	}
	b, err := e.current(ctx)
	if err != nil {
		return err
	}
	segs, err := e.segments(ctx)
	if err != nil {
		return err
	}
	ids := make([]string, len(rs))
	for i, r := range rs {
		ids[i] = r.Customer.ID
	}
	old, err := e.repo.ScoresByCustomer(ctx, b.run, ids)
	if err != nil {
		return err
	}
	now := e.Now().UTC().Truncate(time.Millisecond)
	var evs []feed.Pending
	scores := make([]records.Score, 0, len(rs))
	for _, r := range rs {
		c, id := r.Customer, r.Customer.ID
		s, _, members := grade(c, b, segs, now)
		if c.Deleted {
			members = nil // a soft-deleted customer leaves every segment
		}
		entered, left := diff(old[id].Segments, members)
		for _, list := range []struct {
			ids     []string
			entered bool
		}{{entered, true}, {left, false}} {
			for _, sg := range list.ids {
				ev, err := membershipEvent(r.Ctx, id, sg, "", list.entered, now) //nolint:contextcheck // the event continues the trace of the customer's change
				if err != nil {
					return err
				}
				ev.ID = fmt.Sprintf("rescore/%s/%s/%d/%s/%t", b.run, id, c.Version, sg, list.entered)
				evs = append(evs, ev)
			}
		}
		scores = append(scores, records.Score{ID: records.ScoreID(b.run, id), Run: b.run, Customer: id, Scores: s, Segments: members, Time: now})
	}
	// The changes are published before the scores that record them are
	// written: a crash between the two is repaired by the rescoring that
	// the replayed feed events do, whose events have the same ids (run,
	// customer, metrics version, segment), so nothing is lost or doubled.
	if err := e.events.Append(ctx, evs...); err != nil {
		return err
	}
	return e.repo.ReplaceScores(ctx, scores)
}

// Leave publishes a merged-away customer leaving their segments and
// deletes their grades.
func (e *Engine) Leave(ctx context.Context, id string) error {
	cur, err := e.repo.Current(ctx)
	if err != nil {
		return err
	}
	score, err := e.repo.Score(ctx, cur, id)
	if err != nil {
		return err
	}
	now := e.Now().UTC()
	var evs []feed.Pending
	for _, sg := range score.Segments {
		ev, err := membershipEvent(ctx, id, sg, "", false, now)
		if err != nil {
			return err
		}
		ev.ID = "merged/" + id + "/" + sg
		evs = append(evs, ev)
	}
	if err := e.events.Append(ctx, evs...); err != nil {
		return err
	}
	return e.repo.DeleteCustomerScores(ctx, id)
}

// View is one customer's grades as GetCustomerSegments shows them.
type View struct {
	Customer   *metrics.Customer
	Scores     model.Scores
	Facts      *facts.Facts
	Run        string
	Time       time.Time
	Currency   string
	Exponent   int
	WindowDays int
	Matches    []Match
}

// Match is one rule segment applied to the customer.
type Match struct {
	Segment records.Segment
	Member  bool
	Values  map[string]string
	Err     string
}

// Customer returns one customer's view: their grades as stored (computed
// now if they have none yet) and every rule segment with the values it
// reads.
func (e *Engine) Customer(ctx context.Context, id string) (*View, error) {
	c, err := e.repo.Customer(ctx, id)
	if err != nil {
		return nil, err
	}
	if c == nil {
		return nil, apperr.NotFound(resname.Customers.Format(id))
	}
	if c.MergedInto != "" {
		return nil, errs.CustomerMerged.New("%s was merged into %s", resname.Customers.Format(id), resname.Customers.Format(c.MergedInto)).
			With("survivor", resname.Customers.Format(c.MergedInto))
	}
	b, err := e.current(ctx)
	if err != nil {
		return nil, err
	}
	segs, err := e.segments(ctx)
	if err != nil {
		return nil, err
	}
	now := e.Now().UTC()
	s, f, members := grade(c, b, segs, now)
	v := &View{Customer: c, Scores: s, Facts: f, Run: b.run, Time: now, Currency: b.currency, Exponent: b.exponent, WindowDays: b.thresholds.Params.WindowDays}
	sc, err := e.repo.Score(ctx, b.run, id)
	if err != nil {
		return nil, err
	}
	if sc.ID != "" {
		// The stored grades are what other applications see; facts that
		// rules read are recomputed for the values.
		v.Scores, v.Time, members = sc.Scores, sc.Time, sc.Segments
		if v.Scores.CLVMethod == "simple" {
			v.Scores.CLVNote = b.thresholds.Fit.Reason
		}
		f.Scores = facts.Scores(sc.Scores)
	}
	for _, sg := range segs {
		m := Match{Segment: sg.Segment, Member: slices.Contains(members, sg.ID), Values: sg.rule.Explain(f)}
		if _, err := sg.rule.Match(f); err != nil {
			m.Err = err.Error()
		}
		v.Matches = append(v.Matches, m)
	}
	return v, nil
}

// Preview evaluates a rule over the base now.
type Preview struct {
	Members, Customers, Errors int64
	Sample                     []string
	FirstError                 string
}

// Preview runs rule over every customer's current grades and metrics.
func (e *Engine) Preview(ctx context.Context, rule string, sample int) (*Preview, error) {
	r, err := e.compile("rule", rule)
	if err != nil {
		return nil, err
	}
	b, err := e.current(ctx)
	if err != nil {
		return nil, err
	}
	now := e.Now().UTC()
	p := &Preview{}
	stored := e.join(ctx, b.run)
	defer stored.stop()
	err = e.walk(ctx, &timer{}, false, func(page []metrics.Customer) error {
		scores, err := stored.upTo(page[len(page)-1].ID)
		if err != nil {
			return err
		}
		for i := range page {
			c := &page[i]
			s, ok := scores[c.ID]
			grades := s.Scores
			if !ok {
				grades = b.thresholds.Score(c.Features(now, b.thresholds.Params.WindowDays, b.exponent))
			}
			f := facts.Build(c, grades, now, b.thresholds.Params.WindowDays, b.exponent)
			p.Customers++
			match, err := r.Match(f)
			switch {
			case err != nil:
				p.Errors++
				if p.FirstError == "" {
					p.FirstError = fmt.Sprintf("%s: %v", resname.Customers.Format(c.ID), err)
				}
			case match:
				p.Members++
				if len(p.Sample) < sample {
					p.Sample = append(p.Sample, resname.Customers.Format(c.ID))
				}
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return p, nil
}
