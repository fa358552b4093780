// Package service is customer-profile's composition root: its settings,
// the wiring of store, use cases and handlers, and its background workers.
// The binary and the local platform runner both start the service from here.
package service

import (
	"context"
	"regexp"
	"slices"
	"strings"
	"time"

	customerv1 "github.com/opencrm/crm/gen/go/crm/customer/v1"
	"github.com/opencrm/crm/pkg/config"
	"github.com/opencrm/crm/pkg/idempotency"
	"github.com/opencrm/crm/pkg/server"
	"github.com/opencrm/crm/services/profile/internal/api"
	"github.com/opencrm/crm/services/profile/internal/archive"
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
	return Options{
		Retention:  env.Duration("CRM_PROFILE_DELETE_RETENTION", 30*24*time.Hour, time.Minute, 10*365*24*time.Hour),
		PurgeEvery: env.Duration("CRM_PROFILE_PURGE_INTERVAL", time.Hour, time.Second, 7*24*time.Hour),
		Purposes:   loadPurposes(env),
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
		return &server.Service{
			Indexes:  append(store.Indexes(), idempotency.Indexes()...),
			Workers:  []func(context.Context){relay, purge, backfill},
			Producer: producer,
		}, nil
	}
}
