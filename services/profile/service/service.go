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
	"github.com/opencrm/crm/pkg/server"
	"github.com/opencrm/crm/services/profile/internal/api"
	"github.com/opencrm/crm/services/profile/internal/archive"
	"github.com/opencrm/crm/services/profile/internal/confirmations"
	"github.com/opencrm/crm/services/profile/internal/customer"
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
	// Interaction, Segmentation and Loyalty are how to reach the services
	// whose feeds confirm erasures (CRM_INTERACTION_ADDR, _TOKEN or _FILE
	// with scope interactions.events, _TIMEOUT; likewise
	// CRM_SEGMENTATION_... with segmentation.events and CRM_LOYALTY_...
	// with loyalty.events). A peer without an address confirms nothing:
	// its part of every receipt stays open (component tests start
	// customer-profile alone).
	Interaction, Segmentation, Loyalty peer.Options
	// ErasureDeadline is how long after an erasure every service must have
	// confirmed it before it is marked overdue (CRM_ERASURE_DEADLINE,
	// default 1h).
	ErasureDeadline time.Duration
}

// The store is the archive's repository.
var _ archive.Repository = (*store.Store)(nil)

// purposeRE is the form of a consent purpose.
var purposeRE = regexp.MustCompile(`^[a-z][a-z0-9_-]{0,63}$`)

// loadPurposes reads CRM_CONSENT_PURPOSES.
func loadPurposes(env *config.Env) []string {
	v := env.String("CRM_CONSENT_PURPOSES", strings.Join(customer.DefaultPurposes, ","))
	var out []string
	for _, p := range strings.Split(v, ",") {
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
	return Options{
		Retention:       env.Duration("CRM_PROFILE_DELETE_RETENTION", 30*24*time.Hour, time.Minute, 10*365*24*time.Hour),
		PurgeEvery:      env.Duration("CRM_PROFILE_PURGE_INTERVAL", time.Hour, time.Second, 7*24*time.Hour),
		Purposes:        loadPurposes(env),
		Interaction:     peer.Load(env, "INTERACTION", "interaction-log", "interaction-log:50052", "interactions.events"),
		Segmentation:    peer.Load(env, "SEGMENTATION", "segmentation", "segmentation:50053", "segmentation.events"),
		Loyalty:         peer.Load(env, "LOYALTY", "loyalty", "loyalty:50054", "loyalty.events"),
		ErasureDeadline: env.Duration("CRM_ERASURE_DEADLINE", time.Hour, time.Second, 90*24*time.Hour),
	}
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
		st := store.New(d.DB, producer)
		keys := idempotency.New(d.DB)
		arc := archive.New(st, keys, archive.Options{Retention: o.Retention, Purposes: o.Purposes, Now: time.Now})
		customerv1.RegisterCustomerServiceServer(d.GRPC, api.New(arc, keys, d.PageTokens, producer))
		confirming, closePeers, err := confirmationConsumers(o, d, arc)
		if err != nil {
			return nil, err
		}
		overdue, err := overdueCheck(o.ErasureDeadline, d, arc)
		if err != nil {
			return nil, errors.Join(err, closePeers())
		}
		relay := func(ctx context.Context) {
			producer.Relay(ctx, 5*time.Second, func(err error) { d.Log.WarnContext(ctx, "outbox relay", "error", err) }, st.Customers())
		}
		purge := server.Periodic(o.PurgeEvery, func(ctx context.Context) {
			if n, err := arc.PurgeDue(ctx); err != nil && ctx.Err() == nil {
				d.Log.WarnContext(ctx, "purge of deleted customers", "error", err)
			} else if n > 0 {
				d.Log.InfoContext(ctx, "erased deleted customers past retention", "count", n)
			}
		})
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
		workers := []func(context.Context){relay, purge, backfill, overdue}
		for _, c := range confirming {
			workers = append(workers, c.Run)
		}
		return &server.Service{
			Indexes:   slices.Concat(store.Indexes(), store.ErasureIndexes(), idempotency.Indexes()),
			Workers:   workers,
			Producer:  producer,
			Consumers: confirming,
			Close:     closePeers,
		}, nil
	}
}

// confirmationConsumers dials the services whose feeds confirm erasures
// and returns their consumers, with the function that closes the
// connections; peers without an address are left out.
func confirmationConsumers(o Options, d *server.Deps, arc *archive.Archive) ([]*feed.Consumer, func() error, error) {
	var conns []*grpc.ClientConn
	closeAll := func() error {
		var errs []error
		for _, c := range conns {
			errs = append(errs, c.Close())
		}
		return errors.Join(errs...)
	}
	dial := func(p peer.Options) (*grpc.ClientConn, error) {
		if p.Addr == "" {
			return nil, nil
		}
		c, err := peer.Dial(p, d)
		if err == nil {
			conns = append(conns, c)
		}
		return c, err
	}
	applier := &confirmations.Applier{Archive: arc, Log: d.Log}
	base := feed.Consumer{DB: d.DB, Log: d.Log, Tracer: d.Tracer.Tracer(Name), Meter: d.Meter.Meter(Name)}
	var out []*feed.Consumer
	for _, p := range []struct {
		opts    peer.Options
		service string
		make    func(*grpc.ClientConn) *feed.Consumer
	}{
		{o.Interaction, customer.ServiceInteraction, func(c *grpc.ClientConn) *feed.Consumer {
			return confirmations.InteractionConsumer(applier, base, interactionv1.NewInteractionServiceClient(c))
		}},
		{o.Segmentation, customer.ServiceSegmentation, func(c *grpc.ClientConn) *feed.Consumer {
			return confirmations.SegmentationConsumer(applier, base, segmentationv1.NewSegmentationServiceClient(c))
		}},
		{o.Loyalty, customer.ServiceLoyalty, func(c *grpc.ClientConn) *feed.Consumer {
			return confirmations.LoyaltyConsumer(applier, base, loyaltyv1.NewLoyaltyServiceClient(c))
		}},
	} {
		c, err := dial(p.opts)
		if err != nil {
			return nil, nil, errors.Join(fmt.Errorf("%s: %w", p.service, err), closeAll())
		}
		if c != nil {
			out = append(out, p.make(c))
		}
	}
	return out, closeAll, nil
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
	return server.Periodic(every, func(ctx context.Context) {
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
