// Package server is the bootstrap every service runs: configuration from
// the environment, JSON logs with trace ids, tracing, the database
// connection and its indexes, a gRPC server with the platform's interceptor
// chain (recovery, logging, error mapping, authorisation, audit,
// validation) that
// also answers REST, Connect and gRPC-Web on the same port (http.go), health
// that reports NOT_SERVING until the database is reachable and indexed,
// reflection, background workers, and graceful shutdown.
package server

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"buf.build/go/protovalidate"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.opentelemetry.io/contrib/instrumentation/google.golang.org/grpc/otelgrpc"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/trace"
	"google.golang.org/grpc"
	"google.golang.org/grpc/health"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/reflection"

	auditv1 "github.com/opencrm/crm/gen/go/crm/audit/v1"
	statusv1 "github.com/opencrm/crm/gen/go/crm/status/v1"
	"github.com/opencrm/crm/pkg/audit"
	"github.com/opencrm/crm/pkg/auth"
	"github.com/opencrm/crm/pkg/config"
	"github.com/opencrm/crm/pkg/feed"
	"github.com/opencrm/crm/pkg/idempotency"
	"github.com/opencrm/crm/pkg/logging"
	"github.com/opencrm/crm/pkg/mongox"
	"github.com/opencrm/crm/pkg/pagetoken"
	"github.com/opencrm/crm/pkg/repair"
	"github.com/opencrm/crm/pkg/telemetry"
)

// LivenessService is the health-check service name that answers SERVING
// while the process runs, whatever its database: for liveness and startup
// probes (the overall "" status, for readiness, follows the database).
const LivenessService = "liveness"

// Version and Commit identify the build; container builds set them with
// -ldflags "-X github.com/opencrm/crm/pkg/server.Version=... -X ...Commit=...".
var (
	Version = "dev"
	Commit  = "unknown"
)

// Config is what every service reads from its environment.
type Config struct {
	// Service is the service's name in logs and traces.
	Service string
	// ListenAddr is the address of the service's one port, for gRPC and
	// HTTP alike (CRM_LISTEN_ADDR).
	ListenAddr string
	HTTP       HTTPConfig
	Mongo      mongox.Config
	Auth       auth.Config
	// PageTokenKey signs page tokens (CRM_PAGE_TOKEN_KEY).
	PageTokenKey []byte
	// LogLevel is CRM_LOG_LEVEL: debug, info, warn or error.
	LogLevel slog.Level
	// ShutdownTimeout bounds the drain of in-flight calls (CRM_SHUTDOWN_TIMEOUT).
	ShutdownTimeout time.Duration
	// IdempotencyRetention is how long request ids are kept
	// (CRM_IDEMPOTENCY_RETENTION); zero is idempotency.DefaultRetention.
	IdempotencyRetention time.Duration
	// AuditRetention is how long audit entries are kept
	// (CRM_AUDIT_RETENTION, default audit.DefaultRetention).
	AuditRetention time.Duration
}

// LoadConfig reads the common settings; a service reads its own settings
// from the same env before calling env.Err.
func LoadConfig(env *config.Env, service, defaultDatabase, defaultAddr string) Config {
	c := Config{
		Service:         service,
		ListenAddr:      env.String("CRM_LISTEN_ADDR", defaultAddr),
		HTTP:            LoadHTTPConfig(env),
		Mongo:           mongox.LoadConfig(env, defaultDatabase),
		Auth:            auth.LoadConfig(env),
		PageTokenKey:    pagetoken.LoadKey(env),
		ShutdownTimeout: env.Duration("CRM_SHUTDOWN_TIMEOUT", 20*time.Second, time.Second, 10*time.Minute),
	}
	c.IdempotencyRetention = idempotency.LoadRetention(env)
	c.AuditRetention = audit.LoadRetention(env)
	lvl := env.OneOf("CRM_LOG_LEVEL", "info", "debug", "info", "warn", "error")
	c.LogLevel, _ = logging.ParseLevel(lvl)
	return c
}

// Deps are what a service's setup gets to build its handlers.
type Deps struct {
	Config     Config
	GRPC       *grpc.Server
	DB         *mongo.Database
	Log        *slog.Logger
	Tracer     trace.TracerProvider
	Meter      metric.MeterProvider
	PageTokens *pagetoken.Codec

	feedHook func(context.Context, feed.Step) error // Options.FeedHook
}

