package crmctl

import (
	"crypto/rand"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"google.golang.org/protobuf/types/known/fieldmaskpb"
	"google.golang.org/protobuf/types/known/timestamppb"

	interactionv1 "github.com/opencrm/crm/gen/go/crm/interaction/v1"
	typev1 "github.com/opencrm/crm/gen/go/crm/type/v1"
	"github.com/opencrm/crm/pkg/money"
)

// enum finds an enum value by its short lower-case name ("web" for
// CHANNEL_WEB).
func enum(prefix, short string, values map[string]int32, field string) (int32, error) {
	v, ok := values[prefix+strings.ToUpper(short)]
	if !ok || v == 0 {
		return 0, fmt.Errorf("%s %q: choose one of %s", field, short, strings.Join(choices(prefix, values), ", "))
	}
	return v, nil
}

// choices are an enum's short names, sorted, without the unspecified one.
func choices(prefix string, values map[string]int32) []string {
	var names []string
	for k, n := range values {
		if n != 0 {
			names = append(names, strings.ToLower(strings.TrimPrefix(k, prefix)))
		}
	}
	slices.Sort(names)
	return names
}

// enumFlag declares a flag naming an enum value, with its choices in the
// help and in shell completion.
func enumFlag(cmd *cobra.Command, p *string, flag, def, what, prefix string, values map[string]int32) {
	cmd.Flags().StringVar(p, flag, def, what+": "+strings.Join(choices(prefix, values), ", "))
	_ = cmd.RegisterFlagCompletionFunc(flag, fixed(choices(prefix, values)...))
}

func short(s, prefix string) string { return strings.ToLower(strings.TrimPrefix(s, prefix)) }

// amount parses a decimal amount ("49.90") in a currency.
func amount(value, currency string) (*typev1.Money, error) {
	whole, frac, _ := strings.Cut(value, ".")
	digits := money.Exponent(currency)
	if len(frac) > digits {
		return nil, fmt.Errorf("amount %s: %s has %d decimals", value, currency, digits)
	}
	frac += strings.Repeat("0", digits-len(frac))
	var minor int64
	for _, r := range whole + frac {
		if r < '0' || r > '9' {
			return nil, fmt.Errorf("amount %q: not a decimal amount (for example 49.90)", value)
		}
		minor = minor*10 + int64(r-'0')
	}
	return money.ToProto(currency, minor), nil
}

func formatMoney(m *typev1.Money) string {
	if m == nil {
		return ""
	}
	minor, err := money.FromProto(m, "")
	if err != nil {
		return m.String()
	}
	d := money.Exponent(m.GetCurrencyCode())
	sign, n := "", minor
	if n < 0 {
		sign, n = "-", -n
	}
	p := int64(1)
	for range d {
		p *= 10
	}
	if d == 0 {
		return fmt.Sprintf("%s%d %s", sign, n, m.GetCurrencyCode())
	}
	return fmt.Sprintf("%s%d.%0*d %s", sign, n/p, d, n%p, m.GetCurrencyCode())
}

func (c *cli) interactionsCmd() *cobra.Command {
	return group("interactions", "Log interactions, read a customer's timeline, measure satisfaction", c.interactionLog(), c.interactionTimeline(), c.satisfactionStats())
}

