// Package service is customer-profile's composition root: its settings,
// the wiring of store, use cases and handlers, and its background workers.
// The binary and the local platform runner both start the service from here.
package service

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"

	"go.opentelemetry.io/otel/metric"
	"google.golang.org/grpc"

	customerv1 "github.com/opencrm/crm/gen/go/crm/customer/v1"
	interactionv1 "github.com/opencrm/crm/gen/go/crm/interaction/v1"
	loyaltyv1 "github.com/opencrm/crm/gen/go/crm/loyalty/v1"
	segmentationv1 "github.com/opencrm/crm/gen/go/crm/segmentation/v1"
	"github.com/opencrm/crm/pkg/config"
	"github.com/opencrm/crm/pkg/feed"
	"github.com/opencrm/crm/pkg/idempotency"
	"github.com/opencrm/crm/pkg/peer"
	"github.com/opencrm/crm/pkg/periodic"
	"github.com/opencrm/crm/pkg/server"
	"github.com/opencrm/crm/services/profile/internal/api"
	"github.com/opencrm/crm/services/profile/internal/archive"
	"github.com/opencrm/crm/services/profile/internal/confirmations"
	"github.com/opencrm/crm/services/profile/internal/customer"
	"github.com/opencrm/crm/services/profile/internal/exports"
	"github.com/opencrm/crm/services/profile/internal/exportsrc"
	"github.com/opencrm/crm/services/profile/internal/store"
)

// Name, database and default address of the service.
const (
	Name            = "customer-profile"
	DefaultDatabase = "crm_profile"
	DefaultAddr     = ":50051"
)

// Options are customer-profile's own settings.
type Options struct {
	// Retention is how long a deleted customer can be undeleted before it
	// is erased (CRM_PROFILE_DELETE_RETENTION, default 30 days).
	Retention time.Duration
	// PurgeEvery is how often deleted customers past retention are erased
	// (CRM_PROFILE_PURGE_INTERVAL).
	PurgeEvery time.Duration
	// Purposes are the consent purposes (CRM_CONSENT_PURPOSES, a
	// comma-separated list; default marketing,profiling,transactional).
	Purposes []string
	// Interaction, Segmentation and Loyalty reach the other services:
	// their feeds confirm erasures and their export methods give access
	// exports their documents (CRM_INTERACTION_ADDR, _TOKEN or _TOKEN_FILE
	// with scopes interactions.events and interactions.export, _TIMEOUT
	// bounding one export call, default 1 minute; likewise
	// CRM_SEGMENTATION_... with segmentation.*, CRM_LOYALTY_... with
	// loyalty.*). All three or none: with none, customer-profile runs
	// alone, ExportCustomerData is FAILED_PRECONDITION and the other
	// services' parts of every erasure receipt stay open.
	Interaction, Segmentation, Loyalty peer.Options
	// ExportRetention is how long an export's bundle is kept
	// (CRM_EXPORT_RETENTION, default 7 days).
	ExportRetention time.Duration
	// ErasureDeadline is how long after an erasure every service must have
	// confirmed it before it is marked overdue (CRM_ERASURE_DEADLINE,
	// default 1h).
	ErasureDeadline time.Duration
}

// peersConfigured reports whether the other services' addresses are set.
func (o Options) peersConfigured() bool {
	return o.Interaction.Addr != "" || o.Segmentation.Addr != "" || o.Loyalty.Addr != ""
}

// loadPeer reads one other service; its calls default to a minute, as an
// export can be large.
func loadPeer(env *config.Env, name, service, example, scopes string) peer.Options {
	explicit := env.String("CRM_"+name+"_TIMEOUT", "") != ""
	o := peer.Load(env, name, service, example, scopes)
	if !explicit {
		o.Timeout = time.Minute
	}
	return o
}

// The store is the archive's repository.
var _ archive.Repository = (*store.Store)(nil)

// purposeRE is the form of a consent purpose.
var purposeRE = regexp.MustCompile(`^[a-z][a-z0-9_-]{0,63}$`)

// loadPurposes reads CRM_CONSENT_PURPOSES.
func loadPurposes(env *config.Env) []string {
	v := env.String("CRM_CONSENT_PURPOSES", strings.Join(customer.DefaultPurposes, ","))
	var out []string
	for p := range strings.SplitSeq(v, ",") {
		p = strings.TrimSpace(p)
		switch {
		case p == "":
		case !purposeRE.MatchString(p):
			env.Fail("CRM_CONSENT_PURPOSES", "%q is not a purpose: lower-case letters, digits, _ and -, at most 64", p)
		case !slices.Contains(out, p):
			out = append(out, p)
		}
	}
	if !slices.Contains(out, customer.PurposeMarketing) {
		env.Fail("CRM_CONSENT_PURPOSES", "must include %q, the purpose of consents that name none", customer.PurposeMarketing)
	}
	return out
}