// Producer returns the producer of the service's event feed, tuned to the
// deployment: on the embedded database there is one replica, whose own
// publishes wake its watchers at once, so watchers poll for other writers
// only as a safety net instead of four times a second (each poll reads the
// whole feed table there), and the outbox relay reads whole collections
// only at start.
func (d *Deps) Producer() *feed.Producer {
	p := feed.NewProducer(d.DB)
	p.Hook = d.feedHook
	if d.Config.Mongo.Mode == mongox.ModeEmbedded {
		p.Poll = 5 * time.Second
		p.ScanOnlyAtStart = true
	}
	return p
}

// Service is what a setup returns: the indexes its store needs before it
// can serve, and the workers to run once it can (outbox relays, feed
// consumers). Workers stop when their context ends; shutdown waits for them.
type Service struct {
	Indexes []mongox.Index
	Workers []func(ctx context.Context)
	// Producer is the service's own feed, if it publishes one, and
	// Consumers the feeds it follows: StatusService reports their
	// positions.
	Producer  *feed.Producer
	Consumers []*feed.Consumer
	// Repairs are the trackers of the service's repair workers. On the
	// embedded database they, and Producer's relay, skip their start scans
	// when the previous process stopped clean (repair.Stops), and this
	// process notes a clean stop only if they are settled.
	Repairs []*repair.Tracker
	// Close releases what the setup opened (clients of other services); it
	// runs after in-flight calls are drained.
	Close func() error
}

// Setup registers a service's handlers on d.GRPC.
type Setup func(d *Deps) (*Service, error)

// Options tune Start for tests and the local runner.
type Options struct {
	// LogOutput receives the JSON logs; default standard error.
	LogOutput io.Writer
	// Telemetry overrides the providers set up from OTEL_ variables.
	Telemetry *telemetry.Telemetry
	// HealthInterval is how often readiness checks the database once
	// serving; default 5s.
	HealthInterval time.Duration
	// Client, when set, is the database client the service uses instead
	// of opening its own (Stop leaves it open): replicas of a service run
	// in one process share it, which on the embedded database keeps every
	// command atomic as MongoDB does across processes (docs/storage.md).
	// For tests; nil in production.
	Client *mongo.Client
	// Listener, when set, is where the server serves instead of listening
	// on Config.ListenAddr: the local runner takes its services' ports
	// before it starts the first, which calls the others.
	Listener net.Listener
	// FeedHook, when set, becomes the Hook of the service's feed producer
	// (feed.Producer.Hook): tests stall or crash a writer with it. Nil in
	// production.
	FeedHook func(context.Context, feed.Step) error
}

// Running is a started server.
type Running struct {
	cfg    Config
	log    *slog.Logger
	grpc   *grpc.Server
	http   *http.Server
	health *health.Server
	lis    net.Listener
	client *mongo.Client
	shared bool // client is Options.Client, not the server's to close
	// writeFailures counts the failed writes of the server's own client;
	// failedBeforeStop is its count when Stop began.
	writeFailures    *mongox.WriteFailures
	failedBeforeStop int64
	// lent is set once Client has handed the client to replicas, whose
	// work this process cannot vouch for (noteCleanStop).
	lent     atomic.Bool
	tel      *telemetry.Telemetry
	svc      *Service
	cancel   context.CancelFunc
	workers  sync.WaitGroup
	served   chan error
	ready    chan struct{}
	stopOnce sync.Once
	// healthEvery is Options.HealthInterval.
	healthEvery time.Duration
	// tookStop says that the note of the previous process's clean stop
	// was taken (embedded database only), so this one may note its own;
	// set before the workers start.
	tookStop bool
}

