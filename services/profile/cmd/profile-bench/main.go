// Command profile-bench measures customer-profile's Create and Get through
// gRPC with 1, 8 and 32 concurrent callers, next to the same operations run
// in-process (the use case without gRPC) and through the raw driver
// (InsertOne/FindOne) against the same embedded database in the same run,
// and writes the figures to a results file. With -scale N it also loads N
// customers on each backend and measures search and create among them,
// writing that section of the results file and the JSON figures beside it.
// It is a benchmark, not a test:
//
//	go run ./services/profile/cmd/profile-bench -out services/profile/BENCHMARKS.md
//	go run ./services/profile/cmd/profile-bench -tables=false -scale 100000
package main

import (
	"context"
	"crypto/rand"
	"flag"
	"fmt"
	"os"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"google.golang.org/grpc"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"

	customerv1 "github.com/opencrm/crm/gen/go/crm/customer/v1"
	"github.com/opencrm/crm/pkg/benchrig"
	"github.com/opencrm/crm/pkg/feed"
	"github.com/opencrm/crm/pkg/idempotency"
	"github.com/opencrm/crm/pkg/mongox"
	"github.com/opencrm/crm/services/profile/internal/archive"
	"github.com/opencrm/crm/services/profile/internal/customer"
	"github.com/opencrm/crm/services/profile/internal/store"
	"github.com/opencrm/crm/services/profile/service"
)

func main() {
	out := flag.String("out", "services/profile/BENCHMARKS.md", "results file")
	ops := flag.Int("ops", 200, "operations per measurement")
	callersFlag := flag.String("callers", "1,8,32", "comma-separated numbers of concurrent callers")
	tables := flag.Bool("tables", true, "measure Create and Get by callers (the first part of the results file)")
	scale := flag.Int("scale", 0, "also measure search and create among this many customers (0: not)")
	backends := flag.String("backends", "postgresql,sqlite", "backends of the scale runs: postgresql, sqlite")
	scaleOps := flag.Int("scale-ops", 200, "calls per figure of the scale runs")
	beforeOps := flag.Int("before-ops", 20, "calls of the previous search's query per scale run (each reads the whole table)")
	jsonOut := flag.String("json", "services/profile/BENCHMARKS.json", "JSON figures of the scale runs")
	flag.Parse()
	var callers []int
	for f := range strings.SplitSeq(*callersFlag, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n < 1 {
			fmt.Fprintf(os.Stderr, "profile-bench: -callers: %q is not a positive number\n", f)
			os.Exit(2)
		}
		callers = append(callers, n)
	}
	if *tables {
		if err := run(context.Background(), *out, *ops, callers); err != nil {
			fmt.Fprintln(os.Stderr, "profile-bench:", err)
			os.Exit(1)
		}
	}
	if *scale > 0 {
		var rs []scaleResult
		for b := range strings.SplitSeq(*backends, ",") {
			if b != "postgresql" && b != "sqlite" {
				fmt.Fprintf(os.Stderr, "profile-bench: -backends: %q is neither postgresql nor sqlite\n", b)
				os.Exit(2)
			}
			r, err := runScale(context.Background(), b, *scale, *scaleOps, *beforeOps)
			if err != nil {
				fmt.Fprintf(os.Stderr, "profile-bench: %s: %v\n", b, err)
				os.Exit(1)
			}
			rs = append(rs, r)
			// Written after each backend: a later, slower one may be stopped.
			if err := writeScale(*out, *jsonOut, rs); err != nil {
				fmt.Fprintln(os.Stderr, "profile-bench:", err)
				os.Exit(1)
			}
		}
	}
}

type result struct {
	op, path   string
	callers, n int
	elapsed    time.Duration
	p50, p99   time.Duration
	// pairedDiff is, on a paired path, the median over calls of this
	// path's latency minus its pair's on the same operation.
	pairedDiff time.Duration
}

