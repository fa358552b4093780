package celfacts

import (
	"strings"
	"testing"

	"github.com/opencrm/crm/pkg/apperr"
	"github.com/opencrm/crm/services/segmentation/internal/facts"
)

func sample() *facts.Facts {
	return &facts.Facts{
		Profile: facts.Profile{Country: "CN", Tags: []string{"vip"}},
		Metrics: facts.Metrics{Complaints90D: 0, Amount: 250.5, Channels: map[string]int64{"email": 3}},
		Scores:  facts.ScoreFacts{Recency: 5, RFMSegment: "champions"},
	}
}

func TestDomainExampleMatchesAndExplains(t *testing.T) {
	r, err := Compile("segment.rule", `profile.country == "CN" && scores.recency >= 4 && metrics.complaints_90d == 0`)
	if err != nil {
		t.Fatal(err)
	}
	ok, err := r.Match(sample())
	if err != nil || !ok {
		t.Fatalf("match = %v, %v", ok, err)
	}
	why := r.Explain(sample())
	want := map[string]string{"profile.country": `"CN"`, "scores.recency": "5", "metrics.complaints_90d": "0"}
	for k, v := range want {
		if why[k] != v {
			t.Errorf("explain %s = %q, want %q (all: %v)", k, why[k], v, why)
		}
	}
	f := sample()
	f.Profile.Country = "DE"
	if ok, _ := r.Match(f); ok {
		t.Error("a German customer matched country == CN")
	}
}

func TestNumbersCompareAcrossTypesAndCollectionsWork(t *testing.T) {
	for _, expr := range []string{
		`metrics.amount > 100`,
		`"vip" in profile.tags`,
		`metrics.channels["email"] >= 3`,
		`scores.rfm_segment in ["champions", "loyal"]`,
	} {
		r, err := Compile("rule", expr)
		if err != nil {
			t.Fatalf("%s: %v", expr, err)
		}
		if ok, err := r.Match(sample()); !ok || err != nil {
			t.Errorf("%s: %v %v", expr, ok, err)
		}
	}
}

func TestCompileErrorsNameFieldAndPosition(t *testing.T) {
	for expr, want := range map[string]string{
		`profile.country == `:      "1:",
		`profile.countyr == "CN"`:  "undefined field 'countyr'",
		`metrics.amount`:           "has type double, want bool",
		`scores.recency >= "four"`: "no matching overload",
		`unknown_var > 1`:          "undeclared reference",
	} {
		_, err := Compile("segment.rule", expr)
		e, ok := apperr.As(err)
		if !ok || e.Kind != apperr.KindInvalidArgument || e.Field != "segment.rule" || !strings.Contains(e.Message, want) {
			t.Errorf("%s: %v, want INVALID_ARGUMENT on segment.rule containing %q", expr, err, want)
		}
	}
}

func TestCostLimitStopsARule(t *testing.T) {
	// Nested comprehensions over a long list cost far beyond the limit.
	r, err := Compile("rule", `[1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20].all(a, [1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20].all(b, [1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20].all(c, a + b + c > 0)))`)
	if err != nil {
		t.Fatal(err)
	}
	if ok, err := r.Match(sample()); ok || err == nil || !strings.Contains(err.Error(), "cost") {
		t.Errorf("match = %v, %v; want stopped by the cost limit", ok, err)
	}
}
