package api_test

import (
	"testing"
	"time"

	customerv1 "github.com/opencrm/crm/gen/go/crm/customer/v1"
	interactionv1 "github.com/opencrm/crm/gen/go/crm/interaction/v1"
	"github.com/opencrm/crm/pkg/peer"
	"github.com/opencrm/crm/pkg/server"
	"github.com/opencrm/crm/pkg/server/servertest"
	"github.com/opencrm/crm/services/interaction/service"
)

func (e *env) timeline(t *testing.T, customer string) []*interactionv1.Interaction {
	t.Helper()
	resp, err := e.client.ListInteractions(e.ctx, &interactionv1.ListInteractionsRequest{Customer: customer})
	if err != nil {
		t.Fatal(err)
	}
	return resp.GetInteractions()
}

func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting: %s", what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func TestMergeAndEraseArriveThroughTheProfileFeed(t *testing.T) {
	t.Parallel()
	e := start(t)
	survivor, loser := e.customer(t, "Survivor"), e.customer(t, "Loser")
	e.log(t, purchase(survivor, "o-1", eur(10, 0), t0))
	e.log(t, purchase(loser, "o-2", eur(20, 0), t0.Add(time.Hour)))
	e.log(t, contact(loser, interactionv1.InteractionKind_INTERACTION_KIND_INQUIRY, interactionv1.Channel_CHANNEL_EMAIL, t0))

	if _, err := e.customers.MergeCustomers(e.ctx, &customerv1.MergeCustomersRequest{Survivor: survivor, Loser: loser}); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the loser's interactions move to the survivor", func() bool {
		return len(e.timeline(t, survivor)) == 3 && len(e.timeline(t, loser)) == 0
	})

	if _, err := e.customers.EraseCustomer(e.ctx, &customerv1.EraseCustomerRequest{Name: survivor, Reason: "privacy request"}); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the erased customer's interactions are deleted", func() bool { return len(e.timeline(t, survivor)) == 0 })
	// Their events on the interaction feed no longer carry data.
	stream, err := e.client.WatchInteractionEvents(e.ctx, &interactionv1.WatchInteractionEventsRequest{})
	if err != nil {
		t.Fatal(err)
	}
	for range 3 {
		resp, err := stream.Recv()
		if err != nil {
			t.Fatal(err)
		}
		if !resp.GetEvent().GetRedacted() || resp.GetEvent().GetPayload() != nil {
			t.Fatalf("event of an erased customer still has its payload: %v", resp.GetEvent())
		}
	}
}

func TestProfileEventsWhileInteractionLogIsDownAreAppliedOnRestart(t *testing.T) {
	t.Parallel()
	e := start(t)
	c := e.customer(t, "Away")
	e.log(t, purchase(c, "o-1", eur(10, 0), t0))
	// interaction-log stops; the erasure happens while it is away.
	db := e.srv.Mongo
	if err := e.srv.Stop(); err != nil {
		t.Fatal(err)
	}
	if _, err := e.customers.EraseCustomer(e.ctx, &customerv1.EraseCustomerRequest{Name: c, Reason: "while away"}); err != nil {
		t.Fatal(err)
	}
	again := servertest.StartWith(t, service.Name, db, service.SetupWith(service.Options{
		Profile: peer.Options{Addr: e.profile.Addr(), Token: servertest.Token(t, "customers.read", "customers.events"), Timeout: 2 * time.Second}}),
		server.Options{})
	again.WaitReady(t)
	e2 := &env{srv: again, client: interactionv1.NewInteractionServiceClient(again.Conn), ctx: e.ctx}
	eventually(t, "the erasure is applied after the restart", func() bool { return len(e2.timeline(t, c)) == 0 })
}
