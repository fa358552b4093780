package api_test

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/types/known/fieldmaskpb"

	loyaltyv1 "github.com/opencrm/crm/gen/go/crm/loyalty/v1"
	"github.com/opencrm/crm/pkg/server/servertest"
)

func TestAuthSweep(t *testing.T) {
	t.Parallel()
	e := start(t)
	if n := servertest.AuthSweep(t, e.srv); n != 26 {
		t.Fatalf("swept %d methods, want 26 (with StatusService's and AuditService's)", n)
	}
}

func TestPrograms(t *testing.T) {
	t.Parallel()
	e := start(t)
	name := e.program(t, club("club", false))
	_, err := e.client.CreateProgram(e.ctx, &loyaltyv1.CreateProgramRequest{Program: club("club", false)})
	servertest.WantCode(t, err, codes.AlreadyExists, "")

	// A rule that does not type-check names the rule's field and position.
	bad := club("bad", false)
	bad.EarningRules = append(bad.EarningRules, &loyaltyv1.EarningRule{Id: "web", Condition: `purchase.channel == 1`, Points: "10"})
	_, err = e.client.CreateProgram(e.ctx, &loyaltyv1.CreateProgramRequest{Program: bad})
	servertest.WantCode(t, err, codes.InvalidArgument, "program.earning_rules[1].condition")
	bad = club("bad", false)
	bad.Tiers[1].MinQualifyingPoints = 100
	_, err = e.client.CreateProgram(e.ctx, &loyaltyv1.CreateProgramRequest{Program: bad})
	servertest.WantCode(t, err, codes.InvalidArgument, "program.tiers[1].min_qualifying_points")
	bad = club("", false)
	_, err = e.client.CreateProgram(e.ctx, &loyaltyv1.CreateProgramRequest{Program: bad})
	servertest.WantCode(t, err, codes.InvalidArgument, "program.id")

	got, err := e.client.GetProgram(e.ctx, &loyaltyv1.GetProgramRequest{Name: name})
	if err != nil {
		t.Fatal(err)
	}
	p := got.GetProgram()
	if p.GetPointsValidityMonths() != 12 || p.GetQualifyingPeriodMonths() != 12 || p.GetRefundPolicy() != loyaltyv1.RefundPolicy_REFUND_POLICY_DEBT {
		t.Fatalf("defaults: %v", p)
	}

	// Update with the etag read; a second update with the same etag is stale.
	p.DisplayName = "Club Plus"
	upd, err := e.client.UpdateProgram(e.ctx, &loyaltyv1.UpdateProgramRequest{Program: p, UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"display_name"}}})
	if err != nil {
		t.Fatal(err)
	}
	if upd.GetProgram().GetDisplayName() != "Club Plus" || upd.GetProgram().GetEtag() == p.GetEtag() {
		t.Fatalf("updated: %v", upd.GetProgram())
	}
	_, err = e.client.UpdateProgram(e.ctx, &loyaltyv1.UpdateProgramRequest{Program: p, UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"display_name"}}})
	servertest.WantCode(t, err, codes.Aborted, "")
	p = upd.GetProgram()
	_, err = e.client.UpdateProgram(e.ctx, &loyaltyv1.UpdateProgramRequest{Program: p, UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"currency_code"}}})
	servertest.WantCode(t, err, codes.InvalidArgument, "update_mask.paths")
	p.PointsPerUnit = -1
	_, err = e.client.UpdateProgram(e.ctx, &loyaltyv1.UpdateProgramRequest{Program: p, UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"points_per_unit"}}})
	servertest.WantCode(t, err, codes.InvalidArgument, "program.points_per_unit")

	e.program(t, club("another", false))
	list, err := e.client.ListPrograms(e.ctx, &loyaltyv1.ListProgramsRequest{PageSize: 1})
	if err != nil {
		t.Fatal(err)
	}
	if len(list.GetPrograms()) != 1 || list.GetPrograms()[0].GetId() != "another" || list.GetNextPageToken() == "" {
		t.Fatalf("first page: %v", list)
	}
	list, err = e.client.ListPrograms(e.ctx, &loyaltyv1.ListProgramsRequest{PageSize: 1, PageToken: list.GetNextPageToken()})
	if err != nil || len(list.GetPrograms()) != 1 || list.GetPrograms()[0].GetId() != "club" || list.GetNextPageToken() != "" {
		t.Fatalf("second page: %v %v", list, err)
	}
}

