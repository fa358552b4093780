package casework_test

import (
	"strings"
	"testing"
	"time"

	"github.com/opencrm/crm/pkg/apperr"
	"github.com/opencrm/crm/services/interaction/internal/casework"
)

var t0 = time.Date(2026, 5, 1, 9, 0, 0, 0, time.UTC)

func TestLifecycleAndSLA(t *testing.T) {
	t.Parallel()
	sla, err := casework.ParseSLA("urgent=2h, low=240h")
	if err != nil || sla[casework.Urgent] != 2*time.Hour || sla[casework.High] != 24*time.Hour {
		t.Fatalf("sla %v %v", sla, err)
	}
	if _, err := casework.ParseSLA("critical=1h"); err == nil {
		t.Fatal("unknown priority accepted")
	}
	c := casework.OpenCase("c1", "cu", "i1", casework.Urgent, "ann", t0, sla)
	if !c.DueTime.Equal(t0.Add(2 * time.Hour)) {
		t.Fatalf("due %v", c.DueTime)
	}
	if err := c.Transition(casework.Resolved, "skip", "bob", t0); err == nil {
		t.Fatal("OPEN -> RESOLVED allowed")
	} else if e, _ := apperr.As(err); e.Kind != apperr.KindFailedPrecondition {
		t.Fatalf("kind %v", e.Kind)
	}
	steps := []casework.Status{casework.InProgress, casework.Resolved, casework.Open, casework.InProgress, casework.Resolved, casework.Closed}
	for n, to := range steps {
		if err := c.Transition(to, "note", "bob", t0.Add(time.Duration(n+1)*time.Hour)); err != nil {
			t.Fatalf("step %d: %v", n, err)
		}
	}
	if !c.FirstResponseTime.Equal(t0.Add(time.Hour)) || !c.ResolveTime.Equal(t0.Add(5*time.Hour)) || len(c.History) != 6 || c.Status != casework.Closed {
		t.Fatalf("after the lifecycle: %+v", c)
	}
	if c.Overdue(t0.Add(100 * time.Hour)) {
		t.Fatal("a closed case is not overdue")
	}
}

func TestMeasure(t *testing.T) {
	t.Parallel()
	var cases []casework.Case
	for n := range 10 {
		c := casework.OpenCase("c", "cu", "i", casework.Normal, "", t0, casework.DefaultSLA)
		_ = c.Transition(casework.InProgress, "", "", t0.Add(time.Duration(n+1)*time.Hour))
		if n < 8 {
			_ = c.Transition(casework.Resolved, "", "", t0.Add(time.Duration(n+1)*12*time.Hour))
		}
		cases = append(cases, c)
	}
	s := casework.Measure(cases)
	if s.Cases != 10 || s.Responded != 10 || s.Resolved != 8 {
		t.Fatalf("counts %+v", s)
	}
	if s.FirstResponseMedian != 5*time.Hour || s.FirstResponseP90 != 9*time.Hour {
		t.Fatalf("first response %v %v", s.FirstResponseMedian, s.FirstResponseP90)
	}
	// Resolutions at 12h..96h; due at 72h: 6 of 8 within SLA.
	if s.ResolutionMedian != 48*time.Hour || s.ResolutionP90 != 96*time.Hour || s.WithinSLA != 0.75 {
		t.Fatalf("resolution %v %v %v", s.ResolutionMedian, s.ResolutionP90, s.WithinSLA)
	}
}

func TestUpdateReassignsAndReprioritises(t *testing.T) {
	t.Parallel()
	c := casework.OpenCase("c1", "cu", "i1", casework.Low, "ann", t0, casework.DefaultSLA)
	now := t0.Add(10 * 24 * time.Hour) // past the low SLA of a week
	if !c.Escalate(now) || c.Escalate(now) {
		t.Fatal("an overdue case escalates exactly once")
	}
	changed, err := c.Update(casework.Change{Assignee: "bob", Priority: casework.Urgent}, []string{"assignee", "priority"}, "ann is away", "lead", now, casework.DefaultSLA)
	if err != nil || len(c.History) != 1 {
		t.Fatalf("update: %v %v", changed, err)
	}
	s := c.History[0]
	if c.Assignee != "bob" || c.Priority != casework.Urgent || !c.DueTime.Equal(t0.Add(4*time.Hour)) ||
		s.FromAssignee != "ann" || s.ToAssignee != "bob" || s.FromPriority != casework.Low || s.ToPriority != casework.Urgent ||
		s.From != casework.Open || s.To != casework.Open || s.Actor != "lead" || s.Note != "ann is away" {
		t.Fatalf("after the update: %+v", c)
	}
	// Still overdue under the new due time: the escalation stands.
	if !c.Escalated {
		t.Fatal("escalation cleared though the case is still overdue")
	}
	// Nothing changes: no step.
	if changed, err := c.Update(casework.Change{Assignee: "bob"}, []string{"assignee"}, "", "lead", now, casework.DefaultSLA); err != nil || len(changed) != 0 || len(c.History) != 1 {
		t.Fatalf("no-op update: %v %v %d", changed, err, len(c.History))
	}
	// A priority whose SLA puts the due time back in the future clears the
	// escalation, so the case can escalate at its new due time.
	sla := casework.SLA{casework.Low: 30 * 24 * time.Hour, casework.Normal: time.Hour, casework.High: time.Hour, casework.Urgent: time.Hour}
	if _, err := c.Update(casework.Change{Priority: casework.Low}, []string{"priority"}, "", "lead", now, sla); err != nil || c.Escalated || c.EscalateTime != nil {
		t.Fatalf("escalation after the due time moved on: %+v %v", c, err)
	}
	for _, tc := range []struct {
		paths []string
		ch    casework.Change
		field string
	}{
		{nil, casework.Change{}, "update_mask"},
		{[]string{"status"}, casework.Change{}, "update_mask.paths"},
		{[]string{"priority"}, casework.Change{Priority: 0}, "case.priority"},
		{[]string{"priority"}, casework.Change{Priority: 9}, "case.priority"},
		{[]string{"assignee"}, casework.Change{Assignee: strings.Repeat("x", 201)}, "case.assignee"},
	} {
		_, err := c.Update(tc.ch, tc.paths, "", "lead", now, casework.DefaultSLA)
		if e, ok := apperr.As(err); !ok || e.Kind != apperr.KindInvalidArgument || e.Field != tc.field {
			t.Errorf("%v %+v: %v, want INVALID_ARGUMENT on %s", tc.paths, tc.ch, err, tc.field)
		}
	}
	closed := casework.OpenCase("c2", "cu", "i2", casework.Urgent, "", t0, casework.DefaultSLA)
	_ = closed.Transition(casework.InProgress, "", "", t0)
	_ = closed.Transition(casework.Resolved, "", "", t0.Add(time.Hour))
	if closed.Escalate(t0.Add(48 * time.Hour)) {
		t.Fatal("a resolved case escalated")
	}
}
