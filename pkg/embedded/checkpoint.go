package embedded

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net/url"
	"os"
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
// and cut when Options.CheckpointEvery is not set.
const DefaultCheckpointEvery = 10 * time.Second

// Checkpoint copies every database's write-ahead log into its file and
// then cuts the log down to one frame that holds no record, so that what
// was deleted or overwritten before it, erased customers included, is in no
// file of the folder. A database busy with a long read is left for the next
// checkpoint: the error says which. With the PostgreSQL backend it does
// nothing.
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

// errBusy reports a log that still holds frames a reader may need.
var errBusy = errors.New("busy: a reader still uses the write-ahead log, retried on the next checkpoint")

// checkpoint checkpoints one database file. SQLite's own truncating
// checkpoint (wal_checkpoint(TRUNCATE), or RESTART) made FerretDB's writers
// fail with SQLITE_BUSY after waiting their full 10 s now and then, so this
// takes SQLite's everyday path instead: a passive checkpoint copies the log
// into the file without blocking anyone; then a write of the header page
// (its user_version, unchanged) starts the log again from its beginning, as
// any writer does once the log is fully copied, and journal_size_limit(0)
// cuts the file after that write's frame. The connection waits at most
// briefly for a lock.
func checkpoint(ctx context.Context, file string) error {
	u := url.URL{Scheme: "file", OmitHost: true, Path: file,
		RawQuery: "mode=rw&_pragma=busy_timeout(250)&_pragma=journal_size_limit(0)"}
	db, err := sql.Open("sqlite", u.String())
	if err != nil {
		return err
	}
	defer func() { _ = db.Close() }()
	var busy, logFrames, copied int
	if err := db.QueryRowContext(ctx, "PRAGMA wal_checkpoint(PASSIVE)").Scan(&busy, &logFrames, &copied); err != nil {
		return err
	}
	if busy != 0 || copied < logFrames {
		return errBusy
	}
	var pageSize int64
	if err := db.QueryRowContext(ctx, "PRAGMA page_size").Scan(&pageSize); err != nil {
		return err
	}
	oneFrame := walHeader + walFrameHeader + pageSize
	if size, err := walSize(file); err != nil || size <= oneFrame {
		return err // nothing but the current state of at most one page
	}
	var version int64
	if err := db.QueryRowContext(ctx, "PRAGMA user_version").Scan(&version); err != nil {
		return err
	}
	if _, err := db.ExecContext(ctx, fmt.Sprintf("PRAGMA user_version = %d", version)); err != nil {
		return fmt.Errorf("restart the write-ahead log: %w", err)
	}
	if size, err := walSize(file); err != nil || size > oneFrame {
		return errors.Join(err, errBusy) // the write went after the old frames
	}
	return nil
}

// The sizes of a write-ahead log's header and of each frame's header
// (https://www.sqlite.org/fileformat2.html#walformat).
const walHeader, walFrameHeader = 32, 24

// walSize is the size of file's write-ahead log; zero when there is none.
func walSize(file string) (int64, error) {
	fi, err := os.Stat(file + "-wal")
	if errors.Is(err, fs.ErrNotExist) {
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	return fi.Size(), nil
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
