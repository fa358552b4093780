// Package platform starts the whole platform in one process, as the local
// runner and the end-to-end test do: the embedded database with its data
// in a folder (SQLite files, or PostgreSQL through FerretDB's postgresql
// backend: a private cluster under the folder or a given server), a trace collector, and the four services, each its own gRPC
// server on its own port calling the others over real gRPC with a token of
// its own, exactly as in production.
package platform

import (
	"cmp"
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/opencrm/crm/deploy/local/collector"
	"github.com/opencrm/crm/pkg/auth"
	"github.com/opencrm/crm/pkg/config"
	"github.com/opencrm/crm/pkg/embedded"
	"github.com/opencrm/crm/pkg/feed"
	"github.com/opencrm/crm/pkg/mongox"
	"github.com/opencrm/crm/pkg/server"
	"github.com/opencrm/crm/pkg/telemetry"
	"github.com/opencrm/crm/services/console"
	interaction "github.com/opencrm/crm/services/interaction/service"
	loyalty "github.com/opencrm/crm/services/loyalty/service"
	profile "github.com/opencrm/crm/services/profile/service"
	segmentation "github.com/opencrm/crm/services/segmentation/service"
)

// Options say where things listen and live.
type Options struct {
	// Data is the folder for the database, the local secrets and the
	// traces.
	Data string
	// Addresses; "127.0.0.1:0" picks a free port.
	DBAddr, CollectorAddr                                       string
	ProfileAddr, InteractionAddr, SegmentationAddr, LoyaltyAddr string
	// PostgreSQL keeps the data in PostgreSQL instead of SQLite files: in
	// PostgreSQLURL's database when set, else in a private cluster under
	// Data/pg, created and started from the machine's binaries and stopped
	// with the platform.
	PostgreSQL    bool
	PostgreSQLURL string
	// ConsoleAddr is the web console's address; empty starts none.
	ConsoleAddr string
	// Currency is segmentation's scored currency (empty: its default).
	Currency  string
	LogLevel  slog.Level
	LogOutput io.Writer
}

// Service is one running service.
type Service struct {
	Name string
	Addr string
}

// Platform is the running platform.
type Platform struct {
	// Services in start order: customer-profile, interaction-log,
	// segmentation, loyalty.
	Services  []Service
	DBURI     string
	Collector string
	// Secret signs tokens (kept in Data/auth-secret).
	Secret []byte
	// TraceFile holds the spans the collector received.
	TraceFile string
	// Console is the web console's address, when started.
	Console string

	db        *embedded.Server
	pg        *embedded.Cluster
	collector *collector.Collector
	running   []*server.Running
	console   *console.Running
	// started holds how each service was started, for StartReplica.
	started map[string]started
}

// started is one service's start: its config, setup and first instance.
type started struct {
	cfg     server.Config
	setup   server.Setup
	first   *server.Running
	logging io.Writer
}

// Addr returns the address of the named service.
func (p *Platform) Addr(name string) string {
	for _, s := range p.Services {
		if s.Name == name {
			return s.Addr
		}
	}
	return ""
}

