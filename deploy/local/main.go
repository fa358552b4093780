// Command local runs the platform on one machine on the embedded default
// database, with its data kept in a folder between runs:
//
//	go run ./deploy/local            # data in .data/ (SQLite files)
//	go run ./deploy/local -postgresql   # data in a private PostgreSQL cluster in .data/pg
//	go run ./deploy/local -postgresql postgres://user@host/db   # in an existing server
//	go run ./deploy/local -data /tmp/crm -profile-addr 127.0.0.1:7001
//	go run ./deploy/local traces     # the latest traces the collector kept
//	go run ./deploy/local trace ID   # one trace's spans, in start order
//
// It starts a trace collector that every service exports to, prints each
// service's address, the collector's and a token to call them with, and
// stops everything cleanly on Ctrl-C.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"google.golang.org/grpc/metadata"

	"github.com/opencrm/crm/deploy/local/collector"
	"github.com/opencrm/crm/deploy/local/demo"
	"github.com/opencrm/crm/deploy/local/platform"
	customerv1 "github.com/opencrm/crm/gen/go/crm/customer/v1"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "local:", err)
		os.Exit(1)
	}
}

func run() error {
	dataDir := flag.String("data", ".data", "folder for the database, the local secrets and the traces")
	dbAddr := flag.String("db-addr", "127.0.0.1:27017", "loopback address of the embedded database")
	collectorAddr := flag.String("collector-addr", "127.0.0.1:4317", "address of the trace collector (OTLP/gRPC)")
	profileAddr := flag.String("profile-addr", "127.0.0.1:50051", "address of customer-profile")
	interactionAddr := flag.String("interaction-addr", "127.0.0.1:50052", "address of interaction-log")
	segmentationAddr := flag.String("segmentation-addr", "127.0.0.1:50053", "address of segmentation")
	loyaltyAddr := flag.String("loyalty-addr", "127.0.0.1:50054", "address of loyalty")
	consoleAddr := flag.String("console-addr", "127.0.0.1:8080", "address of the web console (empty: none)")
	currency := flag.String("currency", envOr("CRM_SEGMENTATION_CURRENCY", "EUR"), "the currency segmentation scores (ISO 4217)")
	logLevel := flag.String("log-level", "warn", "service log level: debug, info, warn, error")
	var pg pgFlag
	flag.Var(&pg, "postgresql", "keep the data in PostgreSQL (FerretDB's postgresql backend): alone, in a private cluster under DATA/pg\nstarted from the machine's binaries (Debian package postgresql); with a URL, in that server's database")
	withDemo := flag.Bool("demo", false, "load the demo data set (a few hundred customers, two years of history) into an empty database")
	flag.Parse()
	args := flag.Args()
	// "-postgresql URL": the flag takes an optional value, so the URL
	// arrives as the first argument.
	if pg.set && pg.url == "" && len(args) > 0 && isPostgreSQLURL(args[0]) {
		pg.url, args = args[0], args[1:]
	}
	traces := filepath.Join(*dataDir, "traces.jsonl")
	arg := func(i int) string {
		if i < len(args) {
			return args[i]
		}
		return ""
	}
	switch arg(0) {
	case "traces":
		return listTraces(os.Stdout, traces)
	case "trace":
		if len(args) != 2 {
			return errors.New("usage: local trace TRACE_ID")
		}
		return showTrace(os.Stdout, traces, arg(1))
	case "":
	default:
		return fmt.Errorf("unknown command %q (traces, trace ID, or none to run the platform)", arg(0))
	}
	var level slog.Level
	if err := level.UnmarshalText([]byte(*logLevel)); err != nil {
		return fmt.Errorf("-log-level: %w", err)
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	p, err := platform.Start(ctx, platform.Options{
		Data: *dataDir, DBAddr: *dbAddr, CollectorAddr: *collectorAddr,
		ProfileAddr: *profileAddr, InteractionAddr: *interactionAddr, SegmentationAddr: *segmentationAddr, LoyaltyAddr: *loyaltyAddr, ConsoleAddr: *consoleAddr,
		PostgreSQL: pg.set, PostgreSQLURL: pg.url,
		Currency: *currency, LogLevel: level,
	})
	if err != nil {
		return err
	}
	token, err := p.Token(7 * 24 * time.Hour)
	if err != nil {
		return err
	}
	if p.Console != "" {
		fmt.Printf("Web console: %s\n\n", p.SignInLink(token))
	}
	fmt.Printf(`The customer-management platform is running (data in %s).

  customer-profile   %s
  interaction-log    %s
  segmentation       %s
  loyalty            %s
  database           %s%s
  trace collector    %s (go run ./deploy/local traces)

Token (all scopes, valid 7 days; make more with
  go run ./pkg/cmd/crm-token -secret-file %s -all):

%s

Try:
  grpcurl -plaintext -H "authorization: Bearer $TOKEN" %s list

Ctrl-C stops everything.
`, *dataDir, p.Services[0].Addr, p.Services[1].Addr, p.Services[2].Addr, p.Services[3].Addr, p.DBURI, storage(*dataDir, pg), p.Collector,
		filepath.Join(*dataDir, "auth-secret"), token, p.Services[0].Addr)

	if *withDemo {
		if err := loadDemo(ctx, p, token); err != nil {
			fmt.Fprintln(os.Stderr, "demo data:", err)
		}
	}
	<-ctx.Done()
	fmt.Println("\nstopping...")
	return p.Stop()
}

// loadDemo loads the demo data set through the APIs unless the database
// already has customers.
func loadDemo(ctx context.Context, p *platform.Platform, token string) error {
	ctx = metadata.AppendToOutgoingContext(ctx, "authorization", "Bearer "+token)
	c, closeConns, err := demo.Dial(p)
	if err != nil {
		return err
	}
	defer closeConns()
	existing, err := c.Customers.ListCustomers(ctx, &customerv1.ListCustomersRequest{PageSize: 1})
	if err != nil {
		return err
	}
	if len(existing.GetCustomers()) > 0 {
		fmt.Println("demo data: the database already has customers; nothing loaded")
		return nil
	}
	fmt.Println("loading the demo data set...")
	counts, err := demo.Load(ctx, c, 300, time.Now(), func(s string) { fmt.Println("  " + s) })
	if err != nil {
		return err
	}
	fmt.Printf(`demo data loaded: %d customers, %d interactions. Loyalty and segmentation learn them from
the feeds in the next few minutes; then grade everyone with: crmctl segments recompute
`, counts.Customers, counts.Interactions)
	return nil
}

// pgFlag is -postgresql: a switch with an optional URL.
type pgFlag struct {
	set bool
	url string
}

func (f *pgFlag) String() string { return f.url }

func (f *pgFlag) Set(v string) error {
	f.set = true
	switch {
	case v == "true":
	case v == "false":
		f.set = false
	case isPostgreSQLURL(v):
		f.url = v
	default:
		return fmt.Errorf("want a postgres:// or postgresql:// URL, got %q", v)
	}
	return nil
}

// IsBoolFlag lets -postgresql stand alone.
func (f *pgFlag) IsBoolFlag() bool { return true }

func isPostgreSQLURL(s string) bool {
	return strings.HasPrefix(s, "postgres://") || strings.HasPrefix(s, "postgresql://")
}

// storage says where the database keeps its data.
func storage(dataDir string, pg pgFlag) string {
	switch {
	case pg.url != "":
		return " (data in PostgreSQL at " + redactURL(pg.url) + ")"
	case pg.set:
		return " (data in PostgreSQL, a private cluster in " + filepath.Join(dataDir, "pg") + ")"
	}
	return " (data in SQLite files in " + filepath.Join(dataDir, "db") + ")"
}

// redactURL hides a password in a connection string.
func redactURL(s string) string {
	u, err := url.Parse(s)
	if err != nil {
		return "the given URL"
	}
	return u.Redacted()
}

func envOr(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}

// listTraces prints the latest traces of calls to the services, newest
// first (background work, such as sweeps, is left out).
func listTraces(w io.Writer, path string) error {
	spans, err := collector.Read(path)
	if err != nil {
		return err
	}
	var ts []collector.Trace
	for _, t := range collector.Traces(spans) {
		if t.Served {
			ts = append(ts, t)
		}
	}
	if len(ts) == 0 {
		fmt.Fprintln(w, "no traces yet: run the platform and call it")
		return nil
	}
	fmt.Fprintf(w, "%-32s  %-20s  %9s  %5s  %s\n", "TRACE", "START", "DURATION", "SPANS", "ROOT / SERVICES")
	for _, t := range ts[:min(len(ts), 30)] {
		fmt.Fprintf(w, "%-32s  %-20s  %9s  %5d  %s [%s]\n", t.ID, t.Start.Local().Format("2006-01-02 15:04:05"),
			t.Duration.Round(time.Millisecond), t.Spans, t.Root, strings.Join(t.Services, ", "))
	}
	return nil
}

// showTrace prints one trace's spans as a tree, with the traces that
// follow from it through the feeds.
func showTrace(w io.Writer, path, id string) error {
	spans, err := collector.Read(path)
	if err != nil {
		return err
	}
	in := collector.InTrace(spans, id)
	if len(in) == 0 {
		return fmt.Errorf("no trace %s in %s", id, path)
	}
	children := map[string][]collector.Span{}
	ids := map[string]bool{}
	for _, s := range in {
		ids[s.SpanID] = true
	}
	var roots []collector.Span
	for _, s := range in {
		if s.ParentID != "" && ids[s.ParentID] {
			children[s.ParentID] = append(children[s.ParentID], s)
		} else {
			roots = append(roots, s)
		}
	}
	start := in[0].Start
	var printSpan func(s collector.Span, depth int)
	printSpan = func(s collector.Span, depth int) {
		fmt.Fprintf(w, "%8s %8s  %s%s: %s%s\n", s.Start.Sub(start).Round(time.Microsecond), s.End.Sub(s.Start).Round(time.Microsecond),
			strings.Repeat("  ", depth), s.Service, s.Name, status(s))
		for _, c := range children[s.SpanID] {
			printSpan(c, depth+1)
		}
	}
	for _, r := range roots {
		printSpan(r, 0)
	}
	return nil
}

func status(s collector.Span) string {
	if s.Status == "" {
		return ""
	}
	return "  (" + s.Status + ")"
}
