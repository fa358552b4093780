package crmctl

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/spf13/cobra"

	customerv1 "github.com/opencrm/crm/gen/go/crm/customer/v1"
)

func (c *cli) customerExport() *cobra.Command {
	var out, reason string
	cmd := &cobra.Command{
		Use:   "export CUSTOMER -o FILE [--reason R]",
		Short: "Export everything the platform holds about a customer (an access request)",
		Long: "Export everything the platform holds about a customer and the customers merged into it:\n" +
			"customer-profile collects one JSON document from each service, and crmctl waits for them\n" +
			"and writes the bundle (docs/privacy.md describes it) to FILE.",
		Args: args(1, "a customer (customers/ID)"),
		RunE: c.connected(func(_ *cobra.Command, pos []string) error {
			started, err := c.profile.ExportCustomerData(c.ctx, &customerv1.ExportCustomerDataRequest{Name: name("customers", pos[0]), Reason: reason})
			if err != nil {
				return err
			}
			x := started.GetExport()
			for x.GetState() == customerv1.ExportState_EXPORT_STATE_RUNNING {
				select {
				case <-c.ctx.Done():
					return fmt.Errorf("waiting for %s: %w", x.GetName(), c.ctx.Err())
				case <-time.After(500 * time.Millisecond):
				}
				got, err := c.profile.GetExport(c.ctx, &customerv1.GetExportRequest{Name: x.GetName()})
				if err != nil {
					return err
				}
				x = got.GetExport()
			}
			if x.GetState() != customerv1.ExportState_EXPORT_STATE_SUCCEEDED {
				for _, p := range x.GetParts() {
					if p.GetError() != "" {
						return fmt.Errorf("%s failed: %s: %s", x.GetName(), p.GetService(), p.GetError())
					}
				}
				return fmt.Errorf("%s failed", x.GetName())
			}
			size, err := c.writeBundle(x.GetName(), out)
			if err != nil {
				return err
			}
			return c.emit(x, view{head: []string{"export", "file", "bytes"}, rows: [][]string{{x.GetName(), out, strconv.FormatInt(size, 10)}}, text: func() {
				fmt.Fprintf(c.io.Out, "wrote %s (%d bytes): %s and %d merged into it, from %d services\n", out, size, x.GetCustomer(), len(x.GetCustomers())-1, len(x.GetParts()))
			}})
		}),
	}
	cmd.Flags().StringVarP(&out, "output", "o", "", "file to write the bundle to (required)")
	cmd.Flags().StringVar(&reason, "reason", "access request", "why, for example the request's reference (kept with the export)")
	_ = cmd.MarkFlagRequired("output")
	return cmd
}

// writeBundle downloads an export into path, through a temporary file so
// that a failed download leaves no partial bundle.
func (c *cli) writeBundle(export, path string) (_ int64, err error) {
	stream, err := c.profile.DownloadExport(c.ctx, &customerv1.DownloadExportRequest{Name: export})
	if err != nil {
		return 0, err
	}
	f, err := os.CreateTemp(filepath.Dir(path), ".export-*")
	if err != nil {
		return 0, fmt.Errorf("create the bundle file: %w", err)
	}
	defer func() {
		// Gone already once renamed into place.
		if rerr := os.Remove(f.Name()); rerr != nil && !errors.Is(rerr, fs.ErrNotExist) {
			err = errors.Join(err, fmt.Errorf("remove the temporary bundle: %w", rerr))
		}
	}()
	var size int64
	for {
		m, err := stream.Recv()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			_ = f.Close()
			return 0, err
		}
		n, err := f.Write(m.GetData())
		size += int64(n)
		if err != nil {
			_ = f.Close()
			return 0, fmt.Errorf("write the bundle: %w", err)
		}
	}
	if err := f.Close(); err != nil {
		return 0, fmt.Errorf("write the bundle: %w", err)
	}
	if err := os.Rename(f.Name(), path); err != nil {
		return 0, fmt.Errorf("write the bundle: %w", err)
	}
	return size, nil
}
