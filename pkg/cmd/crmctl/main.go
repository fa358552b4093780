// Command crmctl is the platform's command-line client for people. Run it
// without arguments for the list of commands; configuration comes from
// flags and CRM_ environment variables.
//
//	export CRM_TOKEN=$(go run ./pkg/cmd/crm-token -secret-file .data/auth-secret -all)
//	go run ./pkg/cmd/crmctl customers list
package main

import (
	"context"
	"os"

	"github.com/opencrm/crm/pkg/crmctl"
)

func main() {
	os.Exit(crmctl.Run(context.Background(), os.Args[1:], os.LookupEnv, os.Stdout, os.Stderr))
}
