package crmctl

import (
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	segmentationv1 "github.com/opencrm/crm/gen/go/crm/segmentation/v1"
)

func (c *cli) segmentsCmd() *cobra.Command {
	return group("segments", "Grades, reports and rule segments",
		c.segmentReport(), c.segmentRecompute(), c.segmentList(), c.segmentCreate(), c.segmentPreview(), c.segmentMembers(), c.segmentCustomer())
}

func (c *cli) segmentReport() *cobra.Command {
	var svg, page string
	cmd := &cobra.Command{
		Use:   "report [--svg FILE] [--html FILE]",
		Short: "The base at a glance: RFM grid, value matrix, pyramid, Pareto curve and ABC classes",
		Args:  args(0, "no arguments, only flags"),
		RunE: c.connected(func(*cobra.Command, []string) error {
			resp, err := c.seg.GetReport(c.ctx, &segmentationv1.GetReportRequest{})
			if err != nil {
				return err
			}
			r := resp.GetReport()
			if svg != "" {
				if err := os.WriteFile(svg, []byte(drawSVG(r)), 0o644); err != nil {
					return err
				}
			}
			if page != "" {
				doc := "<!doctype html><meta charset=utf-8><title>Customer report</title><body style=\"font-family:sans-serif\">" +
					"<h1>Customer report</h1><p>" + r.GetRun() + ", " + strconv.FormatInt(r.GetCustomers(), 10) + " customers</p>" + drawSVG(r) + "</body>\n"
				if err := os.WriteFile(page, []byte(doc), 0o644); err != nil {
					return err
				}
			}
			return c.emit(resp, view{head: []string{"chart", "class", "customers"}, rows: reportRows(r), text: func() { fmt.Fprint(c.io.Out, drawText(r)) }})
		}),
	}
	cmd.Flags().StringVar(&svg, "svg", "", "also write the charts to this SVG file")
	cmd.Flags().StringVar(&page, "html", "", "also write the charts to this HTML file")
	return cmd
}

// reportRows are the report's counts, one class of one chart a row.
func reportRows(r *segmentationv1.Report) [][]string {
	var rows [][]string
	for rec := int32(5); rec >= 1; rec-- {
		for fm := int32(1); fm <= 5; fm++ {
			rows = append(rows, []string{"rfm", fmt.Sprintf("R%d FM%d", rec, fm), strconv.FormatInt(cell(r, rec, fm).GetCount(), 10)})
		}
	}
	for _, k := range sortedKeys(r.GetRfmSegments()) {
		rows = append(rows, []string{"rfm segment", k, strconv.FormatInt(r.GetRfmSegments()[k], 10)})
	}
	for _, k := range sortedKeys(r.GetValueMatrix()) {
		rows = append(rows, []string{"value matrix", k, strconv.FormatInt(r.GetValueMatrix()[k], 10)})
	}
	for _, b := range r.GetPyramid() {
		rows = append(rows, []string{"pyramid", b.GetBand(), strconv.FormatInt(b.GetCount(), 10)})
	}
	for _, k := range sortedKeys(r.GetAbc()) {
		rows = append(rows, []string{"abc", k, strconv.FormatInt(r.GetAbc()[k], 10)})
	}
	return rows
}

