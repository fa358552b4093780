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
	os.Exit(run())
}

// run serves until SIGTERM or a failure and returns the exit code, after
// its deferred clean-ups have run.
func run() int {
	log := slog.New(slog.NewJSONHandler(os.Stderr, nil)).With("service", "console")
	c, err := console.FromEnv(&config.Env{})
	if err != nil {
		fmt.Fprintln(os.Stderr, "console:", err)
		return 2
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	r, err := console.Start(ctx, c, log)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	log.Info("serving", "addr", r.Addr())
	select {
	case err = <-r.Done():
	case <-ctx.Done():
		err = r.Stop()
	}
	if err != nil {
		log.Error("stopped", "err", err)
		return 1
	}
	return 0
}
