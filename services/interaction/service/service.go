// Package service is interaction-log's composition root: its settings, the
// wiring of store, use cases, handlers and the customer feed consumer, and
// its background workers. The binary and the local platform runner both
// start the service from here.
package service

import (
	"context"
	"time"

	customerv1 "github.com/opencrm/crm/gen/go/crm/customer/v1"
	interactionv1 "github.com/opencrm/crm/gen/go/crm/interaction/v1"
	"github.com/opencrm/crm/pkg/config"
	"github.com/opencrm/crm/pkg/customers"
	"github.com/opencrm/crm/pkg/feed"
	"github.com/opencrm/crm/pkg/idempotency"
	"github.com/opencrm/crm/pkg/peer"
	"github.com/opencrm/crm/pkg/periodic"
	"github.com/opencrm/crm/pkg/server"
	"github.com/opencrm/crm/services/interaction/internal/api"
	"github.com/opencrm/crm/services/interaction/internal/casework"
	"github.com/opencrm/crm/services/interaction/internal/logbook"
	"github.com/opencrm/crm/services/interaction/internal/profilefeed"
	"github.com/opencrm/crm/services/interaction/internal/store"
)

// Name, database and default address of the service.
const (
	Name            = "interaction-log"
	DefaultDatabase = "crm_interaction"
	DefaultAddr     = ":50052"
)

// The store is the logbook's repository.
var _ logbook.Repository = (*store.Store)(nil)

// Options are interaction-log's own settings.
type Options struct {
	// Profile is how to reach customer-profile (CRM_PROFILE_ADDR,
	// CRM_PROFILE_TOKEN or _FILE with scopes customers.read and
	// customers.events, CRM_PROFILE_TIMEOUT).
	Profile peer.Options
	// SLA is the time to resolve a case per priority (CRM_CASE_SLA, for
	// example "urgent=4h,high=24h,normal=72h,low=168h"); nil is the default.
	SLA casework.SLA
	// AllowMarketingWithoutConsent turns off the refusal of outbound
	// marketing touches without granted marketing consent on their channel
	// (CRM_REQUIRE_MARKETING_CONSENT=false; default on).
	AllowMarketingWithoutConsent bool
	// EscalateEvery is how often the service looks for overdue cases to
	// escalate (CRM_CASE_ESCALATION_INTERVAL, default 1m); 0 is the
	// default.
	EscalateEvery time.Duration
}

// DefaultEscalateEvery is how often overdue cases are looked for unless
// configured.
const DefaultEscalateEvery = time.Minute

// LoadOptions reads the service's own settings.
func LoadOptions(env *config.Env) Options {
	o := Options{Profile: peer.Load(env, "PROFILE", "customer-profile", "customer-profile:50051", "customers.read and customers.events"),
		AllowMarketingWithoutConsent: env.OneOf("CRM_REQUIRE_MARKETING_CONSENT", "true", "true", "false") == "false",
		EscalateEvery:                env.Duration("CRM_CASE_ESCALATION_INTERVAL", DefaultEscalateEvery, time.Second, 24*time.Hour)}
	if v := env.String("CRM_CASE_SLA", ""); v != "" {
		sla, err := casework.ParseSLA(v)
		if err != nil {
			env.Fail("CRM_CASE_SLA", "%v", err)
		}
		o.SLA = sla
	}
	return o
}

// Setup reads the service's own settings from env and returns its setup;
// problems are recorded in env.
func Setup(env *config.Env) server.Setup {
	return SetupWith(LoadOptions(env))
}

// SetupWith registers the interaction service with the given settings and
// returns its indexes and workers.
func SetupWith(o Options) server.Setup {
	return func(d *server.Deps) (*server.Service, error) {
		conn, err := peer.Dial(o.Profile, d)
		if err != nil {
			return nil, err
		}
		producer := d.Producer()
		st := store.New(d.DB, producer, d.Config.Mongo.Mode)
		producer.AddRecords(st.Records(logbook.LoggedEvent))
		keys := idempotency.New(d.DB)
		profiles := customerv1.NewCustomerServiceClient(conn)
		book := logbook.New(st, &customers.Checker{Client: profiles, Timeout: o.Profile.Timeout}, keys,
			logbook.Options{SLA: o.SLA, RequireMarketingConsent: !o.AllowMarketingWithoutConsent, Now: time.Now})
		interactionv1.RegisterInteractionServiceServer(d.GRPC, api.New(book, keys, d.PageTokens, producer, d.Log))
		applier := &profilefeed.Applier{Book: book, Log: d.Log, Confirm: customers.Confirmer{Service: Name, Feed: producer}}
		consumer := customers.FeedConsumer(profiles, applier.Apply(), feed.Consumer{
			DB: d.DB, Log: d.Log, Tracer: d.Tracer.Tracer(Name), Meter: d.Meter.Meter(Name)})
		relay := func(ctx context.Context) {
			producer.Relay(ctx, 5*time.Second, func(err error) { d.Log.WarnContext(ctx, "outbox relay", "error", err) }, st.Collection(), st.CasesCollection())
		}
		repair := periodic.Counting(time.Minute, d.Log, "opening pending cases", "opened cases a crash had left pending", "count", book.OpenPendingCases)
		if o.EscalateEvery <= 0 {
			o.EscalateEvery = DefaultEscalateEvery
		}
		// Every replica sweeps; the conditional write in EscalateOverdue
		// makes each case escalate once.
		escalate := periodic.Counting(o.EscalateEvery, d.Log, "escalating overdue cases", "escalated overdue cases", "count", book.EscalateOverdue)
		return &server.Service{
			Indexes:   append(append(store.Indexes(), store.CaseIndexes()...), idempotency.Indexes()...),
			Workers:   []func(context.Context){relay, repair, escalate, consumer.Run},
			Producer:  producer,
			Repairs:   st.Repairs(),
			Consumers: []*feed.Consumer{consumer},
			Close:     conn.Close,
		}, nil
	}
}
