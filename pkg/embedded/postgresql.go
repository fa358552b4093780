package embedded

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"runtime"
	"strconv"
	"syscall"
	"time"
)

// PostgreSQLBin is where Debian's package postgresql (version 15) puts the
// server's programs.
const PostgreSQLBin = "/usr/lib/postgresql/15/bin"

// Cluster is a private PostgreSQL cluster started from the machine's
// binaries, listening only on a Unix socket in its own folder, for
// FerretDB's postgresql backend (Options.PostgreSQLURL).
type Cluster struct {
	dir  string
	cmd  *exec.Cmd
	done chan struct{} // closed when the server process exits
	err  error
}

// StartPostgreSQL starts the cluster kept in dir, creating it on first use,
// and waits until it accepts connections. PostgreSQL refuses to run as
// root: then the cluster belongs to, and runs as, the postgres system user
// (which Debian's package creates), and the folders above dir are made
// traversable (not readable) for it.
func StartPostgreSQL(ctx context.Context, dir string) (*Cluster, error) {
	bin := os.Getenv("CRM_POSTGRESQL_BIN")
	if bin == "" {
		bin = PostgreSQLBin
	}
	if _, err := os.Stat(filepath.Join(bin, "postgres")); err != nil {
		return nil, fmt.Errorf("PostgreSQL is not installed in %s (install the Debian package postgresql, or set CRM_POSTGRESQL_BIN): %w", bin, err)
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("PostgreSQL folder %q: %w", dir, err)
	}
	sock := filepath.Join(abs, "run")
	// A Unix socket path is limited to 107 bytes.
	if n := len(filepath.Join(sock, ".s.PGSQL.5432")); n > 107 {
		return nil, fmt.Errorf("PostgreSQL folder %s: its socket path would be %d bytes, over the limit of 107: use a shorter folder", abs, n)
	}
	var cred *syscall.Credential
	if os.Geteuid() == 0 {
		if cred, err = postgresUser(); err != nil {
			return nil, err
		}
	}
	for _, d := range []string{abs, sock} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			return nil, fmt.Errorf("create PostgreSQL folder: %w", err)
		}
		if cred != nil {
			if err := os.Chown(d, int(cred.Uid), int(cred.Gid)); err != nil {
				return nil, fmt.Errorf("give %s to the postgres user: %w", d, err)
			}
		}
	}
	if cred != nil {
		if err := traversable(filepath.Dir(abs)); err != nil {
			return nil, err
		}
	}
	data := filepath.Join(abs, "data")
	if _, err := os.Stat(filepath.Join(data, "PG_VERSION")); errors.Is(err, fs.ErrNotExist) {
		_ = os.RemoveAll(data) // an initdb interrupted earlier
		initdb := exec.CommandContext(ctx, filepath.Join(bin, "initdb"), "-D", data, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-locale", "--no-instructions")
		initdb.Dir = abs
		initdb.SysProcAttr = &syscall.SysProcAttr{Credential: cred}
		if out, err := initdb.CombinedOutput(); err != nil {
			return nil, fmt.Errorf("create the PostgreSQL cluster in %s: %w\n%s", data, err, out)
		}
	}
	logPath := filepath.Join(abs, "postgresql.log")
	logs, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return nil, fmt.Errorf("open the PostgreSQL log: %w", err)
	}
	defer func() { _ = logs.Close() }() // the server keeps its own copy
	c := &Cluster{dir: abs, done: make(chan struct{})}
	// Its own process group: a Ctrl-C in the terminal reaches the runner,
	// which stops the services first and the cluster last. Should the
	// runner die without stopping it, the kernel sends it the fast-shutdown
	// signal (the thread that starts it is locked so that the "parent"
	// whose death counts is not a runtime thread that might exit first).
	c.cmd = exec.Command(filepath.Join(bin, "postgres"), "-D", data, //nolint:noctx // the server outlives ctx; Stop ends it with the signal it chooses
		"-c", "listen_addresses=", "-c", "unix_socket_directories="+sock,
		// A crash may lose the last commits, never corrupt the data: fast
		// enough for local runs.
		"-c", "synchronous_commit=off")
	c.cmd.Dir = abs
	c.cmd.Stdout, c.cmd.Stderr = logs, logs
	c.cmd.SysProcAttr = &syscall.SysProcAttr{Credential: cred, Setpgid: true, Pdeathsig: syscall.SIGINT}
	if err := startLocked(c.cmd); err != nil {
		return nil, fmt.Errorf("start PostgreSQL: %w", err)
	}
	go func() {
		c.err = c.cmd.Wait()
		close(c.done)
	}()
	if err := c.waitReady(ctx, bin); err != nil {
		c.Stop()
		return nil, fmt.Errorf("%w (its log: %s)", err, logPath)
	}
	psql := exec.CommandContext(ctx, filepath.Join(bin, "psql"), "-X", "-q", "-v", "ON_ERROR_STOP=1",
		"-h", sock, "-U", "postgres", "-d", "postgres", "-c", idIndexes)
	psql.Dir = abs
	psql.SysProcAttr = &syscall.SysProcAttr{Credential: cred}
	if out, err := psql.CombinedOutput(); err != nil {
		c.Stop()
		return nil, fmt.Errorf("add the _id indexes to the PostgreSQL cluster: %w\n%s", err, out)
	}
	return c, nil
}