func (c *cli) interactionLog() *cobra.Command {
	var kind, channel, value, currency, order, refundOf, subject, priority, when string
	cmd := &cobra.Command{
		Use:   "log CUSTOMER --kind K --channel C [--amount 49.90 --currency EUR --order O] [--refund-of INTERACTION] [--subject S] [--priority P]",
		Short: "Log an interaction: a purchase, a refund, a complaint (which opens a case), an inquiry...",
		Example: "  crmctl interactions log customers/ID --kind purchase --channel web --amount 49.90 --currency EUR --order A-1001\n" +
			"  crmctl interactions log customers/ID --kind complaint --channel phone --subject 'late delivery' --priority high",
		Args: args(1, customerArg),
		RunE: c.connected(func(cmd *cobra.Command, pos []string) error {
			k, err := enum("INTERACTION_KIND_", kind, interactionv1.InteractionKind_value, "--kind")
			if err != nil {
				return err
			}
			ch, err := enum("CHANNEL_", channel, interactionv1.Channel_value, "--channel")
			if err != nil {
				return err
			}
			at := time.Now()
			if when != "" {
				if at, err = time.Parse(time.RFC3339, when); err != nil {
					return fmt.Errorf("--at %q: give a time like 2026-11-01T10:00:00Z", when)
				}
			}
			money := func() (*typev1.Money, error) {
				if value == "" || currency == "" {
					return nil, fmt.Errorf("a %s needs --amount and --currency (for example --amount 49.90 --currency EUR)", kind)
				}
				return amount(value, currency)
			}
			i := &interactionv1.Interaction{Customer: name("customers", pos[0]), Kind: interactionv1.InteractionKind(k), Channel: interactionv1.Channel(ch),
				Direction: interactionv1.Direction_DIRECTION_INBOUND, OccurTime: timestamppb.New(at), Subject: subject}
			switch i.GetKind() {
			case interactionv1.InteractionKind_INTERACTION_KIND_PURCHASE:
				m, err := money()
				if err != nil {
					return err
				}
				i.Purchase = &interactionv1.Purchase{OrderId: order, Amount: m}
			case interactionv1.InteractionKind_INTERACTION_KIND_REFUND:
				m, err := money()
				if err != nil {
					return err
				}
				if refundOf == "" {
					return fmt.Errorf("a refund needs --refund-of, the purchase it reverses (crmctl interactions timeline %s shows it)", pos[0])
				}
				i.Refund = &interactionv1.Refund{Purchase: name("interactions", refundOf), Amount: m}
			case interactionv1.InteractionKind_INTERACTION_KIND_COMPLAINT:
				p, err := enum("CASE_PRIORITY_", priority, interactionv1.CasePriority_value, "--priority")
				if err != nil {
					return err
				}
				i.Complaint = &interactionv1.Complaint{Priority: interactionv1.CasePriority(p)}
			default:
				if value != "" || currency != "" {
					return fmt.Errorf("--amount and --currency belong to a purchase or a refund, not a %s", kind)
				}
			}
			resp, err := c.inter.LogInteraction(c.ctx, &interactionv1.LogInteractionRequest{Interaction: i, RequestId: "crmctl-" + rand.Text()})
			if err != nil {
				return err
			}
			return c.emit(resp, view{head: interactionHead, rows: interactionRows([]*interactionv1.Interaction{resp.GetInteraction()})})
		}),
	}
	enumFlag(cmd, &kind, "kind", "", "what happened (required)", "INTERACTION_KIND_", interactionv1.InteractionKind_value)
	enumFlag(cmd, &channel, "channel", "", "where it happened (required)", "CHANNEL_", interactionv1.Channel_value)
	cmd.Flags().StringVar(&value, "amount", "", "amount of a purchase or refund, for example 49.90")
	cmd.Flags().StringVar(&currency, "currency", "", "the amount's currency (ISO 4217, for example EUR); required with --amount")
	cmd.Flags().StringVar(&order, "order", "", "order id of a purchase")
	cmd.Flags().StringVar(&refundOf, "refund-of", "", "the purchase a refund reverses (interactions/ID)")
	cmd.Flags().StringVar(&subject, "subject", "", "subject")
	enumFlag(cmd, &priority, "priority", "normal", "a complaint's priority", "CASE_PRIORITY_", interactionv1.CasePriority_value)
	cmd.Flags().StringVar(&when, "at", "", "when it happened (RFC 3339, for example 2026-11-01T10:00:00Z; default now)")
	_ = cmd.MarkFlagRequired("kind")
	_ = cmd.MarkFlagRequired("channel")
	return cmd
}

