package points

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"math"
	"slices"
	"time"

	loyaltyv1 "github.com/opencrm/crm/gen/go/crm/loyalty/v1"
	"github.com/opencrm/crm/pkg/feed"
	"github.com/opencrm/crm/services/loyalty/internal/errs"
	"github.com/opencrm/crm/services/loyalty/internal/ledger"
	"github.com/opencrm/crm/services/loyalty/internal/loyaltypb"
	"github.com/opencrm/crm/services/loyalty/internal/names"
	"github.com/opencrm/crm/services/loyalty/internal/program"
)

// Touch is what one purchase or refund of a batch will touch: the
// customer's accounts in the programs of its currency, and the entry the
// interaction writes in each.
type Touch struct {
	Customer, Currency string
	// Interaction is the purchase's or the refund's interaction id.
	Interaction string
	Refund      bool
	// Seq is the event's sequence on interaction-log's feed.
	Seq int64
}

// FeedBatch applies a batch of interaction-log's purchases and refunds to
// accounts in memory, through the same changes as one event at a time, and
// saves each changed account once. Events apply in feed order, and each
// account records the last one applied to it (Account.ISeq), so a replayed
// batch changes nothing twice; an account kept before it recorded them is
// checked by entry id in the ledger.
type FeedBatch struct {
	b          *Book
	now        time.Time
	byCurrency map[string][]*program.Compiled
	accounts   map[string]*batchAccount
	order      []string // account ids, first touched first
	known      map[string]bool
	members    map[string]Member
	// first is the batch's first event.
	first int64
}

// batchAccount is one account of a batch.
type batchAccount struct {
	a       *Account // nil while the account does not exist
	prev    int64
	created bool // opened by this batch (automatic enrolment)
	changed bool
	rolled  bool
	// slow is set when the account is not plainly active (merged, being
	// merged, erased): its changes go through the one-at-a-time path,
	// which knows what to do then.
	slow bool
	// again is what an earlier batch that was cut short left in the
	// account to copy out (Account.Batch), copied again by this one.
	again *BatchOut
	// last is the last event of the batch that touched the account.
	last int64
	// redo replays the account's changes one at a time, in order, should
	// its batched write meet a concurrent change.
	redo []func() error
}

// LoadFeed reads at once what a batch touches: the programs (their
// compiled rules are kept in memory by version), the accounts, which of
// the batch's entries in accounts without a recorded feed position the
// ledger holds already, and the customers' facts when a program's earning
// rules read them.
func (b *Book) LoadFeed(ctx context.Context, touches []Touch) (*FeedBatch, error) {
	fb := &FeedBatch{b: b, now: b.Now().UTC(), byCurrency: map[string][]*program.Compiled{}, accounts: map[string]*batchAccount{}}
	progs, err := b.repo.Programs(ctx, "", "", 0)
	if err != nil {
		return nil, err
	}
	profile := false
	for _, p := range progs {
		c, err := b.compile(p)
		if err != nil {
			return nil, err
		}
		fb.byCurrency[c.Currency] = append(fb.byCurrency[c.Currency], c)
		profile = profile || c.ReadsProfile()
	}
	var accountIDs, customers []string
	for _, t := range touches {
		progs := fb.byCurrency[t.Currency]
		for _, c := range progs {
			accountIDs = append(accountIDs, fb.b.AccountID(c.ID, t.Customer))
		}
		// A purchase in a currency no program earns on needs no facts.
		if len(progs) > 0 {
			customers = append(customers, t.Customer)
		}
	}
	accounts, err := b.repo.AccountsByID(ctx, accountIDs)
	if err != nil {
		return nil, err
	}
	first := int64(math.MaxInt64)
	for _, t := range touches {
		first = min(first, t.Seq)
	}
	fb.first = first
	for _, id := range accountIDs {
		if _, ok := fb.accounts[id]; !ok {
			a := accounts[id]
			ba := &batchAccount{a: a}
			if a != nil {
				ba.prev, ba.slow = a.Version, a.State != ledger.Active
				// A batch's copy-out precedes its cursor store, so what an
				// earlier batch left was copied unless it is from at or
				// after this batch's first event.
				if a.Batch != nil && a.Batch.Seq >= first {
					ba.again = a.Batch
				}
			}
			fb.accounts[id] = ba
		}
	}
	// A missing account has no entries; one with a feed position says
	// which events it has.
	var entryIDs []string
	for _, t := range touches {
		for _, c := range fb.byCurrency[t.Currency] {
			if a := accounts[fb.b.AccountID(c.ID, t.Customer)]; a != nil && a.ISeq == 0 {
				entryIDs = append(entryIDs, fb.entryID(c, t.Interaction, t.Refund))
			}
		}
	}
	if fb.known, err = b.repo.KnownEntries(ctx, entryIDs); err != nil {
		return nil, err
	}
	if profile {
		slices.Sort(customers)
		if fb.members, err = b.repo.MembersByID(ctx, slices.Compact(customers)); err != nil {
			return nil, err
		}
	}
	return fb, nil
}

