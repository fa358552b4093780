// Package segmentationpb converts between the API's segmentation messages
// and the domain's segments, settings, runs and facts, and applies an
// update's masked fields.
package segmentationpb

import (
	"math"

	"google.golang.org/protobuf/types/known/timestamppb"

	segmentationv1 "github.com/opencrm/crm/gen/go/crm/segmentation/v1"
	typev1 "github.com/opencrm/crm/gen/go/crm/type/v1"
	"github.com/opencrm/crm/pkg/etag"
	"github.com/opencrm/crm/pkg/money"
	"github.com/opencrm/crm/services/segmentation/internal/model"
	"github.com/opencrm/crm/services/segmentation/internal/names"
	"github.com/opencrm/crm/services/segmentation/internal/records"
	"github.com/opencrm/crm/services/segmentation/internal/segments"
)

// SettingsToProto returns the settings as the API shows them, with the
// scored currency.
//
//nolint:gosec // the ints are the API's int32 fields, read by ApplySettings and validated
func SettingsToProto(s *records.Settings, currency string) *segmentationv1.Settings {
	p := s.Params
	out := &segmentationv1.Settings{
		Name: "settings", WindowDays: int32(p.WindowDays), TrendChange: p.TrendChange,
		ValueMatrix: &segmentationv1.ValueMatrixSettings{Absolute: p.Matrix.Absolute, ValueThreshold: p.Matrix.Value, LoyaltyThreshold: p.Matrix.Loyalty},
		Pyramid:     &segmentationv1.PyramidSettings{Absolute: p.Pyramid.Absolute},
		AbcAShare:   p.AShare, AbcBShare: p.BShare,
		Stage: &segmentationv1.StageSettings{ExplorationDays: int32(p.Stage.ExplorationDays), StabilityDays: int32(p.Stage.StabilityDays), ChurnedDays: int32(p.Stage.ChurnedDays)},
		Churn: &segmentationv1.ChurnSettings{OverdueFactor: p.Churn.OverdueFactor, MinAlive: p.Churn.MinAlive, FallingShare: p.Churn.FallingShare},
		Clv: &segmentationv1.ClvSettings{MarginRate: p.CLV.MarginRate, DiscountRate: p.CLV.DiscountRate, HorizonYears: int32(p.CLV.HorizonYears),
			AnnualCost: p.CLV.AnnualCost, FitSample: int32(p.CLV.FitSample)},
		RecomputeIntervalMinutes: int32(s.Interval), CurrencyCode: currency,
	}
	if s.Version > 0 { // the defaults, never saved, take any update
		out.Etag = etag.Format(s.Version)
	}
	for _, r := range p.SegmentMap {
		out.SegmentMap = append(out.SegmentMap, &segmentationv1.RfmSegmentRule{Name: r.Name, RecencyMin: int32(r.RMin), RecencyMax: int32(r.RMax), FmMin: int32(r.FMMin), FmMax: int32(r.FMMax)})
	}
	for _, b := range p.Pyramid.Bands {
		out.Pyramid.Bands = append(out.Pyramid.Bands, &segmentationv1.PyramidBand{Name: b.Name, Limit: b.Limit})
	}
	if !s.Updated.IsZero() {
		out.UpdateTime = timestamppb.New(s.Updated)
	}
	return out
}

// Settable are the settings an update may change.
var Settable = []string{"window_days", "segment_map", "trend_change", "value_matrix", "pyramid", "abc_a_share", "abc_b_share",
	"stage", "churn", "clv", "recompute_interval_minutes"}

// ApplySettings copies the masked fields of in onto s.
func ApplySettings(s *records.Settings, in *segmentationv1.Settings, paths []string) {
	p := &s.Params
	for _, f := range paths {
		switch f {
		case "window_days":
			p.WindowDays = int(in.GetWindowDays())
		case "segment_map":
			p.SegmentMap = nil
			for _, r := range in.GetSegmentMap() {
				p.SegmentMap = append(p.SegmentMap, model.SegmentRule{Name: r.GetName(), RMin: int(r.GetRecencyMin()), RMax: int(r.GetRecencyMax()), FMMin: int(r.GetFmMin()), FMMax: int(r.GetFmMax())})
			}
		case "trend_change":
			p.TrendChange = in.GetTrendChange()
		case "value_matrix":
			m := in.GetValueMatrix()
			p.Matrix = model.Matrix{Absolute: m.GetAbsolute(), Value: m.GetValueThreshold(), Loyalty: m.GetLoyaltyThreshold()}
		case "pyramid":
			p.Pyramid = model.Pyramid{Absolute: in.GetPyramid().GetAbsolute()}
			for _, b := range in.GetPyramid().GetBands() {
				p.Pyramid.Bands = append(p.Pyramid.Bands, model.Band{Name: b.GetName(), Limit: b.GetLimit()})
			}
		case "abc_a_share":
			p.AShare = in.GetAbcAShare()
		case "abc_b_share":
			p.BShare = in.GetAbcBShare()
		case "stage":
			st := in.GetStage()
			p.Stage = model.Stage{ExplorationDays: int(st.GetExplorationDays()), StabilityDays: int(st.GetStabilityDays()), ChurnedDays: int(st.GetChurnedDays())}
		case "churn":
			c := in.GetChurn()
			p.Churn = model.Churn{OverdueFactor: c.GetOverdueFactor(), MinAlive: c.GetMinAlive(), FallingShare: c.GetFallingShare()}
		case "clv":
			c := in.GetClv()
			p.CLV = model.CLV{MarginRate: c.GetMarginRate(), DiscountRate: c.GetDiscountRate(), HorizonYears: int(c.GetHorizonYears()),
				AnnualCost: c.GetAnnualCost(), FitSample: int(c.GetFitSample())}
		case "recompute_interval_minutes":
			s.Interval = int(in.GetRecomputeIntervalMinutes())
		}
	}
}

