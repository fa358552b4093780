package api_test

import (
	"context"
	"testing"

	"google.golang.org/grpc/codes"

	customerv1 "github.com/opencrm/crm/gen/go/crm/customer/v1"
	feedv1 "github.com/opencrm/crm/gen/go/crm/feed/v1"
	loyaltyv1 "github.com/opencrm/crm/gen/go/crm/loyalty/v1"
	"github.com/opencrm/crm/pkg/customers"
	"github.com/opencrm/crm/pkg/server/servertest"
)

// After an erasure no read by the customer finds the account, its
// statement or its redemption codes; the account's figures stay for the
// audit, and loyalty confirms the erasure on its feed with what it
// pseudonymised.
func TestErasedCustomerIsFoundByNoRead(t *testing.T) {
	t.Parallel()
	e := start(t)
	prog := e.program(t, &loyaltyv1.Program{Id: "shop", DisplayName: "Shop", CurrencyCode: "EUR", PointsPerUnit: 1})
	mug := e.reward(t, prog, &loyaltyv1.Reward{Id: "mug", DisplayName: "Mug", PointsPrice: 100, Active: true})
	c := e.member(t, prog, "Leaving", 250)
	d, err := e.client.RedeemReward(e.ctx, &loyaltyv1.RedeemRewardRequest{Reward: mug.GetName(), Customer: c, RequestId: "r-1"})
	if err != nil {
		t.Fatal(err)
	}
	other, err := e.client.RedeemReward(e.ctx, &loyaltyv1.RedeemRewardRequest{Reward: mug.GetName(), Customer: c, RequestId: "r-2"})
	if err != nil {
		t.Fatal(err)
	}
	if d.GetRedemption().GetCode() == other.GetRedemption().GetCode() {
		t.Fatalf("two redemptions share the code %s", d.GetRedemption().GetCode())
	}

	erased, err := e.customers.EraseCustomer(e.ctx, &customerv1.EraseCustomerRequest{Name: c, Reason: "privacy request 7"})
	if err != nil {
		t.Fatal(err)
	}
	eventually(t, "the account is no longer found", func() bool {
		_, err := e.client.GetAccount(e.ctx, &loyaltyv1.GetAccountRequest{Program: prog, Customer: c})
		return err != nil
	})
	_, err = e.client.GetAccount(e.ctx, &loyaltyv1.GetAccountRequest{Program: prog, Customer: c})
	servertest.WantCode(t, err, codes.NotFound, "")
	_, err = e.client.ListLedgerEntries(e.ctx, &loyaltyv1.ListLedgerEntriesRequest{Program: prog, Customer: c})
	servertest.WantCode(t, err, codes.NotFound, "")
	_, err = e.client.ListRedemptions(e.ctx, &loyaltyv1.ListRedemptionsRequest{Program: prog, Customer: c})
	servertest.WantCode(t, err, codes.NotFound, "")
	_, err = e.client.LookupRedemption(e.ctx, &loyaltyv1.LookupRedemptionRequest{Code: d.GetRedemption().GetCode()})
	servertest.WantCode(t, err, codes.NotFound, "")
	_, err = e.client.UseRedemption(e.ctx, &loyaltyv1.UseRedemptionRequest{Code: other.GetRedemption().GetCode(), RequestId: "use-erased"})
	servertest.WantCode(t, err, codes.NotFound, "")
	_, err = e.client.EnrolCustomer(e.ctx, &loyaltyv1.EnrolCustomerRequest{Program: prog, Customer: c})
	servertest.WantCode(t, err, codes.NotFound, "")
	e.audit(t, prog)

	// The confirmation on loyalty's feed names the erasure and counts the
	// pseudonymised account and redemptions.
	wctx, cancel := context.WithCancel(e.ctx)
	defer cancel()
	stream, err := e.client.WatchLoyaltyEvents(wctx, &loyaltyv1.WatchLoyaltyEventsRequest{})
	if err != nil {
		t.Fatal(err)
	}
	for {
		resp, err := stream.Recv()
		if err != nil {
			t.Fatalf("no confirmation on the feed: %v", err)
		}
		ev := resp.GetEvent()
		if ev.GetSubject() != erased.GetErasure() {
			continue
		}
		var done feedv1.ErasureCompleted
		if err := ev.GetPayload().UnmarshalTo(&done); err != nil {
			t.Fatal(err)
		}
		counts := map[string]int64{}
		for _, n := range done.GetCounts() {
			counts[n.GetKind()] = n.GetPseudonymised()
		}
		if done.GetCustomer() != c || done.GetService() != "loyalty" || counts["accounts"] != 1 || counts["redemptions"] != 2 ||
			ev.GetId() != customers.ConfirmationID(erased.GetErasure(), c, "loyalty") {
			t.Fatalf("confirmation %v (event %s)", &done, ev.GetId())
		}
		return
	}
}
