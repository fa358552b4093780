package api_test

import (
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/fieldmaskpb"
	"google.golang.org/protobuf/types/known/timestamppb"

	customerv1 "github.com/opencrm/crm/gen/go/crm/customer/v1"
	interactionv1 "github.com/opencrm/crm/gen/go/crm/interaction/v1"
	"github.com/opencrm/crm/pkg/server/servertest"
)

func TestAuthSweep(t *testing.T) {
	t.Parallel()
	e := start(t)
	if n := servertest.AuthSweep(t, e.srv); n != 20 {
		t.Fatalf("checked %d methods, want 20 (with StatusService's and AuditService's)", n)
	}
}

func TestLogPurchaseAndGet(t *testing.T) {
	t.Parallel()
	e := start(t)
	c := e.customer(t, "Ada")
	in := purchase(c, "o-1", eur(12, 340_000_000), t0)
	in.Tags = []string{"Spring-Sale", "spring-sale"}
	in.Satisfaction = &interactionv1.Satisfaction{Expectation: 8, Experience: 6}
	in.Purchase.Items = []*interactionv1.LineItem{{Sku: "A1", Quantity: 2, UnitPrice: eur(6, 170_000_000)}}
	got := e.log(t, in)
	if got.GetPurchase().GetAmount().GetUnits() != 12 || got.GetPurchase().GetAmount().GetNanos() != 340_000_000 ||
		got.GetRecordTime() == nil || fmt.Sprint(got.GetTags()) != "[spring-sale]" ||
		got.GetSatisfaction().GetRatio() != 0.75 || got.GetSatisfaction().GetDifference() != -2 {
		t.Fatalf("logged: %v", got)
	}
	read, err := e.client.GetInteraction(e.ctx, &interactionv1.GetInteractionRequest{Name: got.GetName()})
	if err != nil || !proto.Equal(read.GetInteraction(), got) {
		t.Fatalf("get: %v %v", read, err)
	}
	_, err = e.client.GetInteraction(e.ctx, &interactionv1.GetInteractionRequest{Name: "interactions/none"})
	servertest.WantCode(t, err, codes.NotFound, "")
}

func TestLogRejectsBadInput(t *testing.T) {
	t.Parallel()
	e := start(t)
	c := e.customer(t, "Bad")
	noPurchase := contact(c, interactionv1.InteractionKind_INTERACTION_KIND_PURCHASE, interactionv1.Channel_CHANNEL_WEB, t0)
	fine := purchase(c, "o", eur(1, 1_000_000), t0)
	future := contact(c, interactionv1.InteractionKind_INTERACTION_KIND_INQUIRY, interactionv1.Channel_CHANNEL_PHONE, time.Now().Add(time.Hour))
	stray := contact(c, interactionv1.InteractionKind_INTERACTION_KIND_INQUIRY, interactionv1.Channel_CHANNEL_PHONE, t0)
	stray.Purchase = purchase(c, "x", eur(1, 0), t0).GetPurchase()
	noChannel := contact(c, interactionv1.InteractionKind_INTERACTION_KIND_INQUIRY, 0, t0)
	for name, tc := range map[string]struct {
		i     *interactionv1.Interaction
		field string
	}{
		"purchase without order": {noPurchase, "interaction.purchase"},
		"sub-cent amount":        {fine, "interaction.purchase.amount"},
		"future":                 {future, "interaction.occur_time"},
		"purchase on an inquiry": {stray, "interaction.purchase"},
		"no channel":             {noChannel, "interaction.channel"},
	} {
		_, err := e.client.LogInteraction(e.ctx, &interactionv1.LogInteractionRequest{Interaction: tc.i})
		t.Run(name, func(t *testing.T) { servertest.WantCode(t, err, codes.InvalidArgument, tc.field) })
	}
}

