package benchrig

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"strings"
	"time"
)

// ScaleConfig is one run of a consumer's scale mode: a prepared folder
// (customers, an earlier history in interaction-log's feed, the consumer
// caught up with it), built once and copied for each run, then a backlog
// and a load measured on the copy.
type ScaleConfig struct {
	Backend          string // sqlite or postgresql
	PostgreSQLURL    string // an outside server, used once instead of a private cluster
	Dir              string // holds the prepared folder and the run's copy
	Customers        int
	History          int
	HistoryCustomers int
	Backlog          int
	Load             time.Duration
	Rate             int
	JSONPath, MDPath string
	CPUProfile       string
}

// Flags registers the scale mode's flags on fs: tool names the folder
// under the temporary directory, customers says what the -customers are,
// jsonPath is the figures file's default.
func (c *ScaleConfig) Flags(fs *flag.FlagSet, tool, customers, jsonPath string) {
	fs.StringVar(&c.Backend, "backend", "sqlite", "with -scale: sqlite, or postgresql (a private cluster in the prepared folder, or the server of -postgresql)")
	fs.StringVar(&c.Dir, "dir", filepath.Join(os.TempDir(), tool), "with -scale: where the prepared folder is kept (and reused by later runs with the same sizes) and copied for each run")
	fs.IntVar(&c.Customers, "customers", 10000, "with -scale: "+customers)
	fs.IntVar(&c.History, "history", 1000000, "with -scale: earlier events in interaction-log's feed")
	fs.IntVar(&c.HistoryCustomers, "history-customers", 1000, "with -scale: the other customers the earlier events are of")
	fs.IntVar(&c.Backlog, "backlog", 20000, "with -scale: purchases in the backlog")
	fs.DurationVar(&c.Load, "load", 5*time.Minute, "with -scale: how long purchases are logged at -rate")
	fs.IntVar(&c.Rate, "rate", 20, "with -scale: purchases logged per second under load")
	fs.StringVar(&c.JSONPath, "json", jsonPath, "with -scale: the JSON figures file (merged into)")
	fs.StringVar(&c.CPUProfile, "cpuprofile", "", "with -scale: write a CPU profile of the backlog's consumption here")
}

// Check completes the config with the Markdown file and the -postgresql
// URL (which implies the postgresql backend) and checks the backend.
func (c *ScaleConfig) Check(mdPath, pgURL string) error {
	c.MDPath, c.PostgreSQLURL = mdPath, pgURL
	if c.PostgreSQLURL != "" {
		c.Backend = "postgresql"
	}
	if c.Backend != "sqlite" && c.Backend != "postgresql" {
		return errors.New("-backend is sqlite or postgresql")
	}
	return nil
}

// Options are a rig's options for folder dir of this config: the
// services give one another 30 s per call instead of their default
// (preparing on a busy machine, where a check of 500 items' customers can
// take longer than the default 2 s), and log beside the folder.
func (c *ScaleConfig) Options(dir string, env map[string]string) Options {
	e := map[string]string{"CRM_PROFILE_TIMEOUT": "30s", "CRM_INTERACTION_TIMEOUT": "30s"}
	maps.Copy(e, env)
	return Options{Dir: dir, PostgreSQLURL: c.PostgreSQLURL, PrivatePostgreSQL: c.Backend == "postgresql", LogFiles: true, Env: e}
}

// Prepared is what a prepared folder holds beside its database: the
// parameters it was built with and the measured customers' names.
type Prepared struct {
	Backend          string    `json:"backend"`
	Customers        int       `json:"customers"`
	History          int       `json:"history"`
	HistoryCustomers int       `json:"history_customers"`
	Built            time.Time `json:"built"`
	BuildSeconds     float64   `json:"build_seconds"`
	Retries          int64     `json:"retries"`
	Names            []string  `json:"names"`
}

// Prepare returns the prepared folder of c's sizes, built earlier or now
// by build, which fills the folder it is given and returns the measured
// customers' names. An outside server's data cannot be copied: it is
// built each time and used once.
func Prepare(ctx context.Context, c ScaleConfig, build func(ctx context.Context, dir string) ([]string, error)) (string, *Prepared, error) {
	dir := filepath.Join(c.Dir, fmt.Sprintf("prepared-%s-%d-%d-%d", c.Backend, c.Customers, c.History, c.HistoryCustomers))
	marker := filepath.Join(dir, "prepared.json")
	if b, err := os.ReadFile(marker); err == nil && c.PostgreSQLURL == "" {
		var p Prepared
		if err := json.Unmarshal(b, &p); err != nil {
			return "", nil, fmt.Errorf("read %s: %w", marker, err)
		}
		fmt.Fprintf(os.Stderr, "reusing %s (built %s)\n", dir, p.Built.Format(time.RFC3339))
		return dir, &p, nil
	}
	if err := os.RemoveAll(dir); err != nil {
		return "", nil, fmt.Errorf("clear %s: %w", dir, err)
	}
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return "", nil, fmt.Errorf("create %s: %w", dir, err)
	}
	began := time.Now()
	names, err := build(ctx, dir)
	if err != nil {
		return "", nil, err
	}
	p := &Prepared{Backend: c.Backend, Customers: c.Customers, History: c.History, HistoryCustomers: c.HistoryCustomers,
		Built: time.Now().UTC(), BuildSeconds: time.Since(began).Seconds(), Retries: Retries.Load(), Names: names}
	fmt.Fprintf(os.Stderr, "prepared in %s\n", time.Since(began).Round(time.Second))
	if c.PostgreSQLURL != "" {
		return dir, p, nil
	}
	b, err := json.Marshal(p)
	if err != nil {
		return "", nil, fmt.Errorf("prepared: %w", err)
	}
	if err := os.WriteFile(marker, b, 0o600); err != nil {
		return "", nil, fmt.Errorf("write %s: %w", marker, err)
	}
	return dir, p, nil
}

