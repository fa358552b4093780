package api

import (
	"context"
	"errors"
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
	"github.com/opencrm/crm/services/segmentation/internal/feeds"
	"github.com/opencrm/crm/services/segmentation/internal/grading"
	"github.com/opencrm/crm/services/segmentation/internal/store"
)

// Service identity and defaults.
const (
	ServiceName     = "segmentation"
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

// Setup registers the segmentation service and returns its indexes and
// workers.
func Setup(o Options) server.Setup {
	return func(d *server.Deps) (*server.Service, error) {
		profileConn, err := peer.Dial(o.Profile, d)
		if err != nil {
			return nil, err
		}
		interactionConn, err := peer.Dial(o.Interaction, d)
		if err != nil {
			return nil, err
		}
		producer := d.Producer()
		st := store.New(d.DB, producer)
		engine := grading.NewEngine(st, d.Log, o.Currency)
		segmentationv1.RegisterSegmentationServiceServer(d.GRPC, &Handler{engine: engine, store: st, pages: d.PageTokens, watchEvery: 500 * time.Millisecond})
		applier := &feeds.Applier{Engine: engine, Log: d.Log}
		base := feed.Consumer{DB: d.DB, Log: d.Log, Tracer: d.Tracer.Tracer(ServiceName), Meter: d.Meter.Meter(ServiceName)}
		interactions := feeds.InteractionConsumer(interactionv1.NewInteractionServiceClient(interactionConn), applier, base)
		profiles := customers.FeedConsumer(customerv1.NewCustomerServiceClient(profileConn), applier.Customers(), base)
		return &server.Service{
			Indexes:   store.Indexes(),
			Workers:   []func(context.Context){engine.Serve, interactions.Run, profiles.Run},
			Producer:  producer,
			Consumers: []*feed.Consumer{interactions, profiles},
			Close: func() error {
				return errors.Join(profileConn.Close(), interactionConn.Close())
			},
		}, nil
	}
}