// Start listens, serves, and connects to the database in the background:
// health says NOT_SERVING until the database answers and the indexes exist,
// then SERVING, and the workers start.
func Start(ctx context.Context, cfg Config, setup Setup, o Options) (*Running, error) {
	if o.LogOutput == nil {
		o.LogOutput = os.Stderr
	}
	log := logging.New(o.LogOutput, cfg.Service, cfg.LogLevel)
	tel := o.Telemetry
	if tel == nil {
		var err error
		if tel, err = telemetry.Setup(ctx, cfg.Service); err != nil {
			return nil, err
		}
	}
	// Serve even while the database is down: health reports NOT_SERVING
	// until it answers.
	var storeTracing trace.TracerProvider
	if tel.Recording() {
		storeTracing = tel.Tracer
	}
	client, shared := o.Client, o.Client != nil
	writeFailures := &mongox.WriteFailures{}
	if !shared {
		var err error
		if client, err = mongox.ConnectLazy(cfg.Mongo, storeTracing, writeFailures); err != nil {
			return nil, err
		}
	}
	disconnect := func() {
		if !shared {
			_ = client.Disconnect(context.WithoutCancel(ctx))
		}
	}
	codec, err := pagetoken.New(cfg.PageTokenKey)
	if err != nil {
		return nil, err
	}
	validator, err := protovalidate.New()
	if err != nil {
		return nil, fmt.Errorf("build validator: %w", err)
	}
	authz := &auth.Authorizer{Verifier: auth.NewVerifier(cfg.Auth), Log: log}
	ic := &interceptors{log: log, validator: validator}
	db := client.Database(cfg.Mongo.Database)
	auditLog := audit.New(db)
	// After authorisation, which names the caller; before validation, so
	// that refused requests are recorded too.
	rec := &audit.Recorder{Store: auditLog, Log: log, Code: Code}
	cfg.HTTP = cfg.HTTP.withDefaults()
	gs := grpc.NewServer(
		grpc.MaxRecvMsgSize(int(cfg.HTTP.MaxBodyBytes)),
		grpc.StatsHandler(otelgrpc.NewServerHandler(otelgrpc.WithTracerProvider(tel.Tracer), otelgrpc.WithMeterProvider(tel.Meter), otelgrpc.WithPropagators(telemetry.Propagator))),
		grpc.ChainUnaryInterceptor(ic.recoverUnary, ic.logUnary, ic.mapUnary, authz.Unary, rec.Unary, ic.validateUnary),
		grpc.ChainStreamInterceptor(ic.recoverStream, ic.logStream, ic.mapStream, authz.Stream, rec.Stream, ic.validateStream),
	)
	hs := health.NewServer()
	hs.SetServingStatus(LivenessService, healthpb.HealthCheckResponse_SERVING)
	healthpb.RegisterHealthServer(gs, hs)
	reflection.Register(gs)

	deps := &Deps{Config: cfg, GRPC: gs, DB: db, Log: log, Tracer: tel.Tracer, Meter: tel.Meter, PageTokens: codec, feedHook: o.FeedHook}
	svc, err := setup(deps)
	if err != nil {
		disconnect()
		return nil, fmt.Errorf("set up %s: %w", cfg.Service, err)
	}
	statusv1.RegisterStatusServiceServer(gs, &statusHandler{service: cfg.Service, svc: svc})
	auditv1.RegisterAuditServiceServer(gs, &auditHandler{store: auditLog, tokens: codec})
	svc.Indexes = append(svc.Indexes, audit.Indexes()...)
	if authz.Policy, err = auth.PolicyFor(gs.GetServiceInfo()); err != nil {
		disconnect()
		return nil, err
	}
	for name := range gs.GetServiceInfo() {
		hs.SetServingStatus(name, healthpb.HealthCheckResponse_NOT_SERVING)
	}
	hs.SetServingStatus("", healthpb.HealthCheckResponse_NOT_SERVING)
	hsrv, err := newHTTPServer(gs, cfg.HTTP, log)
	if err != nil {
		disconnect()
		return nil, err
	}

	svc.Workers = append(svc.Workers, keySweeper(cfg, deps, log), auditSweeper(cfg, deps, log))

	lis := o.Listener
	if lis == nil {
		if lis, err = new(net.ListenConfig).Listen(ctx, "tcp", cfg.ListenAddr); err != nil {
			disconnect()
			return nil, fmt.Errorf("listen on %s: %w", cfg.ListenAddr, err)
		}
	}
	runCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	r := &Running{cfg: cfg, log: log, grpc: gs, http: hsrv, health: hs, lis: lis, client: client, shared: shared, writeFailures: writeFailures, tel: tel, svc: svc,
		cancel: cancel, served: make(chan error, 1), ready: make(chan struct{})}
	// One port: native gRPC connections go to grpc-go's transport, the
	// rest to net/http (connmux.go).
	mux := newConnMux(lis, hsrv.ReadHeaderTimeout)
	go func() { r.served <- mux.serve() }()
	go func() { _ = gs.Serve(mux.grpc) }()
	go func() { _ = hsrv.Serve(mux.http) }()
	if r.healthEvery = o.HealthInterval; r.healthEvery <= 0 {
		r.healthEvery = 5 * time.Second
	}
	r.workers.Go(func() {
		r.becomeReady(runCtx, deps.DB, svc)
	})
	log.InfoContext(ctx, "listening", "addr", lis.Addr().String(), "database", cfg.Mongo.Database, "mongo_mode", string(cfg.Mongo.Mode),
		"version", Version, "commit", Commit)
	return r, nil
}

