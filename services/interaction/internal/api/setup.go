package api

import (
	"context"
	"fmt"
	"time"

	"go.opentelemetry.io/contrib/instrumentation/google.golang.org/grpc/otelgrpc"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"

	customerv1 "github.com/opencrm/crm/gen/go/crm/customer/v1"
	interactionv1 "github.com/opencrm/crm/gen/go/crm/interaction/v1"
	"github.com/opencrm/crm/pkg/config"
	"github.com/opencrm/crm/pkg/feed"
	"github.com/opencrm/crm/pkg/idempotency"
	"github.com/opencrm/crm/pkg/server"
	"github.com/opencrm/crm/pkg/telemetry"
	"github.com/opencrm/crm/services/interaction/internal/casework"
	"github.com/opencrm/crm/services/interaction/internal/customers"
	"github.com/opencrm/crm/services/interaction/internal/logbook"
	"github.com/opencrm/crm/services/interaction/internal/profilefeed"
	"github.com/opencrm/crm/services/interaction/internal/store"
)

// Service identity and defaults.
const (
	ServiceName     = "interaction-log"
	DefaultDatabase = "crm_interaction"
	DefaultAddr     = ":50052"
)

// Options are interaction-log's own settings.
type Options struct {
	// ProfileAddr is customer-profile's gRPC address (CRM_PROFILE_ADDR).
	ProfileAddr string
	// ProfileToken is this service's bearer token for customer-profile,
	// with scopes customers.read and customers.events (CRM_PROFILE_TOKEN or
	// _FILE).
	ProfileToken string
	// ProfileTimeout bounds each call to customer-profile
	// (CRM_PROFILE_TIMEOUT).
	ProfileTimeout time.Duration
	// SLA is the time to resolve a case per priority (CRM_CASE_SLA, for
	// example "urgent=4h,high=24h,normal=72h,low=168h"); nil is the default.
	SLA casework.SLA
}

// LoadOptions reads the service's own settings.
func LoadOptions(env *config.Env) Options {
	o := Options{
		ProfileAddr:    env.Required("CRM_PROFILE_ADDR", "customer-profile's gRPC address, for example customer-profile:50051"),
		ProfileToken:   env.Secret("CRM_PROFILE_TOKEN"),
		ProfileTimeout: env.Duration("CRM_PROFILE_TIMEOUT", 2*time.Second, 10*time.Millisecond, time.Minute),
	}
	if v := env.String("CRM_CASE_SLA", ""); v != "" {
		sla, err := casework.ParseSLA(v)
		if err != nil {
			env.Fail("CRM_CASE_SLA", "%v", err)
		}
		o.SLA = sla
	}
	if o.ProfileToken == "" {
		env.Fail("CRM_PROFILE_TOKEN", "required: this service's token for customer-profile, with scopes customers.read and customers.events")
	}
	return o
}

// bearer sends this service's token on every call to customer-profile.
type bearer string

func (b bearer) GetRequestMetadata(context.Context, ...string) (map[string]string, error) {
	return map[string]string{"authorization": "Bearer " + string(b)}, nil
}

// RequireTransportSecurity is false: TLS between services is not wired yet,
// and a cluster's network policy confines this traffic.
func (b bearer) RequireTransportSecurity() bool { return false }

// Setup registers the interaction service and returns its indexes and
// workers.
func Setup(o Options) server.Setup {
	return func(d *server.Deps) (*server.Service, error) {
		conn, err := grpc.NewClient(o.ProfileAddr,
			grpc.WithTransportCredentials(insecure.NewCredentials()),
			grpc.WithPerRPCCredentials(bearer(o.ProfileToken)),
			grpc.WithStatsHandler(otelgrpc.NewClientHandler(otelgrpc.WithTracerProvider(d.Tracer), otelgrpc.WithMeterProvider(d.Meter), otelgrpc.WithPropagators(telemetry.Propagator))))
		if err != nil {
			return nil, fmt.Errorf("customer-profile client: %w", err)
		}
		producer := feed.NewProducer(d.DB)
		st := store.New(d.DB, producer)
		keys := idempotency.New(d.DB)
		profiles := customerv1.NewCustomerServiceClient(conn)
		sla := o.SLA
		if sla == nil {
			sla = casework.DefaultSLA
		}
		book := &logbook.Logbook{Store: st, Now: time.Now, SLA: sla, Customers: &customers.Checker{Client: profiles, Timeout: o.ProfileTimeout}}
		interactionv1.RegisterInteractionServiceServer(d.GRPC, &Handler{book: book, keys: keys, pages: d.PageTokens, feed: producer, log: d.Log})
		consumer := profilefeed.Consumer(profiles, &profilefeed.Applier{Store: st, Keys: keys, Log: d.Log}, feed.Consumer{
			DB: d.DB, Log: d.Log, Tracer: d.Tracer.Tracer(ServiceName), Meter: d.Meter.Meter(ServiceName)})
		relay := func(ctx context.Context) {
			producer.Relay(ctx, 5*time.Second, func(err error) { d.Log.WarnContext(ctx, "outbox relay", "error", err) }, st.Collection(), st.CasesCollection())
		}
		repair := func(ctx context.Context) {
			for {
				if n, err := book.OpenPendingCases(ctx); err != nil && ctx.Err() == nil {
					d.Log.WarnContext(ctx, "opening pending cases", "error", err)
				} else if n > 0 {
					d.Log.InfoContext(ctx, "opened cases a crash had left pending", "count", n)
				}
				if n, err := book.PublishMissing(ctx); err != nil && ctx.Err() == nil {
					d.Log.WarnContext(ctx, "publishing missing events", "error", err)
				} else if n > 0 {
					d.Log.InfoContext(ctx, "published events a crash had left out", "count", n)
				}
				select {
				case <-ctx.Done():
					return
				case <-time.After(time.Minute):
				}
			}
		}
		return &server.Service{
			Indexes: append(append(store.Indexes(), store.CaseIndexes()...), idempotency.Indexes()...),
			Workers: []func(context.Context){relay, repair, consumer.Run},
			Close:   conn.Close,
		}, nil
	}
}
