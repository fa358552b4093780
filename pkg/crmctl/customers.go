package crmctl

import (
	"bufio"
	"crypto/rand"
	"errors"
	"fmt"
	"strings"

	"github.com/spf13/cobra"
	"google.golang.org/protobuf/types/known/fieldmaskpb"

	customerv1 "github.com/opencrm/crm/gen/go/crm/customer/v1"
)

func email(cu *customerv1.Customer) string {
	if len(cu.GetEmails()) == 0 {
		return ""
	}
	return cu.GetEmails()[0].GetAddress()
}

var customerHead = []string{"name", "display name", "email", "country", "stage", "tags"}

func customerRows(cs []*customerv1.Customer) [][]string {
	rows := make([][]string, len(cs))
	for i, cu := range cs {
		rows[i] = []string{cu.GetName(), cu.GetDisplayName(), email(cu), cu.GetDemographics().GetCountryCode(),
			short(cu.GetLifecycleStage().String(), "LIFECYCLE_STAGE_"), strings.Join(cu.GetTags(), ",")}
	}
	return rows
}

// details is one customer field by field, for customers show.
func details(cu *customerv1.Customer) [][]string {
	rows := [][]string{
		{"name", cu.GetName()},
		{"display name", cu.GetDisplayName()},
	}
	add := func(field, value string) {
		if value != "" {
			rows = append(rows, []string{field, value})
		}
	}
	add("legal name", cu.GetLegalName())
	add("kind", short(cu.GetKind().String(), "CUSTOMER_KIND_"))
	add("state", short(cu.GetState().String(), "CUSTOMER_STATE_"))
	add("merged into", cu.GetMergedInto())
	add("stage", short(cu.GetLifecycleStage().String(), "LIFECYCLE_STAGE_"))
	add("owner", cu.GetOwner())
	for _, e := range cu.GetEmails() {
		add("email", contact(e.GetAddress(), e.GetLabel(), e.GetPrimary()))
	}
	for _, p := range cu.GetPhones() {
		add("phone", contact(p.GetNumber(), p.GetLabel(), p.GetPrimary()))
	}
	for _, a := range cu.GetAddresses() {
		parts := append(append([]string{}, a.GetLines()...), strings.TrimSpace(a.GetPostalCode()+" "+a.GetLocality()), a.GetRegion(), a.GetCountryCode())
		var kept []string
		for _, p := range parts {
			if p != "" {
				kept = append(kept, p)
			}
		}
		add("address", contact(strings.Join(kept, ", "), a.GetLabel(), a.GetPrimary()))
	}
	d := cu.GetDemographics()
	if b := d.GetBirthDate(); b != nil {
		add("birth date", fmt.Sprintf("%04d-%02d-%02d", b.GetYear(), b.GetMonth(), b.GetDay()))
	}
	if d.GetGender() != 0 {
		add("gender", short(d.GetGender().String(), "GENDER_"))
	}
	add("country", d.GetCountryCode())
	add("region", d.GetRegion())
	add("language", d.GetLanguage())
	add("source", cu.GetAcquisitionSource())
	add("tags", strings.Join(cu.GetTags(), ", "))
	for _, k := range sortedKeys(cu.GetAttributes()) {
		add("attribute "+k, attribute(cu.GetAttributes()[k]))
	}
	for _, cs := range cu.GetConsents() {
		given := "withdrawn"
		if cs.GetGranted() {
			given = "granted"
		}
		v := given
		if cs.GetTime() != nil {
			v += " " + cs.GetTime().AsTime().Local().Format("2006-01-02 15:04")
		}
		if cs.GetSource() != "" {
			v += " (" + cs.GetSource() + ")"
		}
		add("consent "+short(cs.GetChannel().String(), "CONSENT_CHANNEL_"), v)
	}
	if t := cu.GetCreateTime(); t != nil {
		add("created", t.AsTime().Local().Format("2006-01-02 15:04"))
	}
	if t := cu.GetUpdateTime(); t != nil {
		add("updated", t.AsTime().Local().Format("2006-01-02 15:04"))
	}
	if t := cu.GetDeleteTime(); t != nil {
		add("deleted", t.AsTime().Local().Format("2006-01-02 15:04"))
	}
	if t := cu.GetPurgeTime(); t != nil {
		add("erased after", t.AsTime().Local().Format("2006-01-02 15:04"))
	}
	return rows
}

