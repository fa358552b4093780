package api_test

import (
	"net/http"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/types/known/fieldmaskpb"
	"google.golang.org/protobuf/types/known/timestamppb"

	interactionv1 "github.com/opencrm/crm/gen/go/crm/interaction/v1"
	"github.com/opencrm/crm/pkg/server/servertest"
	"github.com/opencrm/crm/services/interaction/service"
)

func TestUpdateCaseReassignsAndReprioritises(t *testing.T) {
	t.Parallel()
	e := start(t)
	c := e.customer(t, "Desk")
	opened := time.Now().UTC().Add(-time.Hour).Truncate(time.Millisecond)
	k := e.getCase(t, e.log(t, complaint(c, interactionv1.CasePriority_CASE_PRIORITY_LOW, "ann", opened)).GetCase())
	resp, err := e.client.UpdateCase(e.ctx, &interactionv1.UpdateCaseRequest{
		Case:       &interactionv1.Case{Name: k.GetName(), Etag: k.GetEtag(), Assignee: "bob", Priority: interactionv1.CasePriority_CASE_PRIORITY_URGENT},
		UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"assignee", "priority"}}, Note: "ann is on leave"})
	if err != nil {
		t.Fatal(err)
	}
	u := resp.GetCase()
	h := u.GetHistory()
	// Urgent: due 4 hours after the complaint, not 4 hours from now.
	if u.GetAssignee() != "bob" || u.GetPriority() != interactionv1.CasePriority_CASE_PRIORITY_URGENT ||
		!u.GetDueTime().AsTime().Equal(opened.Add(4*time.Hour)) || u.GetEtag() == k.GetEtag() || u.GetStatus() != interactionv1.CaseStatus_CASE_STATUS_OPEN ||
		len(h) != 1 || h[0].GetActor() != "tester" || h[0].GetNote() != "ann is on leave" || h[0].GetFromAssignee() != "ann" || h[0].GetToAssignee() != "bob" ||
		h[0].GetFromPriority() != interactionv1.CasePriority_CASE_PRIORITY_LOW || h[0].GetToPriority() != interactionv1.CasePriority_CASE_PRIORITY_URGENT ||
		h[0].GetFrom() != interactionv1.CaseStatus_CASE_STATUS_OPEN || h[0].GetTo() != interactionv1.CaseStatus_CASE_STATUS_OPEN {
		t.Fatalf("updated case: %v", u)
	}
	// The old etag is stale now.
	_, err = e.client.UpdateCase(e.ctx, &interactionv1.UpdateCaseRequest{Case: &interactionv1.Case{Name: k.GetName(), Etag: k.GetEtag(), Assignee: "carl"},
		UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"assignee"}}})
	servertest.WantCode(t, err, codes.Aborted, "")
	for field, req := range map[string]*interactionv1.UpdateCaseRequest{
		"update_mask.paths": {Case: &interactionv1.Case{Name: k.GetName()}, UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"status"}}},
		"update_mask":       {Case: &interactionv1.Case{Name: k.GetName()}, UpdateMask: &fieldmaskpb.FieldMask{}},
		"case.priority":     {Case: &interactionv1.Case{Name: k.GetName()}, UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"priority"}}},
		"case.name":         {Case: &interactionv1.Case{Name: "interactions/x"}, UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"assignee"}}},
		"case.etag":         {Case: &interactionv1.Case{Name: k.GetName(), Etag: "not-a-tag"}, UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"assignee"}}},
	} {
		_, err := e.client.UpdateCase(e.ctx, req)
		t.Run(field, func(t *testing.T) { servertest.WantCode(t, err, codes.InvalidArgument, field) })
	}
	_, err = e.client.UpdateCase(e.ctx, &interactionv1.UpdateCaseRequest{Case: &interactionv1.Case{Name: "cases/none"}, UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"assignee"}}})
	servertest.WantCode(t, err, codes.NotFound, "")
	// Over REST, as the console calls it: the body is the case.
	var rest interactionv1.UpdateCaseResponse
	write := servertest.Token(t, "interactions.read", "interactions.write")
	e.srv.HTTP().Do(t, http.MethodPatch, "/v1/"+k.GetName()+"?update_mask=assignee&note=back", write, map[string]string{"assignee": "dan", "etag": u.GetEtag()}).OK(t, &rest)
	if rest.GetCase().GetAssignee() != "dan" || len(rest.GetCase().GetHistory()) != 2 || rest.GetCase().GetHistory()[1].GetNote() != "back" {
		t.Fatalf("updated over REST: %v", &rest)
	}
	e.srv.HTTP().Do(t, http.MethodPatch, "/v1/"+k.GetName()+"?update_mask=priority", write, map[string]string{"priority": "CASE_PRIORITY_UNSPECIFIED"}).
		WantHTTP(t, http.StatusBadRequest, codes.InvalidArgument, "case.priority")
	// Only dan's queue has it now.
	for who, want := range map[string]int{"ann": 0, "bob": 0, "dan": 1} {
		list, err := e.client.ListCases(e.ctx, &interactionv1.ListCasesRequest{Assignee: who})
		if err != nil || len(list.GetCases()) != want {
			t.Fatalf("%s's cases: %v %v", who, list, err)
		}
	}
}

