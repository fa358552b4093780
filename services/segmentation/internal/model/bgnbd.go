package model

import (
	"errors"
	"math"
	"slices"
)

// Obs is one customer as the BG/NBD model sees them: X repeat purchases,
// the last at Tx after the first, observed for T since the first (any one
// time unit; the run uses weeks).
type Obs struct {
	X, Tx, T float64
}

// BGNBD holds the BG/NBD model's parameters (Fader, Hardie and Lee,
// "Counting Your Customers the Easy Way", 2005): purchase rates are
// Gamma(R, Alpha) across customers, drop-out probabilities Beta(A, B).
type BGNBD struct {
	R     float64 `bson:"r"`
	Alpha float64 `bson:"alpha"`
	A     float64 `bson:"a"`
	B     float64 `bson:"b"`
}

// errNoFit is returned when a sample cannot identify a model.
var errNoFit = errors.New("too few repeat customers to fit")

// obsGroup is the observations sharing one X, whose log-gamma terms are
// computed once per evaluation.
type obsGroup struct {
	x   float64
	obs []Obs
}

func groupByX(sample []Obs) []obsGroup {
	s := slices.Clone(sample)
	slices.SortFunc(s, func(a, b Obs) int { return cmpFloat(a.X, b.X) })
	var gs []obsGroup
	for i := 0; i < len(s); {
		j := i
		for j < len(s) && s[j].X == s[i].X {
			j++
		}
		gs = append(gs, obsGroup{x: s[i].X, obs: s[i:j]})
		i = j
	}
	return gs
}

func cmpFloat(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func lgamma(x float64) float64 {
	v, _ := math.Lgamma(x)
	return v
}

// LogLikelihood is the sample's log-likelihood under m.
func (m BGNBD) LogLikelihood(sample []Obs) float64 {
	return m.logLikelihood(groupByX(sample))
}

func (m BGNBD) logLikelihood(groups []obsGroup) float64 {
	r, alpha, a, b := m.R, m.Alpha, m.A, m.B
	base := lgamma(a+b) - lgamma(b) - lgamma(r) + r*math.Log(alpha)
	var ll float64
	for _, g := range groups {
		x := g.x
		common := base + lgamma(r+x) + lgamma(b+x) - lgamma(a+b+x)
		var logA4 float64
		if x > 0 {
			logA4 = math.Log(a) - math.Log(b+x-1)
		}
		for _, o := range g.obs {
			a3 := -(r + x) * math.Log(alpha+o.T)
			l := a3
			if x > 0 {
				a4 := logA4 - (r+x)*math.Log(alpha+o.Tx)
				hi, lo := math.Max(a3, a4), math.Min(a3, a4)
				l = hi + math.Log1p(math.Exp(lo-hi))
			}
			ll += common + l
		}
	}
	return ll
}

// FitBGNBD estimates the parameters by maximum likelihood. An error says
// why the sample gives no usable model.
func FitBGNBD(sample []Obs) (BGNBD, float64, error) {
	repeat := 0
	for _, o := range sample {
		if o.X > 0 {
			repeat++
		}
	}
	if repeat < 10 || len(sample) < 30 {
		return BGNBD{}, 0, errNoFit
	}
	groups := groupByX(sample)
	negLL := func(p []float64) float64 {
		m := BGNBD{R: math.Exp(p[0]), Alpha: math.Exp(p[1]), A: math.Exp(p[2]), B: math.Exp(p[3])}
		v := -m.logLikelihood(groups)
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return math.Inf(1)
		}
		return v
	}
	best, f, err := minimize(negLL, []float64{0, 0, 0, 0})
	if err != nil {
		return BGNBD{}, 0, err
	}
	m := BGNBD{R: math.Exp(best[0]), Alpha: math.Exp(best[1]), A: math.Exp(best[2]), B: math.Exp(best[3])}
	return m, -f, nil
}

// PAlive is the probability that a customer with history o is still
// active at T.
func (m BGNBD) PAlive(o Obs) float64 {
	if o.X == 0 {
		return 1
	}
	return 1 / (1 + m.A/(m.B+o.X-1)*math.Exp((m.R+o.X)*(math.Log(m.Alpha+o.T)-math.Log(m.Alpha+o.Tx))))
}

// Expected is the number of purchases a customer with history o is
// expected to make in the next t time units.
func (m BGNBD) Expected(o Obs, t float64) float64 {
	r, alpha, a, b, x := m.R, m.Alpha, m.A, m.B, o.X
	if t <= 0 || a == 1 {
		return 0
	}
	z := t / (alpha + o.T + t)
	f := hyp2f1(r+x, b+x, a+b+x-1, z)
	num := (a + b + x - 1) / (a - 1) * (1 - math.Exp((r+x)*math.Log((alpha+o.T)/(alpha+o.T+t)))*f)
	den := 1.0
	if x > 0 {
		den += a / (b + x - 1) * math.Exp((r+x)*math.Log((alpha+o.T)/(alpha+o.Tx)))
	}
	return num / den
}

// hyp2f1 is the Gaussian hypergeometric function for 0 <= z < 1, by its
// power series.
func hyp2f1(a, b, c, z float64) float64 {
	sum, term := 1.0, 1.0
	for k := 0.0; k < 200_000; k++ {
		term *= (a + k) * (b + k) / ((c + k) * (k + 1)) * z
		sum += term
		if math.Abs(term) < 1e-12*math.Abs(sum) {
			break
		}
	}
	return sum
}
