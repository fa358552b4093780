package main

import (
	"context"
	"crypto/rand"
	"fmt"
	mrand "math/rand/v2"
	"os"
	"regexp"
	"strings"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	customerv1 "github.com/opencrm/crm/gen/go/crm/customer/v1"
	"github.com/opencrm/crm/pkg/benchrig"
	"github.com/opencrm/crm/pkg/feed"
	"github.com/opencrm/crm/pkg/mongox"
	"github.com/opencrm/crm/services/profile/internal/customer"
	"github.com/opencrm/crm/services/profile/internal/store"
)

// scaleSection starts the part of the results file the scale runs write.
const scaleSection = "## Search and create among many customers"

// Names of the generated customers: 100 first names and 250 last names,
// some with accents, so a last name is shared by about 400 customers of
// 100,000 and a first name by about 1,000.
var (
	firstNames = strings.Fields(`Ada Adam Agnes Alan Alba Alice Amir Ana Anna Anne Ben Bruno Carla Carlos Chen Chloé Clara Dara
		David Diego Dora Elena Elif Emil Emma Eva Farid Fatima Felix Frida Grace Hana Hugo Ida Igor Ines Ivan Jana Jonas Jorge
		José Julia Karin Kenji Lara Lea Leo Lina Luca Lucía Maja Marc María Marta Mateo Mia Mika Nadia Nils Noah Nora Olga Omar
		Oskar Paula Pedro Petra Priya Rafael Rosa Rui Sami Sara Selin Simon Sofía Sven Tariq Teresa Theo Tomás Una Vera Viktor
		Wei Yara Yusuf Zoë Zofia Åsa Ødd Émile Jürgen Ines Björn Aiko Kofi Lars`)
	lastNames = lastNameList()
)

func lastNameList() []string {
	stems := strings.Fields(`Abbott Almeida Bauer Berg Blanco Böhm Brandt Costa Dahl Díaz Eriksen Fischer Fonseca García
		Grün Haas Hopper Ibáñez Jansen Jensen Kaya Keller König Kowalski Lang Larsen Lovelace Lund Martín Meyer Molina Müller
		Nagy Navarro Novak Olsen Ortiz Peña Pereira Quist Reyes Roth Santos Schmidt Silva Søndergaard Strand Suárez Weber Zhou`)
	suffixes := []string{"", "son", "berg", "mann", "ström"}
	out := make([]string, 0, len(stems)*len(suffixes))
	for _, s := range suffixes {
		for _, st := range stems {
			out = append(out, st+s)
		}
	}
	return out
}

type scaleResult struct {
	backend                         string
	customers                       int
	seed                            time.Duration
	before, searchLast, searchFirst result
	create                          result
	// load is the machine's load average when the run ended: the
	// benchmark shares 2 cores with whatever else runs.
	load string
}

