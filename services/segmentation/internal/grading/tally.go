package grading

import (
	"github.com/opencrm/crm/services/segmentation/internal/model"
	"github.com/opencrm/crm/services/segmentation/internal/records"
)

// tally counts a run's grades for its report.
type tally struct {
	r *records.Report
}

func newTally(p model.Params) *tally {
	r := &records.Report{RFMSegments: map[string]int64{}, ValueMatrix: map[string]int64{}, Pyramid: map[string]int64{},
		ABC: map[string]int64{}, Stages: map[string]int64{}, Trends: map[string]int64{}}
	for _, b := range p.Pyramid.Bands {
		r.Pyramid[b.Name] = 0
	}
	return &tally{r: r}
}

func (t *tally) add(s model.Scores) {
	r := t.r
	r.Customers++
	r.Pyramid[s.Band]++
	r.ABC[s.ABC]++
	r.Stages[s.Stage]++
	r.Equity += s.CLV
	if s.Recency == 0 {
		r.Prospects++
		return
	}
	r.Grid[5*(s.Recency-1)+s.FM-1]++
	r.RFMSegments[s.Segment]++
	r.ValueMatrix[s.Value]++
	r.Trends[s.Trend]++
	if s.ChurnWarning {
		r.ChurnWarnings++
	}
}
