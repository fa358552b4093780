package metrics

import (
	"testing"
	"time"
)

var now = time.Date(2026, 6, 30, 12, 0, 0, 0, time.UTC)

func ago(days int) time.Time { return now.AddDate(0, 0, -days) }

func TestWindowsRollAndRefundsNet(t *testing.T) {
	var c Customer
	c.Purchase(ago(400), 10_00, false, "web")
	c.Purchase(ago(100), 50_00, false, "web")
	c.Purchase(ago(10), 30_00, false, "phone")
	c.Refund(ago(5), 20_00, false, "phone")
	c.Purchase(ago(3), 99_00, true, "web") // another currency: counted, no spend
	f := c.Features(now, 365, 2)
	if f.Purchases != 4 || f.Frequency != 3 || f.PrevFrequency != 1 {
		t.Errorf("purchases %d, window %v, previous window %v", f.Purchases, f.Frequency, f.PrevFrequency)
	}
	if f.Monetary != 60 || f.PrevMonetary != 10 || c.Amount != 70_00 {
		t.Errorf("window spend %v, previous %v, net ever %d", f.Monetary, f.PrevMonetary, c.Amount)
	}
	if f.RecencyDays != 3 || f.TenureDays != 400 || f.SpanDays != 397 || f.MeanSpend != 70.0/3 {
		t.Errorf("recency %v tenure %v span %v mean %v", f.RecencyDays, f.TenureDays, f.SpanDays, f.MeanSpend)
	}
	if c.Channels["web"] != 3 || c.Channels["phone"] != 2 || c.Interactions != 5 {
		t.Errorf("channels %v interactions %d", c.Channels, c.Interactions)
	}
	// Days older than the kept history go; the totals stay.
	c.Prune(now.AddDate(3, 0, 0), 365)
	if len(c.Days) != 0 || c.Purchases != 4 {
		t.Errorf("after pruning: %d days, %d purchases", len(c.Days), c.Purchases)
	}
}

func TestComplaintsCasesAndSatisfaction(t *testing.T) {
	var c Customer
	c.Complaint(ago(10), "phone")
	c.Complaint(ago(120), "email")
	c.Case("a", true)
	c.Case("a", true)
	c.Case("b", true)
	c.Case("a", false)
	c.Satisfaction(1.2)
	c.Satisfaction(0.8)
	c.Satisfaction(0) // no score
	f := c.Features(now, 365, 2)
	if f.Complaints != 1 || f.PrevComplaints != 1 || len(c.OpenCases) != 1 || c.OpenCases[0] != "b" {
		t.Errorf("complaints %d/%d open %v", f.Complaints, f.PrevComplaints, c.OpenCases)
	}
	if c.SatisfactionN != 2 || c.SatisfactionSum != 2 {
		t.Errorf("satisfaction %v over %d", c.SatisfactionSum, c.SatisfactionN)
	}
}

func TestAbsorbAddsTheLosersBehaviour(t *testing.T) {
	var s, l Customer
	s.Purchase(ago(10), 10_00, false, "web")
	s.ISeq = 7
	l.Purchase(ago(50), 20_00, false, "web")
	l.Purchase(ago(10), 5_00, false, "sms")
	l.Case("x", true)
	l.ISeq = 9
	s.Absorb(&l)
	f := s.Features(now, 365, 2)
	if f.Purchases != 3 || f.Monetary != 35 || f.TenureDays != 50 || s.ISeq != 9 || len(s.OpenCases) != 1 {
		t.Errorf("merged: %+v iseq %d cases %v", f, s.ISeq, s.OpenCases)
	}
	if len(s.Days) != 2 || s.Days[1].Purchases != 2 {
		t.Errorf("merged days %+v", s.Days)
	}
}
