package api_test

import (
	"testing"

	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/types/known/fieldmaskpb"

	customerv1 "github.com/opencrm/crm/gen/go/crm/customer/v1"
	segmentationv1 "github.com/opencrm/crm/gen/go/crm/segmentation/v1"
)

// A merge in customer-profile moves the loser's metrics and memberships to
// the survivor; an erasure forgets the customer and redacts their events.
func TestMergeAndErasurePropagate(t *testing.T) {
	e := start(t)
	ann := e.customer(t, "Ann", "CN")
	dup := e.customer(t, "Ann (duplicate)", "CN")
	if _, err := e.client.CreateSegment(e.ctx, &segmentationv1.CreateSegmentRequest{Segment: &segmentationv1.Segment{
		Id: "repeat", Rule: `metrics.purchases >= 3`}}); err != nil {
		t.Fatal(err)
	}
	e.buy(t, ann, 20, 5)
	e.buy(t, dup, 30, 4)
	e.buy(t, dup, 40, 3)
	eventually(t, "the duplicate's purchases in its metrics", func() bool {
		return e.grades(t, dup).GetFacts().GetMetrics().GetPurchases() == 2
	})
	if _, err := e.customers.MergeCustomers(e.ctx, &customerv1.MergeCustomersRequest{Survivor: ann, Loser: dup}); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the merge reaches segmentation", func() bool {
		_, err := e.client.GetCustomerSegments(e.ctx, &segmentationv1.GetCustomerSegmentsRequest{Customer: dup})
		return status(err) == codes.NotFound
	})
	g := e.grades(t, ann)
	if g.GetFacts().GetMetrics().GetPurchases() != 3 || g.GetAmount().GetUnits() != 90 || !g.GetSegments()[0].GetMember() {
		t.Errorf("survivor after merge: metrics %v, amount %v, segments %v", g.GetFacts().GetMetrics(), g.GetAmount(), g.GetSegments())
	}
	// Rerunning the base counts the survivor once.
	run := e.recompute(t)
	if run.GetTotal() != 1 || run.GetSegmentSizes()["segments/repeat"] != 1 {
		t.Errorf("run after merge: total %d sizes %v", run.GetTotal(), run.GetSegmentSizes())
	}

	if _, err := e.customers.EraseCustomer(e.ctx, &customerv1.EraseCustomerRequest{Name: ann, Reason: "privacy request"}); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the erasure reaches segmentation", func() bool {
		_, err := e.client.GetCustomerSegments(e.ctx, &segmentationv1.GetCustomerSegmentsRequest{Customer: ann})
		return status(err) == codes.NotFound
	})
	members, err := e.client.ListSegmentMembers(e.ctx, &segmentationv1.ListSegmentMembersRequest{Segment: "segments/repeat"})
	if err != nil || len(members.GetCustomers()) != 0 {
		t.Errorf("members after erasure: %v %v", members.GetCustomers(), err)
	}
	// The feed keeps no payload about the erased customer.
	stream, err := e.client.WatchSegmentationEvents(e.ctx, &segmentationv1.WatchSegmentationEventsRequest{})
	if err != nil {
		t.Fatal(err)
	}
	for {
		ev, err := stream.Recv()
		if err != nil {
			t.Fatal(err)
		}
		if ev.GetEvent().GetSubject() == ann && ev.GetEvent().GetPayload() != nil {
			t.Fatalf("an event about the erased customer still carries its payload: %v", ev.GetEvent())
		}
		if ev.GetEvent().GetType() == "crm.segmentation.v1.RunCompleted" {
			break
		}
	}
}

// A segment's rule is evaluated over the base by the run its change
// starts; previews count before saving; sizes are kept per run.
func TestSegmentLifecycle(t *testing.T) {
	e := start(t)
	var cs []string
	for i := range 4 {
		c := e.customer(t, "C", []string{"CN", "CN", "DE", "FR"}[i])
		cs = append(cs, c)
		e.buy(t, c, int64(100*(i+1)), i+1)
	}
	eventually(t, "purchases in the metrics", func() bool { return e.grades(t, cs[3]).GetFacts().GetMetrics().GetPurchases() == 1 })
	prev, err := e.client.PreviewSegment(e.ctx, &segmentationv1.PreviewSegmentRequest{Rule: `profile.country == "CN"`})
	if err != nil || prev.GetMemberCount() != 2 || prev.GetCustomers() != 4 || len(prev.GetSample()) != 2 {
		t.Fatalf("preview: %v %v", prev, err)
	}
	created, err := e.client.CreateSegment(e.ctx, &segmentationv1.CreateSegmentRequest{Segment: &segmentationv1.Segment{
		Id: "china", DisplayName: "China", Rule: `profile.country == "CN"`}})
	if err != nil {
		t.Fatal(err)
	}
	e.wait(t, created.GetRun())
	got, err := e.client.GetSegment(e.ctx, &segmentationv1.GetSegmentRequest{Name: "segments/china"})
	if err != nil || got.GetSegment().GetMemberCount() != 2 || !got.GetSegment().GetEvaluated() {
		t.Fatalf("segment after its run: %v %v", got.GetSegment(), err)
	}
	// Changing the rule re-evaluates it.
	upd, err := e.client.UpdateSegment(e.ctx, &segmentationv1.UpdateSegmentRequest{
		Segment:    &segmentationv1.Segment{Name: "segments/china", Rule: `profile.country in ["CN", "DE"]`, Etag: got.GetSegment().GetEtag()},
		UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"rule"}}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.client.UpdateSegment(e.ctx, &segmentationv1.UpdateSegmentRequest{
		Segment:    &segmentationv1.Segment{Name: "segments/china", DisplayName: "stale", Etag: got.GetSegment().GetEtag()},
		UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"display_name"}}}); status(err) != codes.Aborted {
		t.Errorf("stale etag: %v, want ABORTED", err)
	}
	eventually(t, "the new rule evaluated", func() bool {
		g, err := e.client.GetSegment(e.ctx, &segmentationv1.GetSegmentRequest{Name: "segments/china"})
		return err == nil && g.GetSegment().GetEvaluated() && g.GetSegment().GetMemberCount() == 3
	})
	sizes, err := e.client.ListSegmentSizes(e.ctx, &segmentationv1.ListSegmentSizesRequest{Segment: "segments/china"})
	if err != nil || len(sizes.GetSizes()) != 2 || sizes.GetSizes()[0].GetCount() != 3 || sizes.GetSizes()[1].GetCount() != 2 {
		t.Errorf("sizes over time: %v %v", sizes.GetSizes(), err)
	}
	if _, err := e.client.DeleteSegment(e.ctx, &segmentationv1.DeleteSegmentRequest{Name: "segments/china", Etag: upd.GetSegment().GetEtag()}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.client.GetSegment(e.ctx, &segmentationv1.GetSegmentRequest{Name: "segments/china"}); status(err) != codes.NotFound {
		t.Errorf("deleted segment: %v", err)
	}
}

