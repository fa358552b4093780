package main

import (
	"math"
	"math/rand/v2"
	"time"

	"github.com/opencrm/crm/services/segmentation/internal/metrics"
)

var countries = []string{"CN", "CN", "CN", "US", "DE", "FR", "GB", "JP", "BR", "IN"}

// customer generates customer i of a base as of now, the same every time
// for the same i: a fifth never bought; the others bought a
// geometric number of times over up to two years, amounts log-normal,
// some refunds, complaints and satisfaction scores.
func customer(i int, now time.Time) *metrics.Customer {
	//nolint:gosec // seeded on purpose: customer i is the same in every run
	r := rand.New(rand.NewPCG(uint64(i), 7))
	c := &metrics.Customer{ID: id(i), Updated: now.Add(-time.Hour)}
	c.Profile = metrics.Profile{Known: true, Country: countries[r.IntN(len(countries))], LifecycleStage: "active",
		Tags: []string{[]string{"newsletter", "vip", "b2b"}[r.IntN(3)]}, BirthYear: 1950 + r.Int32N(55), BirthMonth: 1 + r.Int32N(12),
		Created: now.AddDate(0, 0, -r.IntN(900))}
	if r.IntN(5) == 0 {
		return c
	}
	n := 1 + int(r.ExpFloat64()*3)
	span := 1 + r.IntN(730)
	for range n {
		at := now.Add(-time.Duration(r.IntN(span*24)) * time.Hour)
		amount := int64(math.Exp(3.5+r.NormFloat64()) * 100)
		c.Purchase(at, amount, false, []string{"web", "store", "phone"}[r.IntN(3)])
		if r.IntN(20) == 0 {
			c.Refund(at.Add(48*time.Hour), amount/2, false, "web")
		}
	}
	if r.IntN(10) == 0 {
		c.Complaint(now.AddDate(0, 0, -r.IntN(120)), "phone")
	}
	if r.IntN(3) == 0 {
		c.Satisfaction(0.6 + r.Float64())
	}
	return c
}

func id(i int) string {
	const digits = "0123456789"
	b := []byte("bench-00000000")
	for k := len(b) - 1; i > 0; k-- {
		b[k] = digits[i%10]
		i /= 10
	}
	return string(b)
}
