// Package facts builds what segment rules see of one customer from their
// metrics and grades: the fields the API documents in
// crm.segmentation.v1.SegmentFacts, as domain types (package celfacts
// hands them to CEL as the API's messages).
package facts

import (
	"math"
	"slices"
	"time"

	"github.com/opencrm/crm/services/segmentation/internal/metrics"
	"github.com/opencrm/crm/services/segmentation/internal/model"
)

// Build returns the facts of customer c at now; amounts in minor units are
// scaled by 10^exponent.
func Build(c *metrics.Customer, s model.Scores, now time.Time, windowDays, exponent int) *Facts {
	return &Facts{
		Profile: profile(c.Profile, now),
		Metrics: behaviour(c, now, windowDays, math.Pow10(exponent)),
		Scores:  Scores(s),
	}
}

func profile(p metrics.Profile, now time.Time) Profile {
	f := Profile{
		Country: p.Country, Region: p.Region, LifecycleStage: p.LifecycleStage, Tags: p.Tags, Attributes: p.Attributes,
		BirthYear: int64(p.BirthYear), BirthMonth: int64(p.BirthMonth), Gender: p.Gender, Age: -1, Consents: p.Consents,
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

func behaviour(c *metrics.Customer, now time.Time, windowDays int, scale float64) Metrics {
	wp, wa, _ := c.Window(now, 0, windowDays)
	p90, a90, c90 := c.Window(now, 0, 90)
	m := Metrics{
		Purchases: c.Purchases, Amount: float64(c.Amount) / scale,
		WindowPurchases: wp, WindowAmount: float64(wa) / scale,
		Purchases90D: p90, Amount90D: float64(a90) / scale,
		Refunds: c.Refunds, RefundAmount: float64(c.RefundAmount) / scale,
		DaysSinceLastPurchase:    since(now, c.LastPurchase),
		DaysSinceFirstPurchase:   since(now, c.FirstPurchase),
		MeanGapDays:              -1,
		ComplaintsOpen:           int64(len(c.OpenCases)),
		Complaints90D:            c90,
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
func Scores(s model.Scores) ScoreFacts {
	return ScoreFacts{
		Recency: int64(s.Recency), Frequency: int64(s.Frequency), Monetary: int64(s.Monetary), FM: int64(s.FM),
		RFMSegment: s.Segment, Trend: s.Trend, ValueClass: s.Value, PyramidBand: s.Band, ABCClass: s.ABC,
		LifecycleStage: s.Stage, ChurnWarning: s.ChurnWarning, ChurnReasons: s.ChurnReasons,
		PAlive: s.PAlive, ExpectedPurchases: s.ExpectedPurchases, CLV: s.CLV, CLVMethod: s.CLVMethod,
	}
}

// Facts are what a segment rule reads of one customer.
type Facts struct {
	Profile Profile
	Metrics Metrics
	Scores  ScoreFacts
}

// Profile is the customer's profile as rules see it.
type Profile struct {
	Country          string
	Region           string
	LifecycleStage   string
	Tags             []string
	Attributes       map[string]string
	BirthYear        int64
	BirthMonth       int64
	Age              int64 // -1 when unknown
	DaysSinceCreated int64
	Gender           string
	// Consents are the current consents, one per purpose and channel.
	Consents []metrics.Consent
}

// Metrics are the customer's behaviour as rules see it; amounts are in
// major units, "days since" figures are -1 when there was nothing.
type Metrics struct {
	Purchases                int64
	Amount                   float64
	WindowPurchases          int64
	WindowAmount             float64
	Purchases90D             int64
	Amount90D                float64
	Refunds                  int64
	RefundAmount             float64
	DaysSinceLastPurchase    float64
	DaysSinceFirstPurchase   float64
	MeanGapDays              float64
	ComplaintsOpen           int64
	Complaints90D            int64
	Complaints               int64
	Satisfaction             float64
	SatisfactionCount        int64
	DaysSinceLastInteraction float64
	Channels                 map[string]int64
	TopChannel               string
	Interactions             int64
}

// ScoreFacts are the customer's grades as rules see them.
type ScoreFacts struct {
	Recency           int64
	Frequency         int64
	Monetary          int64
	FM                int64
	RFMSegment        string
	Trend             string
	ValueClass        string
	PyramidBand       string
	ABCClass          string
	LifecycleStage    string
	ChurnWarning      bool
	ChurnReasons      []string
	PAlive            float64
	ExpectedPurchases float64
	CLV               float64
	CLVMethod         string
}