// idIndexes makes lookups by _id use an index. FerretDB's postgresql
// backend pushes an equality down as jsonb containment
// (_jsonb->'_id' @> '"x"'), which the btree index it creates on
// _jsonb->'_id' cannot answer: every lookup by _id would scan its whole
// table. A GIN index on the same expression answers containment; an event
// trigger gives one to every table FerretDB creates (a collection is a
// table with a _jsonb column), and the block adds it to tables created
// before. Only this private cluster is changed; an existing server given by
// URL is left as it is.
const idIndexes = `
CREATE OR REPLACE FUNCTION crm_id_index(tbl regclass) RETURNS void LANGUAGE plpgsql AS $f$
BEGIN
  IF EXISTS (SELECT 1 FROM pg_attribute WHERE attrelid = tbl AND attname = '_jsonb' AND NOT attisdropped)
     AND NOT EXISTS (SELECT 1 FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
                     WHERE i.indrelid = tbl AND c.relname LIKE '%crm_id_gin') THEN
    EXECUTE format('CREATE INDEX %I ON %s USING gin ((_jsonb->''_id'') jsonb_path_ops)',
                   left(replace(tbl::text, '.', '_'), 50) || '_crm_id_gin', tbl);
  END IF;
END $f$;
CREATE OR REPLACE FUNCTION crm_id_index_new() RETURNS event_trigger LANGUAGE plpgsql AS $f$
DECLARE r record;
BEGIN
  FOR r IN SELECT objid FROM pg_event_trigger_ddl_commands() WHERE command_tag = 'CREATE TABLE' AND object_type = 'table' LOOP
    PERFORM crm_id_index(r.objid::regclass);
  END LOOP;
END $f$;
DROP EVENT TRIGGER IF EXISTS crm_id_index_new;
CREATE EVENT TRIGGER crm_id_index_new ON ddl_command_end WHEN TAG IN ('CREATE TABLE') EXECUTE FUNCTION crm_id_index_new();
DO $d$
DECLARE r record;
BEGIN
  FOR r IN SELECT c.oid FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
           WHERE c.relkind = 'r' AND n.nspname NOT IN ('pg_catalog', 'information_schema') LOOP
    PERFORM crm_id_index(r.oid::regclass);
  END LOOP;
END $d$;
`

// startLocked starts cmd from a thread that never exits: the thread is
// locked and its goroutine never returns, so the child's parent-death
// signal fires only when the process dies.
func startLocked(cmd *exec.Cmd) error {
	errc := make(chan error)
	go func() {
		runtime.LockOSThread()
		errc <- cmd.Start()
		select {} // keep the thread (one per cluster started)
	}()
	return <-errc
}

func postgresUser() (*syscall.Credential, error) {
	u, err := user.Lookup("postgres")
	if err != nil {
		return nil, fmt.Errorf("PostgreSQL does not run as root and there is no postgres user to run it as (install the Debian package postgresql): %w", err)
	}
	uid, err := strconv.ParseUint(u.Uid, 10, 32)
	if err != nil {
		return nil, fmt.Errorf("postgres user id %q: %w", u.Uid, err)
	}
	gid, err := strconv.ParseUint(u.Gid, 10, 32)
	if err != nil {
		return nil, fmt.Errorf("postgres group id %q: %w", u.Gid, err)
	}
	return &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}, nil
}

// traversable lets other users pass through dir and the folders above it
// (search permission only: they cannot list or read them).
func traversable(dir string) error {
	for {
		st, err := os.Stat(dir)
		if err != nil {
			return fmt.Errorf("PostgreSQL folder: %w", err)
		}
		if st.Mode().Perm()&0o001 == 0 {
			if err := os.Chmod(dir, st.Mode().Perm()|0o001); err != nil {
				return fmt.Errorf("let the postgres user reach its folder through %s: %w", dir, err)
			}
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return nil
		}
		dir = parent
	}
}

func (c *Cluster) waitReady(ctx context.Context, bin string) error {
	ctx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	for {
		// pg_isready exits 0 once the server accepts connections.
		if exec.CommandContext(ctx, filepath.Join(bin, "pg_isready"), "-q", "-h", filepath.Join(c.dir, "run"), "-U", "postgres").Run() == nil {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("PostgreSQL did not accept connections: %w", ctx.Err())
		case <-c.done:
			return fmt.Errorf("PostgreSQL stopped (is another run using %s?): %w", c.dir, c.err)
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// URL returns the connection string of the cluster's postgres database,
// through its socket.
func (c *Cluster) URL() string {
	return "postgres://postgres@/postgres?host=" + url.QueryEscape(filepath.Join(c.dir, "run"))
}

// Stop shuts the cluster down (fast shutdown: open sessions are ended,
// the data is consistent on disk) and waits for it.
func (c *Cluster) Stop() {
	select {
	case <-c.done:
		return
	default:
	}
	_ = c.cmd.Process.Signal(syscall.SIGINT)
	select {
	case <-c.done:
	case <-time.After(60 * time.Second):
		_ = c.cmd.Process.Kill()
		<-c.done
	}
}
