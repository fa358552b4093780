package model

import (
	"slices"
	"testing"
)

func thresholds(p Params, fs []Features) Thresholds {
	c := NewCollector(p)
	for _, f := range fs {
		c.Add(f)
	}
	return c.Thresholds()
}

// buyer is a customer with n purchases in the window spending m, last
// bought r days ago.
func buyer(r, n, m float64) Features {
	return Features{Purchases: int64(n), RecencyDays: r, Frequency: n, PrevFrequency: n, Monetary: m, PrevMonetary: m,
		TenureDays: 400, SpanDays: 300, MeanSpend: m / n}
}

func TestQuintileEdgesAndTies(t *testing.T) {
	// Ten distinct values: two customers per quintile.
	var vals []float64
	for i := 1; i <= 10; i++ {
		vals = append(vals, float64(i))
	}
	d := NewDist(vals)
	var got []int
	for _, v := range vals {
		got = append(got, d.Quintile(v))
	}
	if want := []int{1, 1, 2, 2, 3, 3, 4, 4, 5, 5}; !slices.Equal(got, want) {
		t.Errorf("quintiles of 1..10 = %v, want %v", got, want)
	}
	// Ties share a score: six customers at 1 sit at the 30th percentile.
	d = NewDist([]float64{1, 1, 1, 1, 1, 1, 2, 3, 4, 5})
	if q := d.Quintile(1); q != 2 {
		t.Errorf("tied bottom six score %d, want 2", q)
	}
	if q := d.Quintile(5); q != 5 {
		t.Errorf("top scores %d, want 5", q)
	}
	// All equal: everyone in the middle.
	d = NewDist([]float64{7, 7, 7, 7})
	if q := d.Quintile(7); q != 3 {
		t.Errorf("all equal score %d, want 3", q)
	}
	// Outside the base: below is 1, above is 5; the empty base scores 3.
	if d.Quintile(1) != 1 || d.Quintile(100) != 5 || (Dist{}).Quintile(4) != 3 {
		t.Error("values outside the base or an empty base scored wrongly")
	}
}

func TestLargeDistStaysSmallAndClose(t *testing.T) {
	vals := make([]float64, 100_000)
	for i := range vals {
		vals[i] = float64(i / 3) // runs of three ties
	}
	d := NewDist(vals)
	if len(d.Values) > maxDistPoints+2 {
		t.Fatalf("kept %d points", len(d.Values))
	}
	for _, v := range []float64{0, 1234, 20_000, 33_333} {
		exact := (float64(3*int(v)) + 1.5) / float64(len(vals))
		if got := d.Percentile(v); got < exact-0.001 || got > exact+0.001 {
			t.Errorf("percentile(%v) = %v, want %v", v, got, exact)
		}
	}
}

func TestScoringOneCustomerAndEmptyBase(t *testing.T) {
	p := Defaults()
	th := thresholds(p, nil)
	if th.Customers != 0 {
		t.Fatal("empty base has customers")
	}
	// Scoring against an empty base (a customer arriving before any run)
	// still gives defined grades.
	s := th.Score(buyer(10, 2, 50))
	if s.Recency != 3 || s.Segment == "" || s.ABC != "C" {
		t.Errorf("against an empty base: %+v", s)
	}
	th = thresholds(p, []Features{buyer(10, 2, 50)})
	s = th.Score(buyer(10, 2, 50))
	if s.Recency != 3 || s.Frequency != 3 || s.Monetary != 3 || s.Segment != "loyal" {
		t.Errorf("one customer: %+v", s)
	}
	if s.Band != "platinum" || s.ABC != "A" {
		t.Errorf("the only customer is the top customer: band %s class %s", s.Band, s.ABC)
	}
	if s.CLVMethod != "simple" || s.CLVNote == "" {
		t.Errorf("one customer cannot fit BG/NBD: method %q note %q", s.CLVMethod, s.CLVNote)
	}
	prospect := th.Score(Features{})
	if prospect.Stage != StageProspect || prospect.Segment != "" || prospect.Recency != 0 || prospect.Band != "lead" {
		t.Errorf("prospect: %+v", prospect)
	}
}