func TestCustomerMustExistBeActiveAndNotErased(t *testing.T) {
	t.Parallel()
	e := start(t)
	_, err := e.client.LogInteraction(e.ctx, &interactionv1.LogInteractionRequest{Interaction: purchase("customers/nobody", "o", eur(1, 0), t0)})
	if info := servertest.WantCode(t, err, codes.FailedPrecondition, "interaction.customer"); info.GetReason() != "CUSTOMER_NOT_FOUND" {
		t.Fatalf("reason %q", info.GetReason())
	}
	gone := e.customer(t, "Gone")
	if _, err := e.customers.EraseCustomer(e.ctx, &customerv1.EraseCustomerRequest{Name: gone, Reason: "test"}); err != nil {
		t.Fatal(err)
	}
	_, err = e.client.LogInteraction(e.ctx, &interactionv1.LogInteractionRequest{Interaction: purchase(gone, "o", eur(1, 0), t0)})
	if info := servertest.WantCode(t, err, codes.FailedPrecondition, "interaction.customer"); info.GetReason() != "CUSTOMER_ERASED" {
		t.Fatalf("reason %q", info.GetReason())
	}
	deleted := e.customer(t, "Deleted")
	if _, err := e.customers.DeleteCustomer(e.ctx, &customerv1.DeleteCustomerRequest{Name: deleted}); err != nil {
		t.Fatal(err)
	}
	_, err = e.client.LogInteraction(e.ctx, &interactionv1.LogInteractionRequest{Interaction: purchase(deleted, "o", eur(1, 0), t0)})
	if info := servertest.WantCode(t, err, codes.FailedPrecondition, "interaction.customer"); info.GetReason() != "CUSTOMER_NOT_ACTIVE" {
		t.Fatalf("reason %q", info.GetReason())
	}
}

func TestProfileDownIsUnavailableAndStoresNothing(t *testing.T) {
	t.Parallel()
	e := start(t)
	c := e.customer(t, "Lonely")
	if err := e.profile.Stop(); err != nil {
		t.Fatal(err)
	}
	req := &interactionv1.LogInteractionRequest{Interaction: purchase(c, "o-9", eur(5, 0), t0), RequestId: "while-down"}
	_, err := e.client.LogInteraction(e.ctx, req)
	servertest.WantCode(t, err, codes.Unavailable, "")
	resp, err := e.client.ListInteractions(e.ctx, &interactionv1.ListInteractionsRequest{Customer: c})
	if err != nil || len(resp.GetInteractions()) != 0 {
		t.Fatalf("stored while customer-profile was down: %v %v", resp, err)
	}
	batch, err := e.client.BatchLogInteractions(e.ctx, &interactionv1.BatchLogInteractionsRequest{Requests: []*interactionv1.LogInteractionRequest{req}})
	if status.Code(err) != codes.Unavailable {
		t.Fatalf("batch while down: %v %v", batch, err)
	}
	// A stream fails at its first message, whatever follows it.
	stream, err := e.client.IngestInteractions(e.ctx)
	if err != nil {
		t.Fatal(err)
	}
	for n := range 3 {
		msg := &interactionv1.IngestInteractionsRequest{Requests: []*interactionv1.LogInteractionRequest{
			{Interaction: purchase(c, fmt.Sprint("o-s", n), eur(5, 0), t0)}}}
		if err := stream.Send(msg); err != nil {
			break // the server ended the call
		}
	}
	ingested, err := stream.CloseAndRecv()
	if status.Code(err) != codes.Unavailable || !strings.Contains(status.Convert(err).Message(), "ingest after 0 items (0 accepted)") {
		t.Fatalf("ingest while down: %v %v", ingested, err)
	}
	resp, err = e.client.ListInteractions(e.ctx, &interactionv1.ListInteractionsRequest{Customer: c})
	if err != nil || len(resp.GetInteractions()) != 0 {
		t.Fatalf("stored while customer-profile was down: %v %v", resp, err)
	}
}

