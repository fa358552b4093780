// Package periodic runs a service's background jobs: a job runs at once
// and then at a fixed interval until the service stops, and reports what it
// did in the log the same way everywhere.
package periodic

import (
	"context"
	"log/slog"
	"time"
)

// Every returns a worker that runs fn at once and then every interval
// until its context ends.
func Every(interval time.Duration, fn func(ctx context.Context)) func(ctx context.Context) {
	return func(ctx context.Context) {
		for {
			fn(ctx)
			select {
			case <-ctx.Done():
				return
			case <-time.After(interval):
			}
		}
	}
}

// Counting returns a worker that runs fn as Every does and logs each run
// as Log does.
func Counting[N ~int | ~int64](interval time.Duration, log *slog.Logger, failing, done, key string, fn func(ctx context.Context) (N, error)) func(ctx context.Context) {
	return Every(interval, func(ctx context.Context) {
		n, err := fn(ctx)
		Log(ctx, log, n, err, failing, done, key)
	})
}

// Log reports one run of a job that handled n things: err as a warning
// with the message failing (unless ctx ended: stopping is no failure), and
// n > 0 as information with the message done and the count under key.
func Log[N ~int | ~int64](ctx context.Context, log *slog.Logger, n N, err error, failing, done, key string) {
	switch {
	case err != nil && ctx.Err() == nil:
		log.WarnContext(ctx, failing, "error", err)
	case n > 0:
		log.InfoContext(ctx, done, key, n)
	}
}
