package ledger

import (
	"fmt"
	"slices"
	"time"
)

// Audit replays an account's entries and returns how the account's stored
// figures differ from them (nil when they agree): the points left in each
// lot, the debt, lifetime and qualifying points, and the purchase count.
func Audit(a *Account, entries []Entry) []string {
	lots := map[string]int64{}
	var debt, lifetime, qualifying, spend, purchases int64
	for _, e := range entries {
		for _, c := range e.Lots {
			lots[c.Lot] += c.Points
		}
		debt += e.DebtChange
		lifetime += e.LifetimeChange
		qualifying += e.QualifyingChange
		spend += e.SpendChange
		purchases += e.PurchaseChange
	}
	var problems []string
	held := map[string]int64{}
	for _, l := range a.Lots {
		held[l.ID] = l.Remaining
	}
	ids := make([]string, 0, len(lots)+len(held))
	for id := range lots {
		ids = append(ids, id)
	}
	for id := range held {
		if _, ok := lots[id]; !ok {
			ids = append(ids, id)
		}
	}
	slices.Sort(ids)
	var balance, ledgerBalance int64
	for _, id := range ids {
		balance += held[id]
		ledgerBalance += lots[id]
		if held[id] != lots[id] {
			problems = append(problems, fmt.Sprintf("lot %s holds %d, ledger %d", id, held[id], lots[id]))
		}
	}
	check := func(what string, stored, replayed int64) {
		if stored != replayed {
			problems = append(problems, fmt.Sprintf("%s %d, ledger %d", what, stored, replayed))
		}
	}
	check("points held", balance, ledgerBalance)
	check("debt", a.Debt, debt)
	check("lifetime earned", a.LifetimeEarned, lifetime)
	check("qualifying points", a.QualifyingPoints, qualifying)
	check("qualifying spend", a.QualifyingSpend, spend)
	check("purchases", a.Purchases, purchases)
	return problems
}

// Rebuild rewrites the account's figures from its entries, as Audit
// replays them (repair). Lots the ledger no longer holds points in are
// kept with nothing remaining, so later refunds still find them.
func Rebuild(a *Account, entries []Entry, now time.Time) {
	lots := map[string]int64{}
	a.Debt, a.LifetimeEarned, a.QualifyingPoints, a.QualifyingSpend, a.Purchases = 0, 0, 0, 0, 0
	for _, e := range entries {
		for _, c := range e.Lots {
			lots[c.Lot] += c.Points
		}
		a.Debt += e.DebtChange
		a.LifetimeEarned += e.LifetimeChange
		a.QualifyingPoints += e.QualifyingChange
		a.QualifyingSpend += e.SpendChange
		a.Purchases += e.PurchaseChange
	}
	for i := range a.Lots {
		a.Lots[i].Remaining = lots[a.Lots[i].ID]
		delete(lots, a.Lots[i].ID)
	}
	// A lot the ledger holds points in but the account lost: restore it
	// from the entry that created it.
	for _, e := range entries {
		for _, c := range e.Lots {
			if n, ok := lots[c.Lot]; ok && c.Points > 0 && n > 0 {
				a.Lots = append(a.Lots, Lot{ID: c.Lot, Source: e.Source, Earned: c.Points, Points: c.Points, Remaining: n,
					EarnTime: e.Time, AvailableTime: c.AvailableTime, ExpireTime: c.ExpireTime})
				delete(lots, c.Lot)
			}
		}
	}
	a.sortLots()
	a.UpdateTime = now.UTC()
}
