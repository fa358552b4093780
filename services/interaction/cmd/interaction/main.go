// Command interaction runs the interaction-log service. It is configured only
// by environment variables (see the README); it stops gracefully on SIGTERM.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/opencrm/crm/pkg/config"
	"github.com/opencrm/crm/pkg/server"
	"github.com/opencrm/crm/services/interaction/service"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "interaction-log:", err)
		os.Exit(1)
	}
}

func run() error {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	env := &config.Env{}
	cfg := server.LoadConfig(env, service.Name, service.DefaultDatabase, service.DefaultAddr)
	setup := service.Setup(env)
	if err := env.Err(); err != nil {
		return err
	}
	return server.Run(ctx, cfg, setup)
}
