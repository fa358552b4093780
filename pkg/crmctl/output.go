package crmctl

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"
	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"

	customerv1 "github.com/opencrm/crm/gen/go/crm/customer/v1"
)

// view is what a command shows: a table (also its CSV form) and, in
// table mode, text printed instead of the table when set.
type view struct {
	head []string
	rows [][]string
	text func()
}

// emit prints a response in the chosen format: JSON of the response,
// CSV of the view's table, or the view for a person.
func (c *cli) emit(m proto.Message, v view) error {
	switch c.output {
	case "json":
		b, err := protojson.Marshal(m)
		if err != nil {
			return err
		}
		// Re-indented by encoding/json: protojson varies its spacing on
		// purpose, and scripts deserve the same bytes every time.
		var out bytes.Buffer
		if err := json.Indent(&out, b, "", "  "); err != nil {
			return err
		}
		_, err = fmt.Fprintln(c.io.Out, out.String())
		return err
	case "csv":
		w := csv.NewWriter(c.io.Out)
		_ = w.Write(v.head)
		_ = w.WriteAll(v.rows)
		return w.Error()
	}
	if v.text != nil {
		v.text()
	} else {
		c.table(v.head, v.rows)
	}
	if c.next != "" {
		fmt.Fprintf(c.io.Err, "more: add --page-token %s for the next page, or --all for every page\n", c.next)
	}
	return nil
}

// table prints aligned columns under an upper-case header.
func (c *cli) table(head []string, rows [][]string) {
	w := tabwriter.NewWriter(c.io.Out, 0, 0, 2, ' ', 0)
	fmt.Fprintln(w, strings.ToUpper(strings.Join(head, "\t")))
	for _, r := range rows {
		fmt.Fprintln(w, strings.Join(r, "\t"))
	}
	_ = w.Flush()
}

// pager is the paging flags of a list command.
type pager struct {
	size  int32
	token string
	all   bool
}

func (c *cli) pagingFlags(cmd *cobra.Command, p *pager, def int32, what string) {
	cmd.Flags().Int32VarP(&p.size, "page-size", "n", def, "how many "+what+" per page")
	cmd.Flags().StringVar(&p.token, "page-token", "", "the page to show, from the hint after the previous page")
	cmd.Flags().BoolVar(&p.all, "all", false, "every page, not only the first")
}

// pages fetches a list from the pager's token, one page or (with --all)
// every page, and returns the items and the token of the page after them
// (empty after the last). A table of a page that is not the last then says
// how to get the next (JSON has nextPageToken; CSV stays plain data).
func pages[T any](c *cli, p *pager, fetch func(token string) (items []T, next string, err error)) ([]T, string, error) {
	var all []T
	token := p.token
	for {
		items, next, err := fetch(token)
		if err != nil {
			return nil, "", err
		}
		all = append(all, items...)
		if next == "" {
			return all, "", nil
		}
		if !p.all {
			if c.output == "table" {
				c.next = next
			}
			return all, next, nil
		}
		token = next
	}
}

// rowsOf makes a table row of each item.
func rowsOf[T any](items []T, row func(T) []string) [][]string {
	rows := make([][]string, 0, len(items))
	for _, it := range items {
		rows = append(rows, row(it))
	}
	return rows
}

// labels finds the display name and first e-mail of each customer named,
// for lists that hold only names. A customer that cannot be read (erased,
// or the token lacks customers.read) keeps its bare name.
func (c *cli) labels(names []string) map[string]*customerv1.Customer {
	out := map[string]*customerv1.Customer{}
	var want []string
	seen := map[string]bool{}
	for _, n := range names {
		if strings.HasPrefix(n, "customers/") && !seen[n] {
			seen[n] = true
			want = append(want, n)
		}
	}
	for len(want) > 0 {
		k := min(len(want), 100)
		resp, err := c.profile.BatchGetCustomers(c.ctx, &customerv1.BatchGetCustomersRequest{Names: want[:k]})
		if err != nil {
			fmt.Fprintln(c.io.Err, "crmctl: customers' names not shown: "+describe(err))
			return out
		}
		for _, cu := range resp.GetCustomers() {
			out[cu.GetName()] = cu
		}
		want = want[k:]
	}
	return out
}

