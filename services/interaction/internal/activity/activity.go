// Package activity summarises a customer's interactions: counts, amounts
// per currency, purchase windows, satisfaction and channel mix. It
// accumulates one interaction at a time, so summaries are computed while a
// cursor streams, with memory for one customer only. (The embedded database
// computes only $sum in $group, so the $min/$max/$avg such a summary needs
// are done here; see docs/storage.md.)
package activity

import (
	"cmp"
	"slices"
	"time"

	"github.com/opencrm/crm/services/interaction/internal/record"
)

// DefaultWindows are the purchase windows when a caller names none.
var DefaultWindows = []int32{30, 90, 365}

// Window is purchases within the last Days days.
type Window struct {
	Days      int32
	Purchases int64
	Amounts   map[string]int64 // minor units per currency
}

// Summary is one customer's activity.
type Summary struct {
	CustomerID                  string
	Interactions                int64
	First, Last, LastPurchase   time.Time
	Purchases, Refunds          int64
	PurchaseAmounts, RefundAmts map[string]int64
	Windows                     []Window
	Complaints, OpenCases       int64
	satisfactionSum             float64
	SatisfactionResponses       int64
	Channels                    map[int32]int64
	now                         time.Time
}

// New starts a summary for a customer; windows end at now.
func New(customerID string, windowDays []int32, now time.Time) *Summary {
	if len(windowDays) == 0 {
		windowDays = DefaultWindows
	}
	s := &Summary{CustomerID: customerID, PurchaseAmounts: map[string]int64{}, RefundAmts: map[string]int64{}, Channels: map[int32]int64{}, now: now}
	for _, d := range windowDays {
		s.Windows = append(s.Windows, Window{Days: d, Amounts: map[string]int64{}})
	}
	return s
}

// Add counts one interaction of the customer.
func (s *Summary) Add(i *record.Interaction) {
	s.Interactions++
	if s.First.IsZero() || i.OccurTime.Before(s.First) {
		s.First = i.OccurTime
	}
	if i.OccurTime.After(s.Last) {
		s.Last = i.OccurTime
	}
	s.Channels[i.Channel]++
	switch {
	case i.Kind == record.KindPurchase && i.Purchase != nil:
		s.Purchases++
		s.PurchaseAmounts[i.Purchase.Amount.Currency] += i.Purchase.Amount.Minor
		if i.OccurTime.After(s.LastPurchase) {
			s.LastPurchase = i.OccurTime
		}
		for w := range s.Windows {
			if !i.OccurTime.Before(s.now.AddDate(0, 0, -int(s.Windows[w].Days))) {
				s.Windows[w].Purchases++
				s.Windows[w].Amounts[i.Purchase.Amount.Currency] += i.Purchase.Amount.Minor
			}
		}
	case i.Kind == record.KindRefund && i.Refund != nil:
		s.Refunds++
		s.RefundAmts[i.Refund.Amount.Currency] += i.Refund.Amount.Minor
	case i.Kind == record.KindComplaint:
		s.Complaints++
	}
	if i.Satisfaction != nil {
		s.SatisfactionResponses++
		s.satisfactionSum += i.Satisfaction.Ratio()
	}
}

// AverageSatisfaction is the mean satisfaction ratio, 0 without responses.
func (s *Summary) AverageSatisfaction() float64 {
	if s.SatisfactionResponses == 0 {
		return 0
	}
	return s.satisfactionSum / float64(s.SatisfactionResponses)
}

// ChannelCount is one channel's share of the interactions.
type ChannelCount struct {
	Channel      int32
	Interactions int64
}

// ChannelMix lists channels by use, most used first (ties by channel).
func (s *Summary) ChannelMix() []ChannelCount {
	out := make([]ChannelCount, 0, len(s.Channels))
	for ch, n := range s.Channels {
		out = append(out, ChannelCount{Channel: ch, Interactions: n})
	}
	slices.SortFunc(out, func(a, b ChannelCount) int {
		return cmp.Or(cmp.Compare(b.Interactions, a.Interactions), cmp.Compare(a.Channel, b.Channel))
	})
	return out
}
