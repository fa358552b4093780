// Command demobench measures how long the demo takes to become consistent:
// from the start of `local -demo` on a fresh folder until every consumer has
// applied every event, on each backend, and writes the figures to
// deploy/local/BENCHMARKS.md and BENCHMARKS.json. It is a benchmark, not a
// test:
//
//	go run ./deploy/local/demobench
//	go run ./deploy/local/demobench -backends sqlite -label after
//
// It builds the runner first, so compilation is not counted, then starts it
// on free ports and polls the databases once a second: the demo is
// consistent when the runner has loaded it and, for every feed, the cursor
// each consumer stores in its database (feed_cursors) has reached the
// producer's head, the number of the last event in the producer's feed, read
// from the producer's database as the services read it.
package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/opencrm/crm/pkg/benchrig"
	"github.com/opencrm/crm/pkg/feed"
)

// Producers' databases by the name their consumers give the feed, and the
// consumers' databases.
var (
	producers = map[string]string{"customer-profile": "crm_profile", "interaction-log": "crm_interaction"}
	consumers = []string{"crm_interaction", "crm_segmentation", "crm_loyalty"}
	// wantCursors is how many (consumer, feed) pairs the platform has:
	// interaction-log follows customer-profile; segmentation and loyalty
	// follow both.
	wantCursors = 5
)

func main() {
	out := flag.String("out", "deploy/local/BENCHMARKS.md", "results file (Markdown); the JSON figures go beside it")
	backends := flag.String("backends", "sqlite,postgresql", "backends to measure: sqlite, postgresql")
	label := flag.String("label", "before", "the row label: before or after (a re-run after changes to the consumers)")
	timeout := flag.Duration("timeout", 40*time.Minute, "give up on a backend after this long")
	attempts := flag.Int("attempts", 3, "runs per backend before giving up when the demo fails to load (a loaded machine can time its calls out)")
	flag.Parse()
	// Interrupted, it stops the runner it started before leaving.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, *out, strings.Split(*backends, ","), *label, *timeout, *attempts)
	stop()
	benchrig.Exit(err)
}

type result struct {
	Backend    string
	Label      string
	Loaded     time.Duration // the runner printed that the demo is loaded
	Consistent time.Duration // every cursor at its head
	Events     map[string]int64
	TimedOut   bool
	When       time.Time
	// Failures counts earlier attempts whose demo did not load.
	Failures int
}

// loadFailed is a run whose runner reported that the demo did not load.
type loadFailed string

func (e loadFailed) Error() string { return "the demo did not load: " + string(e) }

func run(ctx context.Context, out string, backends []string, label string, timeout time.Duration, attempts int) error {
	tmp, err := os.MkdirTemp("", "demobench-")
	if err != nil {
		return err
	}
	defer benchrig.Cleanup("remove "+tmp, func() error { return os.RemoveAll(tmp) })
	bin := filepath.Join(tmp, "local")
	build := exec.CommandContext(ctx, "go", "build", "-o", bin, "./deploy/local")
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		return fmt.Errorf("build the runner: %w", err)
	}
	for _, b := range backends {
		if b != "sqlite" && b != "postgresql" {
			return fmt.Errorf("-backends: %q is neither sqlite nor postgresql", b)
		}
		var r result
		failures := 0
		for i := range attempts {
			r, err = measure(ctx, bin, filepath.Join(tmp, fmt.Sprintf("%s-%d", b, i)), b, timeout)
			if _, ok := errors.AsType[loadFailed](err); !ok {
				break
			}
			fmt.Fprintf(os.Stderr, "%s: attempt %d: %v\n", b, i+1, err)
			failures++
		}
		r.Failures = failures
		if err != nil {
			return fmt.Errorf("%s: %w", b, err)
		}
		r.Label = label
		// Written after each backend: a later, slower one may be stopped.
		if err := write(out, r); err != nil {
			return err
		}
	}
	return nil
}