func TestEarnRedeemAdjustAndStatement(t *testing.T) {
	t.Parallel()
	e := start(t)
	prog := e.program(t, club("club", false))
	c := e.customer(t, "Ada")
	now := time.Now()

	// Not enrolled, no automatic enrolment: refused.
	_, err := e.client.EarnPoints(e.ctx, &loyaltyv1.EarnPointsRequest{Program: prog, Customer: c, RequestId: "x",
		Purchase: &loyaltyv1.PurchaseInput{OrderId: "o", Amount: eur(10, 0)}})
	servertest.WantCode(t, err, codes.FailedPrecondition, "")
	_, err = e.client.EnrolCustomer(e.ctx, &loyaltyv1.EnrolCustomerRequest{Program: prog, Customer: "customers/nobody"})
	servertest.WantCode(t, err, codes.FailedPrecondition, "")
	if _, err := e.client.EnrolCustomer(e.ctx, &loyaltyv1.EnrolCustomerRequest{Program: prog, Customer: c}); err != nil {
		t.Fatal(err)
	}

	// 120.50 EUR: 120 base + 50 welcome; the retry earns nothing more.
	first := e.earn(t, prog, c, "pos-1", eur(120, 500000000), now)
	again := e.earn(t, prog, c, "pos-1", eur(120, 500000000), now)
	if first.GetEntry().GetPoints() != 170 || again.GetEntry().GetId() != first.GetEntry().GetId() || again.GetAccount().GetBalance() != 170 {
		t.Fatalf("earn %v, retry %v", first.GetEntry(), again)
	}
	// The second purchase passes 200 qualifying points: silver at once.
	second := e.earn(t, prog, c, "pos-2", eur(40, 0), now)
	if a := second.GetAccount(); a.GetTier() != "silver" || a.GetBalance() != 210 || a.GetNextTier() != "gold" || a.GetPointsToNextTier() != 790 {
		t.Fatalf("after second purchase: %v", a)
	}
	// The third earns x1.5.
	if third := e.earn(t, prog, c, "pos-3", eur(10, 0), now); third.GetEntry().GetPoints() != 15 {
		t.Fatalf("silver multiplier: %v", third.GetEntry())
	}
	// Another currency is refused with its field.
	_, err = e.client.EarnPoints(e.ctx, &loyaltyv1.EarnPointsRequest{Program: prog, Customer: c, RequestId: "usd",
		Purchase: &loyaltyv1.PurchaseInput{OrderId: "o", Amount: &typev1Money{CurrencyCode: "USD", Units: 5}}})
	servertest.WantCode(t, err, codes.InvalidArgument, "purchase.amount.currency_code")

	_, err = e.client.RedeemPoints(e.ctx, &loyaltyv1.RedeemPointsRequest{Program: prog, Customer: c, Points: 1000, RequestId: "r-big"})
	info := servertest.WantCode(t, err, codes.FailedPrecondition, "")
	if info.GetReason() != "INSUFFICIENT_POINTS" || info.GetMetadata()["balance"] != "225" {
		t.Fatalf("error info %v", info)
	}
	red, err := e.client.RedeemPoints(e.ctx, &loyaltyv1.RedeemPointsRequest{Program: prog, Customer: c, Points: 100, Reason: "mug", RequestId: "r-1"})
	if err != nil || red.GetAccount().GetBalance() != 125 {
		t.Fatalf("redeem: %v %v", red, err)
	}
	_, err = e.client.AdjustPoints(e.ctx, &loyaltyv1.AdjustPointsRequest{Program: prog, Customer: c, Points: 5, Operator: "ann", RequestId: "a-0"})
	servertest.WantCode(t, err, codes.InvalidArgument, "reason")
	adj, err := e.client.AdjustPoints(e.ctx, &loyaltyv1.AdjustPointsRequest{Program: prog, Customer: c, Points: -25, Reason: "goodwill error", Operator: "ann", RequestId: "a-1"})
	if err != nil || adj.GetAccount().GetBalance() != 100 || adj.GetEntry().GetOperator() != "ann" {
		t.Fatalf("adjust: %v %v", adj, err)
	}

	// The statement, newest first, two pages.
	var all []*loyaltyv1.LedgerEntry
	token := ""
	for {
		resp, err := e.client.ListLedgerEntries(e.ctx, &loyaltyv1.ListLedgerEntriesRequest{Program: prog, Customer: c, PageSize: 3, PageToken: token})
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, resp.GetEntries()...)
		if token = resp.GetNextPageToken(); token == "" {
			break
		}
	}
	if len(all) != 5 || all[0].GetType() != loyaltyv1.EntryType_ENTRY_TYPE_ADJUST || all[4].GetType() != loyaltyv1.EntryType_ENTRY_TYPE_EARN {
		t.Fatalf("statement: %v", all)
	}
	redeems, err := e.client.ListLedgerEntries(e.ctx, &loyaltyv1.ListLedgerEntriesRequest{Program: prog, Customer: c, Type: loyaltyv1.EntryType_ENTRY_TYPE_REDEEM})
	if err != nil || len(redeems.GetEntries()) != 1 || redeems.GetEntries()[0].GetPoints() != -100 || redeems.GetBalance() != 100 {
		t.Fatalf("redeem entries: %v %v", redeems, err)
	}
	_, err = e.client.ListLedgerEntries(e.ctx, &loyaltyv1.ListLedgerEntriesRequest{Program: prog, Customer: c, PageSize: 3, PageToken: token + "x"})
	servertest.WantCode(t, err, codes.InvalidArgument, "page_token")

	prev, err := e.client.PreviewEarning(e.ctx, &loyaltyv1.PreviewEarningRequest{Program: prog, Customer: c,
		Purchase: &loyaltyv1.PurchaseInput{OrderId: "p", Amount: eur(100, 0)}})
	if err != nil || prev.GetPoints() != 150 || prev.GetMultiplier() != 1.5 || prev.GetRules()[0].GetMatched() {
		t.Fatalf("preview for a silver member: %v %v", prev, err)
	}
	prev, err = e.client.PreviewEarning(e.ctx, &loyaltyv1.PreviewEarningRequest{Program: prog,
		Purchase: &loyaltyv1.PurchaseInput{OrderId: "p", Amount: eur(100, 0)}})
	if err != nil || prev.GetPoints() != 150 || !prev.GetRules()[0].GetMatched() {
		t.Fatalf("preview for a new member: %v %v", prev, err)
	}
	e.audit(t, prog)
}

