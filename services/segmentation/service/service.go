// Package service is segmentation's composition root: its settings, the
// wiring of store, grading engine, use cases and handlers, and its
// background workers. The binary and the local platform runner start it
// through Setup.
package service

import (
	"context"
	"strings"
	"time"

	customerv1 "github.com/opencrm/crm/gen/go/crm/customer/v1"
	interactionv1 "github.com/opencrm/crm/gen/go/crm/interaction/v1"
	segmentationv1 "github.com/opencrm/crm/gen/go/crm/segmentation/v1"
	"github.com/opencrm/crm/pkg/config"
	"github.com/opencrm/crm/pkg/customers"
	"github.com/opencrm/crm/pkg/feed"
	"github.com/opencrm/crm/pkg/peer"
	"github.com/opencrm/crm/pkg/server"
	"github.com/opencrm/crm/services/segmentation/internal/api"
	"github.com/opencrm/crm/services/segmentation/internal/celfacts"
	"github.com/opencrm/crm/services/segmentation/internal/feeds"
	"github.com/opencrm/crm/services/segmentation/internal/grading"
	"github.com/opencrm/crm/services/segmentation/internal/segments"
	"github.com/opencrm/crm/services/segmentation/internal/store"
)

// The store is the repository of the engine and of the segments.
var (
	_ grading.Repository  = (*store.Store)(nil)
	_ segments.Repository = (*store.Store)(nil)
)

// Name, database and default address of the service.
const (
	Name            = "segmentation"
	DefaultDatabase = "crm_segmentation"
	DefaultAddr     = ":50053"
)

// Options are segmentation's own settings.
type Options struct {
	// Profile is how to reach customer-profile's feed (CRM_PROFILE_ADDR,
	// CRM_PROFILE_TOKEN or _FILE with scope customers.events,
	// CRM_PROFILE_TIMEOUT).
	Profile peer.Options
	// Interaction is how to reach interaction-log's feed
	// (CRM_INTERACTION_ADDR, CRM_INTERACTION_TOKEN or _FILE with scope
	// interactions.events).
	Interaction peer.Options
	// Currency is the scored currency (CRM_SEGMENTATION_CURRENCY, ISO
	// 4217, default USD).
	Currency string
}

// LoadOptions reads the service's own settings.
func LoadOptions(env *config.Env) Options {
	o := Options{
		Profile:     peer.Load(env, "PROFILE", "customer-profile", "customer-profile:50051", "customers.events"),
		Interaction: peer.Load(env, "INTERACTION", "interaction-log", "interaction-log:50052", "interactions.events"),
		Currency:    env.String("CRM_SEGMENTATION_CURRENCY", "USD"),
	}
	if len(o.Currency) != 3 || o.Currency != strings.ToUpper(o.Currency) {
		env.Fail("CRM_SEGMENTATION_CURRENCY", "must be an ISO 4217 code such as USD, got %q", o.Currency)
	}
	return o
}

// Setup reads the service's own settings from env and returns its setup;
// problems are recorded in env.
func Setup(env *config.Env) server.Setup {
	return SetupWith(LoadOptions(env))
}

// SetupWith registers the segmentation service with the options o and
// returns its indexes and workers.
func SetupWith(o Options) server.Setup {
	return func(d *server.Deps) (*server.Service, error) {
		conns, err := peer.DialAll(d, o.Profile, o.Interaction)
		if err != nil {
			return nil, err
		}
		profileConn, interactionConn := conns[0], conns[1]
		producer := d.Producer()
		st := store.New(d.DB, d.Config.Mongo.Mode)
		engine := grading.NewEngine(st, producer, celfacts.Compile, d.Log, o.Currency)
		sm := segments.New(st, engine, celfacts.Compile, time.Now)
		segmentationv1.RegisterSegmentationServiceServer(d.GRPC, api.New(sm, engine, producer, d.PageTokens, 500*time.Millisecond))
		applier := &feeds.Applier{Engine: engine, Log: d.Log, Confirm: customers.Confirmer{Service: Name, Feed: producer}}
		base := feed.Consumer{DB: d.DB, Log: d.Log, Tracer: d.Tracer.Tracer(Name), Meter: d.Meter.Meter(Name)}
		interactions := feeds.InteractionConsumer(interactionv1.NewInteractionServiceClient(interactionConn), applier, base)
		profiles := customers.FeedConsumer(customerv1.NewCustomerServiceClient(profileConn), applier.Customers(), base)
		return &server.Service{
			Indexes:   store.Indexes(),
			Workers:   []func(context.Context){engine.Serve, interactions.Run, profiles.Run},
			Producer:  producer,
			Consumers: []*feed.Consumer{interactions, profiles},
			Close:     conns.Close,
		}, nil
	}
}
