// Command crmctl is the platform's command-line client for people. Run it
// with --help for the list of commands; configuration comes from flags and
// CRM_ environment variables.
//
//	export CRM_TOKEN=$(go run ./pkg/cmd/crm-token -secret-file .data/auth-secret -all)
//	go run ./pkg/cmd/crmctl customers list
package main

import (
	"context"
	"os"

	"golang.org/x/term"

	"github.com/opencrm/crm/pkg/crmctl"
)

func main() {
	// A person can answer a question only on a terminal.
	interactive := term.IsTerminal(int(os.Stdin.Fd()))
	os.Exit(crmctl.Run(context.Background(), os.Args[1:], os.LookupEnv,
		crmctl.Stdio{In: os.Stdin, Out: os.Stdout, Err: os.Stderr, Interactive: interactive}))
}
