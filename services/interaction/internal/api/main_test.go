package api_test

import (
	"context"
	"os"
	"testing"
	"time"

	"google.golang.org/protobuf/types/known/timestamppb"

	customerv1 "github.com/opencrm/crm/gen/go/crm/customer/v1"
	interactionv1 "github.com/opencrm/crm/gen/go/crm/interaction/v1"
	typev1 "github.com/opencrm/crm/gen/go/crm/type/v1"
	"github.com/opencrm/crm/pkg/config"
	"github.com/opencrm/crm/pkg/dbtest"
	"github.com/opencrm/crm/pkg/mongox"
	"github.com/opencrm/crm/pkg/peer"
	"github.com/opencrm/crm/pkg/server"
	"github.com/opencrm/crm/pkg/server/servertest"
	"github.com/opencrm/crm/services/interaction/service"
	profile "github.com/opencrm/crm/services/profile/service"
)

func TestMain(m *testing.M) { os.Exit(dbtest.Main(m)) }

type env struct {
	profile   *servertest.Server
	srv       *servertest.Server
	client    interactionv1.InteractionServiceClient
	customers customerv1.CustomerServiceClient
	ctx       context.Context
}

// start runs customer-profile and interaction-log, each on its own
// database, talking over real gRPC.
func start(t *testing.T) *env {
	t.Helper()
	return startWith(t, service.Options{})
}

// startWith is start with interaction-log's options (Profile is set here).
func startWith(t *testing.T, o service.Options) *env {
	t.Helper()
	return startOn(t, o, dbtest.Config(t), dbtest.Config(t))
}

// startOn is startWith on the given databases.
func startOn(t *testing.T, o service.Options, profileDB, interactionDB mongox.Config) *env {
	t.Helper()
	p := servertest.StartWith(t, profile.Name, profileDB, profile.Setup(config.FromMap(nil)), server.Options{})
	p.WaitReady(t)
	o.Profile = peer.Options{Addr: p.Addr(), Token: servertest.Token(t, "customers.read", "customers.events"), Timeout: 2 * time.Second}
	s := servertest.StartWith(t, service.Name, interactionDB, service.SetupWith(o), server.Options{})
	s.WaitReady(t)
	return &env{profile: p, srv: s, client: interactionv1.NewInteractionServiceClient(s.Conn),
		customers: customerv1.NewCustomerServiceClient(p.Conn),
		ctx:       servertest.Ctx(t, "interactions.read", "interactions.write", "interactions.events", "customers.write", "customers.admin")}
}

func (e *env) customer(t *testing.T, name string) string {
	t.Helper()
	resp, err := e.customers.CreateCustomer(e.ctx, &customerv1.CreateCustomerRequest{Customer: &customerv1.Customer{
		Kind: customerv1.CustomerKind_CUSTOMER_KIND_PERSON, DisplayName: name}})
	if err != nil {
		t.Fatal(err)
	}
	return resp.GetCustomer().GetName()
}

func eur(units int64, nanos int32) *typev1.Money {
	return &typev1.Money{CurrencyCode: "EUR", Units: units, Nanos: nanos}
}

var t0 = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

func purchase(customer, order string, amount *typev1.Money, at time.Time) *interactionv1.Interaction {
	return &interactionv1.Interaction{Customer: customer, Channel: interactionv1.Channel_CHANNEL_WEB,
		Direction: interactionv1.Direction_DIRECTION_INBOUND, Kind: interactionv1.InteractionKind_INTERACTION_KIND_PURCHASE,
		OccurTime: timestamppb.New(at), Purchase: &interactionv1.Purchase{OrderId: order, Amount: amount}}
}

func contact(customer string, kind interactionv1.InteractionKind, ch interactionv1.Channel, at time.Time) *interactionv1.Interaction {
	return &interactionv1.Interaction{Customer: customer, Channel: ch, Direction: interactionv1.Direction_DIRECTION_INBOUND,
		Kind: kind, OccurTime: timestamppb.New(at)}
}

func (e *env) log(t *testing.T, i *interactionv1.Interaction) *interactionv1.Interaction {
	t.Helper()
	resp, err := e.client.LogInteraction(e.ctx, &interactionv1.LogInteractionRequest{Interaction: i})
	if err != nil {
		t.Fatalf("log: %v", err)
	}
	return resp.GetInteraction()
}