func TestIdempotentLogging(t *testing.T) {
	t.Parallel()
	e := start(t)
	c := e.customer(t, "Retry")
	req := &interactionv1.LogInteractionRequest{Interaction: purchase(c, "o-1", eur(10, 0), t0), RequestId: "r-1"}
	first, err := e.client.LogInteraction(e.ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	again, err := e.client.LogInteraction(e.ctx, req)
	if err != nil || !proto.Equal(first, again) {
		t.Fatalf("retry: %v %v", again, err)
	}
	other := proto.Clone(req).(*interactionv1.LogInteractionRequest)
	other.Interaction.Summary = "changed"
	_, err = e.client.LogInteraction(e.ctx, other)
	if info := servertest.WantCode(t, err, codes.InvalidArgument, "request_id"); info.GetReason() != "IDEMPOTENCY_KEY_REUSED" {
		t.Fatalf("reason %q", info.GetReason())
	}
	// The same source record twice, without request ids: stored once.
	ext := purchase(c, "o-2", eur(3, 0), t0)
	ext.SourceSystem, ext.ExternalId = "shop", "order-2"
	a, b := e.log(t, ext), e.log(t, ext)
	if a.GetName() != b.GetName() {
		t.Fatalf("source record stored twice: %s %s", a.GetName(), b.GetName())
	}
	list, _ := e.client.ListInteractions(e.ctx, &interactionv1.ListInteractionsRequest{Customer: c})
	if len(list.GetInteractions()) != 2 {
		t.Fatalf("timeline has %d interactions, want 2", len(list.GetInteractions()))
	}
}

func refund(customer, of string, amount int64, requestID string) *interactionv1.LogInteractionRequest {
	return &interactionv1.LogInteractionRequest{RequestId: requestID, Interaction: &interactionv1.Interaction{
		Customer: customer, Channel: interactionv1.Channel_CHANNEL_WEB, Direction: interactionv1.Direction_DIRECTION_INBOUND,
		Kind: interactionv1.InteractionKind_INTERACTION_KIND_REFUND, OccurTime: timestamppb.New(t0.Add(time.Hour)),
		Refund: &interactionv1.Refund{Purchase: of, Amount: eur(amount, 0)}}}
}

func TestRefundsNeverExceedTheirPurchase(t *testing.T) {
	t.Parallel()
	e := start(t)
	c, other := e.customer(t, "Buyer"), e.customer(t, "Other")
	p := e.log(t, purchase(c, "o-1", eur(100, 0), t0))
	if _, err := e.client.LogInteraction(e.ctx, refund(c, p.GetName(), 30, "rf-1")); err != nil {
		t.Fatal(err)
	}
	// Retrying the refund counts it once.
	if _, err := e.client.LogInteraction(e.ctx, refund(c, p.GetName(), 30, "rf-1")); err != nil {
		t.Fatal(err)
	}
	_, err := e.client.LogInteraction(e.ctx, refund(other, p.GetName(), 10, ""))
	servertest.WantCode(t, err, codes.InvalidArgument, "interaction.refund.purchase")
	// 70 remain: of five racing refunds of 30, exactly two fit.
	var wg sync.WaitGroup
	var mu sync.Mutex
	got := map[codes.Code]int{}
	for n := range 5 {
		wg.Go(func() {
			_, err := e.client.LogInteraction(e.ctx, refund(c, p.GetName(), 30, fmt.Sprint("race-", n)))
			mu.Lock()
			got[status.Code(err)]++
			mu.Unlock()
		})
	}
	wg.Wait()
	if got[codes.OK] != 2 || got[codes.FailedPrecondition] != 3 {
		t.Fatalf("racing refunds: %v, want 2 OK and 3 FAILED_PRECONDITION", got)
	}
}

func TestBatchItemsFailAlone(t *testing.T) {
	t.Parallel()
	e := start(t)
	c := e.customer(t, "Batch")
	bad := purchase(c, "o", eur(1, 0), t0)
	bad.Purchase = nil
	resp, err := e.client.BatchLogInteractions(e.ctx, &interactionv1.BatchLogInteractionsRequest{Requests: []*interactionv1.LogInteractionRequest{
		{Interaction: purchase(c, "o-1", eur(1, 0), t0)},
		{Interaction: bad},
		{Interaction: purchase("customers/ghost", "o-3", eur(1, 0), t0)},
		{Interaction: contact(c, interactionv1.InteractionKind_INTERACTION_KIND_SUPPORT, interactionv1.Channel_CHANNEL_PHONE, t0)},
	}})
	if err != nil {
		t.Fatal(err)
	}
	r := resp.GetResults()
	if len(r) != 4 || r[0].GetInteraction() == nil || r[3].GetInteraction() == nil {
		t.Fatalf("results: %v", r)
	}
	if r[1].GetError().GetCode() != int32(codes.InvalidArgument) || r[1].GetError().GetField() != "requests[1].interaction.purchase" {
		t.Errorf("item 1: %v", r[1].GetError())
	}
	if r[2].GetError().GetCode() != int32(codes.FailedPrecondition) || r[2].GetError().GetReason() != "CUSTOMER_NOT_FOUND" {
		t.Errorf("item 2: %v", r[2].GetError())
	}
	list, _ := e.client.ListInteractions(e.ctx, &interactionv1.ListInteractionsRequest{Customer: c})
	if len(list.GetInteractions()) != 2 {
		t.Fatalf("stored %d, want 2", len(list.GetInteractions()))
	}
}

func TestTimelinePagingAndFilters(t *testing.T) {
	t.Parallel()
	e := start(t)
	c, other := e.customer(t, "Timeline"), e.customer(t, "Other")
	for n := range 7 {
		kind, ch := interactionv1.InteractionKind_INTERACTION_KIND_INQUIRY, interactionv1.Channel_CHANNEL_EMAIL
		if n%2 == 0 {
			kind, ch = interactionv1.InteractionKind_INTERACTION_KIND_SUPPORT, interactionv1.Channel_CHANNEL_PHONE
		}
		i := contact(c, kind, ch, t0.Add(time.Duration(n)*time.Hour))
		i.Subject = fmt.Sprint("n", n)
		if n == 3 {
			i.Tags = []string{"vip"}
		}
		e.log(t, i)
	}
	e.log(t, contact(other, interactionv1.InteractionKind_INTERACTION_KIND_SUPPORT, interactionv1.Channel_CHANNEL_PHONE, t0))
	var got []string
	token := ""
	for {
		resp, err := e.client.ListInteractions(e.ctx, &interactionv1.ListInteractionsRequest{Customer: c, PageSize: 3, PageToken: token})
		if err != nil {
			t.Fatal(err)
		}
		for _, i := range resp.GetInteractions() {
			got = append(got, i.GetSubject())
		}
		if token = resp.GetNextPageToken(); token == "" {
			break
		}
	}
	if fmt.Sprint(got) != "[n6 n5 n4 n3 n2 n1 n0]" {
		t.Fatalf("timeline %v, want newest first", got)
	}
	count := func(req *interactionv1.ListInteractionsRequest) int {
		req.Customer = c
		resp, err := e.client.ListInteractions(e.ctx, req)
		if err != nil {
			t.Fatal(err)
		}
		return len(resp.GetInteractions())
	}
	if n := count(&interactionv1.ListInteractionsRequest{Channel: interactionv1.Channel_CHANNEL_PHONE}); n != 4 {
		t.Errorf("phone: %d", n)
	}
	if n := count(&interactionv1.ListInteractionsRequest{Kind: interactionv1.InteractionKind_INTERACTION_KIND_INQUIRY}); n != 3 {
		t.Errorf("inquiries: %d", n)
	}
	if n := count(&interactionv1.ListInteractionsRequest{Tag: "VIP"}); n != 1 {
		t.Errorf("tag: %d", n)
	}
	if n := count(&interactionv1.ListInteractionsRequest{OccurTimeFrom: timestamppb.New(t0.Add(2 * time.Hour)), OccurTimeTo: timestamppb.New(t0.Add(5 * time.Hour))}); n != 3 {
		t.Errorf("time range: %d", n)
	}
	first, _ := e.client.ListInteractions(e.ctx, &interactionv1.ListInteractionsRequest{Customer: c, PageSize: 2})
	_, err := e.client.ListInteractions(e.ctx, &interactionv1.ListInteractionsRequest{Customer: other, PageSize: 2, PageToken: first.GetNextPageToken()})
	servertest.WantCode(t, err, codes.InvalidArgument, "page_token")
}

func TestUpdateOnlyWhatMayChange(t *testing.T) {
	t.Parallel()
	e := start(t)
	c := e.customer(t, "Upd")
	i := e.log(t, contact(c, interactionv1.InteractionKind_INTERACTION_KIND_SUPPORT, interactionv1.Channel_CHANNEL_PHONE, t0))
	upd := &interactionv1.Interaction{Name: i.GetName(), Etag: i.GetEtag(), Summary: "fixed the router", Outcome: "resolved", Tags: []string{"Router"}}
	resp, err := e.client.UpdateInteraction(e.ctx, &interactionv1.UpdateInteractionRequest{Interaction: upd, UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"summary", "outcome", "tags"}}})
	if err != nil || resp.GetInteraction().GetOutcome() != "resolved" || fmt.Sprint(resp.GetInteraction().GetTags()) != "[router]" || resp.GetInteraction().GetEtag() == i.GetEtag() {
		t.Fatalf("update: %v %v", resp, err)
	}
	_, err = e.client.UpdateInteraction(e.ctx, &interactionv1.UpdateInteractionRequest{Interaction: upd, UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"summary"}}})
	servertest.WantCode(t, err, codes.Aborted, "")
	_, err = e.client.UpdateInteraction(e.ctx, &interactionv1.UpdateInteractionRequest{Interaction: &interactionv1.Interaction{Name: i.GetName()}, UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"channel"}}})
	servertest.WantCode(t, err, codes.InvalidArgument, "update_mask.paths")
}

