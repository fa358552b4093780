// Package program holds a loyalty program's rules: what it checks when saved
// (tiers, rule ids, CEL rules that compile), how a purchase's points are
// computed (base x tier multiplier + bonuses, capped), and the policy it
// gives the ledger (tiers, qualifying period, refunds, expiry).
package program

import (
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/opencrm/crm/pkg/apperr"
	"github.com/opencrm/crm/pkg/money"
	"github.com/opencrm/crm/services/loyalty/internal/ledger"
	"github.com/opencrm/crm/services/loyalty/internal/names"
	"github.com/opencrm/crm/services/loyalty/internal/rules"
)

// Defaults, as docs/domain.md states them.
const (
	DefaultValidityMonths = 12
	DefaultPeriodMonths   = 12
)

// Refund policies (values match the API's enum).
const (
	RefundDebt    int32 = 1
	RefundForgive int32 = 2
)

// Tier bases (values match the API's enum).
const (
	TierByPoints int32 = 1
	TierBySpend  int32 = 2
)

// Tier is a membership level.
type Tier struct {
	ID          string `bson:"id"`
	DisplayName string `bson:"display_name"`
	// Min is the qualifying points needed, MinSpend the whole currency
	// units spent; which counts is the program's TierBasis.
	Min        int64   `bson:"min"`
	MinSpend   int64   `bson:"min_spend"`
	Multiplier float64 `bson:"multiplier"`
}

// Rule is a bonus rule's source.
type Rule struct {
	ID          string `bson:"id"`
	Description string `bson:"description"`
	Condition   string `bson:"condition"`
	Points      string `bson:"points"`
}

// Program is a loyalty program.
type Program struct {
	ID                   string    `bson:"_id"`
	DisplayName          string    `bson:"display_name"`
	Currency             string    `bson:"currency"`
	PointsPerUnit        float64   `bson:"points_per_unit"`
	Tiers                []Tier    `bson:"tiers"`
	Rules                []Rule    `bson:"rules"`
	MaxPointsPerPurchase int64     `bson:"max_points_per_purchase"`
	ValidityMonths       int32     `bson:"validity_months"`
	PendingDays          int32     `bson:"pending_days"`
	PeriodMonths         int32     `bson:"period_months"`
	AutoEnrol            bool      `bson:"auto_enrol"`
	RefundPolicy         int32     `bson:"refund_policy"`
	TierBasis            int32     `bson:"tier_basis"`
	CreateTime           time.Time `bson:"create_time"`
	UpdateTime           time.Time `bson:"update_time"`
	Version              int64     `bson:"version"`
}

// Compiled is a program with its rules compiled, ready to compute points.
type Compiled struct {
	*Program
	rules []rules.Rule
}

// Compile checks the program and compiles its rules with compile. field
// is the program's path in the request ("program"); errors are
// INVALID_ARGUMENT on the offending field.
func Compile(field string, p *Program, compile rules.Compiler) (*Compiled, error) {
	if p.PointsPerUnit <= 0 {
		return nil, apperr.Invalid(field+".points_per_unit", "must be greater than 0")
	}
	if p.PeriodMonths < 1 {
		return nil, apperr.Invalid(field+".qualifying_period_months", "must be at least 1")
	}
	seen := map[string]bool{}
	for i, t := range p.Tiers {
		f := fmt.Sprintf("%s.tiers[%d]", field, i)
		if seen[t.ID] {
			return nil, apperr.Invalid(f+".id", "tier %q appears twice", t.ID)
		}
		seen[t.ID] = true
		if i == 0 {
			continue
		}
		if p.TierBasis == TierBySpend && t.MinSpend <= p.Tiers[i-1].MinSpend {
			return nil, apperr.Invalid(f+".min_qualifying_spend", "must be greater than the tier before (%d)", p.Tiers[i-1].MinSpend)
		}
		if p.TierBasis != TierBySpend && t.Min <= p.Tiers[i-1].Min {
			return nil, apperr.Invalid(f+".min_qualifying_points", "must be greater than the tier before (%d)", p.Tiers[i-1].Min)
		}
	}
	c := &Compiled{Program: p}
	ids := map[string]bool{}
	for i, r := range p.Rules {
		f := fmt.Sprintf("%s.earning_rules[%d]", field, i)
		if ids[r.ID] {
			return nil, apperr.Invalid(f+".id", "rule %q appears twice", r.ID)
		}
		ids[r.ID] = true
		cr, err := compile(f, r.ID, r.Condition, r.Points)
		if err != nil {
			return nil, err
		}
		c.rules = append(c.rules, cr)
	}
	return c, nil
}

