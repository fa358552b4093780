// Package api is segmentation's gRPC surface: it decodes requests, calls
// the grading engine and the store, and encodes results; validation,
// authorisation and error mapping are the shared interceptors' work.
package api

import (
	"context"
	"errors"
	"strings"
	"time"

	"google.golang.org/protobuf/types/known/timestamppb"

	feedv1 "github.com/opencrm/crm/gen/go/crm/feed/v1"
	segmentationv1 "github.com/opencrm/crm/gen/go/crm/segmentation/v1"
	"github.com/opencrm/crm/pkg/apperr"
	"github.com/opencrm/crm/pkg/etag"
	"github.com/opencrm/crm/pkg/money"
	"github.com/opencrm/crm/pkg/pagetoken"
	"github.com/opencrm/crm/services/segmentation/internal/grading"
	"github.com/opencrm/crm/services/segmentation/internal/rules"
	"github.com/opencrm/crm/services/segmentation/internal/store"
)

// Handler implements segmentationv1.SegmentationServiceServer.
type Handler struct {
	segmentationv1.UnimplementedSegmentationServiceServer
	engine *grading.Engine
	store  *store.Store
	pages  *pagetoken.Codec
	// watchEvery is how often WatchRun looks at the run.
	watchEvery time.Duration
}

var _ segmentationv1.SegmentationServiceServer = (*Handler)(nil)

// GetSettings implements the API method.
func (h *Handler) GetSettings(ctx context.Context, _ *segmentationv1.GetSettingsRequest) (*segmentationv1.GetSettingsResponse, error) {
	st, err := h.engine.Settings(ctx)
	if err != nil {
		return nil, err
	}
	return &segmentationv1.GetSettingsResponse{Settings: settingsToProto(st, h.engine.Currency)}, nil
}

var settable = map[string]bool{"window_days": true, "segment_map": true, "trend_change": true, "value_matrix": true, "pyramid": true,
	"abc_a_share": true, "abc_b_share": true, "stage": true, "churn": true, "clv": true, "recompute_interval_minutes": true}

// UpdateSettings implements the API method.
func (h *Handler) UpdateSettings(ctx context.Context, req *segmentationv1.UpdateSettingsRequest) (*segmentationv1.UpdateSettingsResponse, error) {
	paths := req.GetUpdateMask().GetPaths()
	if len(paths) == 0 {
		return nil, apperr.Invalid("update_mask", "names no field")
	}
	for i, f := range paths {
		if !settable[f] {
			return nil, apperr.Invalid("update_mask.paths", "paths[%d] %q cannot be changed", i, f)
		}
	}
	want, err := etag.Parse("settings.etag", req.GetSettings().GetEtag())
	if err != nil {
		return nil, err
	}
	st, err := h.engine.Settings(ctx)
	if err != nil {
		return nil, err
	}
	if want != 0 && want != st.Version {
		return nil, etag.ErrStale
	}
	prev := st.Version
	applySettings(st, req.GetSettings(), paths)
	if err := st.Params.Validate("settings."); err != nil {
		return nil, err
	}
	st.Updated = time.Now().UTC().Truncate(time.Millisecond)
	if err := h.store.SaveSettings(ctx, st, prev); errors.Is(err, store.ErrConflict) {
		return nil, etag.ErrStale
	} else if err != nil {
		return nil, err
	}
	return &segmentationv1.UpdateSettingsResponse{Settings: settingsToProto(st, h.engine.Currency)}, nil
}

// StartRecompute implements the API method.
func (h *Handler) StartRecompute(ctx context.Context, _ *segmentationv1.StartRecomputeRequest) (*segmentationv1.StartRecomputeResponse, error) {
	r, err := h.engine.StartRun(ctx, store.TriggerManual)
	if err != nil {
		return nil, err
	}
	return &segmentationv1.StartRecomputeResponse{Run: runToProto(r)}, nil
}

func (h *Handler) run(ctx context.Context, name string) (*store.Run, error) {
	r, err := h.store.Run(ctx, strings.TrimPrefix(name, "runs/"))
	if err != nil {
		return nil, err
	}
	if r == nil {
		return nil, apperr.NotFound(name)
	}
	return r, nil
}

// GetRun implements the API method.
func (h *Handler) GetRun(ctx context.Context, req *segmentationv1.GetRunRequest) (*segmentationv1.GetRunResponse, error) {
	r, err := h.run(ctx, req.GetName())
	if err != nil {
		return nil, err
	}
	return &segmentationv1.GetRunResponse{Run: runToProto(r)}, nil
}

