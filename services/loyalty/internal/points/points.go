// Package points is loyalty's use cases: programs, enrolment, earning,
// spending, refunds, expiry, merges and erasure. Every change to an account
// is one version-checked replace of its document that also carries the
// ledger entries and feed events it caused (see store); a change that
// names its entry id is applied once, however often it is delivered.
package points

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base32"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"time"

	"google.golang.org/protobuf/proto"

	loyaltyv1 "github.com/opencrm/crm/gen/go/crm/loyalty/v1"
	"github.com/opencrm/crm/pkg/apperr"
	"github.com/opencrm/crm/pkg/etag"
	"github.com/opencrm/crm/pkg/feed"
	"github.com/opencrm/crm/pkg/ids"
	"github.com/opencrm/crm/pkg/resname"
	"github.com/opencrm/crm/services/loyalty/internal/errs"
	"github.com/opencrm/crm/services/loyalty/internal/ledger"
	"github.com/opencrm/crm/services/loyalty/internal/loyaltypb"
	"github.com/opencrm/crm/services/loyalty/internal/names"
	"github.com/opencrm/crm/services/loyalty/internal/program"
	"github.com/opencrm/crm/services/loyalty/internal/rules"
)

// maxAttempts bounds the retries of a change that keeps meeting
// concurrent changes of the same account.
const maxAttempts = 200

// Customers says which customers may not be enrolled, and why.
type Customers interface {
	Check(ctx context.Context, ids []string) (map[string]error, error)
}

// Book runs loyalty's use cases.
type Book struct {
	repo      Repository
	customers Customers
	rules     rules.Compiler
	now       func() time.Time
	ids       AccountIDs

	mu       sync.Mutex
	compiled map[string]*program.Compiled
}

// New returns the book over repo: it checks new members with customers,
// compiles earning rules with compile, reads the time from now and names
// accounts with ids.
func New(repo Repository, customers Customers, compile rules.Compiler, now func() time.Time, ids AccountIDs) *Book {
	return &Book{repo: repo, customers: customers, rules: compile, now: now, ids: ids}
}

// Now is the book's clock.
func (b *Book) Now() time.Time { return b.now() }

// AccountIDs names accounts: an account's id is an HMAC of its program and
// customer under a secret key, the same wherever it is computed, and
// neither reveals them nor can be computed from them without the key (so
// a pseudonymised account cannot be linked back to an erased customer's
// id by whoever knows that id).
type AccountIDs struct{ key []byte }

// NewAccountIDs returns the account names under key (at least 32 bytes).
func NewAccountIDs(key []byte) (AccountIDs, error) {
	if len(key) < 32 {
		return AccountIDs{}, errors.New("account id key must be at least 32 bytes")
	}
	return AccountIDs{key: key}, nil
}

// ID is the id of a customer's account in a program.
func (k AccountIDs) ID(programID, customerID string) string {
	m := hmac.New(sha256.New, k.key)
	m.Write([]byte("account:" + programID + "/" + customerID))
	return strings.ToLower(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(m.Sum(nil))[:20])
}

// AccountID is the id of a customer's account in a program.
func (b *Book) AccountID(programID, customerID string) string { return b.ids.ID(programID, customerID) }

// LotID is the id of the lot (and earn entry) a purchase interaction
// created in a program.
func LotID(programID, interactionID string) string {
	return ids.Derived("purchase:" + programID + "/" + interactionID)
}

// Program returns a program with its rules compiled.
func (b *Book) Program(ctx context.Context, id string) (*program.Compiled, error) {
	p, err := b.repo.Program(ctx, id)
	if err != nil {
		return nil, err
	}
	return b.compile(p)
}

// compile returns a stored program with its rules compiled; compilation
// is cached per program version.
func (b *Book) compile(p *program.Program) (*program.Compiled, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if c, ok := b.compiled[p.ID]; ok && c.Version == p.Version {
		return c, nil
	}
	c, err := program.Compile("program", p, b.rules)
	if err != nil {
		return nil, fmt.Errorf("stored program %s no longer compiles: %w", p.ID, err)
	}
	if b.compiled == nil {
		b.compiled = map[string]*program.Compiled{}
	}
	b.compiled[p.ID] = c
	return c, nil
}

// CreateProgram checks and stores a new program.
func (b *Book) CreateProgram(ctx context.Context, p *program.Program) error {
	if _, err := program.Compile("program", p, b.rules); err != nil {
		return err
	}
	now := b.Now().UTC()
	p.CreateTime, p.UpdateTime = now, now
	return b.repo.CreateProgram(ctx, p)
}

// StoredProgram returns a program as stored.
func (b *Book) StoredProgram(ctx context.Context, id string) (*program.Program, error) {
	return b.repo.Program(ctx, id)
}

// Programs returns up to limit programs after id after, by id.
func (b *Book) Programs(ctx context.Context, after string, limit int64) ([]*program.Program, error) {
	return b.repo.Programs(ctx, "", after, limit)
}