func (c *cli) interactionTimeline() *cobra.Command {
	var p pager
	cmd := &cobra.Command{
		Use:   "timeline CUSTOMER",
		Short: "A customer's interactions, newest first",
		Args:  args(1, customerArg),
		RunE: c.connected(func(_ *cobra.Command, pos []string) error {
			all := &interactionv1.ListInteractionsResponse{}
			var err error
			all.Interactions, all.NextPageToken, err = pages(c, &p, func(token string) ([]*interactionv1.Interaction, string, error) {
				resp, err := c.inter.ListInteractions(c.ctx, &interactionv1.ListInteractionsRequest{Customer: name("customers", pos[0]), PageSize: p.size, PageToken: token})
				return resp.GetInteractions(), resp.GetNextPageToken(), err
			})
			if err != nil {
				return err
			}
			return c.emit(all, view{head: interactionHead, rows: interactionRows(all.GetInteractions())})
		}),
	}
	c.pagingFlags(cmd, &p, 20, "interactions")
	return cmd
}

var interactionHead = []string{"name", "when", "channel", "kind", "amount", "subject", "case"}

func interactionRows(is []*interactionv1.Interaction) [][]string {
	rows := make([][]string, 0, len(is))
	for _, i := range is {
		m := formatMoney(i.GetPurchase().GetAmount())
		if i.GetRefund() != nil {
			m = "-" + formatMoney(i.GetRefund().GetAmount())
		}
		rows = append(rows, []string{i.GetName(), i.GetOccurTime().AsTime().Local().Format("2006-01-02 15:04"),
			short(i.GetChannel().String(), "CHANNEL_"), short(i.GetKind().String(), "INTERACTION_KIND_"), m, i.GetSubject(), i.GetCase()})
	}
	return rows
}

func (c *cli) casesCmd() *cobra.Command {
	return group("cases", "List complaint cases, move them through their states, reassign them", c.caseList(), c.caseMove(), c.caseUpdate())
}

func (c *cli) caseList() *cobra.Command {
	var p pager
	var overdue, escalated bool
	var st, assignee, customer string
	cmd := &cobra.Command{
		Use:   "list [--overdue] [--escalated] [--status S] [--assignee A] [--customer C]",
		Short: "List complaint cases, with their customers' names",
		Args:  args(0, "no arguments, only flags"),
		RunE: c.connected(func(*cobra.Command, []string) error {
			req := &interactionv1.ListCasesRequest{Overdue: overdue, Escalated: escalated, Assignee: assignee}
			if customer != "" {
				req.Customer = name("customers", customer)
			}
			if st != "" {
				v, err := enum("CASE_STATUS_", st, interactionv1.CaseStatus_value, "--status")
				if err != nil {
					return err
				}
				req.Status = interactionv1.CaseStatus(v)
			}
			all := &interactionv1.ListCasesResponse{}
			var err error
			all.Cases, all.NextPageToken, err = pages(c, &p, func(token string) ([]*interactionv1.Case, string, error) {
				req.PageSize, req.PageToken = p.size, token
				resp, err := c.inter.ListCases(c.ctx, req)
				return resp.GetCases(), resp.GetNextPageToken(), err
			})
			if err != nil {
				return err
			}
			var names []string
			for _, k := range all.GetCases() {
				names = append(names, k.GetCustomer())
			}
			known := c.labels(names)
			rows := rowsOf(all.GetCases(), func(k *interactionv1.Case) []string {
				return append([]string{k.GetName()}, append(who(k.GetCustomer(), known), short(k.GetStatus().String(), "CASE_STATUS_"),
					short(k.GetPriority().String(), "CASE_PRIORITY_"), k.GetAssignee(), k.GetDueTime().AsTime().Local().Format("2006-01-02 15:04"))...)
			})
			return c.emit(all, view{head: []string{"case", "customer", "customer name", "email", "status", "priority", "assignee", "due"}, rows: rows})
		}),
	}
	c.pagingFlags(cmd, &p, 50, "cases")
	cmd.Flags().BoolVar(&overdue, "overdue", false, "only cases past their due time")
	cmd.Flags().BoolVar(&escalated, "escalated", false, "only cases escalated for passing their due time")
	enumFlag(cmd, &st, "status", "", "only cases in this state", "CASE_STATUS_", interactionv1.CaseStatus_value)
	cmd.Flags().StringVar(&assignee, "assignee", "", "only cases assigned to this person")
	cmd.Flags().StringVar(&customer, "customer", "", "only this customer's cases (customers/ID)")
	return cmd
}

