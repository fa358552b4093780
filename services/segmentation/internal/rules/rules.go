// Package rules is what a segment rule is to segmentation: a compiled
// condition over a customer's facts that says whether they belong, and
// which facts it read. Package celfacts compiles rules written in CEL.
package rules

import "github.com/opencrm/crm/services/segmentation/internal/facts"

// Rule is a compiled segment rule.
type Rule interface {
	// Match reports whether the facts satisfy the rule; an error (the
	// cost limit, a missing map key) means they do not.
	Match(f *facts.Facts) (bool, error)
	// Explain returns the value of every field the rule reads, by path
	// ("metrics.amount"), as JSON.
	Explain(f *facts.Facts) map[string]string
}

// Compiler type-checks a rule; field is its path in the request
// ("segment.rule"), named by an INVALID_ARGUMENT with the line and column
// of the problem.
type Compiler func(field, expr string) (Rule, error)
