package crmctl

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"google.golang.org/protobuf/types/known/timestamppb"

	auditv1 "github.com/opencrm/crm/gen/go/crm/audit/v1"
)

// services are the four services in the order of cli.conns.
var services = []string{"customer-profile", "interaction-log", "segmentation", "loyalty"}

func (c *cli) customerAudit() *cobra.Command {
	var since time.Duration
	var actor string
	cmd := &cobra.Command{
		Use:   "audit CUSTOMER [--since DURATION] [--actor SUBJECT]",
		Short: "Who changed what about a customer, in every service",
		Long: `audit lists the audit entries that concern a customer in each of the four
services (scope audit.read), newest first: when, the service, the caller's
token subject and client, the method, the resource, the fields it changed
(never their values) and how the call ended. An erased customer's entries
are kept under "customers/erased" and no longer found by its name. A
service that does not answer is named, and the command then exits 1.`,
		Example: "  crmctl customers audit customers/abc\n  crmctl customers audit abc --since 720h --actor ann -o json",
		Args:    args(1, "a customer (customers/ID)"),
		RunE: c.connected(func(_ *cobra.Command, pos []string) error {
			filter := &auditv1.AuditFilter{Customer: name("customers", pos[0]), Actor: actor}
			if since > 0 {
				filter.StartTime = timestamppb.New(time.Now().Add(-since))
			}
			type found struct {
				service string
				entry   *auditv1.AuditEntry
			}
			var (
				all    []found
				failed []error
			)
			for i, svc := range services {
				client := auditv1.NewAuditServiceClient(c.conns[i])
				for token := ""; ; {
					resp, err := client.ListAuditEntries(c.ctx, &auditv1.ListAuditEntriesRequest{Filter: filter, PageSize: 500, PageToken: token})
					if err != nil {
						failed = append(failed, fmt.Errorf("%s: %w", svc, err))
						break
					}
					for _, e := range resp.GetAuditEntries() {
						all = append(all, found{svc, e})
					}
					if token = resp.GetNextPageToken(); token == "" {
						break
					}
				}
			}
			slices.SortStableFunc(all, func(a, b found) int {
				return b.entry.GetCreateTime().AsTime().Compare(a.entry.GetCreateTime().AsTime())
			})
			merged := &auditv1.ListAuditEntriesResponse{}
			rows := make([][]string, 0, len(all))
			for _, f := range all {
				e := f.entry
				merged.AuditEntries = append(merged.AuditEntries, e)
				rows = append(rows, []string{stamp(e.GetCreateTime()), f.service, e.GetActor().GetSubject(), e.GetActor().GetClient(),
					e.GetMethod()[strings.LastIndex(e.GetMethod(), "/")+1:], e.GetResource(), strings.Join(e.GetChangedPaths(), ","), e.GetCode()})
			}
			if err := c.emit(merged, view{head: []string{"time", "service", "actor", "client", "method", "resource", "changed", "code"}, rows: rows}); err != nil {
				return err
			}
			return errors.Join(failed...)
		}),
	}
	cmd.Flags().DurationVar(&since, "since", 0, "only entries of this last period, for example 720h (default: all kept)")
	cmd.Flags().StringVar(&actor, "actor", "", "only calls made by this token subject")
	return cmd
}
