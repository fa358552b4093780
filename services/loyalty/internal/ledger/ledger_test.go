package ledger

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/opencrm/crm/pkg/apperr"
)

var (
	t0     = time.Date(2026, 1, 10, 9, 0, 0, 0, time.UTC)
	policy = Policy{Tiers: []Tier{{ID: "silver", Min: 100}, {ID: "gold", Min: 500}}, PeriodMonths: 12}
)

func purchase(id string, points, amount int64, at time.Time, expireMonths int) Earning {
	exp := Never
	if expireMonths > 0 {
		exp = at.AddDate(0, expireMonths, 0)
	}
	return Earning{EntryID: id, Type: Earn, Source: "interactions/" + id, Points: points, Amount: amount, Purchase: true,
		EarnTime: at, AvailableTime: at, ExpireTime: exp}
}

func held(a *Account) map[string]int64 {
	m := map[string]int64{}
	for _, l := range a.Lots {
		m[l.ID] = l.Remaining
	}
	return m
}

// The ledger's entries always replay to the account's figures.
func audited(t *testing.T, a *Account, entries []Entry) {
	t.Helper()
	if p := Audit(a, entries); p != nil {
		t.Fatalf("audit: %v", p)
	}
}

func TestSpendConsumesSoonestExpiringFirst(t *testing.T) {
	a := Open("a", "programs/p", "customers/c", policy, t0)
	var entries []Entry
	e1, _ := a.Add(purchase("late", 100, 10000, t0, 12), policy, t0)                  // expires 2027-01
	e2, _ := a.Add(purchase("early", 50, 5000, t0.AddDate(0, -6, 0), 12), policy, t0) // expires 2026-07
	e3, _ := a.Add(purchase("never", 30, 3000, t0, 0), policy, t0)                    // never expires
	entries = append(entries, e1, e2, e3)
	if b := a.Balance(t0); b != 180 {
		t.Fatalf("balance %d", b)
	}
	e, err := a.Spend("r1", Redeem, 70, "mug", "", "req-1", t0)
	if err != nil {
		t.Fatal(err)
	}
	entries = append(entries, e)
	if got := held(a); got["early"] != 0 || got["late"] != 80 || got["never"] != 30 {
		t.Fatalf("lots after spend: %v", got)
	}
	if len(e.Lots) != 2 || e.Lots[0].Lot != "early" || e.Lots[0].Points != -50 || e.Lots[1].Lot != "late" || e.Lots[1].Points != -20 {
		t.Fatalf("entry lots: %+v", e.Lots)
	}
	if e.Points != -70 || e.BalanceAfter != 110 {
		t.Fatalf("entry %+v", e)
	}
	audited(t, a, entries)
}

func TestSpendNeverOverdraws(t *testing.T) {
	a := Open("a", "programs/p", "customers/c", policy, t0)
	a.Add(purchase("p1", 40, 4000, t0, 12), policy, t0)
	_, err := a.Spend("r1", Redeem, 41, "", "", "", t0)
	var ae *apperr.Error
	if !errors.As(err, &ae) || ae.Reason != "INSUFFICIENT_POINTS" || ae.Metadata["balance"] != "40" {
		t.Fatalf("err = %v", err)
	}
	if a.Balance(t0) != 40 {
		t.Fatal("a failed spend changed the balance")
	}
}

func TestPendingPointsCannotBeSpent(t *testing.T) {
	a := Open("a", "programs/p", "customers/c", policy, t0)
	g := purchase("p1", 100, 10000, t0, 12)
	g.AvailableTime = t0.AddDate(0, 0, 14)
	a.Add(g, policy, t0)
	if a.Balance(t0) != 0 || a.Pending(t0) != 100 {
		t.Fatalf("balance %d pending %d", a.Balance(t0), a.Pending(t0))
	}
	if _, err := a.Spend("r", Redeem, 1, "", "", "", t0); err == nil {
		t.Fatal("spent pending points")
	}
	if later := t0.AddDate(0, 0, 14); a.Balance(later) != 100 {
		t.Fatalf("balance after the window %d", a.Balance(later))
	}
}

