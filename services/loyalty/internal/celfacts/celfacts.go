// Package celfacts compiles and evaluates loyalty's earning rules in CEL:
// its environment declares the facts as the API's messages
// (crm.loyalty.v1.EarningFacts), so that a rule reads exactly as the API
// documents it. It is the adapter between package rules and CEL.
package celfacts

import (
	"fmt"

	"cel.dev/cel-go/cel"
	celast "cel.dev/cel-go/common/ast"
	"cel.dev/cel-go/common/types"

	loyaltyv1 "github.com/opencrm/crm/gen/go/crm/loyalty/v1"
	"github.com/opencrm/crm/pkg/celrule"
	"github.com/opencrm/crm/services/loyalty/internal/rules"
)

var env = mustEnv()

func mustEnv() *cel.Env {
	e, err := cel.NewEnv(
		cel.Types(&loyaltyv1.EarningFacts{}),
		// "purchase.amount > 10" reads as people mean it; arithmetic still
		// needs one type ("base * 2.0").
		cel.CrossTypeNumericComparisons(true),
		cel.Variable("purchase", cel.ObjectType("crm.loyalty.v1.PurchaseFacts")),
		cel.Variable("customer", cel.ObjectType("crm.loyalty.v1.CustomerFacts")),
		cel.Variable("base", cel.DoubleType),
	)
	if err != nil {
		panic(fmt.Sprintf("earning rule environment: %v", err))
	}
	return e
}

// rule is a compiled earning rule.
type rule struct {
	id        string
	condition cel.Program
	points    cel.Program
	profile   bool
}

var _ rules.Compiler = Compile

// Compile type-checks one rule (see rules.Compiler).
func Compile(field, id, condition, points string) (rules.Rule, error) {
	ca, c, err := celrule.Compile(env, field+".condition", condition, cel.BoolType)
	if err != nil {
		return nil, err
	}
	pa, p, err := celrule.Compile(env, field+".points", points, cel.IntType, cel.DoubleType)
	if err != nil {
		return nil, err
	}
	return rule{id: id, condition: c, points: p, profile: readsProfile(ca) || readsProfile(pa)}, nil
}

// profileFields are the customer facts that come from customer-profile's
// feed rather than from the account itself.
var profileFields = map[string]bool{"birth_month": true, "birthday_month": true, "consents": true}

// readsProfile reports whether an expression may read the customer's
// profile facts: it names one of profileFields, or uses the customer
// variable other than to select one of the account's own facts (a
// comprehension variable called customer counts too, which errs on the
// safe side).
func readsProfile(a *cel.Ast) bool {
	uses, account := 0, 0
	celast.PostOrderVisit(a.NativeRep().Expr(), celast.NewExprVisitor(func(e celast.Expr) {
		switch e.Kind() {
		case celast.IdentKind:
			if e.AsIdent() == "customer" {
				uses++
			}
		case celast.SelectKind:
			s := e.AsSelect()
			if op := s.Operand(); op.Kind() == celast.IdentKind && op.AsIdent() == "customer" && !profileFields[s.FieldName()] {
				account++
			}
		default:
		}
	}))
	return uses != account
}

// ReadsProfile implements rules.Rule.
func (r rule) ReadsProfile() bool { return r.profile }

// Evaluate implements rules.Rule.
func (r rule) Evaluate(f rules.Facts) rules.Outcome {
	out := rules.Outcome{Rule: r.id}
	vars := map[string]any{"purchase": purchase(f.Purchase), "customer": customer(f.Customer), "base": f.Base}
	v, _, err := r.condition.Eval(vars)
	if err != nil {
		out.Err = "condition: " + err.Error()
		return out
	}
	if v != types.True {
		return out
	}
	out.Matched = true
	v, _, err = r.points.Eval(vars)
	if err != nil {
		out.Err = "points: " + err.Error()
		return out
	}
	var pts float64
	switch n := v.Value().(type) {
	case int64:
		pts = float64(n)
	case float64:
		pts = n
	default:
		out.Err = fmt.Sprintf("points: result of type %T", n)
		return out
	}
	out.Points, err = rules.Whole(pts)
	if err != nil {
		out.Err = "points: " + err.Error()
	}
	return out
}

func purchase(p rules.Purchase) *loyaltyv1.PurchaseFacts {
	return &loyaltyv1.PurchaseFacts{Amount: p.Amount, Currency: p.Currency, Channel: p.Channel, OrderId: p.OrderID,
		Tags: p.Tags, Skus: p.SKUs, ItemCount: p.ItemCount}
}

func customer(c rules.Customer) *loyaltyv1.CustomerFacts {
	return &loyaltyv1.CustomerFacts{Tier: c.Tier, FirstPurchase: c.FirstPurchase, Purchases: c.Purchases,
		QualifyingPoints: c.QualifyingPoints, LifetimeEarned: c.LifetimeEarned, BirthMonth: c.BirthMonth, BirthdayMonth: c.BirthdayMonth,
		Consents: consents(c.Consents)}
}

func consents(cs []rules.Consent) []*loyaltyv1.ConsentFacts {
	out := make([]*loyaltyv1.ConsentFacts, len(cs))
	for i, c := range cs {
		out[i] = &loyaltyv1.ConsentFacts{Purpose: c.Purpose, Channel: c.Channel, Granted: c.Granted}
	}
	return out
}