// runScale loads n customers into a fresh database on backend and
// measures SearchCustomers and CreateCustomer through gRPC among them,
// next to the query search ran before the index (a prefix regular
// expression over the whole table) through the raw driver.
func runScale(ctx context.Context, backend string, n, ops, beforeOps int) (scaleResult, error) {
	r := scaleResult{backend: backend, customers: n}
	rig, release, err := benchrig.OpenTemp(ctx, "profile-bench-scale-", benchrig.Options{PrivatePostgreSQL: backend == "postgresql"})
	if err != nil {
		return r, err
	}
	defer release()
	mcfg, conn, err := startService(ctx, rig)
	if err != nil {
		return r, err
	}
	bdb := rig.Database(mcfg.Database)

	rng := mathrand(1)
	now := time.Now().UTC().Truncate(time.Millisecond)
	cs := make([]*customer.Customer, n)
	for i := range cs {
		c := &customer.Customer{Kind: customer.KindPerson, DisplayName: firstNames[rng.IntN(len(firstNames))] + " " + lastNames[rng.IntN(len(lastNames))],
			Emails: []customer.Email{{Address: fmt.Sprintf("seed-%d@bench.example", i)}}}
		if err := customer.Normalize(c, "customer", now); err != nil {
			return r, err
		}
		c.ID, c.State, c.CreateTime, c.UpdateTime = fmt.Sprintf("seed%016d", i), customer.StateActive, now, now
		cs[i] = c
	}
	start := time.Now()
	if err := store.New(bdb, feed.NewProducer(bdb), mongox.ModeEmbedded).Seed(ctx, cs); err != nil {
		return r, err
	}
	r.seed = time.Since(start)
	fmt.Fprintf(os.Stderr, "%s: seeded %d customers in %s\n", backend, n, r.seed.Round(time.Millisecond))

	cctx, err := rig.Authorize(ctx, "bench", benchScopes)
	if err != nil {
		return r, err
	}
	client := customerv1.NewCustomerServiceClient(conn)
	report := func(res result, err error) (result, error) {
		fmt.Fprintf(os.Stderr, "%s: %-28s p50=%-12s p99=%s\n", backend, res.op+" "+res.path, res.p50, res.p99)
		return res, err
	}

	// Before: the previous search's query, a prefix regular expression on
	// the folded names, first page sorted by name.
	if r.before, err = report(measure("Search first name", "before (regex, raw driver)", 1, beforeOps, func(i int) error {
		re := "^" + regexp.QuoteMeta(strings.ToLower(firstNames[i%len(firstNames)]))
		cur, err := bdb.Collection(store.Customers).Find(ctx, bson.D{{Key: "state", Value: customer.StateActive},
			{Key: "$or", Value: bson.A{bson.D{{Key: "name_key", Value: bson.D{{Key: "$regex", Value: re}}}}, bson.D{{Key: "legal_name_key", Value: bson.D{{Key: "$regex", Value: re}}}}}}},
			options.Find().SetSort(bson.D{{Key: "name_key", Value: 1}, {Key: "_id", Value: 1}}).SetLimit(21))
		if err != nil {
			return err
		}
		var page []customer.Customer
		return cur.All(ctx, &page)
	})); err != nil {
		return r, err
	}
	search := func(op string, names []string) (result, error) {
		return report(measure(op, "gRPC", 1, ops, func(i int) error {
			resp, err := client.SearchCustomers(cctx, &customerv1.SearchCustomersRequest{Query: names[(i*7)%len(names)]})
			if err == nil && len(resp.GetCustomers()) == 0 {
				err = fmt.Errorf("search %q found nobody", names[(i*7)%len(names)])
			}
			return err
		}))
	}
	if r.searchLast, err = search("Search last name", lastNames); err != nil {
		return r, err
	}
	if r.searchFirst, err = search("Search first name", firstNames); err != nil {
		return r, err
	}
	run := rand.Text()[:8]
	if r.create, err = report(measure("Create", "gRPC", 1, ops, func(i int) error {
		_, err := client.CreateCustomer(cctx, &customerv1.CreateCustomerRequest{Customer: &customerv1.Customer{
			Kind: customerv1.CustomerKind_CUSTOMER_KIND_PERSON, DisplayName: firstNames[(i*3)%len(firstNames)] + " " + lastNames[(i*11)%len(lastNames)],
			Emails: []*customerv1.EmailAddress{{Address: fmt.Sprintf("new-%s-%d@bench.example", run, i)}}}})
		return err
	})); err != nil {
		return r, err
	}
	if l := benchrig.LoadAvg(); l != "unknown" {
		r.load = l
	}
	return r, nil
}

