package crmctl

import (
	"flag"
	"fmt"
	"strings"
	"time"

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
		var names []string
		for k, n := range values {
			if n != 0 {
				names = append(names, strings.ToLower(strings.TrimPrefix(k, prefix)))
			}
		}
		return 0, fmt.Errorf("%s %q: one of %s", field, short, strings.Join(names, ", "))
	}
	return v, nil
}

func short(s, prefix string) string { return strings.ToLower(strings.TrimPrefix(s, prefix)) }

// amount parses a decimal amount ("49.90") in a currency.
func amount(value, currency string) (*typev1.Money, error) {
	whole, frac, _ := strings.Cut(value, ".")
	digits := money.Exponent(currency)
	if len(frac) > digits {
		return nil, fmt.Errorf("-amount %s: %s has %d decimals", value, currency, digits)
	}
	frac += strings.Repeat("0", digits-len(frac))
	var minor int64
	for _, r := range whole + frac {
		if r < '0' || r > '9' {
			return nil, fmt.Errorf("-amount %q: not a decimal amount", value)
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

func (c *cli) interactions(verb string, args []string) error {
	fs := flag.NewFlagSet("interactions "+verb, flag.ContinueOnError)
	switch verb {
	case "log":
		kind := fs.String("kind", "", "purchase, refund, inquiry, support, complaint, feedback, marketing_touch, visit, care_call")
		channel := fs.String("channel", "web", "phone, email, meeting, chat, social, web, service_centre, sms, postal_mail, feedback_form, survey")
		value := fs.String("amount", "", "amount of a purchase or refund, for example 49.90")
		currency := fs.String("currency", "EUR", "its currency")
		order := fs.String("order", "", "order id of a purchase")
		refundOf := fs.String("refund-of", "", "the purchase a refund reverses (interactions/ID)")
		subject := fs.String("subject", "", "subject")
		priority := fs.String("priority", "normal", "a complaint's priority: low, normal, high, urgent")
		when := fs.String("at", "", "when it happened (RFC 3339; default now)")
		pos, err := parse(fs, args, 1, "interactions log CUSTOMER -kind K [flags]")
		if err != nil {
			return err
		}
		k, err := enum("INTERACTION_KIND_", *kind, interactionv1.InteractionKind_value, "-kind")
		if err != nil {
			return err
		}
		ch, err := enum("CHANNEL_", *channel, interactionv1.Channel_value, "-channel")
		if err != nil {
			return err
		}
		at := time.Now()
		if *when != "" {
			if at, err = time.Parse(time.RFC3339, *when); err != nil {
				return fmt.Errorf("-at: %w", err)
			}
		}
		i := &interactionv1.Interaction{Customer: name("customers", pos[0]), Kind: interactionv1.InteractionKind(k), Channel: interactionv1.Channel(ch),
			Direction: interactionv1.Direction_DIRECTION_INBOUND, OccurTime: timestamppb.New(at), Subject: *subject}
		switch i.Kind {
		case interactionv1.InteractionKind_INTERACTION_KIND_PURCHASE:
			m, err := amount(*value, *currency)
			if err != nil {
				return err
			}
			i.Purchase = &interactionv1.Purchase{OrderId: *order, Amount: m}
		case interactionv1.InteractionKind_INTERACTION_KIND_REFUND:
			m, err := amount(*value, *currency)
			if err != nil {
				return err
			}
			i.Refund = &interactionv1.Refund{Purchase: name("interactions", *refundOf), Amount: m}
		case interactionv1.InteractionKind_INTERACTION_KIND_COMPLAINT:
			p, err := enum("CASE_PRIORITY_", *priority, interactionv1.CasePriority_value, "-priority")
			if err != nil {
				return err
			}
			i.Complaint = &interactionv1.Complaint{Priority: interactionv1.CasePriority(p)}
		}
		resp, err := c.inter.LogInteraction(c.ctx, &interactionv1.LogInteractionRequest{Interaction: i})
		if err != nil {
			return err
		}
		return c.emit(resp, func() { c.interactionTable([]*interactionv1.Interaction{resp.GetInteraction()}) })
	case "timeline":
		size := fs.Int("n", 20, "how many, newest first")
		pos, err := parse(fs, args, 1, "interactions timeline CUSTOMER [-n 20]")
		if err != nil {
			return err
		}
		resp, err := c.inter.ListInteractions(c.ctx, &interactionv1.ListInteractionsRequest{Customer: name("customers", pos[0]), PageSize: int32(*size)})
		if err != nil {
			return err
		}
		return c.emit(resp, func() { c.interactionTable(resp.GetInteractions()) })
	}
	return fmt.Errorf("interactions: unknown action %q (log, timeline)", verb)
}

func (c *cli) interactionTable(is []*interactionv1.Interaction) {
	var rows [][]string
	for _, i := range is {
		m := formatMoney(i.GetPurchase().GetAmount())
		if i.GetRefund() != nil {
			m = "-" + formatMoney(i.GetRefund().GetAmount())
		}
		rows = append(rows, []string{i.GetName(), i.GetOccurTime().AsTime().Local().Format("2006-01-02 15:04"),
			short(i.GetChannel().String(), "CHANNEL_"), short(i.GetKind().String(), "INTERACTION_KIND_"), m, i.GetSubject(), i.GetCase()})
	}
	c.table("NAME\tWHEN\tCHANNEL\tKIND\tAMOUNT\tSUBJECT\tCASE", rows)
}

func (c *cli) cases(verb string, args []string) error {
	fs := flag.NewFlagSet("cases "+verb, flag.ContinueOnError)
	switch verb {
	case "list":
		overdue := fs.Bool("overdue", false, "only cases past their due time")
		st := fs.String("status", "", "open, in_progress, resolved, closed")
		if _, err := parse(fs, args, 0, "cases list [-overdue] [-status S]"); err != nil {
			return err
		}
		req := &interactionv1.ListCasesRequest{Overdue: *overdue}
		if *st != "" {
			v, err := enum("CASE_STATUS_", *st, interactionv1.CaseStatus_value, "-status")
			if err != nil {
				return err
			}
			req.Status = interactionv1.CaseStatus(v)
		}
		resp, err := c.inter.ListCases(c.ctx, req)
		if err != nil {
			return err
		}
		return c.emit(resp, func() {
			var rows [][]string
			for _, k := range resp.GetCases() {
				rows = append(rows, []string{k.GetName(), k.GetCustomer(), short(k.GetStatus().String(), "CASE_STATUS_"),
					short(k.GetPriority().String(), "CASE_PRIORITY_"), k.GetAssignee(), k.GetDueTime().AsTime().Local().Format("2006-01-02 15:04")})
			}
			c.table("CASE\tCUSTOMER\tSTATUS\tPRIORITY\tASSIGNEE\tDUE", rows)
		})
	case "move":
		to := fs.String("to", "", "open, in_progress, resolved, closed")
		note := fs.String("note", "", "what was done")
		pos, err := parse(fs, args, 1, "cases move CASE -to STATUS -note N")
		if err != nil {
			return err
		}
		v, err := enum("CASE_STATUS_", *to, interactionv1.CaseStatus_value, "-to")
		if err != nil {
			return err
		}
		resp, err := c.inter.TransitionCase(c.ctx, &interactionv1.TransitionCaseRequest{Name: name("cases", pos[0]), To: interactionv1.CaseStatus(v), Note: *note})
		if err != nil {
			return err
		}
		return c.emit(resp, func() {
			fmt.Fprintf(c.out, "%s is now %s\n", resp.GetCase().GetName(), short(resp.GetCase().GetStatus().String(), "CASE_STATUS_"))
		})
	}
	return fmt.Errorf("cases: unknown action %q (list, move)", verb)
}
