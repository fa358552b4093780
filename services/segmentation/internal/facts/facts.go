// Package facts builds what segment rules see of one customer
// (crm.segmentation.v1.SegmentFacts) from their metrics and grades.
package facts

import (
	"math"
	"slices"
	"time"

	segmentationv1 "github.com/opencrm/crm/gen/go/crm/segmentation/v1"
	"github.com/opencrm/crm/services/segmentation/internal/metrics"
	"github.com/opencrm/crm/services/segmentation/internal/model"
)

// Build returns the facts of customer c at now; amounts in minor units are
// scaled by 10^exponent.
func Build(c *metrics.Customer, s model.Scores, now time.Time, windowDays, exponent int) *segmentationv1.SegmentFacts {
	return &segmentationv1.SegmentFacts{
		Profile: profile(c.Profile, now),
		Metrics: behaviour(c, now, windowDays, math.Pow10(exponent)),
		Scores:  Scores(s),
	}
}

func profile(p metrics.Profile, now time.Time) *segmentationv1.ProfileFacts {
	f := &segmentationv1.ProfileFacts{
		Country: p.Country, Region: p.Region, LifecycleStage: p.LifecycleStage, Tags: p.Tags, Attributes: p.Attributes,
		BirthYear: int64(p.BirthYear), BirthMonth: int64(p.BirthMonth), Gender: p.Gender, Age: -1,
	}
	if p.BirthYear > 0 {
		age := now.Year() - int(p.BirthYear)
		if p.BirthMonth > 0 && (int(now.Month()) < int(p.BirthMonth) || (int(now.Month()) == int(p.BirthMonth) && now.Day() < int(p.BirthDay))) {
			age--
		}
		f.Age = int64(age)
	}
	if !p.Created.IsZero() {
		f.DaysSinceCreated = int64(now.Sub(p.Created).Hours() / 24)
	}
	return f
}

func since(now, t time.Time) float64 {
	if t.IsZero() {
		return -1
	}
	return math.Max(now.Sub(t).Hours()/24, 0)
}

func behaviour(c *metrics.Customer, now time.Time, windowDays int, scale float64) *segmentationv1.MetricFacts {
	wp, wa, _ := c.Window(now, 0, windowDays)
	p90, a90, c90 := c.Window(now, 0, 90)
	m := &segmentationv1.MetricFacts{
		Purchases: c.Purchases, Amount: float64(c.Amount) / scale,
		WindowPurchases: wp, WindowAmount: float64(wa) / scale,
		Purchases_90D: p90, Amount_90D: float64(a90) / scale,
		Refunds: c.Refunds, RefundAmount: float64(c.RefundAmount) / scale,
		DaysSinceLastPurchase:    since(now, c.LastPurchase),
		DaysSinceFirstPurchase:   since(now, c.FirstPurchase),
		MeanGapDays:              -1,
		ComplaintsOpen:           int64(len(c.OpenCases)),
		Complaints_90D:           c90,
		Complaints:               c.Complaints,
		SatisfactionCount:        c.SatisfactionN,
		DaysSinceLastInteraction: since(now, c.LastInteraction),
		Channels:                 c.Channels,
		Interactions:             c.Interactions,
	}
	if c.Purchases >= 2 {
		m.MeanGapDays = c.LastPurchase.Sub(c.FirstPurchase).Hours() / 24 / float64(c.Purchases-1)
	}
	if c.SatisfactionN > 0 {
		m.Satisfaction = c.SatisfactionSum / float64(c.SatisfactionN)
	}
	names := make([]string, 0, len(c.Channels))
	for ch := range c.Channels {
		names = append(names, ch)
	}
	slices.Sort(names) // ties go to the first name, the same every time
	for _, ch := range names {
		if c.Channels[ch] > c.Channels[m.TopChannel] {
			m.TopChannel = ch
		}
	}
	return m
}

// Scores converts grades to their facts.
func Scores(s model.Scores) *segmentationv1.ScoreFacts {
	return &segmentationv1.ScoreFacts{
		Recency: int64(s.Recency), Frequency: int64(s.Frequency), Monetary: int64(s.Monetary), Fm: int64(s.FM),
		RfmSegment: s.Segment, Trend: s.Trend, ValueClass: s.Value, PyramidBand: s.Band, AbcClass: s.ABC,
		LifecycleStage: s.Stage, ChurnWarning: s.ChurnWarning, ChurnReasons: s.ChurnReasons,
		PAlive: s.PAlive, ExpectedPurchases: s.ExpectedPurchases, Clv: s.CLV, ClvMethod: s.CLVMethod,
	}
}