// UpdateProgram changes a program with edit (the caller's masked fields
// and their checks) if it is still at version want (any version with 0),
// checks the result and stores it if no other change came between.
func (b *Book) UpdateProgram(ctx context.Context, id string, want int64, edit func(*program.Program) error) (*program.Program, error) {
	p, err := b.repo.Program(ctx, id)
	if err != nil {
		return nil, err
	}
	prev, err := checkVersion(want, p.Version)
	if err != nil {
		return nil, err
	}
	if err := edit(p); err != nil {
		return nil, err
	}
	if _, err := program.Compile("program", p, b.rules); err != nil {
		return nil, err
	}
	p.UpdateTime = b.Now().UTC()
	return p, b.repo.ReplaceProgram(ctx, p, prev)
}

// checkVersion returns the version read, after checking it is the one
// the caller wants (any version with 0).
func checkVersion(want, version int64) (int64, error) {
	if want != 0 && want != version {
		return 0, etag.ErrStale
	}
	return version, nil
}

// mode says how a change treats an account that is not plainly active.
type mode int

const (
	// forCustomer: a merged account hands over to its survivor, a merging
	// one is ABORTED (retry), an erased one refuses.
	forCustomer mode = iota
	// forUpkeep (expiry, erasure): any state; a merging account is
	// skipped until its merge completes.
	forUpkeep
	// forMerge: any state but merged.
	forMerge
)

// errUnchanged lets a change say it has nothing to write.
var errUnchanged = errors.New("nothing to change")

// change edits the account document: its figures, and the entries and
// events it appends.
type change func(a *Account, c *program.Compiled, now time.Time) error

// Result is what a change did.
type Result struct {
	Account *Account
	Program *program.Compiled
	// Entry is the entry with the change's entry id, if it named one.
	Entry ledger.Entry
}

// apply runs fn on the account and stores the result, retrying on
// concurrent changes. With an entryID, a change whose entry exists already
// is not applied again: the first entry is returned. known, if the caller
// has read the account's program already, saves reading it again.
func (b *Book) apply(ctx context.Context, accountID, entryID string, m mode, known *program.Compiled, fn change) (Result, error) {
	for attempt := range maxAttempts {
		a, err := b.repo.Account(ctx, accountID)
		if err != nil {
			return Result{}, err
		}
		switch {
		case a.State == ledger.Merged && m == forCustomer:
			accountID = a.MergedInto
			continue
		case a.State == ledger.Merged && m == forMerge:
			return Result{Account: a}, errUnchanged
		case a.State == ledger.Merging && m == forCustomer:
			return Result{}, errs.AccountMerging.New("%s is being merged; retry", names.Accounts.Format(a.ID))
		case a.State == ledger.Merging && m == forUpkeep:
			return Result{Account: a}, errUnchanged
		case a.State == ledger.Erased && m == forCustomer:
			// Not naming the account: nothing of it is told about an erased id.
			return Result{}, errs.AccountErased.New("the account's customer was erased")
		}
		c := known
		if c == nil || c.ID != a.Program {
			if c, err = b.Program(ctx, a.Program); err != nil {
				return Result{}, err
			}
		}
		if entryID != "" {
			if e, ok := a.Entry(entryID); ok {
				return Result{Account: a, Program: c, Entry: e}, nil
			}
			if e, ok, err := b.repo.LedgerEntry(ctx, entryID); err != nil {
				return Result{}, err
			} else if ok {
				return Result{Account: a, Program: c, Entry: e}, nil
			}
		}
		now := b.Now().UTC()
		prev := a.Version
		from := len(a.Entries)
		rolled, err := b.roll(ctx, a, c, now)
		if err != nil {
			return Result{}, err
		}
		if err := fn(a, c, now); errors.Is(err, errUnchanged) && !rolled {
			return Result{Account: a, Program: c}, errUnchanged
		} else if err != nil && !errors.Is(err, errUnchanged) {
			return Result{}, err
		}
		added := slices.Clone(a.Entries[from:])
		if err := b.record(ctx, a, added); err != nil {
			return Result{}, err
		}
		err = b.repo.SaveAccount(ctx, a, prev)
		if errors.Is(err, ErrConflict) {
			// Another change won; spread the retries out a little.
			//nolint:gosec // retry jitter needs no unpredictable numbers
			time.Sleep(time.Duration(rand.IntN(attempt+1)) * time.Millisecond)
			continue
		}
		if err != nil {
			return Result{}, err
		}
		r := Result{Account: a, Program: c}
		for _, e := range added {
			if e.ID == entryID {
				r.Entry = e
			}
		}
		return r, nil
	}
	return Result{}, errs.AccountContention.New("%s is changing too often; retry", names.Accounts.Format(accountID))
}

// roll ends the qualifying periods that are over.
func (b *Book) roll(ctx context.Context, a *Account, c *program.Compiled, now time.Time) (bool, error) {
	if now.Before(a.PeriodEnd) {
		return false, nil
	}
	entries, changes := a.RollPeriods(c.Policy(), func(end time.Time) string {
		return ids.Derived(fmt.Sprintf("tier:%s/%d", a.ID, end.Unix()))
	}, now)
	a.Entries = append(a.Entries, entries...)
	for _, ch := range changes {
		if err := b.tierChanged(ctx, a, ch, now); err != nil {
			return false, err
		}
	}
	return true, nil
}