func (fb *FeedBatch) entryID(c *program.Compiled, interaction string, refund bool) string {
	if refund {
		return RefundEntryID(c.ID, interaction)
	}
	return LotID(c.ID, interaction)
}

// memberOf returns the customers' facts as loaded (read if not).
func (fb *FeedBatch) memberOf(ctx context.Context) func(customer string) (Member, error) {
	return func(customer string) (Member, error) {
		if m, ok := fb.members[customer]; ok {
			return m, nil
		}
		return fb.b.repo.Member(ctx, customer)
	}
}

// Purchase earns, in memory, a purchase's points in every program of its
// currency that the customer belongs to or that enrols automatically; seq
// is its event on interaction-log's feed.
func (fb *FeedBatch) Purchase(ctx context.Context, seq int64, interactionID, customerID string, p Purchase) error {
	for _, c := range fb.byCurrency[p.Currency] {
		entryID := LotID(c.ID, interactionID)
		err := fb.change(ctx, c, customerID, entryID, seq, c.AutoEnrol, fb.b.earning(ctx, entryID, "", p, fb.memberOf(ctx)), func() error {
			_, err := fb.b.earn(ctx, c, customerID, entryID, "", p, false, seq)
			if errors.Is(err, errs.NotEnrolled) {
				return nil
			}
			return err
		})
		if err != nil {
			return fmt.Errorf("earn on interactions/%s in programs/%s: %w", interactionID, c.ID, err)
		}
	}
	return nil
}

// Refund reverses, in memory, in every program where the refunded purchase
// earned, the share of its points that the refund's amount is of it; seq
// is its event on interaction-log's feed.
func (fb *FeedBatch) Refund(ctx context.Context, seq int64, refundID, purchaseID, customerID, currency string, amount int64) error {
	for _, c := range fb.byCurrency[currency] {
		entryID := RefundEntryID(c.ID, refundID)
		fn := refunding(entryID, refundID, purchaseID, amount)
		err := fb.change(ctx, c, customerID, entryID, seq, false, fn, func() error {
			_, err := fb.b.apply(ctx, fb.b.AccountID(c.ID, customerID), entryID, forCustomer, c, fed(seq, fb.b.AccountID(c.ID, customerID), fn))
			if isMissing(err) || errors.Is(err, errUnchanged) {
				return nil
			}
			return err
		})
		if err != nil {
			return fmt.Errorf("reverse interactions/%s in programs/%s: %w", purchaseID, c.ID, err)
		}
	}
	return nil
}