// who is a customer's name with its display name and e-mail, for lists.
func who(n string, known map[string]*customerv1.Customer) []string {
	cu := known[n]
	return []string{n, cu.GetDisplayName(), email(cu)}
}

// describe turns an error into one line: the status code and message, the
// offending field and the reason when the server gave them, and what to do
// about it when crmctl knows.
func describe(err error) string {
	st, ok := status.FromError(err)
	if !ok {
		return err.Error()
	}
	msg := st.Message()
	var hints []string
	for _, d := range st.Details() {
		if x, ok := d.(*errdetails.BadRequest); ok {
			for _, v := range x.GetFieldViolations() {
				if h := nameHint(v.GetDescription()); h != "" {
					msg = v.GetField() + ": " + h
					continue
				}
				if !strings.Contains(msg, v.GetField()) {
					msg += " (field " + v.GetField() + ")"
				}
			}
		}
	}
	if h := nameHint(msg); h != "" {
		msg = h
	}
	var line strings.Builder
	line.WriteString(st.Code().String() + ": " + msg)
	reason, resource := "", msg
	for _, d := range st.Details() {
		if x, ok := d.(*errdetails.ErrorInfo); ok && x.GetReason() != "" && x.GetReason() != "INVALID_FIELD" {
			reason = x.GetReason()
			if r := x.GetMetadata()["resource"]; r != "" {
				resource = r
			}
			line.WriteString(" [" + x.GetReason())
			for _, k := range sortedKeys(x.GetMetadata()) {
				line.WriteString(" " + k + "=" + x.GetMetadata()[k])
			}
			line.WriteString("]")
		}
	}
	switch {
	case reason == "NOT_ENROLLED":
		hints = append(hints, "a customer joins a program with auto_enrol at a first purchase, once loyalty has read it from the feed")
	case st.Code() == codes.NotFound:
		for _, f := range finders {
			if strings.Contains(resource, f.kind+"/") {
				hints = append(hints, f.hint)
				break
			}
		}
	}
	if st.Code() == codes.Unavailable {
		hints = append(hints, "is the platform running at that address? (go run ./deploy/local, or set CRM_*_ADDR)")
	}
	if st.Code() == codes.Unauthenticated {
		hints = append(hints, "check CRM_TOKEN: it may have expired")
	}
	for _, h := range hints {
		line.WriteString("; " + h)
	}
	return line.String()
}

// finders say how to find the name of each kind of resource, the most
// specific kind first (a message about a reward also names its program).
var finders = []struct{ kind, hint string }{
	{"rewards", "use crmctl loyalty rewards PROGRAM to find a reward's id"},
	{"cases", "use crmctl cases list to find a case's name"},
	{"interactions", "use crmctl interactions timeline CUSTOMER to find an interaction's name"},
	{"segments", "use crmctl segments list to find a segment's name"},
	{"runs", "crmctl segments report names the current run"},
	{"customers", "use crmctl customers search to find a customer's name"},
	{"programs", "a program's name looks like programs/ID (the demo's is programs/club)"},
}

// pattern finds a resource-name pattern in a validation message
// ("does not match regex pattern `^customers/[A-Za-z0-9_-]{1,64}$`").
var pattern = regexp.MustCompile("regex pattern `?\\^(\\(?)([a-z]+)/")

// nameHint rewrites a message quoting a resource-name pattern as advice,
// or returns "".
func nameHint(msg string) string {
	m := pattern.FindStringSubmatch(msg)
	if m == nil {
		return ""
	}
	kind := m[2]
	one := strings.TrimSuffix(kind, "s")
	var h strings.Builder
	fmt.Fprintf(&h, "a %s name looks like %s/ID", one, kind)
	for _, f := range finders {
		if f.kind == kind && strings.HasPrefix(f.hint, "use ") {
			h.WriteString("; " + f.hint)
		}
	}
	return h.String()
}

// protojsonCompact is a message as one line of JSON.
func protojsonCompact(m proto.Message) (string, error) {
	b, err := protojson.Marshal(m)
	if err != nil {
		return "", err
	}
	var out bytes.Buffer
	if err := json.Compact(&out, b); err != nil {
		return "", err
	}
	return out.String(), nil
}
