package api_test

import (
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/types/known/timestamppb"

	customerv1 "github.com/opencrm/crm/gen/go/crm/customer/v1"
	interactionv1 "github.com/opencrm/crm/gen/go/crm/interaction/v1"
	"github.com/opencrm/crm/pkg/server/servertest"
)

func complaint(customer string, p interactionv1.CasePriority, assignee string, at time.Time) *interactionv1.Interaction {
	i := contact(customer, interactionv1.InteractionKind_INTERACTION_KIND_COMPLAINT, interactionv1.Channel_CHANNEL_PHONE, at)
	i.Complaint = &interactionv1.Complaint{Priority: p, Assignee: assignee}
	return i
}

func (e *env) getCase(t *testing.T, name string) *interactionv1.Case {
	t.Helper()
	resp, err := e.client.GetCase(e.ctx, &interactionv1.GetCaseRequest{Name: name})
	if err != nil {
		t.Fatal(err)
	}
	return resp.GetCase()
}

func (e *env) move(t *testing.T, name string, to interactionv1.CaseStatus) *interactionv1.Case {
	t.Helper()
	resp, err := e.client.TransitionCase(e.ctx, &interactionv1.TransitionCaseRequest{Name: name, To: to, Note: "moved to " + to.String()})
	if err != nil {
		t.Fatalf("transition to %v: %v", to, err)
	}
	return resp.GetCase()
}

func TestComplaintOpensACaseThatFollowsItsLifecycle(t *testing.T) {
	t.Parallel()
	e := start(t)
	c := e.customer(t, "Unhappy")
	opened := time.Now().UTC().Add(-time.Hour).Truncate(time.Millisecond)
	i := e.log(t, complaint(c, interactionv1.CasePriority_CASE_PRIORITY_URGENT, "ann", opened))
	if i.GetCase() == "" {
		t.Fatalf("the complaint opened no case: %v", i)
	}
	k := e.getCase(t, i.GetCase())
	// Urgent: due 4 hours after the complaint (the default SLA).
	if k.GetStatus() != interactionv1.CaseStatus_CASE_STATUS_OPEN || k.GetAssignee() != "ann" || k.GetInteraction() != i.GetName() ||
		!k.GetDueTime().AsTime().Equal(opened.Add(4*time.Hour)) || k.GetOverdue() {
		t.Fatalf("opened case: %v", k)
	}
	_, err := e.client.TransitionCase(e.ctx, &interactionv1.TransitionCaseRequest{Name: k.GetName(), To: interactionv1.CaseStatus_CASE_STATUS_CLOSED, Note: "skip"})
	if info := servertest.WantCode(t, err, codes.FailedPrecondition, ""); info.GetReason() != "INVALID_CASE_TRANSITION" {
		t.Fatalf("reason %q", info.GetReason())
	}
	_, err = e.client.TransitionCase(e.ctx, &interactionv1.TransitionCaseRequest{Name: k.GetName(), To: interactionv1.CaseStatus_CASE_STATUS_IN_PROGRESS})
	servertest.WantCode(t, err, codes.InvalidArgument, "note")
	e.move(t, k.GetName(), interactionv1.CaseStatus_CASE_STATUS_IN_PROGRESS)
	e.move(t, k.GetName(), interactionv1.CaseStatus_CASE_STATUS_RESOLVED)
	e.move(t, k.GetName(), interactionv1.CaseStatus_CASE_STATUS_OPEN) // reopened
	e.move(t, k.GetName(), interactionv1.CaseStatus_CASE_STATUS_IN_PROGRESS)
	e.move(t, k.GetName(), interactionv1.CaseStatus_CASE_STATUS_RESOLVED)
	done := e.move(t, k.GetName(), interactionv1.CaseStatus_CASE_STATUS_CLOSED)
	h := done.GetHistory()
	if len(h) != 6 || h[2].GetTo() != interactionv1.CaseStatus_CASE_STATUS_OPEN || h[0].GetActor() != "tester" || h[0].GetNote() == "" ||
		done.GetFirstResponseTime() == nil || done.GetCloseTime() == nil {
		t.Fatalf("history: %v", done)
	}
	_, err = e.client.TransitionCase(e.ctx, &interactionv1.TransitionCaseRequest{Name: k.GetName(), To: interactionv1.CaseStatus_CASE_STATUS_OPEN, Note: "again", Etag: k.GetEtag()})
	servertest.WantCode(t, err, codes.Aborted, "")

	f, err := e.client.AddFollowUp(e.ctx, &interactionv1.AddFollowUpRequest{Case: k.GetName(), Description: "call back", Assignee: "bob", DueTime: timestamppb.New(opened.Add(48 * time.Hour))})
	if err != nil || len(f.GetCase().GetFollowUps()) != 1 {
		t.Fatalf("follow-up: %v %v", f, err)
	}
	task := f.GetCase().GetFollowUps()[0]
	doneTask, err := e.client.CompleteFollowUp(e.ctx, &interactionv1.CompleteFollowUpRequest{Case: k.GetName(), FollowUp: task.GetId()})
	if err != nil || !doneTask.GetCase().GetFollowUps()[0].GetDone() {
		t.Fatalf("complete: %v %v", doneTask, err)
	}
	_, err = e.client.CompleteFollowUp(e.ctx, &interactionv1.CompleteFollowUpRequest{Case: k.GetName(), FollowUp: "nope"})
	servertest.WantCode(t, err, codes.NotFound, "")
	_, err = e.client.LogInteraction(e.ctx, &interactionv1.LogInteractionRequest{Interaction: func() *interactionv1.Interaction {
		x := contact(c, interactionv1.InteractionKind_INTERACTION_KIND_INQUIRY, interactionv1.Channel_CHANNEL_PHONE, opened)
		x.Complaint = &interactionv1.Complaint{}
		return x
	}()})
	servertest.WantCode(t, err, codes.InvalidArgument, "interaction.complaint")
}