// GRPCServiceInfo lists the registered services and their methods.
func (r *Running) GRPCServiceInfo() map[string]grpc.ServiceInfo { return r.grpc.GetServiceInfo() }

// Addr is the address the server listens on.
func (r *Running) Addr() string { return r.lis.Addr().String() }

// Client is the service's database client, for replicas started in the
// same process (Options.Client).
func (r *Running) Client() *mongo.Client {
	r.lent.Store(true)
	return r.client
}

// Ready is closed once the service serves.
func (r *Running) Ready() <-chan struct{} { return r.ready }

// Stop shuts down gracefully: health NOT_SERVING first, workers stopped (so
// consumers store their cursors), in-flight calls drained within the
// shutdown timeout (then cut), the database disconnected, spans flushed.
func (r *Running) Stop() error {
	var errs []error
	r.stopOnce.Do(func() {
		r.health.Shutdown()
		// Writes of workers cut by the stop itself leave what they cut to
		// the stores' trackers and outbox flushes; failures before it may
		// have left anything.
		r.failedBeforeStop = r.writeFailures.Count()
		r.cancel()
		r.workers.Wait()
		// Stop accepting; tell clients to go away and wait for the calls in
		// flight, on both servers; then cut those that outlast the timeout.
		_ = r.lis.Close()
		ctx, cancel := context.WithTimeout(context.Background(), r.cfg.ShutdownTimeout)
		done := make(chan struct{})
		go func() {
			r.grpc.GracefulStop()
			close(done)
		}()
		httpErr := r.http.Shutdown(ctx)
		select {
		case <-done:
		case <-ctx.Done():
		}
		cut := httpErr != nil || ctx.Err() != nil
		if cut {
			r.log.Warn("shutdown timeout: cutting in-flight calls")
			r.grpc.Stop()
			_ = r.http.Close()
		}
		<-done
		cancel()
		if !cut {
			r.noteCleanStop()
		}
		if r.svc.Close != nil {
			if err := r.svc.Close(); err != nil {
				errs = append(errs, fmt.Errorf("close %s's clients: %w", r.cfg.Service, err))
			}
		}
		if !r.shared {
			if err := r.client.Disconnect(context.Background()); err != nil {
				errs = append(errs, fmt.Errorf("disconnect database: %w", err))
			}
		}
		if err := r.tel.Shutdown(5 * time.Second); err != nil {
			errs = append(errs, err)
		}
		r.log.Info("stopped")
	})
	return errors.Join(errs...)
}

// Run starts the service and serves until ctx ends (SIGTERM in main), then
// stops it gracefully.
func Run(ctx context.Context, cfg Config, setup Setup) error {
	r, err := Start(ctx, cfg, setup, Options{})
	if err != nil {
		return err
	}
	select {
	case <-ctx.Done():
	case err := <-r.served:
		_ = r.Stop() //nolint:contextcheck // Stop drains with its own deadlines
		return fmt.Errorf("server stopped: %w", err)
	}
	return r.Stop() //nolint:contextcheck // ctx has ended: Stop drains with its own deadlines
}

// Main is a service binary's whole main: it reads the common settings and
// the service's own (setup reads them from the same env), reports every bad
// variable at once, runs until SIGINT or SIGTERM, and exits non-zero on
// failure.
func Main(service, defaultDatabase, defaultAddr string, setup func(env *config.Env) Setup) {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	env := &config.Env{}
	cfg := LoadConfig(env, service, defaultDatabase, defaultAddr)
	s := setup(env)
	err := env.Err()
	if err == nil {
		err = Run(ctx, cfg, s)
	}
	stop()
	if err != nil {
		fmt.Fprintf(os.Stderr, "%s: %v\n", service, err)
		os.Exit(1)
	}
}

// keySweeper removes request ids past their retention, hourly: every
// service keeps its keys in the same collection, and sweeping an empty one
// costs nothing.
func keySweeper(cfg Config, d *Deps, log *slog.Logger) func(context.Context) {
	retention := cfg.IdempotencyRetention
	if retention <= 0 {
		retention = idempotency.DefaultRetention
	}
	return idempotency.Sweeper(d.DB, retention, time.Hour, log)
}

// auditSweeper removes audit entries past their retention, hourly.
func auditSweeper(cfg Config, d *Deps, log *slog.Logger) func(context.Context) {
	retention := cfg.AuditRetention
	if retention <= 0 {
		retention = audit.DefaultRetention
	}
	return audit.Sweeper(d.DB, retention, time.Hour, log)
}
