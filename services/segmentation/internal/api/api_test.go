package api_test

import (
	"testing"

	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/types/known/fieldmaskpb"

	segmentationv1 "github.com/opencrm/crm/gen/go/crm/segmentation/v1"
	"github.com/opencrm/crm/pkg/server/servertest"
)

// A purchase logged in interaction-log reaches the customer's metrics,
// grades and rule segments without any call to segmentation, and the
// membership change is published on the feed.
func TestPurchaseChangesMetricsGradesAndMembership(t *testing.T) {
	e := start(t)
	ann := e.customer(t, "Ann", "CN")
	ben := e.customer(t, "Ben", "DE")
	resp, err := e.client.CreateSegment(e.ctx, &segmentationv1.CreateSegmentRequest{Segment: &segmentationv1.Segment{
		Id: "cn-big", DisplayName: "Big spenders in China", Rule: `profile.country == "CN" && metrics.amount >= 100 && metrics.complaints_90d == 0`}})
	if err != nil {
		t.Fatal(err)
	}
	if resp.GetRun() != "" {
		e.wait(t, resp.GetRun())
	}
	e.buy(t, ann, 60, 3)
	e.buy(t, ben, 500, 2)
	eventually(t, "Ann's first purchase in her metrics", func() bool {
		return e.grades(t, ann).GetFacts().GetMetrics().GetPurchases() == 1
	})
	g := e.grades(t, ann)
	if len(g.GetSegments()) != 1 || g.GetSegments()[0].GetMember() {
		t.Fatalf("60 EUR made Ann a member: %v", g.GetSegments())
	}
	e.buy(t, ann, 45, 1)
	eventually(t, "Ann enters cn-big", func() bool {
		s := e.grades(t, ann).GetSegments()
		return len(s) == 1 && s[0].GetMember()
	})
	g = e.grades(t, ann)
	m := g.GetSegments()[0]
	if m.GetValues()["profile.country"] != `"CN"` || m.GetValues()["metrics.amount"] != "105" {
		t.Errorf("why Ann matches: %v", m.GetValues())
	}
	if g.GetAmount().GetUnits() != 105 || g.GetAmount().GetCurrencyCode() != "EUR" || g.GetFacts().GetScores().GetRfmSegment() == "" {
		t.Errorf("Ann's grades: amount %v, scores %v", g.GetAmount(), g.GetFacts().GetScores())
	}
	// Ben spent more but lives elsewhere.
	eventually(t, "Ben's purchase in his metrics", func() bool { return e.grades(t, ben).GetFacts().GetMetrics().GetPurchases() == 1 })
	if e.grades(t, ben).GetSegments()[0].GetMember() {
		t.Error("Ben (DE) joined a CN segment")
	}
	members, err := e.client.ListSegmentMembers(e.ctx, &segmentationv1.ListSegmentMembersRequest{Segment: "segments/cn-big"})
	if err != nil || len(members.GetCustomers()) != 1 || members.GetCustomers()[0] != ann {
		t.Fatalf("members: %v %v", members.GetCustomers(), err)
	}
	// The feed says Ann entered.
	stream, err := e.client.WatchSegmentationEvents(e.ctx, &segmentationv1.WatchSegmentationEventsRequest{})
	if err != nil {
		t.Fatal(err)
	}
	for {
		ev, err := stream.Recv()
		if err != nil {
			t.Fatal(err)
		}
		if ev.GetEvent().GetType() != "crm.segmentation.v1.SegmentMembershipChanged" {
			continue
		}
		var c segmentationv1.SegmentMembershipChanged
		if err := ev.GetEvent().GetPayload().UnmarshalTo(&c); err != nil {
			t.Fatal(err)
		}
		if c.GetCustomer() != ann || c.GetSegment() != "segments/cn-big" || !c.GetEntered() {
			t.Fatalf("first membership event: %v", &c)
		}
		break
	}
}

