// Package benchrig is what the platform's benchmark commands share: a rig
// that runs the embedded database and the services in the benchmark's
// process ([Open], [Rig.Start], [Rig.StartProducers], [Rig.StartConsumer]),
// the workload helpers that drive customer-profile and interaction-log
// (customers, purchases, ingestion, a consumer's catch-up), the scale
// mode's prepared folders and backlog ([ScaleConfig]), and the writing of
// the figures (Markdown sections of BENCHMARKS.md, merged keys of
// BENCHMARKS.json, percentiles and timing).
//
// A rig holds no context: every call that waits takes the caller's.
package benchrig

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"time"

	"go.mongodb.org/mongo-driver/v2/mongo"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/metadata"

	customerv1 "github.com/opencrm/crm/gen/go/crm/customer/v1"
	interactionv1 "github.com/opencrm/crm/gen/go/crm/interaction/v1"
	"github.com/opencrm/crm/pkg/auth"
	"github.com/opencrm/crm/pkg/config"
	"github.com/opencrm/crm/pkg/embedded"
	"github.com/opencrm/crm/pkg/mongox"
	"github.com/opencrm/crm/pkg/server"
)

// Options say where a rig keeps its data and how its services run.
type Options struct {
	// Dir is the run's folder: the embedded database's files in Dir/db, a
	// private PostgreSQL cluster's in Dir/pg.
	Dir string
	// PostgreSQLURL keeps the data in this PostgreSQL database (FerretDB's
	// postgresql backend) instead of SQLite.
	PostgreSQLURL string
	// PrivatePostgreSQL, with no PostgreSQLURL, starts a private cluster in
	// Dir/pg and keeps the data there.
	PrivatePostgreSQL bool
	// LogFiles writes each service's warnings beside Dir (Dir-name.log,
	// which outlives a run's folder); otherwise the logs are discarded.
	LogFiles bool
	// Env is added to every service's settings (e.g. the timeouts of
	// their calls to one another).
	Env map[string]string
	// Secret signs the tokens and page tokens; empty: a random one.
	Secret []byte
}

// Service is a service the rig can start: its name, its database and its
// Setup from settings.
type Service struct {
	Name     string
	Database string
	Setup    func(*config.Env) server.Setup
}

// Rig is the platform's data path in a benchmark's process: the embedded
// database and the services started on it, and clients of both. Close
// releases all of it.
type Rig struct {
	opts     Options
	pg       *embedded.Cluster
	db       *embedded.Server
	client   *mongo.Client
	servers  []*server.Running
	conns    []*grpc.ClientConn
	logFiles []*os.File

	// Profile and Interaction are the producers StartProducers started;
	// People and Logs call them.
	Profile, Interaction *server.Running
	People               customerv1.CustomerServiceClient
	Logs                 interactionv1.InteractionServiceClient
	// InteractionDB is interaction-log's database (its feed's).
	InteractionDB string
}

// ServiceScopes are the scopes of the token a service calls the
// producers with.
var ServiceScopes = []string{"customers.read", "customers.events", "interactions.events"}

// Open starts the embedded database (and a private PostgreSQL cluster if
// asked) and connects a client to it. On failure it releases what it
// started.
func Open(ctx context.Context, o Options) (_ *Rig, err error) {
	if len(o.Secret) == 0 {
		o.Secret = []byte(rand.Text() + rand.Text())
	}
	r := &Rig{opts: o}
	defer func() {
		if err != nil {
			err = errors.Join(err, r.Close(ctx))
		}
	}()
	pgURL := o.PostgreSQLURL
	if o.PrivatePostgreSQL && pgURL == "" {
		if r.pg, err = embedded.StartPostgreSQL(ctx, filepath.Join(o.Dir, "pg")); err != nil {
			return nil, err
		}
		pgURL = r.pg.URL()
	}
	if r.db, err = embedded.Start(ctx, filepath.Join(o.Dir, "db"), embedded.Options{PostgreSQLURL: pgURL}); err != nil {
		return nil, err
	}
	if r.client, err = mongox.Connect(ctx, r.Mongo("bench"), nil); err != nil {
		return nil, err
	}
	return r, nil
}