// Settings change with an etag and apply from the next run.
func TestSettingsApplyFromTheNextRun(t *testing.T) {
	e := start(t)
	c := e.customer(t, "Big", "CN")
	e.buy(t, c, 2_000_000, 1)
	eventually(t, "purchase in the metrics", func() bool { return e.grades(t, c).GetFacts().GetMetrics().GetPurchases() == 1 })
	s, err := e.client.GetSettings(e.ctx, &segmentationv1.GetSettingsRequest{})
	if err != nil {
		t.Fatal(err)
	}
	bank := &segmentationv1.PyramidSettings{Absolute: true, Bands: []*segmentationv1.PyramidBand{
		{Name: "diamond", Limit: 5_000_000}, {Name: "platinum", Limit: 1_000_000}, {Name: "gold", Limit: 100_000}, {Name: "mass", Limit: 0}}}
	upd, err := e.client.UpdateSettings(e.ctx, &segmentationv1.UpdateSettingsRequest{
		Settings: &segmentationv1.Settings{Pyramid: bank, Etag: s.GetSettings().GetEtag()}, UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"pyramid"}}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.client.UpdateSettings(e.ctx, &segmentationv1.UpdateSettingsRequest{
		Settings: &segmentationv1.Settings{TrendChange: 0.3, Etag: upd.GetSettings().GetEtag()}, UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"trend_change"}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.client.UpdateSettings(e.ctx, &segmentationv1.UpdateSettingsRequest{
		Settings: &segmentationv1.Settings{WindowDays: 90, Etag: upd.GetSettings().GetEtag()}, UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"window_days"}}}); status(err) != codes.Aborted {
		t.Errorf("stale settings etag: %v", err)
	}
	if upd.GetSettings().GetPyramid().GetBands()[0].GetName() != "diamond" {
		t.Fatalf("settings after update: %v", upd.GetSettings().GetPyramid())
	}
	e.recompute(t)
	if band := e.grades(t, c).GetFacts().GetScores().GetPyramidBand(); band != "platinum" {
		t.Errorf("2,000,000 spent: band %s, want platinum", band)
	}
}

// A customer soft-deleted in customer-profile leaves every segment and
// returns when restored.
func TestSoftDeletedCustomerLeavesSegments(t *testing.T) {
	e := start(t)
	c := e.customer(t, "Dee", "CN")
	if _, err := e.client.CreateSegment(e.ctx, &segmentationv1.CreateSegmentRequest{Segment: &segmentationv1.Segment{Id: "buyers", Rule: `metrics.purchases >= 1`}}); err != nil {
		t.Fatal(err)
	}
	e.buy(t, c, 10, 1)
	members := func() []string {
		resp, err := e.client.ListSegmentMembers(e.ctx, &segmentationv1.ListSegmentMembersRequest{Segment: "segments/buyers"})
		if err != nil {
			t.Fatal(err)
		}
		return resp.GetCustomers()
	}
	eventually(t, "Dee in buyers", func() bool { return len(members()) == 1 })
	if _, err := e.customers.DeleteCustomer(e.ctx, &customerv1.DeleteCustomerRequest{Name: c}); err != nil {
		t.Fatal(err)
	}
	eventually(t, "deleted Dee leaves buyers", func() bool { return len(members()) == 0 })
	if run := e.recompute(t); run.GetTotal() != 0 {
		t.Errorf("a run graded %d customers; the deleted one must be left out", run.GetTotal())
	}
	if _, err := e.customers.UndeleteCustomer(e.ctx, &customerv1.UndeleteCustomerRequest{Name: c}); err != nil {
		t.Fatal(err)
	}
	eventually(t, "restored Dee back in buyers", func() bool { return len(members()) == 1 })
}