// RunFolder copies the prepared folder to the run's folder and returns
// it, with a release that removes it; with an outside server the run
// works on the prepared folder itself.
func RunFolder(ctx context.Context, c ScaleConfig, prepared string) (string, func() error, error) {
	if c.PostgreSQLURL != "" {
		return prepared, func() error { return nil }, nil
	}
	run := filepath.Join(c.Dir, "run-"+c.Backend)
	if err := CopyTree(ctx, prepared, run); err != nil {
		return "", nil, err
	}
	return run, func() error { return os.RemoveAll(run) }, nil
}

// CopyTree copies a folder, keeping owners and modes (a private
// cluster's files belong to the postgres user), replacing to.
func CopyTree(ctx context.Context, from, to string) error {
	if err := os.RemoveAll(to); err != nil {
		return fmt.Errorf("clear %s: %w", to, err)
	}
	out, err := exec.CommandContext(ctx, "cp", "-a", from, to).CombinedOutput()
	if err != nil {
		return fmt.Errorf("copy %s to %s: %w: %s", from, to, err, strings.TrimSpace(string(out)))
	}
	return nil
}

// TimeBacklog logs a backlog of c.Backlog purchases of customers while
// the consumer is stopped, then starts it (with start) and times it until
// it has applied the whole feed; it returns the seconds that took. With
// c.CPUProfile it profiles that time.
func (r *Rig) TimeBacklog(ctx context.Context, c ScaleConfig, customers []string, consumer, consumerDB string, start func(context.Context) error) (seconds float64, err error) {
	fmt.Fprintf(os.Stderr, "logging a backlog of %d purchases...\n", c.Backlog)
	if err := r.Ingest(ctx, BacklogItems(customers, c.Backlog, time.Now())); err != nil {
		return 0, err
	}
	if c.CPUProfile != "" {
		pf, err := os.Create(c.CPUProfile)
		if err != nil {
			return 0, fmt.Errorf("cpu profile: %w", err)
		}
		defer func() { err = errors.Join(err, pf.Close()) }()
		if err := pprof.StartCPUProfile(pf); err != nil {
			return 0, fmt.Errorf("cpu profile: %w", err)
		}
		defer pprof.StopCPUProfile()
	}
	began := time.Now()
	if err := start(ctx); err != nil {
		return 0, err
	}
	done, err := r.CaughtUp(ctx, consumer, consumerDB, "backlog")
	if err != nil {
		return 0, err
	}
	return done.Sub(began).Seconds(), nil
}

// Run describes a run in a results section: when it started, the
// command, Go and the machine, and the load averages at start and end.
type Run struct {
	Started            time.Time
	LoadStart, LoadEnd string
}

// StartRun notes a run's start.
func StartRun() Run { return Run{Started: time.Now().UTC(), LoadStart: LoadAvg()} }

// Line is the run's sentence; command is the `go run` package path.
func (r Run) Line(command string) string {
	return fmt.Sprintf("Run on %s UTC with `go run %s%s` (%s, %d CPUs); load average at start %s, at end %s.\n\n",
		r.Started.Format("2006-01-02 15:04"), command, Args(), runtime.Version(), runtime.NumCPU(), r.LoadStart, r.LoadEnd)
}

// Population creates c.Customers measured customers and the
// c.HistoryCustomers others the history is of, printing progress from
// began.
func (r *Rig) Population(ctx context.Context, c *ScaleConfig, began time.Time) (measured, others []string, err error) {
	fmt.Fprintf(os.Stderr, "creating %d customers and %d others...\n", c.Customers, c.HistoryCustomers)
	if measured, err = r.CreateCustomers(ctx, c.Customers, 8, "Member"); err != nil {
		return nil, nil, err
	}
	if others, err = r.CreateCustomers(ctx, c.HistoryCustomers, 8, "Other"); err != nil {
		return nil, nil, err
	}
	fmt.Fprintf(os.Stderr, "customers ready after %s; ingesting %d earlier events...\n", time.Since(began).Round(time.Second), c.History)
	return measured, others, nil
}

// Consumed is the rate at which a consumer applied a backlog of c.Backlog
// in seconds, printed.
func (c *ScaleConfig) Consumed(seconds float64) float64 {
	rate := float64(c.Backlog) / seconds
	fmt.Fprintf(os.Stderr, "backlog applied in %.1f s: %.0f purchases/s\n", seconds, rate)
	return rate
}