var dbLine = regexp.MustCompile(`^\s*database\s+(mongodb://\S+)`)

func measure(ctx context.Context, bin, dir, backend string, timeout time.Duration) (result, error) {
	r := result{Backend: backend, When: time.Now().UTC()}
	args := []string{"-demo", "-data", filepath.Join(dir, "data"), "-db-addr", "127.0.0.1:0", "-collector-addr", "127.0.0.1:0",
		"-profile-addr", "127.0.0.1:0", "-interaction-addr", "127.0.0.1:0", "-segmentation-addr", "127.0.0.1:0", "-loyalty-addr", "127.0.0.1:0"}
	if backend == "postgresql" {
		args = append(args, "-postgresql")
	}
	cmd := exec.CommandContext(ctx, bin, args...)
	// Interrupted, the runner stops its services as on Ctrl-C.
	cmd.Cancel = func() error { return cmd.Process.Signal(syscall.SIGINT) }
	cmd.WaitDelay = time.Minute
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return r, err
	}
	stderr, err := cmd.StderrPipe()
	if err != nil {
		return r, err
	}
	start := time.Now()
	if err := cmd.Start(); err != nil {
		return r, err
	}
	stopped := false
	stop := func() error {
		if stopped {
			return nil
		}
		stopped = true
		_ = cmd.Process.Signal(syscall.SIGINT)
		return cmd.Wait()
	}
	defer func() { _ = stop() }()

	var mu sync.Mutex
	var uri, failed string
	var loaded time.Duration
	// The runner prints its addresses and the demo's progress on standard
	// output, a failed load (and the services' logs) on standard error.
	scan := func(out io.Reader) {
		sc := bufio.NewScanner(out)
		sc.Buffer(make([]byte, 64*1024), 1024*1024)
		for sc.Scan() {
			line := sc.Text()
			mu.Lock()
			if m := dbLine.FindStringSubmatch(line); m != nil {
				uri = m[1]
			}
			switch {
			case strings.HasPrefix(line, "demo data loaded"):
				loaded = time.Since(start)
			case strings.HasPrefix(line, "demo data: ") && !strings.Contains(line, "nothing loaded"):
				failed = strings.TrimPrefix(line, "demo data: ")
			}
			mu.Unlock()
		}
		_, _ = io.Copy(io.Discard, out)
	}
	go scan(stdout)
	go scan(stderr)

	deadline := time.After(timeout)
	var client *mongo.Client
	defer func() {
		if client != nil {
			// Its own deadline: ctx may have ended.
			dctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
			benchrig.Cleanup("disconnect", func() error { return client.Disconnect(dctx) })
			cancel()
		}
	}()
	for {
		select {
		case <-ctx.Done():
			return r, errors.Join(ctx.Err(), stop())
		case <-deadline:
			r.TimedOut = true
			r.Consistent = time.Since(start)
			return r, stop()
		case <-time.After(time.Second):
		}
		mu.Lock()
		u, l, f := uri, loaded, failed
		mu.Unlock()
		if f != "" {
			return r, errors.Join(loadFailed(f), stop())
		}
		if u == "" || l == 0 {
			continue
		}
		r.Loaded = l
		if client == nil {
			if client, err = mongo.Connect(options.Client().ApplyURI(u).SetMaxPoolSize(1)); err != nil {
				return r, err
			}
		}
		done, heads, err := consistent(ctx, client)
		if err != nil {
			if ctx.Err() != nil {
				continue
			}
			return r, errors.Join(err, stop())
		}
		if done {
			r.Consistent = time.Since(start)
			r.Events = heads
			fmt.Fprintf(os.Stderr, "%s: loaded after %s, consistent after %s (heads %v)\n", backend, r.Loaded.Round(time.Second), r.Consistent.Round(time.Second), heads)
			return r, stop()
		}
	}
}

