// Package service exposes segmentation's setup to runners outside this
// module (the local platform runner): the same wiring the binary uses.
package service

import (
	"github.com/opencrm/crm/pkg/config"
	"github.com/opencrm/crm/pkg/server"
	"github.com/opencrm/crm/services/segmentation/internal/api"
)

// Name, database and default address of the service.
const (
	Name            = api.ServiceName
	DefaultDatabase = api.DefaultDatabase
	DefaultAddr     = api.DefaultAddr
)

// Setup reads the service's own settings from env and returns its setup;
// problems are recorded in env.
func Setup(env *config.Env) server.Setup {
	return api.Setup(api.LoadOptions(env))
}