// Start starts everything; Stop stops it.
func Start(ctx context.Context, o Options) (p *Platform, err error) {
	if err := os.MkdirAll(o.Data, 0o700); err != nil {
		return nil, fmt.Errorf("create data folder: %w", err)
	}
	p = &Platform{TraceFile: filepath.Join(o.Data, "traces.jsonl"), started: map[string]started{}}
	defer func() { //nolint:contextcheck // undoing a failed start must run even when ctx is cancelled, so Stop keeps its own contexts
		if err != nil {
			err = errors.Join(err, p.Stop())
		}
	}()
	if p.Secret, err = secret(filepath.Join(o.Data, "auth-secret")); err != nil {
		return p, err
	}
	pageKey, err := secret(filepath.Join(o.Data, "page-token-key"))
	if err != nil {
		return p, err
	}
	loyaltyKey, err := secret(filepath.Join(o.Data, "loyalty-id-key"))
	if err != nil {
		return p, err
	}
	if p.collector, err = collector.Start(ctx, p.TraceFile, o.CollectorAddr); err != nil {
		return p, err
	}
	p.Collector = p.collector.Addr()
	dbo := embedded.Options{Addr: o.DBAddr, PostgreSQLURL: o.PostgreSQLURL}
	if o.PostgreSQL && dbo.PostgreSQLURL == "" {
		if p.pg, err = embedded.StartPostgreSQL(ctx, filepath.Join(o.Data, "pg")); err != nil {
			return p, err
		}
		dbo.PostgreSQLURL = p.pg.URL()
	}
	if p.db, err = embedded.Start(ctx, filepath.Join(o.Data, "db"), dbo); err != nil {
		return p, fmt.Errorf("start the embedded database (is another run using %s?): %w", o.DBAddr, err)
	}
	p.DBURI = p.db.URI()

	base := func(name, addr, database string) server.Config {
		return server.Config{
			Service:    name,
			ListenAddr: addr,
			Mongo: mongox.Config{URI: p.db.URI(), Database: database, Mode: mongox.ModeEmbedded,
				MaxPoolSize: 1, ConnectTimeout: 10 * time.Second},
			Auth:            auth.Config{HMACSecret: p.Secret},
			PageTokenKey:    pageKey,
			LogLevel:        o.LogLevel,
			ShutdownTimeout: 10 * time.Second,
		}
	}
	token := func(service string, scopes ...string) (string, error) {
		return auth.Mint(p.Secret, service, scopes, 365*24*time.Hour, "", "")
	}
	// Each service starts once the ones it calls listen, with their
	// addresses and a token of its own.
	// The ports of the services customer-profile calls, taken now (see
	// below) and served by the services when they start.
	reserved := map[string]net.Listener{}
	defer func() {
		for _, l := range reserved {
			_ = l.Close() // a service that never started
		}
	}()
	start := func(name, addr, database string, setup func(*config.Env) server.Setup, vars map[string]string) error {
		env := config.FromMap(vars)
		s := setup(env)
		if err := env.Err(); err != nil {
			return err
		}
		tel, err := telemetry.TracesTo(ctx, name, p.Collector)
		if err != nil {
			return err
		}
		cfg := base(name, addr, database)
		r, err := server.Start(ctx, cfg, s, server.Options{LogOutput: o.LogOutput, Telemetry: tel, Listener: reserved[name]})
		if err != nil {
			return err
		}
		delete(reserved, name)
		p.running = append(p.running, r)
		p.Services = append(p.Services, Service{Name: name, Addr: r.Addr()})
		p.started[name] = started{cfg: cfg, setup: s, first: r, logging: o.LogOutput}
		return p.ready(ctx, r)
	}
	// customer-profile starts first (the others follow its feed) but reads
	// the other three services' feeds (erasure confirmations) and calls
	// them for access exports: their addresses are fixed before it starts,
	// and its consumers retry until those services listen.
	for name, a := range map[string]*string{interaction.Name: &o.InteractionAddr, segmentation.Name: &o.SegmentationAddr, loyalty.Name: &o.LoyaltyAddr} {
		var l net.Listener
		if l, *a, err = reservePort(ctx, *a); err != nil {
			return p, err
		}
		if l != nil {
			reserved[name] = l
		}
	}
	pt, err := token(profile.Name, "interactions.events", "segmentation.events", "loyalty.events",
		"interactions.export", "segmentation.export", "loyalty.export")
	if err != nil {
		return p, err
	}
	if err := start(profile.Name, o.ProfileAddr, profile.DefaultDatabase, profile.Setup, map[string]string{
		"CRM_INTERACTION_ADDR": o.InteractionAddr, "CRM_INTERACTION_TOKEN": pt,
		"CRM_SEGMENTATION_ADDR": o.SegmentationAddr, "CRM_SEGMENTATION_TOKEN": pt,
		"CRM_LOYALTY_ADDR": o.LoyaltyAddr, "CRM_LOYALTY_TOKEN": pt}); err != nil {
		return p, err
	}
	it, err := token(interaction.Name, "customers.read", "customers.events")
	if err != nil {
		return p, err
	}
	if err := start(interaction.Name, o.InteractionAddr, interaction.DefaultDatabase, interaction.Setup,
		map[string]string{"CRM_PROFILE_ADDR": p.Addr(profile.Name), "CRM_PROFILE_TOKEN": it}); err != nil {
		return p, err
	}
	st, err := token(segmentation.Name, "customers.events", "interactions.events")
	if err != nil {
		return p, err
	}
	vars := map[string]string{"CRM_PROFILE_ADDR": p.Addr(profile.Name), "CRM_PROFILE_TOKEN": st,
		"CRM_INTERACTION_ADDR": p.Addr(interaction.Name), "CRM_INTERACTION_TOKEN": st}
	if o.Currency != "" {
		vars["CRM_SEGMENTATION_CURRENCY"] = o.Currency
	}
	if err := start(segmentation.Name, o.SegmentationAddr, segmentation.DefaultDatabase, segmentation.Setup, vars); err != nil {
		return p, err
	}
	lt, err := token(loyalty.Name, "customers.read", "customers.events", "interactions.events")
	if err != nil {
		return p, err
	}
	if err := start(loyalty.Name, o.LoyaltyAddr, loyalty.DefaultDatabase, loyalty.Setup, map[string]string{
		"CRM_PROFILE_ADDR": p.Addr(profile.Name), "CRM_PROFILE_TOKEN": lt,
		"CRM_INTERACTION_ADDR": p.Addr(interaction.Name), "CRM_INTERACTION_TOKEN": lt,
		"CRM_LOYALTY_ID_KEY": string(loyaltyKey)}); err != nil {
		return p, err
	}
	if o.ConsoleAddr != "" {
		if err := p.startConsole(ctx, o); err != nil {
			return p, err
		}
	}
	return p, nil
}

