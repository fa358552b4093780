package idempotency_test

import (
	"context"
	"errors"
	"os"
	"sync/atomic"
	"testing"
	"time"

	"google.golang.org/protobuf/types/known/wrapperspb"

	"github.com/opencrm/crm/pkg/dbtest"
	"github.com/opencrm/crm/pkg/idempotency"
)

func TestMain(m *testing.M) { os.Exit(dbtest.Main(m)) }

func TestInFlightFailedAndExpiredCalls(t *testing.T) {
	t.Parallel()
	s := idempotency.New(dbtest.Database(t))
	ctx := context.Background()
	req := wrapperspb.String("req")
	var runs atomic.Int32
	ok := func(ctx context.Context) (*wrapperspb.StringValue, string, error) {
		runs.Add(1)
		return wrapperspb.String("done"), "things/1", nil
	}

	// While the first call runs, a retry is ABORTED.
	release := make(chan struct{})
	done := make(chan error)
	go func() {
		_, err := idempotency.Do(ctx, s, "M", "k1", req, func(ctx context.Context) (*wrapperspb.StringValue, string, error) {
			<-release
			return ok(ctx)
		})
		done <- err
	}()
	time.Sleep(200 * time.Millisecond)
	if _, err := idempotency.Do(ctx, s, "M", "k1", req, ok); !errors.Is(err, idempotency.ErrInFlight) {
		t.Fatalf("retry during the first call: %v", err)
	}
	close(release)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if resp, err := idempotency.Do(ctx, s, "M", "k1", req, ok); err != nil || resp.GetValue() != "done" || runs.Load() != 1 {
		t.Fatalf("retry after: %v %v runs=%d", resp, err, runs.Load())
	}

	// A failed call releases its key.
	fail := func(context.Context) (*wrapperspb.StringValue, string, error) { return nil, "", errors.New("boom") }
	if _, err := idempotency.Do(ctx, s, "M", "k2", req, fail); err == nil {
		t.Fatal("failure lost")
	}
	if _, err := idempotency.Do(ctx, s, "M", "k2", req, ok); err != nil {
		t.Fatalf("retry after a failure: %v", err)
	}

	// A call whose process died is taken over when its lease ends.
	s.Lease = 50 * time.Millisecond
	stuck := make(chan struct{})
	go func() {
		_, _ = idempotency.Do(ctx, s, "M", "k3", req, func(context.Context) (*wrapperspb.StringValue, string, error) {
			<-stuck // never returns before the takeover
			return nil, "", errors.New("late")
		})
	}()
	time.Sleep(200 * time.Millisecond)
	if resp, err := idempotency.Do(ctx, s, "M", "k3", req, ok); err != nil || resp.GetValue() != "done" {
		t.Fatalf("takeover: %v %v", resp, err)
	}
	close(stuck)

	// Erasing a subject forgets the responses about it.
	if err := s.ForgetSubject(ctx, "things/1"); err != nil {
		t.Fatal(err)
	}
	before := runs.Load()
	if _, err := idempotency.Do(ctx, s, "M", "k1", req, ok); err != nil || runs.Load() != before+1 {
		t.Fatalf("after forgetting: runs %d -> %d, %v", before, runs.Load(), err)
	}
}