// Mongo is the settings of a one-connection pool on database, as every
// service of the rig has (so that each path compares at the same
// concurrency).
func (r *Rig) Mongo(database string) mongox.Config {
	return mongox.Config{URI: r.db.URI(), Database: database, Mode: mongox.ModeEmbedded, MaxPoolSize: 1, ConnectTimeout: 10 * time.Second}
}

// Database is database through the rig's own client.
func (r *Rig) Database(name string) *mongo.Database { return r.client.Database(name) }

// Secret is the key of the rig's tokens and page tokens.
func (r *Rig) Secret() []byte { return r.opts.Secret }

// Env returns m with the rig's Options.Env added.
func (r *Rig) Env(m map[string]string) map[string]string {
	out := maps.Clone(r.opts.Env)
	if out == nil {
		out = map[string]string{}
	}
	maps.Copy(out, m)
	return out
}

// Start starts a service on a free port and waits until it is ready.
func (r *Rig) Start(ctx context.Context, name, database string, setup server.Setup) (*server.Running, error) {
	logs := io.Discard
	level := slog.LevelInfo
	if r.opts.LogFiles {
		f, err := os.OpenFile(r.opts.Dir+"-"+name+".log", os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
		if err != nil {
			return nil, fmt.Errorf("log of %s: %w", name, err)
		}
		r.logFiles = append(r.logFiles, f)
		logs, level = f, slog.LevelWarn
	}
	s, err := server.Start(ctx, server.Config{Service: name, ListenAddr: "127.0.0.1:0", Auth: auth.Config{HMACSecret: r.opts.Secret}, PageTokenKey: r.opts.Secret,
		ShutdownTimeout: 10 * time.Second, Mongo: r.Mongo(database), LogLevel: level}, setup, server.Options{LogOutput: logs})
	if err != nil {
		return nil, fmt.Errorf("start %s: %w", name, err)
	}
	r.servers = append(r.servers, s)
	select {
	case <-s.Ready():
		return s, nil
	case <-ctx.Done():
		return nil, fmt.Errorf("start %s: %w", name, ctx.Err())
	}
}

// StartService starts s with env (and the rig's Options.Env) as its
// settings.
func (r *Rig) StartService(ctx context.Context, s Service, env map[string]string) (*server.Running, error) {
	return r.Start(ctx, s.Name, s.Database, s.Setup(config.FromMap(r.Env(env))))
}

// StartProducers starts customer-profile and interaction-log (which checks
// customers with customer-profile) and dials both.
func (r *Rig) StartProducers(ctx context.Context, profile, interaction Service) (err error) {
	if r.Profile, err = r.StartService(ctx, profile, nil); err != nil {
		return err
	}
	token, err := r.ServiceToken()
	if err != nil {
		return err
	}
	if r.Interaction, err = r.StartService(ctx, interaction, map[string]string{"CRM_PROFILE_ADDR": r.Profile.Addr(), "CRM_PROFILE_TOKEN": token}); err != nil {
		return err
	}
	r.InteractionDB = interaction.Database
	pc, err := r.Dial(r.Profile.Addr())
	if err != nil {
		return err
	}
	ic, err := r.Dial(r.Interaction.Addr())
	if err != nil {
		return err
	}
	r.People, r.Logs = customerv1.NewCustomerServiceClient(pc), interactionv1.NewInteractionServiceClient(ic)
	return nil
}

// StartConsumer starts a service that follows both producers' feeds (after
// StartProducers), with env added to its settings, and dials it.
func (r *Rig) StartConsumer(ctx context.Context, s Service, env map[string]string) (*server.Running, *grpc.ClientConn, error) {
	token, err := r.ServiceToken()
	if err != nil {
		return nil, nil, err
	}
	m := map[string]string{"CRM_PROFILE_ADDR": r.Profile.Addr(), "CRM_PROFILE_TOKEN": token,
		"CRM_INTERACTION_ADDR": r.Interaction.Addr(), "CRM_INTERACTION_TOKEN": token}
	maps.Copy(m, env)
	run, err := r.StartService(ctx, s, m)
	if err != nil {
		return nil, nil, err
	}
	c, err := r.Dial(run.Addr())
	if err != nil {
		return nil, nil, err
	}
	return run, c, nil
}

// Token mints a day's token of subject with scopes.
func (r *Rig) Token(subject string, scopes []string) (string, error) {
	t, err := auth.Mint(r.opts.Secret, subject, scopes, 24*time.Hour, "", "")
	if err != nil {
		return "", fmt.Errorf("mint a token: %w", err)
	}
	return t, nil
}

// ServiceToken is a token with ServiceScopes.
func (r *Rig) ServiceToken() (string, error) { return r.Token("service", ServiceScopes) }

// Authorize returns ctx carrying a token of subject with scopes, for the
// benchmark's calls.
func (r *Rig) Authorize(ctx context.Context, subject string, scopes []string) (context.Context, error) {
	t, err := r.Token(subject, scopes)
	if err != nil {
		return nil, err
	}
	return metadata.AppendToOutgoingContext(ctx, "authorization", "Bearer "+t), nil
}

// Dial opens a plaintext connection to addr, closed by Close.
func (r *Rig) Dial(addr string) (*grpc.ClientConn, error) {
	c, err := grpc.NewClient(addr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		return nil, fmt.Errorf("dial %s: %w", addr, err)
	}
	r.conns = append(r.conns, c)
	return c, nil
}

// Close closes the connections, stops the services (the last started
// first, so that consumers store their cursors before their producers
// go), the client, the database and the cluster, and closes the logs. It
// returns every failure, joined; a second call does nothing. It works on
// after ctx has ended (a run's release).
func (r *Rig) Close(ctx context.Context) error {
	var errs []error
	for _, c := range r.conns {
		errs = append(errs, c.Close())
	}
	// Stop drains with the service's own shutdown deadline, not ctx's.
	for _, s := range slices.Backward(r.servers) { //nolint:contextcheck // see above
		errs = append(errs, s.Stop())
	}
	if r.client != nil {
		// Its own deadline: the run's context may have ended.
		ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
		errs = append(errs, r.client.Disconnect(ctx))
		cancel()
	}
	if r.db != nil {
		r.db.Stop()
	}
	if r.pg != nil {
		r.pg.Stop()
	}
	for _, f := range r.logFiles {
		errs = append(errs, f.Close())
	}
	*r = Rig{opts: r.opts}
	return errors.Join(errs...)
}

// OpenTemp opens a rig on a new temporary folder named after prefix; the
// release closes the rig and removes the folder, reporting failures on
// standard error.
func OpenTemp(ctx context.Context, prefix string, o Options) (*Rig, func(), error) {
	dir, err := os.MkdirTemp("", prefix)
	if err != nil {
		return nil, nil, fmt.Errorf("temporary folder: %w", err)
	}
	o.Dir = dir
	r, err := Open(ctx, o)
	if err != nil {
		return nil, nil, errors.Join(err, os.RemoveAll(dir))
	}
	return r, func() {
		Cleanup("stop the rig", func() error { return r.Close(ctx) })
		Cleanup("remove "+dir, func() error { return os.RemoveAll(dir) })
	}, nil
}

// StartClient starts a consumer (see StartConsumer) and returns a client
// of it made by newClient.
func StartClient[C any](ctx context.Context, r *Rig, s Service, env map[string]string, newClient func(grpc.ClientConnInterface) C) (C, error) {
	_, c, err := r.StartConsumer(ctx, s, env)
	if err != nil {
		var zero C
		return zero, err
	}
	return newClient(c), nil
}

// OpenScale opens a rig on a scale run's folder dir with env added to
// the services' settings, starts the producers, and returns it with a
// context carrying a token of every scope.
func OpenScale(ctx context.Context, c *ScaleConfig, dir string, env map[string]string, profile, interaction Service) (*Rig, context.Context, error) {
	r, err := Open(ctx, c.Options(dir, env))
	if err != nil {
		return nil, nil, err
	}
	if err := r.StartProducers(ctx, profile, interaction); err != nil {
		return nil, nil, errors.Join(err, r.Close(ctx))
	}
	cctx, err := r.Authorize(ctx, "bench", auth.AllScopes())
	if err != nil {
		return nil, nil, errors.Join(err, r.Close(ctx))
	}
	return r, cctx, nil
}