// Fifty redemptions race for a balance that covers ten: exactly ten
// succeed, the balance is exactly zero, and the ledger agrees.
func TestConcurrentRedemptionsNeverOverdraw(t *testing.T) {
	t.Parallel()
	e := start(t)
	prog := e.program(t, &loyaltyv1.Program{Id: "flat", DisplayName: "Flat", CurrencyCode: "EUR", PointsPerUnit: 1})
	c := e.customer(t, "Racer")
	if _, err := e.client.EnrolCustomer(e.ctx, &loyaltyv1.EnrolCustomerRequest{Program: prog, Customer: c}); err != nil {
		t.Fatal(err)
	}
	e.earn(t, prog, c, "load", eur(100, 0), time.Now())
	var wg sync.WaitGroup
	var mu sync.Mutex
	codesSeen := map[codes.Code]int{}
	for i := range 50 {
		wg.Go(func() {
			_, err := e.client.RedeemPoints(e.ctx, &loyaltyv1.RedeemPointsRequest{Program: prog, Customer: c, Points: 10, RequestId: fmt.Sprint("race-", i)})
			mu.Lock()
			codesSeen[status(err)]++
			mu.Unlock()
		})
	}
	wg.Wait()
	if codesSeen[codes.OK] != 10 || codesSeen[codes.FailedPrecondition] != 40 {
		t.Fatalf("outcomes: %v", codesSeen)
	}
	if a := e.account(t, prog, c); a.GetBalance() != 0 {
		t.Fatalf("balance %d", a.GetBalance())
	}
	redeems, err := e.client.ListLedgerEntries(e.ctx, &loyaltyv1.ListLedgerEntriesRequest{Program: prog, Customer: c, Type: loyaltyv1.EntryType_ENTRY_TYPE_REDEEM, PageSize: 100})
	if err != nil || len(redeems.GetEntries()) != 10 {
		t.Fatalf("redeem entries: %d %v", len(redeems.GetEntries()), err)
	}
	e.audit(t, prog)
}

func TestExpiry(t *testing.T) {
	t.Parallel()
	e := start(t)
	prog := e.program(t, &loyaltyv1.Program{Id: "short", DisplayName: "Short", CurrencyCode: "EUR", PointsPerUnit: 1, PointsValidityMonths: new(int32(2))})
	c := e.customer(t, "Old")
	if _, err := e.client.EnrolCustomer(e.ctx, &loyaltyv1.EnrolCustomerRequest{Program: prog, Customer: c}); err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	e.earn(t, prog, c, "old", eur(30, 0), now.AddDate(0, -3, 0))   // expired a month ago
	e.earn(t, prog, c, "soon", eur(20, 0), now.AddDate(0, -2, 10)) // expires in 10 days
	e.earn(t, prog, c, "fresh", eur(10, 0), now)
	if a := e.account(t, prog, c); a.GetBalance() != 60 || a.GetExpiringSoon() != 50 {
		t.Fatalf("before expiry: %v", a)
	}
	run, err := e.client.RunExpiry(e.ctx, &loyaltyv1.RunExpiryRequest{})
	if err != nil || run.GetPointsExpired() != 30 || run.GetAccounts() != 1 {
		t.Fatalf("expiry run: %v %v", run, err)
	}
	if run, err := e.client.RunExpiry(e.ctx, &loyaltyv1.RunExpiryRequest{}); err != nil || run.GetPointsExpired() != 0 {
		t.Fatalf("second run: %v %v", run, err)
	}
	a := e.account(t, prog, c)
	if a.GetBalance() != 30 || a.GetExpiringSoon() != 20 || len(a.GetLots()) != 2 || a.GetLots()[0].GetRemaining() != 20 {
		t.Fatalf("after expiry: %v", a)
	}
	exp, err := e.client.ListLedgerEntries(e.ctx, &loyaltyv1.ListLedgerEntriesRequest{Program: prog, Customer: c, Type: loyaltyv1.EntryType_ENTRY_TYPE_EXPIRE})
	if err != nil || len(exp.GetEntries()) != 1 || exp.GetEntries()[0].GetPoints() != -30 || exp.GetExpiringSoon() != 20 {
		t.Fatalf("expiry entries: %v %v", exp, err)
	}
	e.audit(t, prog)
}