// ready waits until r serves.
func (p *Platform) ready(ctx context.Context, r *server.Running) error {
	select {
	case <-r.Ready():
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// StartReplica starts one more instance of the named running service on a
// free port, as a second replica would run, and returns its address: the
// same settings and peers, sharing the first instance's database client (on
// the embedded database, replicas must share its one connection to keep
// every command atomic). feedHook, when not nil, is its feed producer's
// fault hook (feed.Producer.Hook). For tests of several replicas; Stop
// stops it with the rest.
func (p *Platform) StartReplica(ctx context.Context, name string, feedHook func(context.Context, feed.Step) error) (string, error) {
	s, ok := p.started[name]
	if !ok {
		return "", fmt.Errorf("start a replica: no service %q", name)
	}
	tel, err := telemetry.TracesTo(ctx, name, p.Collector)
	if err != nil {
		return "", err
	}
	cfg := s.cfg
	cfg.ListenAddr = "127.0.0.1:0"
	r, err := server.Start(ctx, cfg, s.setup, server.Options{LogOutput: s.logging, Telemetry: tel, Client: s.first.Client(), FeedHook: feedHook})
	if err != nil {
		return "", fmt.Errorf("start a replica of %s: %w", name, err)
	}
	p.running = append(p.running, r)
	return r.Addr(), p.ready(ctx, r)
}

// startConsole serves the web console in front of the four services.
func (p *Platform) startConsole(ctx context.Context, o Options) error {
	at := func(name string) *url.URL { return &url.URL{Scheme: "http", Host: p.Addr(name)} }
	log := slog.New(slog.NewTextHandler(cmp.Or(o.LogOutput, io.Writer(os.Stderr)), &slog.HandlerOptions{Level: o.LogLevel}))
	r, err := console.Start(ctx, console.Config{ListenAddr: o.ConsoleAddr, StaticDir: os.Getenv("CRM_CONSOLE_STATIC_DIR"),
		Backends: console.Backends{Profile: at(profile.Name), Interaction: at(interaction.Name),
			Segmentation: at(segmentation.Name), Loyalty: at(loyalty.Name)}}, log)
	if err != nil {
		return err
	}
	p.console, p.Console = r, r.Addr()
	return nil
}

// SignInLink is the console's address with a token in its fragment, which
// the console reads once and removes (a fragment never reaches a server).
func (p *Platform) SignInLink(token string) string {
	return "http://" + p.Console + "/#token=" + url.QueryEscape(token)
}

// Token mints a token with the given scopes (all when none), valid for
// ttl.
func (p *Platform) Token(ttl time.Duration, scopes ...string) (string, error) {
	if len(scopes) == 0 {
		scopes = auth.AllScopes()
	}
	return auth.Mint(p.Secret, "local-admin", scopes, ttl, "", "")
}

// Stop stops the services (each stores its cursors and flushes its
// spans), then the database, its PostgreSQL cluster and the collector.
func (p *Platform) Stop() error {
	var errs []error
	if p.console != nil {
		errs = append(errs, p.console.Stop())
		p.console = nil
	}
	for _, v := range slices.Backward(p.running) {
		errs = append(errs, v.Stop())
	}
	p.running = nil
	if p.db != nil {
		p.db.Stop()
		p.db = nil
	}
	if p.pg != nil {
		p.pg.Stop()
		p.pg = nil
	}
	if p.collector != nil {
		errs = append(errs, p.collector.Stop())
		p.collector = nil
	}
	return errors.Join(errs...)
}

// reservePort returns addr, or for a port 0 a listener on a free port of
// its host and its address: the service serves on that listener, so no
// other listener can take the port in between.
func reservePort(ctx context.Context, addr string) (net.Listener, string, error) {
	// Not a port to pick (or not an address, which the service's listener
	// reports): the service listens on addr as it is.
	i := strings.LastIndex(addr, ":")
	if i < 0 || addr[i+1:] != "0" {
		return nil, addr, nil
	}
	host := addr[:i]
	var lc net.ListenConfig
	l, err := lc.Listen(ctx, "tcp", net.JoinHostPort(host, "0"))
	if err != nil {
		return nil, "", fmt.Errorf("pick a free port on %s: %w", host, err)
	}
	return l, l.Addr().String(), nil
}

// secret reads a local secret, creating it on the first run.
func secret(path string) ([]byte, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		s := rand.Text() + rand.Text()
		if err := os.WriteFile(path, []byte(s+"\n"), 0o600); err != nil {
			return nil, fmt.Errorf("write %s: %w", path, err)
		}
		return []byte(s), nil
	}
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	return []byte(strings.TrimSpace(string(b))), nil
}
