// Package celrule compiles the platform's rules, written in CEL (earning
// rules, segment rules): type-checked when saved, with errors that name
// the request field and the line and column of the problem, and evaluated
// under a cost limit (docs/domain.md shows where each kind of rule is used).
package celrule

import (
	"fmt"
	"strings"

	"cel.dev/cel-go/cel"

	"github.com/opencrm/crm/pkg/apperr"
)

// CostLimit bounds one evaluation of one expression: ample for any
// comparison of a customer's facts, short of loops over large inputs.
const CostLimit = 10_000

// Compile type-checks expr in env and prepares it for evaluation. Its
// result must have one of the types want (any type when none is given). An
// error is INVALID_ARGUMENT on field.
func Compile(env *cel.Env, field, expr string, want ...*cel.Type) (*cel.Ast, cel.Program, error) {
	ast, iss := env.Compile(expr)
	if iss.Err() != nil {
		msgs := make([]string, 0, len(iss.Errors()))
		for _, e := range iss.Errors() {
			msgs = append(msgs, fmt.Sprintf("%d:%d: %s", e.Location.Line(), e.Location.Column()+1, e.Message))
		}
		return nil, nil, apperr.Invalid(field, "does not compile: %s", strings.Join(msgs, "; "))
	}
	ok := len(want) == 0
	for _, w := range want {
		ok = ok || ast.OutputType().IsExactType(w)
	}
	if !ok {
		names := make([]string, len(want))
		for i, w := range want {
			names[i] = w.String()
		}
		return nil, nil, apperr.Invalid(field, "has type %s, want %s", ast.OutputType(), strings.Join(names, " or "))
	}
	prg, err := env.Program(ast, cel.CostLimit(CostLimit))
	if err != nil {
		return nil, nil, apperr.Invalid(field, "cannot be evaluated: %v", err)
	}
	return ast, prg, nil
}
