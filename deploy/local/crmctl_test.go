package main_test

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/metadata"
	"google.golang.org/protobuf/encoding/protojson"

	"github.com/opencrm/crm/deploy/local/demo"
	"github.com/opencrm/crm/deploy/local/platform"
	customerv1 "github.com/opencrm/crm/gen/go/crm/customer/v1"
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
		code := crmctl.Run(ctx, args, lookup, crmctl.Stdio{In: strings.NewReader(""), Out: &out, Err: &errs})
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

	out := must("customers", "create", "--name", "Ada Lovelace", "--email", "ada@example.com", "--country", "GB")
	ada := regexp.MustCompile(`customers/[a-z0-9]+`).FindString(out)
	if ada == "" || !strings.Contains(out, "Ada Lovelace") || !strings.Contains(out, "GB") {
		t.Fatalf("create printed %q", out)
	}
	if out := must("customers", "search", "ada"); !strings.Contains(out, ada) {
		t.Errorf("search: %q", out)
	}
	_, errs, code := run("customers", "create", "--name", "Ada again", "--email", "ADA@example.com")
	if code == 0 || strings.Count(strings.TrimSpace(errs), "\n") != 0 || !strings.Contains(errs, "AlreadyExists") || !strings.Contains(errs, "customer.emails[0].address") {
		t.Errorf("duplicate: exit %d, %q", code, errs)
	}
	must("interactions", "log", ada, "--kind", "purchase", "--channel", "web", "--amount", "49.90", "--currency", "EUR", "--order", "A-1")
	must("interactions", "log", ada, "--kind", "complaint", "--channel", "phone", "--subject", "late", "--priority", "high")
	// Currency and channel are never guessed.
	if _, errs, code := run("interactions", "log", ada, "--kind", "purchase", "--channel", "web", "--amount", "5"); code == 0 || !strings.Contains(errs, "--currency") {
		t.Errorf("purchase without a currency: exit %d, %q", code, errs)
	}
	if _, errs, code := run("interactions", "log", ada, "--kind", "inquiry"); code == 0 || !strings.Contains(errs, "give --channel") {
		t.Errorf("interaction without a channel: exit %d, %q", code, errs)
	}
	if out := must("interactions", "timeline", ada); !strings.Contains(out, "49.90 EUR") || !strings.Contains(out, "complaint") {
		t.Errorf("timeline: %q", out)
	}
	cases := must("cases", "list", "--status", "open")
	caseName := regexp.MustCompile(`cases/[a-z0-9]+`).FindString(cases)
	if !strings.Contains(cases, "Ada Lovelace") || !strings.Contains(cases, "ada@example.com") {
		t.Errorf("cases list shows no customer's name and e-mail: %q", cases)
	}
	if out := must("cases", "move", caseName, "--to", "in_progress", "--note", "called back"); !strings.Contains(out, "in_progress") {
		t.Errorf("case move: %q", out)
	}
	if out := must("cases", "update", caseName, "--assignee", "bob", "--priority", "urgent", "--note", "ann is away"); !strings.Contains(out, `"bob"`) || !strings.Contains(out, "urgent") {
		t.Errorf("case update: %q", out)
	}
	if out := must("interactions", "satisfaction", "--by", "assignee", "--from", "2000-01-01", "--to", "2100-01-01"); !strings.Contains(out, "total") {
		t.Errorf("satisfaction: %q", out)
	}
	_, errs, code = run("interactions", "log", ada, "--kind", "purchse", "--channel", "web")
	if code == 0 || !strings.Contains(errs, "--kind") || !strings.Contains(errs, "purchase") {
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
	// The platform at a glance: each service with its feeds; loyalty, the
	// only replica, holds its feeds and has applied the purchase.
	status := must("status")
	for _, want := range []string{"customer-profile", "interaction-log", "segmentation", "loyalty", "produces", "consumes"} {
		if !strings.Contains(status, want) {
			t.Errorf("status lacks %q:\n%s", want, status)
		}
	}
	if !regexp.MustCompile(`(?m)^loyalty\s+\S+\s+interaction-log\s+consumes\s+[1-9]`).MatchString(status) {
		t.Errorf("status shows no position of loyalty on interaction-log's feed:\n%s", status)
	}
	var all []map[string]any
	if err := json.Unmarshal([]byte(must("status", "-o", "json")), &all); err != nil || len(all) != 4 {
		t.Errorf("status -o json: %d services, %v", len(all), err)
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
	// A shop checks a reward code and marks it used, once.
	if _, err := loyaltyv1.NewLoyaltyServiceClient(conn).CreateReward(metadata.AppendToOutgoingContext(ctx, "authorization", "Bearer "+token),
		&loyaltyv1.CreateRewardRequest{Program: "programs/club", Reward: &loyaltyv1.Reward{Id: "mug", DisplayName: "Mug", PointsPrice: 10, Active: true}}); err != nil {
		t.Fatal(err)
	}
	rewardCode := regexp.MustCompile(`[A-Z2-7]{5}-[A-Z2-7]{5}-[A-Z2-7]{5}`).FindString(must("loyalty", "redeem-reward", "club", ada, "mug"))
	if out := must("loyalty", "redemptions", "check", strings.ToLower(rewardCode)); !strings.Contains(out, "issued") || !strings.Contains(out, "Ada Lovelace") {
		t.Errorf("check %s: %q", rewardCode, out)
	}
	if out := must("loyalty", "redemptions", "use", rewardCode); !strings.Contains(out, "used") || !strings.Contains(out, "programs/club/rewards/mug") {
		t.Errorf("use %s: %q", rewardCode, out)
	}
	if _, errs, code := run("loyalty", "redemptions", "use", rewardCode); code == 0 || !strings.Contains(errs, "REDEMPTION_USED") {
		t.Errorf("second use: exit %d, %q", code, errs)
	}
	if _, errs, code := run("loyalty", "redemptions", "check", "nonsense"); code == 0 || !strings.Contains(errs, "code") {
		t.Errorf("check of a malformed code: exit %d, %q", code, errs)
	}
	// Segments: recompute with progress, the customer's grades and why.
	must("segments", "create", "buyers", "metrics.purchases >= 1", "--name", "Buyers")
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
	out = must("segments", "report", "--svg", svg, "--html", page)
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
	if out := must("-o", "json", "customers", "show", ada); !strings.Contains(out, `"displayName": "Ada Lovelace"`) {
		t.Errorf("JSON: %q", out)
	}
	if out := must("customers", "list", "-o", "csv"); !strings.HasPrefix(out, "name,display name,email,") || !strings.Contains(out, ada+",Ada Lovelace,ada@example.com,GB") {
		t.Errorf("CSV: %q", out)
	}
	_, errs, code = run("customers", "show", "customers/nobody")
	if code == 0 || !strings.Contains(errs, "NotFound") || !strings.Contains(errs, "crmctl customers search") {
		t.Errorf("missing customer: exit %d, %q", code, errs)
	}
	// A malformed name gets advice, not the pattern it failed.
	_, errs, code = run("customers", "show", "customers/no:such")
	if code == 0 || strings.Contains(errs, "regex") || !strings.Contains(errs, "a customer name looks like customers/ID; use crmctl customers search") {
		t.Errorf("malformed name: exit %d, %q", code, errs)
	}

	// Paging: a page that is not the last says how to go on; --all goes on.
	bea := regexp.MustCompile(`customers/[a-z0-9]+`).FindString(must("customers", "create", "--name", "Bea Lovelace", "--phone", "+44 20 7946 0958"))
	out, errs, code = run("customers", "list", "-n", "1")
	if code != 0 || !strings.Contains(out, "Ada Lovelace") || strings.Contains(out, "Bea") || !strings.Contains(errs, "--page-token") {
		t.Fatalf("first page: exit %d, %q, %q", code, out, errs)
	}
	next := regexp.MustCompile(`--page-token (\S+)`).FindStringSubmatch(errs)[1]
	if out := must("customers", "list", "-n", "1", "--page-token", next); !strings.Contains(out, "Bea Lovelace") || strings.Contains(out, "Ada") {
		t.Errorf("second page: %q", out)
	}
	out, errs, _ = run("customers", "list", "-n", "1", "--all")
	if !strings.Contains(out, "Ada Lovelace") || !strings.Contains(out, "Bea Lovelace") || errs != "" {
		t.Errorf("--all: %q, %q", out, errs)
	}

	// Merge and erase ask first; without a terminal they refuse unless --yes.
	_, errs, code = run("customers", "merge", ada, bea)
	if code == 0 || !strings.Contains(errs, "--yes") {
		t.Errorf("merge without --yes: exit %d, %q", code, errs)
	}
	if out := must("customers", "show", bea); !strings.Contains(out, "active") {
		t.Errorf("merge went ahead unconfirmed: %q", out)
	}
	var out2, errs2 bytes.Buffer
	if code := crmctl.Run(ctx, []string{"customers", "merge", ada, bea}, lookup, crmctl.Stdio{In: strings.NewReader("no\n"), Out: &out2, Err: &errs2, Interactive: true}); code == 0 ||
		!strings.Contains(errs2.String(), "Bea Lovelace") || !strings.Contains(errs2.String(), "not confirmed") {
		t.Errorf("merge answered no: exit %d, %q", code, errs2.String())
	}
	out2.Reset()
	errs2.Reset()
	if code := crmctl.Run(ctx, []string{"customers", "merge", ada, bea}, lookup, crmctl.Stdio{In: strings.NewReader("yes\n"), Out: &out2, Err: &errs2, Interactive: true}); code != 0 {
		t.Fatalf("merge answered yes: exit %d, %q", code, errs2.String())
	}
	out = must("customers", "show", bea)
	for _, want := range []string{"merged", "merged into", ada} {
		if !strings.Contains(out, want) {
			t.Errorf("show of the merged customer lacks %q:\n%s", want, out)
		}
	}
	must("customers", "update", ada, "--owner", "bob")
	out = must("customers", "show", ada)
	for _, want := range []string{"owner", "bob", "+442079460958", "ada@example.com", "active"} {
		if !strings.Contains(out, want) {
			t.Errorf("show lacks %q:\n%s", want, out)
		}
	}

	// An erasure prints its receipt; every service's confirmation arrives
	// on the feeds and the receipt shows it, with what each removed.
	out = must("customers", "create", "--name", "Cy Forgotten", "--email", "cy@example.com")
	cy := regexp.MustCompile(`customers/[a-z0-9]+`).FindString(out)
	out = must("customers", "erase", cy, "--reason", "asked to be forgotten", "--yes")
	receipt := regexp.MustCompile(`erasures/[A-Za-z0-9_-]+`).FindString(out)
	if receipt == "" || !strings.Contains(out, cy) {
		t.Fatalf("erase printed %q", out)
	}
	confirmBy := time.Now().Add(2 * time.Minute)
	for {
		var got customerv1.GetErasureResponse
		if err := protojson.Unmarshal([]byte(must("customers", "erasures", receipt, "-o", "json")), &got); err != nil {
			t.Fatal(err)
		}
		if got.GetErasure().GetCompleteTime() != nil {
			if n := len(got.GetErasure().GetConfirmations()); n != 4 {
				t.Fatalf("complete with %d confirmations: %v", n, &got)
			}
			break
		}
		if time.Now().After(confirmBy) {
			t.Fatalf("the receipt never held four confirmations: %v", &got)
		}
		time.Sleep(200 * time.Millisecond)
	}
	out = must("customers", "erasures", receipt)
	for _, want := range []string{"customer-profile", "interaction-log", "segmentation", "loyalty", "customers:1"} {
		if !strings.Contains(out, want) {
			t.Errorf("receipt lacks %q:\n%s", want, out)
		}
	}
	if out := must("customers", "erasures"); !strings.Contains(out, receipt) || !strings.Contains(out, "4/4") {
		t.Errorf("erasures list: %q", out)
	}
	if out := must("customers", "erasures", "--incomplete"); strings.Contains(out, receipt) {
		t.Errorf("a complete erasure listed as incomplete: %q", out)
	}
	if _, errs, code := run("customers", "erasures", "erasures/no-such-one"); code == 0 || !strings.Contains(errs, "NotFound") {
		t.Errorf("unknown receipt: exit %d, %q", code, errs)
	}

	delete(env, "CRM_TOKEN")
	if _, errs, code := run("customers", "list"); code == 0 || !strings.Contains(errs, "CRM_TOKEN") {
		t.Errorf("no token: exit %d, %q", code, errs)
	}
}

// Help is there for every command and flag, exits 0, and never shows the
// token, nor does a usage error.
func TestCrmctlHelp(t *testing.T) {
	const secret = "eyJhbGciOiJIUzI1NiJ9.secret-token-for-the-help-test"
	env := map[string]string{"CRM_TOKEN": secret}
	lookup := func(k string) (string, bool) { v, ok := env[k]; return v, ok }
	run := func(args ...string) (string, int) {
		var out bytes.Buffer
		code := crmctl.Run(context.Background(), args, lookup, crmctl.Stdio{In: strings.NewReader(""), Out: &out, Err: &out})
		if strings.Contains(out.String(), secret) || strings.Contains(out.String(), "secret-token") {
			t.Errorf("crmctl %s printed the token:\n%s", strings.Join(args, " "), out.String())
		}
		return out.String(), code
	}
	for _, args := range [][]string{{}, {"-h"}, {"--help"}, {"help"}} {
		if out, code := run(args...); code != 0 || !strings.Contains(out, "customers") || !strings.Contains(out, "--token") {
			t.Errorf("crmctl %v: exit %d:\n%s", args, code, out)
		}
	}
	groups := map[string][]string{
		"customers":    {"create", "show", "list", "search", "update", "merge", "erase", "erasures"},
		"interactions": {"log", "timeline", "satisfaction"},
		"cases":        {"list", "move", "update"},
		"segments":     {"report", "recompute", "list", "create", "preview", "members", "customer"},
		"loyalty":      {"account", "statement", "earn", "redeem", "rewards", "redeem-reward", "redemptions"},
	}
	for g, verbs := range groups {
		out, code := run(g, "-h")
		if code != 0 || !strings.Contains(out, "--output") {
			t.Errorf("crmctl %s -h: exit %d:\n%s", g, code, out)
		}
		for _, v := range verbs {
			if !strings.Contains(out, v) {
				t.Errorf("crmctl %s -h does not list %s", g, v)
			}
			if out, code := run(g, v, "--help"); code != 0 || !strings.Contains(out, "Usage:") || !strings.Contains(out, "Flags:") {
				t.Errorf("crmctl %s %s --help: exit %d:\n%s", g, v, code, out)
			}
		}
	}
	if out, _ := run("interactions", "log", "-h"); !strings.Contains(out, "--currency") || !strings.Contains(out, "--channel") || !strings.Contains(out, "service_centre") {
		t.Errorf("interactions log -h lacks its flags:\n%s", out)
	}
	// Usage errors: one line saying what to do, exit 1, no token.
	for _, args := range [][]string{{"customers", "show"}, {"customers", "frobnicate"}, {"nonsense"}, {"customers", "list", "--bogus"},
		{"interactions", "log", "customers/x", "--kind", "purchase"}, {"customers", "create", "-name", "x"}} {
		out, code := run(args...)
		if code != 1 || strings.Count(strings.TrimSpace(out), "\n") != 0 || !strings.Contains(out, "crmctl") {
			t.Errorf("crmctl %v: exit %d, %q", args, code, out)
		}
	}
	if out, code := run("completion", "bash"); code != 0 || !strings.Contains(out, "__start_crmctl") {
		t.Errorf("completion: exit %d", code)
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
	// Its rewards can be redeemed at once.
	rewards, err := clients.Loyalty.ListRewards(cctx, &loyaltyv1.ListRewardsRequest{Program: "programs/club", AvailableOnly: true})
	if err != nil || len(rewards.GetRewards()) != 2 {
		t.Fatalf("the demo's redeemable rewards: %v, %v", rewards.GetRewards(), err)
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
