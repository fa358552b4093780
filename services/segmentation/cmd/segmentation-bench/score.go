package main

import (
	"encoding/json"
	"fmt"
	"os"
	"time"

	"github.com/opencrm/crm/services/segmentation/internal/celfacts"
	"github.com/opencrm/crm/services/segmentation/internal/grading"
	"github.com/opencrm/crm/services/segmentation/internal/metrics"
	"github.com/opencrm/crm/services/segmentation/internal/model"
	"github.com/opencrm/crm/services/segmentation/internal/rules"
)

// benchRules are the rule segments every scored customer is evaluated
// against.
var benchRules = []string{
	`profile.country == "CN" && scores.recency >= 4 && metrics.complaints_90d == 0`,
	`scores.value_class == "big_spender" || (scores.churn_warning && metrics.amount > 500.0)`,
	`"vip" in profile.tags && metrics.window_purchases >= 3`,
}

var benchNow = time.Date(2026, 6, 30, 12, 0, 0, 0, time.UTC)

// scoreChild runs both passes of a run over n generated customers and
// prints the time and the process's peak memory.
func scoreChild(n int) error {
	var rs []rules.Rule
	for i, expr := range benchRules {
		r, err := celfacts.Compile(fmt.Sprintf("rule[%d]", i), expr)
		if err != nil {
			return err
		}
		rs = append(rs, r)
	}
	p := model.Defaults()
	start := time.Now()
	col := model.NewCollector(p)
	for i := range n {
		col.Add(customer(i, benchNow).Features(benchNow, p.WindowDays, 2))
	}
	th := col.Thresholds()
	members := make([]int, len(rs))
	champions := 0
	// Streamed in batches, as a run reads them from the database.
	const batch = 1000
	page := make([]metrics.Customer, 0, batch)
	for i := range n {
		page = append(page, *customer(i, benchNow))
		if len(page) < batch && i < n-1 {
			continue
		}
		for _, g := range grading.GradeBatch(page, &th, 2, rs, benchNow) {
			if g.Scores.Segment == "champions" {
				champions++
			}
			for k, ok := range g.Member {
				if ok {
					members[k]++
				}
			}
		}
		page = page[:0]
	}
	elapsed := time.Since(start)
	peak, err := peakMiB()
	if err != nil {
		return err
	}
	var fit string
	if !th.Fit.OK {
		fit = "not fitted: " + th.Fit.Reason
	} else {
		fit = fmt.Sprintf("r %.3f, alpha %.2f, a %.3f, b %.3f; %d champions, rule members %v", th.Fit.BGNBD.R, th.Fit.BGNBD.Alpha, th.Fit.BGNBD.A, th.Fit.BGNBD.B, champions, members)
	}
	return json.NewEncoder(os.Stdout).Encode(childFigures{Seconds: elapsed.Seconds(), PeakMiB: peak, Fit: fit})
}
