// Package api is segmentation's gRPC surface: it decodes requests, calls
// the segments use cases and the grading engine, and encodes results;
// validation, authorisation and error mapping are the shared
// interceptors' work.
package api

import (
	"context"
	"time"

	"google.golang.org/protobuf/types/known/timestamppb"

	feedv1 "github.com/opencrm/crm/gen/go/crm/feed/v1"
	segmentationv1 "github.com/opencrm/crm/gen/go/crm/segmentation/v1"
	"github.com/opencrm/crm/pkg/apperr"
	"github.com/opencrm/crm/pkg/etag"
	"github.com/opencrm/crm/pkg/feed"
	"github.com/opencrm/crm/pkg/fieldmask"
	"github.com/opencrm/crm/pkg/pagetoken"
	"github.com/opencrm/crm/pkg/resname"
	"github.com/opencrm/crm/services/segmentation/internal/grading"
	"github.com/opencrm/crm/services/segmentation/internal/names"
	"github.com/opencrm/crm/services/segmentation/internal/records"
	"github.com/opencrm/crm/services/segmentation/internal/segmentationpb"
	"github.com/opencrm/crm/services/segmentation/internal/segments"
)

// Handler implements segmentationv1.SegmentationServiceServer.
type Handler struct {
	segmentationv1.UnimplementedSegmentationServiceServer
	segments *segments.Manager
	engine   *grading.Engine
	feed     *feed.Producer
	pages    *pagetoken.Codec
	// watchEvery is how often WatchRun looks at the run.
	watchEvery time.Duration
}

var _ segmentationv1.SegmentationServiceServer = (*Handler)(nil)

// New returns the handler over the segments use cases and the grading
// engine, paging with pages, watching the feed of producer and looking at
// a watched run every watchEvery.
func New(sm *segments.Manager, engine *grading.Engine, producer *feed.Producer, pages *pagetoken.Codec, watchEvery time.Duration) *Handler {
	return &Handler{segments: sm, engine: engine, feed: producer, pages: pages, watchEvery: watchEvery}
}

// GetSettings implements the API method.
func (h *Handler) GetSettings(ctx context.Context, _ *segmentationv1.GetSettingsRequest) (*segmentationv1.GetSettingsResponse, error) {
	st, err := h.segments.Settings(ctx)
	if err != nil {
		return nil, err
	}
	return &segmentationv1.GetSettingsResponse{Settings: segmentationpb.SettingsToProto(st, h.engine.Currency)}, nil
}

// UpdateSettings implements the API method.
func (h *Handler) UpdateSettings(ctx context.Context, req *segmentationv1.UpdateSettingsRequest) (*segmentationv1.UpdateSettingsResponse, error) {
	paths, err := fieldmask.Check(req.GetUpdateMask().GetPaths(), segmentationpb.Settable, "")
	if err != nil {
		return nil, err
	}
	want, err := etag.Parse("settings.etag", req.GetSettings().GetEtag())
	if err != nil {
		return nil, err
	}
	st, err := h.segments.UpdateSettings(ctx, want, func(st *records.Settings) {
		segmentationpb.ApplySettings(st, req.GetSettings(), paths)
	})
	if err != nil {
		return nil, err
	}
	return &segmentationv1.UpdateSettingsResponse{Settings: segmentationpb.SettingsToProto(st, h.engine.Currency)}, nil
}

// StartRecompute implements the API method.
func (h *Handler) StartRecompute(ctx context.Context, _ *segmentationv1.StartRecomputeRequest) (*segmentationv1.StartRecomputeResponse, error) {
	r, err := h.segments.StartRun(ctx)
	if err != nil {
		return nil, err
	}
	return &segmentationv1.StartRecomputeResponse{Run: segmentationpb.RunToProto(r)}, nil
}