func contact(value, label string, primary bool) string {
	if label != "" {
		value += " (" + label + ")"
	}
	if primary {
		value += " primary"
	}
	return value
}

func attribute(v *customerv1.AttributeValue) string {
	b, err := protojsonCompact(v)
	if err != nil {
		return v.String()
	}
	return b
}

func (c *cli) customersCmd() *cobra.Command {
	return group("customers", "Create, find, show, update, merge, erase, audit and export customers; erasure receipts",
		c.customerCreate(), c.customerShow(), c.customerList(), c.customerSearch(), c.customerUpdate(), c.customerMerge(), c.customerErase(),
		c.customerAudit(), c.customerExport(), c.customerErasures())
}

func (c *cli) customerCreate() *cobra.Command {
	var display, mail, phone, country, tags string
	cmd := &cobra.Command{
		Use:     "create --name NAME [--email E] [--phone P] [--country CC] [--tags a,b]",
		Short:   "Create a customer (a person)",
		Example: "  crmctl customers create --name 'Ada Lovelace' --email ada@example.com --country GB",
		Args:    args(0, "no arguments, only flags"),
		RunE: c.connected(func(*cobra.Command, []string) error {
			cu := &customerv1.Customer{Kind: customerv1.CustomerKind_CUSTOMER_KIND_PERSON, DisplayName: display}
			if mail != "" {
				cu.Emails = []*customerv1.EmailAddress{{Address: mail}}
			}
			if phone != "" {
				cu.Phones = []*customerv1.PhoneNumber{{Number: phone}}
			}
			if country != "" {
				cu.Demographics = &customerv1.Demographics{CountryCode: country}
			}
			if tags != "" {
				cu.Tags = strings.Split(tags, ",")
			}
			resp, err := c.profile.CreateCustomer(c.ctx, &customerv1.CreateCustomerRequest{Customer: cu, RequestId: "crmctl-" + rand.Text()})
			if err != nil {
				return err
			}
			return c.emit(resp, view{head: customerHead, rows: customerRows([]*customerv1.Customer{resp.GetCustomer()})})
		}),
	}
	cmd.Flags().StringVar(&display, "name", "", "display name (required)")
	cmd.Flags().StringVar(&mail, "email", "", "e-mail address")
	cmd.Flags().StringVar(&phone, "phone", "", "phone number, for example +44 20 7946 0958")
	cmd.Flags().StringVar(&country, "country", "", "country (ISO 3166 code, for example CN)")
	cmd.Flags().StringVar(&tags, "tags", "", "comma-separated tags")
	_ = cmd.MarkFlagRequired("name")
	return cmd
}

func (c *cli) customerShow() *cobra.Command {
	return &cobra.Command{
		Use:   "show CUSTOMER",
		Short: "Show everything about a customer: state, merge, contacts, consents, owner",
		Args:  args(1, customerArg),
		RunE: c.connected(func(_ *cobra.Command, pos []string) error {
			resp, err := c.profile.GetCustomer(c.ctx, &customerv1.GetCustomerRequest{Name: name("customers", pos[0])})
			if err != nil {
				return err
			}
			return c.emit(resp, view{head: []string{"field", "value"}, rows: details(resp.GetCustomer())})
		}),
	}
}

