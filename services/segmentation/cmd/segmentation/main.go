// Command segmentation runs the segmentation service. It is configured
// only by environment variables (see the README); it stops gracefully on
// SIGTERM.
package main

import (
	"github.com/opencrm/crm/pkg/server"
	"github.com/opencrm/crm/services/segmentation/service"
)

func main() {
	server.Main(service.Name, service.DefaultDatabase, service.DefaultAddr, service.Setup)
}