// LoadOptions reads the service's own settings.
func LoadOptions(env *config.Env) Options {
	o := Options{
		Retention:       env.Duration("CRM_PROFILE_DELETE_RETENTION", 30*24*time.Hour, time.Minute, 10*365*24*time.Hour),
		PurgeEvery:      env.Duration("CRM_PROFILE_PURGE_INTERVAL", time.Hour, time.Second, 7*24*time.Hour),
		Purposes:        loadPurposes(env),
		ExportRetention: env.Duration("CRM_EXPORT_RETENTION", 7*24*time.Hour, time.Hour, 365*24*time.Hour),
		ErasureDeadline: env.Duration("CRM_ERASURE_DEADLINE", time.Hour, time.Second, 90*24*time.Hour),
	}
	if env.String("CRM_INTERACTION_ADDR", "")+env.String("CRM_SEGMENTATION_ADDR", "")+env.String("CRM_LOYALTY_ADDR", "") != "" {
		o.Interaction = loadPeer(env, "INTERACTION", customer.ServiceInteraction, "interaction-log:50052", "interactions.events and interactions.export")
		o.Segmentation = loadPeer(env, "SEGMENTATION", customer.ServiceSegmentation, "segmentation:50053", "segmentation.events and segmentation.export")
		o.Loyalty = loadPeer(env, "LOYALTY", customer.ServiceLoyalty, "loyalty:50054", "loyalty.events and loyalty.export")
	}
	return o
}

// Setup reads the service's own settings from env and returns its setup;
// problems are recorded in env.
func Setup(env *config.Env) server.Setup {
	return SetupWith(LoadOptions(env))
}

// SetupWith registers the customer service with the given settings and
// returns its indexes and workers.
func SetupWith(o Options) server.Setup {
	return func(d *server.Deps) (*server.Service, error) {
		producer := d.Producer()
		st := store.New(d.DB, producer, d.Config.Mongo.Mode)
		keys := idempotency.New(d.DB)
		arc := archive.New(st, keys, archive.Options{Retention: o.Retention, Purposes: o.Purposes, Now: time.Now})
		conns, err := dialPeers(o, d)
		if err != nil {
			return nil, err
		}
		exp := setupExports(o, d, arc, conns)
		customerv1.RegisterCustomerServiceServer(d.GRPC, api.New(arc, keys, d.PageTokens, producer).WithExports(exp))
		confirming := confirmationConsumers(d, arc, conns)
		overdue, err := overdueCheck(o.ErasureDeadline, d, arc)
		if err != nil {
			return nil, errors.Join(err, conns.close())
		}
		relay := func(ctx context.Context) {
			producer.Relay(ctx, 5*time.Second, func(err error) { d.Log.WarnContext(ctx, "outbox relay", "error", err) }, st.Customers())
		}
		purge := periodic.Counting(o.PurgeEvery, d.Log, "purge of deleted customers", "erased deleted customers past retention", "count", arc.PurgeDue)
		// Customers stored before the search index existed are indexed once;
		// a failure is retried until it succeeds.
		backfill := func(ctx context.Context) {
			for {
				err := st.BackfillSearch(ctx)
				if err == nil || ctx.Err() != nil {
					return
				}
				d.Log.WarnContext(ctx, "search index backfill", "error", err)
				select {
				case <-ctx.Done():
					return
				case <-time.After(10 * time.Second):
				}
			}
		}
		exporter := periodic.Every(time.Second, func(ctx context.Context) {
			if _, err := exp.Work(ctx); err != nil && ctx.Err() == nil {
				d.Log.WarnContext(ctx, "access exports", "error", err)
			}
		})
		expire := periodic.Every(time.Hour, func(ctx context.Context) {
			if _, err := exp.Purge(ctx); err != nil && ctx.Err() == nil {
				d.Log.WarnContext(ctx, "purge of exports past retention", "error", err)
			}
		})
		workers := []func(context.Context){relay, purge, backfill, overdue, exporter, expire}
		for _, c := range confirming {
			workers = append(workers, c.Run)
		}
		return &server.Service{
			Indexes:   slices.Concat(store.Indexes(), store.ErasureIndexes(), store.ExportIndexes(), idempotency.Indexes()),
			Workers:   workers,
			Producer:  producer,
			Consumers: confirming,
			Close:     conns.close,
		}, nil
	}
}