var runStates = map[string]segmentationv1.RunState{
	records.RunRunning: segmentationv1.RunState_RUN_STATE_RUNNING, records.RunSucceeded: segmentationv1.RunState_RUN_STATE_SUCCEEDED,
	records.RunFailed: segmentationv1.RunState_RUN_STATE_FAILED,
}

var runTriggers = map[string]segmentationv1.RunTrigger{
	records.TriggerManual: segmentationv1.RunTrigger_RUN_TRIGGER_MANUAL, records.TriggerSchedule: segmentationv1.RunTrigger_RUN_TRIGGER_SCHEDULED,
	records.TriggerSegments: segmentationv1.RunTrigger_RUN_TRIGGER_SEGMENTS_CHANGED,
}

// RunToProto returns a run as the API shows it.
func RunToProto(r *records.Run) *segmentationv1.Run {
	out := &segmentationv1.Run{
		Name: names.Runs.Format(r.ID), Id: r.ID, State: runStates[r.State], Trigger: runTriggers[r.Trigger],
		StartTime: timestamppb.New(r.Start), Processed: r.Processed, Total: r.Total, Error: r.Error,
		DatabaseSeconds: r.DatabaseSeconds, ComputeSeconds: r.ComputeSeconds, MembershipChanges: r.MembershipChanges,
	}
	if !r.End.IsZero() {
		out.EndTime = timestamppb.New(r.End)
	}
	if len(r.SegmentSizes) > 0 {
		out.SegmentSizes = map[string]int64{}
		for k, v := range r.SegmentSizes {
			out.SegmentSizes[names.Segments.Format(k)] = v
		}
	}
	if t := r.Thresholds; t != nil {
		f := t.Fit
		out.Fit = &segmentationv1.ModelFit{Ok: f.OK, Reason: f.Reason, R: f.BGNBD.R, Alpha: f.BGNBD.Alpha, A: f.BGNBD.A, B: f.BGNBD.B,
			P: f.GammaGamma.P, Q: f.GammaGamma.Q, Gamma: f.GammaGamma.Gamma, LogLikelihood: f.LogLikelihood, Sample: int64(f.Sample)}
	}
	return out
}

// Major converts a figure in major units to Money, rounded to the minor
// unit.
func Major(currency string, exponent int, v float64) *typev1.Money {
	return money.ToProto(currency, int64(math.Round(v*math.Pow10(exponent))))
}

// ReportToProto returns a completed run's report.
func ReportToProto(r *records.Run) *segmentationv1.Report {
	rep, p := r.Report, r.Thresholds.Params
	out := &segmentationv1.Report{
		Run: names.Runs.Format(r.ID), Time: timestamppb.New(r.End), Customers: rep.Customers, Prospects: rep.Prospects,
		RfmSegments: rep.RFMSegments, ValueMatrix: rep.ValueMatrix, Pareto: r.Thresholds.Pareto, Abc: rep.ABC,
		Stages: rep.Stages, ChurnWarnings: rep.ChurnWarnings, Trends: rep.Trends,
		CustomerEquity: Major(r.Currency, r.Exponent, rep.Equity), SegmentSizes: map[string]int64{},
	}
	for rs := 1; rs <= 5; rs++ {
		for fm := 1; fm <= 5; fm++ {
			out.RfmGrid = append(out.RfmGrid, &segmentationv1.RfmCell{Recency: int32(rs), Fm: int32(fm), Count: rep.Grid[5*(rs-1)+fm-1], Segment: p.SegmentOf(rs, fm)})
		}
	}
	for _, b := range p.Pyramid.Bands {
		out.Pyramid = append(out.Pyramid, &segmentationv1.BandCount{Band: b.Name, Count: rep.Pyramid[b.Name]})
	}
	for k, v := range r.SegmentSizes {
		out.SegmentSizes[names.Segments.Format(k)] = v
	}
	return out
}

// SegmentToProto returns a segment with its member count.
func SegmentToProto(v *segments.View) *segmentationv1.Segment {
	s := v.Segment
	return &segmentationv1.Segment{
		Name: names.Segments.Format(s.ID), Id: s.ID, DisplayName: s.DisplayName, Description: s.Description, Rule: s.Rule,
		MemberCount: v.Members, Evaluated: v.Evaluated, CreateTime: timestamppb.New(s.Created), UpdateTime: timestamppb.New(s.Updated),
		Etag: etag.Format(s.Version),
	}
}

// SegmentUpdatable are the fields of a segment an update may change.
var SegmentUpdatable = []string{"display_name", "description", "rule"}

// ApplySegment copies the masked fields of in onto s.
func ApplySegment(s *records.Segment, in *segmentationv1.Segment, paths []string) {
	for _, f := range paths {
		switch f {
		case "display_name":
			s.DisplayName = in.GetDisplayName()
		case "description":
			s.Description = in.GetDescription()
		case "rule":
			s.Rule = in.GetRule()
		}
	}
}

// SegmentFromProto returns a new segment from a create request.
func SegmentFromProto(in *segmentationv1.Segment) *records.Segment {
	return &records.Segment{ID: in.GetId(), DisplayName: in.GetDisplayName(), Description: in.GetDescription(), Rule: in.GetRule()}
}