func (r result) throughput() float64 { return float64(r.n) / r.elapsed.Seconds() }

// measure runs n calls of fn spread over callers goroutines.
func measure(op, path string, callers, n int, fn func(i int) error) (result, error) {
	lat := make([]time.Duration, n)
	var wg sync.WaitGroup
	var mu sync.Mutex
	var firstErr error
	next := make(chan int, n)
	for i := range n {
		next <- i
	}
	close(next)
	start := time.Now()
	for range callers {
		wg.Go(func() {
			for i := range next {
				t := time.Now()
				err := fn(i)
				lat[i] = time.Since(t)
				if err != nil {
					mu.Lock()
					if firstErr == nil {
						firstErr = fmt.Errorf("%s %s: %w", op, path, err)
					}
					mu.Unlock()
				}
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	slices.Sort(lat)
	return result{op: op, path: path, callers: callers, n: n, elapsed: elapsed, p50: benchrig.Quantile(lat, 50), p99: benchrig.Quantile(lat, 99)}, firstErr
}

// measurePair runs n calls of a and of b, interleaved (a then b for even i,
// b then a for odd i), so both see the same database state.
func measurePair(op, pathA, pathB string, callers, n int, a, b func(i int) error) (result, result, error) {
	latA, latB := make([]time.Duration, n), make([]time.Duration, n)
	call := func(fn func(int) error, i int, lat []time.Duration) error {
		t := time.Now()
		err := fn(i)
		lat[i] = time.Since(t)
		return err
	}
	var busyA, busyB time.Duration
	var mu sync.Mutex
	r, err := measure(op, "pair", callers, n, func(i int) error {
		first, second := a, b
		l1, l2 := latA, latB
		if i%2 == 1 {
			first, second, l1, l2 = b, a, latB, latA
		}
		if err := call(first, i, l1); err != nil {
			return err
		}
		err := call(second, i, l2)
		mu.Lock()
		busyA += latA[i]
		busyB += latB[i]
		mu.Unlock()
		return err
	})
	share := func(busy time.Duration) time.Duration {
		if busyA+busyB == 0 {
			return r.elapsed
		}
		return time.Duration(float64(r.elapsed) * float64(busy) / float64(busyA+busyB))
	}
	diffs := make([]time.Duration, n)
	for i := range n {
		diffs[i] = latA[i] - latB[i]
	}
	slices.Sort(diffs)
	mk := func(path string, lat []time.Duration, busy time.Duration) result {
		slices.Sort(lat)
		return result{op: op, path: path, callers: callers, n: n, elapsed: share(busy), p50: benchrig.Quantile(lat, 50), p99: benchrig.Quantile(lat, 99)}
	}
	ra := mk(pathA, latA, busyA)
	ra.pairedDiff = diffs[n/2]
	return ra, mk(pathB, latB, busyB), err
}

// startService runs customer-profile on the rig, on a free port, with a
// one-connection pool (so that every path compares at the same
// concurrency), and returns its database settings and a connection to it.
func startService(ctx context.Context, r *benchrig.Rig) (mongox.Config, *grpc.ClientConn, error) {
	const database = "bench"
	svc, err := r.Start(ctx, service.Name, database, service.SetupWith(service.Options{Retention: time.Hour, PurgeEvery: time.Hour}))
	if err != nil {
		return mongox.Config{}, nil, err
	}
	conn, err := r.Dial(svc.Addr())
	if err != nil {
		return mongox.Config{}, nil, err
	}
	return r.Mongo(database), conn, nil
}

// benchScopes are the scopes of the bench's calls.
var benchScopes = []string{"customers.read", "customers.write"}

func run(ctx context.Context, out string, ops int, callerCounts []int) error {
	rig, release, err := benchrig.OpenTemp(ctx, "profile-bench-", benchrig.Options{})
	if err != nil {
		return err
	}
	defer release()
	mcfg, conn, err := startService(ctx, rig)
	if err != nil {
		return err
	}
	cctx, err := rig.Authorize(ctx, "bench", benchScopes)
	if err != nil {
		return err
	}
	client := customerv1.NewCustomerServiceClient(conn)

	// The in-process path and the raw driver use clients of their own with
	// the same one-connection pool, on the same database server.
	inproc, err := mongox.Connect(ctx, mcfg, nil)
	if err != nil {
		return fmt.Errorf("connect: %w", err)
	}
	defer benchrig.Cleanup("disconnect", func() error { return inproc.Disconnect(ctx) })
	idb := inproc.Database(mcfg.Database)
	arc := archive.New(store.New(idb, feed.NewProducer(idb), mcfg.Mode), idempotency.New(idb), archive.Options{Retention: time.Hour})
	raw := inproc.Database(mcfg.Database).Collection("raw_customers")

	// The floor: a gRPC round trip on the same connection with no auth and
	// no store (the health check).
	hc := healthpb.NewHealthClient(conn)
	baseline, err := measure("Health", "gRPC", 1, 2000, func(int) error {
		_, err := hc.Check(ctx, &healthpb.HealthCheckRequest{})
		return err
	})
	if err != nil {
		return err
	}

	var results []result
	add := func(r result, err error) error {
		results = append(results, r)
		fmt.Fprintf(os.Stderr, "%-6s %-10s callers=%-2d %8.0f ops/s p50=%-10s p99=%s\n", r.op, r.path, r.callers, r.throughput(), r.p50, r.p99)
		return err
	}
	for _, callers := range callerCounts {
		run := rand.Text()[:8]
		email := func(path string, i int) string { return fmt.Sprintf("%s-%s-%d@bench.example", path, run, i) }
		grpcIDs, inIDs, rawIDs := make([]string, ops), make([]string, ops), make([]string, ops)
		g, in, err := measurePair("Create", "gRPC", "in-process", callers, ops, func(i int) error {
			resp, err := client.CreateCustomer(cctx, &customerv1.CreateCustomerRequest{Customer: &customerv1.Customer{
				Kind: customerv1.CustomerKind_CUSTOMER_KIND_PERSON, DisplayName: fmt.Sprintf("Bench %d", i),
				Emails: []*customerv1.EmailAddress{{Address: email("grpc", i)}}}})
			if err == nil {
				grpcIDs[i] = resp.GetCustomer().GetName()
			}
			return err
		}, func(i int) error {
			c, err := arc.Create(ctx, benchCustomer(email("inproc", i), i), "")
			if err == nil {
				inIDs[i] = c.ID
			}
			return err
		})
		_ = add(g, nil)
		if err := add(in, err); err != nil {
			return err
		}
		if err := add(measure("Create", "raw driver", callers, ops, func(i int) error {
			// The same document the service stores, in one InsertOne.
			c := benchCustomer(email("raw", i), i)
			if err := customer.Normalize(&c, "customer", time.Now()); err != nil {
				return err
			}
			c.ID, c.State, c.CreateTime, c.UpdateTime, c.Version = strings.ToLower(rand.Text()[:20]), customer.StateActive, time.Now(), time.Now(), 1
			rawIDs[i] = c.ID
			_, err := raw.InsertOne(ctx, c)
			return err
		})); err != nil {
			return err
		}
		g, in, err = measurePair("Get", "gRPC", "in-process", callers, ops, func(i int) error {
			_, err := client.GetCustomer(cctx, &customerv1.GetCustomerRequest{Name: grpcIDs[(i*7)%ops]})
			return err
		}, func(i int) error {
			_, err := arc.Get(ctx, inIDs[(i*7)%ops])
			return err
		})
		_ = add(g, nil)
		if err := add(in, err); err != nil {
			return err
		}
		if err := add(measure("Get", "raw driver", callers, ops, func(i int) error {
			return raw.FindOne(ctx, bson.D{{Key: "_id", Value: rawIDs[(i*7)%ops]}}).Err()
		})); err != nil {
			return err
		}
	}
	return write(out, ops, callerCounts, baseline, results)
}

func benchCustomer(email string, i int) customer.Customer {
	return customer.Customer{Kind: customer.KindPerson, DisplayName: fmt.Sprintf("Bench %d", i), Emails: []customer.Email{{Address: email}}}
}

func find(rs []result, op, path string, callers int) result {
	for _, r := range rs {
		if r.op == op && r.path == path && r.callers == callers {
			return r
		}
	}
	return result{}
}

func us(d time.Duration) string { return fmt.Sprintf("%.0f µs", float64(d.Microseconds())) }

func write(path string, ops int, callerCounts []int, baseline result, rs []result) error {
	var b strings.Builder
	fmt.Fprintf(&b, "# customer-profile benchmark\n\n")
	fmt.Fprintf(&b, "Written by `go run ./services/profile/cmd/profile-bench` on %s (%s, %d CPUs, %s/%s), %d operations per row, ",
		time.Now().UTC().Format("2006-01-02 15:04 MST"), runtime.Version(), runtime.NumCPU(), runtime.GOOS, runtime.GOARCH, ops)
	fmt.Fprintf(&b, "embedded database (FerretDB, SQLite) with a one-connection pool for every path; tracing off.\n\n")
	fmt.Fprintf(&b, "- gRPC: through the service over loopback (auth, validation, interceptors, error mapping).\n")
	fmt.Fprintf(&b, "- in-process: the same use case called directly (domain rules and every store call, no gRPC), interleaved call by call with the gRPC path on the same database so both see the same data; their ops/s share the pair's wall time by busy time.\n")
	fmt.Fprintf(&b, "- raw driver: one InsertOne of the same stored document / one FindOne by _id, in the same database.\n\n")
	fmt.Fprintf(&b, "Loopback floor (health check, no auth, no store, 1 caller): p50 %s, p99 %s.\n\n", us(baseline.p50), us(baseline.p99))
	fmt.Fprintf(&b, "| op | callers | path | ops/s | p50 | p99 |\n|---|---|---|---|---|---|\n")
	for _, r := range rs {
		fmt.Fprintf(&b, "| %s | %d | %s | %.0f | %s | %s |\n", r.op, r.callers, r.path, r.throughput(), us(r.p50), us(r.p99))
	}
	fmt.Fprintf(&b, "\n## What the service adds\n\n")
	fmt.Fprintf(&b, "`vs raw` is gRPC p50 minus raw driver p50 (everything the service does beyond one driver call, store work included: ")
	fmt.Fprintf(&b, "Create also claims the contact, and publishes its event). `gRPC layer` is gRPC p50 minus in-process p50: ")
	fmt.Fprintf(&b, "the loopback round trip, auth, validation and mapping; `paired` is the median over calls of gRPC minus in-process latency ")
	fmt.Fprintf(&b, "for the same operation on the same data, the steadier estimate. Target: at most 150 µs at p50. ")
	fmt.Fprintf(&b, "The embedded database runs in the benchmark's process and shares its 2 cores with the service.\n\n")
	fmt.Fprintf(&b, "| op | callers | gRPC/raw throughput | vs raw (p50) | gRPC layer (p50) | gRPC layer (paired) |\n|---|---|---|---|---|---|\n")
	for _, op := range []string{"Create", "Get"} {
		for _, c := range callerCounts {
			g, in, raw := find(rs, op, "gRPC", c), find(rs, op, "in-process", c), find(rs, op, "raw driver", c)
			fmt.Fprintf(&b, "| %s | %d | %.2f | %s | %s | %s |\n", op, c, g.throughput()/raw.throughput(), us(g.p50-raw.p50), us(g.p50-in.p50), us(g.pairedDiff))
		}
	}
	return benchrig.WriteFile(path, b.String())
}