func TestPartialRefundsAreProportionalAndAddUp(t *testing.T) {
	a := Open("a", "programs/p", "customers/c", policy, t0)
	var entries []Entry
	e, _ := a.Add(purchase("p1", 99, 9900, t0, 12), policy, t0)
	entries = append(entries, e)
	// A third of the amount, three times: 33 points each, 99 in all.
	for i, id := range []string{"r1", "r2", "r3"} {
		e := a.Refund(id, "p1", "interactions/"+id, 3300, policy, t0)
		entries = append(entries, e)
		if e.Points != -33 || e.DebtChange != 0 {
			t.Fatalf("refund %d: %+v", i, e)
		}
	}
	// A refund beyond the purchase reverses nothing more.
	e = a.Refund("r4", "p1", "interactions/r4", 100, policy, t0)
	entries = append(entries, e)
	if e.Points != 0 || a.Balance(t0) != 0 || a.LifetimeEarned != 0 || a.QualifyingPoints != 0 {
		t.Fatalf("after full refund: entry %+v, balance %d, lifetime %d", e, a.Balance(t0), a.LifetimeEarned)
	}
	audited(t, a, entries)
}

func TestRefundOfSpentPointsBecomesDebtRepaidFirst(t *testing.T) {
	a := Open("a", "programs/p", "customers/c", policy, t0)
	var entries []Entry
	e, _ := a.Add(purchase("p1", 100, 10000, t0, 12), policy, t0)
	entries = append(entries, e)
	e, _ = a.Spend("r1", Redeem, 80, "", "", "", t0)
	entries = append(entries, e)
	e = a.Refund("f1", "p1", "interactions/f1", 10000, policy, t0)
	entries = append(entries, e)
	if e.Points != -20 || e.DebtChange != 80 || a.Debt != 80 || a.Balance(t0) != 0 {
		t.Fatalf("refund entry %+v debt %d", e, a.Debt)
	}
	// The next purchase repays the debt before anything becomes spendable.
	e, _ = a.Add(purchase("p2", 50, 5000, t0, 12), policy, t0)
	entries = append(entries, e)
	if a.Debt != 30 || a.Balance(t0) != 0 || e.DebtChange != -50 || e.Points != 0 {
		t.Fatalf("after p2: debt %d balance %d entry %+v", a.Debt, a.Balance(t0), e)
	}
	e, _ = a.Add(purchase("p3", 50, 5000, t0, 12), policy, t0)
	entries = append(entries, e)
	if a.Debt != 0 || a.Balance(t0) != 20 {
		t.Fatalf("after p3: debt %d balance %d", a.Debt, a.Balance(t0))
	}
	// p2 went entirely to debt; its refund still finds what it earned.
	e = a.Refund("f2", "p2", "interactions/f2", 5000, policy, t0)
	entries = append(entries, e)
	if e.DebtChange != 50 || a.Debt != 50 {
		t.Fatalf("refund of a purchase that repaid debt: %+v", e)
	}
	audited(t, a, entries)
}

func TestForgivePolicy(t *testing.T) {
	p := policy
	p.ForgiveSpent = true
	a := Open("a", "programs/p", "customers/c", p, t0)
	a.Add(purchase("p1", 100, 10000, t0, 12), p, t0)
	a.Spend("r1", Redeem, 80, "", "", "", t0)
	e := a.Refund("f1", "p1", "", 10000, p, t0)
	if a.Debt != 0 || e.Points != -20 || e.DebtChange != 0 {
		t.Fatalf("forgive: %+v debt %d", e, a.Debt)
	}
}

func TestExpiryOldestFirstAndOnlyDue(t *testing.T) {
	a := Open("a", "programs/p", "customers/c", policy, t0)
	var entries []Entry
	for _, g := range []Earning{purchase("old", 10, 1000, t0, 1), purchase("new", 20, 2000, t0, 12), purchase("keep", 5, 500, t0, 0)} {
		e, _ := a.Add(g, policy, t0)
		entries = append(entries, e)
	}
	e, _ := a.Spend("s", Redeem, 4, "", "", "", t0)
	entries = append(entries, e)
	at := t0.AddDate(0, 1, 0)
	if n := a.ExpiringBy(at); n != 6 {
		t.Fatalf("expiring by %v: %d", at, n)
	}
	exp := a.ExpireLots(func(l string) string { return "x-" + l }, at)
	if len(exp) != 1 || exp[0].ID != "x-old" || exp[0].Points != -6 {
		t.Fatalf("expired %+v", exp)
	}
	entries = append(entries, exp...)
	if again := a.ExpireLots(func(l string) string { return "x-" + l }, at); len(again) != 0 {
		t.Fatalf("expired twice: %+v", again)
	}
	if a.Balance(at) != 25 {
		t.Fatalf("balance %d", a.Balance(at))
	}
	audited(t, a, entries)
}