func TestTiersBySpend(t *testing.T) {
	t.Parallel()
	e := start(t)
	prog := e.program(t, &loyaltyv1.Program{Id: "spend", DisplayName: "Spend", CurrencyCode: "EUR", PointsPerUnit: 1,
		TierBasis: loyaltyv1.TierBasis_TIER_BASIS_SPEND,
		Tiers:     []*loyaltyv1.Tier{{Id: "silver", MinQualifyingSpend: 100}, {Id: "gold", MinQualifyingSpend: 500}}})
	c := e.customer(t, "Spender")
	if _, err := e.client.EnrolCustomer(e.ctx, &loyaltyv1.EnrolCustomerRequest{Program: prog, Customer: c}); err != nil {
		t.Fatal(err)
	}
	e.earn(t, prog, c, "s-1", eur(60, 0), time.Now())
	a := e.earn(t, prog, c, "s-2", eur(50, 500000000), time.Now()).GetAccount()
	if a.GetTier() != "silver" || a.GetQualifyingSpend().GetUnits() != 110 || a.GetQualifyingSpend().GetNanos() != 500000000 ||
		a.GetSpendToNextTier().GetUnits() != 389 || a.GetNextTier() != "gold" {
		t.Fatalf("account: %v", a)
	}
	bad := &loyaltyv1.Program{Id: "bad", DisplayName: "Bad", CurrencyCode: "EUR", PointsPerUnit: 1, TierBasis: loyaltyv1.TierBasis_TIER_BASIS_SPEND,
		Tiers: []*loyaltyv1.Tier{{Id: "a", MinQualifyingSpend: 100}, {Id: "b", MinQualifyingSpend: 100}}}
	_, err := e.client.CreateProgram(e.ctx, &loyaltyv1.CreateProgramRequest{Program: bad})
	servertest.WantCode(t, err, codes.InvalidArgument, "program.tiers[1].min_qualifying_spend")
}

func TestReversePointsForAPointOfSaleRefund(t *testing.T) {
	t.Parallel()
	e := start(t)
	prog := e.program(t, club("club", true))
	c := e.customer(t, "Shopper")
	e.earn(t, prog, c, "till-1", eur(100, 0), time.Now()) // 100 + 50 welcome
	reverse := func(earnID, request string, amount *typev1Money) (*loyaltyv1.ReversePointsResponse, error) {
		return e.client.ReversePoints(e.ctx, &loyaltyv1.ReversePointsRequest{Program: prog, Customer: c, EarnRequestId: earnID, Amount: amount, RequestId: request})
	}
	r, err := reverse("till-1", "ret-1", eur(50, 0))
	if err != nil || r.GetEntry().GetPoints() != -75 || r.GetAccount().GetBalance() != 75 || r.GetEntry().GetType() != loyaltyv1.EntryType_ENTRY_TYPE_REVERSE {
		t.Fatalf("reverse: %v %v", r, err)
	}
	if again, err := reverse("till-1", "ret-1", eur(50, 0)); err != nil || again.GetAccount().GetBalance() != 75 || again.GetEntry().GetId() != r.GetEntry().GetId() {
		t.Fatalf("retry: %v %v", again, err)
	}
	_, err = reverse("till-404", "ret-2", eur(5, 0))
	if info := servertest.WantCode(t, err, codes.FailedPrecondition, ""); info.GetReason() != "PURCHASE_NOT_FOUND" {
		t.Fatalf("reason %v", info)
	}
	_, err = reverse("till-1", "ret-3", &typev1Money{CurrencyCode: "USD", Units: 5})
	servertest.WantCode(t, err, codes.InvalidArgument, "amount.currency_code")
	e.audit(t, prog)
}
