package api_test

import (
	"testing"

	"github.com/opencrm/crm/pkg/server/servertest"
	crmstatus "github.com/opencrm/crm/pkg/status"
)

// StatusService reports the feeds' positions: once a purchase has earned,
// loyalty's consumer of interaction-log's feed stands at interaction-log's
// last sequence with nothing behind, and loyalty's own feed has events.
func TestStatusReportsFeedPositions(t *testing.T) {
	t.Parallel()
	e := start(t)
	prog := e.program(t, club("club", true))
	c := e.customer(t, "Status Buyer")
	e.logPurchase(t, c, "status-1", eur(20, 0))
	eventually(t, "the purchase earns", func() bool { return e.balance(prog, c)() == 70 })

	ctx := servertest.Ctx(t, "status.read")
	source, err := crmstatus.Fetch(ctx, e.interaction.Conn)
	if err != nil {
		t.Fatal(err)
	}
	if source.Service != "interaction-log" || !source.Produces || source.LastSequence < 1 {
		t.Fatalf("interaction-log's status: %+v", source)
	}
	eventually(t, "loyalty reports it has applied interaction-log's feed", func() bool {
		r, err := crmstatus.Fetch(ctx, e.srv.Conn)
		if err != nil {
			t.Fatal(err)
		}
		if r.Service != "loyalty" || !r.Produces || r.LastSequence < 1 || len(r.Feeds) != 2 {
			t.Fatalf("loyalty's status: %+v", r)
		}
		for _, f := range r.Feeds {
			if f.Name == "interaction-log" {
				return f.Holding && f.Cursor == source.LastSequence && f.BehindEvents == 0 && f.Lag == 0
			}
		}
		t.Fatalf("no interaction-log feed in %+v", r)
		return false
	})
}