// ListRuns implements the API method.
func (h *Handler) ListRuns(ctx context.Context, req *segmentationv1.ListRunsRequest) (*segmentationv1.ListRunsResponse, error) {
	page, next, err := pagetoken.Page(h.pages, req, 20, func(after *store.RunPos, limit int64) ([]store.Run, error) {
		return h.store.Runs(ctx, after, limit)
	}, func(r store.Run) store.RunPos { return store.RunPos{Start: r.Start, ID: r.ID} })
	if err != nil {
		return nil, err
	}
	resp := &segmentationv1.ListRunsResponse{NextPageToken: next}
	for i := range page {
		resp.Runs = append(resp.Runs, runToProto(&page[i]))
	}
	return resp, nil
}

// WatchRun implements the API method.
func (h *Handler) WatchRun(req *segmentationv1.WatchRunRequest, stream segmentationv1.SegmentationService_WatchRunServer) error {
	ctx := stream.Context()
	var last *segmentationv1.Run
	for {
		r, err := h.run(ctx, req.GetName())
		if err != nil {
			return err
		}
		p := runToProto(r)
		if last == nil || last.GetProcessed() != p.GetProcessed() || last.GetTotal() != p.GetTotal() || last.GetState() != p.GetState() {
			if err := stream.Send(&segmentationv1.WatchRunResponse{Run: p}); err != nil {
				return err
			}
			last = p
		}
		if r.State != store.RunRunning {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(h.watchEvery):
		}
	}
}

// GetCustomerSegments implements the API method.
func (h *Handler) GetCustomerSegments(ctx context.Context, req *segmentationv1.GetCustomerSegmentsRequest) (*segmentationv1.GetCustomerSegmentsResponse, error) {
	v, err := h.engine.Customer(ctx, strings.TrimPrefix(req.GetCustomer(), "customers/"))
	if err != nil {
		return nil, err
	}
	c := v.Customer
	_, window, _ := c.Window(v.Time, 0, v.WindowDays)
	resp := &segmentationv1.GetCustomerSegmentsResponse{
		Customer: req.GetCustomer(), Facts: v.Facts,
		Amount: money.ToProto(v.Currency, c.Amount), WindowAmount: money.ToProto(v.Currency, window),
		Clv: major(v.Currency, v.Exponent, v.Scores.CLV), ClvNote: v.Scores.CLVNote,
		ScoreTime: timestamppb.New(v.Time),
	}
	if v.Run != "" {
		resp.Run = "runs/" + v.Run
	}
	for _, m := range v.Matches {
		resp.Segments = append(resp.Segments, &segmentationv1.SegmentMatch{
			Segment: "segments/" + m.Segment.ID, DisplayName: m.Segment.DisplayName, Member: m.Member, Values: m.Values, Error: m.Err,
		})
	}
	return resp, nil
}

// segmentView returns a segment with its member count in the current run
// and whether that run evaluated its rule.
func (h *Handler) segmentView(ctx context.Context, s *store.Segment) (*segmentationv1.Segment, error) {
	cur, err := h.store.Current(ctx)
	if err != nil {
		return nil, err
	}
	n, err := h.store.CountMembers(ctx, cur, s.ID)
	if err != nil {
		return nil, err
	}
	evaluated := false
	if cur != "" {
		versions, err := h.store.RunSegments(ctx, cur)
		if err != nil {
			return nil, err
		}
		evaluated = versions[s.ID] == s.RuleVersion
	}
	return segmentToProto(s, n, evaluated), nil
}

func segmentID(name string) string { return strings.TrimPrefix(name, "segments/") }

// CreateSegment implements the API method.
func (h *Handler) CreateSegment(ctx context.Context, req *segmentationv1.CreateSegmentRequest) (*segmentationv1.CreateSegmentResponse, error) {
	in := req.GetSegment()
	if in.GetId() == "" {
		return nil, apperr.Invalid("segment.id", "is required")
	}
	if strings.TrimSpace(in.GetRule()) == "" {
		return nil, apperr.Invalid("segment.rule", "is required")
	}
	if _, err := rules.Compile("segment.rule", in.GetRule()); err != nil {
		return nil, err
	}
	now := time.Now().UTC().Truncate(time.Millisecond)
	s := &store.Segment{ID: in.GetId(), DisplayName: in.GetDisplayName(), Description: in.GetDescription(), Rule: in.GetRule(),
		Created: now, Updated: now, RuleVersion: 1}
	if s.DisplayName == "" {
		s.DisplayName = s.ID
	}
	if err := h.store.InsertSegment(ctx, s); errors.Is(err, store.ErrConflict) {
		return nil, apperr.New(apperr.KindAlreadyExists, "SEGMENT_EXISTS", "segments/%s already exists", s.ID).With("resource", "segments/"+s.ID)
	} else if err != nil {
		return nil, err
	}
	run, err := h.engine.SegmentsChanged(ctx)
	if err != nil {
		return nil, err
	}
	view, err := h.segmentView(ctx, s)
	if err != nil {
		return nil, err
	}
	resp := &segmentationv1.CreateSegmentResponse{Segment: view}
	if run != "" {
		resp.Run = "runs/" + run
	}
	return resp, nil
}

