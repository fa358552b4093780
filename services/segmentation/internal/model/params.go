// Package model grades customers: RFM quintiles and named segments, the
// customer value matrix, the customer pyramid, Pareto/ABC classes,
// lifecycle stage and churn warning, and lifetime value (a discounted
// margin estimate and the BG/NBD + Gamma-Gamma model). It is pure: a run
// feeds it every customer's features twice (once to learn the base's
// distributions, once to score), and one customer can be scored later from
// the thresholds the run kept. docs/domain.md, "Grading and segments".
package model

import (
	"fmt"

	"github.com/opencrm/crm/pkg/apperr"
)

// Params are the models' settings; Defaults gives those of docs/domain.md.
type Params struct {
	// WindowDays is the RFM window: frequency and monetary count purchases
	// in the last WindowDays; trends compare with the window before it.
	WindowDays int `bson:"window_days"`
	// SegmentMap names RFM cells; the first rule that matches wins.
	SegmentMap []SegmentRule `bson:"segment_map"`
	// TrendChange is the relative change of frequency between windows
	// that counts as rising or falling (at least one purchase).
	TrendChange float64 `bson:"trend_change"`
	Matrix      Matrix  `bson:"matrix"`
	Pyramid     Pyramid `bson:"pyramid"`
	// AShare and BShare are the cumulative revenue shares of classes A
	// and A+B (0.8 and 0.95).
	AShare float64 `bson:"a_share"`
	BShare float64 `bson:"b_share"`
	Stage  Stage   `bson:"stage"`
	Churn  Churn   `bson:"churn"`
	CLV    CLV     `bson:"clv"`
}

// SegmentRule names the RFM cells with recency score in [RMin, RMax] and
// FM score (the mean of frequency and monetary scores, rounded up) in
// [FMMin, FMMax].
type SegmentRule struct {
	Name  string `bson:"name"`
	RMin  int    `bson:"r_min"`
	RMax  int    `bson:"r_max"`
	FMMin int    `bson:"fm_min"`
	FMMax int    `bson:"fm_max"`
}

// Matrix sets the customer value matrix's axes: value is the window's net
// spend, loyalty the window's purchase count. In percentile mode a customer
// is high on an axis at or above that percentile (0-1) of the base; in
// absolute mode at or above the figure (value in major currency units).
type Matrix struct {
	Absolute bool    `bson:"absolute"`
	Value    float64 `bson:"value"`
	Loyalty  float64 `bson:"loyalty"`
}

// Pyramid grades by the window's net spend, best band first. In percentile
// mode each band's Limit is the cumulative top share it reaches (0.01,
// 0.05, 0.20, 1); in absolute mode it is the least spend (major units) of
// the band, and the last band takes everyone else.
type Pyramid struct {
	Absolute bool   `bson:"absolute"`
	Bands    []Band `bson:"bands"`
}

// Band is one level of the pyramid.
type Band struct {
	Name  string  `bson:"name"`
	Limit float64 `bson:"limit"`
}

// Stage sets the behavioural lifecycle: a customer whose first purchase is
// under ExplorationDays old (or who bought once) explores, under
// StabilityDays forms, then is stable; no purchase for ChurnedDays is
// churned; a churn warning or falling frequency is decline.
type Stage struct {
	ExplorationDays int `bson:"exploration_days"`
	StabilityDays   int `bson:"stability_days"`
	ChurnedDays     int `bson:"churned_days"`
}

// Churn sets the churn warning: overdue when the time since the last
// purchase exceeds OverdueFactor times the customer's mean gap; at risk
// when BG/NBD's probability of being alive is below MinAlive; and falling
// frequency or spend (by FallingShare vs. the window before) while
// complaints in the last 90 days rise.
type Churn struct {
	OverdueFactor float64 `bson:"overdue_factor"`
	MinAlive      float64 `bson:"min_alive"`
	FallingShare  float64 `bson:"falling_share"`
}