// peerConns are the connections to the other services, nil when
// customer-profile runs alone. They dial lazily, so customer-profile still
// starts first and the others, which call it, after it.
type peerConns struct {
	interaction, segmentation, loyalty *grpc.ClientConn
	all                                peer.Conns
}

// close closes the connections.
func (p *peerConns) close() error { return p.all.Close() }

// dialPeers opens the connections to the other services when they are
// configured.
func dialPeers(o Options, d *server.Deps) (*peerConns, error) {
	p := &peerConns{}
	if !o.peersConfigured() {
		return p, nil
	}
	conns, err := peer.DialAll(d, o.Interaction, o.Segmentation, o.Loyalty)
	if err != nil {
		return nil, err
	}
	p.all, p.interaction, p.segmentation, p.loyalty = conns, conns[0], conns[1], conns[2]
	return p, nil
}

// setupExports wires the access exports: customer-profile's own document
// and, when the other services are configured, theirs.
func setupExports(o Options, d *server.Deps, arc *archive.Archive, p *peerConns) *exports.Exports {
	// Failed parts are retried after 2, 4, ... 60 s: eight attempts span
	// about three minutes, long enough for a service to restart.
	eo := exports.Options{Lease: time.Minute, Attempts: 8, Retry: 2 * time.Second, Retention: o.ExportRetention, MaxDocument: exportsrc.MaxMessage, Now: time.Now}
	sources := []exports.Source{exportsrc.Profile{Archive: arc, Name: Name}}
	if o.peersConfigured() {
		// A service's document reads all it holds about the customers, so
		// its call gets longer than an interactive call's timeout, and
		// still well inside the lease.
		const exportCall = 30 * time.Second
		sources = append(sources,
			exportsrc.Interaction(customer.ServiceInteraction, p.interaction, exportCall),
			exportsrc.Segmentation(customer.ServiceSegmentation, p.segmentation, exportCall),
			exportsrc.Loyalty(customer.ServiceLoyalty, p.loyalty, exportCall))
	} else {
		eo.Disabled = "CRM_INTERACTION_ADDR, CRM_SEGMENTATION_ADDR and CRM_LOYALTY_ADDR are not set"
	}
	return exports.New(store.NewExportStore(d.DB), arc, sources, eo, d.Log)
}

// confirmationConsumers returns the consumers of the other services' feeds,
// which confirm erasures; none when customer-profile runs alone.
func confirmationConsumers(d *server.Deps, arc *archive.Archive, p *peerConns) []*feed.Consumer {
	if p.interaction == nil {
		return nil
	}
	applier := &confirmations.Applier{Archive: arc, Log: d.Log}
	base := feed.Consumer{DB: d.DB, Log: d.Log, Tracer: d.Tracer.Tracer(Name), Meter: d.Meter.Meter(Name)}
	return []*feed.Consumer{
		confirmations.InteractionConsumer(applier, base, interactionv1.NewInteractionServiceClient(p.interaction)),
		confirmations.SegmentationConsumer(applier, base, segmentationv1.NewSegmentationServiceClient(p.segmentation)),
		confirmations.LoyaltyConsumer(applier, base, loyaltyv1.NewLoyaltyServiceClient(p.loyalty)),
	}
}

// overdueCheck returns the worker that marks erasures past the deadline
// as overdue, counting them in crm.erasure.overdue.
func overdueCheck(deadline time.Duration, d *server.Deps, arc *archive.Archive) (func(context.Context), error) {
	counter, err := d.Meter.Meter(Name).Int64Counter("crm.erasure.overdue", metric.WithUnit("{erasure}"),
		metric.WithDescription("Erasures not confirmed by every service within CRM_ERASURE_DEADLINE"))
	if err != nil {
		return nil, fmt.Errorf("erasure metric: %w", err)
	}
	every := min(max(deadline/4, time.Second), time.Minute)
	return periodic.Every(every, func(ctx context.Context) {
		n, err := arc.MarkOverdue(ctx, deadline)
		if n > 0 {
			counter.Add(ctx, int64(n))
			d.Log.WarnContext(ctx, "erasures overdue: not every service confirmed them in time", "count", n, "deadline", deadline)
		}
		if err != nil && ctx.Err() == nil {
			d.Log.WarnContext(ctx, "erasure deadline check", "error", err)
		}
	}), nil
}
