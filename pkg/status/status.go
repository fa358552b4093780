// Package status reads where a platform service stands (its
// StatusService): its version, the last sequence of its own feed, and the
// position and lag of each feed it consumes.
package status

import (
	"context"
	"fmt"
	"time"

	"google.golang.org/grpc"

	statusv1 "github.com/opencrm/crm/gen/go/crm/status/v1"
)

// Report is one service's status.
type Report struct {
	Service, Version string
	// LastSequence is the last sequence its own feed gave out; Produces
	// says whether it publishes a feed at all.
	LastSequence int64
	Produces     bool
	Feeds        []Feed
}

// Feed is the position of a feed the service consumes. Holding says
// whether the replica that answered applies it; when not, only Cursor is
// known.
type Feed struct {
	Name         string
	Holding      bool
	Cursor       int64
	SourceHead   int64
	BehindEvents int64
	Lag          time.Duration
}

// Fetch asks the service behind conn for its status; ctx carries the
// caller's token (scope status.read).
func Fetch(ctx context.Context, conn grpc.ClientConnInterface) (Report, error) {
	resp, err := statusv1.NewStatusServiceClient(conn).GetStatus(ctx, &statusv1.GetStatusRequest{})
	if err != nil {
		return Report{}, fmt.Errorf("get status: %w", err)
	}
	r := Report{Service: resp.GetService(), Version: resp.GetVersion(), Produces: resp.GetProduced() != nil,
		LastSequence: resp.GetProduced().GetLastSequence()}
	for _, f := range resp.GetConsumed() {
		r.Feeds = append(r.Feeds, Feed{Name: f.GetFeed(), Holding: f.GetHolding(), Cursor: f.GetCursor(), SourceHead: f.GetSourceHead(),
			BehindEvents: f.GetBehindEvents(), Lag: f.GetLag().AsDuration()})
	}
	return r, nil
}
