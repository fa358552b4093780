package crmctl

import (
	"flag"
	"fmt"
	"os"
	"slices"
	"strings"

	segmentationv1 "github.com/opencrm/crm/gen/go/crm/segmentation/v1"
)

func (c *cli) segments(verb string, args []string) error {
	fs := flag.NewFlagSet("segments "+verb, flag.ContinueOnError)
	switch verb {
	case "report":
		svg := fs.String("svg", "", "also write the charts to this SVG file")
		html := fs.String("html", "", "also write the charts to this HTML file")
		if _, err := parse(fs, args, 0, "segments report [-svg FILE] [-html FILE]"); err != nil {
			return err
		}
		resp, err := c.seg.GetReport(c.ctx, &segmentationv1.GetReportRequest{})
		if err != nil {
			return err
		}
		r := resp.GetReport()
		if *svg != "" {
			if err := os.WriteFile(*svg, []byte(drawSVG(r)), 0o644); err != nil {
				return err
			}
		}
		if *html != "" {
			page := "<!doctype html><meta charset=utf-8><title>Customer report</title><body style=\"font-family:sans-serif\">" +
				"<h1>Customer report</h1><p>" + r.GetRun() + ", " + fmt.Sprint(r.GetCustomers()) + " customers</p>" + drawSVG(r) + "</body>\n"
			if err := os.WriteFile(*html, []byte(page), 0o644); err != nil {
				return err
			}
		}
		return c.emit(resp, func() { fmt.Fprint(c.out, drawText(r)) })
	case "recompute":
		if _, err := parse(fs, args, 0, "segments recompute"); err != nil {
			return err
		}
		start, err := c.seg.StartRecompute(c.ctx, &segmentationv1.StartRecomputeRequest{})
		if err != nil {
			return err
		}
		stream, err := c.seg.WatchRun(c.ctx, &segmentationv1.WatchRunRequest{Name: start.GetRun().GetName()})
		if err != nil {
			return err
		}
		var last *segmentationv1.Run
		for {
			m, err := stream.Recv()
			if err != nil {
				break
			}
			last = m.GetRun()
			if !c.json && last.GetTotal() > 0 {
				fmt.Fprintf(c.out, "\r%s %s", last.GetName(), bar(last.GetProcessed(), last.GetTotal(), 30))
			}
		}
		if last == nil {
			return fmt.Errorf("lost %s before it reported", start.GetRun().GetName())
		}
		if last.GetState() != segmentationv1.RunState_RUN_STATE_SUCCEEDED {
			return fmt.Errorf("%s %s: %s", last.GetName(), short(last.GetState().String(), "RUN_STATE_"), last.GetError())
		}
		return c.emit(last, func() {
			fmt.Fprintf(c.out, "\n%s: %d customers graded in %.1f s (database %.1f s), %d membership changes\n", last.GetName(), last.GetTotal(),
				last.GetEndTime().AsTime().Sub(last.GetStartTime().AsTime()).Seconds(), last.GetDatabaseSeconds(), last.GetMembershipChanges())
		})
	case "list":
		if _, err := parse(fs, args, 0, "segments list"); err != nil {
			return err
		}
		resp, err := c.seg.ListSegments(c.ctx, &segmentationv1.ListSegmentsRequest{PageSize: 100})
		if err != nil {
			return err
		}
		return c.emit(resp, func() {
			var rows [][]string
			for _, s := range resp.GetSegments() {
				rows = append(rows, []string{s.GetName(), s.GetDisplayName(), fmt.Sprint(s.GetMemberCount()), fmt.Sprint(s.GetEvaluated()), s.GetRule()})
			}
			c.table("SEGMENT\tNAME\tMEMBERS\tEVALUATED\tRULE", rows)
		})
	case "create":
		display := fs.String("name", "", "display name")
		pos, err := parse(fs, args, 2, "segments create ID RULE [-name N]")
		if err != nil {
			return err
		}
		resp, err := c.seg.CreateSegment(c.ctx, &segmentationv1.CreateSegmentRequest{Segment: &segmentationv1.Segment{Id: pos[0], Rule: pos[1], DisplayName: *display}})
		if err != nil {
			return err
		}
		return c.emit(resp, func() {
			fmt.Fprintf(c.out, "created %s; %s finds its members (crmctl segments list)\n", resp.GetSegment().GetName(), resp.GetRun())
		})
	case "preview":
		pos, err := parse(fs, args, 1, "segments preview RULE")
		if err != nil {
			return err
		}
		resp, err := c.seg.PreviewSegment(c.ctx, &segmentationv1.PreviewSegmentRequest{Rule: pos[0]})
		if err != nil {
			return err
		}
		return c.emit(resp, func() {
			fmt.Fprintf(c.out, "%d of %d customers match; for example %s\n", resp.GetMemberCount(), resp.GetCustomers(), strings.Join(resp.GetSample(), ", "))
		})
	case "members":
		pos, err := parse(fs, args, 1, "segments members SEGMENT")
		if err != nil {
			return err
		}
		resp, err := c.seg.ListSegmentMembers(c.ctx, &segmentationv1.ListSegmentMembersRequest{Segment: name("segments", pos[0]), PageSize: 1000})
		if err != nil {
			return err
		}
		return c.emit(resp, func() {
			for _, m := range resp.GetCustomers() {
				fmt.Fprintln(c.out, m)
			}
		})
	case "customer":
		pos, err := parse(fs, args, 1, "segments customer CUSTOMER")
		if err != nil {
			return err
		}
		resp, err := c.seg.GetCustomerSegments(c.ctx, &segmentationv1.GetCustomerSegmentsRequest{Customer: name("customers", pos[0])})
		if err != nil {
			return err
		}
		return c.emit(resp, func() {
			s, m := resp.GetFacts().GetScores(), resp.GetFacts().GetMetrics()
			c.table("RFM\tSEGMENT\tVALUE\tPYRAMID\tABC\tSTAGE\tCHURN WARNING\tCLV", [][]string{{
				fmt.Sprintf("%d%d%d", s.GetRecency(), s.GetFrequency(), s.GetMonetary()), s.GetRfmSegment(), s.GetValueClass(), s.GetPyramidBand(),
				s.GetAbcClass(), s.GetLifecycleStage(), churn(s), formatMoney(resp.GetClv())}})
			fmt.Fprintf(c.out, "\n%d purchases, net %s (window %s), last %s days ago, %d complaints open\n\n", m.GetPurchases(),
				formatMoney(resp.GetAmount()), formatMoney(resp.GetWindowAmount()), fmt.Sprintf("%.0f", m.GetDaysSinceLastPurchase()), m.GetComplaintsOpen())
			var rows [][]string
			for _, sg := range resp.GetSegments() {
				var why []string
				for _, k := range sortedKeys(sg.GetValues()) {
					why = append(why, k+"="+sg.GetValues()[k])
				}
				rows = append(rows, []string{sg.GetSegment(), fmt.Sprint(sg.GetMember()), strings.Join(why, " ")})
			}
			c.table("SEGMENT\tMEMBER\tWHAT THE RULE SAW", rows)
		})
	}
	return fmt.Errorf("segments: unknown action %q (report, recompute, list, create, preview, members, customer)", verb)
}

func churn(s *segmentationv1.ScoreFacts) string {
	if !s.GetChurnWarning() {
		return "no"
	}
	return strings.Join(s.GetChurnReasons(), ",")
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// bar draws a progress bar.
func bar(done, total int64, width int) string {
	n := int(float64(width) * float64(done) / float64(total))
	return fmt.Sprintf("[%s%s] %d/%d", strings.Repeat("#", n), strings.Repeat(" ", width-n), done, total)
}