func TestRFMSegmentsAndValueMatrix(t *testing.T) {
	p := Defaults()
	var base []Features
	for i := 1; i <= 10; i++ {
		// Customer i: recent, frequent and big in proportion to i.
		base = append(base, buyer(float64(110-10*i), float64(i), float64(100*i)))
	}
	th := thresholds(p, base)
	best := th.Score(base[9])
	if best.Recency != 5 || best.Frequency != 5 || best.Monetary != 5 || best.Segment != "champions" || best.Value != ValueBest {
		t.Errorf("best customer: %+v", best)
	}
	worst := th.Score(base[0])
	if worst.Recency != 1 || worst.FM != 1 || worst.Segment != "lost" || worst.Value != ValueDrifter {
		t.Errorf("worst customer: %+v", worst)
	}
	// Recent and big but rare: high value, low loyalty.
	spender := th.Score(Features{Purchases: 1, RecencyDays: 5, Frequency: 1, Monetary: 5000, TenureDays: 5, MeanSpend: 5000})
	if spender.Value != ValueBigSpender || spender.Recency != 5 {
		t.Errorf("big spender: %+v", spender)
	}
	// Absolute thresholds.
	p.Matrix = Matrix{Absolute: true, Value: 100, Loyalty: 3}
	th = thresholds(p, base)
	if v := th.Score(buyer(10, 3, 99)).Value; v != ValueLoyalSmall {
		t.Errorf("absolute matrix: %s, want %s", v, ValueLoyalSmall)
	}
}

func TestPyramidAndABC(t *testing.T) {
	p := Defaults()
	var base []Features
	for i := 1; i <= 100; i++ {
		base = append(base, buyer(10, 1, float64(i)))
	}
	th := thresholds(p, base)
	count := map[string]int{}
	abc := map[string]int{}
	for _, f := range base {
		s := th.Score(f)
		count[s.Band]++
		abc[s.ABC]++
	}
	if count["platinum"] != 1 || count["gold"] != 4 || count["iron"] != 15 || count["lead"] != 80 {
		t.Errorf("pyramid bands of 100 customers: %v", count)
	}
	// Revenue 1..100 (total 5050): the top customers up to 80% of it.
	var cum float64
	wantA := 0
	for i := 100; i >= 1 && cum < 0.8*5050; i-- {
		cum += float64(i)
		wantA++
	}
	if abc["A"] != wantA || abc["A"]+abc["B"]+abc["C"] != 100 || abc["B"] == 0 {
		t.Errorf("ABC classes: %v, want %d in A", abc, wantA)
	}
	if th.Pareto[99] != 1 || th.Pareto[19] <= 0.2 || th.Pareto[19] >= 0.5 {
		t.Errorf("Pareto curve: top 20%% = %v, all = %v", th.Pareto[19], th.Pareto[99])
	}
	// Threshold tiers (a bank's diamond/platinum/gold/mass).
	p.Pyramid = Pyramid{Absolute: true, Bands: []Band{{"diamond", 5_000_000}, {"platinum", 1_000_000}, {"gold", 100_000}, {"mass", 0}}}
	if err := p.Validate(""); err != nil {
		t.Fatal(err)
	}
	th = thresholds(p, base)
	for spend, want := range map[float64]string{6e6: "diamond", 1e6: "platinum", 99_999: "mass", 100_000: "gold"} {
		if got := th.Score(buyer(1, 1, spend)).Band; got != want {
			t.Errorf("spend %v: band %s, want %s", spend, got, want)
		}
	}
}

func TestAllEqualBase(t *testing.T) {
	base := []Features{buyer(10, 2, 50), buyer(10, 2, 50), buyer(10, 2, 50)}
	th := thresholds(Defaults(), base)
	for _, f := range base {
		s := th.Score(f)
		if s.Recency != 3 || s.Frequency != 3 || s.Monetary != 3 || s.Band != "platinum" || s.ABC != "A" {
			t.Errorf("all equal: %+v", s)
		}
	}
}