func (c *cli) customerList() *cobra.Command {
	var p pager
	var tag, country, owner string
	cmd := &cobra.Command{
		Use:   "list [--tag T] [--country CC] [--owner O]",
		Short: "List customers by display name",
		Args:  args(0, "no arguments, only flags"),
		RunE: c.connected(func(*cobra.Command, []string) error {
			filter := &customerv1.CustomerFilter{Tag: tag, CountryCode: country, Owner: owner}
			all := &customerv1.ListCustomersResponse{}
			var err error
			all.Customers, all.NextPageToken, err = pages(c, &p, func(token string) ([]*customerv1.Customer, string, error) {
				resp, err := c.profile.ListCustomers(c.ctx, &customerv1.ListCustomersRequest{PageSize: p.size, PageToken: token, OrderBy: "display_name", Filter: filter})
				return resp.GetCustomers(), resp.GetNextPageToken(), err
			})
			if err != nil {
				return err
			}
			return c.emit(all, view{head: customerHead, rows: customerRows(all.GetCustomers())})
		}),
	}
	c.pagingFlags(cmd, &p, 50, "customers")
	cmd.Flags().StringVar(&tag, "tag", "", "only customers with this tag")
	cmd.Flags().StringVar(&country, "country", "", "only customers in this country (ISO 3166 code)")
	cmd.Flags().StringVar(&owner, "owner", "", "only customers with this owner")
	return cmd
}

func (c *cli) customerSearch() *cobra.Command {
	var p pager
	cmd := &cobra.Command{
		Use:     "search QUERY",
		Short:   "Find customers by name, e-mail address or phone number",
		Example: "  crmctl customers search ada\n  crmctl customers search ada@example.com",
		Args:    args(1, "what to look for (a name, an e-mail address or a phone number)"),
		RunE: c.connected(func(_ *cobra.Command, pos []string) error {
			all := &customerv1.SearchCustomersResponse{}
			var err error
			all.Customers, all.NextPageToken, err = pages(c, &p, func(token string) ([]*customerv1.Customer, string, error) {
				resp, err := c.profile.SearchCustomers(c.ctx, &customerv1.SearchCustomersRequest{Query: pos[0], PageSize: p.size, PageToken: token})
				return resp.GetCustomers(), resp.GetNextPageToken(), err
			})
			if err != nil {
				return err
			}
			return c.emit(all, view{head: customerHead, rows: customerRows(all.GetCustomers())})
		}),
	}
	c.pagingFlags(cmd, &p, 20, "customers")
	return cmd
}

func (c *cli) customerUpdate() *cobra.Command {
	var display, owner, tags string
	cmd := &cobra.Command{
		Use:     "update CUSTOMER [--name N] [--owner O] [--tags a,b]",
		Short:   "Change a customer's display name, owner or tags",
		Example: "  crmctl customers update customers/ID --owner bob --tags vip,newsletter",
		Args:    args(1, "a customer (customers/ID)"),
		RunE: c.connected(func(cmd *cobra.Command, pos []string) error {
			cu := &customerv1.Customer{Name: name("customers", pos[0])}
			var paths []string
			if cmd.Flags().Changed("name") {
				cu.DisplayName, paths = display, append(paths, "display_name")
			}
			if cmd.Flags().Changed("owner") {
				cu.Owner, paths = owner, append(paths, "owner")
			}
			if cmd.Flags().Changed("tags") {
				if tags != "" {
					cu.Tags = strings.Split(tags, ",")
				}
				paths = append(paths, "tags")
			}
			if len(paths) == 0 {
				return errors.New("crmctl customers update: give what to change: --name, --owner or --tags")
			}
			resp, err := c.profile.UpdateCustomer(c.ctx, &customerv1.UpdateCustomerRequest{Customer: cu, UpdateMask: &fieldmaskpb.FieldMask{Paths: paths}})
			if err != nil {
				return err
			}
			return c.emit(resp, view{head: customerHead, rows: customerRows([]*customerv1.Customer{resp.GetCustomer()})})
		}),
	}
	cmd.Flags().StringVar(&display, "name", "", "new display name")
	cmd.Flags().StringVar(&owner, "owner", "", "new owner (account manager); empty to clear")
	cmd.Flags().StringVar(&tags, "tags", "", "new comma-separated tags, replacing the old; empty to clear")
	return cmd
}

