// Package rules compiles and evaluates earning rules written in CEL over
// the variables the API documents in crm.loyalty.v1.EarningFacts:
// "purchase", "customer" and "base". Rules are type-checked when a program
// is saved, and evaluated with a cost limit.
package rules

import (
	"errors"
	"fmt"
	"math"

	"cel.dev/cel-go/cel"
	"cel.dev/cel-go/common/types"

	loyaltyv1 "github.com/opencrm/crm/gen/go/crm/loyalty/v1"
	"github.com/opencrm/crm/pkg/celrule"
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

// Rule is a compiled earning rule.
type Rule struct {
	ID        string
	condition cel.Program
	points    cel.Program
}

// Compile type-checks one rule. field is the rule's path in the request,
// for example "program.earning_rules[2]"; an error is INVALID_ARGUMENT on
// the offending expression with the line and column of the problem.
func Compile(field, id, condition, points string) (Rule, error) {
	c, err := compile(field+".condition", condition, cel.BoolType)
	if err != nil {
		return Rule{}, err
	}
	p, err := compile(field+".points", points, cel.IntType, cel.DoubleType)
	if err != nil {
		return Rule{}, err
	}
	return Rule{ID: id, condition: c, points: p}, nil
}

func compile(field, expr string, want ...*cel.Type) (cel.Program, error) {
	_, prg, err := celrule.Compile(env, field, expr, want...)
	return prg, err
}

// Outcome is what one rule did for one purchase.
type Outcome struct {
	Rule    string
	Matched bool
	Points  int64
	// Err says why a rule that failed at run time added nothing.
	Err string
}

// Evaluate runs the rule on the facts. A rule that fails at run time (the
// cost limit, a division by zero) adds nothing and says why.
func (r Rule) Evaluate(f *loyaltyv1.EarningFacts) Outcome {
	out := Outcome{Rule: r.ID}
	vars := map[string]any{"purchase": f.GetPurchase(), "customer": f.GetCustomer(), "base": f.GetBase()}
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
	out.Points, err = Whole(pts)
	if err != nil {
		out.Err = "points: " + err.Error()
	}
	return out
}

// maxPoints bounds any single figure, far inside int64.
const maxPoints = 1e15

// Whole rounds points down to a whole number, negative to 0. The small
// tolerance keeps binary rounding (4.35 * 100 = 434.99999...) from losing
// a point.
func Whole(x float64) (int64, error) {
	if math.IsNaN(x) || math.IsInf(x, 0) || x > maxPoints {
		return 0, errors.New("not a finite number of points")
	}
	if x <= 0 {
		return 0, nil
	}
	return int64(math.Floor(x + 1e-9)), nil
}
