package api_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/types/known/fieldmaskpb"

	loyaltyv1 "github.com/opencrm/crm/gen/go/crm/loyalty/v1"
	"github.com/opencrm/crm/pkg/dbtest"
	"github.com/opencrm/crm/pkg/server/servertest"
	"github.com/opencrm/crm/services/loyalty/internal/catalogue"
)

func (e *env) reward(t *testing.T, program string, r *loyaltyv1.Reward) *loyaltyv1.Reward {
	t.Helper()
	resp, err := e.client.CreateReward(e.ctx, &loyaltyv1.CreateRewardRequest{Program: program, Reward: r})
	if err != nil {
		t.Fatal(err)
	}
	return resp.GetReward()
}

func (e *env) member(t *testing.T, prog, name string, euros int64) string {
	t.Helper()
	c := e.customer(t, name)
	if _, err := e.client.EnrolCustomer(e.ctx, &loyaltyv1.EnrolCustomerRequest{Program: prog, Customer: c}); err != nil {
		t.Fatal(err)
	}
	e.earn(t, prog, c, "load-"+name, eur(euros, 0), time.Now())
	return c
}

func TestRewards(t *testing.T) {
	t.Parallel()
	e := start(t)
	prog := e.program(t, &loyaltyv1.Program{Id: "shop", DisplayName: "Shop", CurrencyCode: "EUR", PointsPerUnit: 1})
	mug := e.reward(t, prog, &loyaltyv1.Reward{Id: "mug", DisplayName: "Mug", PointsPrice: 100, Stock: new(int64(2)), CancelWindowDays: 14, Active: true})
	gift := e.reward(t, prog, &loyaltyv1.Reward{Id: "gift", DisplayName: "Gift card", PointsPrice: 1000, Active: true})
	e.reward(t, prog, &loyaltyv1.Reward{Id: "old", DisplayName: "Old", PointsPrice: 1, Active: false})
	c := e.member(t, prog, "Collector", 250)

	redeem := func(reward, request string) (*loyaltyv1.RedeemRewardResponse, error) {
		return e.client.RedeemReward(e.ctx, &loyaltyv1.RedeemRewardRequest{Reward: reward, Customer: c, RequestId: request})
	}
	first, err := redeem(mug.GetName(), "m-1")
	if err != nil {
		t.Fatal(err)
	}
	d := first.GetRedemption()
	if len(d.GetCode()) != 17 || d.GetState() != loyaltyv1.RedemptionState_REDEMPTION_STATE_ISSUED || first.GetAccount().GetBalance() != 150 {
		t.Fatalf("redemption %v account %v", d, first.GetAccount())
	}
	again, err := redeem(mug.GetName(), "m-1")
	if err != nil || again.GetRedemption().GetCode() != d.GetCode() || again.GetAccount().GetBalance() != 150 {
		t.Fatalf("retry: %v %v", again, err)
	}
	if _, err := redeem(mug.GetName(), "m-2"); err != nil {
		t.Fatal(err)
	}
	_, err = redeem(mug.GetName(), "m-3")
	if info := servertest.WantCode(t, err, codes.FailedPrecondition, ""); info.GetReason() != "OUT_OF_STOCK" {
		t.Fatalf("reason %v", info)
	}
	_, err = redeem(gift.GetName(), "g-1")
	if info := servertest.WantCode(t, err, codes.FailedPrecondition, ""); info.GetReason() != "INSUFFICIENT_POINTS" {
		t.Fatalf("reason %v", info)
	}
	_, err = redeem("programs/shop/rewards/old", "o-1")
	if info := servertest.WantCode(t, err, codes.FailedPrecondition, ""); info.GetReason() != "REWARD_INACTIVE" {
		t.Fatalf("reason %v", info)
	}
	_, err = redeem("programs/shop/rewards/none", "n-1")
	servertest.WantCode(t, err, codes.NotFound, "")
	avail, err := e.client.ListRewards(e.ctx, &loyaltyv1.ListRewardsRequest{Program: prog, AvailableOnly: true})
	if err != nil || len(avail.GetRewards()) != 1 || avail.GetRewards()[0].GetId() != "gift" {
		t.Fatalf("available rewards: %v %v", avail, err)
	}

	// Cancelling returns the points and the item; a second cancel changes
	// nothing.
	cancelled, err := e.client.CancelRedemption(e.ctx, &loyaltyv1.CancelRedemptionRequest{Name: d.GetName()})
	if err != nil || cancelled.GetAccount().GetBalance() != 150 || cancelled.GetRedemption().GetState() != loyaltyv1.RedemptionState_REDEMPTION_STATE_CANCELLED {
		t.Fatalf("cancel: %v %v", cancelled, err)
	}
	if again, err := e.client.CancelRedemption(e.ctx, &loyaltyv1.CancelRedemptionRequest{Name: d.GetName()}); err != nil || again.GetAccount().GetBalance() != 150 {
		t.Fatalf("second cancel: %v %v", again, err)
	}
	list, err := e.client.ListRewards(e.ctx, &loyaltyv1.ListRewardsRequest{Program: prog})
	if err != nil || list.GetRewards()[1].GetId() != "mug" || list.GetRewards()[1].GetStock() != 1 {
		t.Fatalf("rewards: %v %v", list, err)
	}
	reds, err := e.client.ListRedemptions(e.ctx, &loyaltyv1.ListRedemptionsRequest{Program: prog, Customer: c})
	if err != nil || len(reds.GetRedemptions()) != 2 {
		t.Fatalf("redemptions: %v %v", reds, err)
	}

	// Restock with the etag read; a stale etag is refused.
	m := list.GetRewards()[1]
	m.Stock = new(int64(10))
	upd, err := e.client.UpdateReward(e.ctx, &loyaltyv1.UpdateRewardRequest{Reward: m, UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"stock"}}})
	if err != nil || upd.GetReward().GetStock() != 10 {
		t.Fatalf("restock: %v %v", upd, err)
	}
	_, err = e.client.UpdateReward(e.ctx, &loyaltyv1.UpdateRewardRequest{Reward: m, UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"stock"}}})
	servertest.WantCode(t, err, codes.Aborted, "")
	m = upd.GetReward()
	m.PointsPrice = 0
	_, err = e.client.UpdateReward(e.ctx, &loyaltyv1.UpdateRewardRequest{Reward: m, UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"points_price"}}})
	servertest.WantCode(t, err, codes.InvalidArgument, "reward.points_price")

	// No cancel window: cancelling is refused.
	pen := e.reward(t, prog, &loyaltyv1.Reward{Id: "pen", DisplayName: "Pen", PointsPrice: 10, Active: true})
	p, err := redeem(pen.GetName(), "p-1")
	if err != nil {
		t.Fatal(err)
	}
	_, err = e.client.CancelRedemption(e.ctx, &loyaltyv1.CancelRedemptionRequest{Name: p.GetRedemption().GetName()})
	if info := servertest.WantCode(t, err, codes.FailedPrecondition, ""); info.GetReason() != "CANCEL_WINDOW_CLOSED" {
		t.Fatalf("reason %v", info)
	}
	e.audit(t, prog)
}

