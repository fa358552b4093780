package crmctl

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"google.golang.org/protobuf/types/known/timestamppb"

	customerv1 "github.com/opencrm/crm/gen/go/crm/customer/v1"
)

func (c *cli) customerErasures() *cobra.Command {
	var p pager
	var incomplete bool
	cmd := &cobra.Command{
		Use:   "erasures [ERASURE] [--incomplete]",
		Short: "Erasure receipts: which service confirmed an erasure, when, and what it removed",
		Long: `erasures lists the erasure receipts (scope customers.admin), newest first:
the erased customer, when customer-profile erased it, how many of the four
services have confirmed, when the last did, and whether the erasure is
overdue (not confirmed by every service within CRM_ERASURE_DEADLINE).
Given a receipt (erasures/ID, as crmctl customers erase prints it), it shows
each service's confirmation with what it deleted and pseudonymised.`,
		Example: "  crmctl customers erasures --incomplete\n  crmctl customers erasures erasures/abc",
		Args:    cobra.MaximumNArgs(1),
		RunE: c.connected(func(_ *cobra.Command, pos []string) error {
			if len(pos) == 1 {
				resp, err := c.profile.GetErasure(c.ctx, &customerv1.GetErasureRequest{Name: name("erasures", pos[0])})
				if err != nil {
					return err
				}
				e := resp.GetErasure()
				return c.emit(resp, view{head: []string{"service", "confirmed", "customers", "deleted", "pseudonymised"},
					rows: rowsOf(e.GetConfirmations(), confirmationRow)})
			}
			all := &customerv1.ListErasuresResponse{}
			var err error
			all.Erasures, all.NextPageToken, err = pages(c, &p, func(token string) ([]*customerv1.Erasure, string, error) {
				resp, err := c.profile.ListErasures(c.ctx, &customerv1.ListErasuresRequest{PageSize: p.size, PageToken: token, IncompleteOnly: incomplete})
				return resp.GetErasures(), resp.GetNextPageToken(), err
			})
			if err != nil {
				return err
			}
			return c.emit(all, view{head: []string{"erasure", "customer", "erased", "confirmed", "complete", "overdue"},
				rows: rowsOf(all.GetErasures(), erasureRow)})
		}),
	}
	c.pagingFlags(cmd, &p, 50, "erasures")
	cmd.Flags().BoolVar(&incomplete, "incomplete", false, "only erasures not yet confirmed by every service")
	return cmd
}

func erasureRow(e *customerv1.Erasure) []string {
	confirmed := 0
	for _, k := range e.GetConfirmations() {
		if k.GetConfirmTime() != nil {
			confirmed++
		}
	}
	return []string{e.GetName(), e.GetCustomer(), stamp(e.GetEraseTime()),
		fmt.Sprintf("%d/%d", confirmed, len(e.GetConfirmations())), stamp(e.GetCompleteTime()), strconv.FormatBool(e.GetOverdue())}
}

// confirmationRow shows one service's confirmation; its counts are
// "kind:n" per kind of record.
func confirmationRow(k *customerv1.ErasureConfirmation) []string {
	deleted := make([]string, 0, len(k.GetCounts()))
	pseudonymised := make([]string, 0, len(k.GetCounts()))
	for _, n := range k.GetCounts() {
		deleted = append(deleted, n.GetKind()+":"+strconv.FormatInt(n.GetDeleted(), 10))
		pseudonymised = append(pseudonymised, n.GetKind()+":"+strconv.FormatInt(n.GetPseudonymised(), 10))
	}
	return []string{k.GetService(), stamp(k.GetConfirmTime()), strconv.Itoa(len(k.GetCustomers())),
		strings.Join(deleted, " "), strings.Join(pseudonymised, " ")}
}

// stamp shows a time in UTC, or "-" when it is not set.
func stamp(t *timestamppb.Timestamp) string {
	if t == nil {
		return "-"
	}
	return t.AsTime().UTC().Format(time.RFC3339)
}