// A recompute run grades the whole base: quintiles, report, run record.
func TestRecomputeGradesTheBase(t *testing.T) {
	e := start(t)
	var cs []string
	for i := range 10 {
		c := e.customer(t, "C", "FR")
		cs = append(cs, c)
		// Customer i bought i+1 times, the last 10*(10-i) days ago, 50*(i+1) each.
		for k := range i + 1 {
			e.buy(t, c, int64(50*(i+1)), 10*(10-i)+k)
		}
	}
	prospect := e.customer(t, "Prospect", "FR")
	eventually(t, "all purchases in the metrics", func() bool { return e.grades(t, cs[9]).GetFacts().GetMetrics().GetPurchases() == 10 })
	run := e.recompute(t)
	if run.GetTotal() != 11 || run.GetProcessed() != 11 || run.GetEndTime() == nil {
		t.Errorf("run: %v", run)
	}
	best := e.grades(t, cs[9])
	if s := best.GetFacts().GetScores(); s.GetRecency() != 5 || s.GetFrequency() != 5 || s.GetMonetary() != 5 || s.GetRfmSegment() != "champions" {
		t.Errorf("best customer: %v", s)
	}
	if best.GetRun() != run.GetName() {
		t.Errorf("graded by %q, want %q", best.GetRun(), run.GetName())
	}
	if s := e.grades(t, cs[0]).GetFacts().GetScores(); s.GetRecency() != 1 || s.GetRfmSegment() != "lost" {
		t.Errorf("worst customer: %v", s)
	}
	if s := e.grades(t, prospect).GetFacts().GetScores(); s.GetLifecycleStage() != "prospect" || s.GetRecency() != 0 {
		t.Errorf("prospect: %v", s)
	}
	rep, err := e.client.GetReport(e.ctx, &segmentationv1.GetReportRequest{})
	if err != nil {
		t.Fatal(err)
	}
	r := rep.GetReport()
	var grid int64
	for _, c := range r.GetRfmGrid() {
		grid += c.GetCount()
	}
	if r.GetCustomers() != 11 || r.GetProspects() != 1 || grid != 10 || len(r.GetPareto()) != 100 || r.GetRfmSegments()["champions"] == 0 {
		t.Errorf("report: customers %d prospects %d grid %d segments %v", r.GetCustomers(), r.GetProspects(), grid, r.GetRfmSegments())
	}
	if r.GetAbc()["A"] == 0 || r.GetPyramid()[0].GetBand() != "platinum" || r.GetPyramid()[0].GetCount() != 1 {
		t.Errorf("report classes: abc %v pyramid %v", r.GetAbc(), r.GetPyramid())
	}
	runs, err := e.client.ListRuns(e.ctx, &segmentationv1.ListRunsRequest{})
	if err != nil || len(runs.GetRuns()) != 1 || runs.GetRuns()[0].GetName() != run.GetName() {
		t.Errorf("runs: %v %v", runs.GetRuns(), err)
	}
}

func TestBadInputIsPrecise(t *testing.T) {
	e := start(t)
	_, err := e.client.CreateSegment(e.ctx, &segmentationv1.CreateSegmentRequest{Segment: &segmentationv1.Segment{Id: "bad", Rule: `profile.countyr == "CN"`}})
	servertest.WantCode(t, err, codes.InvalidArgument, "segment.rule")
	_, err = e.client.CreateSegment(e.ctx, &segmentationv1.CreateSegmentRequest{Segment: &segmentationv1.Segment{Id: "Bad Id", Rule: "true"}})
	servertest.WantCode(t, err, codes.InvalidArgument, "segment.id")
	_, err = e.client.PreviewSegment(e.ctx, &segmentationv1.PreviewSegmentRequest{Rule: "metrics.amount"})
	servertest.WantCode(t, err, codes.InvalidArgument, "rule")
	_, err = e.client.UpdateSettings(e.ctx, &segmentationv1.UpdateSettingsRequest{
		Settings: &segmentationv1.Settings{WindowDays: 3}, UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"window_days"}}})
	servertest.WantCode(t, err, codes.InvalidArgument, "settings.window_days")
	_, err = e.client.UpdateSettings(e.ctx, &segmentationv1.UpdateSettingsRequest{
		Settings: &segmentationv1.Settings{CurrencyCode: "USD"}, UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"currency_code"}}})
	servertest.WantCode(t, err, codes.InvalidArgument, "update_mask.paths")
	_, err = e.client.GetReport(e.ctx, &segmentationv1.GetReportRequest{})
	servertest.WantCode(t, err, codes.FailedPrecondition, "")
	_, err = e.client.GetCustomerSegments(e.ctx, &segmentationv1.GetCustomerSegmentsRequest{Customer: "customers/nobody"})
	servertest.WantCode(t, err, codes.NotFound, "")
	_, err = e.client.CreateSegment(e.ctx, &segmentationv1.CreateSegmentRequest{Segment: &segmentationv1.Segment{Id: "dup", Rule: "true"}})
	if err != nil {
		t.Fatal(err)
	}
	_, err = e.client.CreateSegment(e.ctx, &segmentationv1.CreateSegmentRequest{Segment: &segmentationv1.Segment{Id: "dup", Rule: "true"}})
	servertest.WantCode(t, err, codes.AlreadyExists, "")
}

func TestEveryMethodNeedsItsScope(t *testing.T) {
	e := start(t)
	if n := servertest.AuthSweep(t, e.srv); n != 20 {
		t.Errorf("swept %d methods, want 20 (with StatusService's and AuditService's)", n)
	}
}
