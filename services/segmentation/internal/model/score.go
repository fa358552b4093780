package model

import (
	"math"
	"math/rand/v2"
	"slices"
)

// Features are what the models read of one customer at one moment, derived
// from their metrics. Money is in major currency units.
type Features struct {
	// Purchases counts all purchases ever; 0 makes a prospect.
	Purchases int64
	// RecencyDays is the time since the last purchase.
	RecencyDays float64
	// Frequency and Monetary are the purchases and net spend (purchases
	// less refunds) in the window; Prev* in the window before it.
	Frequency, PrevFrequency float64
	Monetary, PrevMonetary   float64
	// TenureDays is the time since the first purchase; SpanDays from the
	// first purchase to the last.
	TenureDays, SpanDays float64
	// MeanSpend is the mean value of a purchase, all time.
	MeanSpend float64
	// Complaints in the last 90 days and in the 90 days before.
	Complaints, PrevComplaints int64
}

func (f Features) obs() Obs {
	return Obs{X: float64(max(f.Purchases-1, 0)), Tx: f.SpanDays / 7, T: f.TenureDays / 7}
}

// Collector learns the base's distributions in a run's first pass. It
// keeps three figures per purchasing customer and a bounded sample for the
// model fits, so its memory grows only by those values.
type Collector struct {
	p                       Params
	recency, freq, monetary []float64
	prospects               int64
	sample                  []Obs
	spend                   []Spend
	seen                    int
	rng                     *rand.Rand
}

// NewCollector starts a first pass.
func NewCollector(p Params) *Collector {
	return &Collector{p: p, rng: rand.New(rand.NewPCG(1, 2))} //nolint:gosec // seeded on purpose: the fit's sample is the same in every run
}

// Add takes one customer.
func (c *Collector) Add(f Features) {
	if f.Purchases == 0 {
		c.prospects++
		return
	}
	c.recency = append(c.recency, -f.RecencyDays)
	c.freq = append(c.freq, f.Frequency)
	c.monetary = append(c.monetary, f.Monetary)
	// Reservoir sampling: every purchasing customer is equally likely to
	// be in the fit sample, whatever the base's size.
	c.seen++
	o := f.obs()
	s := Spend{X: o.X, Mean: f.MeanSpend}
	if len(c.sample) < c.p.CLV.FitSample {
		c.sample = append(c.sample, o)
		c.spend = append(c.spend, s)
	} else if j := c.rng.IntN(c.seen); j < len(c.sample) {
		c.sample[j], c.spend[j] = o, s
	}
}

// Fit reports how the probabilistic models fared on the base.
type Fit struct {
	BGNBD      BGNBD      `bson:"bgnbd"`
	GammaGamma GammaGamma `bson:"gamma_gamma"`
	// OK is set when both fits converged; otherwise Reason says why and
	// lifetime value falls back to the simple estimate.
	OK            bool    `bson:"ok"`
	Reason        string  `bson:"reason,omitempty"`
	LogLikelihood float64 `bson:"log_likelihood"`
	Sample        int     `bson:"sample"`
}

// Thresholds are what a run learned of the base: enough to score any one
// customer later exactly as the run scored them.
type Thresholds struct {
	Params    Params `bson:"params"`
	Customers int64  `bson:"customers"`
	Prospects int64  `bson:"prospects"`
	Recency   Dist   `bson:"recency"`
	Frequency Dist   `bson:"frequency"`
	Monetary  Dist   `bson:"monetary"`
	// PyramidCuts[i] is the least window spend of band i (all but the
	// last band).
	PyramidCuts []float64 `bson:"pyramid_cuts"`
	// ACut and BCut are the least window spend of classes A and B.
	ACut float64 `bson:"a_cut"`
	BCut float64 `bson:"b_cut"`
	Fit  Fit     `bson:"fit"`
	// Pareto[i] is the share of net revenue from the top (i+1)% of
	// customers.
	Pareto []float64 `bson:"pareto"`
}

