package model

import (
	"errors"
	"math"
	"slices"
)

// errNoConvergence is returned when the optimiser runs out of iterations.
var errNoConvergence = errors.New("the likelihood maximisation did not converge")

// minimize finds a local minimum of f by the Nelder-Mead simplex method,
// restarted from its own result until a restart no longer improves it (a
// simplex can collapse early on a long narrow valley). It returns the point
// and its value.
func minimize(f func([]float64) float64, start []float64) ([]float64, float64, error) {
	x, fx := start, f(start)
	if math.IsInf(fx, 1) {
		return nil, 0, errors.New("the likelihood is not finite at the starting point")
	}
	for range 20 {
		nx, nf, ok := nelderMead(f, x, 5000)
		if !ok {
			return nil, 0, errNoConvergence
		}
		improved := fx-nf > 1e-9*(1+math.Abs(fx))
		x, fx = nx, nf
		if !improved {
			return x, fx, nil
		}
	}
	return nil, 0, errNoConvergence
}

func nelderMead(f func([]float64) float64, start []float64, maxIter int) ([]float64, float64, bool) {
	n := len(start)
	pts := make([][]float64, n+1)
	vals := make([]float64, n+1)
	pts[0] = slices.Clone(start)
	for i := range n {
		p := slices.Clone(start)
		p[i] += 0.5
		pts[i+1] = p
	}
	for i := range pts {
		vals[i] = f(pts[i])
	}
	order := make([]int, n+1)
	centroid := make([]float64, n)
	at := func(t float64, worst []float64) []float64 {
		p := make([]float64, n)
		for j := range p {
			p[j] = centroid[j] + t*(worst[j]-centroid[j])
		}
		return p
	}
	for range maxIter {
		for i := range order {
			order[i] = i
		}
		slices.SortFunc(order, func(a, b int) int { return cmpFloat(vals[a], vals[b]) })
		best, worst, second := order[0], order[n], order[n-1]
		spread := vals[worst] - vals[best]
		size := 0.0
		for _, p := range pts {
			for j := range p {
				size = math.Max(size, math.Abs(p[j]-pts[best][j]))
			}
		}
		if spread <= 1e-12*(1+math.Abs(vals[best])) && size < 1e-9 {
			return pts[best], vals[best], true
		}
		clear(centroid)
		for _, i := range order[:n] {
			for j := range centroid {
				centroid[j] += pts[i][j] / float64(n)
			}
		}
		refl := at(-1, pts[worst])
		fr := f(refl)
		switch {
		case fr < vals[best]:
			exp := at(-2, pts[worst])
			if fe := f(exp); fe < fr {
				pts[worst], vals[worst] = exp, fe
			} else {
				pts[worst], vals[worst] = refl, fr
			}
		case fr < vals[second]:
			pts[worst], vals[worst] = refl, fr
		default:
			t := 0.5
			if fr < vals[worst] {
				t = -0.5
			}
			con := at(t, pts[worst])
			if fc := f(con); fc < math.Min(fr, vals[worst]) {
				pts[worst], vals[worst] = con, fc
				continue
			}
			for _, i := range order[1:] {
				for j := range pts[i] {
					pts[i][j] = pts[best][j] + 0.5*(pts[i][j]-pts[best][j])
				}
				vals[i] = f(pts[i])
			}
		}
	}
	return nil, 0, false
}
