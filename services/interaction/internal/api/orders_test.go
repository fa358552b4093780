package api_test

import (
	"testing"

	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/proto"

	interactionv1 "github.com/opencrm/crm/gen/go/crm/interaction/v1"
	"github.com/opencrm/crm/pkg/server/servertest"
)

// An order is logged once per customer and source system: logging it again
// under a new request id is ALREADY_EXISTS / DUPLICATE_ORDER naming the
// first interaction, while a retry of the first request still returns the
// first result.
func TestAnOrderIsLoggedOnce(t *testing.T) {
	t.Parallel()
	e := start(t)
	c, other := e.customer(t, "Orders"), e.customer(t, "Other")
	first, err := e.client.LogInteraction(e.ctx, &interactionv1.LogInteractionRequest{RequestId: "p-1", Interaction: purchase(c, "A-1001", eur(49, 900000000), t0)})
	if err != nil {
		t.Fatal(err)
	}
	name := first.GetInteraction().GetName()

	again := purchase(c, "A-1001", eur(49, 900000000), t0)
	_, err = e.client.LogInteraction(e.ctx, &interactionv1.LogInteractionRequest{RequestId: "p-2", Interaction: again})
	if info := servertest.WantCode(t, err, codes.AlreadyExists, ""); info.GetReason() != "DUPLICATE_ORDER" || info.GetMetadata()["interaction"] != name {
		t.Fatalf("second purchase of the order: %v", info)
	}
	// Without a request id too.
	_, err = e.client.LogInteraction(e.ctx, &interactionv1.LogInteractionRequest{Interaction: again})
	if info := servertest.WantCode(t, err, codes.AlreadyExists, ""); info.GetReason() != "DUPLICATE_ORDER" {
		t.Fatalf("second purchase without a request id: %v", info)
	}
	// The first request's retry still gets the first result.
	retry, err := e.client.LogInteraction(e.ctx, &interactionv1.LogInteractionRequest{RequestId: "p-1", Interaction: purchase(c, "A-1001", eur(49, 900000000), t0)})
	if err != nil || !proto.Equal(retry, first) {
		t.Fatalf("retry of the first request: %v %v", retry, err)
	}

	// The same order id from another source system, or for another
	// customer, is another order; in a batch, the order's second purchase
	// fails alone.
	shop := purchase(c, "A-1001", eur(5, 0), t0)
	shop.SourceSystem, shop.ExternalId = "shop", "s-1"
	resp, err := e.client.BatchLogInteractions(e.ctx, &interactionv1.BatchLogInteractionsRequest{Requests: []*interactionv1.LogInteractionRequest{
		{Interaction: shop},
		{Interaction: purchase(other, "A-1001", eur(5, 0), t0)},
		{Interaction: purchase(c, "B-7", eur(5, 0), t0)},
		{Interaction: purchase(c, "B-7", eur(6, 0), t0)},
	}})
	if err != nil {
		t.Fatal(err)
	}
	r := resp.GetResults()
	if r[0].GetError() != nil || r[1].GetError() != nil || r[2].GetError() != nil {
		t.Fatalf("distinct orders: %v", r)
	}
	if ie := r[3].GetError(); ie.GetCode() != int32(codes.AlreadyExists) || ie.GetReason() != "DUPLICATE_ORDER" {
		t.Fatalf("second purchase of B-7 in the batch: %v", ie)
	}
	// The shop's record sent again (same source record) is the stored one,
	// not a duplicate order.
	if got := e.log(t, shop); got.GetName() != r[0].GetInteraction().GetName() {
		t.Fatalf("the source record again: %s, want %s", got.GetName(), r[0].GetInteraction().GetName())
	}
	list, err := e.client.ListInteractions(e.ctx, &interactionv1.ListInteractionsRequest{Customer: c})
	if err != nil || len(list.GetInteractions()) != 3 {
		t.Fatalf("timeline: %d (%v), want 3", len(list.GetInteractions()), err)
	}
}