func TestTierUpAtOnceDownOnlyAtPeriodEnd(t *testing.T) {
	a := Open("a", "programs/p", "customers/c", policy, t0)
	_, ch := a.Add(purchase("p1", 99, 9900, t0, 12), policy, t0)
	if ch != nil || a.Tier != "" {
		t.Fatalf("tier at 99: %q %+v", a.Tier, ch)
	}
	e, ch := a.Add(purchase("p2", 450, 45000, t0, 12), policy, t0)
	if ch == nil || ch.To != "gold" || a.Tier != "gold" || e.TierAfter != "gold" || !strings.Contains(e.Reason, "reached gold") {
		t.Fatalf("upgrade: %q %+v, entry %+v", a.Tier, ch, e)
	}
	next, need := a.NextTier(policy)
	if next != "" || need != 0 {
		t.Fatalf("next tier at the top: %q %d", next, need)
	}
	// A refund mid-period lowers qualifying points but keeps the tier.
	a.Refund("f", "p2", "", 45000, policy, t0)
	if a.Tier != "gold" || a.QualifyingPoints != 99 {
		t.Fatalf("after refund: %q %d", a.Tier, a.QualifyingPoints)
	}
	// The period ends with 99 points: no tier for the next one.
	id := func(end time.Time) string { return "tier-" + end.Format(time.DateOnly) }
	end := t0.AddDate(1, 0, 0)
	if es, chs := a.RollPeriods(policy, id, end.Add(-time.Second)); len(es) != 0 || len(chs) != 0 {
		t.Fatal("rolled before the period ended")
	}
	es, chs := a.RollPeriods(policy, id, end)
	if len(chs) != 1 || chs[0].From != "gold" || chs[0].To != "" || a.Tier != "" || a.QualifyingPoints != 0 || len(es) != 1 {
		t.Fatalf("downgrade: %+v %+v tier %q", es, chs, a.Tier)
	}
	if !a.PeriodStart.Equal(end) || !a.PeriodEnd.Equal(end.AddDate(1, 0, 0)) {
		t.Fatalf("next period %v..%v", a.PeriodStart, a.PeriodEnd)
	}
	next, need = a.NextTier(policy)
	if next != "silver" || need != 100 {
		t.Fatalf("next tier %q %d", next, need)
	}
}

func TestTierEarnedInAPeriodIsKeptThroughTheNext(t *testing.T) {
	a := Open("a", "programs/p", "customers/c", policy, t0)
	a.Add(purchase("p1", 600, 60000, t0, 12), policy, t0)
	id := func(end time.Time) string { return end.String() }
	a.RollPeriods(policy, id, t0.AddDate(1, 0, 1))
	if a.Tier != "gold" {
		t.Fatalf("tier after a gold period: %q", a.Tier)
	}
	// Two periods later without purchases the tier is gone, whatever
	// time passed in between.
	a.RollPeriods(policy, id, t0.AddDate(3, 0, 0))
	if a.Tier != "" {
		t.Fatalf("tier after an empty period: %q", a.Tier)
	}
}

