package api_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"google.golang.org/grpc/codes"

	auditv1 "github.com/opencrm/crm/gen/go/crm/audit/v1"
	loyaltyv1 "github.com/opencrm/crm/gen/go/crm/loyalty/v1"
	"github.com/opencrm/crm/pkg/dbtest"
	"github.com/opencrm/crm/pkg/server/servertest"
	"github.com/opencrm/crm/services/loyalty/internal/catalogue"
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

// A cancel and a use of one code at once: exactly one wins, and the
// account agrees with the winner (points back only after a cancel).
func TestRedemptionCancelRacingAUse(t *testing.T) {
	t.Parallel()
	e := start(t)
	prog := e.program(t, &loyaltyv1.Program{Id: "shop", DisplayName: "Shop", CurrencyCode: "EUR", PointsPerUnit: 1})
	mug := e.reward(t, prog, &loyaltyv1.Reward{Id: "mug", DisplayName: "Mug", PointsPrice: 10, CancelWindowDays: 14, Active: true})
	c := e.member(t, prog, "Raced", 100)
	for round := range 5 {
		resp, err := e.client.RedeemReward(e.ctx, &loyaltyv1.RedeemRewardRequest{Reward: mug.GetName(), Customer: c, RequestId: fmt.Sprint("r-", round)})
		if err != nil {
			t.Fatal(err)
		}
		d, spent := resp.GetRedemption(), resp.GetAccount().GetBalance()
		var wg sync.WaitGroup
		var cancelErr, useErr error
		wg.Go(func() {
			_, cancelErr = e.client.CancelRedemption(e.ctx, &loyaltyv1.CancelRedemptionRequest{Name: d.GetName()})
		})
		wg.Go(func() {
			_, useErr = e.client.UseRedemption(e.ctx, &loyaltyv1.UseRedemptionRequest{Code: d.GetCode(), RequestId: fmt.Sprint("use-", round)})
		})
		wg.Wait()
		if (cancelErr == nil) == (useErr == nil) {
			t.Fatalf("round %d: cancel %v, use %v: want exactly one to succeed", round, cancelErr, useErr)
		}
		got, err := e.client.LookupRedemption(e.ctx, &loyaltyv1.LookupRedemptionRequest{Code: d.GetCode()})
		if err != nil {
			t.Fatal(err)
		}
		balance := e.account(t, prog, c).GetBalance()
		switch {
		case cancelErr == nil && (got.GetRedemption().GetState() != loyaltyv1.RedemptionState_REDEMPTION_STATE_CANCELLED || balance != spent+10):
			t.Fatalf("round %d: cancel won but state %v, balance %d (spent %d)", round, got.GetRedemption().GetState(), balance, spent)
		case useErr == nil && (got.GetRedemption().GetState() != loyaltyv1.RedemptionState_REDEMPTION_STATE_USED || balance != spent):
			t.Fatalf("round %d: use won but state %v, balance %d (spent %d)", round, got.GetRedemption().GetState(), balance, spent)
		}
	}
	e.audit(t, prog)
}

// A cancel decided before a crash (the redemption marked, its points not
// yet returned) is finished by the sweep when the service starts again:
// the points and the item come back once, the code is refused, and the
// client's retry of the cancel changes nothing more.
func TestCancelInterruptedByACrashIsFinished(t *testing.T) {
	t.Parallel()
	e := start(t)
	prog := e.program(t, &loyaltyv1.Program{Id: "shop", DisplayName: "Shop", CurrencyCode: "EUR", PointsPerUnit: 1})
	mug := e.reward(t, prog, &loyaltyv1.Reward{Id: "mug", DisplayName: "Mug", PointsPrice: 40, Stock: new(int64(3)), CancelWindowDays: 14, Active: true})
	c := e.member(t, prog, "Crashed", 100)
	resp, err := e.client.RedeemReward(e.ctx, &loyaltyv1.RedeemRewardRequest{Reward: mug.GetName(), Customer: c, RequestId: "r-1"})
	if err != nil {
		t.Fatal(err)
	}
	d, spent := resp.GetRedemption(), resp.GetAccount().GetBalance()

	// What CancelRedemption's first write leaves, as a crash would leave it.
	db := e.srv.Mongo
	if _, err := dbtest.Open(t, db).Collection("redemptions").UpdateOne(context.Background(),
		bson.D{{Key: "_id", Value: d.GetId()}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "state", Value: catalogue.Cancelling}, {Key: "cancel_time", Value: time.Now().Add(-2 * time.Minute)}}}}); err != nil {
		t.Fatal(err)
	}
	got, err := e.client.LookupRedemption(e.ctx, &loyaltyv1.LookupRedemptionRequest{Code: d.GetCode()})
	if err != nil || got.GetRedemption().GetState() != loyaltyv1.RedemptionState_REDEMPTION_STATE_CANCELLED {
		t.Fatalf("a decided cancel shows as cancelled: %v %v", got, err)
	}
	_, err = e.client.UseRedemption(e.ctx, &loyaltyv1.UseRedemptionRequest{Code: d.GetCode(), RequestId: "use-1"})
	if info := servertest.WantCode(t, err, codes.FailedPrecondition, ""); info.GetReason() != "ALREADY_CANCELLED" {
		t.Fatalf("use of a decided cancel: %v", info)
	}
	if err := e.srv.Stop(); err != nil {
		t.Fatal(err)
	}
	e.startLoyalty(t, db) // the sweep runs at start
	eventually(t, "the sweep returns the points", func() bool {
		return e.account(t, prog, c).GetBalance() == spent+40
	})
	again, err := e.client.CancelRedemption(e.ctx, &loyaltyv1.CancelRedemptionRequest{Name: d.GetName()})
	if err != nil || again.GetRedemption().GetState() != loyaltyv1.RedemptionState_REDEMPTION_STATE_CANCELLED || again.GetAccount().GetBalance() != spent+40 {
		t.Fatalf("retried cancel: %v %v", again, err)
	}
	list, err := e.client.ListRewards(e.ctx, &loyaltyv1.ListRewardsRequest{Program: prog})
	if err != nil || list.GetRewards()[0].GetStock() != 3 {
		t.Fatalf("stock after the cancel: %v %v", list, err)
	}
	e.audit(t, prog)
}