// CLV sets lifetime value: CLV = sum over years t = 1..HorizonYears of
// (margin_t - AnnualCost) / (1 + DiscountRate)^t, where margin_t is
// MarginRate times the year's expected spend (the window's spend scaled to
// a year, or BG/NBD expected purchases times Gamma-Gamma expected spend).
type CLV struct {
	MarginRate   float64 `bson:"margin_rate"`
	DiscountRate float64 `bson:"discount_rate"`
	HorizonYears int     `bson:"horizon_years"`
	AnnualCost   float64 `bson:"annual_cost"`
	// FitSample bounds how many customers the BG/NBD and Gamma-Gamma fits
	// use (a uniform sample of the base), so a fit takes the same time for
	// any base size.
	FitSample int `bson:"fit_sample"`
}

// DefaultSegmentMap is the standard RFM segment map. It names all 25
// cells of recency x FM.
func DefaultSegmentMap() []SegmentRule {
	return []SegmentRule{
		{"champions", 4, 5, 4, 5},
		{"loyal", 3, 5, 3, 5},
		{"cannot_lose", 1, 2, 5, 5},
		{"at_risk", 1, 2, 3, 4},
		{"new", 5, 5, 1, 1},
		{"potential_loyalist", 4, 5, 2, 2},
		{"promising", 4, 4, 1, 1},
		{"need_attention", 3, 3, 2, 2},
		{"about_to_sleep", 3, 3, 1, 1},
		{"hibernating", 2, 2, 1, 2},
		{"lost", 1, 1, 1, 2},
	}
}

// Defaults returns the settings docs/domain.md names.
func Defaults() Params {
	return Params{
		WindowDays:  365,
		SegmentMap:  DefaultSegmentMap(),
		TrendChange: 0.25,
		Matrix:      Matrix{Value: 0.5, Loyalty: 0.5},
		Pyramid: Pyramid{Bands: []Band{
			{"platinum", 0.01}, {"gold", 0.05}, {"iron", 0.20}, {"lead", 1},
		}},
		AShare: 0.80,
		BShare: 0.95,
		Stage:  Stage{ExplorationDays: 90, StabilityDays: 365, ChurnedDays: 365},
		Churn:  Churn{OverdueFactor: 2, MinAlive: 0.3, FallingShare: 0.5},
		CLV:    CLV{MarginRate: 0.3, DiscountRate: 0.1, HorizonYears: 5, FitSample: 50_000},
	}
}

// Validate checks the settings; field paths are those of the API's
// Settings message under prefix.
func (p Params) Validate(prefix string) error {
	f := func(name string) string { return prefix + name }
	switch {
	case p.WindowDays < 7 || p.WindowDays > 3650:
		return apperr.Invalid(f("window_days"), "must be between 7 and 3650")
	case p.TrendChange <= 0 || p.TrendChange >= 1:
		return apperr.Invalid(f("trend_change"), "must be above 0 and below 1")
	case p.AShare <= 0 || p.AShare >= p.BShare || p.BShare >= 1:
		return apperr.Invalid(f("abc"), "need 0 < a_share < b_share < 1")
	case p.Stage.ExplorationDays < 1 || p.Stage.StabilityDays <= p.Stage.ExplorationDays || p.Stage.ChurnedDays < 1:
		return apperr.Invalid(f("stage"), "need 0 < exploration_days < stability_days and churned_days > 0")
	case p.Churn.OverdueFactor <= 1:
		return apperr.Invalid(f("churn.overdue_factor"), "must be above 1")
	case p.Churn.MinAlive < 0 || p.Churn.MinAlive >= 1:
		return apperr.Invalid(f("churn.min_alive"), "must be in [0, 1)")
	case p.Churn.FallingShare <= 0 || p.Churn.FallingShare >= 1:
		return apperr.Invalid(f("churn.falling_share"), "must be above 0 and below 1")
	case p.CLV.MarginRate <= 0 || p.CLV.MarginRate > 1:
		return apperr.Invalid(f("clv.margin_rate"), "must be above 0 and at most 1")
	case p.CLV.DiscountRate < 0 || p.CLV.DiscountRate > 1:
		return apperr.Invalid(f("clv.discount_rate"), "must be in [0, 1]")
	case p.CLV.HorizonYears < 1 || p.CLV.HorizonYears > 50:
		return apperr.Invalid(f("clv.horizon_years"), "must be between 1 and 50")
	case p.CLV.AnnualCost < 0:
		return apperr.Invalid(f("clv.annual_cost"), "must not be negative")
	case p.CLV.FitSample < 100 || p.CLV.FitSample > 1_000_000:
		return apperr.Invalid(f("clv.fit_sample"), "must be between 100 and 1000000")
	}
	if p.Matrix.Absolute {
		if p.Matrix.Value < 0 || p.Matrix.Loyalty < 0 {
			return apperr.Invalid(f("matrix"), "absolute thresholds must not be negative")
		}
	} else if p.Matrix.Value <= 0 || p.Matrix.Value >= 1 || p.Matrix.Loyalty <= 0 || p.Matrix.Loyalty >= 1 {
		return apperr.Invalid(f("matrix"), "percentile thresholds must be above 0 and below 1")
	}
	if err := p.Pyramid.validate(f("pyramid.bands")); err != nil {
		return err
	}
	return validateSegmentMap(f("segment_map"), p.SegmentMap)
}

