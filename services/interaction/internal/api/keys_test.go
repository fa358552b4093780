package api_test

import (
	"testing"

	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/proto"

	interactionv1 "github.com/opencrm/crm/gen/go/crm/interaction/v1"
	"github.com/opencrm/crm/pkg/server/servertest"
)

// A request id means one request whichever of the three logging calls
// brought it: used again with the same body it returns the first result,
// with another body it is INVALID_ARGUMENT / IDEMPOTENCY_KEY_REUSED (per item
// in a batch or a stream), and nothing is stored twice.
func TestOneRequestIDAcrossTheThreeLoggingPaths(t *testing.T) {
	t.Parallel()
	e := start(t)
	c := e.customer(t, "Keys")
	a := &interactionv1.LogInteractionRequest{RequestId: "k-1", Interaction: purchase(c, "o-1", eur(10, 0), t0)}
	b := proto.Clone(a).(*interactionv1.LogInteractionRequest)
	b.Interaction.Summary = "another body"

	batch := func(reqs ...*interactionv1.LogInteractionRequest) []*interactionv1.ItemResult {
		t.Helper()
		resp, err := e.client.BatchLogInteractions(e.ctx, &interactionv1.BatchLogInteractionsRequest{Requests: reqs})
		if err != nil {
			t.Fatal(err)
		}
		return resp.GetResults()
	}
	ingest := func(reqs ...*interactionv1.LogInteractionRequest) *interactionv1.IngestInteractionsResponse {
		t.Helper()
		stream, err := e.client.IngestInteractions(e.ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range reqs { // one message each
			if err := stream.Send(&interactionv1.IngestInteractionsRequest{Requests: []*interactionv1.LogInteractionRequest{r}}); err != nil {
				t.Fatal(err)
			}
		}
		resp, err := stream.CloseAndRecv()
		if err != nil {
			t.Fatal(err)
		}
		return resp
	}
	reused := func(where string, e *interactionv1.ItemError, field string) {
		t.Helper()
		if e.GetCode() != int32(codes.InvalidArgument) || e.GetReason() != "IDEMPOTENCY_KEY_REUSED" || e.GetField() != field {
			t.Errorf("%s: %v, want INVALID_ARGUMENT IDEMPOTENCY_KEY_REUSED on %s", where, e, field)
		}
	}

	// A batch logs k-1 first.
	r := batch(a)
	first := r[0].GetInteraction()
	if first == nil {
		t.Fatalf("first batch: %v", r)
	}
	// Every path: the same body gets the first result, another is refused.
	r = batch(proto.Clone(a).(*interactionv1.LogInteractionRequest), b)
	if !proto.Equal(r[0].GetInteraction(), first) {
		t.Errorf("batch retry: %v, want %v", r[0], first)
	}
	reused("batch", r[1].GetError(), "requests[1].request_id")
	got, err := e.client.LogInteraction(e.ctx, a)
	if err != nil || !proto.Equal(got.GetInteraction(), first) {
		t.Errorf("LogInteraction retry: %v %v", got, err)
	}
	_, err = e.client.LogInteraction(e.ctx, b)
	if info := servertest.WantCode(t, err, codes.InvalidArgument, "request_id"); info.GetReason() != "IDEMPOTENCY_KEY_REUSED" {
		t.Errorf("LogInteraction with another body: reason %q", info.GetReason())
	}
	resp := ingest(a, b)
	if resp.GetAccepted() != 1 || resp.GetFailed() != 1 || len(resp.GetFailures()) != 1 || resp.GetFailures()[0].GetIndex() != 1 {
		t.Fatalf("ingest: %v", resp)
	}
	reused("ingest", resp.GetFailures()[0].GetError(), "requests[1].request_id")

	// The stream logs k-2 first; the other two paths then know it.
	k2 := &interactionv1.LogInteractionRequest{RequestId: "k-2", Interaction: purchase(c, "o-2", eur(20, 0), t0)}
	k2b := proto.Clone(k2).(*interactionv1.LogInteractionRequest)
	k2b.Interaction.Purchase.Amount = eur(21, 0)
	if resp := ingest(k2); resp.GetAccepted() != 1 {
		t.Fatalf("ingest k-2: %v", resp)
	}
	_, err = e.client.LogInteraction(e.ctx, k2b)
	if info := servertest.WantCode(t, err, codes.InvalidArgument, "request_id"); info.GetReason() != "IDEMPOTENCY_KEY_REUSED" {
		t.Errorf("LogInteraction after ingest: reason %q", info.GetReason())
	}
	reused("batch after ingest", batch(k2b)[0].GetError(), "requests[0].request_id")

	// LogInteraction logs k-3 first; a batch then knows it.
	k3 := &interactionv1.LogInteractionRequest{RequestId: "k-3", Interaction: purchase(c, "o-3", eur(30, 0), t0)}
	k3b := proto.Clone(k3).(*interactionv1.LogInteractionRequest)
	k3b.Interaction.Customer = e.customer(t, "Someone else")
	if _, err := e.client.LogInteraction(e.ctx, k3); err != nil {
		t.Fatal(err)
	}
	reused("batch after LogInteraction", batch(k3b)[0].GetError(), "requests[0].request_id")

	list, err := e.client.ListInteractions(e.ctx, &interactionv1.ListInteractionsRequest{Customer: c})
	if err != nil || len(list.GetInteractions()) != 3 {
		t.Fatalf("timeline: %d interactions (%v), want 3", len(list.GetInteractions()), err)
	}
}