// The service's worker escalates an overdue case once: the case says so,
// the escalated filter lists it, and the feed carries one CaseEscalated.
func TestOverdueCasesAreEscalatedOnce(t *testing.T) {
	t.Parallel()
	e := startWith(t, service.Options{EscalateEvery: time.Second})
	c := e.customer(t, "Waiting")
	now := time.Now().UTC().Truncate(time.Millisecond)
	late := e.log(t, complaint(c, interactionv1.CasePriority_CASE_PRIORITY_URGENT, "ann", now.Add(-5*time.Hour))).GetCase()
	fresh := e.log(t, complaint(c, interactionv1.CasePriority_CASE_PRIORITY_URGENT, "ann", now.Add(-time.Hour))).GetCase()
	escalated := func() []*interactionv1.Case {
		resp, err := e.client.ListCases(e.ctx, &interactionv1.ListCasesRequest{Escalated: true})
		if err != nil {
			t.Fatal(err)
		}
		return resp.GetCases()
	}
	eventually(t, "the overdue case is escalated", func() bool { return len(escalated()) == 1 })
	k := escalated()[0]
	if k.GetName() != late || !k.GetEscalated() || k.GetEscalateTime() == nil || !k.GetOverdue() {
		t.Fatalf("escalated case: %v", k)
	}
	if f := e.getCase(t, fresh); f.GetEscalated() || f.GetEscalateTime() != nil {
		t.Fatalf("a case within its SLA escalated: %v", f)
	}
	// Two more sweeps pass; the feed has the case's opening and one
	// escalation, nothing more.
	time.Sleep(2500 * time.Millisecond)
	stream, err := e.client.WatchInteractionEvents(e.ctx, &interactionv1.WatchInteractionEventsRequest{})
	if err != nil {
		t.Fatal(err)
	}
	var types []string
	for len(types) < 6 { // two complaints, their two cases, one escalation, and the sentinel below
		if len(types) == 5 {
			e.log(t, contact(c, interactionv1.InteractionKind_INTERACTION_KIND_INQUIRY, interactionv1.Channel_CHANNEL_PHONE, now))
		}
		resp, err := stream.Recv()
		if err != nil {
			t.Fatal(err)
		}
		ev := resp.GetEvent()
		types = append(types, ev.GetType())
		if ev.GetType() == "crm.interaction.v1.CaseEscalated" {
			var esc interactionv1.CaseEscalated
			if err := ev.GetPayload().UnmarshalTo(&esc); err != nil || esc.GetCase().GetName() != late || ev.GetSubject() != late || !esc.GetCase().GetEscalated() {
				t.Fatalf("escalation event: %v %v", ev, err)
			}
		}
	}
	n := 0
	for _, ty := range types {
		if ty == "crm.interaction.v1.CaseEscalated" {
			n++
		}
	}
	if n != 1 || types[5] != "crm.interaction.v1.InteractionLogged" {
		t.Fatalf("feed: %v", types)
	}
}