// event adds an event about the account's customer to its outbox; an
// erased account's changes publish nothing.
func (b *Book) event(ctx context.Context, a *Account, payload proto.Message, now time.Time) error {
	if a.Customer == "" {
		return nil
	}
	ev, err := feed.NewPending(ctx, loyaltypb.CustomerName(a.Customer), payload, now)
	if err != nil {
		return err
	}
	a.Outbox = append(a.Outbox, ev)
	return nil
}

// record publishes an event for each new entry.
func (b *Book) record(ctx context.Context, a *Account, entries []ledger.Entry) error {
	for _, e := range entries {
		err := b.event(ctx, a, &loyaltyv1.LedgerEntryRecorded{Entry: loyaltypb.EntryToProto(e),
			Customer: loyaltypb.CustomerName(a.Customer), Program: names.Programs.Format(a.Program)}, e.Time)
		if err != nil {
			return err
		}
	}
	return nil
}

func (b *Book) tierChanged(ctx context.Context, a *Account, ch ledger.TierChange, now time.Time) error {
	return b.event(ctx, a, &loyaltyv1.TierChanged{Account: loyaltypb.AccountName(a.ID), Customer: loyaltypb.CustomerName(a.Customer),
		Program: names.Programs.Format(a.Program), FromTier: ch.From, ToTier: ch.To, Reason: ch.Reason}, now)
}

// Enrol opens a customer's account in a program (checked against
// customer-profile when check is set); an existing account is returned as
// it is.
func (b *Book) Enrol(ctx context.Context, programID, customerID string, check bool) (*Account, *program.Compiled, error) {
	c, err := b.Program(ctx, programID)
	if err != nil {
		return nil, nil, err
	}
	id := b.AccountID(programID, customerID)
	a, err := b.repo.Account(ctx, id)
	switch {
	case err == nil && a.Customer == customerID:
		return a, c, nil
	case err == nil:
		// Pseudonymised at the customer's erasure: never given back.
		return nil, nil, errs.NoAccount.New("%s was erased", resname.Customers.Format(customerID)).
			With("resource", resname.Customers.Format(customerID))
	case !isMissing(err):
		return nil, nil, err
	}
	if check {
		problems, err := b.customers.Check(ctx, []string{customerID})
		if err != nil {
			return nil, nil, err
		}
		if p := problems[customerID]; p != nil {
			return nil, nil, p
		}
	}
	now := b.Now().UTC()
	a = &Account{Account: *ledger.Open(id, programID, customerID, c.Policy(), now)}
	if err := b.event(ctx, a, &loyaltyv1.AccountEnrolled{Account: loyaltypb.AccountToProto(&a.Account, c.Program, now)}, now); err != nil {
		return nil, nil, err
	}
	if _, err := b.repo.InsertAccount(ctx, a); err != nil {
		return nil, nil, err
	}
	return a, c, nil
}

// notEnrolled turns a missing account into the error a caller can act on.
func notEnrolled(err error, programID, customerID string) error {
	if isMissing(err) {
		return errs.NotEnrolled.New("%s is not enrolled in %s", resname.Customers.Format(customerID), names.Programs.Format(programID)).
			With("program", names.Programs.Format(programID))
	}
	return err
}

// isMissing reports whether err says an account does not exist.
func isMissing(err error) bool {
	ae, ok := apperr.As(err)
	return ok && ae.Kind == apperr.KindNotFound && strings.HasPrefix(ae.Metadata["resource"], names.Accounts.Format())
}

// Account returns a customer's account in a program, and the program.
func (b *Book) Account(ctx context.Context, programID, customerID string) (*Account, *program.Compiled, error) {
	c, err := b.Program(ctx, programID)
	if err != nil {
		return nil, nil, err
	}
	a, err := b.member(ctx, programID, customerID)
	return a, c, err
}

// member returns a customer's account in a program; a customer not
// enrolled is NOT_FOUND (reason NOT_ENROLLED).
func (b *Book) member(ctx context.Context, programID, customerID string) (*Account, error) {
	a, err := b.repo.Account(ctx, b.AccountID(programID, customerID))
	if err == nil && a.Customer != customerID {
		// Pseudonymised: the account no longer belongs to anyone.
		err = apperr.NotFound(names.Accounts.Format(a.ID))
	}
	if isMissing(err) {
		return nil, errs.NoAccount.New("%s is not enrolled in %s", resname.Customers.Format(customerID), names.Programs.Format(programID)).
			With("resource", resname.Customers.Format(customerID))
	}
	return a, err
}

// Statement returns a page of a customer's ledger in a program, and the
// account as it is now.
func (b *Book) Statement(ctx context.Context, programID, customerID string, f EntryFilter, after *EntryCursor, limit int64) ([]ledger.Entry, *Account, error) {
	a, err := b.member(ctx, programID, customerID)
	if err != nil {
		return nil, nil, err
	}
	f.Account = a.ID
	entries, err := b.repo.Entries(ctx, f, after, limit)
	return entries, a, err
}