// Thresholds ends the first pass.
func (c *Collector) Thresholds() Thresholds {
	slices.Sort(c.recency)
	slices.Sort(c.freq)
	slices.Sort(c.monetary)
	t := Thresholds{
		Params:    c.p,
		Customers: int64(len(c.monetary)) + c.prospects,
		Prospects: c.prospects,
		Recency:   NewDist(c.recency),
		Frequency: NewDist(c.freq),
		Monetary:  NewDist(c.monetary),
	}
	v := spendView{asc: c.monetary, prospects: c.prospects}
	for _, b := range c.p.Pyramid.Bands[:len(c.p.Pyramid.Bands)-1] {
		cut := b.Limit // absolute: the band's least spend
		if !c.p.Pyramid.Absolute {
			cut = v.rankCut(b.Limit)
		}
		t.PyramidCuts = append(t.PyramidCuts, cut)
	}
	t.ACut, t.BCut, t.Pareto = v.abc(c.p.AShare, c.p.BShare)
	t.Fit = fit(c.sample, c.spend)
	return t
}

func fit(sample []Obs, spend []Spend) Fit {
	f := Fit{Sample: len(sample)}
	m, ll, err := FitBGNBD(sample)
	if err != nil {
		f.Reason = "BG/NBD: " + err.Error()
		return f
	}
	f.BGNBD, f.LogLikelihood = m, ll
	g, _, err := FitGammaGamma(spend)
	if err != nil {
		f.Reason = "Gamma-Gamma: " + err.Error()
		return f
	}
	f.GammaGamma, f.OK = g, true
	return f
}

// spendView is the whole base's window spend in descending order: the
// purchasing customers' (ascending in asc) with a zero for every prospect.
type spendView struct {
	asc       []float64
	prospects int64
}

func (v spendView) len() int { return len(v.asc) + int(v.prospects) }

// at returns the j-th largest spend.
func (v spendView) at(j int) float64 {
	positive := len(v.asc) - sortedAbove(v.asc, 0)
	if j < positive {
		return v.asc[len(v.asc)-1-j]
	}
	j -= positive
	if j < int(v.prospects) {
		return 0
	}
	return v.asc[len(v.asc)-1-positive-(j-int(v.prospects))]
}

// sortedAbove returns the index of the first value above x in asc.
func sortedAbove(asc []float64, x float64) int {
	i, _ := slices.BinarySearchFunc(asc, x, func(e, t float64) int {
		if e <= t {
			return -1
		}
		return 1
	})
	return i
}

// rankCut is the least spend that puts a customer among the top share of
// the base: fewer than share x n customers spend more than them.
func (v spendView) rankCut(share float64) float64 {
	n := v.len()
	if n == 0 {
		return 0
	}
	j := int(math.Ceil(share*float64(n))) - 1
	return v.at(min(max(j, 0), n-1))
}

// abc returns the least spends of classes A and B (the customers whose
// better-ranked customers bring less than aShare, resp. bShare, of net
// revenue) and the Pareto curve. Only positive spend counts as revenue;
// customers without it are C.
func (v spendView) abc(aShare, bShare float64) (aCut, bCut float64, pareto []float64) {
	n := v.len()
	var total float64
	for _, x := range v.asc {
		total += max(x, 0)
	}
	// No revenue: no one reaches A or B (a finite figure, as stored).
	aCut, bCut = math.MaxFloat64, math.MaxFloat64
	pareto = make([]float64, 100)
	if n == 0 || total == 0 {
		return aCut, bCut, pareto
	}
	var cum float64
	next := 0
	for j := range n {
		x := v.at(j)
		if x > 0 {
			if cum < aShare*total {
				aCut = x
			}
			if cum < bShare*total {
				bCut = x
			}
			cum += x
		}
		for next < 100 && j+1 >= int(math.Ceil(float64(next+1)/100*float64(n))) {
			pareto[next] = cum / total
			next++
		}
	}
	return aCut, bCut, pareto
}

