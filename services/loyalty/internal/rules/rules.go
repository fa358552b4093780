// Package rules is what an earning rule sees and yields: the facts of a
// purchase ("purchase", "customer" and "base", as the API documents them
// in crm.loyalty.v1.EarningFacts) and the outcome of one rule. Rules are
// compiled by a Compiler (package celfacts holds the CEL one), type-checked
// when a program is saved and evaluated with a cost limit.
package rules

import (
	"errors"
	"math"
)

// Purchase is a purchase as earning rules see it.
type Purchase struct {
	// Amount is in major units (euros, not cents).
	Amount    float64
	Currency  string
	Channel   string
	OrderID   string
	Tags      []string
	SKUs      []string
	ItemCount int64
}

// Customer is the customer as earning rules see them at a purchase.
type Customer struct {
	Tier             string
	FirstPurchase    bool
	Purchases        int64
	QualifyingPoints int64
	LifetimeEarned   int64
	BirthMonth       int32
	BirthdayMonth    bool
	// Consents are the customer's current consents, one per purpose and
	// channel.
	Consents []Consent
}

// Consent is a customer's current decision for one purpose on one channel.
type Consent struct {
	Purpose string `bson:"purpose"`
	// Channel is the channel's name in lower case, for example "email".
	Channel string `bson:"channel"`
	Granted bool   `bson:"granted"`
}

// Facts are the variables of one evaluation.
type Facts struct {
	Purchase Purchase
	Customer Customer
	Base     float64
}

// Rule is a compiled earning rule.
type Rule interface {
	// Evaluate runs the rule on the facts. A rule that fails at run time
	// (the cost limit, a division by zero) adds nothing and says why.
	Evaluate(Facts) Outcome
	// ReadsProfile reports whether the rule may read the customer's
	// profile facts (birth month, consents), which are kept apart from the
	// account and read only for the rules that need them.
	ReadsProfile() bool
}

// Compiler type-checks one rule. field is the rule's path in the request,
// for example "program.earning_rules[2]"; an error is INVALID_ARGUMENT on
// the offending expression with the line and column of the problem.
type Compiler func(field, id, condition, points string) (Rule, error)

// Outcome is what one rule did for one purchase.
type Outcome struct {
	Rule    string
	Matched bool
	Points  int64
	// Err says why a rule that failed at run time added nothing.
	Err string
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