func (c *cli) customerMerge() *cobra.Command {
	var yes bool
	cmd := &cobra.Command{
		Use:   "merge SURVIVOR LOSER [--yes]",
		Short: "Merge a duplicate (LOSER) into the customer that remains (SURVIVOR)",
		Long: "Merge a duplicate (LOSER) into the customer that remains (SURVIVOR): the survivor gains the\n" +
			"loser's contacts, and every service moves the loser's interactions, points and segments to it.\n" +
			"It cannot be undone: crmctl asks first, unless given --yes.",
		Args: args(2, "the survivor and the loser (customers/ID each)"),
		RunE: c.connected(func(_ *cobra.Command, pos []string) error {
			survivor, loser := name("customers", pos[0]), name("customers", pos[1])
			if err := c.confirm(yes, "merge", func() string { return fmt.Sprintf("Merge %s into %s?", c.label(loser), c.label(survivor)) }); err != nil {
				return err
			}
			resp, err := c.profile.MergeCustomers(c.ctx, &customerv1.MergeCustomersRequest{Survivor: survivor, Loser: loser, RequestId: "crmctl-" + rand.Text()})
			if err != nil {
				return err
			}
			return c.emit(resp, view{head: []string{"merged", "into"}, rows: [][]string{{loser, resp.GetCustomer().GetName()}}, text: func() {
				fmt.Fprintf(c.io.Out, "merged %s into %s; its interactions, points and segments follow through the feeds\n", loser, resp.GetCustomer().GetName())
			}})
		}),
	}
	cmd.Flags().BoolVarP(&yes, "yes", "y", false, "do not ask for confirmation")
	return cmd
}

func (c *cli) customerErase() *cobra.Command {
	var reason string
	var yes bool
	cmd := &cobra.Command{
		Use:   "erase CUSTOMER --reason R [--yes]",
		Short: "Erase a customer everywhere (the right to be forgotten)",
		Long: "Erase a customer: every service forgets the person through the feeds and the customer's\n" +
			"earlier events are redacted. It cannot be undone: crmctl asks first, unless given --yes.",
		Args: args(1, "a customer (customers/ID)"),
		RunE: c.connected(func(_ *cobra.Command, pos []string) error {
			n := name("customers", pos[0])
			if err := c.confirm(yes, "erase", func() string { return fmt.Sprintf("Erase %s everywhere?", c.label(n)) }); err != nil {
				return err
			}
			resp, err := c.profile.EraseCustomer(c.ctx, &customerv1.EraseCustomerRequest{Name: n, Reason: reason})
			if err != nil {
				return err
			}
			return c.emit(resp, view{head: []string{"erased", "receipt"}, rows: [][]string{{resp.GetName(), resp.GetErasure()}}, text: func() {
				fmt.Fprintf(c.io.Out, "erased %s; every service forgets the customer through the feeds\n", resp.GetName())
				fmt.Fprintf(c.io.Out, "receipt %s: crmctl customers erasures %s shows each service's confirmation\n", resp.GetErasure(), resp.GetErasure())
			}})
		}),
	}
	cmd.Flags().StringVar(&reason, "reason", "", "why (kept in the erasure record; required)")
	cmd.Flags().BoolVarP(&yes, "yes", "y", false, "do not ask for confirmation")
	_ = cmd.MarkFlagRequired("reason")
	return cmd
}

// label is a customer's name with its display name and e-mail when they
// can be read.
func (c *cli) label(n string) string {
	cu := c.labels([]string{n})[n]
	if cu == nil {
		return n
	}
	if e := email(cu); e != "" {
		return fmt.Sprintf("%s (%s, %s)", n, cu.GetDisplayName(), e)
	}
	return fmt.Sprintf("%s (%s)", n, cu.GetDisplayName())
}

// confirm asks a person to type "yes" before an action that cannot be
// undone; without a terminal it refuses unless yes is set.
func (c *cli) confirm(yes bool, verb string, question func() string) error {
	if yes {
		return nil
	}
	if !c.io.Interactive {
		return fmt.Errorf("%s cannot be undone and there is no terminal to ask on: add --yes to %s without asking", verb, verb)
	}
	fmt.Fprintf(c.io.Err, "%s This cannot be undone. Type yes to %s: ", question(), verb)
	answer, _ := bufio.NewReader(c.io.In).ReadString('\n')
	if strings.TrimSpace(strings.ToLower(answer)) != "yes" {
		return fmt.Errorf("nothing done: %s not confirmed", verb)
	}
	return nil
}
