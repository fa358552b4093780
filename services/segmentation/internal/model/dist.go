package model

import (
	"math"
	"slices"
	"sort"
)

// maxDistPoints bounds a stored distribution: exact for bases with fewer
// distinct values, within 1/maxDistPoints of the rank otherwise.
const maxDistPoints = 2048

// Dist is a distribution of one figure over the customer base, kept small
// enough to store with a run so that one customer can be scored between
// runs exactly as the run would have scored them. Values are ascending;
// Below[i] counts customers strictly below Values[i], Equal[i] those equal.
type Dist struct {
	Values []float64 `bson:"v"`
	Below  []int64   `bson:"b"`
	Equal  []int64   `bson:"e"`
	N      int64     `bson:"n"`
}

// NewDist summarises sorted (ascending) values.
func NewDist(sorted []float64) Dist {
	d := Dist{N: int64(len(sorted))}
	n := len(sorted)
	step := max(1, (n+maxDistPoints-1)/maxDistPoints)
	for i := 0; i < n; {
		v := sorted[i]
		end := i + sort.Search(n-i, func(k int) bool { return sorted[i+k] > v })
		d.Values = append(d.Values, v)
		d.Below = append(d.Below, int64(i))
		d.Equal = append(d.Equal, int64(end-i))
		// Skip to the first run of ties starting step or more after this
		// one; the last run is always kept.
		if i+step <= end {
			i = end
			continue
		}
		last := sorted[min(i+step, n)-1]
		i = end + sort.Search(n-end, func(k int) bool { return sorted[end+k] > last })
		if i == n && end < n {
			i = sort.SearchFloat64s(sorted, sorted[n-1])
		}
	}
	return d
}

// Percentile is v's mid-rank in the base: the share of customers below v
// plus half the share equal to it, in [0, 1]. Ties share one percentile,
// and a base where all are equal puts everyone at 0.5. Between kept points
// the rank is interpolated.
func (d Dist) Percentile(v float64) float64 {
	if d.N == 0 || math.IsNaN(v) {
		return 0.5
	}
	i, found := slices.BinarySearch(d.Values, v)
	if found {
		return (float64(d.Below[i]) + float64(d.Equal[i])/2) / float64(d.N)
	}
	if i == 0 {
		return 0
	}
	if i == len(d.Values) {
		return 1
	}
	lo := float64(d.Below[i-1] + d.Equal[i-1])
	hi := float64(d.Below[i])
	frac := (v - d.Values[i-1]) / (d.Values[i] - d.Values[i-1])
	return (lo + frac*(hi-lo)) / float64(d.N)
}

// Quintile scores v from 1 to 5 by its percentile: 1 for the bottom fifth,
// 5 for the top.
func (d Dist) Quintile(v float64) int {
	return min(5, int(d.Percentile(v)*5)+1)
}
