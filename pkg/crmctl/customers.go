package crmctl

import (
	"flag"
	"fmt"
	"strings"
	"text/tabwriter"

	"google.golang.org/protobuf/types/known/fieldmaskpb"

	customerv1 "github.com/opencrm/crm/gen/go/crm/customer/v1"
)

func (c *cli) table(header string, rows [][]string) {
	w := tabwriter.NewWriter(c.out, 0, 0, 2, ' ', 0)
	fmt.Fprintln(w, header)
	for _, r := range rows {
		fmt.Fprintln(w, strings.Join(r, "\t"))
	}
	_ = w.Flush()
}

func email(cu *customerv1.Customer) string {
	if len(cu.GetEmails()) == 0 {
		return ""
	}
	return cu.GetEmails()[0].GetAddress()
}

func customerRow(cu *customerv1.Customer) []string {
	return []string{cu.GetName(), cu.GetDisplayName(), email(cu), cu.GetDemographics().GetCountryCode(),
		strings.ToLower(strings.TrimPrefix(cu.GetLifecycleStage().String(), "LIFECYCLE_STAGE_")), strings.Join(cu.GetTags(), ",")}
}

const customerHeader = "NAME\tDISPLAY NAME\tEMAIL\tCOUNTRY\tSTAGE\tTAGS"

func (c *cli) customerTable(cs []*customerv1.Customer) {
	rows := make([][]string, len(cs))
	for i, cu := range cs {
		rows[i] = customerRow(cu)
	}
	c.table(customerHeader, rows)
}

func (c *cli) showCustomer(cu *customerv1.Customer) func() {
	return func() { c.customerTable([]*customerv1.Customer{cu}) }
}

func (c *cli) customers(verb string, args []string) error {
	fs := flag.NewFlagSet("customers "+verb, flag.ContinueOnError)
	switch verb {
	case "create":
		display := fs.String("name", "", "display name")
		mail := fs.String("email", "", "e-mail address")
		phone := fs.String("phone", "", "phone number")
		country := fs.String("country", "", "country (ISO 3166, e.g. CN)")
		tags := fs.String("tags", "", "comma-separated tags")
		if _, err := parse(fs, args, 0, "customers create -name N [-email E] [-phone P] [-country CC] [-tags a,b]"); err != nil {
			return err
		}
		cu := &customerv1.Customer{Kind: customerv1.CustomerKind_CUSTOMER_KIND_PERSON, DisplayName: *display}
		if *mail != "" {
			cu.Emails = []*customerv1.EmailAddress{{Address: *mail}}
		}
		if *phone != "" {
			cu.Phones = []*customerv1.PhoneNumber{{Number: *phone}}
		}
		if *country != "" {
			cu.Demographics = &customerv1.Demographics{CountryCode: *country}
		}
		if *tags != "" {
			cu.Tags = strings.Split(*tags, ",")
		}
		resp, err := c.profile.CreateCustomer(c.ctx, &customerv1.CreateCustomerRequest{Customer: cu})
		if err != nil {
			return err
		}
		return c.emit(resp, c.showCustomer(resp.GetCustomer()))
	case "show":
		pos, err := parse(fs, args, 1, "customers show ID")
		if err != nil {
			return err
		}
		resp, err := c.profile.GetCustomer(c.ctx, &customerv1.GetCustomerRequest{Name: name("customers", pos[0])})
		if err != nil {
			return err
		}
		return c.emit(resp, c.showCustomer(resp.GetCustomer()))
	case "list":
		size := fs.Int("n", 50, "how many")
		if _, err := parse(fs, args, 0, "customers list [-n 50]"); err != nil {
			return err
		}
		resp, err := c.profile.ListCustomers(c.ctx, &customerv1.ListCustomersRequest{PageSize: int32(*size), OrderBy: "display_name"})
		if err != nil {
			return err
		}
		return c.emit(resp, func() { c.customerTable(resp.GetCustomers()) })
	case "search":
		pos, err := parse(fs, args, 1, "customers search QUERY")
		if err != nil {
			return err
		}
		resp, err := c.profile.SearchCustomers(c.ctx, &customerv1.SearchCustomersRequest{Query: pos[0]})
		if err != nil {
			return err
		}
		return c.emit(resp, func() { c.customerTable(resp.GetCustomers()) })
	case "update":
		display := fs.String("name", "", "new display name")
		owner := fs.String("owner", "", "new owner")
		tags := fs.String("tags", "", "new comma-separated tags")
		pos, err := parse(fs, args, 1, "customers update ID [-name N] [-owner O] [-tags a,b]")
		if err != nil {
			return err
		}
		cu := &customerv1.Customer{Name: name("customers", pos[0])}
		var paths []string
		fs.Visit(func(f *flag.Flag) {
			switch f.Name {
			case "name":
				cu.DisplayName, paths = *display, append(paths, "display_name")
			case "owner":
				cu.Owner, paths = *owner, append(paths, "owner")
			case "tags":
				cu.Tags, paths = strings.Split(*tags, ","), append(paths, "tags")
			}
		})
		if len(paths) == 0 {
			return fmt.Errorf("customers update: give -name, -owner or -tags")
		}
		resp, err := c.profile.UpdateCustomer(c.ctx, &customerv1.UpdateCustomerRequest{Customer: cu, UpdateMask: &fieldmaskpb.FieldMask{Paths: paths}})
		if err != nil {
			return err
		}
		return c.emit(resp, c.showCustomer(resp.GetCustomer()))
	case "merge":
		pos, err := parse(fs, args, 2, "customers merge SURVIVOR LOSER")
		if err != nil {
			return err
		}
		resp, err := c.profile.MergeCustomers(c.ctx, &customerv1.MergeCustomersRequest{Survivor: name("customers", pos[0]), Loser: name("customers", pos[1])})
		if err != nil {
			return err
		}
		return c.emit(resp, func() {
			fmt.Fprintf(c.out, "merged %s into %s; its interactions, points and segments follow through the feeds\n", name("customers", pos[1]), resp.GetCustomer().GetName())
		})
	case "erase":
		reason := fs.String("reason", "", "why (kept in the erasure record)")
		pos, err := parse(fs, args, 1, "customers erase ID -reason R")
		if err != nil {
			return err
		}
		resp, err := c.profile.EraseCustomer(c.ctx, &customerv1.EraseCustomerRequest{Name: name("customers", pos[0]), Reason: *reason})
		if err != nil {
			return err
		}
		return c.emit(resp, func() {
			fmt.Fprintf(c.out, "erased %s; every service forgets the customer through the feeds\n", resp.GetName())
		})
	}
	return fmt.Errorf("customers: unknown action %q (create, show, list, search, update, merge, erase)", verb)
}