// Scores are one customer's grades. The short document keys keep the
// millions of stored scores small.
type Scores struct {
	// Recency, Frequency and Monetary are quintile scores 1-5; 0 for a
	// prospect. FM is the mean of F and M rounded up.
	Recency   int `bson:"r,omitempty"`
	Frequency int `bson:"f,omitempty"`
	Monetary  int `bson:"m,omitempty"`
	FM        int `bson:"fm,omitempty"`
	// Segment is the RFM segment; "" for a prospect.
	Segment string `bson:"sg,omitempty"`
	// Trend is "rising", "falling" or "steady" (frequency vs. the window
	// before).
	Trend string `bson:"tr"`
	// Value is the value-matrix class; "" for a prospect.
	Value string `bson:"v,omitempty"`
	Band  string `bson:"b"`
	ABC   string `bson:"abc"`
	Stage string `bson:"st"`
	// Churn warning and its reasons.
	ChurnWarning bool     `bson:"cw,omitempty"`
	ChurnReasons []string `bson:"cr,omitempty"`
	// PAlive and ExpectedPurchases (next year) from BG/NBD; -1 when the
	// model is not fitted.
	PAlive            float64 `bson:"pa"`
	ExpectedPurchases float64 `bson:"ep"`
	CLV               float64 `bson:"clv"`
	// CLVMethod is "bgnbd" or "simple"; CLVNote says why the simple one
	// (the run's fit, so not stored with each customer).
	CLVMethod string `bson:"cm"`
	CLVNote   string `bson:"-"`
}

// Value-matrix classes, with the treatment each calls for.
const (
	ValueBest       = "best"        // high value, high loyalty: keep and reward
	ValueBigSpender = "big_spender" // high value, low loyalty: at risk of being poached, win loyalty
	ValueLoyalSmall = "loyal_small" // low value, high loyalty: grow the basket
	ValueDrifter    = "drifter"     // low value, low loyalty: serve at low cost
)

// Lifecycle stages.
const (
	StageProspect    = "prospect"
	StageExploration = "exploration"
	StageFormation   = "formation"
	StageStability   = "stability"
	StageDecline     = "decline"
	StageChurned     = "churned"
)

// Churn-warning reasons.
const (
	ReasonOverdue          = "overdue"
	ReasonLowPAlive        = "low_p_alive"
	ReasonFrequencyFalling = "frequency_falling"
	ReasonSpendFalling     = "spend_falling"
	ReasonComplaintsRising = "complaints_rising"
	daysPerYear            = 365.25
	weeksPerYear           = daysPerYear / 7
)

// Score grades one customer.
func (t *Thresholds) Score(f Features) Scores {
	p := t.Params
	s := Scores{Trend: "steady", PAlive: -1, ExpectedPurchases: -1}
	s.Band = p.Pyramid.Bands[len(p.Pyramid.Bands)-1].Name
	for i, cut := range t.PyramidCuts {
		if f.Monetary >= cut && (f.Purchases > 0 || p.Pyramid.Absolute) {
			s.Band = p.Pyramid.Bands[i].Name
			break
		}
	}
	switch {
	case f.Monetary > 0 && f.Monetary >= t.ACut:
		s.ABC = "A"
	case f.Monetary > 0 && f.Monetary >= t.BCut:
		s.ABC = "B"
	default:
		s.ABC = "C"
	}
	if f.Purchases == 0 {
		s.Stage = StageProspect
		s.CLVMethod = "simple"
		return s
	}
	s.Recency = t.Recency.Quintile(-f.RecencyDays)
	s.Frequency = t.Frequency.Quintile(f.Frequency)
	s.Monetary = t.Monetary.Quintile(f.Monetary)
	s.FM = (s.Frequency + s.Monetary + 1) / 2
	s.Segment = rfmSegment(p.SegmentMap, s.Recency, s.FM)
	change := math.Max(1, p.TrendChange*f.PrevFrequency)
	switch {
	case f.Frequency >= f.PrevFrequency+change:
		s.Trend = "rising"
	case f.Frequency <= f.PrevFrequency-change:
		s.Trend = "falling"
	}
	s.Value = t.valueClass(f)
	t.lifetime(f, &s)
	t.churn(f, &s)
	s.Stage = t.stage(f, s)
	return s
}

