// Command segmentation-bench measures segmentation and writes the figures
// to a results file. A benchmark, not a test:
//
//	go run ./services/segmentation/cmd/segmentation-bench -out services/segmentation/BENCHMARKS.md
//
// It measures three things: the scoring computation alone (both passes of
// a run: quantiles, every model, three rule segments) on generated
// metrics streamed without a database, for each size of -sizes, each in a
// process of its own so that its peak memory is its own; a whole
// recompute run on the embedded database for each size of -recompute,
// with the database's share; and the delay from a purchase logged in
// interaction-log to the customer's membership change on the
// segmentation feed, with -base customers in segmentation's database.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/opencrm/crm/pkg/benchrig"
)

func main() {
	out := flag.String("out", "services/segmentation/BENCHMARKS.md", "results file")
	sizes := flag.String("sizes", "100000,1000000,10000000", "customers for the scoring computation, comma-separated")
	recompute := flag.String("recompute", "1000,10000", "customers for whole recompute runs on the embedded database")
	base := flag.Int("base", 10000, "customers in segmentation's database for the purchase-to-membership delay")
	samples := flag.Int("samples", 100, "purchases timed for the purchase-to-membership delay")
	pg := flag.String("postgresql", "", "store the embedded database's data in this PostgreSQL database (FerretDB's postgresql backend) instead of SQLite")
	child := flag.Int("score-child", 0, "internal: score this many customers and print the figures")
	scale := flag.Bool("scale", false, "measure the feed consumer and the loaded purchase-to-membership delay at scale instead (see -backend)")
	var c benchrig.ScaleConfig
	c.Flags(flag.CommandLine, "segmentation-bench", "measured customers", "services/segmentation/BENCHMARKS.json")
	flag.Parse()
	ctx := context.Background()
	switch {
	case *scale:
		if err := c.Check(*out, *pg); err != nil {
			benchrig.Usagef("%v", err)
		}
		benchrig.Exit(runScale(ctx, c))
	case *child > 0:
		benchrig.Exit(scoreChild(*child))
	default:
		benchrig.Exit(run(ctx, *out, *sizes, *recompute, *base, *samples, *pg))
	}
}

func ints(list string) ([]int, error) {
	var out []int
	for f := range strings.SplitSeq(list, ",") {
		if f = strings.TrimSpace(f); f == "" {
			continue
		}
		n, err := strconv.Atoi(f)
		if err != nil || n <= 0 {
			return nil, fmt.Errorf("bad size %q", f)
		}
		out = append(out, n)
	}
	return out, nil
}

func run(ctx context.Context, out, sizeList, recomputeList string, base, samples int, pg string) error {
	sizes, err := ints(sizeList)
	if err != nil {
		return err
	}
	runs, err := ints(recomputeList)
	if err != nil {
		return err
	}
	res := &benchrig.Report{}
	res.Addf("## Scoring, recompute runs, purchase to membership one at a time")
	res.Addf("")
	backend, flags := "SQLite", ""
	if pg != "" {
		backend, flags = "PostgreSQL", " -postgresql URL"
	}
	res.Addf("Written by `go run ./services/segmentation/cmd/segmentation-bench -sizes %s -recompute %s -base %d -samples %d%s` on %s, %s/%s, %d CPUs, %s; the embedded database keeps its data in %s.",
		sizeList, recomputeList, base, samples, flags, time.Now().UTC().Format("2006-01-02"), runtime.GOOS, runtime.GOARCH, runtime.NumCPU(), runtime.Version(), backend)
	res.Addf("")
	if len(sizes) > 0 {
		if err := scoring(ctx, res, sizes); err != nil {
			return err
		}
	}
	if len(runs) > 0 {
		res.Addf("")
		res.Addf("## Whole recompute run on the embedded database (%s)", backend)
		res.Addf("")
		res.Addf("A run as StartRecompute starts it, over customers stored in segmentation's database (one rule segment): both passes, the scores written with insertMany, the pointer switched.")
		res.Addf("")
		res.Addf("| customers | run seconds | database seconds | database share | compute seconds |")
		res.Addf("| ---: | ---: | ---: | ---: | ---: |")
		for _, n := range runs {
			if err := recomputeRun(ctx, res, n, pg); err != nil {
				return err
			}
		}
	}
	if samples > 0 {
		res.Addf("")
		res.Addf("## Purchase to membership")
		res.Addf("")
		if err := purchaseToMembership(ctx, res, base, samples, pg); err != nil {
			return err
		}
	}
	// Its own section: the scale mode's sections share the file.
	return benchrig.PutSection(out, "main", strings.Join(res.Lines, "\n"))
}

// scoring measures the scoring computation alone, each size in a process
// of its own.
func scoring(ctx context.Context, res *benchrig.Report, sizes []int) error {
	res.Addf("## Scoring computation alone (no database)")
	res.Addf("")
	res.Addf("Both passes of a run over generated metrics streamed one customer at a time: quantiles, RFM, value matrix, pyramid, ABC/Pareto, lifecycle and churn, BG/NBD and Gamma-Gamma fits (a 50,000-customer sample) and lifetime values, and three CEL rule segments. Target: 1M customers in under 10 s with peak memory under 1 GiB.")
	res.Addf("")
	res.Addf("| customers | seconds | µs per customer | peak memory (MiB, process high-water mark) | fit |")
	res.Addf("| ---: | ---: | ---: | ---: | --- |")
	self, err := os.Executable()
	if err != nil {
		return err
	}
	for _, n := range sizes {
		cmd := exec.CommandContext(ctx, self, "-score-child", strconv.Itoa(n))
		cmd.Stderr = os.Stderr
		b, err := cmd.Output()
		if err != nil {
			return fmt.Errorf("scoring %d customers: %w", n, err)
		}
		var f childFigures
		if err := json.Unmarshal(b, &f); err != nil {
			return fmt.Errorf("scoring %d customers: %w", n, err)
		}
		res.Addf("| %d | %.2f | %.2f | %.0f | %s |", n, f.Seconds, f.Seconds*1e6/float64(n), f.PeakMiB, f.Fit)
	}
	return nil
}

// childFigures are what one scoring process reports.
type childFigures struct {
	Seconds float64 `json:"seconds"`
	PeakMiB float64 `json:"peak_mib"`
	Fit     string  `json:"fit"`
}

// peakMiB reads the process's resident memory high-water mark.
func peakMiB() (float64, error) {
	status, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0, err
	}
	for line := range strings.Lines(string(status)) {
		if rest, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, err := strconv.Atoi(strings.TrimSuffix(strings.TrimSpace(rest), " kB"))
			return float64(kb) / 1024, err
		}
	}
	return 0, errors.New("no VmHWM in /proc/self/status")
}
