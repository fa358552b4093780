// Package exports holds the access export's use cases: starting an export
// of everything the platform holds about a customer, collecting each
// service's document in the background on whichever replica claims it,
// and streaming the bundle. It knows the services only as Sources.
package exports

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/opencrm/crm/pkg/ids"
	"github.com/opencrm/crm/pkg/resname"
	"github.com/opencrm/crm/services/profile/internal/errs"
)

// Names is "exports/{export}".
var Names = resname.New("exports")

// State is the state of an export or of one part; the values are the
// API's.
type State int32

// States.
const (
	Running   State = 1
	Succeeded State = 2
	Failed    State = 3
)

// Export is an access export and the state of each service's document.
type Export struct {
	ID string `bson:"_id"`
	// Customer is the customer exported; Customers are it and those merged
	// into it, the ids every source is asked about.
	Customer   string    `bson:"customer"`
	Customers  []string  `bson:"customers"`
	Reason     string    `bson:"reason"`
	State      State     `bson:"state"`
	Parts      []Part    `bson:"parts"`
	CreateTime time.Time `bson:"create_time"`
	EndTime    time.Time `bson:"end_time,omitempty"`
	// LeaseOwner works on the export until LeaseUntil; another replica
	// may claim it after.
	LeaseOwner string    `bson:"lease_owner"`
	LeaseUntil time.Time `bson:"lease_until"`
}

// Part is one service's document of an export.
type Part struct {
	Service      string    `bson:"service"`
	State        State     `bson:"state"`
	Error        string    `bson:"error,omitempty"`
	Attempts     int32     `bson:"attempts"`
	Size         int64     `bson:"size"`
	CompleteTime time.Time `bson:"complete_time,omitempty"`
}

// Source collects one service's JSON document about customers.
type Source interface {
	// Service names the service, as the bundle's key.
	Service() string
	Collect(ctx context.Context, customerIDs []string) ([]byte, error)
}

// Options tune the exports.
type Options struct {
	// Disabled, when set, says why exports cannot run (the other services'
	// addresses are not configured); ExportCustomerData then fails.
	Disabled string
	// Lease is how long a replica works on an export before another may
	// take it over; each collected document renews it.
	Lease time.Duration
	// Attempts is how many failed attempts a part gets before it fails.
	Attempts int32
	// Retry is how long after a part's first failed attempt it is tried
	// again; each further failure doubles it, up to Lease (Lease when
	// unset). The export is released for that long, so any replica may
	// retry it.
	Retry time.Duration
	// Retention is how long an export and its documents are kept.
	Retention time.Duration
	// MaxDocument bounds one document's size (the database's limit).
	MaxDocument int
	Now         func() time.Time
}

// Exports runs access exports.
type Exports struct {
	repo      Repository
	customers Customers
	sources   []Source
	o         Options
	owner     string
	log       *slog.Logger
}

// New returns the exports over repo, collecting from sources in order.
func New(repo Repository, customers Customers, sources []Source, o Options, log *slog.Logger) *Exports {
	return &Exports{repo: repo, customers: customers, sources: sources, o: o, owner: ids.New(), log: log}
}

// Start creates an export of a customer and those merged into it; a
// replica's worker collects it.
func (x *Exports) Start(ctx context.Context, customerID, reason string) (*Export, error) {
	if x.o.Disabled != "" {
		return nil, errs.ExportNotConfigured.New("exports are not configured: %s", x.o.Disabled)
	}
	related, err := x.customers.Related(ctx, customerID)
	if err != nil {
		return nil, err
	}
	now := x.o.Now().UTC()
	e := &Export{ID: ids.New(), Customer: customerID, Customers: related, Reason: reason, State: Running, CreateTime: now}
	for _, s := range x.sources {
		e.Parts = append(e.Parts, Part{Service: s.Service(), State: Running})
	}
	if err := x.repo.InsertExport(ctx, e); err != nil {
		return nil, err
	}
	return e, nil
}

// Get returns an export.
func (x *Exports) Get(ctx context.Context, id string) (*Export, error) {
	return x.repo.Export(ctx, id)
}

// Work collects every export waiting for a replica, one at a time, until
// none is left; it returns how many it finished. A replica whose exports
// are disabled (the other services not configured) leaves them to the
// others.
func (x *Exports) Work(ctx context.Context) (int, error) {
	if x.o.Disabled != "" {
		return 0, nil
	}
	done := 0
	for {
		now := x.o.Now().UTC()
		e, err := x.repo.ClaimExport(ctx, x.owner, now, now.Add(x.o.Lease))
		if errors.Is(err, ErrNoneToClaim) {
			return done, nil
		}
		if err != nil {
			return done, err
		}
		finished, err := x.collect(ctx, e)
		if err != nil {
			return done, err
		}
		if finished {
			done++
		}
	}
}

