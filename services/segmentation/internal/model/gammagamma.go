package model

import (
	"errors"
	"math"
)

// Spend is one repeat customer as the Gamma-Gamma model sees them: X
// transactions with mean value Mean.
type Spend struct {
	X, Mean float64
}

// GammaGamma holds the Gamma-Gamma spend model's parameters (Fader,
// Hardie and Lee, "RFM and CLV: Using Iso-Value Curves", 2005): a
// customer's mean transaction value is Gamma(P, nu) with nu ~ Gamma(Q,
// Gamma).
type GammaGamma struct {
	P     float64 `bson:"p"`
	Q     float64 `bson:"q"`
	Gamma float64 `bson:"gamma"`
}

// LogLikelihood is the sample's log-likelihood under m.
func (m GammaGamma) LogLikelihood(sample []Spend) float64 {
	p, q, g := m.P, m.Q, m.Gamma
	base := -lgamma(q) + q*math.Log(g)
	var ll float64
	for _, s := range sample {
		px := p * s.X
		ll += base + lgamma(px+q) - lgamma(px) + (px-1)*math.Log(s.Mean) + px*math.Log(s.X) - (px+q)*math.Log(g+s.Mean*s.X)
	}
	return ll
}

// FitGammaGamma estimates the parameters by maximum likelihood from
// customers with at least one transaction of positive value.
func FitGammaGamma(sample []Spend) (GammaGamma, float64, error) {
	var use []Spend
	for _, s := range sample {
		if s.X > 0 && s.Mean > 0 {
			use = append(use, s)
		}
	}
	if len(use) < 10 {
		return GammaGamma{}, 0, errNoFit
	}
	negLL := func(v []float64) float64 {
		m := GammaGamma{P: math.Exp(v[0]), Q: math.Exp(v[1]), Gamma: math.Exp(v[2])}
		f := -m.LogLikelihood(use)
		if math.IsNaN(f) || math.IsInf(f, 0) {
			return math.Inf(1)
		}
		return f
	}
	best, f, err := minimize(negLL, []float64{0, 0, 0})
	if err != nil {
		return GammaGamma{}, 0, err
	}
	m := GammaGamma{P: math.Exp(best[0]), Q: math.Exp(best[1]), Gamma: math.Exp(best[2])}
	if m.Q <= 1 {
		return m, -f, errors.New("fitted q <= 1: expected spend is undefined")
	}
	return m, -f, nil
}

// ExpectedSpend is the expected mean transaction value of a customer with
// history s: a weighted mean of the base's mean and their own.
func (m GammaGamma) ExpectedSpend(s Spend) float64 {
	if s.X <= 0 {
		return m.P * m.Gamma / (m.Q - 1)
	}
	return m.P * (m.Gamma + s.X*s.Mean) / (m.P*s.X + m.Q - 1)
}