// change applies fn to the customer's account in c as entry entryID, for
// the feed's event seq, opening the account if enrol is set and it does
// not exist; slow is the same change made one at a time.
func (fb *FeedBatch) change(ctx context.Context, c *program.Compiled, customerID, entryID string, seq int64, enrol bool, fn change, slow func() error) error {
	id := fb.b.AccountID(c.ID, customerID)
	ba := fb.accounts[id]
	if ba == nil {
		return fmt.Errorf("%s was not loaded", names.Accounts.Format(id))
	}
	if ba.slow {
		ba.redo = append(ba.redo, slow)
		fb.touch(id, ba)
		return nil
	}
	ba.last = max(ba.last, seq)
	if ba.a == nil {
		if !enrol {
			return nil // not a member: nothing to earn or reverse
		}
		ba.a = &Account{Account: *ledger.Open(id, c.ID, customerID, c.Policy(), fb.now)}
		ba.created, ba.rolled = true, true
		if err := fb.b.event(ctx, ba.a, &loyaltyv1.AccountEnrolled{Account: loyaltypb.AccountToProto(&ba.a.Account, c.Program, fb.now)}, fb.now); err != nil {
			return err
		}
		fb.touch(id, ba)
	}
	ba.redo = append(ba.redo, slow)
	a := ba.a
	if _, ok := a.Entry(entryID); ok || seq <= a.ISeq || fb.known[entryID] {
		return nil // applied before
	}
	from := len(a.Entries)
	if !ba.rolled {
		ba.rolled = true
		rolled, err := fb.b.roll(ctx, a, c, fb.now)
		if err != nil {
			return err
		}
		if rolled {
			fb.touch(id, ba)
		}
	}
	err := fed(seq, id, fn)(a, c, fb.now)
	if errors.Is(err, errUnchanged) {
		return nil
	}
	if err != nil {
		return err
	}
	fb.touch(id, ba)
	return fb.b.record(ctx, a, a.Entries[from:])
}

func (fb *FeedBatch) touch(id string, ba *batchAccount) {
	if !ba.changed {
		ba.changed = true
		fb.order = append(fb.order, id)
	}
}

// Save writes each changed account once, its new entries and events in
// its Batch: new accounts in one insert, the others each by a
// version-checked replace; then it copies out, in one go, what those
// writes put in the accounts and what a batch cut short left in any
// account this one read. An account that changed meanwhile has its
// changes made again one at a time, in order.
func (fb *FeedBatch) Save(ctx context.Context) error {
	var created []*Account
	var redo []*batchAccount
	var entries []ledger.Entry
	var events []feed.Pending
	out := func(b *BatchOut) {
		if b != nil {
			entries, events = append(entries, b.Entries...), append(events, b.Events...)
		}
	}
	for _, id := range slices.Sorted(maps.Keys(fb.accounts)) {
		if ba := fb.accounts[id]; !ba.changed || ba.slow {
			out(ba.again)
		}
	}
	for _, id := range fb.order {
		ba := fb.accounts[id]
		if ba.slow {
			redo = append(redo, ba)
			continue
		}
		a := ba.a
		a.Batch = &BatchOut{Seq: ba.last, Entries: a.Entries, Events: a.Outbox}
		if ba.again != nil {
			a.Batch.Entries = append(slices.Clip(ba.again.Entries), a.Entries...)
			a.Batch.Events = append(slices.Clip(ba.again.Events), a.Outbox...)
		}
		a.Entries, a.Outbox = nil, nil
		if ba.created {
			created = append(created, a)
			continue
		}
		err := fb.b.repo.ReplaceAccount(ctx, a, ba.prev)
		if errors.Is(err, ErrConflict) {
			out(ba.again)
			// The writer that won may be a holder that lost the feed's
			// lease mid-batch and will not copy out what it wrote.
			cur, err := fb.b.repo.Account(ctx, id)
			if err != nil {
				return err
			}
			if cur.Batch != nil && cur.Batch.Seq >= fb.first {
				out(cur.Batch)
			}
			redo = append(redo, ba)
			continue
		}
		if err != nil {
			return err
		}
		out(a.Batch)
	}
	existed, err := fb.b.repo.InsertAccounts(ctx, created)
	if err != nil {
		return err
	}
	for _, a := range created {
		if existed[a.ID] {
			redo = append(redo, fb.accounts[a.ID])
		} else {
			out(a.Batch)
		}
	}
	if err := fb.b.repo.CopyOut(ctx, entries, events); err != nil {
		return err
	}
	for _, ba := range redo {
		for _, fn := range ba.redo {
			if err := fn(); err != nil {
				return err
			}
		}
	}
	return nil
}