func (h *Handler) segment(ctx context.Context, name string) (*store.Segment, error) {
	s, err := h.store.Segment(ctx, segmentID(name))
	if err != nil {
		return nil, err
	}
	if s == nil {
		return nil, apperr.NotFound(name)
	}
	return s, nil
}

// GetSegment implements the API method.
func (h *Handler) GetSegment(ctx context.Context, req *segmentationv1.GetSegmentRequest) (*segmentationv1.GetSegmentResponse, error) {
	s, err := h.segment(ctx, req.GetName())
	if err != nil {
		return nil, err
	}
	view, err := h.segmentView(ctx, s)
	if err != nil {
		return nil, err
	}
	return &segmentationv1.GetSegmentResponse{Segment: view}, nil
}

// ListSegments implements the API method.
func (h *Handler) ListSegments(ctx context.Context, req *segmentationv1.ListSegmentsRequest) (*segmentationv1.ListSegmentsResponse, error) {
	page, next, err := pagetoken.Page(h.pages, req, 50, func(after *string, limit int64) ([]store.Segment, error) {
		return h.store.Segments(ctx, pagetoken.After(after), limit)
	}, func(s store.Segment) string { return s.ID })
	if err != nil {
		return nil, err
	}
	resp := &segmentationv1.ListSegmentsResponse{NextPageToken: next}
	for i := range page {
		view, err := h.segmentView(ctx, &page[i])
		if err != nil {
			return nil, err
		}
		resp.Segments = append(resp.Segments, view)
	}
	return resp, nil
}

// UpdateSegment implements the API method.
func (h *Handler) UpdateSegment(ctx context.Context, req *segmentationv1.UpdateSegmentRequest) (*segmentationv1.UpdateSegmentResponse, error) {
	in := req.GetSegment()
	if !strings.HasPrefix(in.GetName(), "segments/") {
		return nil, apperr.Invalid("segment.name", "is required: segments/{id}")
	}
	paths := req.GetUpdateMask().GetPaths()
	if len(paths) == 0 {
		return nil, apperr.Invalid("update_mask", "names no field")
	}
	want, err := etag.Parse("segment.etag", in.GetEtag())
	if err != nil {
		return nil, err
	}
	s, err := h.segment(ctx, in.GetName())
	if err != nil {
		return nil, err
	}
	if want != 0 && want != s.Version {
		return nil, etag.ErrStale
	}
	prev, ruleChanged := s.Version, false
	for i, f := range paths {
		switch f {
		case "display_name":
			s.DisplayName = in.GetDisplayName()
		case "description":
			s.Description = in.GetDescription()
		case "rule":
			if strings.TrimSpace(in.GetRule()) == "" {
				return nil, apperr.Invalid("segment.rule", "is required")
			}
			if _, err := rules.Compile("segment.rule", in.GetRule()); err != nil {
				return nil, err
			}
			ruleChanged = s.Rule != in.GetRule()
			s.Rule = in.GetRule()
		default:
			return nil, apperr.Invalid("update_mask.paths", "paths[%d] %q cannot be changed", i, f)
		}
	}
	if ruleChanged {
		s.RuleVersion++
	}
	s.Updated = time.Now().UTC().Truncate(time.Millisecond)
	if err := h.store.SaveSegment(ctx, s, prev); errors.Is(err, store.ErrConflict) {
		return nil, etag.ErrStale
	} else if err != nil {
		return nil, err
	}
	if ruleChanged {
		if _, err := h.engine.SegmentsChanged(ctx); err != nil {
			return nil, err
		}
	}
	view, err := h.segmentView(ctx, s)
	if err != nil {
		return nil, err
	}
	return &segmentationv1.UpdateSegmentResponse{Segment: view}, nil
}

