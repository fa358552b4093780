package api_test

import (
	"fmt"
	"testing"

	"go.mongodb.org/mongo-driver/v2/bson"
	"google.golang.org/grpc/codes"

	interactionv1 "github.com/opencrm/crm/gen/go/crm/interaction/v1"
	"github.com/opencrm/crm/pkg/mongox"
	"github.com/opencrm/crm/services/interaction/internal/store"
)

func TestIngestStreamCountsAndReportsFailures(t *testing.T) {
	t.Parallel()
	e := start(t)
	c := e.customer(t, "Bulk")
	stream, err := e.client.IngestInteractions(e.ctx)
	if err != nil {
		t.Fatal(err)
	}
	for chunk := range 3 {
		var reqs []*interactionv1.LogInteractionRequest
		for n := range 4 {
			i := purchase(c, fmt.Sprintf("o-%d-%d", chunk, n), eur(1, 0), t0)
			i.SourceSystem, i.ExternalId = "import", fmt.Sprintf("%d-%d", chunk, n)
			if chunk == 1 && n == 2 {
				i.Purchase = nil // item 6 of the stream is bad
			}
			reqs = append(reqs, &interactionv1.LogInteractionRequest{Interaction: i})
		}
		if err := stream.Send(&interactionv1.IngestInteractionsRequest{Requests: reqs}); err != nil {
			t.Fatal(err)
		}
	}
	resp, err := stream.CloseAndRecv()
	if err != nil {
		t.Fatal(err)
	}
	f := resp.GetFailures()
	if resp.GetAccepted() != 11 || resp.GetFailed() != 1 || len(f) != 1 || f[0].GetIndex() != 6 ||
		f[0].GetError().GetCode() != int32(codes.InvalidArgument) || f[0].GetError().GetField() != "requests[6].interaction.purchase" {
		t.Fatalf("ingest response: %v", resp)
	}
	if n := len(e.timeline(t, c)); n != 11 {
		t.Fatalf("stored %d, want 11", n)
	}
}

func TestTimelineQueryIsServedByAnIndex(t *testing.T) {
	// The timeline filters on the customer by equality and sorts by
	// TimelineSort: the service must declare an index of exactly that
	// prefix and order (created on MongoDB; the embedded database, which
	// reads whole tables anyway, gets only unique indexes).
	want := normalise(store.TimelineIndex)
	if want[0].Key != "customer_id" || fmt.Sprint(want[1:]) != fmt.Sprint(normalise(store.TimelineSort)) {
		t.Fatalf("TimelineIndex %v does not serve TimelineSort %v", store.TimelineIndex, store.TimelineSort)
	}
	for _, ix := range mongox.ForMode(mongox.ModeMongoDB, store.Indexes()) {
		if ix.Collection == store.Interactions && fmt.Sprint(normalise(ix.Model.Keys.(bson.D))) == fmt.Sprint(want) {
			return
		}
	}
	t.Fatalf("no index %v among the service's indexes", want)
}

// normalise gives sort values the int32 type the server reports.
func normalise(d bson.D) bson.D {
	out := bson.D{}
	for _, e := range d {
		out = append(out, bson.E{Key: e.Key, Value: int32(e.Value.(int))})
	}
	return out
}
