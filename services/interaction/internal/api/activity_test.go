package api_test

import (
	"errors"
	"io"
	"testing"
	"time"

	interactionv1 "github.com/opencrm/crm/gen/go/crm/interaction/v1"
)

func TestCustomerActivity(t *testing.T) {
	t.Parallel()
	e := start(t)
	c, other := e.customer(t, "Active"), e.customer(t, "Quiet")
	now := time.Now().UTC()
	p := e.log(t, purchase(c, "o-1", eur(100, 0), now.AddDate(0, 0, -10)))
	e.log(t, purchase(c, "o-2", eur(50, 500_000_000), now.AddDate(0, 0, -200)))
	if _, err := e.client.LogInteraction(e.ctx, refund(c, p.GetName(), 20, "rf")); err != nil {
		t.Fatal(err)
	}
	sat := complaint(c, interactionv1.CasePriority_CASE_PRIORITY_HIGH, "", now.AddDate(0, 0, -1))
	sat.Satisfaction = &interactionv1.Satisfaction{Expectation: 8, Experience: 2}
	e.log(t, sat)
	e.log(t, purchase(other, "o-3", eur(1, 0), now.AddDate(0, 0, -1)))

	resp, err := e.client.GetCustomerActivity(e.ctx, &interactionv1.GetCustomerActivityRequest{Customer: c, WindowDays: []int32{30, 365}})
	if err != nil {
		t.Fatal(err)
	}
	a := resp.GetActivity()
	if a.GetInteractions() != 4 || a.GetPurchases() != 2 || a.GetPurchaseAmounts()[0].GetUnits() != 150 || a.GetPurchaseAmounts()[0].GetNanos() != 500_000_000 ||
		a.GetRefunds() != 1 || a.GetRefundAmounts()[0].GetUnits() != 20 || a.GetComplaints() != 1 || a.GetOpenCases() != 1 ||
		a.GetAverageSatisfaction() != 0.25 || a.GetSatisfactionResponses() != 1 {
		t.Fatalf("activity: %v", a)
	}
	if w := a.GetWindows(); len(w) != 2 || w[0].GetPurchases() != 1 || w[0].GetPurchaseAmounts()[0].GetUnits() != 100 || w[1].GetPurchases() != 2 {
		t.Fatalf("windows: %v", w)
	}
	if mix := a.GetChannelMix(); mix[0].GetChannel() != interactionv1.Channel_CHANNEL_WEB || mix[0].GetInteractions() != 3 {
		t.Fatalf("channel mix: %v", mix)
	}
	empty, err := e.client.GetCustomerActivity(e.ctx, &interactionv1.GetCustomerActivityRequest{Customer: "customers/none"})
	if err != nil || empty.GetActivity().GetInteractions() != 0 || empty.GetActivity().GetLastInteractionTime() != nil {
		t.Fatalf("no activity: %v %v", empty, err)
	}

	stream, err := e.client.SummarizeActivity(e.ctx, &interactionv1.SummarizeActivityRequest{})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]int64{}
	for {
		resp, err := stream.Recv()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		got[resp.GetActivity().GetCustomer()] = resp.GetActivity().GetInteractions()
	}
	if len(got) != 2 || got[c] != 4 || got[other] != 1 {
		t.Fatalf("summaries: %v", got)
	}
}
