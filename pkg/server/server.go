// Package server is the bootstrap every service runs: configuration from
// the environment, JSON logs with trace ids, tracing, the database
// connection and its indexes, a gRPC server with the platform's interceptor
// chain (recovery, logging, error mapping, authorisation, validation) that
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
	"syscall"
	"time"

	"buf.build/go/protovalidate"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/readpref"
	"go.opentelemetry.io/contrib/instrumentation/google.golang.org/grpc/otelgrpc"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/trace"
	"google.golang.org/grpc"
	"google.golang.org/grpc/health"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/reflection"

	"github.com/opencrm/crm/pkg/auth"
	"github.com/opencrm/crm/pkg/config"
	"github.com/opencrm/crm/pkg/feed"
	"github.com/opencrm/crm/pkg/logging"
	"github.com/opencrm/crm/pkg/mongox"
	"github.com/opencrm/crm/pkg/pagetoken"
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
}

// Producer returns the producer of the service's event feed, tuned to the
// deployment: on the embedded database there is one replica, whose own
// publishes wake its watchers at once, so watchers poll for other writers
// only as a safety net instead of four times a second (each poll reads the
// whole feed table there), and the outbox relay reads whole collections
// only at start.
func (d *Deps) Producer() *feed.Producer {
	p := feed.NewProducer(d.DB)
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
}