// DeleteSegment implements the API method.
func (h *Handler) DeleteSegment(ctx context.Context, req *segmentationv1.DeleteSegmentRequest) (*segmentationv1.DeleteSegmentResponse, error) {
	want, err := etag.Parse("etag", req.GetEtag())
	if err != nil {
		return nil, err
	}
	s, err := h.segment(ctx, req.GetName())
	if err != nil {
		return nil, err
	}
	if want != 0 && want != s.Version {
		return nil, etag.ErrStale
	}
	ok, err := h.store.DeleteSegment(ctx, s.ID, s.Version)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, etag.ErrStale
	}
	// Its members leave it at the next run.
	if _, err := h.engine.SegmentsChanged(ctx); err != nil {
		return nil, err
	}
	return &segmentationv1.DeleteSegmentResponse{}, nil
}

// PreviewSegment implements the API method.
func (h *Handler) PreviewSegment(ctx context.Context, req *segmentationv1.PreviewSegmentRequest) (*segmentationv1.PreviewSegmentResponse, error) {
	size := int(req.GetSampleSize())
	if size == 0 {
		size = 10
	}
	p, err := h.engine.Preview(ctx, req.GetRule(), size)
	if err != nil {
		return nil, err
	}
	return &segmentationv1.PreviewSegmentResponse{MemberCount: p.Members, Customers: p.Customers, Sample: p.Sample, Errors: p.Errors, FirstError: p.FirstError}, nil
}

// ListSegmentMembers implements the API method.
func (h *Handler) ListSegmentMembers(ctx context.Context, req *segmentationv1.ListSegmentMembersRequest) (*segmentationv1.ListSegmentMembersResponse, error) {
	s, err := h.segment(ctx, req.GetSegment())
	if err != nil {
		return nil, err
	}
	cur, err := h.store.Current(ctx)
	if err != nil {
		return nil, err
	}
	page, next, err := pagetoken.Page(h.pages, req, 100, func(after *string, limit int64) ([]string, error) {
		return h.store.Members(ctx, cur, s.ID, pagetoken.After(after), limit)
	}, func(id string) string { return id })
	if err != nil {
		return nil, err
	}
	resp := &segmentationv1.ListSegmentMembersResponse{NextPageToken: next}
	for _, id := range page {
		resp.Customers = append(resp.Customers, "customers/"+id)
	}
	return resp, nil
}

// ListSegmentSizes implements the API method.
func (h *Handler) ListSegmentSizes(ctx context.Context, req *segmentationv1.ListSegmentSizesRequest) (*segmentationv1.ListSegmentSizesResponse, error) {
	s, err := h.segment(ctx, req.GetSegment())
	if err != nil {
		return nil, err
	}
	page, next, err := pagetoken.Page(h.pages, req, 50, func(after *store.SizePos, limit int64) ([]store.Size, error) {
		return h.store.Sizes(ctx, s.ID, after, limit)
	}, func(z store.Size) store.SizePos { return store.SizePos{Time: z.Time, ID: z.ID} })
	if err != nil {
		return nil, err
	}
	resp := &segmentationv1.ListSegmentSizesResponse{NextPageToken: next}
	for _, z := range page {
		resp.Sizes = append(resp.Sizes, &segmentationv1.SegmentSize{Run: "runs/" + z.Run, Time: timestamppb.New(z.Time), Count: z.Count})
	}
	return resp, nil
}

// GetReport implements the API method.
func (h *Handler) GetReport(ctx context.Context, _ *segmentationv1.GetReportRequest) (*segmentationv1.GetReportResponse, error) {
	cur, err := h.store.Current(ctx)
	if err != nil {
		return nil, err
	}
	if cur == "" {
		return nil, apperr.New(apperr.KindFailedPrecondition, "NO_RUN_YET", "no recompute run has completed yet: StartRecompute")
	}
	r, err := h.run(ctx, "runs/"+cur)
	if err != nil {
		return nil, err
	}
	return &segmentationv1.GetReportResponse{Report: reportToProto(r)}, nil
}

// WatchSegmentationEvents implements the API method.
func (h *Handler) WatchSegmentationEvents(req *segmentationv1.WatchSegmentationEventsRequest, stream segmentationv1.SegmentationService_WatchSegmentationEventsServer) error {
	return h.store.Feed.Watch(stream.Context(), req.GetAfterSequence(), func(ev *feedv1.Event) error {
		return stream.Send(&segmentationv1.WatchSegmentationEventsResponse{Event: ev})
	})
}