func (c *cli) segmentRecompute() *cobra.Command {
	return &cobra.Command{
		Use:   "recompute",
		Short: "Grade every customer again now, with a progress bar",
		Long: "Grade every customer again now, with a progress bar. Only one run runs at a time: while\n" +
			"another runs, this fails with RUN_IN_PROGRESS (try again when it ends).",
		Args: args(0, "no arguments"),
		RunE: c.connected(func(*cobra.Command, []string) error {
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
				if c.output == "table" && last.GetTotal() > 0 {
					fmt.Fprintf(c.io.Out, "\r%s %s", last.GetName(), bar(last.GetProcessed(), last.GetTotal(), 30))
				}
			}
			if last == nil {
				return fmt.Errorf("lost %s before it reported (crmctl segments report shows the current run)", start.GetRun().GetName())
			}
			if last.GetState() != segmentationv1.RunState_RUN_STATE_SUCCEEDED {
				return fmt.Errorf("%s %s: %s", last.GetName(), short(last.GetState().String(), "RUN_STATE_"), last.GetError())
			}
			secs := last.GetEndTime().AsTime().Sub(last.GetStartTime().AsTime()).Seconds()
			return c.emit(last, view{head: []string{"run", "customers", "seconds", "database seconds", "membership changes"},
				rows: [][]string{{last.GetName(), strconv.FormatInt(last.GetTotal(), 10), fmt.Sprintf("%.1f", secs), fmt.Sprintf("%.1f", last.GetDatabaseSeconds()), strconv.FormatInt(last.GetMembershipChanges(), 10)}},
				text: func() {
					fmt.Fprintf(c.io.Out, "\n%s: %d customers graded in %.1f s (database %.1f s), %d membership changes\n", last.GetName(), last.GetTotal(),
						secs, last.GetDatabaseSeconds(), last.GetMembershipChanges())
				}})
		}),
	}
}

func (c *cli) segmentList() *cobra.Command {
	var p pager
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List rule segments with their sizes",
		Args:  args(0, "no arguments"),
		RunE: c.connected(func(*cobra.Command, []string) error {
			all := &segmentationv1.ListSegmentsResponse{}
			var err error
			all.Segments, all.NextPageToken, err = pages(c, &p, func(token string) ([]*segmentationv1.Segment, string, error) {
				resp, err := c.seg.ListSegments(c.ctx, &segmentationv1.ListSegmentsRequest{PageSize: p.size, PageToken: token})
				return resp.GetSegments(), resp.GetNextPageToken(), err
			})
			if err != nil {
				return err
			}
			rows := rowsOf(all.GetSegments(), func(s *segmentationv1.Segment) []string {
				return []string{s.GetName(), s.GetDisplayName(), strconv.FormatInt(s.GetMemberCount(), 10), strconv.FormatBool(s.GetEvaluated()), s.GetRule()}
			})
			return c.emit(all, view{head: []string{"segment", "name", "members", "evaluated", "rule"}, rows: rows})
		}),
	}
	c.pagingFlags(cmd, &p, 100, "segments")
	return cmd
}

func (c *cli) segmentCreate() *cobra.Command {
	var display string
	cmd := &cobra.Command{
		Use:     "create ID RULE [--name N]",
		Short:   "Create a rule segment (a CEL rule over profile, metrics and scores)",
		Example: `  crmctl segments create regulars 'metrics.purchases >= 1 && scores.recency >= 3' --name "Recent buyers"`,
		Args:    args(2, "an id (lower case, digits and dashes) and a rule"),
		RunE: c.connected(func(_ *cobra.Command, pos []string) error {
			resp, err := c.seg.CreateSegment(c.ctx, &segmentationv1.CreateSegmentRequest{Segment: &segmentationv1.Segment{Id: pos[0], Rule: pos[1], DisplayName: display}})
			if err != nil {
				return err
			}
			return c.emit(resp, view{head: []string{"segment", "run"}, rows: [][]string{{resp.GetSegment().GetName(), resp.GetRun()}}, text: func() {
				fmt.Fprintf(c.io.Out, "created %s; %s finds its members (crmctl segments list)\n", resp.GetSegment().GetName(), resp.GetRun())
			}})
		}),
	}
	cmd.Flags().StringVar(&display, "name", "", "display name")
	return cmd
}