func TestSatisfactionStatistics(t *testing.T) {
	t.Parallel()
	e := start(t)
	c := e.customer(t, "Rated")
	rated := func(i *interactionv1.Interaction, agent string, expectation, experience int32) *interactionv1.Interaction {
		i.Agent = agent
		i.Satisfaction = &interactionv1.Satisfaction{Expectation: expectation, Experience: experience}
		return e.log(t, i)
	}
	day := func(d int) time.Time { return time.Date(2026, 4, d, 10, 0, 0, 0, time.UTC) }
	k := rated(complaint(c, interactionv1.CasePriority_CASE_PRIORITY_HIGH, "ann", day(1)), "", 8, 2).GetCase()
	rated(contact(c, interactionv1.InteractionKind_INTERACTION_KIND_SUPPORT, interactionv1.Channel_CHANNEL_CHAT, day(2)), "ann", 5, 10)
	rated(contact(c, interactionv1.InteractionKind_INTERACTION_KIND_FEEDBACK, interactionv1.Channel_CHANNEL_SURVEY, day(9)), "bob", 6, 6)
	e.log(t, contact(c, interactionv1.InteractionKind_INTERACTION_KIND_INQUIRY, interactionv1.Channel_CHANNEL_PHONE, day(3)))                                // no satisfaction
	rated(contact(c, interactionv1.InteractionKind_INTERACTION_KIND_FEEDBACK, interactionv1.Channel_CHANNEL_SURVEY, day(20).AddDate(0, 1, 0)), "bob", 1, 10) // out of range
	stats := func(by interactionv1.SatisfactionGrouping) *interactionv1.GetSatisfactionStatisticsResponse {
		t.Helper()
		resp, err := e.client.GetSatisfactionStatistics(e.ctx, &interactionv1.GetSatisfactionStatisticsRequest{GroupBy: by,
			OccurTimeFrom: timestamppb.New(day(1)), OccurTimeTo: timestamppb.New(day(30))})
		if err != nil {
			t.Fatal(err)
		}
		return resp
	}
	byAssignee := stats(interactionv1.SatisfactionGrouping_SATISFACTION_GROUPING_ASSIGNEE)
	g := byAssignee.GetGroups()
	// ann: the complaint her case came from (ratio 0.25) and her chat (2).
	if tot := byAssignee.GetTotal(); tot.GetResponses() != 3 || tot.GetSatisfied() != 1 || tot.GetMet() != 1 || tot.GetDissatisfied() != 1 ||
		len(tot.GetExperienceCounts()) != 10 || tot.GetExperienceCounts()[9] != 1 || tot.GetExperienceCounts()[1] != 1 {
		t.Fatalf("total: %v", tot)
	}
	if len(g) != 2 || g[0].GetAssignee() != "ann" || g[0].GetSummary().GetResponses() != 2 || g[0].GetSummary().GetMeanRatio() != 1.125 ||
		g[1].GetAssignee() != "bob" || g[1].GetSummary().GetMeanDifference() != 0 {
		t.Fatalf("by assignee: %v", g)
	}
	byCase := stats(interactionv1.SatisfactionGrouping_SATISFACTION_GROUPING_CASE).GetGroups()
	if len(byCase) != 1 || byCase[0].GetCase() != k || byCase[0].GetSummary().GetMeanDifference() != -6 {
		t.Fatalf("by case: %v", byCase)
	}
	byChannel := stats(interactionv1.SatisfactionGrouping_SATISFACTION_GROUPING_CHANNEL).GetGroups()
	if len(byChannel) != 3 || byChannel[0].GetChannel() != interactionv1.Channel_CHANNEL_PHONE || byChannel[2].GetChannel() != interactionv1.Channel_CHANNEL_SURVEY {
		t.Fatalf("by channel: %v", byChannel)
	}
	byWeek := stats(interactionv1.SatisfactionGrouping_SATISFACTION_GROUPING_WEEK).GetGroups()
	// 1 and 2 April 2026 are a Wednesday and Thursday: the week of 30 March.
	if len(byWeek) != 2 || !byWeek[0].GetPeriodStart().AsTime().Equal(time.Date(2026, 3, 30, 0, 0, 0, 0, time.UTC)) || byWeek[0].GetSummary().GetResponses() != 2 {
		t.Fatalf("by week: %v", byWeek)
	}
	var rest interactionv1.GetSatisfactionStatisticsResponse
	e.srv.HTTP().Do(t, http.MethodGet, "/v1/interactions:satisfactionStatistics?group_by=SATISFACTION_GROUPING_MONTH&occur_time_from=2026-04-01T00:00:00Z&occur_time_to=2026-05-01T00:00:00Z&time_zone=Europe/Berlin",
		servertest.Token(t, "interactions.read"), nil).OK(t, &rest)
	if g := rest.GetGroups(); len(g) != 1 || g[0].GetSummary().GetResponses() != 3 || !g[0].GetPeriodStart().AsTime().Equal(time.Date(2026, 3, 31, 22, 0, 0, 0, time.UTC)) {
		t.Fatalf("by month in Berlin over REST: %v", &rest)
	}
	for field, req := range map[string]*interactionv1.GetSatisfactionStatisticsRequest{
		"group_by":        {OccurTimeFrom: timestamppb.New(day(1)), OccurTimeTo: timestamppb.New(day(2))},
		"occur_time_to":   {GroupBy: interactionv1.SatisfactionGrouping_SATISFACTION_GROUPING_DAY, OccurTimeFrom: timestamppb.New(day(2)), OccurTimeTo: timestamppb.New(day(1))},
		"occur_time_from": {GroupBy: interactionv1.SatisfactionGrouping_SATISFACTION_GROUPING_DAY, OccurTimeTo: timestamppb.New(day(1))},
		"time_zone": {GroupBy: interactionv1.SatisfactionGrouping_SATISFACTION_GROUPING_DAY, OccurTimeFrom: timestamppb.New(day(1)), OccurTimeTo: timestamppb.New(day(2)),
			TimeZone: "Nowhere/Atlantis"},
	} {
		_, err := e.client.GetSatisfactionStatistics(e.ctx, req)
		t.Run(field, func(t *testing.T) { servertest.WantCode(t, err, codes.InvalidArgument, field) })
	}
}
