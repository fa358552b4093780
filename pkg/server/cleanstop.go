package server

import (
	"context"
	"time"

	"github.com/opencrm/crm/pkg/mongox"
	"github.com/opencrm/crm/pkg/repair"
)

// stopNoteTimeout bounds reading or writing the note of a clean stop.
const stopNoteTimeout = 10 * time.Second

// takeCleanStop, on the embedded database (one replica), spares the
// relay's and the repair workers' start scans when the previous process
// stopped clean. Any error means a scan, which is always safe. It runs
// before the workers start. Replicas sharing a client (Options.Client)
// are several, so they always scan.
func (r *Running) takeCleanStop(ctx context.Context) {
	if r.cfg.Mongo.Mode != mongox.ModeEmbedded || r.shared {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, stopNoteTimeout)
	defer cancel()
	clean, err := repair.NewStops(r.client.Database(r.cfg.Mongo.Database)).Take(ctx)
	r.tookStop = err == nil
	if err != nil {
		r.log.WarnContext(ctx, "reading how the previous process stopped; scanning for what it left", "error", err)
		return
	}
	if !clean {
		r.log.InfoContext(ctx, "the previous process did not stop clean (or this is the first start): scanning for what it left")
		return
	}
	if r.svc.Producer != nil {
		r.svc.Producer.Scanned()
	}
	for _, t := range r.svc.Repairs {
		t.Scanned()
	}
}

// noteCleanStop, on the embedded database, notes a clean stop once no call
// or worker runs, if nothing this process wrote is left half done: no
// outbox or repair left, no write that failed before the stop (it may
// have been stored without what follows it), no replica sharing its
// client.
func (r *Running) noteCleanStop() {
	if !r.tookStop || r.lent.Load() {
		return
	}
	if n := r.failedBeforeStop; n > 0 {
		r.log.Info("writes failed during this run: the next start scans for work left half done", "failed_writes", n)
		return
	}
	settled := r.svc.Producer == nil || r.svc.Producer.Settled()
	for _, t := range r.svc.Repairs {
		settled = settled && t.Settled()
	}
	if !settled {
		r.log.Info("stopping with work left half done: the next start scans for it")
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), stopNoteTimeout)
	defer cancel()
	if err := repair.NewStops(r.client.Database(r.cfg.Mongo.Database)).Record(ctx, time.Now()); err != nil {
		r.log.Warn("the next start scans for work left half done", "error", err)
	}
}
