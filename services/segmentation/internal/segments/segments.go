// Package segments is segmentation's use cases for rule segments, the
// settings and the runs' records: creating, changing and deleting
// segments (each change of a rule asks the grading engine for a run),
// reading them with their members in the current run, and changing the
// settings. Every change is version-checked against the caller's etag.
package segments

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/opencrm/crm/pkg/apperr"
	"github.com/opencrm/crm/pkg/etag"
	"github.com/opencrm/crm/services/segmentation/internal/errs"
	"github.com/opencrm/crm/services/segmentation/internal/names"
	"github.com/opencrm/crm/services/segmentation/internal/records"
	"github.com/opencrm/crm/services/segmentation/internal/rules"
)

// Manager runs the use cases of segments and settings.
type Manager struct {
	repo    Repository
	grader  Grader
	compile rules.Compiler
	now     func() time.Time
}

// New returns the manager over repo, asking grader for runs, checking
// rules with compile and reading the time from now.
func New(repo Repository, grader Grader, compile rules.Compiler, now func() time.Time) *Manager {
	return &Manager{repo: repo, grader: grader, compile: compile, now: now}
}

// stamp is the time of a change, as stored (milliseconds).
func (m *Manager) stamp() time.Time { return m.now().UTC().Truncate(time.Millisecond) }

// View is a segment with its member count in the current run and whether
// that run evaluated its rule.
type View struct {
	*records.Segment
	Members   int64
	Evaluated bool
}

// Settings returns the stored settings, or the defaults.
func (m *Manager) Settings(ctx context.Context) (*records.Settings, error) {
	return m.grader.Settings(ctx)
}

// UpdateSettings changes the settings with edit (the caller's masked
// fields) if they are still at version want (any with 0), checks them and
// stores them if no other change came between.
func (m *Manager) UpdateSettings(ctx context.Context, want int64, edit func(*records.Settings)) (*records.Settings, error) {
	st, err := m.grader.Settings(ctx)
	if err != nil {
		return nil, err
	}
	if want != 0 && want != st.Version {
		return nil, etag.ErrStale
	}
	prev := st.Version
	edit(st)
	if err := st.Params.Validate("settings."); err != nil {
		return nil, err
	}
	st.Updated = m.stamp()
	if err := stale(m.repo.SaveSettings(ctx, st, prev)); err != nil {
		return nil, err
	}
	return st, nil
}

// stale turns a lost race into the caller's stale etag.
func stale(err error) error {
	if errors.Is(err, records.ErrConflict) {
		return etag.ErrStale
	}
	return err
}

// checkRule refuses an empty rule or one that does not compile.
func (m *Manager) checkRule(rule string) error {
	if strings.TrimSpace(rule) == "" {
		return apperr.Invalid("segment.rule", "is required")
	}
	_, err := m.compile("segment.rule", rule)
	return err
}

// Create stores a new segment and asks for a run to evaluate it; it
// returns the segment and the run started, if any.
func (m *Manager) Create(ctx context.Context, s *records.Segment) (*View, string, error) {
	if err := m.checkRule(s.Rule); err != nil {
		return nil, "", err
	}
	now := m.stamp()
	s.Created, s.Updated, s.RuleVersion = now, now, 1
	if s.DisplayName == "" {
		s.DisplayName = s.ID
	}
	if err := m.repo.InsertSegment(ctx, s); errors.Is(err, records.ErrConflict) {
		name := names.Segments.Format(s.ID)
		return nil, "", errs.SegmentExists.New("%s already exists", name).With("resource", name)
	} else if err != nil {
		return nil, "", err
	}
	run, err := m.grader.SegmentsChanged(ctx)
	if err != nil {
		return nil, "", err
	}
	v, err := m.view(ctx, s)
	return v, run, err
}

// segment reads a segment; a missing one is NOT_FOUND.
func (m *Manager) segment(ctx context.Context, id string) (*records.Segment, error) {
	s, err := m.repo.Segment(ctx, id)
	if err != nil {
		return nil, err
	}
	if s == nil {
		return nil, apperr.NotFound(names.Segments.Format(id))
	}
	return s, nil
}

// Get returns a segment.
func (m *Manager) Get(ctx context.Context, id string) (*View, error) {
	s, err := m.segment(ctx, id)
	if err != nil {
		return nil, err
	}
	return m.view(ctx, s)
}

// List returns up to limit segments after id after, by id, in a fixed
// number of queries however many there are.
func (m *Manager) List(ctx context.Context, after string, limit int64) ([]*View, error) {
	page, err := m.repo.Segments(ctx, after, limit)
	if err != nil {
		return nil, err
	}
	segs := make([]*records.Segment, len(page))
	for i := range page {
		segs[i] = &page[i]
	}
	return m.views(ctx, segs)
}

