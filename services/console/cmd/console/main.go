// Command console serves the web console and proxies its API calls to the
// four services. It is configured only by environment variables (see
// docs/deploy.md); it stops gracefully on SIGTERM.
package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"github.com/opencrm/crm/pkg/config"
	"github.com/opencrm/crm/services/console"
)

func main() {
	log := slog.New(slog.NewJSONHandler(os.Stderr, nil)).With("service", "console")
	c, err := console.FromEnv(&config.Env{})
	if err != nil {
		fmt.Fprintln(os.Stderr, "console:", err)
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	r, err := console.Start(c, log)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	log.Info("serving", "addr", r.Addr())
	select {
	case err = <-r.Done():
	case <-ctx.Done():
		err = r.Stop()
	}
	if err != nil {
		log.Error("stopped", "err", err)
		os.Exit(1)
	}
}
