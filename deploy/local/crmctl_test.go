package main_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/metadata"

	"github.com/opencrm/crm/deploy/local/demo"
	"github.com/opencrm/crm/deploy/local/platform"
	loyaltyv1 "github.com/opencrm/crm/gen/go/crm/loyalty/v1"
	segmentationv1 "github.com/opencrm/crm/gen/go/crm/segmentation/v1"
	"github.com/opencrm/crm/pkg/crmctl"
)

// crmctl drives the platform as a person would: readable tables, JSON on
// request, one-line errors with a non-zero exit.
func TestCrmctl(t *testing.T) {
	ctx := context.Background()
	p, err := platform.Start(ctx, testOptions(t))
	if err != nil {
		t.Fatal(err)
	}
	defer p.Stop()
	token, err := p.Token(time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"CRM_TOKEN": token, "CRM_PROFILE_ADDR": p.Addr("customer-profile"), "CRM_INTERACTION_ADDR": p.Addr("interaction-log"),
		"CRM_SEGMENTATION_ADDR": p.Addr("segmentation"), "CRM_LOYALTY_ADDR": p.Addr("loyalty")}
	lookup := func(k string) (string, bool) { v, ok := env[k]; return v, ok }
	run := func(args ...string) (string, string, int) {
		var out, errs bytes.Buffer
		code := crmctl.Run(ctx, args, lookup, &out, &errs)
		return out.String(), errs.String(), code
	}
	must := func(args ...string) string {
		t.Helper()
		out, errs, code := run(args...)
		if code != 0 {
			t.Fatalf("crmctl %s: exit %d: %s", strings.Join(args, " "), code, errs)
		}
		return out
	}
	// A program to earn in, made through the API (crmctl covers what a
	// person does day to day, not program design).
	conn, err := grpc.NewClient(p.Addr("loyalty"), grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := loyaltyv1.NewLoyaltyServiceClient(conn).CreateProgram(metadata.AppendToOutgoingContext(ctx, "authorization", "Bearer "+token),
		&loyaltyv1.CreateProgramRequest{Program: &loyaltyv1.Program{Id: "club", DisplayName: "Club", CurrencyCode: "EUR", PointsPerUnit: 1, AutoEnrol: true}}); err != nil {
		t.Fatal(err)
	}

	out := must("customers", "create", "-name", "Ada Lovelace", "-email", "ada@example.com", "-country", "GB")
	ada := regexp.MustCompile(`customers/[a-z0-9]+`).FindString(out)
	if ada == "" || !strings.Contains(out, "Ada Lovelace") || !strings.Contains(out, "GB") {
		t.Fatalf("create printed %q", out)
	}
	if out := must("customers", "search", "ada"); !strings.Contains(out, ada) {
		t.Errorf("search: %q", out)
	}
	_, errs, code := run("customers", "create", "-name", "Ada again", "-email", "ADA@example.com")
	if code == 0 || strings.Count(strings.TrimSpace(errs), "\n") != 0 || !strings.Contains(errs, "AlreadyExists") || !strings.Contains(errs, "customer.emails[0].address") {
		t.Errorf("duplicate: exit %d, %q", code, errs)
	}
	must("interactions", "log", ada, "-kind", "purchase", "-amount", "49.90", "-currency", "EUR", "-order", "A-1")
	must("interactions", "log", ada, "-kind", "complaint", "-channel", "phone", "-subject", "late", "-priority", "high")
	if out := must("interactions", "timeline", ada); !strings.Contains(out, "49.90 EUR") || !strings.Contains(out, "complaint") {
		t.Errorf("timeline: %q", out)
	}
	caseName := regexp.MustCompile(`cases/[a-z0-9]+`).FindString(must("cases", "list", "-status", "open"))
	if out := must("cases", "move", caseName, "-to", "in_progress", "-note", "called back"); !strings.Contains(out, "in_progress") {
		t.Errorf("case move: %q", out)
	}
	_, errs, code = run("interactions", "log", ada, "-kind", "purchse")
	if code == 0 || !strings.Contains(errs, "-kind") || !strings.Contains(errs, "purchase") {
		t.Errorf("bad kind: exit %d, %q", code, errs)
	}
	// Points arrive through the feed.
	deadline := time.Now().Add(30 * time.Second)
	for !strings.Contains(must("loyalty", "account", "club", ada), " 49 ") {
		if time.Now().After(deadline) {
			t.Fatalf("points never arrived: %s", must("loyalty", "account", "club", ada))
		}
		time.Sleep(100 * time.Millisecond)
	}
	if out := must("loyalty", "redeem", "club", ada, "9"); !strings.Contains(out, " 40 ") {
		t.Errorf("redeem: %q", out)
	}
	if out := must("loyalty", "statement", "club", ada); !strings.Contains(out, "earn") || !strings.Contains(out, "redeem") {
		t.Errorf("statement: %q", out)
	}
	_, errs, code = run("loyalty", "redeem", "club", ada, "1000")
	if code == 0 || !strings.Contains(errs, "INSUFFICIENT_POINTS") {
		t.Errorf("overdraw: exit %d, %q", code, errs)
	}
	// Segments: recompute with progress, the customer's grades and why.
	must("segments", "create", "buyers", "metrics.purchases >= 1", "-name", "Buyers")
	deadline = time.Now().Add(30 * time.Second)
	for {
		out, errs, code := run("segments", "recompute")
		if code == 0 {
			if !strings.Contains(out, "1/1") || !strings.Contains(out, "customers graded") {
				t.Errorf("recompute: %q", out)
			}
			break
		}
		if !strings.Contains(errs, "RUN_IN_PROGRESS") || time.Now().After(deadline) {
			t.Fatalf("recompute: %q", errs)
		}
		time.Sleep(200 * time.Millisecond)
	}
	if out := must("segments", "customer", ada); !strings.Contains(out, "segments/buyers") || !strings.Contains(out, "metrics.purchases=1") {
		t.Errorf("customer grades: %q", out)
	}
	svg, page := filepath.Join(t.TempDir(), "report.svg"), filepath.Join(t.TempDir(), "report.html")
	out = must("segments", "report", "-svg", svg, "-html", page)
	for _, want := range []string{"RFM grid", "Customer value matrix", "Customer pyramid", "Pareto curve", "platinum"} {
		if !strings.Contains(out, want) {
			t.Errorf("report lacks %q:\n%s", want, out)
		}
	}
	for _, f := range []string{svg, page} {
		b, err := os.ReadFile(f)
		if err != nil || !bytes.Contains(b, []byte("<svg")) || !bytes.Contains(b, []byte("polyline")) {
			t.Errorf("%s: %v", f, err)
		}
	}
	if out := must("-json", "customers", "show", ada); !strings.Contains(out, `"displayName": "Ada Lovelace"`) {
		t.Errorf("JSON: %q", out)
	}
	_, errs, code = run("customers", "show", "customers/nobody")
	if code == 0 || !strings.Contains(errs, "NotFound") {
		t.Errorf("missing customer: exit %d, %q", code, errs)
	}
	delete(env, "CRM_TOKEN")
	if _, errs, code := run("customers", "list"); code == 0 || !strings.Contains(errs, "CRM_TOKEN") {
		t.Errorf("no token: exit %d, %q", code, errs)
	}
}

// The demo data set loads through the APIs and reaches every service.
func TestDemoData(t *testing.T) {
	ctx := context.Background()
	p, err := platform.Start(ctx, testOptions(t))
	if err != nil {
		t.Fatal(err)
	}
	defer p.Stop()
	token, err := p.Token(time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	cctx := metadata.AppendToOutgoingContext(ctx, "authorization", "Bearer "+token)
	clients, closeConns, err := demo.Dial(p)
	if err != nil {
		t.Fatal(err)
	}
	defer closeConns()
	counts, err := demo.Load(cctx, clients, 40, time.Now(), func(string) {})
	if err != nil {
		t.Fatal(err)
	}
	if counts.Customers != 40 || counts.Purchases < 20 || counts.Refunds == 0 || counts.Complaints == 0 || counts.Interactions <= counts.Purchases {
		t.Fatalf("demo counts: %+v", counts)
	}
	// Loyalty and segmentation learn it all from the feeds.
	deadline := time.Now().Add(2 * time.Minute)
	for {
		prev, err := clients.Segments.PreviewSegment(cctx, &segmentationv1.PreviewSegmentRequest{Rule: "metrics.purchases >= 1", SampleSize: 1})
		if err == nil && len(prev.GetSample()) == 1 {
			acct, err := clients.Loyalty.GetAccount(cctx, &loyaltyv1.GetAccountRequest{Program: "programs/club", Customer: prev.GetSample()[0]})
			if err == nil && acct.GetAccount().GetBalance() > 0 {
				break
			}
		}
		if time.Now().After(deadline) {
			t.Fatal("no buyer earned points from the demo data")
		}
		time.Sleep(500 * time.Millisecond)
	}
	for {
		run, err := clients.Segments.StartRecompute(cctx, &segmentationv1.StartRecomputeRequest{})
		if err == nil {
			stream, err := clients.Segments.WatchRun(cctx, &segmentationv1.WatchRunRequest{Name: run.GetRun().GetName()})
			if err != nil {
				t.Fatal(err)
			}
			for {
				if _, err := stream.Recv(); err != nil {
					break
				}
			}
			rep, err := clients.Segments.GetReport(cctx, &segmentationv1.GetReportRequest{})
			if err == nil && rep.GetReport().GetCustomers() == 40 && rep.GetReport().GetChurnWarnings()+rep.GetReport().GetRfmSegments()["champions"] > 0 &&
				rep.GetReport().GetCustomerEquity().GetUnits() > 0 {
				return
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("segmentation never graded the demo base: %v", err)
		}
		time.Sleep(time.Second)
	}
}