func TestEventsCarryAmounts(t *testing.T) {
	t.Parallel()
	e := start(t)
	c := e.customer(t, "Feed")
	p := e.log(t, purchase(c, "o-1", eur(20, 0), t0))
	if _, err := e.client.LogInteraction(e.ctx, refund(c, p.GetName(), 5, "rf")); err != nil {
		t.Fatal(err)
	}
	stream, err := e.client.WatchInteractionEvents(e.ctx, &interactionv1.WatchInteractionEventsRequest{})
	if err != nil {
		t.Fatal(err)
	}
	var amounts []int64
	for range 2 {
		resp, err := stream.Recv()
		if err != nil {
			t.Fatal(err)
		}
		var logged interactionv1.InteractionLogged
		if err := resp.GetEvent().GetPayload().UnmarshalTo(&logged); err != nil {
			t.Fatal(err)
		}
		i := logged.GetInteraction()
		amounts = append(amounts, i.GetPurchase().GetAmount().GetUnits()+i.GetRefund().GetAmount().GetUnits())
	}
	if fmt.Sprint(amounts) != "[20 5]" {
		t.Fatalf("amounts in events: %v", amounts)
	}
}

// A batch may name more customers than customer-profile checks in one
// call (100): the check is split, and every item is logged.
func TestBatchOfManyCustomers(t *testing.T) {
	t.Parallel()
	e := start(t)
	var reqs []*interactionv1.LogInteractionRequest
	for n := range 130 {
		c := e.customer(t, fmt.Sprint("Many ", n))
		reqs = append(reqs, &interactionv1.LogInteractionRequest{Interaction: purchase(c, fmt.Sprint("m-", n), eur(1, 0), t0)})
	}
	reqs = append(reqs, &interactionv1.LogInteractionRequest{Interaction: purchase("customers/ghost", "m-ghost", eur(1, 0), t0)})
	resp, err := e.client.BatchLogInteractions(e.ctx, &interactionv1.BatchLogInteractionsRequest{Requests: reqs})
	if err != nil {
		t.Fatal(err)
	}
	for i, r := range resp.GetResults() {
		if (i < 130) != (r.GetError() == nil) {
			t.Fatalf("item %d: %v", i, r.GetError())
		}
	}
	if r := resp.GetResults()[130].GetError(); r.GetReason() != "CUSTOMER_NOT_FOUND" {
		t.Errorf("the unknown customer: %v", r)
	}
}