func (c *cli) caseMove() *cobra.Command {
	var to, note string
	cmd := &cobra.Command{
		Use:     "move CASE --to STATUS [--note N]",
		Short:   "Move a case to another state: in_progress, resolved, closed, or open again",
		Example: "  crmctl cases move cases/ID --to in_progress --note 'called back'",
		Args:    args(1, "a case (cases/ID; crmctl cases list finds it)"),
		RunE: c.connected(func(_ *cobra.Command, pos []string) error {
			v, err := enum("CASE_STATUS_", to, interactionv1.CaseStatus_value, "--to")
			if err != nil {
				return err
			}
			resp, err := c.inter.TransitionCase(c.ctx, &interactionv1.TransitionCaseRequest{Name: name("cases", pos[0]), To: interactionv1.CaseStatus(v), Note: note})
			if err != nil {
				return err
			}
			k := resp.GetCase()
			return c.emit(resp, view{head: []string{"case", "status"}, rows: [][]string{{k.GetName(), short(k.GetStatus().String(), "CASE_STATUS_")}}, text: func() {
				fmt.Fprintf(c.io.Out, "%s is now %s\n", k.GetName(), short(k.GetStatus().String(), "CASE_STATUS_"))
			}})
		}),
	}
	enumFlag(cmd, &to, "to", "", "the new state (required)", "CASE_STATUS_", interactionv1.CaseStatus_value)
	cmd.Flags().StringVar(&note, "note", "", "what was done")
	_ = cmd.MarkFlagRequired("to")
	return cmd
}

func (c *cli) caseUpdate() *cobra.Command {
	var assignee, priority, note string
	cmd := &cobra.Command{
		Use:     "update CASE [--assignee A] [--priority P] [--note N]",
		Short:   "Reassign a case or change its priority (the due time follows the priority's SLA)",
		Example: "  crmctl cases update cases/ID --assignee bob --priority urgent --note 'customer called again'",
		Args:    args(1, "a case (cases/ID; crmctl cases list finds it)"),
		RunE: c.connected(func(cmd *cobra.Command, pos []string) error {
			req := &interactionv1.UpdateCaseRequest{Case: &interactionv1.Case{Name: name("cases", pos[0]), Assignee: assignee},
				Note: note}
			var paths []string
			if cmd.Flags().Changed("assignee") {
				paths = append(paths, "assignee")
			}
			if cmd.Flags().Changed("priority") {
				v, err := enum("CASE_PRIORITY_", priority, interactionv1.CasePriority_value, "--priority")
				if err != nil {
					return err
				}
				req.Case.Priority = interactionv1.CasePriority(v)
				paths = append(paths, "priority")
			}
			if len(paths) == 0 {
				return errors.New("give --assignee, --priority or both")
			}
			req.UpdateMask = &fieldmaskpb.FieldMask{Paths: paths}
			resp, err := c.inter.UpdateCase(c.ctx, req)
			if err != nil {
				return err
			}
			k := resp.GetCase()
			due := k.GetDueTime().AsTime().Local().Format("2006-01-02 15:04")
			return c.emit(resp, view{head: []string{"case", "assignee", "priority", "due"},
				rows: [][]string{{k.GetName(), k.GetAssignee(), short(k.GetPriority().String(), "CASE_PRIORITY_"), due}}, text: func() {
					fmt.Fprintf(c.io.Out, "%s: assignee %q, priority %s, due %s\n", k.GetName(), k.GetAssignee(), short(k.GetPriority().String(), "CASE_PRIORITY_"), due)
				}})
		}),
	}
	cmd.Flags().StringVar(&assignee, "assignee", "", "the new assignee (\"\" unassigns)")
	enumFlag(cmd, &priority, "priority", "", "the new priority", "CASE_PRIORITY_", interactionv1.CasePriority_value)
	cmd.Flags().StringVar(&note, "note", "", "why")
	return cmd
}