// collect collects the parts of a claimed export still running; it
// reports whether the export ended.
func (x *Exports) collect(ctx context.Context, e *Export) (bool, error) {
	for n := range e.Parts {
		p := &e.Parts[n]
		if p.State != Running {
			continue
		}
		x.collectPart(ctx, e, p)
		now := x.o.Now().UTC()
		e.LeaseUntil = now.Add(x.o.Lease)
		if ok, err := x.repo.SaveExport(ctx, e, x.owner); err != nil || !ok {
			return false, err
		}
	}
	end, pending, retry := Succeeded, false, time.Duration(0)
	for _, p := range e.Parts {
		switch p.State {
		case Running:
			pending, retry = true, max(retry, x.retryAfter(p.Attempts))
		case Failed:
			end = Failed
		}
	}
	if pending {
		// The lease is shortened so that this or another replica retries
		// the failed parts soon, not a whole lease later.
		e.LeaseUntil = x.o.Now().UTC().Add(retry)
		_, err := x.repo.SaveExport(ctx, e, x.owner)
		return false, err
	}
	e.State, e.EndTime = end, x.o.Now().UTC()
	_, err := x.repo.SaveExport(ctx, e, x.owner)
	return err == nil, err
}

// retryAfter is how long a part waits after its attempts-th failure.
func (x *Exports) retryAfter(attempts int32) time.Duration {
	d := x.o.Retry
	if d <= 0 {
		return x.o.Lease
	}
	for n := int32(1); n < attempts && d < x.o.Lease; n++ {
		d *= 2
	}
	return min(d, x.o.Lease)
}

// source returns the source of a part's service.
func (x *Exports) source(service string) (Source, error) {
	for _, s := range x.sources {
		if s.Service() == service {
			return s, nil
		}
	}
	return nil, fmt.Errorf("this replica has no source for %s", service)
}

// collectPart asks the part's source for its document and stores it.
func (x *Exports) collectPart(ctx context.Context, e *Export, p *Part) {
	s, err := x.source(p.Service)
	var doc []byte
	if err == nil {
		doc, err = s.Collect(ctx, e.Customers)
	}
	if err == nil && len(doc) > x.o.MaxDocument {
		err = fmt.Errorf("the document has %d bytes, over the limit of %d", len(doc), x.o.MaxDocument)
	}
	if err == nil {
		err = x.repo.PutDocument(ctx, e.ID, p.Service, doc)
	}
	if err != nil {
		p.Attempts++
		p.Error = err.Error()
		if p.Attempts >= x.o.Attempts {
			p.State = Failed
		}
		x.log.WarnContext(ctx, "export part", "export", e.ID, "service", p.Service, "attempt", p.Attempts, "error", err)
		return
	}
	p.State, p.Error, p.Size, p.CompleteTime = Succeeded, "", int64(len(doc)), x.o.Now().UTC()
}

// Purge deletes exports past retention; it returns how many.
func (x *Exports) Purge(ctx context.Context) (int64, error) {
	return x.repo.DeleteExportsBefore(ctx, x.o.Now().Add(-x.o.Retention))
}

// Download writes a succeeded export's bundle to w in pieces: a JSON
// object with the export's name, customer and time, and under
// "documents" each service's document by service name.
func (x *Exports) Download(ctx context.Context, id string, w func([]byte) error) error {
	e, err := x.repo.Export(ctx, id)
	if err != nil {
		return err
	}
	if e.State != Succeeded {
		return errs.ExportNotDone.New("%s is not succeeded", Names.Format(id)).With("resource", Names.Format(id))
	}
	head, err := json.Marshal(map[string]any{
		"name": Names.Format(e.ID), "customer": resname.Customers.Format(e.Customer),
		"customers": formatAll(e.Customers), "create_time": e.CreateTime.Format(time.RFC3339Nano),
		"end_time": e.EndTime.Format(time.RFC3339Nano),
	})
	if err != nil {
		return fmt.Errorf("bundle header: %w", err)
	}
	// The header object is reopened to add the documents after it.
	if err := w(append(head[:len(head)-1], []byte(`,"documents":{`)...)); err != nil {
		return err
	}
	for n, p := range e.Parts {
		doc, err := x.repo.Document(ctx, e.ID, p.Service)
		if err != nil {
			return err
		}
		key, err := json.Marshal(p.Service)
		if err != nil {
			return fmt.Errorf("name part %s: %w", p.Service, err)
		}
		sep := ","
		if n == 0 {
			sep = ""
		}
		if err := w([]byte(sep + string(key) + ":")); err != nil {
			return err
		}
		for len(doc) > 0 {
			k := min(len(doc), 64<<10)
			if err := w(doc[:k]); err != nil {
				return err
			}
			doc = doc[k:]
		}
	}
	return w([]byte("}}\n"))
}

func formatAll(ids []string) []string {
	out := make([]string, len(ids))
	for n, id := range ids {
		out[n] = resname.Customers.Format(id)
	}
	return out
}
