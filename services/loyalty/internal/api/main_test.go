package api_test

import (
	"context"
	"os"
	"testing"
	"time"

	"google.golang.org/protobuf/types/known/timestamppb"

	customerv1 "github.com/opencrm/crm/gen/go/crm/customer/v1"
	interactionv1 "github.com/opencrm/crm/gen/go/crm/interaction/v1"
	loyaltyv1 "github.com/opencrm/crm/gen/go/crm/loyalty/v1"
	typev1 "github.com/opencrm/crm/gen/go/crm/type/v1"
	"github.com/opencrm/crm/pkg/config"
	"github.com/opencrm/crm/pkg/dbtest"
	"github.com/opencrm/crm/pkg/mongox"
	"github.com/opencrm/crm/pkg/peer"
	"github.com/opencrm/crm/pkg/server"
	"github.com/opencrm/crm/pkg/server/servertest"
	interaction "github.com/opencrm/crm/services/interaction/service"
	"github.com/opencrm/crm/services/loyalty/service"
	profile "github.com/opencrm/crm/services/profile/service"
)

func TestMain(m *testing.M) { os.Exit(dbtest.Main(m)) }

type env struct {
	profile, interaction, srv *servertest.Server
	client                    loyaltyv1.LoyaltyServiceClient
	customers                 customerv1.CustomerServiceClient
	interactions              interactionv1.InteractionServiceClient
	ctx                       context.Context
}

// start runs customer-profile, interaction-log and loyalty, each on its
// own database, talking over real gRPC.
func start(t *testing.T) *env {
	t.Helper()
	return startWith(t, server.Options{})
}

// startWith is start with loyalty's server options.
func startWith(t *testing.T, o server.Options) *env {
	t.Helper()
	p := servertest.Start(t, profile.Name, profile.Setup(config.FromMap(nil)))
	p.WaitReady(t)
	ienv := config.FromMap(map[string]string{"CRM_PROFILE_ADDR": p.Addr(), "CRM_PROFILE_TOKEN": servertest.Token(t, "customers.read", "customers.events")})
	i := servertest.Start(t, interaction.Name, interaction.Setup(ienv))
	if err := ienv.Err(); err != nil {
		t.Fatal(err)
	}
	i.WaitReady(t)
	e := &env{profile: p, interaction: i,
		customers: customerv1.NewCustomerServiceClient(p.Conn), interactions: interactionv1.NewInteractionServiceClient(i.Conn),
		ctx: servertest.Ctx(t, "loyalty.read", "loyalty.write", "loyalty.admin", "loyalty.events",
			"interactions.read", "interactions.write", "customers.write", "customers.admin")}
	e.startLoyaltyWith(t, dbtest.Config(t), o)
	return e
}

// startLoyalty (re)starts loyalty on the given database.
func (e *env) startLoyalty(t *testing.T, db mongox.Config) {
	t.Helper()
	e.startLoyaltyWith(t, db, server.Options{})
}

func (e *env) startLoyaltyWith(t *testing.T, db mongox.Config, so server.Options) {
	t.Helper()
	o := service.Options{
		Profile:       peer.Options{Addr: e.profile.Addr(), Token: servertest.Token(t, "customers.read", "customers.events"), Timeout: 2 * time.Second},
		Interaction:   peer.Options{Addr: e.interaction.Addr(), Token: servertest.Token(t, "interactions.events"), Timeout: 2 * time.Second},
		SweepInterval: time.Hour,
		IDKey:         []byte("test account id key, 32+ characters"),
	}
	e.srv = servertest.StartWith(t, service.Name, db, service.SetupWith(o), so)
	e.srv.WaitReady(t)
	e.client = loyaltyv1.NewLoyaltyServiceClient(e.srv.Conn)
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

// club is a program: 1 point per euro, silver from 200 qualifying points
// (x1.5), a 50-point welcome bonus, points valid 12 months.
func club(id string, autoEnrol bool) *loyaltyv1.Program {
	return &loyaltyv1.Program{Id: id, DisplayName: "Club", CurrencyCode: "EUR", PointsPerUnit: 1, AutoEnrol: autoEnrol,
		Tiers:        []*loyaltyv1.Tier{{Id: "silver", MinQualifyingPoints: 200, Multiplier: 1.5}, {Id: "gold", MinQualifyingPoints: 1000, Multiplier: 2}},
		EarningRules: []*loyaltyv1.EarningRule{{Id: "welcome", Condition: "customer.first_purchase", Points: "50"}}}
}

func (e *env) program(t *testing.T, p *loyaltyv1.Program) string {
	t.Helper()
	resp, err := e.client.CreateProgram(e.ctx, &loyaltyv1.CreateProgramRequest{Program: p})
	if err != nil {
		t.Fatal(err)
	}
	return resp.GetProgram().GetName()
}

func (e *env) account(t *testing.T, program, customer string) *loyaltyv1.Account {
	t.Helper()
	resp, err := e.client.GetAccount(e.ctx, &loyaltyv1.GetAccountRequest{Program: program, Customer: customer})
	if err != nil {
		t.Fatal(err)
	}
	return resp.GetAccount()
}

func (e *env) earn(t *testing.T, program, customer, requestID string, amount *typev1.Money, at time.Time) *loyaltyv1.EarnPointsResponse {
	t.Helper()
	resp, err := e.client.EarnPoints(e.ctx, &loyaltyv1.EarnPointsRequest{Program: program, Customer: customer, RequestId: requestID,
		Purchase: &loyaltyv1.PurchaseInput{OrderId: "o-" + requestID, Amount: amount, Channel: "store", OccurTime: timestamppb.New(at)}})
	if err != nil {
		t.Fatalf("earn: %v", err)
	}
	return resp
}

func (e *env) audit(t *testing.T, program string) {
	t.Helper()
	resp, err := e.client.AuditAccounts(e.ctx, &loyaltyv1.AuditAccountsRequest{Program: program})
	if err != nil {
		t.Fatal(err)
	}
	if len(resp.GetDifferences()) > 0 {
		t.Fatalf("audit found differences: %v", resp.GetDifferences())
	}
}

func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting: %s", what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
