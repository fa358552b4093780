// Package service is customer-profile's composition root: its settings,
// the wiring of store, use cases and handlers, and its background workers.
// The binary and the local platform runner both start the service from here.
package service

import (
	"context"
	"errors"
	"regexp"
	"slices"
	"strings"
	"time"

	"google.golang.org/grpc"

	customerv1 "github.com/opencrm/crm/gen/go/crm/customer/v1"
	"github.com/opencrm/crm/pkg/config"
	"github.com/opencrm/crm/pkg/idempotency"
	"github.com/opencrm/crm/pkg/peer"
	"github.com/opencrm/crm/pkg/server"
	"github.com/opencrm/crm/services/profile/internal/api"
	"github.com/opencrm/crm/services/profile/internal/archive"
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
	// Export says how access exports reach the other services.
	Export ExportOptions
}

// Names of the services an access export asks, as the bundle names their
// documents.
const (
	InteractionService  = "interaction-log"
	SegmentationService = "segmentation"
	LoyaltyService      = "loyalty"
)

// ExportOptions are the access exports' settings.
type ExportOptions struct {
	// Interaction, Segmentation and Loyalty reach the other services
	// (CRM_INTERACTION_ADDR, CRM_SEGMENTATION_ADDR, CRM_LOYALTY_ADDR, each
	// with _TOKEN or _TOKEN_FILE holding scope interactions.export,
	// segmentation.export or loyalty.export, and _TIMEOUT bounding one
	// export call, default 1 minute). With none of the three addresses
	// set, exports are off: ExportCustomerData is FAILED_PRECONDITION.
	Interaction, Segmentation, Loyalty peer.Options
	// Retention is how long an export's bundle is kept
	// (CRM_EXPORT_RETENTION, default 7 days).
	Retention time.Duration
}

// configured reports whether the other services' addresses are set.
func (o ExportOptions) configured() bool {
	return o.Interaction.Addr != "" || o.Segmentation.Addr != "" || o.Loyalty.Addr != ""
}

// loadExportPeer reads one service an export asks; its calls default to a
// minute, as an export can be large.
func loadExportPeer(env *config.Env, name, service, example, scope string) peer.Options {
	explicit := env.String("CRM_"+name+"_TIMEOUT", "") != ""
	o := peer.Load(env, name, service, example, scope)
	if !explicit {
		o.Timeout = time.Minute
	}
	return o
}

// loadExport reads the export settings: all three services or none.
func loadExport(env *config.Env) ExportOptions {
	o := ExportOptions{Retention: env.Duration("CRM_EXPORT_RETENTION", 7*24*time.Hour, time.Hour, 365*24*time.Hour)}
	if env.String("CRM_INTERACTION_ADDR", "")+env.String("CRM_SEGMENTATION_ADDR", "")+env.String("CRM_LOYALTY_ADDR", "") == "" {
		return o
	}
	o.Interaction = loadExportPeer(env, "INTERACTION", InteractionService, "interaction-log:50052", "interactions.export")
	o.Segmentation = loadExportPeer(env, "SEGMENTATION", SegmentationService, "segmentation:50053", "segmentation.export")
	o.Loyalty = loadExportPeer(env, "LOYALTY", LoyaltyService, "loyalty:50054", "loyalty.export")
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
		Retention:  env.Duration("CRM_PROFILE_DELETE_RETENTION", 30*24*time.Hour, time.Minute, 10*365*24*time.Hour),
		PurgeEvery: env.Duration("CRM_PROFILE_PURGE_INTERVAL", time.Hour, time.Second, 7*24*time.Hour),
		Purposes:   loadPurposes(env),
		Export:     loadExport(env),
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
		exp, closePeers, err := setupExports(o, d, arc)
		if err != nil {
			return nil, err
		}
		customerv1.RegisterCustomerServiceServer(d.GRPC, api.New(arc, keys, d.PageTokens, producer).WithExports(exp))
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
		exporter := server.Periodic(time.Second, func(ctx context.Context) {
			if _, err := exp.Work(ctx); err != nil && ctx.Err() == nil {
				d.Log.WarnContext(ctx, "access exports", "error", err)
			}
		})
		expire := server.Periodic(time.Hour, func(ctx context.Context) {
			if _, err := exp.Purge(ctx); err != nil && ctx.Err() == nil {
				d.Log.WarnContext(ctx, "purge of exports past retention", "error", err)
			}
		})
		return &server.Service{
			Indexes:  append(append(store.Indexes(), store.ExportIndexes()...), idempotency.Indexes()...),
			Workers:  []func(context.Context){relay, purge, backfill, exporter, expire},
			Producer: producer,
			Close:    closePeers,
		}, nil
	}
}

// setupExports wires the access exports: customer-profile's own document
// and, when configured, a client of each other service. The clients dial
// lazily, so customer-profile still starts first and the others, which
// call it, after it: an export only needs them once it runs.
func setupExports(o Options, d *server.Deps, arc *archive.Archive) (*exports.Exports, func() error, error) {
	eo := exports.Options{Lease: time.Minute, Attempts: 5, Retention: o.Export.Retention, MaxDocument: exportsrc.MaxMessage, Now: time.Now}
	sources := []exports.Source{exportsrc.Profile{Archive: arc, Name: Name}}
	var conns []*grpc.ClientConn
	closeAll := func() error {
		var errs []error
		for _, c := range conns {
			errs = append(errs, c.Close())
		}
		return errors.Join(errs...)
	}
	if !o.Export.configured() {
		eo.Disabled = "CRM_INTERACTION_ADDR, CRM_SEGMENTATION_ADDR and CRM_LOYALTY_ADDR are not set"
	} else {
		for _, p := range []struct {
			o      peer.Options
			source func(string, grpc.ClientConnInterface, time.Duration) exportsrc.Peer
			name   string
		}{
			{o.Export.Interaction, exportsrc.Interaction, InteractionService},
			{o.Export.Segmentation, exportsrc.Segmentation, SegmentationService},
			{o.Export.Loyalty, exportsrc.Loyalty, LoyaltyService},
		} {
			conn, err := peer.Dial(p.o, d)
			if err != nil {
				return nil, nil, errors.Join(err, closeAll())
			}
			conns = append(conns, conn)
			sources = append(sources, p.source(p.name, conn, p.o.Timeout))
		}
	}
	st := store.NewExportStore(d.DB)
	return exports.New(st, arc, sources, eo, d.Log), closeAll, nil
}