// Twenty customers race for five items: exactly five get one, and nobody
// pays for an item they did not get.
func TestRewardStockUnderRace(t *testing.T) {
	t.Parallel()
	e := start(t)
	prog := e.program(t, &loyaltyv1.Program{Id: "shop", DisplayName: "Shop", CurrencyCode: "EUR", PointsPerUnit: 1})
	tv := e.reward(t, prog, &loyaltyv1.Reward{Id: "tv", DisplayName: "TV", PointsPrice: 100, Stock: new(int64(5)), Active: true})
	var members []string
	for i := range 20 {
		members = append(members, e.member(t, prog, fmt.Sprint("Racer ", i), 100))
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	got := map[codes.Code]int{}
	for i, c := range members {
		wg.Go(func() {
			_, err := e.client.RedeemReward(e.ctx, &loyaltyv1.RedeemRewardRequest{Reward: tv.GetName(), Customer: c, RequestId: fmt.Sprint("tv-", i)})
			mu.Lock()
			got[status(err)]++
			mu.Unlock()
		})
	}
	wg.Wait()
	if got[codes.OK] != 5 || got[codes.FailedPrecondition] != 15 {
		t.Fatalf("outcomes %v", got)
	}
	var spent int
	for _, c := range members {
		if e.account(t, prog, c).GetBalance() == 0 {
			spent++
		}
	}
	list, err := e.client.ListRewards(e.ctx, &loyaltyv1.ListRewardsRequest{Program: prog})
	if err != nil || spent != 5 || list.GetRewards()[0].GetStock() != 0 {
		t.Fatalf("spent %d, rewards %v %v", spent, list, err)
	}
}

// A redemption that a crash left pending (stored, nothing spent yet) is
// completed by the sweep when the service comes back: the points are
// spent once and the code issued.
func TestPendingRedemptionCompletedAfterACrash(t *testing.T) {
	t.Parallel()
	e := start(t)
	prog := e.program(t, &loyaltyv1.Program{Id: "shop", DisplayName: "Shop", CurrencyCode: "EUR", PointsPerUnit: 1})
	mug := e.reward(t, prog, &loyaltyv1.Reward{Id: "mug", DisplayName: "Mug", PointsPrice: 40, Stock: new(int64(3)), Active: true})
	c := e.member(t, prog, "Crashed", 100)
	acct := e.account(t, prog, c)

	// What RedeemReward stores first, as a crash would leave it.
	id := catalogue.RedemptionID("shop", "lost-1")
	d := catalogue.New(&catalogue.Reward{ID: catalogue.Key("shop", "mug"), Program: "shop", RewardID: "mug", Price: 40}, strings.TrimPrefix(c, "customers/"), "lost-1", time.Now().Add(-2*time.Minute))
	db := e.srv.Mongo
	if _, err := dbtest.Open(t, db).Collection("redemptions").InsertOne(context.Background(), d); err != nil {
		t.Fatal(err)
	}
	if err := e.srv.Stop(); err != nil {
		t.Fatal(err)
	}
	e.startLoyalty(t, db) // the sweep runs at start
	// The sweep spends the points first and marks the redemption issued
	// after: wait for the last step, not the first (on a busy machine the
	// two are far apart).
	var reds *loyaltyv1.ListRedemptionsResponse
	eventually(t, "the pending redemption is issued", func() bool {
		var err error
		reds, err = e.client.ListRedemptions(e.ctx, &loyaltyv1.ListRedemptionsRequest{Program: prog, Customer: c})
		if err != nil {
			t.Fatal(err)
		}
		return len(reds.GetRedemptions()) == 1 && reds.GetRedemptions()[0].GetState() == loyaltyv1.RedemptionState_REDEMPTION_STATE_ISSUED
	})
	if reds.GetRedemptions()[0].GetId() != id {
		t.Fatalf("redemptions: %v", reds)
	}
	if b := e.account(t, prog, c).GetBalance(); b != acct.GetBalance()-40 {
		t.Fatalf("balance %d after the sweep, want %d", b, acct.GetBalance()-40)
	}
	// The client's retry gets the same redemption, and nothing more is spent.
	again, err := e.client.RedeemReward(e.ctx, &loyaltyv1.RedeemRewardRequest{Reward: mug.GetName(), Customer: c, RequestId: "lost-1"})
	if err != nil || again.GetRedemption().GetCode() != d.Code || again.GetAccount().GetBalance() != acct.GetBalance()-40 {
		t.Fatalf("retry: %v %v", again, err)
	}
	list, err := e.client.ListRewards(e.ctx, &loyaltyv1.ListRewardsRequest{Program: prog})
	if err != nil || list.GetRewards()[0].GetStock() != 2 {
		t.Fatalf("stock: %v %v", list, err)
	}
	e.audit(t, prog)
}
