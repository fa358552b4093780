package api_test

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"

	loyaltyv1 "github.com/opencrm/crm/gen/go/crm/loyalty/v1"
	"github.com/opencrm/crm/pkg/server"
)

// lockedBuffer collects a server's logs while it writes them.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// Readiness follows whether the database answers, not how busy the
// service is: while fifty redemptions race on the embedded database's single
// connection, the database checks (run every 10ms here) keep health
// SERVING, as a readiness probe must see it.
func TestHealthStaysServingWhileRedemptionsRace(t *testing.T) {
	t.Parallel()
	logs := &lockedBuffer{}
	e := startWith(t, server.Options{HealthInterval: 10 * time.Millisecond, LogOutput: logs})
	prog := e.program(t, &loyaltyv1.Program{Id: "flat", DisplayName: "Flat", CurrencyCode: "EUR", PointsPerUnit: 1})
	c := e.customer(t, "Busy")
	if _, err := e.client.EnrolCustomer(e.ctx, &loyaltyv1.EnrolCustomerRequest{Program: prog, Customer: c}); err != nil {
		t.Fatal(err)
	}
	e.earn(t, prog, c, "load", eur(1000, 0), time.Now())

	// Every status the health service reports while the calls run.
	wctx, stopWatch := context.WithCancel(context.Background())
	defer stopWatch()
	watch, err := healthpb.NewHealthClient(e.srv.Conn).Watch(wctx, &healthpb.HealthCheckRequest{})
	if err != nil {
		t.Fatal(err)
	}
	first, err := watch.Recv()
	if err != nil || first.GetStatus() != healthpb.HealthCheckResponse_SERVING {
		t.Fatalf("health before the race: %v %v", first, err)
	}
	statuses := make(chan healthpb.HealthCheckResponse_ServingStatus, 100)
	go func() {
		defer close(statuses)
		for {
			resp, err := watch.Recv()
			if err != nil {
				return
			}
			statuses <- resp.GetStatus()
		}
	}()

	var wg sync.WaitGroup
	var mu sync.Mutex
	failed := map[codes.Code]int{}
	for i := range 50 {
		wg.Go(func() {
			_, err := e.client.RedeemPoints(e.ctx, &loyaltyv1.RedeemPointsRequest{Program: prog, Customer: c, Points: 10, RequestId: fmt.Sprint("busy-", i)})
			if err != nil {
				mu.Lock()
				failed[status(err)]++
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if len(failed) > 0 {
		t.Fatalf("redemptions failed: %v", failed)
	}
	stopWatch()
	for st := range statuses {
		if st != healthpb.HealthCheckResponse_SERVING {
			t.Errorf("health reported %v while the database answered", st)
		}
	}
	// Stopping waits for the check that may still run; then every change of
	// readiness is in the logs.
	if err := e.srv.Stop(); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(logs.String(), "database reachability changed") {
		t.Errorf("readiness changed during the race:\n%s", logs.String())
	}
}
