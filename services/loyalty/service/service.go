// Package service is loyalty's composition root: its settings, the
// wiring of store, use cases and handlers, and its background workers.
// The binary and the local platform runner start it through Setup.
package service

import (
	"context"
	"errors"
	"time"

	customerv1 "github.com/opencrm/crm/gen/go/crm/customer/v1"
	interactionv1 "github.com/opencrm/crm/gen/go/crm/interaction/v1"
	loyaltyv1 "github.com/opencrm/crm/gen/go/crm/loyalty/v1"
	"github.com/opencrm/crm/pkg/config"
	"github.com/opencrm/crm/pkg/customers"
	"github.com/opencrm/crm/pkg/feed"
	"github.com/opencrm/crm/pkg/idempotency"
	"github.com/opencrm/crm/pkg/peer"
	"github.com/opencrm/crm/pkg/periodic"
	"github.com/opencrm/crm/pkg/server"
	"github.com/opencrm/crm/services/loyalty/internal/api"
	"github.com/opencrm/crm/services/loyalty/internal/celfacts"
	"github.com/opencrm/crm/services/loyalty/internal/feeds"
	"github.com/opencrm/crm/services/loyalty/internal/points"
	"github.com/opencrm/crm/services/loyalty/internal/store"
)

// The store is the repository of the book.
var _ points.Repository = (*store.Store)(nil)

// Name, database and default address of the service.
const (
	Name            = "loyalty"
	DefaultDatabase = "crm_loyalty"
	DefaultAddr     = ":50054"
)

// Options are loyalty's own settings.
type Options struct {
	// Profile is how to reach customer-profile (CRM_PROFILE_ADDR,
	// CRM_PROFILE_TOKEN or _FILE with scopes customers.read and
	// customers.events, CRM_PROFILE_TIMEOUT).
	Profile peer.Options
	// Interaction is how to reach interaction-log (CRM_INTERACTION_ADDR,
	// CRM_INTERACTION_TOKEN or _FILE with scope interactions.events).
	Interaction peer.Options
	// SweepInterval is how often points are expired and qualifying
	// periods ended, and redemptions and cancels a crash left half done are
	// finished (CRM_LOYALTY_SWEEP_INTERVAL).
	SweepInterval time.Duration
	// IDKey is the secret key of account ids (CRM_LOYALTY_ID_KEY or
	// _FILE, at least 32 characters, the same on every replica and never
	// changed: accounts are found by the ids it gives).
	IDKey []byte
}

// LoadOptions reads the service's own settings.
func LoadOptions(env *config.Env) Options {
	return Options{
		Profile:       peer.Load(env, "PROFILE", "customer-profile", "customer-profile:50051", "customers.read and customers.events"),
		Interaction:   peer.Load(env, "INTERACTION", "interaction-log", "interaction-log:50052", "interactions.events"),
		SweepInterval: env.Duration("CRM_LOYALTY_SWEEP_INTERVAL", 5*time.Minute, time.Second, 24*time.Hour),
		IDKey:         loadIDKey(env),
	}
}

// loadIDKey reads CRM_LOYALTY_ID_KEY (or _FILE).
func loadIDKey(env *config.Env) []byte {
	k := env.Secret("CRM_LOYALTY_ID_KEY")
	switch {
	case k == "":
		env.Fail("CRM_LOYALTY_ID_KEY", "required: a secret of at least 32 characters, the same on every replica and never changed, that keys account ids")
	case len(k) < 32:
		env.Fail("CRM_LOYALTY_ID_KEY", "must be at least 32 characters")
	}
	return []byte(k)
}

// Setup reads the service's own settings from env and returns its setup;
// problems are recorded in env.
func Setup(env *config.Env) server.Setup {
	return SetupWith(LoadOptions(env))
}

// SetupWith registers the loyalty service with the options o and returns
// its indexes and workers.
func SetupWith(o Options) server.Setup {
	return func(d *server.Deps) (*server.Service, error) {
		conns, err := peer.DialAll(d, o.Profile, o.Interaction)
		if err != nil {
			return nil, err
		}
		profileConn, interactionConn := conns[0], conns[1]
		accountIDs, err := points.NewAccountIDs(o.IDKey)
		if err != nil {
			return nil, errors.Join(err, conns.Close())
		}
		producer := d.Producer()
		st := store.New(d.DB, producer, d.Config.Mongo.Mode)
		keys := idempotency.New(d.DB)
		profiles := customerv1.NewCustomerServiceClient(profileConn)
		book := points.New(st, &customers.Checker{Client: profiles, Timeout: o.Profile.Timeout}, celfacts.Compile, time.Now, accountIDs)
		loyaltyv1.RegisterLoyaltyServiceServer(d.GRPC, api.New(book, keys, d.PageTokens, producer))
		applier := &feeds.Applier{Book: book, Keys: keys, Log: d.Log, Confirm: customers.Confirmer{Service: Name, Feed: producer}}
		base := feed.Consumer{DB: d.DB, Log: d.Log, Tracer: d.Tracer.Tracer(Name), Meter: d.Meter.Meter(Name)}
		purchases := feeds.InteractionConsumer(interactionv1.NewInteractionServiceClient(interactionConn), applier, base)
		merges := customers.FeedConsumer(profiles, applier.Customers(), base)
		relay := periodic.Counting(5*time.Second, d.Log, "copying ledger entries", "copied ledger entries a crash had left", "accounts", st.FlushDirty)
		outbox := func(ctx context.Context) {
			producer.Relay(ctx, 5*time.Second, func(err error) { d.Log.WarnContext(ctx, "outbox relay", "error", err) }, st.AccountsCollection())
		}
		sweep := periodic.Every(o.SweepInterval, func(ctx context.Context) {
			n, err := book.CompletePending(ctx)
			periodic.Log(ctx, d.Log, n, err, "completing redemptions", "completed redemptions a crash had left pending", "count")
			n, err = book.CompleteCancels(ctx)
			periodic.Log(ctx, d.Log, n, err, "finishing cancels", "finished cancels a crash had left half done", "count")
			if n, pts, err := book.Sweep(ctx); err != nil && ctx.Err() == nil {
				d.Log.WarnContext(ctx, "expiry sweep", "error", err)
			} else if n > 0 {
				d.Log.InfoContext(ctx, "expiry sweep", "accounts", n, "points_expired", pts)
			}
		})
		return &server.Service{
			Indexes:   append(append(store.Indexes(), store.RewardIndexes()...), idempotency.Indexes()...),
			Workers:   []func(context.Context){relay, outbox, sweep, purchases.Run, merges.Run},
			Producer:  producer,
			Repairs:   st.Repairs(),
			Consumers: []*feed.Consumer{purchases, merges},
			Close:     conns.Close,
		}, nil
	}
}