func (c *cli) segmentPreview() *cobra.Command {
	return &cobra.Command{
		Use:     "preview RULE",
		Short:   "Count a rule's members before saving it",
		Example: `  crmctl segments preview 'profile.country == "CN" && scores.monetary >= 4'`,
		Args:    args(1, "a rule"),
		RunE: c.connected(func(_ *cobra.Command, pos []string) error {
			resp, err := c.seg.PreviewSegment(c.ctx, &segmentationv1.PreviewSegmentRequest{Rule: pos[0]})
			if err != nil {
				return err
			}
			return c.emit(resp, view{head: []string{"members", "customers", "sample"},
				rows: [][]string{{strconv.FormatInt(resp.GetMemberCount(), 10), strconv.FormatInt(resp.GetCustomers(), 10), strings.Join(resp.GetSample(), " ")}}, text: func() {
					fmt.Fprintf(c.io.Out, "%d of %d customers match; for example %s\n", resp.GetMemberCount(), resp.GetCustomers(), strings.Join(resp.GetSample(), ", "))
				}})
		}),
	}
}

func (c *cli) segmentMembers() *cobra.Command {
	var p pager
	cmd := &cobra.Command{
		Use:   "members SEGMENT",
		Short: "A segment's members, with their names and e-mails",
		Args:  args(1, "a segment (segments/ID; crmctl segments list finds it)"),
		RunE: c.connected(func(_ *cobra.Command, pos []string) error {
			all := &segmentationv1.ListSegmentMembersResponse{}
			var err error
			all.Customers, all.NextPageToken, err = pages(c, &p, func(token string) ([]string, string, error) {
				resp, err := c.seg.ListSegmentMembers(c.ctx, &segmentationv1.ListSegmentMembersRequest{Segment: name("segments", pos[0]), PageSize: p.size, PageToken: token})
				return resp.GetCustomers(), resp.GetNextPageToken(), err
			})
			if err != nil {
				return err
			}
			known := c.labels(all.GetCustomers())
			rows := rowsOf(all.GetCustomers(), func(m string) []string { return who(m, known) })
			return c.emit(all, view{head: []string{"customer", "display name", "email"}, rows: rows})
		}),
	}
	c.pagingFlags(cmd, &p, 100, "members")
	return cmd
}

func (c *cli) segmentCustomer() *cobra.Command {
	return &cobra.Command{
		Use:   "customer CUSTOMER",
		Short: "One customer's grades, and what each rule segment saw",
		Args:  args(1, customerArg),
		RunE: c.connected(func(_ *cobra.Command, pos []string) error {
			resp, err := c.seg.GetCustomerSegments(c.ctx, &segmentationv1.GetCustomerSegmentsRequest{Customer: name("customers", pos[0])})
			if err != nil {
				return err
			}
			s, m := resp.GetFacts().GetScores(), resp.GetFacts().GetMetrics()
			grades := []string{fmt.Sprintf("%d%d%d", s.GetRecency(), s.GetFrequency(), s.GetMonetary()), s.GetRfmSegment(), s.GetValueClass(), s.GetPyramidBand(),
				s.GetAbcClass(), s.GetLifecycleStage(), churn(s), formatMoney(resp.GetClv())}
			var rows [][]string
			for _, sg := range resp.GetSegments() {
				var why []string
				for _, k := range sortedKeys(sg.GetValues()) {
					why = append(why, k+"="+sg.GetValues()[k])
				}
				rows = append(rows, []string{sg.GetSegment(), strconv.FormatBool(sg.GetMember()), strings.Join(why, " ")})
			}
			return c.emit(resp, view{head: []string{"segment", "member", "what the rule saw"}, rows: rows, text: func() {
				c.table([]string{"rfm", "segment", "value", "pyramid", "abc", "stage", "churn warning", "clv"}, [][]string{grades})
				fmt.Fprintf(c.io.Out, "\n%d purchases, net %s (window %s), last %s days ago, %d complaints open\n\n", m.GetPurchases(),
					formatMoney(resp.GetAmount()), formatMoney(resp.GetWindowAmount()), fmt.Sprintf("%.0f", m.GetDaysSinceLastPurchase()), m.GetComplaintsOpen())
				c.table([]string{"segment", "member", "what the rule saw"}, rows)
			}})
		}),
	}
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