func TestChurnWarningAndStages(t *testing.T) {
	th := thresholds(Defaults(), nil)
	// Bought every 10 days, silent for 50: overdue.
	overdue := Features{Purchases: 5, RecencyDays: 50, Frequency: 5, PrevFrequency: 5, Monetary: 100, PrevMonetary: 100, TenureDays: 90, SpanDays: 40, MeanSpend: 20}
	s := th.Score(overdue)
	if !s.ChurnWarning || !slices.Contains(s.ChurnReasons, ReasonOverdue) || s.Stage != StageDecline {
		t.Errorf("overdue: %+v", s)
	}
	// Frequency halved while complaints rise.
	falling := Features{Purchases: 12, RecencyDays: 3, Frequency: 3, PrevFrequency: 9, Monetary: 30, PrevMonetary: 90, TenureDays: 700, SpanDays: 697, MeanSpend: 10, Complaints: 2, PrevComplaints: 0}
	s = th.Score(falling)
	want := []string{ReasonFrequencyFalling, ReasonSpendFalling, ReasonComplaintsRising}
	if !s.ChurnWarning || !slices.Equal(s.ChurnReasons, want) {
		t.Errorf("falling with complaints: reasons %v, want %v", s.ChurnReasons, want)
	}
	// Falling alone is no warning (the trend says falling, the stage decline).
	falling.Complaints = 0
	if s = th.Score(falling); s.ChurnWarning || s.Trend != "falling" || s.Stage != StageDecline {
		t.Errorf("falling without complaints: %+v", s)
	}
	for _, c := range []struct {
		f    Features
		want string
	}{
		{Features{Purchases: 1, RecencyDays: 5, Frequency: 1, TenureDays: 5}, StageExploration},
		{Features{Purchases: 3, RecencyDays: 5, Frequency: 3, PrevFrequency: 0, TenureDays: 200, SpanDays: 195}, StageFormation},
		{Features{Purchases: 9, RecencyDays: 5, Frequency: 4, PrevFrequency: 4, TenureDays: 700, SpanDays: 695}, StageStability},
		{Features{Purchases: 9, RecencyDays: 400, TenureDays: 900, SpanDays: 500}, StageChurned},
	} {
		if got := th.Score(c.f).Stage; got != c.want {
			t.Errorf("%+v: stage %s, want %s", c.f, got, c.want)
		}
	}
}

func TestLifetimeValue(t *testing.T) {
	p := Defaults()
	p.CLV = CLV{MarginRate: 0.5, DiscountRate: 0.1, HorizonYears: 3, FitSample: 100}
	p.WindowDays = 365
	th := thresholds(p, nil)
	s := th.Score(buyer(10, 2, 1000*365/365.25))
	// 1000 a year at 50% margin for three years at 10%: 500/1.1 + 500/1.21 + 500/1.331.
	near(t, "simple CLV", s.CLV, 500/1.1+500/1.21+500/1.331, 0.01)
	// With BG/NBD fitted, CLV follows the expected purchases.
	obs, spend := cdnow(t)
	th.Fit = fit(obs, spend)
	if !th.Fit.OK {
		t.Fatal(th.Fit.Reason)
	}
	active := th.Score(Features{Purchases: 11, RecencyDays: 7, TenureDays: 270, SpanDays: 263, MeanSpend: 30})
	lapsed := th.Score(Features{Purchases: 11, RecencyDays: 230, TenureDays: 270, SpanDays: 40, MeanSpend: 30})
	if active.CLVMethod != "bgnbd" || active.CLV <= lapsed.CLV || active.PAlive <= lapsed.PAlive {
		t.Errorf("active %+v vs lapsed %+v", active, lapsed)
	}
}

func TestSettingsValidation(t *testing.T) {
	if err := Defaults().Validate("settings."); err != nil {
		t.Fatalf("defaults invalid: %v", err)
	}
	p := Defaults()
	p.SegmentMap = append(p.SegmentMap[:1:1], p.SegmentMap[2:]...) // without "loyal", recency 3 x fm 3 has no name
	if err := p.Validate("settings."); err == nil {
		t.Error("a segment map with holes was accepted")
	}
	p = Defaults()
	p.Pyramid.Bands[1].Limit = 0.005
	if err := p.Validate(""); err == nil {
		t.Error("decreasing pyramid shares were accepted")
	}
}