func (py Pyramid) validate(field string) error {
	if len(py.Bands) < 2 || len(py.Bands) > 10 {
		return apperr.Invalid(field, "need 2 to 10 bands")
	}
	for i, b := range py.Bands {
		at := fmt.Sprintf("%s[%d]", field, i)
		if b.Name == "" || len(b.Name) > 64 {
			return apperr.Invalid(at+".name", "must have 1 to 64 characters")
		}
		last := i == len(py.Bands)-1
		switch {
		case !py.Absolute && (b.Limit <= 0 || b.Limit > 1):
			return apperr.Invalid(at+".limit", "a cumulative share must be above 0 and at most 1")
		case !py.Absolute && i > 0 && b.Limit <= py.Bands[i-1].Limit:
			return apperr.Invalid(at+".limit", "shares must increase from the top band down")
		case !py.Absolute && last && b.Limit != 1:
			return apperr.Invalid(at+".limit", "the last band must reach 1 (everyone)")
		case py.Absolute && !last && b.Limit < 0:
			return apperr.Invalid(at+".limit", "must not be negative")
		case py.Absolute && i > 0 && !last && b.Limit >= py.Bands[i-1].Limit:
			return apperr.Invalid(at+".limit", "least spends must decrease from the top band down")
		}
	}
	return nil
}

func validateSegmentMap(field string, rules []SegmentRule) error {
	if len(rules) == 0 || len(rules) > 25 {
		return apperr.Invalid(field, "need 1 to 25 rules")
	}
	for i, r := range rules {
		at := fmt.Sprintf("%s[%d]", field, i)
		if r.Name == "" || len(r.Name) > 64 {
			return apperr.Invalid(at+".name", "must have 1 to 64 characters")
		}
		if r.RMin < 1 || r.RMin > r.RMax || r.RMax > 5 || r.FMMin < 1 || r.FMMin > r.FMMax || r.FMMax > 5 {
			return apperr.Invalid(at, "score ranges must lie in 1-5 with min <= max")
		}
	}
	for rs := 1; rs <= 5; rs++ {
		for fm := 1; fm <= 5; fm++ {
			if rfmSegment(rules, rs, fm) == "" {
				return apperr.Invalid(field, "no rule names the cell recency=%d, fm=%d", rs, fm)
			}
		}
	}
	return nil
}

// SegmentOf names the RFM cell of recency score r and FM score fm.
func (p Params) SegmentOf(r, fm int) string { return rfmSegment(p.SegmentMap, r, fm) }

func rfmSegment(rules []SegmentRule, r, fm int) string {
	for _, s := range rules {
		if r >= s.RMin && r <= s.RMax && fm >= s.FMMin && fm <= s.FMMax {
			return s.Name
		}
	}
	return ""
}