// Name is the program's resource name.
func (p *Program) Name() string { return names.Programs.Format(p.ID) }

// Policy is what the ledger needs of the program.
func (p *Program) Policy() ledger.Policy {
	bySpend := p.TierBasis == TierBySpend
	unit := int64(math.Pow10(money.Exponent(p.Currency)))
	tiers := make([]ledger.Tier, len(p.Tiers))
	for i, t := range p.Tiers {
		tiers[i] = ledger.Tier{ID: t.ID, Min: t.Min}
		if bySpend {
			tiers[i].Min = t.MinSpend * unit
		}
	}
	return ledger.Policy{Tiers: tiers, PeriodMonths: int(p.PeriodMonths), ForgiveSpent: p.RefundPolicy == RefundForgive, BySpend: bySpend}
}

// ExpireTime is when points earned at t expire.
func (p *Program) ExpireTime(t time.Time) time.Time {
	if p.ValidityMonths == 0 {
		return ledger.Never
	}
	return t.UTC().AddDate(0, int(p.ValidityMonths), 0)
}

// AvailableTime is when points earned at t can be spent.
func (p *Program) AvailableTime(t time.Time) time.Time {
	return t.UTC().AddDate(0, 0, int(p.PendingDays))
}

// Multiplier is the tier's multiplier, 1 without a tier.
func (p *Program) Multiplier(tier string) float64 {
	for _, t := range p.Tiers {
		if t.ID == tier && t.Multiplier > 0 {
			return t.Multiplier
		}
	}
	return 1
}

// Calculation is what a purchase earns, and why.
type Calculation struct {
	Points     int64
	Base       float64
	Multiplier float64
	Rules      []rules.Outcome
	Capped     bool
}

// ReadsProfile reports whether any of the program's rules may read the
// customer's profile facts.
func (c *Compiled) ReadsProfile() bool {
	for _, r := range c.rules {
		if r.ReadsProfile() {
			return true
		}
	}
	return false
}

// Points computes what a purchase earns: amount x points_per_unit x the
// tier's multiplier, plus every bonus rule whose condition holds, rounded
// down and capped at max_points_per_purchase.
func (c *Compiled) Points(purchase rules.Purchase, customer rules.Customer) (Calculation, error) {
	m := c.Multiplier(customer.Tier)
	base := purchase.Amount * c.PointsPerUnit * m
	calc := Calculation{Base: base, Multiplier: m}
	total, err := rules.Whole(base)
	if err != nil {
		return Calculation{}, apperr.Invalid("purchase.amount", "earns %v", err)
	}
	facts := rules.Facts{Purchase: purchase, Customer: customer, Base: base}
	for _, r := range c.rules {
		o := r.Evaluate(facts)
		calc.Rules = append(calc.Rules, o)
		total += o.Points
	}
	if c.MaxPointsPerPurchase > 0 && total > c.MaxPointsPerPurchase {
		total, calc.Capped = c.MaxPointsPerPurchase, true
	}
	calc.Points = total
	return calc, nil
}

// Reason says in one line why a purchase earned what it did.
func (c Calculation) Reason() string {
	var s strings.Builder
	fmt.Fprintf(&s, "base %.2f (x%g)", c.Base, c.Multiplier)
	for _, r := range c.Rules {
		if r.Points > 0 {
			fmt.Fprintf(&s, ", %s +%d", r.Rule, r.Points)
		}
	}
	if c.Capped {
		s.WriteString(", capped")
	}
	return s.String()
}
