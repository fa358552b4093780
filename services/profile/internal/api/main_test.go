package api_test

import (
	"context"
	"os"
	"testing"
	"time"

	customerv1 "github.com/opencrm/crm/gen/go/crm/customer/v1"
	"github.com/opencrm/crm/pkg/dbtest"
	"github.com/opencrm/crm/pkg/server/servertest"
	"github.com/opencrm/crm/services/profile/service"
)

func TestMain(m *testing.M) { os.Exit(dbtest.Main(m)) }

var allScopes = []string{"customers.read", "customers.write", "customers.admin", "customers.events"}

type env struct {
	srv    *servertest.Server
	client customerv1.CustomerServiceClient
	ctx    context.Context
}

func start(t *testing.T, o service.Options) *env {
	t.Helper()
	if o.Retention == 0 {
		o.Retention = time.Hour
	}
	if o.PurgeEvery == 0 {
		o.PurgeEvery = time.Hour
	}
	s := servertest.Start(t, service.Name, service.SetupWith(o))
	s.WaitReady(t)
	return &env{srv: s, client: customerv1.NewCustomerServiceClient(s.Conn), ctx: servertest.Ctx(t, allScopes...)}
}

func person(name string, emails ...string) *customerv1.Customer {
	c := &customerv1.Customer{Kind: customerv1.CustomerKind_CUSTOMER_KIND_PERSON, DisplayName: name}
	for _, e := range emails {
		c.Emails = append(c.Emails, &customerv1.EmailAddress{Address: e})
	}
	return c
}

func (e *env) create(t *testing.T, c *customerv1.Customer) *customerv1.Customer {
	t.Helper()
	resp, err := e.client.CreateCustomer(e.ctx, &customerv1.CreateCustomerRequest{Customer: c})
	if err != nil {
		t.Fatalf("create %s: %v", c.GetDisplayName(), err)
	}
	return resp.GetCustomer()
}