func TestListCasesFiltersOverdueAndStatistics(t *testing.T) {
	t.Parallel()
	e := start(t)
	c := e.customer(t, "Cases")
	now := time.Now().UTC().Truncate(time.Millisecond)
	// Opened 10 days ago at normal priority (due after 3 days): overdue.
	late := e.log(t, complaint(c, interactionv1.CasePriority_CASE_PRIORITY_NORMAL, "ann", now.Add(-240*time.Hour))).GetCase()
	fresh := e.log(t, complaint(c, interactionv1.CasePriority_CASE_PRIORITY_LOW, "bob", now.Add(-time.Hour))).GetCase()
	handled := e.log(t, complaint(c, interactionv1.CasePriority_CASE_PRIORITY_HIGH, "ann", now.Add(-2*time.Hour))).GetCase()
	e.move(t, handled, interactionv1.CaseStatus_CASE_STATUS_IN_PROGRESS)
	e.move(t, handled, interactionv1.CaseStatus_CASE_STATUS_RESOLVED)

	names := func(req *interactionv1.ListCasesRequest) []string {
		resp, err := e.client.ListCases(e.ctx, req)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, k := range resp.GetCases() {
			out = append(out, k.GetName())
		}
		return out
	}
	if got := names(&interactionv1.ListCasesRequest{Overdue: true}); len(got) != 1 || got[0] != late {
		t.Fatalf("overdue: %v, want [%s]", got, late)
	}
	if got := names(&interactionv1.ListCasesRequest{Assignee: "ann"}); len(got) != 2 {
		t.Fatalf("ann's cases: %v", got)
	}
	if got := names(&interactionv1.ListCasesRequest{Status: interactionv1.CaseStatus_CASE_STATUS_RESOLVED}); len(got) != 1 || got[0] != handled {
		t.Fatalf("resolved: %v", got)
	}
	// Earliest due first, one per page.
	var all []string
	token := ""
	for {
		resp, err := e.client.ListCases(e.ctx, &interactionv1.ListCasesRequest{Customer: c, PageSize: 1, PageToken: token})
		if err != nil {
			t.Fatal(err)
		}
		for _, k := range resp.GetCases() {
			all = append(all, k.GetName())
		}
		if token = resp.GetNextPageToken(); token == "" {
			break
		}
	}
	if len(all) != 3 || all[0] != late || all[2] != fresh {
		t.Fatalf("by due time: %v", all)
	}
	st, err := e.client.GetCaseStatistics(e.ctx, &interactionv1.GetCaseStatisticsRequest{
		OpenTimeFrom: timestamppb.New(now.Add(-300 * time.Hour)), OpenTimeTo: timestamppb.New(now.Add(time.Hour))})
	if err != nil || st.GetCases() != 3 || st.GetResponded() != 1 || st.GetResolved() != 1 || st.GetResolvedWithinSla() != 1 ||
		st.GetFirstResponseMedianSeconds() < 7000 {
		t.Fatalf("statistics: %v %v", st, err)
	}
	// Erasing the customer removes the cases too.
	if _, err := e.customers.EraseCustomer(e.ctx, &customerv1.EraseCustomerRequest{Name: c, Reason: "privacy"}); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the erased customer's cases are deleted", func() bool {
		return len(names(&interactionv1.ListCasesRequest{Customer: c})) == 0
	})
}
