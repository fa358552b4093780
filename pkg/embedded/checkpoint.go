package embedded

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"path/filepath"
	"time"

	_ "modernc.org/sqlite" // the SQLite driver FerretDB itself uses
)

// sqlitePragmas are set on every connection FerretDB opens: secure_delete
// overwrites deleted and freed content with zeros, so an erased record
// leaves no copy in the database file once the write-ahead log is
// checkpointed.
const sqlitePragmas = "_pragma=secure_delete(on)"

// DefaultCheckpointEvery is how often the write-ahead logs are checkpointed
// and truncated when Options.CheckpointEvery is not set.
const DefaultCheckpointEvery = 10 * time.Second

// Checkpoint copies every database's write-ahead log into its file and
// truncates the log to zero bytes (SQLite's wal_checkpoint(TRUNCATE)), so
// that what was deleted or overwritten before it, erased customers
// included, is in no file of the folder. A database busy with a long read
// is left for the next checkpoint: the error says which. With the
// PostgreSQL backend it does nothing.
func (s *Server) Checkpoint(ctx context.Context) error {
	if s.dir == "" {
		return nil
	}
	files, err := filepath.Glob(filepath.Join(s.dir, "*.sqlite"))
	if err != nil {
		return fmt.Errorf("list embedded databases: %w", err)
	}
	var errs []error
	for _, f := range files {
		if err := checkpoint(ctx, f); err != nil {
			errs = append(errs, fmt.Errorf("checkpoint %s: %w", filepath.Base(f), err))
		}
	}
	return errors.Join(errs...)
}

// checkpoint checkpoints one database file. Its connection waits at most
// briefly for readers, since writers wait while a checkpoint does.
func checkpoint(ctx context.Context, file string) error {
	u := url.URL{Scheme: "file", OmitHost: true, Path: file, RawQuery: "mode=rw&_pragma=busy_timeout(250)"}
	db, err := sql.Open("sqlite", u.String())
	if err != nil {
		return err
	}
	defer func() { _ = db.Close() }()
	var busy, logFrames, done int
	if err := db.QueryRowContext(ctx, "PRAGMA wal_checkpoint(TRUNCATE)").Scan(&busy, &logFrames, &done); err != nil {
		return err
	}
	if busy != 0 {
		return errors.New("busy: the log was not truncated, retried on the next checkpoint")
	}
	return nil
}

// checkpointLoop checkpoints every interval until ctx ends.
func (s *Server) checkpointLoop(ctx context.Context, every time.Duration, log *slog.Logger) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if err := s.Checkpoint(ctx); err != nil && ctx.Err() == nil {
				log.WarnContext(ctx, "embedded database checkpoint", "error", err)
			}
		}
	}
}
