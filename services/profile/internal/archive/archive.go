// Package archive holds the customer archive's use cases: each one applies
// the domain rules of package customer and writes through the Repository it
// declares (see repository.go), with the events other services rely on.
package archive

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	customerv1 "github.com/opencrm/crm/gen/go/crm/customer/v1"
	"github.com/opencrm/crm/pkg/apperr"
	"github.com/opencrm/crm/pkg/etag"
	"github.com/opencrm/crm/pkg/feed"
	"github.com/opencrm/crm/pkg/ids"
	"github.com/opencrm/crm/services/profile/internal/customer"
	"github.com/opencrm/crm/services/profile/internal/customerpb"
	"github.com/opencrm/crm/services/profile/internal/errs"
)

// Archive runs the use cases.
type Archive struct {
	repo      Repository
	responses Responses
	// retention is how long a soft-deleted customer can be undeleted.
	retention time.Duration
	// purposes are the consent purposes a consent may name.
	purposes []string
	clock    func() time.Time
}

// Options are the archive's settings.
type Options struct {
	// Retention is how long a soft-deleted customer can be undeleted.
	Retention time.Duration
	// Purposes are the consent purposes a consent may name
	// (customer.DefaultPurposes when empty).
	Purposes []string
	// Now is the clock; nil is time.Now.
	Now func() time.Time
}

