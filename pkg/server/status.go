package server

import (
	"context"

	"google.golang.org/protobuf/types/known/durationpb"

	statusv1 "github.com/opencrm/crm/gen/go/crm/status/v1"
)

// statusHandler serves StatusService for every service: its version and
// its feeds' positions.
type statusHandler struct {
	statusv1.UnimplementedStatusServiceServer
	service string
	svc     *Service
}

func (h *statusHandler) GetStatus(ctx context.Context, _ *statusv1.GetStatusRequest) (*statusv1.GetStatusResponse, error) {
	resp := &statusv1.GetStatusResponse{Service: h.service, Version: Version}
	if h.svc.Producer != nil {
		last, err := h.svc.Producer.LastSequence(ctx)
		if err != nil {
			return nil, err
		}
		resp.Produced = &statusv1.ProducedFeed{LastSequence: last}
	}
	for _, c := range h.svc.Consumers {
		p := c.Position()
		f := &statusv1.ConsumedFeed{Feed: c.Name, Holding: p.Holding, Cursor: p.Cursor, SourceHead: p.Head,
			BehindEvents: p.BehindEvents(), Lag: durationpb.New(p.Lag)}
		if !p.Holding {
			// Another replica applies the feed: its stored cursor is
			// what this one can tell.
			cur, err := c.Cursor(ctx)
			if err != nil {
				return nil, err
			}
			f.Cursor, f.SourceHead, f.BehindEvents, f.Lag = cur, 0, 0, nil
		}
		resp.Consumed = append(resp.Consumed, f)
	}
	return resp, nil
}

var _ statusv1.StatusServiceServer = (*statusHandler)(nil)
