// Package logbook holds interaction-log's use cases: recording
// interactions (one or a batch, each checked against customer-profile),
// reading timelines, and changing what may change.
package logbook

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"google.golang.org/protobuf/proto"

	customerv1 "github.com/opencrm/crm/gen/go/crm/customer/v1"
	interactionv1 "github.com/opencrm/crm/gen/go/crm/interaction/v1"
	"github.com/opencrm/crm/pkg/apperr"
	"github.com/opencrm/crm/pkg/customers"
	"github.com/opencrm/crm/pkg/etag"
	"github.com/opencrm/crm/pkg/feed"
	"github.com/opencrm/crm/pkg/idempotency"
	"github.com/opencrm/crm/pkg/ids"
	"github.com/opencrm/crm/pkg/resname"
	"github.com/opencrm/crm/services/interaction/internal/casework"
	"github.com/opencrm/crm/services/interaction/internal/errs"
	"github.com/opencrm/crm/services/interaction/internal/record"
	"github.com/opencrm/crm/services/interaction/internal/recordpb"
)

// Customers says which customers may not have interactions, and why, and
// what they consented to.
type Customers interface {
	Ask(ctx context.Context, ids []string) (customers.Answer, error)
}

// Logbook runs the use cases.
type Logbook struct {
	repo      Repository
	customers Customers
	// keys keeps the request ids of logged interactions: one key space for
	// LogInteraction, BatchLogInteractions and IngestInteractions, so an
	// id means one request whichever path it came by.
	keys Requests
	sla  casework.SLA
	// requireMarketingConsent refuses an outbound marketing touch on a
	// channel the customer has not granted marketing consent for.
	requireMarketingConsent bool
	clock                   func() time.Time
}

// Options are the logbook's settings.
type Options struct {
	// SLA sets the due time of the cases complaints open; nil is
	// casework.DefaultSLA.
	SLA casework.SLA
	// RequireMarketingConsent refuses an outbound marketing touch on a
	// channel the customer has not granted marketing consent for.
	RequireMarketingConsent bool
	// Now is the clock; nil is time.Now.
	Now func() time.Time
}

