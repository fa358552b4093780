// Package embedded runs the embedded default database: FerretDB v1.24.0 with
// its SQLite backend, in-process, on a loopback port, keeping its data in a
// folder. The local runner and tests use it; service binaries never link it
// (they are given a URI, with CRM_MONGO_MODE=embedded).
package embedded

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/FerretDB/FerretDB/ferretdb"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// Server is a running embedded database.
type Server struct {
	uri     string
	dir     string // the SQLite folder; empty with PostgreSQL
	cancel  context.CancelFunc
	stopped chan struct{} // closed when Run returns
	indexed chan struct{} // closed when the SQLite index upkeep returns
	runErr  error
	once    sync.Once
}

// Options tunes Start.
type Options struct {
	// Addr is the TCP address to listen on; default "127.0.0.1:0" (a free
	// port). Only loopback addresses make sense: it has no authentication.
	Addr string
	// Logger receives FerretDB's logs; default: discarded.
	Logger *slog.Logger
	// PostgreSQLURL, when set, stores the data in that PostgreSQL database
	// (FerretDB's postgresql backend, faster on reads) instead of SQLite
	// files in the folder; benchmarks use it as a stand-in closer to
	// MongoDB.
	PostgreSQLURL string
	// CheckpointEvery is how often the SQLite write-ahead logs are
	// checkpointed and truncated, so that erased data leaves the files
	// (see Checkpoint); default DefaultCheckpointEvery.
	CheckpointEvery time.Duration
}

// Start runs the database with its data in dir (created if missing) and
// waits until it answers a ping.
func Start(ctx context.Context, dir string, o Options) (*Server, error) {
	if o.Addr == "" {
		o.Addr = "127.0.0.1:0"
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("embedded database folder %q: %w", dir, err)
	}
	if err := os.MkdirAll(abs, 0o750); err != nil {
		return nil, fmt.Errorf("create embedded database folder: %w", err)
	}
	cfg := &ferretdb.Config{
		Listener:  ferretdb.ListenerConfig{TCP: o.Addr},
		Handler:   "sqlite",
		SQLiteURL: "file:" + abs + "/?" + sqlitePragmas,
		Logger:    o.Logger,
	}
	if o.PostgreSQLURL != "" {
		cfg.Handler, cfg.SQLiteURL, cfg.PostgreSQLURL = "postgresql", "", o.PostgreSQLURL
	}
	f, err := ferretdb.New(cfg)
	if err != nil {
		return nil, fmt.Errorf("configure embedded database: %w", err)
	}
	// The database outlives ctx, which bounds the start only.
	runCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	s := &Server{cancel: cancel, stopped: make(chan struct{}), indexed: make(chan struct{})}
	if o.PostgreSQLURL == "" {
		s.dir = abs
	}
	go func() {
		s.runErr = f.Run(runCtx)
		close(s.stopped)
	}()
	if o.CheckpointEvery <= 0 {
		o.CheckpointEvery = DefaultCheckpointEvery
	}
	go s.checkpointLoop(runCtx, o.CheckpointEvery, o.Logger)
	s.uri = f.MongoDBURI()
	if err := s.waitReady(ctx); err != nil {
		close(s.indexed)
		s.Stop()
		return nil, err
	}
	if o.PostgreSQLURL != "" {
		close(s.indexed)
		return s, nil
	}
	go func() {
		defer close(s.indexed)
		for {
			if err := indexIDs(runCtx, abs); err != nil && runCtx.Err() == nil {
				o.Logger.Warn("index _id in the embedded database's files", "error", err)
			}
			select {
			case <-runCtx.Done():
				return
			case <-time.After(idScanEvery):
			}
		}
	}()
	return s, nil
}

func (s *Server) waitReady(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	c, err := mongo.Connect(options.Client().ApplyURI(s.uri).SetMaxPoolSize(1))
	if err != nil {
		return fmt.Errorf("connect to embedded database: %w", err)
	}
	defer func() { _ = c.Disconnect(context.WithoutCancel(ctx)) }()
	for {
		err := c.Ping(ctx, nil)
		if err == nil {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("embedded database did not answer: %w", errors.Join(err, ctx.Err()))
		case <-s.stopped:
			return fmt.Errorf("embedded database stopped: %w", s.runErr)
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// URI returns the mongodb:// connection string.
func (s *Server) URI() string { return s.uri }

// Stop shuts the database down and waits for it. Disconnect clients first,
// or it waits for them for a few seconds.
func (s *Server) Stop() {
	s.once.Do(func() {
		s.cancel()
		<-s.indexed
		<-s.stopped
	})
}
