package program

import (
	"errors"
	"strings"
	"testing"

	"github.com/opencrm/crm/pkg/apperr"
	"github.com/opencrm/crm/services/loyalty/internal/celfacts"
	"github.com/opencrm/crm/services/loyalty/internal/rules"
)

func sample() *Program {
	return &Program{ID: "club", Currency: "EUR", PointsPerUnit: 1, PeriodMonths: 12, ValidityMonths: 12, MaxPointsPerPurchase: 1000,
		Tiers: []Tier{{ID: "silver", Min: 100, Multiplier: 1.25}, {ID: "gold", Min: 500, Multiplier: 1.5}},
		Rules: []Rule{
			{ID: "first", Condition: "customer.first_purchase", Points: "50"},
			{ID: "web-double", Condition: `purchase.channel == "web" && purchase.amount >= 100`, Points: "base * 1.0"},
			{ID: "sale", Condition: `"sale" in purchase.tags`, Points: "10"},
		}}
}

func field(t *testing.T, err error) (string, string) {
	t.Helper()
	var ae *apperr.Error
	if !errors.As(err, &ae) || ae.Kind != apperr.KindInvalidArgument {
		t.Fatalf("want INVALID_ARGUMENT, got %v", err)
	}
	return ae.Field, ae.Message
}

func TestPointsBaseTierBonusesCap(t *testing.T) {
	c, err := Compile("program", sample(), celfacts.Compile)
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name     string
		purchase rules.Purchase
		customer rules.Customer
		want     int64
		capped   bool
	}{
		{"first purchase", rules.Purchase{Amount: 49.9, Channel: "store"}, rules.Customer{FirstPurchase: true}, 49 + 50, false},
		// 4.35 * 100 is 434.99999... in binary: still 435 points.
		{"binary rounding", rules.Purchase{Amount: 4.35 * 100, Channel: "store"}, rules.Customer{}, 435, false},
		{"gold web doubles", rules.Purchase{Amount: 200, Channel: "web", Tags: []string{"sale"}}, rules.Customer{Tier: "gold"}, 300 + 300 + 10, false},
		{"cap", rules.Purchase{Amount: 5000, Channel: "web"}, rules.Customer{}, 1000, true},
	}
	for _, tc := range cases {
		got, err := c.Points(tc.purchase, tc.customer)
		if err != nil {
			t.Fatal(err)
		}
		if got.Points != tc.want || got.Capped != tc.capped {
			t.Errorf("%s: %d points (capped %v), want %d (%v); %s", tc.name, got.Points, got.Capped, tc.want, tc.capped, got.Reason())
		}
	}
}

func TestRulesAreCheckedWhenSaved(t *testing.T) {
	cases := []struct {
		rule      Rule
		wantField string
		wantText  string
	}{
		{Rule{ID: "x", Condition: "purchase.amount >", Points: "1"}, "program.earning_rules[0].condition", "1:"},
		{Rule{ID: "x", Condition: "purchase.colour == 1", Points: "1"}, "program.earning_rules[0].condition", "undefined field 'colour'"},
		{Rule{ID: "x", Condition: "purchase.amount", Points: "1"}, "program.earning_rules[0].condition", "want bool"},
		{Rule{ID: "x", Condition: "true", Points: "base * 2"}, "program.earning_rules[0].points", "no matching overload"},
		{Rule{ID: "x", Condition: "true", Points: `"ten"`}, "program.earning_rules[0].points", "want int or double"},
	}
	for _, tc := range cases {
		p := sample()
		p.Rules = []Rule{tc.rule}
		_, err := Compile("program", p, celfacts.Compile)
		f, msg := field(t, err)
		if f != tc.wantField || !strings.Contains(msg, tc.wantText) {
			t.Errorf("%q / %q: field %q message %q", tc.rule.Condition, tc.rule.Points, f, msg)
		}
	}
}

func TestProgramChecks(t *testing.T) {
	p := sample()
	p.Tiers[1].Min = 100
	if f, _ := field(t, nilCompiled(Compile("program", p, celfacts.Compile))); f != "program.tiers[1].min_qualifying_points" {
		t.Errorf("tiers not increasing: %q", f)
	}
	p = sample()
	p.Rules[2].ID = "first"
	if f, _ := field(t, nilCompiled(Compile("program", p, celfacts.Compile))); f != "program.earning_rules[2].id" {
		t.Errorf("duplicate rule: %q", f)
	}
}

func nilCompiled(_ *Compiled, err error) error { return err }

func TestCostLimitStopsARuleNotThePurchase(t *testing.T) {
	p := sample()
	// Quadratic work over the SKUs exceeds the cost limit on a long list.
	p.Rules = []Rule{{ID: "heavy", Condition: "purchase.skus.all(a, purchase.skus.all(b, a.size() + b.size() > 0))", Points: "5"}}
	c, err := Compile("program", p, celfacts.Compile)
	if err != nil {
		t.Fatal(err)
	}
	skus := make([]string, 400)
	for i := range skus {
		skus[i] = "sku"
	}
	got, err := c.Points(rules.Purchase{Amount: 10, SKUs: skus}, rules.Customer{})
	if err != nil {
		t.Fatal(err)
	}
	if got.Points != 10 || len(got.Rules) != 1 || !strings.Contains(got.Rules[0].Err, "cost limit") {
		t.Fatalf("got %+v", got)
	}
}