func (t *Thresholds) valueClass(f Features) string {
	m := t.Params.Matrix
	var high, loyal bool
	if m.Absolute {
		high, loyal = f.Monetary >= m.Value, f.Frequency >= m.Loyalty
	} else {
		high, loyal = t.Monetary.Percentile(f.Monetary) >= m.Value, t.Frequency.Percentile(f.Frequency) >= m.Loyalty
	}
	switch {
	case high && loyal:
		return ValueBest
	case high:
		return ValueBigSpender
	case loyal:
		return ValueLoyalSmall
	}
	return ValueDrifter
}

// lifetime estimates CLV: by BG/NBD and Gamma-Gamma when fitted, else from
// the window's spend scaled to a year.
func (t *Thresholds) lifetime(f Features, s *Scores) {
	c := t.Params.CLV
	discount := func(t int) float64 { return math.Pow(1+c.DiscountRate, float64(t)) }
	if t.Fit.OK {
		o := f.obs()
		s.PAlive = t.Fit.BGNBD.PAlive(o)
		spend := t.Fit.GammaGamma.ExpectedSpend(Spend{X: o.X, Mean: f.MeanSpend})
		prev, total := 0.0, 0.0
		for y := 1; y <= c.HorizonYears; y++ {
			cum := t.Fit.BGNBD.Expected(o, float64(y)*weeksPerYear)
			total += ((cum-prev)*spend*c.MarginRate - c.AnnualCost) / discount(y)
			if y == 1 {
				s.ExpectedPurchases = cum
			}
			prev = cum
		}
		s.CLV, s.CLVMethod = total, "bgnbd"
		return
	}
	annual := f.Monetary * daysPerYear / float64(t.Params.WindowDays)
	for y := 1; y <= c.HorizonYears; y++ {
		s.CLV += (annual*c.MarginRate - c.AnnualCost) / discount(y)
	}
	s.CLVMethod, s.CLVNote = "simple", t.Fit.Reason
}

func (t *Thresholds) churn(f Features, s *Scores) {
	p := t.Params
	if f.RecencyDays >= float64(p.Stage.ChurnedDays) {
		return // already churned: a warning comes too late
	}
	if f.Purchases >= 2 {
		gap := f.SpanDays / float64(f.Purchases-1)
		if gap > 0 && f.RecencyDays > p.Churn.OverdueFactor*gap {
			s.ChurnReasons = append(s.ChurnReasons, ReasonOverdue)
		}
	}
	if s.PAlive >= 0 && s.PAlive < p.Churn.MinAlive {
		s.ChurnReasons = append(s.ChurnReasons, ReasonLowPAlive)
	}
	if f.Complaints > f.PrevComplaints {
		var falling []string
		if f.PrevFrequency > 0 && f.Frequency <= (1-p.Churn.FallingShare)*f.PrevFrequency {
			falling = append(falling, ReasonFrequencyFalling)
		}
		if f.PrevMonetary > 0 && f.Monetary <= (1-p.Churn.FallingShare)*f.PrevMonetary {
			falling = append(falling, ReasonSpendFalling)
		}
		if len(falling) > 0 {
			s.ChurnReasons = append(append(s.ChurnReasons, falling...), ReasonComplaintsRising)
		}
	}
	s.ChurnWarning = len(s.ChurnReasons) > 0
}

func (t *Thresholds) stage(f Features, s Scores) string {
	p := t.Params.Stage
	switch {
	case f.RecencyDays >= float64(p.ChurnedDays):
		return StageChurned
	case s.ChurnWarning || s.Trend == "falling":
		return StageDecline
	case f.Purchases <= 1 || f.TenureDays < float64(p.ExplorationDays):
		return StageExploration
	case f.TenureDays < float64(p.StabilityDays):
		return StageFormation
	}
	return StageStability
}
