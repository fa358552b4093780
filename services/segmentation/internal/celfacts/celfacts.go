// Package celfacts compiles and evaluates segment rules in CEL over the
// variables the API documents in crm.segmentation.v1.SegmentFacts:
// "profile", "metrics" and "scores". Its environment declares the facts
// as the API's messages, so a rule reads exactly as the API documents it;
// it is the adapter between packages rules and facts and CEL, and turns
// facts into the API's message for the API too.
package celfacts

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
	"github.com/opencrm/crm/services/segmentation/internal/facts"
	"github.com/opencrm/crm/services/segmentation/internal/metrics"
	"github.com/opencrm/crm/services/segmentation/internal/rules"
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

// rule is a compiled segment rule.
type rule struct {
	prg cel.Program
	// reads are the fields the rule reads ("profile.country"), each
	// compiled alone to show its value.
	reads []read
}

type read struct {
	path string
	prg  cel.Program
}

var _ rules.Compiler = Compile

// Compile type-checks a rule (see rules.Compiler).
func Compile(field, expr string) (rules.Rule, error) {
	ast, prg, err := celrule.Compile(env, field, expr, cel.BoolType)
	if err != nil {
		return nil, err
	}
	r := &rule{prg: prg}
	for _, path := range paths(ast.NativeRep()) {
		_, p, err := celrule.Compile(env, field, path)
		if err != nil {
			return nil, fmt.Errorf("compile the field %s of a checked rule: %w", path, err)
		}
		r.reads = append(r.reads, read{path: path, prg: p})
	}
	return r, nil
}

// variables are the rules' variables.
var variables = []string{"profile", "metrics", "scores"}

// paths lists the variable fields an expression selects, longest chains
// only ("metrics.channels", not "metrics"); fields of a macro's own
// variable ("c.purpose" in "profile.consents.exists(c, ...)") are not
// variable fields.
func paths(a *celast.AST) []string {
	var all []string
	celast.PreOrderVisit(a.Expr(), celast.NewExprVisitor(func(e celast.Expr) {
		if p, ok := chain(e); ok && strings.Contains(p, ".") && slices.Contains(variables, strings.SplitN(p, ".", 2)[0]) {
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

func vars(f *facts.Facts) map[string]any {
	p := Proto(f)
	return map[string]any{"profile": p.GetProfile(), "metrics": p.GetMetrics(), "scores": p.GetScores()}
}

// Match evaluates the rule for one customer. An error (the cost limit, a
// missing map key) means not a member, and says why.
func (r *rule) Match(f *facts.Facts) (bool, error) {
	v, _, err := r.prg.Eval(vars(f))
	if err != nil {
		return false, err
	}
	return v == types.True, nil
}

// Explain returns the value of each field the rule reads, as CEL would
// print it.
func (r *rule) Explain(f *facts.Facts) map[string]string {
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
	sv, ok := n.(*structpb.Value)
	if err != nil || !ok {
		return fmt.Sprint(v.Value())
	}
	b, err := protojson.Marshal(sv)
	if err != nil {
		return fmt.Sprint(v.Value())
	}
	return string(b)
}

// Proto returns the facts as the API's message.
func Proto(f *facts.Facts) *segmentationv1.SegmentFacts {
	p, m, c := f.Profile, f.Metrics, f.Scores
	return &segmentationv1.SegmentFacts{
		Profile: &segmentationv1.ProfileFacts{Country: p.Country, Region: p.Region, LifecycleStage: p.LifecycleStage, Tags: p.Tags,
			Attributes: p.Attributes, BirthYear: p.BirthYear, BirthMonth: p.BirthMonth, Age: p.Age, DaysSinceCreated: p.DaysSinceCreated,
			Gender: p.Gender, Consents: consents(p.Consents)},
		Metrics: &segmentationv1.MetricFacts{Purchases: m.Purchases, Amount: m.Amount, WindowPurchases: m.WindowPurchases,
			WindowAmount: m.WindowAmount, Purchases_90D: m.Purchases90D, Amount_90D: m.Amount90D, Refunds: m.Refunds,
			RefundAmount: m.RefundAmount, DaysSinceLastPurchase: m.DaysSinceLastPurchase, DaysSinceFirstPurchase: m.DaysSinceFirstPurchase,
			MeanGapDays: m.MeanGapDays, ComplaintsOpen: m.ComplaintsOpen, Complaints_90D: m.Complaints90D, Complaints: m.Complaints,
			Satisfaction: m.Satisfaction, SatisfactionCount: m.SatisfactionCount, DaysSinceLastInteraction: m.DaysSinceLastInteraction,
			Channels: m.Channels, TopChannel: m.TopChannel, Interactions: m.Interactions},
		Scores: &segmentationv1.ScoreFacts{Recency: c.Recency, Frequency: c.Frequency, Monetary: c.Monetary, Fm: c.FM,
			RfmSegment: c.RFMSegment, Trend: c.Trend, ValueClass: c.ValueClass, PyramidBand: c.PyramidBand, AbcClass: c.ABCClass,
			LifecycleStage: c.LifecycleStage, ChurnWarning: c.ChurnWarning, ChurnReasons: c.ChurnReasons, PAlive: c.PAlive,
			ExpectedPurchases: c.ExpectedPurchases, Clv: c.CLV, ClvMethod: c.CLVMethod},
	}
}

func consents(cs []metrics.Consent) []*segmentationv1.ConsentFacts {
	out := make([]*segmentationv1.ConsentFacts, len(cs))
	for i, c := range cs {
		out[i] = &segmentationv1.ConsentFacts{Purpose: c.Purpose, Channel: c.Channel, Granted: c.Granted}
	}
	return out
}
