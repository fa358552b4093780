package server

import (
	"context"
	"time"

	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/readpref"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"

	"github.com/opencrm/crm/pkg/mongox"
)

// pingTimeout bounds one readiness check of the database.
const pingTimeout = 3 * time.Second

// becomeReady waits for the database, creates the indexes, starts the
// workers and flips health to SERVING; then it keeps checking the database
// every healthEvery until ctx ends.
//
// The checks ping over a client of their own: on the embedded database the
// service's client has a single connection, and a ping on it would wait
// behind every queued call, so a busy but healthy service would report
// NOT_SERVING and a readiness probe would take it out of service.
func (r *Running) becomeReady(ctx context.Context, db *mongo.Database, svc *Service) {
	pingCfg := r.cfg.Mongo
	pingCfg.MaxPoolSize = 1
	pinger, err := mongox.ConnectLazy(pingCfg, nil, nil)
	if err != nil {
		// The service's own client took the same settings, so this does not
		// happen; pinging on that client is the fallback.
		r.log.ErrorContext(ctx, "open the database health client", "error", err)
		pinger = r.client
	} else {
		defer func() { _ = pinger.Disconnect(context.WithoutCancel(ctx)) }()
	}
	for {
		err := ping(ctx, pinger)
		if err == nil {
			ictx, cancel := context.WithTimeout(ctx, time.Minute)
			err = mongox.EnsureIndexes(ictx, db, mongox.ForMode(r.cfg.Mongo.Mode, svc.Indexes))
			cancel()
		}
		if err == nil {
			break
		}
		if ctx.Err() != nil {
			return
		}
		r.log.WarnContext(ctx, "waiting for the database", "error", err)
		select {
		case <-ctx.Done():
			return
		case <-time.After(2 * time.Second):
		}
	}
	r.takeCleanStop(ctx)
	for _, w := range svc.Workers {
		r.workers.Go(func() {
			w(ctx)
		})
	}
	r.setServing(true)
	close(r.ready)
	serving := true
	for {
		select {
		case <-ctx.Done():
			return
		case <-time.After(r.healthEvery):
		}
		err := ping(ctx, pinger)
		ok := err == nil
		if ok != serving && ctx.Err() == nil {
			r.log.WarnContext(ctx, "database reachability changed", "serving", ok, "error", err)
			r.setServing(ok)
			serving = ok
		}
	}
}

// ping asks the database to answer within pingTimeout.
func ping(ctx context.Context, c *mongo.Client) error {
	pctx, cancel := context.WithTimeout(ctx, pingTimeout)
	defer cancel()
	return c.Ping(pctx, readpref.Primary())
}

func (r *Running) setServing(ok bool) {
	st := healthpb.HealthCheckResponse_NOT_SERVING
	if ok {
		st = healthpb.HealthCheckResponse_SERVING
	}
	for name := range r.grpc.GetServiceInfo() {
		r.health.SetServingStatus(name, st)
	}
	r.health.SetServingStatus("", st)
}
