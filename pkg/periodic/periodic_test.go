package periodic_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/opencrm/crm/pkg/periodic"
)

// A job runs at once (a sweep at start finishes what a crash left), again
// after each interval, and the worker returns when its context ends.
func TestEveryRunsAtOnceThenRepeatsUntilStopped(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(t.Context())
	runs := make(chan struct{}, 10)
	done := make(chan struct{})
	go func() {
		periodic.Every(time.Millisecond, func(context.Context) { runs <- struct{}{} })(ctx)
		close(done)
	}()
	for range 3 {
		<-runs
	}
	cancel()
	for {
		select {
		case <-runs: // a run already under way when the context ended
		case <-done:
			return
		}
	}
}

// A run's outcome is logged one way: failures as warnings, work done as
// information with its count, nothing when nothing happened or when the
// failure is the service stopping.
func TestLogReportsFailuresAndWorkDone(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	log := slog.New(slog.NewTextHandler(&buf, nil))
	ctx := t.Context()
	periodic.Log(ctx, log, 0, nil, "sweeping", "swept", "items")
	if buf.Len() != 0 {
		t.Fatalf("logged an idle run: %s", buf.String())
	}
	periodic.Log(ctx, log, 3, nil, "sweeping", "swept", "items")
	if !strings.Contains(buf.String(), "level=INFO msg=swept items=3") {
		t.Fatalf("work done: %s", buf.String())
	}
	buf.Reset()
	periodic.Log(ctx, log, 0, errors.New("disk full"), "sweeping", "swept", "items")
	if !strings.Contains(buf.String(), `level=WARN msg=sweeping error="disk full"`) {
		t.Fatalf("failure: %s", buf.String())
	}
	buf.Reset()
	stopped, cancel := context.WithCancel(ctx)
	cancel()
	periodic.Log(stopped, log, 0, context.Canceled, "sweeping", "swept", "items")
	if buf.Len() != 0 {
		t.Fatalf("logged the service stopping as a failure: %s", buf.String())
	}
}
