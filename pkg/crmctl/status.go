package crmctl

import (
	"errors"
	"fmt"
	"strconv"

	"github.com/spf13/cobra"

	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/types/known/structpb"

	statusv1 "github.com/opencrm/crm/gen/go/crm/status/v1"
)

func (c *cli) statusCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "status",
		Short: "Every service, its version, its feeds and how far behind each consumer is",
		Long: `status asks each of the four services for its status (scope status.read):
its version, the last event of the feed it publishes, and for each feed it
consumes the cursor, the source's head, the events behind and the lag in
seconds. A consumer's figures come from the replica that holds the feed's
lease; another replica answers with its stored cursor only ("standby").
A service that does not answer is listed with the reason, and the command
then exits 1.`,
		Example: "  crmctl status\n  crmctl status -o json",
		Args:    args(0, "no arguments"),
		RunE: c.connected(func(*cobra.Command, []string) error {
			var (
				rows   [][]string
				all    structpb.ListValue
				failed []error
			)
			for i, svc := range services {
				resp, err := statusv1.NewStatusServiceClient(c.conns[i]).GetStatus(c.ctx, &statusv1.GetStatusRequest{})
				if err != nil {
					failed = append(failed, fmt.Errorf("%s: %w", svc, err))
					rows = append(rows, []string{svc, "", "", "unreachable: " + describe(err), "", "", "", ""})
					continue
				}
				v, err := asValue(resp)
				if err != nil {
					return err
				}
				all.Values = append(all.Values, v)
				rows = append(rows, statusRows(resp)...)
			}
			if err := c.emit(&all, view{head: []string{"service", "version", "feed", "role", "position", "source head", "behind", "lag s"}, rows: rows}); err != nil {
				return err
			}
			return errors.Join(failed...)
		}),
	}
}

// statusRows is one row for the feed a service publishes and one per feed
// it consumes.
func statusRows(s *statusv1.GetStatusResponse) [][]string {
	var rows [][]string
	if p := s.GetProduced(); p != nil {
		rows = append(rows, []string{s.GetService(), s.GetVersion(), "own", "produces", strconv.FormatInt(p.GetLastSequence(), 10), "", "", ""})
	}
	for _, f := range s.GetConsumed() {
		if !f.GetHolding() {
			rows = append(rows, []string{s.GetService(), s.GetVersion(), f.GetFeed(), "standby", strconv.FormatInt(f.GetCursor(), 10), "", "", ""})
			continue
		}
		rows = append(rows, []string{s.GetService(), s.GetVersion(), f.GetFeed(), "consumes", strconv.FormatInt(f.GetCursor(), 10),
			strconv.FormatInt(f.GetSourceHead(), 10), strconv.FormatInt(f.GetBehindEvents(), 10),
			strconv.FormatFloat(f.GetLag().AsDuration().Seconds(), 'f', 1, 64)})
	}
	if len(rows) == 0 {
		rows = append(rows, []string{s.GetService(), s.GetVersion(), "", "", "", "", "", ""})
	}
	return rows
}

// asValue turns a response into a JSON value, so that -o json prints the
// four services' responses as one array.
func asValue(m *statusv1.GetStatusResponse) (*structpb.Value, error) {
	b, err := protojson.Marshal(m)
	if err != nil {
		return nil, err
	}
	v := &structpb.Value{}
	if err := protojson.Unmarshal(b, v); err != nil {
		return nil, err
	}
	return v, nil
}