func (h *Handler) run(ctx context.Context, name string) (*records.Run, error) {
	id, err := names.Runs.Parse("name", name)
	if err != nil {
		return nil, err
	}
	return h.segments.Run(ctx, id)
}

// GetRun implements the API method.
func (h *Handler) GetRun(ctx context.Context, req *segmentationv1.GetRunRequest) (*segmentationv1.GetRunResponse, error) {
	r, err := h.run(ctx, req.GetName())
	if err != nil {
		return nil, err
	}
	return &segmentationv1.GetRunResponse{Run: segmentationpb.RunToProto(r)}, nil
}

// ListRuns implements the API method.
func (h *Handler) ListRuns(ctx context.Context, req *segmentationv1.ListRunsRequest) (*segmentationv1.ListRunsResponse, error) {
	page, next, err := pagetoken.Page(h.pages, req, 20, func(after *records.RunPos, limit int64) ([]records.Run, error) {
		return h.segments.Runs(ctx, after, limit)
	}, func(r records.Run) records.RunPos { return records.RunPos{Start: r.Start, ID: r.ID} })
	if err != nil {
		return nil, err
	}
	resp := &segmentationv1.ListRunsResponse{NextPageToken: next}
	for i := range page {
		resp.Runs = append(resp.Runs, segmentationpb.RunToProto(&page[i]))
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
		p := segmentationpb.RunToProto(r)
		if last == nil || last.GetProcessed() != p.GetProcessed() || last.GetTotal() != p.GetTotal() || last.GetState() != p.GetState() {
			if err := stream.Send(&segmentationv1.WatchRunResponse{Run: p}); err != nil {
				return err
			}
			last = p
		}
		if r.State != records.RunRunning {
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
	id, err := resname.Customers.Parse("customer", req.GetCustomer())
	if err != nil {
		return nil, err
	}
	v, err := h.engine.Customer(ctx, id)
	if err != nil {
		return nil, err
	}
	return customerView(v), nil
}

// CreateSegment implements the API method.
func (h *Handler) CreateSegment(ctx context.Context, req *segmentationv1.CreateSegmentRequest) (*segmentationv1.CreateSegmentResponse, error) {
	in := req.GetSegment()
	if in.GetId() == "" {
		return nil, apperr.Invalid("segment.id", "is required")
	}
	v, run, err := h.segments.Create(ctx, segmentationpb.SegmentFromProto(in))
	if err != nil {
		return nil, err
	}
	resp := &segmentationv1.CreateSegmentResponse{Segment: segmentationpb.SegmentToProto(v)}
	if run != "" {
		resp.Run = names.Runs.Format(run)
	}
	return resp, nil
}

// GetSegment implements the API method.
func (h *Handler) GetSegment(ctx context.Context, req *segmentationv1.GetSegmentRequest) (*segmentationv1.GetSegmentResponse, error) {
	id, err := names.Segments.Parse("name", req.GetName())
	if err != nil {
		return nil, err
	}
	v, err := h.segments.Get(ctx, id)
	if err != nil {
		return nil, err
	}
	return &segmentationv1.GetSegmentResponse{Segment: segmentationpb.SegmentToProto(v)}, nil
}

// ListSegments implements the API method.
func (h *Handler) ListSegments(ctx context.Context, req *segmentationv1.ListSegmentsRequest) (*segmentationv1.ListSegmentsResponse, error) {
	page, next, err := pagetoken.Page(h.pages, req, 50, func(after *string, limit int64) ([]*segments.View, error) {
		return h.segments.List(ctx, pagetoken.After(after), limit)
	}, func(v *segments.View) string { return v.ID })
	if err != nil {
		return nil, err
	}
	resp := &segmentationv1.ListSegmentsResponse{NextPageToken: next}
	for _, v := range page {
		resp.Segments = append(resp.Segments, segmentationpb.SegmentToProto(v))
	}
	return resp, nil
}

// UpdateSegment implements the API method.
func (h *Handler) UpdateSegment(ctx context.Context, req *segmentationv1.UpdateSegmentRequest) (*segmentationv1.UpdateSegmentResponse, error) {
	in := req.GetSegment()
	id, err := names.Segments.Parse("segment.name", in.GetName())
	if err != nil {
		return nil, err
	}
	paths, err := fieldmask.Check(req.GetUpdateMask().GetPaths(), segmentationpb.SegmentUpdatable, "")
	if err != nil {
		return nil, err
	}
	want, err := etag.Parse("segment.etag", in.GetEtag())
	if err != nil {
		return nil, err
	}
	v, err := h.segments.Update(ctx, id, want, func(s *records.Segment) { segmentationpb.ApplySegment(s, in, paths) })
	if err != nil {
		return nil, err
	}
	return &segmentationv1.UpdateSegmentResponse{Segment: segmentationpb.SegmentToProto(v)}, nil
}

// DeleteSegment implements the API method.
func (h *Handler) DeleteSegment(ctx context.Context, req *segmentationv1.DeleteSegmentRequest) (*segmentationv1.DeleteSegmentResponse, error) {
	id, err := names.Segments.Parse("name", req.GetName())
	if err != nil {
		return nil, err
	}
	want, err := etag.Parse("etag", req.GetEtag())
	if err != nil {
		return nil, err
	}
	if err := h.segments.Delete(ctx, id, want); err != nil {
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
	id, err := names.Segments.Parse("segment", req.GetSegment())
	if err != nil {
		return nil, err
	}
	page, next, err := pagetoken.Page(h.pages, req, 100, func(after *string, limit int64) ([]string, error) {
		return h.segments.Members(ctx, id, pagetoken.After(after), limit)
	}, func(id string) string { return id })
	if err != nil {
		return nil, err
	}
	resp := &segmentationv1.ListSegmentMembersResponse{NextPageToken: next}
	for _, id := range page {
		resp.Customers = append(resp.Customers, resname.Customers.Format(id))
	}
	return resp, nil
}

// ListSegmentSizes implements the API method.
func (h *Handler) ListSegmentSizes(ctx context.Context, req *segmentationv1.ListSegmentSizesRequest) (*segmentationv1.ListSegmentSizesResponse, error) {
	id, err := names.Segments.Parse("segment", req.GetSegment())
	if err != nil {
		return nil, err
	}
	page, next, err := pagetoken.Page(h.pages, req, 50, func(after *records.SizePos, limit int64) ([]records.Size, error) {
		return h.segments.Sizes(ctx, id, after, limit)
	}, func(z records.Size) records.SizePos { return records.SizePos{Time: z.Time, ID: z.ID} })
	if err != nil {
		return nil, err
	}
	resp := &segmentationv1.ListSegmentSizesResponse{NextPageToken: next}
	for _, z := range page {
		resp.Sizes = append(resp.Sizes, &segmentationv1.SegmentSize{Run: names.Runs.Format(z.Run), Time: timestamppb.New(z.Time), Count: z.Count})
	}
	return resp, nil
}

// GetReport implements the API method.
func (h *Handler) GetReport(ctx context.Context, _ *segmentationv1.GetReportRequest) (*segmentationv1.GetReportResponse, error) {
	r, err := h.segments.Report(ctx)
	if err != nil {
		return nil, err
	}
	return &segmentationv1.GetReportResponse{Report: segmentationpb.ReportToProto(r)}, nil
}

// WatchSegmentationEvents implements the API method.
func (h *Handler) WatchSegmentationEvents(req *segmentationv1.WatchSegmentationEventsRequest, stream segmentationv1.SegmentationService_WatchSegmentationEventsServer) error {
	return h.feed.Watch(stream.Context(), req.GetAfterSequence(), func(ev *feedv1.Event) error {
		return stream.Send(&segmentationv1.WatchSegmentationEventsResponse{Event: ev})
	})
}