// New returns the logbook over repo; customers answers which customers
// may have interactions, keys keeps the request ids of logged ones.
func New(repo Repository, customers Customers, keys Requests, o Options) *Logbook {
	if o.SLA == nil {
		o.SLA = casework.DefaultSLA
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return &Logbook{repo: repo, customers: customers, keys: keys, sla: o.SLA, requireMarketingConsent: o.RequireMarketingConsent, clock: o.Now}
}

// Now returns the logbook's current time.
func (l *Logbook) Now() time.Time { return l.clock() }

// LogMethod is the method name request ids of logged interactions are
// kept under, whichever call logged them.
const LogMethod = "LogInteraction"

// Item is one interaction to record, with its idempotency key.
type Item struct {
	Interaction record.Interaction
	RequestID   string
	// RequestHash is idempotency.Hash(LogMethod, request) of the item's
	// LogInteractionRequest: a request id used again must carry the same.
	RequestHash []byte
	// Err is set when the item could not even be decoded.
	Err error
}

// Result is the outcome of one item: the interaction as the caller sees it
// (the first result when the request id was used before), or an error.
type Result struct {
	Interaction *interactionv1.Interaction
	Err         error
}

// newID derives the id from the request id or the source record when there
// is one, so a retried item finds its first record.
func newID(requestID string, i *record.Interaction) string {
	switch {
	case requestID != "":
		return ids.Derived("req\x00" + requestID)
	case i.SourceSystem != "":
		return ids.Derived("ext\x00" + i.SourceSystem + "\x00" + i.ExternalID)
	}
	return ids.New()
}

// Log records items; each item succeeds or fails on its own, except that
// when customer-profile cannot answer nothing is stored and the call fails
// UNAVAILABLE (so the whole call can be retried). prefix(n) names item n's
// interaction field in errors.
func (l *Logbook) Log(ctx context.Context, items []Item, prefix func(n int) string) ([]Result, error) {
	return l.Commit(ctx, l.Prepare(ctx, items, prefix))
}

// Prepared is a batch on its way in: checked against customer-profile in
// the background, its plain interactions encoded.
type Prepared struct {
	items   []Item
	prefix  func(n int) string
	now     time.Time
	results []Result
	encoded []record.Encoded
	answer  chan checked
}

// Prepare validates items and starts the customer check; it returns
// without waiting for customer-profile's answer, so a caller may prepare
// the next batch while Commit stores this one.
func (l *Logbook) Prepare(ctx context.Context, items []Item, prefix func(n int) string) *Prepared {
	p := &Prepared{items: items, prefix: prefix, now: l.Now().UTC().Truncate(time.Millisecond),
		results: make([]Result, len(items)), encoded: make([]record.Encoded, len(items)), answer: make(chan checked, 1)}
	var ids []string
	for n := range items {
		it := &items[n]
		if it.Err != nil {
			p.results[n].Err = it.Err
			continue
		}
		it.Interaction.ID = newID(it.RequestID, &it.Interaction)
		if err := record.Normalize(&it.Interaction, prefix(n), p.now); err != nil {
			p.results[n].Err = err
			continue
		}
		ids = append(ids, it.Interaction.CustomerID)
	}
	go func() {
		var a checked
		if len(ids) > 0 {
			a.answer, a.err = l.customers.Ask(ctx, ids)
		}
		p.answer <- a
	}()
	// Plain interactions are stored together, encoded while
	// customer-profile answers; refunds and complaints touch other records,
	// one at a time.
	for n := range items {
		i := &items[n].Interaction
		if p.results[n].Err != nil || i.Kind == record.KindRefund || i.CasePending {
			continue
		}
		stamp(i, p.now)
		p.encoded[n], p.results[n].Err = l.repo.Encode(i)
	}
	return p
}

// Commit waits for customer-profile's answer about a prepared batch and
// stores the items it allows (see Log). Items with a request id take it
// first: one used before answers with the first result (or is refused when
// the request differs), and the outcome of the others is kept under it.
func (l *Logbook) Commit(ctx context.Context, p *Prepared) ([]Result, error) {
	a := <-p.answer
	if a.err != nil {
		return nil, a.err
	}
	claims, err := l.claim(ctx, p)
	if err != nil {
		return nil, err
	}
	stored, err := l.store(ctx, p, a)
	if err != nil {
		if ferr := l.keys.FinishMany(ctx, LogMethod, claims, failed(len(claims), err)); ferr != nil {
			return nil, fmt.Errorf("%w (and releasing request_ids failed: %w)", err, ferr)
		}
		return nil, err
	}
	results := p.results
	outcomes := make([]idempotency.Outcome, len(claims))
	for n := range p.items {
		if !claims[n].Taken() {
			continue
		}
		if results[n].Err != nil {
			outcomes[n].Err = results[n].Err
			continue
		}
		i := stored[n]
		results[n].Interaction = recordpb.ToProto(i)
		if outcomes[n].Response, err = proto.Marshal(&interactionv1.LogInteractionResponse{Interaction: results[n].Interaction}); err != nil {
			outcomes[n].Err = fmt.Errorf("encode response: %w", err)
		}
		outcomes[n].Subject = resname.Customers.Format(i.CustomerID)
	}
	if err := l.keys.FinishMany(ctx, LogMethod, claims, outcomes); err != nil {
		return nil, err
	}
	for n, i := range stored {
		if i != nil && results[n].Interaction == nil {
			results[n].Interaction = recordpb.ToProto(i)
		}
	}
	return results, nil
}

// claim takes the request ids of a batch's items; an item whose id was
// used before gets its result (the first one, or the refusal) at once.
func (l *Logbook) claim(ctx context.Context, p *Prepared) ([]idempotency.Claim, error) {
	claims := make([]idempotency.Claim, len(p.items))
	for n, it := range p.items {
		claims[n] = idempotency.Claim{Key: it.RequestID, Hash: it.RequestHash}
	}
	if err := l.keys.ClaimMany(ctx, LogMethod, claims); err != nil {
		return nil, err
	}
	for n := range claims {
		c := &claims[n]
		switch {
		case c.Err != nil:
			p.results[n].Err = withField(c.Err, requestIDField(p.prefix(n)))
		case c.Key != "" && !c.Taken():
			var first interactionv1.LogInteractionResponse
			if err := proto.Unmarshal(c.Response, &first); err != nil {
				return nil, errors.Join(fmt.Errorf("decode stored response: %w", err), l.keys.FinishMany(ctx, LogMethod, claims, failed(len(claims), err)))
			}
			p.results[n] = Result{Interaction: first.GetInteraction()}
		}
	}
	return claims, nil
}

// store records the items still to record and returns, per item, what was
// stored.
func (l *Logbook) store(ctx context.Context, p *Prepared, a checked) ([]*record.Interaction, error) {
	results := p.results
	stored := make([]*record.Interaction, len(p.items))
	var bulk []record.Encoded
	var bulkIdx []int
	for n := range p.items {
		if results[n].Err != nil || results[n].Interaction != nil {
			continue
		}
		i := &p.items[n].Interaction
		if problem, bad := a.answer.Problems[i.CustomerID]; bad {
			results[n].Err = withField(problem, p.prefix(n)+".customer")
			continue
		}
		if err := l.consent(a.answer, i, p.prefix(n)); err != nil {
			results[n].Err = err
			continue
		}
		if p.encoded[n].Interaction == nil {
			if results[n].Err = l.record(ctx, i, p.prefix(n), p.now); results[n].Err == nil {
				stored[n] = i
			}
			continue
		}
		bulk, bulkIdx = append(bulk, p.encoded[n]), append(bulkIdx, n)
	}
	errs, err := l.repo.InsertMany(ctx, bulk)
	if err != nil {
		return nil, err
	}
	for k, n := range bulkIdx {
		if results[n].Err = errs[k]; errs[k] == nil {
			stored[n] = bulk[k].Interaction
		}
	}
	return stored, nil
}

// failed is the outcome of every item of a batch that failed as a whole.
func failed(n int, err error) []idempotency.Outcome {
	out := make([]idempotency.Outcome, n)
	for k := range out {
		out[k].Err = err
	}
	return out
}

// requestIDField names the request id beside an item's interaction field:
// "requests[3].request_id" for "requests[3].interaction".
func requestIDField(interactionField string) string {
	return strings.TrimSuffix(interactionField, "interaction") + "request_id"
}

// checked is customer-profile's answer about a batch's customers.
type checked struct {
	answer customers.Answer
	err    error
}

// consent refuses an outbound marketing touch without granted marketing
// consent on its channel, when that is required. Channels with no consent
// counterpart (meetings, the web, the service centre, forms, surveys,
// social networks) are not checked.
func (l *Logbook) consent(a customers.Answer, i *record.Interaction, field string) error {
	if !l.requireMarketingConsent || i.Kind != record.KindMarketingTouch || i.Direction != record.DirectionOutbound {
		return nil
	}
	c, ok := record.ConsentChannel(i.Channel)
	ch := customerv1.ConsentChannel(c)
	if !ok || a.Granted(i.CustomerID, customers.PurposeMarketing, ch) {
		return nil
	}
	customer := resname.Customers.Format(i.CustomerID)
	e := errs.ConsentRequired.New("%s has not granted marketing consent on %s", customer, ch).
		With("customer", customer).With("channel", ch.String())
	e.Field = field + ".channel"
	return e
}

func withField(err error, field string) error {
	if e, ok := apperr.As(err); ok {
		c := *e
		c.Field = field
		return &c
	}
	return err
}

func (l *Logbook) record(ctx context.Context, i *record.Interaction, field string, now time.Time) error {
	if i.Kind == record.KindRefund {
		p, err := l.repo.Get(ctx, i.Refund.PurchaseID)
		if err != nil {
			if e, ok := apperr.As(err); ok && e.Kind == apperr.KindNotFound {
				return apperr.Invalid(field+".refund.purchase", "%s does not exist", record.Name(i.Refund.PurchaseID))
			}
			return err
		}
		if err := record.CheckRefund(*i.Refund, i.CustomerID, p, field+".refund"); err != nil {
			return err
		}
		if err := l.repo.ReserveRefund(ctx, p, i.ID, i.Refund.Amount.Minor); err != nil {
			return err
		}
	}
	stamp(i, now)
	if err := l.repo.Insert(ctx, i); err != nil {
		return err
	}
	if i.CasePending {
		return l.openCase(ctx, i, now)
	}
	return nil
}

// stamp sets a new record's times and version.
func stamp(i *record.Interaction, now time.Time) {
	i.RecordTime, i.UpdateTime = now, now
	i.Version = 1
}

// LoggedEventID is the id of the InteractionLogged event of a record.
func LoggedEventID(interactionID string) string { return "logged-" + interactionID }

// LoggedEvent is the InteractionLogged event a stored record stands for.
func LoggedEvent(i *record.Interaction) feed.RecordEvent {
	return feed.RecordEvent{ID: LoggedEventID(i.ID), Subject: record.Name(i.ID), Time: i.RecordTime,
		Payload: &interactionv1.InteractionLogged{Interaction: recordpb.ToProto(i)}}
}

// openCase stores the case a complaint opens and clears its pending mark;
// repeating it (a retry, or the sweep after a crash) changes nothing.
func (l *Logbook) openCase(ctx context.Context, i *record.Interaction, now time.Time) error {
	c := casework.OpenCase(i.CaseID, i.CustomerID, i.ID, casework.Priority(i.Complaint.Priority), i.Complaint.Assignee, i.OccurTime, l.sla)
	ev, err := feed.NewPending(ctx, casework.Name(c.ID), &interactionv1.CaseOpened{Case: recordpb.CaseToProto(&c, now)}, now)
	if err != nil {
		return err
	}
	if err := l.repo.InsertCase(ctx, &c, []feed.Pending{ev}); err != nil {
		return err
	}
	i.CasePending = false
	return l.repo.CaseOpened(ctx, i.ID)
}

// OpenPendingCases opens the cases of complaints recorded more than a
// minute ago whose case a crash left unopened; it returns how many.
func (l *Logbook) OpenPendingCases(ctx context.Context) (int, error) {
	now := l.Now().UTC().Truncate(time.Millisecond)
	ids, err := l.repo.PendingCases(ctx, now.Add(-time.Minute))
	if err != nil {
		return 0, err
	}
	for n, id := range ids {
		i, err := l.repo.Get(ctx, id)
		if err != nil {
			return n, err
		}
		if err := l.openCase(ctx, i, now); err != nil {
			return n, err
		}
	}
	return len(ids), nil
}

// Get returns one interaction.
func (l *Logbook) Get(ctx context.Context, id string) (*record.Interaction, error) {
	return l.repo.Get(ctx, id)
}

// Timeline returns up to limit of a customer's interactions selected by f
// after the position after (nil: from the newest), newest first.
func (l *Logbook) Timeline(ctx context.Context, f record.Filter, after *record.After, limit int) ([]*record.Interaction, error) {
	return l.repo.Timeline(ctx, f, after, limit)
}

// EraseCustomer deletes an erased customer's interactions (no anonymous
// copy is kept) and cases, and forgets the responses of its requests; it
// returns how many interactions and cases it deleted.
func (l *Logbook) EraseCustomer(ctx context.Context, customerID string) (interactions, cases int64, err error) {
	interactions, cases, err = l.repo.EraseCustomer(ctx, customerID)
	if err != nil {
		return 0, 0, err
	}
	return interactions, cases, l.keys.ForgetSubject(ctx, resname.Customers.Format(customerID))
}

// MoveCustomer gives the interactions of a customer merged into another
// to the survivor; it returns how many moved.
func (l *Logbook) MoveCustomer(ctx context.Context, loserID, survivorID string) (int64, error) {
	return l.repo.Rekey(ctx, loserID, survivorID)
}

// Update changes an interaction's summary, outcome or tags, conditional on
// the caller's etag when given and always on the version it read.
func (l *Logbook) Update(ctx context.Context, id string, patch record.Interaction, paths []string, tag string) (*record.Interaction, error) {
	v, err := etag.Parse("interaction.etag", tag)
	if err != nil {
		return nil, err
	}
	cur, err := l.repo.Get(ctx, id)
	if err != nil {
		return nil, err
	}
	if v != 0 && v != cur.Version {
		return nil, etag.ErrStale
	}
	upd := *cur
	if err := record.ApplyMask(&upd, patch, paths); err != nil {
		return nil, err
	}
	now := l.Now().UTC().Truncate(time.Millisecond)
	upd.UpdateTime = now
	upd.Version = cur.Version + 1
	ev, err := feed.NewPending(ctx, record.Name(id), &interactionv1.InteractionUpdated{Interaction: recordpb.ToProto(&upd), ChangedFields: paths}, now)
	if err != nil {
		return nil, err
	}
	if err := l.repo.Update(ctx, &upd, cur.Version, []feed.Pending{ev}); err != nil {
		return nil, err
	}
	return &upd, nil
}
