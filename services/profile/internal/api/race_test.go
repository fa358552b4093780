package api_test

import (
	"fmt"
	"sync"
	"testing"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	customerv1 "github.com/opencrm/crm/gen/go/crm/customer/v1"
	"github.com/opencrm/crm/services/profile/service"
)

// race runs n calls at once and counts their status codes.
func race(n int, call func(i int) error) map[codes.Code]int {
	var mu sync.Mutex
	got := map[codes.Code]int{}
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		wg.Go(func() {
			<-start
			err := call(i)
			mu.Lock()
			got[status.Code(err)]++
			mu.Unlock()
		})
	}
	close(start)
	wg.Wait()
	return got
}

func TestRacingCreatesForOneEmailExactlyOneWins(t *testing.T) {
	t.Parallel()
	e := start(t, service.Options{})
	got := race(10, func(i int) error {
		_, err := e.client.CreateCustomer(e.ctx, &customerv1.CreateCustomerRequest{Customer: person(fmt.Sprint("Racer ", i), "same@example.com")})
		return err
	})
	if got[codes.OK] != 1 || got[codes.AlreadyExists] != 9 {
		t.Fatalf("codes %v, want one OK and nine ALREADY_EXISTS", got)
	}
	resp, err := e.client.SearchCustomers(e.ctx, &customerv1.SearchCustomersRequest{Query: "same@example.com"})
	if err != nil || len(resp.GetCustomers()) != 1 {
		t.Fatalf("customers holding the address: %v %v", resp, err)
	}
}

func TestRacingRetriesOfOneRequestCreateOnce(t *testing.T) {
	t.Parallel()
	e := start(t, service.Options{})
	req := &customerv1.CreateCustomerRequest{Customer: person("Once", "once@example.com"), RequestId: "retry-storm"}
	var mu sync.Mutex
	names := map[string]bool{}
	got := race(10, func(int) error {
		resp, err := e.client.CreateCustomer(e.ctx, req)
		if err == nil {
			mu.Lock()
			names[resp.GetCustomer().GetName()] = true
			mu.Unlock()
		}
		return err
	})
	// Each call either returns the one customer or is told the first call
	// is still running.
	if got[codes.OK]+got[codes.Aborted] != 10 || got[codes.OK] == 0 || len(names) != 1 {
		t.Fatalf("codes %v, names %v", got, names)
	}
	list, err := e.client.ListCustomers(e.ctx, &customerv1.ListCustomersRequest{})
	if err != nil || len(list.GetCustomers()) != 1 {
		t.Fatalf("customers after the retries: %d %v", len(list.GetCustomers()), err)
	}
}