func TestMergeMovesEverything(t *testing.T) {
	loser := Open("l", "programs/p", "customers/l", policy, t0)
	survivor := Open("s", "programs/p", "customers/s", policy, t0)
	var le, se []Entry
	e, _ := loser.Add(purchase("lp", 80, 8000, t0, 12), policy, t0)
	le = append(le, e)
	e, _ = survivor.Add(purchase("sp", 30, 3000, t0, 12), policy, t0)
	se = append(se, e)
	out, tr := loser.MoveOut("out", "accounts/s", t0)
	le = append(le, out)
	in, ch := survivor.MoveIn("in", tr, policy, t0)
	se = append(se, in)
	if survivor.Balance(t0) != 110 || survivor.Purchases != 2 || survivor.LifetimeEarned != 110 || ch == nil || ch.To != "silver" {
		t.Fatalf("survivor: balance %d purchases %d tier change %+v", survivor.Balance(t0), survivor.Purchases, ch)
	}
	if loser.Balance(t0) != 0 || loser.State != Merged || loser.MergedInto != "accounts/s" {
		t.Fatalf("loser: %+v", loser)
	}
	audited(t, loser, le)
	audited(t, survivor, se)
	// The survivor can refund the loser's purchase, and its qualifying
	// points go with it.
	if e := survivor.Refund("f", "lp", "", 8000, policy, t0); e.Points != -80 || survivor.QualifyingPoints != 30 {
		t.Fatalf("refund of a moved purchase: %+v, qualifying %d", e, survivor.QualifyingPoints)
	}
}

func TestAuditFindsAndRebuildRepairs(t *testing.T) {
	a := Open("a", "programs/p", "customers/c", policy, t0)
	e1, _ := a.Add(purchase("p1", 100, 10000, t0, 12), policy, t0)
	e2, _ := a.Spend("r", Redeem, 30, "", "", "", t0)
	entries := []Entry{e1, e2}
	a.Lots[0].Remaining = 90 // corrupted
	a.Debt = 5
	if p := Audit(a, entries); len(p) != 3 {
		t.Fatalf("problems: %v", p)
	}
	Rebuild(a, entries, t0)
	audited(t, a, entries)
	if a.Balance(t0) != 70 {
		t.Fatalf("rebuilt balance %d", a.Balance(t0))
	}
}

func TestRestoreReturnsPointsToTheirLots(t *testing.T) {
	a := Open("a", "programs/p", "customers/c", policy, t0)
	var entries []Entry
	for _, g := range []Earning{purchase("short", 10, 1000, t0, 1), purchase("long", 50, 5000, t0, 12)} {
		e, _ := a.Add(g, policy, t0)
		entries = append(entries, e)
	}
	spend, _ := a.Spend("s", Redeem, 30, "", "", "", t0)
	entries = append(entries, spend)
	// A month later the short lot has expired: only the long lot's 20
	// points come back.
	later := t0.AddDate(0, 1, 1)
	e := a.Restore("c", spend.Lots, "cancelled", later)
	entries = append(entries, e)
	if e.Points != 20 || held(a)["long"] != 50 || held(a)["short"] != 0 {
		t.Fatalf("restore: %+v lots %v", e, held(a))
	}
	audited(t, a, entries)
}

func TestTiersBySpend(t *testing.T) {
	p := Policy{Tiers: []Tier{{ID: "silver", Min: 100_00}, {ID: "gold", Min: 500_00}}, PeriodMonths: 12, BySpend: true}
	a := Open("a", "programs/p", "customers/c", p, t0)
	var entries []Entry
	e, ch := a.Add(purchase("p1", 5, 99_99, t0, 12), p, t0)
	entries = append(entries, e)
	if ch != nil {
		t.Fatalf("tier at 99.99 spent: %+v", ch)
	}
	e, ch = a.Add(purchase("p2", 1, 1_00, t0, 12), p, t0)
	entries = append(entries, e)
	if ch == nil || a.Tier != "silver" || a.QualifyingSpend != 100_99 {
		t.Fatalf("spend upgrade: %+v %q %d", ch, a.Tier, a.QualifyingSpend)
	}
	if next, need := a.NextTier(p); next != "gold" || need != 399_01 {
		t.Fatalf("next %q %d", next, need)
	}
	// Half of p1 refunded: the spend counts net of it.
	entries = append(entries, a.Refund("f", "p1", "", 50_00, p, t0))
	if a.QualifyingSpend != 50_99 || a.Tier != "silver" {
		t.Fatalf("after refund: %d %q", a.QualifyingSpend, a.Tier)
	}
	es, _ := a.RollPeriods(p, func(end time.Time) string { return "roll" }, t0.AddDate(1, 0, 0))
	entries = append(entries, es...)
	if a.Tier != "" || a.QualifyingSpend != 0 {
		t.Fatalf("after the period: %q %d", a.Tier, a.QualifyingSpend)
	}
	audited(t, a, entries)
}