// consistent reports whether every consumer's cursor has reached its
// producer's head, and the heads.
func consistent(ctx context.Context, c *mongo.Client) (bool, map[string]int64, error) {
	heads := map[string]int64{}
	for feed, db := range producers {
		h, err := head(ctx, c.Database(db))
		if err != nil {
			return false, nil, err
		}
		heads[feed] = h
	}
	n := 0
	ok := true
	for _, db := range consumers {
		cur, err := c.Database(db).Collection("feed_cursors").Find(ctx, bson.D{})
		if err != nil {
			return false, nil, err
		}
		var cs []struct {
			Name string `bson:"_id"`
			Seq  int64  `bson:"seq"`
		}
		if err := cur.All(ctx, &cs); err != nil {
			return false, nil, err
		}
		for _, cursor := range cs {
			h, known := heads[cursor.Name]
			if !known {
				continue
			}
			n++
			if cursor.Seq < h {
				ok = false
			}
		}
	}
	return ok && n == wantCursors, heads, nil
}

// head returns the number of the last event in a producer's feed (every
// number up to it is a committed event).
func head(ctx context.Context, db *mongo.Database) (int64, error) {
	return feed.NewProducer(db).LastSequence(ctx)
}

// figures is the JSON beside the Markdown: the latest figure per key.
func write(mdPath string, r result) error {
	jsonPath := strings.TrimSuffix(mdPath, filepath.Ext(mdPath)) + ".json"
	figures := map[string]float64{}
	if err := benchrig.ReadJSON(jsonPath, figures); err != nil {
		return err
	}
	if !r.TimedOut {
		figures["demo_consistent_s_"+r.Backend] = float64(int64(r.Consistent.Seconds()*10+0.5)) / 10
	}
	if err := benchrig.WriteJSON(jsonPath, figures); err != nil {
		return err
	}

	old, err := os.ReadFile(mdPath)
	if err != nil && !os.IsNotExist(err) {
		return err
	}
	md := string(old)
	if md == "" {
		md = header()
	}
	consistent := fmt.Sprintf("%.0f s", r.Consistent.Seconds())
	if r.TimedOut {
		consistent = fmt.Sprintf("not within %.0f s", r.Consistent.Seconds())
	}
	label := r.Label
	if r.Failures > 0 {
		label += fmt.Sprintf(" (after %d runs whose demo load failed)", r.Failures)
	}
	md = strings.TrimRight(md, "\n") + "\n" + fmt.Sprintf("| %s | %s | %s | %.0f s | %s | %d | %d |\n",
		r.When.Format("2006-01-02 15:04"), label, r.Backend, r.Loaded.Seconds(), consistent, r.Events["customer-profile"], r.Events["interaction-log"])
	if err := benchrig.WriteFile(mdPath, md); err != nil {
		return err
	}
	fmt.Fprintln(os.Stderr, "wrote", jsonPath)
	return nil
}

func header() string {
	return fmt.Sprintf(`# Local runner: time until the demo is consistent

Written by `+"`go run ./deploy/local/demobench`"+` (%s, %d CPUs, %s/%s). Each row starts the runner
(built first, so compilation is not counted) with `+"`-demo`"+` on a fresh folder, on free ports, and polls the
databases once a second until every consumer (interaction-log, segmentation and loyalty) has applied every
event of the feeds it follows: each cursor in the consumer's `+"`feed_cursors`"+` has reached its producer's
head, the highest sequence number of a published event. *loaded* is when the runner printed that the demo
was loaded through the APIs; *consistent* is the figure `+"`BENCHMARKS.json`"+` holds
(`+"`demo_consistent_s_sqlite`, `demo_consistent_s_postgresql`"+`; targets 120 s and 60 s). The heads are the
number of events the feeds carried. A run whose demo fails to load (the loader gives up when a call times out,
which happens on a loaded machine) is started again on a fresh folder.

| when (UTC) | label | backend | loaded | consistent | customer-profile head | interaction-log head |
|---|---|---|---|---|---|---|
`, runtime.Version(), runtime.NumCPU(), runtime.GOOS, runtime.GOARCH)
}