// Running is a started server.
type Running struct {
	cfg      Config
	log      *slog.Logger
	grpc     *grpc.Server
	http     *http.Server
	health   *health.Server
	lis      net.Listener
	client   *mongo.Client
	tel      *telemetry.Telemetry
	svc      *Service
	cancel   context.CancelFunc
	workers  sync.WaitGroup
	served   chan error
	ready    chan struct{}
	stopOnce sync.Once
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
	client, err := mongox.ConnectLazy(cfg.Mongo, storeTracing)
	if err != nil {
		return nil, err
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
	cfg.HTTP = cfg.HTTP.withDefaults()
	gs := grpc.NewServer(
		grpc.MaxRecvMsgSize(int(cfg.HTTP.MaxBodyBytes)),
		grpc.StatsHandler(otelgrpc.NewServerHandler(otelgrpc.WithTracerProvider(tel.Tracer), otelgrpc.WithMeterProvider(tel.Meter), otelgrpc.WithPropagators(telemetry.Propagator))),
		grpc.ChainUnaryInterceptor(ic.recoverUnary, ic.logUnary, ic.mapUnary, authz.Unary, ic.validateUnary),
		grpc.ChainStreamInterceptor(ic.recoverStream, ic.logStream, ic.mapStream, authz.Stream, ic.validateStream),
	)
	hs := health.NewServer()
	hs.SetServingStatus(LivenessService, healthpb.HealthCheckResponse_SERVING)
	healthpb.RegisterHealthServer(gs, hs)
	reflection.Register(gs)

	deps := &Deps{Config: cfg, GRPC: gs, DB: client.Database(cfg.Mongo.Database), Log: log, Tracer: tel.Tracer, Meter: tel.Meter, PageTokens: codec}
	svc, err := setup(deps)
	if err != nil {
		_ = client.Disconnect(context.Background())
		return nil, fmt.Errorf("set up %s: %w", cfg.Service, err)
	}
	if authz.Policy, err = auth.PolicyFor(gs.GetServiceInfo()); err != nil {
		_ = client.Disconnect(context.Background())
		return nil, err
	}
	for name := range gs.GetServiceInfo() {
		hs.SetServingStatus(name, healthpb.HealthCheckResponse_NOT_SERVING)
	}
	hs.SetServingStatus("", healthpb.HealthCheckResponse_NOT_SERVING)
	hsrv, err := newHTTPServer(gs, cfg.HTTP, log)
	if err != nil {
		_ = client.Disconnect(context.Background())
		return nil, err
	}

	lis, err := net.Listen("tcp", cfg.ListenAddr)
	if err != nil {
		_ = client.Disconnect(context.Background())
		return nil, fmt.Errorf("listen on %s: %w", cfg.ListenAddr, err)
	}
	runCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	r := &Running{cfg: cfg, log: log, grpc: gs, http: hsrv, health: hs, lis: lis, client: client, tel: tel, svc: svc,
		cancel: cancel, served: make(chan error, 1), ready: make(chan struct{})}
	go func() { r.served <- hsrv.Serve(lis) }()
	go r.becomeReady(runCtx, deps.DB, svc)
	log.InfoContext(ctx, "listening", "addr", lis.Addr().String(), "database", cfg.Mongo.Database, "mongo_mode", string(cfg.Mongo.Mode),
		"version", Version, "commit", Commit)
	return r, nil
}

// becomeReady waits for the database, creates the indexes, starts the
// workers and flips health to SERVING; then it keeps checking the database.
func (r *Running) becomeReady(ctx context.Context, db *mongo.Database, svc *Service) {
	for {
		err := r.checkDB(ctx)
		if err == nil {
			ictx, cancel := context.WithTimeout(ctx, time.Minute)
			err = mongox.EnsureIndexes(ictx, db, mongox.ForMode(r.cfg.Mongo.Mode, svc.Indexes))
			cancel()
		}
		if err == nil {
			break
		}
		if ctx.Err() != nil {
			return
		}
		r.log.WarnContext(ctx, "waiting for the database", "error", err)
		select {
		case <-ctx.Done():
			return
		case <-time.After(2 * time.Second):
		}
	}
	for _, w := range svc.Workers {
		r.workers.Add(1)
		go func() {
			defer r.workers.Done()
			w(ctx)
		}()
	}
	r.setServing(true)
	close(r.ready)
	serving := true
	for {
		select {
		case <-ctx.Done():
			return
		case <-time.After(5 * time.Second):
		}
		ok := r.checkDB(ctx) == nil
		if ok != serving && ctx.Err() == nil {
			r.log.WarnContext(ctx, "database reachability changed", "serving", ok)
			r.setServing(ok)
			serving = ok
		}
	}
}

func (r *Running) checkDB(ctx context.Context) error {
	pctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	return r.client.Ping(pctx, readpref.Primary())
}

func (r *Running) setServing(ok bool) {
	st := healthpb.HealthCheckResponse_NOT_SERVING
	if ok {
		st = healthpb.HealthCheckResponse_SERVING
	}
	for name := range r.grpc.GetServiceInfo() {
		r.health.SetServingStatus(name, st)
	}
	r.health.SetServingStatus("", st)
}

// GRPCServiceInfo lists the registered services and their methods.
func (r *Running) GRPCServiceInfo() map[string]grpc.ServiceInfo { return r.grpc.GetServiceInfo() }

// Addr is the address the server listens on.
func (r *Running) Addr() string { return r.lis.Addr().String() }

// Ready is closed once the service serves.
func (r *Running) Ready() <-chan struct{} { return r.ready }

// Stop shuts down gracefully: health NOT_SERVING first, workers stopped (so
// consumers store their cursors), in-flight calls drained within the
// shutdown timeout (then cut), the database disconnected, spans flushed.
func (r *Running) Stop() error {
	var errs []error
	r.stopOnce.Do(func() {
		r.health.Shutdown()
		r.cancel()
		r.workers.Wait()
		// Shutdown stops accepting, tells HTTP/2 clients to go away and
		// waits for the calls in flight; Stop then ends those that outlast
		// the timeout.
		ctx, cancel := context.WithTimeout(context.Background(), r.cfg.ShutdownTimeout)
		if err := r.http.Shutdown(ctx); err != nil {
			r.log.Warn("shutdown timeout: cutting in-flight calls")
		}
		cancel()
		r.grpc.Stop()
		_ = r.http.Close()
		if r.svc.Close != nil {
			if err := r.svc.Close(); err != nil {
				errs = append(errs, fmt.Errorf("close %s's clients: %w", r.cfg.Service, err))
			}
		}
		if err := r.client.Disconnect(context.Background()); err != nil {
			errs = append(errs, fmt.Errorf("disconnect database: %w", err))
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
		_ = r.Stop()
		return fmt.Errorf("server stopped: %w", err)
	}
	return r.Stop()
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

// Periodic returns a worker that runs fn at once and then every interval
// until its context ends.
func Periodic(interval time.Duration, fn func(ctx context.Context)) func(ctx context.Context) {
	return func(ctx context.Context) {
		for {
			fn(ctx)
			select {
			case <-ctx.Done():
				return
			case <-time.After(interval):
			}
		}
	}
}
