package customers_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"

	customerv1 "github.com/opencrm/crm/gen/go/crm/customer/v1"
	"github.com/opencrm/crm/pkg/apperr"
	"github.com/opencrm/crm/pkg/customers"
	"github.com/opencrm/crm/pkg/server"
)

// profile answers BatchGetCustomers the way customer-profile does: the
// whole call fails NOT_FOUND naming the first unknown or erased customer.
type profile struct {
	customerv1.UnimplementedCustomerServiceServer
	mu     sync.Mutex
	calls  [][]string
	erased map[string]bool
	known  func(id string) bool
}

func (p *profile) BatchGetCustomers(ctx context.Context, req *customerv1.BatchGetCustomersRequest) (*customerv1.BatchGetCustomersResponse, error) {
	p.mu.Lock()
	p.calls = append(p.calls, req.GetNames())
	p.mu.Unlock()
	resp := &customerv1.BatchGetCustomersResponse{}
	for _, name := range req.GetNames() {
		id := strings.TrimPrefix(name, "customers/")
		var err error
		switch {
		case p.erased[id]:
			err = apperr.New(apperr.KindNotFound, "CUSTOMER_ERASED", "the customer was erased").With("resource", name)
		case !p.known(id):
			err = apperr.NotFound(name)
		}
		if err != nil {
			return nil, server.ToStatus(ctx, slog.New(slog.DiscardHandler), "BatchGetCustomers", err)
		}
		resp.Customers = append(resp.Customers, &customerv1.Customer{Name: name, Id: id, State: customerv1.CustomerState_CUSTOMER_STATE_ACTIVE})
	}
	return resp, nil
}

func serve(t *testing.T, p *profile) *customers.Checker {
	t.Helper()
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := grpc.NewServer()
	customerv1.RegisterCustomerServiceServer(s, p)
	go func() { _ = s.Serve(lis) }()
	t.Cleanup(s.Stop)
	conn, err := grpc.NewClient(lis.Addr().String(), grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = conn.Close() })
	return &customers.Checker{Client: customerv1.NewCustomerServiceClient(conn), Timeout: 5 * time.Second}
}

func TestCheckAsksOnceForACustomerNamedManyTimes(t *testing.T) {
	p := &profile{known: func(string) bool { return true }}
	c := serve(t, p)
	var ids []string
	for n := range 500 { // a batch of 500 interactions of 20 customers
		ids = append(ids, fmt.Sprint("c", n%20))
	}
	problems, err := c.Check(t.Context(), ids)
	if err != nil || len(problems) != 0 {
		t.Fatalf("Check: %v, %v", problems, err)
	}
	if len(p.calls) != 1 || len(p.calls[0]) != 20 {
		t.Fatalf("calls %d, first naming %d customers; want one call naming 20", len(p.calls), len(p.calls[0]))
	}
}

func TestCheckSplitsCallsAt100CustomersAndReportsEachProblem(t *testing.T) {
	p := &profile{known: func(id string) bool { return id != "c7" && id != "c180" }, erased: map[string]bool{"c42": true}}
	c := serve(t, p)
	var ids []string
	for n := range 250 {
		ids = append(ids, fmt.Sprint("c", n))
	}
	problems, err := c.Check(t.Context(), ids)
	if err != nil {
		t.Fatal(err)
	}
	var bad []string
	for id, e := range problems {
		ae, _ := apperr.As(e)
		bad = append(bad, id+" "+ae.Reason)
	}
	slices.Sort(bad)
	if want := []string{"c180 CUSTOMER_NOT_FOUND", "c42 CUSTOMER_ERASED", "c7 CUSTOMER_NOT_FOUND"}; !slices.Equal(bad, want) {
		t.Fatalf("problems %v, want %v", bad, want)
	}
	for _, call := range p.calls {
		if len(call) > 100 {
			t.Fatalf("a call named %d customers, the limit is 100", len(call))
		}
	}
}

func TestCheckFailsUnavailableWhenProfileCannotAnswer(t *testing.T) {
	c := serve(t, &profile{known: func(string) bool { return true }})
	conn, err := grpc.NewClient("127.0.0.1:1", grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	c.Client = customerv1.NewCustomerServiceClient(conn)
	_, err = c.Check(t.Context(), []string{"c1"})
	if e, ok := apperr.As(err); !ok || e.Kind != apperr.KindUnavailable {
		t.Fatalf("Check with customer-profile down: %v, want UNAVAILABLE", err)
	}
	if errors.Is(err, context.DeadlineExceeded) {
		t.Fatal("failed by the deadline, not at once")
	}
}