// mathrand is a seeded generator: every run draws the same names.
func mathrand(seed uint64) *mrand.Rand { return mrand.New(mrand.NewPCG(seed, seed)) } //nolint:gosec // G404: reproducible test data, nothing secret

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// writeScale replaces the scale section of the results file (keeping what
// precedes it, and the rows and figures of backends not measured this time)
// and writes the JSON figures beside it.
func writeScale(mdPath, jsonPath string, rs []scaleResult) error {
	old, err := os.ReadFile(mdPath)
	if err != nil && !os.IsNotExist(err) {
		return err
	}
	head, oldSection, _ := strings.Cut(string(old), scaleSection)
	measured := map[string]bool{}
	for _, r := range rs {
		measured[r.backend] = true
	}
	var keptRows []string
	for line := range strings.SplitSeq(oldSection, "\n") {
		for _, b := range []string{"postgresql", "sqlite"} {
			if strings.HasPrefix(line, "| "+b+" |") && !measured[b] {
				if strings.Count(line, "|") == 8 { // written before the load column
					line += " not recorded |"
				}
				keptRows = append(keptRows, line)
			}
		}
	}
	figures := map[string]float64{}
	if err := benchrig.ReadJSON(jsonPath, figures); err != nil {
		return err
	}
	for k := range figures {
		for b := range measured {
			if strings.HasSuffix(k, "_"+b) {
				delete(figures, k)
			}
		}
	}
	var b strings.Builder
	b.WriteString(strings.TrimRight(head, "\n") + "\n\n" + scaleSection + "\n\n")
	fmt.Fprintf(&b, "Written by `go run ./services/profile/cmd/profile-bench -scale N` on %s: the customers are written straight into a fresh database (with their search entries, `store.Seed`), then every figure is measured through gRPC with one caller, on the embedded database with each backend (PostgreSQL: a private cluster of Debian's PostgreSQL 15, as `go run ./deploy/local -postgresql` runs it). Names are drawn from 100 first and 250 last names (a last name is shared by about 0.4%% of the customers, a first name by about 1%%); a search returns its first page of 20.\n\n", time.Now().UTC().Format("2006-01-02 15:04 MST"))
	fmt.Fprintf(&b, "- before: the query search ran before the word index, a prefix regular expression on the folded names with the first page sorted by name, run through the raw driver (the service added its own work on top), by a first name (it could not find a last name).\n")
	fmt.Fprintf(&b, "- search: SearchCustomers by one word, a last name or a first name, through the word index (one document per query word, read by _id, then one read per customer on the page).\n")
	fmt.Fprintf(&b, "- create: CreateCustomer with a new e-mail and a name from the same lists (claim, insert, search entries, event).\n\n")
	fmt.Fprintf(&b, "| backend | customers | seed | before: search first name p50 / p99 | search last name p50 / p99 | search first name p50 / p99 | create p50 / p99 | load average |\n|---|---|---|---|---|---|---|---|\n")
	for _, row := range keptRows {
		b.WriteString(row + "\n")
	}
	for _, r := range rs {
		pp := func(x result) string { return fmt.Sprintf("%.1f / %.1f ms (%d)", ms(x.p50), ms(x.p99), x.n) }
		fmt.Fprintf(&b, "| %s | %d | %.1f s | %s | %s | %s | %s | %s |\n", r.backend, r.customers, r.seed.Seconds(), pp(r.before), pp(r.searchLast), pp(r.searchFirst), pp(r.create), r.load)
		size := fmt.Sprintf("%dk", r.customers/1000)
		figures["search_p50_ms_"+size+"_"+r.backend] = round1(ms(r.searchLast.p50))
		figures["create_p50_ms_"+size+"_"+r.backend] = round1(ms(r.create.p50))
	}
	b.WriteString("\nIn parentheses: the number of calls measured. Targets on PostgreSQL among 100,000 customers: search and create at most 50 ms at p50.\n")
	if err := benchrig.WriteFile(mdPath, b.String()); err != nil {
		return err
	}
	if err := benchrig.WriteJSON(jsonPath, figures); err != nil {
		return err
	}
	fmt.Fprintln(os.Stderr, "wrote", jsonPath)
	return nil
}

func round1(f float64) float64 { return float64(int64(f*10+0.5)) / 10 }
