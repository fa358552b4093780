package satisfaction_test

import (
	"testing"
	"time"

	"github.com/opencrm/crm/pkg/apperr"
	"github.com/opencrm/crm/services/interaction/internal/record"
	"github.com/opencrm/crm/services/interaction/internal/satisfaction"
)

// Sunday 31 May 2026, 23:30 UTC: already Monday 1 June in Berlin.
var t0 = time.Date(2026, 5, 31, 23, 30, 0, 0, time.UTC)

func response(caseID, agent string, ch int32, at time.Time, expectation, experience int32) *record.Interaction {
	return &record.Interaction{CaseID: caseID, Agent: agent, Channel: ch, OccurTime: at,
		Satisfaction: &record.Satisfaction{Expectation: expectation, Experience: experience}}
}

var responses = []*record.Interaction{
	response("k1", "", 1, t0, 5, 10),                       // ratio 2, +5
	response("k1", "", 1, t0.Add(time.Hour), 5, 5),         // ratio 1, 0
	response("k2", "", 2, t0.Add(-48*time.Hour), 8, 4),     // ratio 0.5, -4
	response("", "zoe", 2, t0.Add(24*time.Hour), 4, 5),     // no case
	{Agent: "zoe", Channel: 2, OccurTime: t0},              // no satisfaction
	response("", "zoe", 2, t0.Add(-30*24*time.Hour), 1, 1), // before the range
}

func tally(t *testing.T, q satisfaction.Query) *satisfaction.Tally {
	t.Helper()
	q.From, q.To = t0.Add(-7*24*time.Hour), t0.Add(7*24*time.Hour)
	tl, err := satisfaction.New(q)
	if err != nil {
		t.Fatal(err)
	}
	for _, i := range responses {
		tl.Add(i)
	}
	return tl
}

func TestFiguresAndGroupings(t *testing.T) {
	t.Parallel()
	byCase := tally(t, satisfaction.Query{By: satisfaction.ByCase})
	g := byCase.Groups()
	if len(g) != 2 || g[0].CaseID != "k1" || g[0].Responses != 2 || g[0].MeanRatio() != 1.5 || g[0].MeanDifference() != 2.5 ||
		g[0].Satisfied != 1 || g[0].Met != 1 || g[0].ExperienceCounts[9] != 1 || g[0].ExperienceCounts[4] != 1 ||
		g[1].CaseID != "k2" || g[1].Dissatisfied != 1 {
		t.Fatalf("by case: %+v", g)
	}
	if tot := byCase.Total(); tot.Responses != 3 {
		t.Fatalf("by case, total over the cases' responses: %+v", tot)
	}

	byAssignee := tally(t, satisfaction.Query{By: satisfaction.ByAssignee})
	if ids := byAssignee.CasesToAssign(); len(ids) != 2 || ids[0] != "k1" {
		t.Fatalf("cases to assign: %v", ids)
	}
	byAssignee.Assign(map[string]string{"k1": "ann", "k2": "zoe"}) // k2's assignee handled zoe's other contact too
	g = byAssignee.Groups()
	if len(g) != 2 || g[0].Assignee != "ann" || g[0].Responses != 2 || g[1].Assignee != "zoe" || g[1].Responses != 2 ||
		g[1].MeanRatio() != (0.5+1.25)/2 {
		t.Fatalf("by assignee: %+v", g)
	}
	if tot := byAssignee.Total(); tot.Responses != 4 || tot.MeanDifference() != (5+0-4+1)/4.0 {
		t.Fatalf("total: %+v", tot)
	}

	byChannel := tally(t, satisfaction.Query{By: satisfaction.ByChannel}).Groups()
	if len(byChannel) != 2 || byChannel[0].Channel != 1 || byChannel[0].Responses != 2 || byChannel[1].Channel != 2 || byChannel[1].Responses != 2 {
		t.Fatalf("by channel: %+v", byChannel)
	}

	// Day boundaries follow the zone: in Berlin t0 is already 1 June.
	days := tally(t, satisfaction.Query{By: satisfaction.ByDay, TimeZone: "Europe/Berlin"}).Groups()
	june1 := time.Date(2026, 6, 1, 0, 0, 0, 0, time.FixedZone("CEST", 2*3600))
	if len(days) != 3 || !days[1].PeriodStart.Equal(june1) || days[1].Responses != 2 || days[0].PeriodStart.After(days[1].PeriodStart) {
		t.Fatalf("by day in Berlin: %+v", days)
	}
	utcDays := tally(t, satisfaction.Query{By: satisfaction.ByDay}).Groups()
	if !utcDays[1].PeriodStart.Equal(time.Date(2026, 5, 31, 0, 0, 0, 0, time.UTC)) {
		t.Fatalf("by day in UTC: %+v", utcDays)
	}
	// ISO weeks start on Monday: Sunday 31 May (UTC) is in the week of
	// 25 May, with the response two days before it; an hour later is the
	// next week.
	weeks := tally(t, satisfaction.Query{By: satisfaction.ByWeek}).Groups()
	if len(weeks) != 2 || !weeks[0].PeriodStart.Equal(time.Date(2026, 5, 25, 0, 0, 0, 0, time.UTC)) || weeks[0].Responses != 2 || weeks[1].Responses != 2 {
		t.Fatalf("by week: %+v", weeks)
	}
	months := tally(t, satisfaction.Query{By: satisfaction.ByMonth}).Groups()
	if len(months) != 2 || !months[0].PeriodStart.Equal(time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC)) || months[1].Responses != 2 {
		t.Fatalf("by month: %+v", months)
	}
}

func TestBadQueriesNameTheirField(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		q     satisfaction.Query
		field string
	}{
		{satisfaction.Query{From: t0, To: t0.Add(time.Hour)}, "group_by"},
		{satisfaction.Query{By: 7, From: t0, To: t0.Add(time.Hour)}, "group_by"},
		{satisfaction.Query{By: satisfaction.ByDay, From: t0, To: t0}, "occur_time_to"},
		{satisfaction.Query{By: satisfaction.ByDay, From: t0, To: t0.Add(time.Hour), TimeZone: "Mars/Olympus"}, "time_zone"},
		{satisfaction.Query{By: satisfaction.ByDay, From: t0, To: t0.Add(time.Hour), TimeZone: "Local"}, "time_zone"},
	} {
		_, err := satisfaction.New(tc.q)
		if e, ok := apperr.As(err); !ok || e.Kind != apperr.KindInvalidArgument || e.Field != tc.field {
			t.Errorf("%+v: %v, want INVALID_ARGUMENT on %s", tc.q, err, tc.field)
		}
	}
}
