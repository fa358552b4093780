package activity_test

import (
	"testing"
	"time"

	"github.com/opencrm/crm/services/interaction/internal/activity"
	"github.com/opencrm/crm/services/interaction/internal/record"
)

func TestSummary(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)
	buy := func(daysAgo int, minor int64, cur string) *record.Interaction {
		return &record.Interaction{Kind: record.KindPurchase, Channel: 6, OccurTime: now.AddDate(0, 0, -daysAgo),
			Purchase: &record.Purchase{Amount: record.Amount{Minor: minor, Currency: cur}}}
	}
	s := activity.New("c", []int32{30, 365}, now)
	for _, i := range []*record.Interaction{
		buy(10, 1000, "EUR"), buy(100, 500, "EUR"), buy(400, 700, "USD"),
		{Kind: record.KindRefund, Channel: 1, OccurTime: now.AddDate(0, 0, -5), Refund: &record.Refund{Amount: record.Amount{Minor: 200, Currency: "EUR"}}},
		{Kind: record.KindComplaint, Channel: 1, OccurTime: now.AddDate(0, 0, -4), Satisfaction: &record.Satisfaction{Expectation: 8, Experience: 4}},
		{Kind: 3, Channel: 1, OccurTime: now.AddDate(0, 0, -3), Satisfaction: &record.Satisfaction{Expectation: 5, Experience: 10}},
	} {
		s.Add(i)
	}
	if s.Interactions != 6 || s.Purchases != 3 || s.PurchaseAmounts["EUR"] != 1500 || s.PurchaseAmounts["USD"] != 700 ||
		s.Refunds != 1 || s.RefundAmts["EUR"] != 200 || s.Complaints != 1 {
		t.Fatalf("totals: %+v", s)
	}
	if w := s.Windows[0]; w.Days != 30 || w.Purchases != 1 || w.Amounts["EUR"] != 1000 {
		t.Fatalf("30 days: %+v", w)
	}
	if w := s.Windows[1]; w.Purchases != 2 || w.Amounts["EUR"] != 1500 || w.Amounts["USD"] != 0 {
		t.Fatalf("365 days: %+v", w)
	}
	if !s.First.Equal(now.AddDate(0, 0, -400)) || !s.Last.Equal(now.AddDate(0, 0, -3)) || !s.LastPurchase.Equal(now.AddDate(0, 0, -10)) {
		t.Fatalf("times: %v %v %v", s.First, s.Last, s.LastPurchase)
	}
	if s.AverageSatisfaction() != 1.25 || s.SatisfactionResponses != 2 {
		t.Fatalf("satisfaction %v", s.AverageSatisfaction())
	}
	if mix := s.ChannelMix(); len(mix) != 2 || mix[0].Channel != 1 || mix[0].Interactions != 3 {
		t.Fatalf("channel mix %v", mix)
	}
}