// New returns the archive over repo; responses are the stored responses
// of idempotent requests, forgotten with an erased customer.
func New(repo Repository, responses Responses, o Options) *Archive {
	if len(o.Purposes) == 0 {
		o.Purposes = customer.DefaultPurposes
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return &Archive{repo: repo, responses: responses, retention: o.Retention, purposes: o.Purposes, clock: o.Now}
}

// consentChanges returns the history entries of a change from old to
// updated consents, checking that each new decision names a configured
// purpose (field names the consents in errors).
func (a *Archive) consentChanges(c *customer.Customer, old []customer.Consent, field string, now time.Time) ([]customer.ConsentChange, error) {
	changes := customer.ConsentDiff(old, c.Consents)
	for _, ch := range changes {
		if ch.Removed {
			continue
		}
		i := slices.IndexFunc(c.Consents, func(x customer.Consent) bool { return x == ch.Consent })
		if err := customer.CheckPurpose(ch.Consent, a.purposes, fmt.Sprintf("%s[%d]", field, i)); err != nil {
			return nil, err
		}
	}
	customer.Record(c, changes, now)
	return changes, nil
}

func (a *Archive) now() time.Time { return a.clock().UTC().Truncate(time.Millisecond) }

// NewID returns a customer id. With a request id the id is derived from
// it, so a create retried after a lost response finds its own record.
func NewID(requestID string) string {
	if requestID == "" {
		return ids.New()
	}
	return ids.Derived("customer\x00" + requestID)
}

func event(ctx context.Context, id string, payload proto.Message, now time.Time) (feed.Pending, error) {
	return feed.NewPending(ctx, customer.Name(id), payload, now)
}

// contactField names the request field holding a contact key.
func contactField(c *customer.Customer, prefix string) func(string) string {
	return func(key string) string {
		for i, e := range c.Emails {
			if customer.EmailKey(e.Address) == key {
				return fmt.Sprintf("%s.emails[%d].address", prefix, i)
			}
		}
		for i, p := range c.Phones {
			if customer.PhoneKey(p.Number) == key {
				return fmt.Sprintf("%s.phones[%d].number", prefix, i)
			}
		}
		return prefix
	}
}

// Create stores a new customer. A contact that belongs to another customer
// is ALREADY_EXISTS naming that customer.
func (a *Archive) Create(ctx context.Context, c customer.Customer, requestID string) (*customer.Customer, error) {
	now := a.now()
	if err := customer.Normalize(&c, "customer", now); err != nil {
		return nil, err
	}
	c.ID = NewID(requestID)
	c.State = customer.StateActive
	c.CreateTime, c.UpdateTime = now, now
	c.DeleteTime, c.PurgeTime, c.MergedInto = nil, nil, ""
	c.Version = 1
	history, err := a.consentChanges(&c, nil, "customer.consents", now)
	if err != nil {
		return nil, err
	}
	claimed, err := a.repo.Claim(ctx, c.ID, c.ContactKeys, contactField(&c, "customer"))
	if err != nil {
		return nil, err
	}
	ev, err := event(ctx, c.ID, &customerv1.CustomerCreated{Customer: customerpb.ToProto(&c)}, now)
	if err != nil {
		return nil, err
	}
	if _, err := a.repo.Insert(ctx, &c, []feed.Pending{ev}, history...); err != nil {
		_ = a.repo.Release(context.WithoutCancel(ctx), c.ID, claimed)
		return nil, err
	}
	return &c, nil
}

// Get returns a customer.
func (a *Archive) Get(ctx context.Context, id string) (*customer.Customer, error) {
	return a.repo.Get(ctx, id)
}

// GetMany returns customers by id, in the order of ids.
func (a *Archive) GetMany(ctx context.Context, ids []string) ([]*customer.Customer, error) {
	return a.repo.GetMany(ctx, ids)
}

// List returns up to limit customers selected by f in order o, after the
// position after (nil: from the start).
func (a *Archive) List(ctx context.Context, f customer.Filter, o customer.Order, after *customer.After, limit int) ([]*customer.Customer, error) {
	return a.repo.List(ctx, f, o, after, limit)
}

// Search returns up to limit customers matching q after the position after
// (nil: from the start). A contact is looked up through its claim and has
// one result at most; words match the words of the names.
func (a *Archive) Search(ctx context.Context, q customer.Query, after *customer.SearchPos, limit int) ([]customer.Hit, error) {
	if q.Contact == "" {
		return a.repo.Search(ctx, q.Words, after, limit)
	}
	c, err := a.repo.FindByContact(ctx, q.Contact)
	if c == nil || after != nil {
		return nil, err
	}
	return []customer.Hit{{Customer: c, Pos: customer.SearchPos{ID: c.ID}}}, nil
}

func active(c *customer.Customer) error {
	switch c.State {
	case customer.StateDeleted:
		return errs.CustomerDeleted.New("%s is deleted: undelete it first", customer.Name(c.ID))
	case customer.StateMerged:
		return errs.CustomerMerged.New("%s was merged into %s", customer.Name(c.ID), customer.Name(c.MergedInto)).
			With("merged_into", customer.Name(c.MergedInto))
	}
	return nil
}

// editable returns an active customer whose version matches the caller's
// etag, if one was given (etagField names it in errors).
func (a *Archive) editable(ctx context.Context, id, etagField, tag string) (*customer.Customer, error) {
	v, err := etag.Parse(etagField, tag)
	if err != nil {
		return nil, err
	}
	cur, err := a.repo.Get(ctx, id)
	if err != nil {
		return nil, err
	}
	if err := active(cur); err != nil {
		return nil, err
	}
	if v != 0 && v != cur.Version {
		return nil, etag.ErrStale
	}
	return cur, nil
}

// Update changes the fields named by paths. With an etag the change is
// conditional on it; without one, it is still applied only to the version
// it was computed from (never a silent overwrite of a concurrent change).
func (a *Archive) Update(ctx context.Context, id string, patch customer.Customer, paths []string, tag string) (*customer.Customer, error) {
	cur, err := a.editable(ctx, id, "customer.etag", tag)
	if err != nil {
		return nil, err
	}
	now := a.now()
	upd := *cur
	if err := customer.ApplyMask(&upd, patch, paths); err != nil {
		return nil, err
	}
	if err := customer.Normalize(&upd, "customer", now); err != nil {
		return nil, err
	}
	changedConsents := customer.ChangedConsents(cur.Consents, upd.Consents)
	history, err := a.consentChanges(&upd, cur.Consents, "customer.consents", now)
	if err != nil {
		return nil, err
	}
	upd.UpdateTime = now

	var added, removed []string
	for _, k := range upd.ContactKeys {
		if !slices.Contains(cur.ContactKeys, k) {
			added = append(added, k)
		}
	}
	for _, k := range cur.ContactKeys {
		if !slices.Contains(upd.ContactKeys, k) {
			removed = append(removed, k)
		}
	}
	claimed, err := a.repo.Claim(ctx, id, added, contactField(&upd, "customer"))
	if err != nil {
		return nil, err
	}
	p := customerpb.ToProto(&upd)
	p.Etag = etag.Format(cur.Version + 1)
	evs := []proto.Message{&customerv1.CustomerUpdated{Customer: p, ChangedFields: paths}}
	if len(changedConsents) > 0 {
		chans := make([]customerv1.ConsentChannel, len(changedConsents))
		for i, ch := range changedConsents {
			chans[i] = customerv1.ConsentChannel(ch)
		}
		evs = append(evs, &customerv1.ConsentChanged{Customer: customer.Name(id), Consents: p.GetConsents(), ChangedChannels: chans})
	}
	pending, err := events(ctx, id, now, evs...)
	if err != nil {
		return nil, err
	}
	if err := a.repo.Update(ctx, cur, &upd, pending, history...); err != nil {
		_ = a.repo.Release(context.WithoutCancel(ctx), id, claimed)
		return nil, err
	}
	if err := a.repo.Release(ctx, id, removed); err != nil {
		return nil, err
	}
	return &upd, nil
}

func events(ctx context.Context, id string, now time.Time, payloads ...proto.Message) ([]feed.Pending, error) {
	out := make([]feed.Pending, 0, len(payloads))
	for _, p := range payloads {
		ev, err := event(ctx, id, p, now)
		if err != nil {
			return nil, err
		}
		out = append(out, ev)
	}
	return out, nil
}

// Delete soft-deletes a customer until its purge time.
func (a *Archive) Delete(ctx context.Context, id, tag string) (*customer.Customer, error) {
	cur, err := a.editable(ctx, id, "etag", tag)
	if err != nil {
		return nil, err
	}
	now := a.now()
	purge := now.Add(a.retention)
	upd := *cur
	upd.State, upd.DeleteTime, upd.PurgeTime, upd.UpdateTime = customer.StateDeleted, &now, &purge, now
	return a.write(ctx, cur, &upd, now, func(p *customerv1.Customer) proto.Message { return &customerv1.CustomerDeleted{Customer: p} })
}

// Undelete restores a soft-deleted customer before its purge time.
func (a *Archive) Undelete(ctx context.Context, id string) (*customer.Customer, error) {
	cur, err := a.repo.Get(ctx, id)
	if err != nil {
		return nil, err
	}
	if cur.State != customer.StateDeleted {
		return nil, errs.CustomerNotDeleted.New("%s is not deleted", customer.Name(id))
	}
	now := a.now()
	if cur.PurgeTime != nil && !now.Before(*cur.PurgeTime) {
		return nil, errs.RetentionExpired.New("%s can no longer be undeleted: its retention period ended", customer.Name(id))
	}
	upd := *cur
	upd.State, upd.DeleteTime, upd.PurgeTime, upd.UpdateTime = customer.StateActive, nil, nil, now
	return a.write(ctx, cur, &upd, now, func(p *customerv1.Customer) proto.Message { return &customerv1.CustomerUndeleted{Customer: p} })
}

func (a *Archive) write(ctx context.Context, cur, upd *customer.Customer, now time.Time, payload func(*customerv1.Customer) proto.Message) (*customer.Customer, error) {
	p := customerpb.ToProto(upd)
	p.Etag = etag.Format(cur.Version + 1)
	ev, err := event(ctx, cur.ID, payload(p), now)
	if err != nil {
		return nil, err
	}
	if err := a.repo.Update(ctx, cur, upd, []feed.Pending{ev}); err != nil {
		return nil, err
	}
	return upd, nil
}

// Erase removes a customer for a privacy request, leaving a tombstone, and
// forgets the stored responses and event payloads that held its data. The
// records merged into it are the same person: they are erased too. The
// erasure's receipt is stored first, naming every customer erased, and
// each erased event names it, so that the other services' confirmations
// find it; customer-profile confirms its own part at the end. A retry
// after a failure finds the receipt and completes the erasure.
func (a *Archive) Erase(ctx context.Context, id, reason string) (*customer.Erasure, error) {
	if _, err := a.repo.Get(ctx, id); err != nil {
		if !errors.Is(err, errs.CustomerErased) {
			return nil, err
		}
		// Erased already: complete an erasure a failure cut short.
		e, gerr := a.repo.GetErasure(ctx, customer.ErasureID(id))
		if gerr != nil || e.Confirmations[customer.ServiceProfile].Confirmed {
			return nil, err
		}
		return a.finishErasure(ctx, e)
	}
	// Find the merged records before a tombstone hides a link.
	all := []string{id}
	for i := 0; i < len(all); i++ {
		merged, err := a.repo.MergedInto(ctx, all[i])
		if err != nil {
			return nil, err
		}
		all = append(all, merged...)
	}
	e, err := a.repo.CreateErasure(ctx, customer.NewErasure(id, all, reason, a.now()))
	if err != nil {
		return nil, err
	}
	return a.finishErasure(ctx, e)
}

// finishErasure erases each customer of e not erased yet and confirms
// customer-profile's part.
func (a *Archive) finishErasure(ctx context.Context, e *customer.Erasure) (*customer.Erasure, error) {
	for _, id := range e.Customers {
		var n int64 = 1
		if err := a.eraseOne(ctx, id, e); errors.Is(err, errs.CustomerErased) {
			n = 0 // erased by an earlier attempt, counted then
		} else if err != nil {
			return nil, err
		}
		if err := a.ConfirmErasure(ctx, e.ID, customer.ServiceProfile, customer.Part{Customer: id,
			Counts: []customer.Count{{Kind: "customers", Deleted: n}}}); err != nil {
			return nil, err
		}
	}
	return a.repo.GetErasure(ctx, e.ID)
}

func (a *Archive) eraseOne(ctx context.Context, id string, e *customer.Erasure) error {
	ev, err := event(ctx, id, &customerv1.CustomerErased{Customer: customer.Name(id), EraseTime: timestamppb.New(e.EraseTime),
		Reason: e.Reason, Erasure: customer.Erasures.Format(e.ID)}, e.EraseTime)
	if err != nil {
		return err
	}
	if err := a.repo.Erase(ctx, id, e.EraseTime, ev); err != nil {
		return err
	}
	return a.responses.ForgetSubject(ctx, customer.Name(id))
}

// Merge merges loser into survivor (see customer.MergeInto). The steps are
// ordered so that a retry after a failure at any point completes the merge
// and no contact is ever unprotected: the merge's record is stored first
// (pending), then the survivor takes the loser's contacts, then their
// claims, then the loser is retired, and only then is the record marked
// complete; a retry that finds the loser already merged into the survivor
// completes the record.
func (a *Archive) Merge(ctx context.Context, survivorID, loserID, actor string) (*customer.Customer, customer.Merge, error) {
	if survivorID == loserID {
		return nil, customer.Merge{}, apperr.Invalid("loser", "a customer cannot be merged into itself")
	}
	survivor, err := a.repo.Get(ctx, survivorID)
	if err != nil {
		return nil, customer.Merge{}, err
	}
	loser, err := a.repo.Get(ctx, loserID)
	if err != nil {
		return nil, customer.Merge{}, err
	}
	if err := active(survivor); err != nil {
		return nil, customer.Merge{}, err
	}
	if loser.State == customer.StateMerged && loser.MergedInto == survivorID {
		m, err := a.finishMerge(ctx, survivorID, loserID)
		if err != nil {
			return nil, customer.Merge{}, err
		}
		if m != nil {
			return survivor, *m, nil
		}
	}
	if err := active(loser); err != nil {
		return nil, customer.Merge{}, err
	}
	now := a.now()
	merged, from := customer.MergeInto(*survivor, *loser, now)
	// The loser's decisions that won are changes of the survivor's consents.
	history := customer.ConsentDiff(survivor.Consents, merged.Consents)
	customer.Record(&merged, history, now)
	m, err := a.repo.BeginMerge(ctx, customer.Merge{ID: customer.MergeID(survivorID, loserID), Survivor: survivorID, Loser: loserID,
		Actor: actor, Time: now, FieldsFromLoser: from})
	if err != nil {
		return nil, customer.Merge{}, err
	}
	p := customerpb.ToProto(&merged)
	p.Etag = etag.Format(survivor.Version + 1)
	ev, err := event(ctx, survivorID, &customerv1.CustomersMerged{Survivor: p, Loser: customer.Name(loserID), Merge: customerpb.Merges.Format(m.ID)}, now)
	if err != nil {
		return nil, customer.Merge{}, err
	}
	if err := a.repo.Update(ctx, survivor, &merged, []feed.Pending{ev}, history...); err != nil {
		return nil, customer.Merge{}, err
	}
	if err := a.repo.MoveClaims(ctx, loserID, survivorID); err != nil {
		return nil, customer.Merge{}, err
	}
	retired := *loser
	retired.State, retired.MergedInto, retired.UpdateTime = customer.StateMerged, survivorID, now
	retired.Emails, retired.Phones, retired.ContactKeys, retired.DedupKeys = nil, nil, []string{}, []string{}
	if err := a.repo.Update(ctx, loser, &retired, nil); err != nil {
		return nil, customer.Merge{}, fmt.Errorf("retire merged customer (retry the merge to complete it): %w", err)
	}
	if err := a.repo.CompleteMerge(ctx, m.ID); err != nil {
		return nil, customer.Merge{}, fmt.Errorf("complete the merge's record (retry the merge to complete it): %w", err)
	}
	m.Pending = false
	return &merged, m, nil
}

// finishMerge completes the record of a merge whose loser is retired
// already (an earlier attempt failed after that). It returns nil, nil when
// the merge has no pending record: it was completed, or made before
// records were kept first, and the loser is simply merged.
func (a *Archive) finishMerge(ctx context.Context, survivorID, loserID string) (*customer.Merge, error) {
	m, err := a.repo.FindMerge(ctx, customer.MergeID(survivorID, loserID))
	if errors.Is(err, ErrNoMergeRecord) {
		err = nil // the loser is simply merged
	}
	if err != nil || m == nil || !m.Pending {
		return nil, err
	}
	if err := a.repo.CompleteMerge(ctx, m.ID); err != nil {
		return nil, fmt.Errorf("complete the merge's record (retry the merge to complete it): %w", err)
	}
	m.Pending = false
	return m, nil
}

// ConsentHistory returns up to limit entries of a customer's consent
// history after sequence after, oldest first.
func (a *Archive) ConsentHistory(ctx context.Context, id string, after int64, limit int) ([]customer.ConsentChange, error) {
	return a.repo.ConsentHistory(ctx, id, after, limit)
}

// Merges lists the merges a customer took part in.
func (a *Archive) Merges(ctx context.Context, id string) ([]customer.Merge, error) {
	if _, err := a.repo.Get(ctx, id); err != nil {
		return nil, err
	}
	return a.repo.MergesOf(ctx, id)
}

// PurgeDue erases soft-deleted customers whose retention ended; it returns
// how many it erased.
func (a *Archive) PurgeDue(ctx context.Context) (int, error) {
	ids, err := a.repo.DueForPurge(ctx, a.now(), 100)
	if err != nil {
		return 0, err
	}
	for i, id := range ids {
		if _, err := a.Erase(ctx, id, "retention period after deletion ended"); err != nil {
			return i, fmt.Errorf("purge %s: %w", customer.Name(id), err)
		}
	}
	return len(ids), nil
}
