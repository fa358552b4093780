package api_test

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"google.golang.org/grpc/codes"

	auditv1 "github.com/opencrm/crm/gen/go/crm/audit/v1"
	loyaltyv1 "github.com/opencrm/crm/gen/go/crm/loyalty/v1"
	"github.com/opencrm/crm/pkg/server/servertest"
)

// A shop checks a code and marks it used, once: the lookup shows it
// issued, then used with the time; a second use, a cancel after the use
// and a use after a cancel are refused with their reasons.
func TestRedemptionCodeIsUsedOnce(t *testing.T) {
	t.Parallel()
	e := start(t)
	prog := e.program(t, &loyaltyv1.Program{Id: "shop", DisplayName: "Shop", CurrencyCode: "EUR", PointsPerUnit: 1})
	mug := e.reward(t, prog, &loyaltyv1.Reward{Id: "mug", DisplayName: "Mug", PointsPrice: 50, CancelWindowDays: 14, Active: true})
	c := e.member(t, prog, "Shopper", 200)
	redeem := func(request string) *loyaltyv1.Redemption {
		t.Helper()
		resp, err := e.client.RedeemReward(e.ctx, &loyaltyv1.RedeemRewardRequest{Reward: mug.GetName(), Customer: c, RequestId: request})
		if err != nil {
			t.Fatal(err)
		}
		return resp.GetRedemption()
	}
	lookup := func(code string) (*loyaltyv1.Redemption, error) {
		resp, err := e.client.LookupRedemption(e.ctx, &loyaltyv1.LookupRedemptionRequest{Code: code})
		return resp.GetRedemption(), err
	}
	use := func(code, request string) (*loyaltyv1.Redemption, error) {
		resp, err := e.client.UseRedemption(e.ctx, &loyaltyv1.UseRedemptionRequest{Code: code, RequestId: request})
		return resp.GetRedemption(), err
	}
	wantReason := func(err error, reason string) {
		t.Helper()
		if info := servertest.WantCode(t, err, codes.FailedPrecondition, ""); info.GetReason() != reason {
			t.Fatalf("reason %v, want %s", info, reason)
		}
	}

	d := redeem("r-1")
	got, err := lookup(d.GetCode())
	if err != nil || got.GetName() != d.GetName() || got.GetCustomer() != c || got.GetReward() != mug.GetName() ||
		got.GetState() != loyaltyv1.RedemptionState_REDEMPTION_STATE_ISSUED || got.GetUseTime() != nil {
		t.Fatalf("lookup before use: %v %v", got, err)
	}
	before := time.Now().Add(-time.Second)
	used, err := use(d.GetCode(), "use-1")
	if err != nil || used.GetState() != loyaltyv1.RedemptionState_REDEMPTION_STATE_USED || used.GetUseTime().AsTime().Before(before) {
		t.Fatalf("use: %v %v", used, err)
	}
	got, err = lookup(d.GetCode())
	if err != nil || got.GetState() != loyaltyv1.RedemptionState_REDEMPTION_STATE_USED || !got.GetUseTime().AsTime().Equal(used.GetUseTime().AsTime()) {
		t.Fatalf("lookup after use: %v %v", got, err)
	}
	// The same request again is its first answer; a new one is a second use.
	again, err := use(d.GetCode(), "use-1")
	if err != nil || again.GetState() != loyaltyv1.RedemptionState_REDEMPTION_STATE_USED {
		t.Fatalf("retried use: %v %v", again, err)
	}
	_, err = use(d.GetCode(), "use-2")
	wantReason(err, "REDEMPTION_USED")
	_, err = e.client.CancelRedemption(e.ctx, &loyaltyv1.CancelRedemptionRequest{Name: d.GetName()})
	wantReason(err, "REDEMPTION_USED")

	// Cancelled first: the code cannot be used.
	x := redeem("r-2")
	if _, err := e.client.CancelRedemption(e.ctx, &loyaltyv1.CancelRedemptionRequest{Name: x.GetName()}); err != nil {
		t.Fatal(err)
	}
	_, err = use(x.GetCode(), "use-3")
	wantReason(err, "ALREADY_CANCELLED")
	if got, err := lookup(x.GetCode()); err != nil || got.GetState() != loyaltyv1.RedemptionState_REDEMPTION_STATE_CANCELLED || got.GetUseTime() != nil {
		t.Fatalf("lookup of the cancelled code: %v %v", got, err)
	}

	// Bad input names the field; a well-formed code nobody holds is not found.
	for _, code := range []string{"", "abcde-fghij-klmno", "ABCDE-FGHIJ", "ABCDE-FGH1J-KLMNO"} {
		_, err = lookup(code)
		servertest.WantCode(t, err, codes.InvalidArgument, "code")
		_, err = use(code, "use-bad")
		servertest.WantCode(t, err, codes.InvalidArgument, "code")
	}
	_, err = use(d.GetCode(), "")
	servertest.WantCode(t, err, codes.InvalidArgument, "request_id")
	_, err = lookup("ABCDE-FGHIJ-KLMNO")
	servertest.WantCode(t, err, codes.NotFound, "")
	_, err = use("ABCDE-FGHIJ-KLMNO", "use-4")
	servertest.WantCode(t, err, codes.NotFound, "")

	// The use is audited, naming the redemption and its customer.
	audits := auditv1.NewAuditServiceClient(e.srv.Conn)
	actx := servertest.Ctx(t, "audit.read")
	eventually(t, "the use is audited", func() bool {
		resp, err := audits.ListAuditEntries(actx, &auditv1.ListAuditEntriesRequest{Filter: &auditv1.AuditFilter{Resource: d.GetName()}})
		if err != nil {
			t.Fatal(err)
		}
		for _, a := range resp.GetAuditEntries() {
			if a.GetMethod() == "/crm.loyalty.v1.LoyaltyService/UseRedemption" && a.GetCustomer() == c && a.GetRequestId() == "use-1" && a.GetCode() == "OK" {
				return true
			}
		}
		return false
	})
	e.audit(t, prog)
}

// Two shops use the same code at once: exactly one succeeds, the other
// gets REDEMPTION_USED.
func TestRedemptionCodeUsedConcurrently(t *testing.T) {
	t.Parallel()
	e := start(t)
	prog := e.program(t, &loyaltyv1.Program{Id: "shop", DisplayName: "Shop", CurrencyCode: "EUR", PointsPerUnit: 1})
	mug := e.reward(t, prog, &loyaltyv1.Reward{Id: "mug", DisplayName: "Mug", PointsPrice: 10, Active: true})
	c := e.member(t, prog, "Shared", 100)
	for round := range 5 {
		resp, err := e.client.RedeemReward(e.ctx, &loyaltyv1.RedeemRewardRequest{Reward: mug.GetName(), Customer: c, RequestId: fmt.Sprint("r-", round)})
		if err != nil {
			t.Fatal(err)
		}
		code := resp.GetRedemption().GetCode()
		var wg sync.WaitGroup
		var mu sync.Mutex
		got := map[codes.Code]int{}
		for shop := range 2 {
			wg.Go(func() {
				_, err := e.client.UseRedemption(e.ctx, &loyaltyv1.UseRedemptionRequest{Code: code, RequestId: fmt.Sprint("use-", round, "-", shop)})
				mu.Lock()
				got[status(err)]++
				mu.Unlock()
			})
		}
		wg.Wait()
		if got[codes.OK] != 1 || got[codes.FailedPrecondition] != 1 {
			t.Fatalf("round %d: outcomes %v, want one OK and one FAILED_PRECONDITION", round, got)
		}
	}
}