func (m *Manager) view(ctx context.Context, s *records.Segment) (*View, error) {
	vs, err := m.views(ctx, []*records.Segment{s})
	if err != nil {
		return nil, err
	}
	return vs[0], nil
}

// views adds to segments their member counts in the current run and
// whether it evaluated them: three queries for any number of segments.
func (m *Manager) views(ctx context.Context, segs []*records.Segment) ([]*View, error) {
	out := make([]*View, len(segs))
	for i, s := range segs {
		out[i] = &View{Segment: s}
	}
	if len(segs) == 0 {
		return out, nil
	}
	cur, err := m.repo.Current(ctx)
	if err != nil || cur == "" {
		return out, err
	}
	ids := make([]string, len(segs))
	for i, s := range segs {
		ids[i] = s.ID
	}
	counts, err := m.repo.CountMembers(ctx, cur, ids)
	if err != nil {
		return nil, err
	}
	versions, err := m.repo.RunSegments(ctx, cur)
	if err != nil {
		return nil, err
	}
	for _, v := range out {
		v.Members, v.Evaluated = counts[v.ID], versions[v.ID] == v.RuleVersion
	}
	return out, nil
}

// Update changes a segment with edit (the caller's masked fields) if it
// is still at version want (any with 0); a changed rule is checked, gets
// a new rule version and asks for a run.
func (m *Manager) Update(ctx context.Context, id string, want int64, edit func(*records.Segment)) (*View, error) {
	s, err := m.segment(ctx, id)
	if err != nil {
		return nil, err
	}
	if want != 0 && want != s.Version {
		return nil, etag.ErrStale
	}
	prev, rule := s.Version, s.Rule
	edit(s)
	ruleChanged := s.Rule != rule
	if ruleChanged {
		if err := m.checkRule(s.Rule); err != nil {
			return nil, err
		}
		s.RuleVersion++
	}
	s.Updated = m.stamp()
	if err := stale(m.repo.SaveSegment(ctx, s, prev)); err != nil {
		return nil, err
	}
	if ruleChanged {
		if _, err := m.grader.SegmentsChanged(ctx); err != nil {
			return nil, err
		}
	}
	return m.view(ctx, s)
}

// Delete deletes a segment if it is still at version want (any with 0);
// its members leave it at the run this asks for.
func (m *Manager) Delete(ctx context.Context, id string, want int64) error {
	s, err := m.segment(ctx, id)
	if err != nil {
		return err
	}
	if want != 0 && want != s.Version {
		return etag.ErrStale
	}
	ok, err := m.repo.DeleteSegment(ctx, s.ID, s.Version)
	if err != nil {
		return err
	}
	if !ok {
		return etag.ErrStale
	}
	_, err = m.grader.SegmentsChanged(ctx)
	return err
}

// Members returns up to limit members of a segment in the current run
// after customer id after, by id.
func (m *Manager) Members(ctx context.Context, id, after string, limit int64) ([]string, error) {
	s, err := m.segment(ctx, id)
	if err != nil {
		return nil, err
	}
	cur, err := m.repo.Current(ctx)
	if err != nil {
		return nil, err
	}
	return m.repo.Members(ctx, cur, s.ID, after, limit)
}

// Sizes returns up to limit of a segment's sizes at the end of runs,
// newest first, after position after (nil: from the newest).
func (m *Manager) Sizes(ctx context.Context, id string, after *records.SizePos, limit int64) ([]records.Size, error) {
	s, err := m.segment(ctx, id)
	if err != nil {
		return nil, err
	}
	return m.repo.Sizes(ctx, s.ID, after, limit)
}

// StartRun starts a recompute run at a caller's request.
func (m *Manager) StartRun(ctx context.Context) (*records.Run, error) {
	return m.grader.StartRun(ctx, records.TriggerManual)
}

// Run returns a run; a missing one is NOT_FOUND.
func (m *Manager) Run(ctx context.Context, id string) (*records.Run, error) {
	r, err := m.repo.Run(ctx, id)
	if err != nil {
		return nil, err
	}
	if r == nil {
		return nil, apperr.NotFound(names.Runs.Format(id))
	}
	return r, nil
}

// Runs returns up to limit runs after position after (nil: from the
// newest), newest first.
func (m *Manager) Runs(ctx context.Context, after *records.RunPos, limit int64) ([]records.Run, error) {
	return m.repo.Runs(ctx, after, limit)
}

// Report returns the current run, whose report is the current one.
func (m *Manager) Report(ctx context.Context) (*records.Run, error) {
	cur, err := m.repo.Current(ctx)
	if err != nil {
		return nil, err
	}
	if cur == "" {
		return nil, errs.NoRunYet.New("no recompute run has completed yet: StartRecompute")
	}
	return m.Run(ctx, cur)
}