// dayOrTime reads "2026-04-01" (midnight UTC) or an RFC 3339 time.
func dayOrTime(v, flag string) (time.Time, error) {
	if t, err := time.Parse(time.DateOnly, v); err == nil {
		return t, nil
	}
	t, err := time.Parse(time.RFC3339, v)
	if err != nil {
		return time.Time{}, fmt.Errorf("%s %q: give a day like 2026-04-01 or a time like 2026-04-01T10:00:00Z", flag, v)
	}
	return t, nil
}

func (c *cli) satisfactionStats() *cobra.Command {
	var by, from, to, zone string
	cmd := &cobra.Command{
		Use:     "satisfaction --by G --from DAY --to DAY [--time-zone Z]",
		Short:   "Satisfaction (experience against expectation) per case, assignee, channel, day, week or month",
		Example: "  crmctl interactions satisfaction --by assignee --from 2026-04-01 --to 2026-05-01",
		Args:    args(0, "no arguments, only flags"),
		RunE: c.connected(func(*cobra.Command, []string) error {
			g, err := enum("SATISFACTION_GROUPING_", by, interactionv1.SatisfactionGrouping_value, "--by")
			if err != nil {
				return err
			}
			start, err := dayOrTime(from, "--from")
			if err != nil {
				return err
			}
			end, err := dayOrTime(to, "--to")
			if err != nil {
				return err
			}
			resp, err := c.inter.GetSatisfactionStatistics(c.ctx, &interactionv1.GetSatisfactionStatisticsRequest{GroupBy: interactionv1.SatisfactionGrouping(g),
				OccurTimeFrom: timestamppb.New(start), OccurTimeTo: timestamppb.New(end), TimeZone: zone})
			if err != nil {
				return err
			}
			row := func(key string, s *interactionv1.SatisfactionSummary) []string {
				return []string{key, strconv.FormatInt(s.GetResponses(), 10), fmt.Sprintf("%.2f", s.GetMeanRatio()), fmt.Sprintf("%+.2f", s.GetMeanDifference()),
					strconv.FormatInt(s.GetSatisfied(), 10), strconv.FormatInt(s.GetMet(), 10), strconv.FormatInt(s.GetDissatisfied(), 10)}
			}
			var rows [][]string
			for _, gr := range resp.GetGroups() {
				key := gr.GetCase() + gr.GetAssignee()
				switch {
				case gr.GetChannel() != 0:
					key = short(gr.GetChannel().String(), "CHANNEL_")
				case gr.GetPeriodStart() != nil:
					key = gr.GetPeriodStart().AsTime().Format(time.DateOnly)
				case key == "":
					key = "(nobody)"
				}
				rows = append(rows, row(key, gr.GetSummary()))
			}
			rows = append(rows, row("total", resp.GetTotal()))
			return c.emit(resp, view{head: []string{by, "responses", "mean ratio", "mean difference", "satisfied", "met", "dissatisfied"}, rows: rows})
		}),
	}
	enumFlag(cmd, &by, "by", "", "how to group (required)", "SATISFACTION_GROUPING_", interactionv1.SatisfactionGrouping_value)
	cmd.Flags().StringVar(&from, "from", "", "interactions from this day or time (required)")
	cmd.Flags().StringVar(&to, "to", "", "up to this day or time, excluded (required)")
	cmd.Flags().StringVar(&zone, "time-zone", "", "IANA time zone of days, weeks and months (default UTC)")
	for _, f := range []string{"by", "from", "to"} {
		_ = cmd.MarkFlagRequired(f)
	}
	return cmd
}
