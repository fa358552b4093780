// Package rules compiles and evaluates segment rules: CEL expressions of
// type bool over the variables documented in crm.segmentation.v1.
// SegmentFacts ("profile", "metrics", "scores"). A rule also knows which
// fields it reads, so a customer's membership can be explained by the
// values the rule saw.
package rules

import (
	"fmt"
	"slices"
	"strings"

	"reflect"

	"cel.dev/cel-go/cel"
	celast "cel.dev/cel-go/common/ast"
	"cel.dev/cel-go/common/types"
	"cel.dev/cel-go/common/types/ref"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/types/known/structpb"

	segmentationv1 "github.com/opencrm/crm/gen/go/crm/segmentation/v1"
	"github.com/opencrm/crm/pkg/celrule"
)

var env = mustEnv()

func mustEnv() *cel.Env {
	e, err := cel.NewEnv(
		cel.Types(&segmentationv1.SegmentFacts{}),
		// "metrics.amount > 100" reads as people mean it.
		cel.CrossTypeNumericComparisons(true),
		cel.Variable("profile", cel.ObjectType("crm.segmentation.v1.ProfileFacts")),
		cel.Variable("metrics", cel.ObjectType("crm.segmentation.v1.MetricFacts")),
		cel.Variable("scores", cel.ObjectType("crm.segmentation.v1.ScoreFacts")),
	)
	if err != nil {
		panic(fmt.Sprintf("segment rule environment: %v", err))
	}
	return e
}

// Rule is a compiled segment rule.
type Rule struct {
	prg cel.Program
	// reads are the fields the rule reads ("profile.country"), each
	// compiled alone to show its value.
	reads []read
}

type read struct {
	path string
	prg  cel.Program
}

// Compile type-checks a rule; an error is INVALID_ARGUMENT on field with
// the line and column of the problem.
func Compile(field, expr string) (*Rule, error) {
	ast, prg, err := celrule.Compile(env, field, expr, cel.BoolType)
	if err != nil {
		return nil, err
	}
	r := &Rule{prg: prg}
	for _, path := range paths(ast.NativeRep()) {
		_, p, err := celrule.Compile(env, field, path)
		if err != nil {
			return nil, fmt.Errorf("compile the field %s of a checked rule: %w", path, err)
		}
		r.reads = append(r.reads, read{path: path, prg: p})
	}
	return r, nil
}

// paths lists the variable fields an expression selects, longest chains
// only ("metrics.channels", not "metrics").
func paths(a *celast.AST) []string {
	var all []string
	celast.PreOrderVisit(a.Expr(), celast.NewExprVisitor(func(e celast.Expr) {
		if p, ok := chain(e); ok && strings.Contains(p, ".") {
			all = append(all, p)
		}
	}))
	slices.Sort(all)
	all = slices.Compact(all)
	var out []string
	for i, p := range all {
		if i+1 < len(all) && strings.HasPrefix(all[i+1], p+".") {
			continue
		}
		out = append(out, p)
	}
	return out
}

func chain(e celast.Expr) (string, bool) {
	switch e.Kind() {
	case celast.IdentKind:
		return e.AsIdent(), true
	case celast.SelectKind:
		s := e.AsSelect()
		if s.IsTestOnly() {
			return "", false
		}
		p, ok := chain(s.Operand())
		return p + "." + s.FieldName(), ok
	}
	return "", false
}

func vars(f *segmentationv1.SegmentFacts) map[string]any {
	return map[string]any{"profile": f.GetProfile(), "metrics": f.GetMetrics(), "scores": f.GetScores()}
}

// Match evaluates the rule for one customer. An error (the cost limit, a
// missing map key) means not a member, and says why.
func (r *Rule) Match(f *segmentationv1.SegmentFacts) (bool, error) {
	v, _, err := r.prg.Eval(vars(f))
	if err != nil {
		return false, err
	}
	return v == types.True, nil
}

// Explain returns the value of each field the rule reads, as CEL would
// print it.
func (r *Rule) Explain(f *segmentationv1.SegmentFacts) map[string]string {
	in := vars(f)
	out := make(map[string]string, len(r.reads))
	for _, rd := range r.reads {
		v, _, err := rd.prg.Eval(in)
		if err != nil {
			out[rd.path] = "error: " + err.Error()
			continue
		}
		out[rd.path] = format(v)
	}
	return out
}

// format prints a value as JSON.
func format(v ref.Val) string {
	n, err := v.ConvertToNative(reflect.TypeFor[*structpb.Value]())
	if err != nil {
		return fmt.Sprint(v.Value())
	}
	b, err := protojson.Marshal(n.(*structpb.Value))
	if err != nil {
		return fmt.Sprint(v.Value())
	}
	return string(b)
}
