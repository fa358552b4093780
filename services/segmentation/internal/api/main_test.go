package api_test

import (
	"context"
	"os"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	grpcstatus "google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/timestamppb"

	customerv1 "github.com/opencrm/crm/gen/go/crm/customer/v1"
	interactionv1 "github.com/opencrm/crm/gen/go/crm/interaction/v1"
	segmentationv1 "github.com/opencrm/crm/gen/go/crm/segmentation/v1"
	typev1 "github.com/opencrm/crm/gen/go/crm/type/v1"
	"github.com/opencrm/crm/pkg/config"
	"github.com/opencrm/crm/pkg/dbtest"
	"github.com/opencrm/crm/pkg/mongox"
	"github.com/opencrm/crm/pkg/peer"
	"github.com/opencrm/crm/pkg/server"
	"github.com/opencrm/crm/pkg/server/servertest"
	interaction "github.com/opencrm/crm/services/interaction/service"
	profile "github.com/opencrm/crm/services/profile/service"
	"github.com/opencrm/crm/services/segmentation/service"
)

func TestMain(m *testing.M) { os.Exit(dbtest.Main(m)) }

type env struct {
	profile, interaction, srv *servertest.Server
	client                    segmentationv1.SegmentationServiceClient
	customers                 customerv1.CustomerServiceClient
	interactions              interactionv1.InteractionServiceClient
	ctx                       context.Context
	n                         int
}

// start runs customer-profile, interaction-log and segmentation, each on
// its own database, talking over real gRPC.
func start(t *testing.T) *env {
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
		ctx: servertest.Ctx(t, "segmentation.read", "segmentation.admin", "segmentation.events",
			"interactions.read", "interactions.write", "customers.write", "customers.admin")}
	e.startSegmentation(t, dbtest.Config(t))
	return e
}

// startSegmentation (re)starts segmentation on the given database.
func (e *env) startSegmentation(t *testing.T, db mongox.Config) {
	t.Helper()
	o := service.Options{
		Profile:     peer.Options{Addr: e.profile.Addr(), Token: servertest.Token(t, "customers.events"), Timeout: 2 * time.Second},
		Interaction: peer.Options{Addr: e.interaction.Addr(), Token: servertest.Token(t, "interactions.events"), Timeout: 2 * time.Second},
		Currency:    "EUR",
	}
	e.srv = servertest.StartWith(t, service.Name, db, service.SetupWith(o), server.Options{})
	e.srv.WaitReady(t)
	e.client = segmentationv1.NewSegmentationServiceClient(e.srv.Conn)
}

func (e *env) customer(t *testing.T, name, country string) string {
	t.Helper()
	resp, err := e.customers.CreateCustomer(e.ctx, &customerv1.CreateCustomerRequest{Customer: &customerv1.Customer{
		Kind: customerv1.CustomerKind_CUSTOMER_KIND_PERSON, DisplayName: name,
		Demographics: &customerv1.Demographics{CountryCode: country}}})
	if err != nil {
		t.Fatal(err)
	}
	return resp.GetCustomer().GetName()
}

func eur(units int64) *typev1.Money { return &typev1.Money{CurrencyCode: "EUR", Units: units} }

// buy logs a purchase of units euros daysAgo days ago and returns the
// interaction's name.
func (e *env) buy(t *testing.T, customer string, units int64, daysAgo int) string {
	t.Helper()
	e.n++
	resp, err := e.interactions.LogInteraction(e.ctx, &interactionv1.LogInteractionRequest{RequestId: "buy-" + customer + "-" + time.Now().Format(time.RFC3339Nano),
		Interaction: &interactionv1.Interaction{Customer: customer, Channel: interactionv1.Channel_CHANNEL_WEB, Direction: interactionv1.Direction_DIRECTION_INBOUND,
			Kind: interactionv1.InteractionKind_INTERACTION_KIND_PURCHASE, OccurTime: timestamppb.New(time.Now().AddDate(0, 0, -daysAgo)),
			Purchase: &interactionv1.Purchase{OrderId: "order-" + time.Now().Format("150405.000000000"), Amount: eur(units)}}})
	if err != nil {
		t.Fatalf("log purchase: %v", err)
	}
	return resp.GetInteraction().GetName()
}

func (e *env) grades(t *testing.T, customer string) *segmentationv1.GetCustomerSegmentsResponse {
	t.Helper()
	resp, err := e.client.GetCustomerSegments(e.ctx, &segmentationv1.GetCustomerSegmentsRequest{Customer: customer})
	if err != nil {
		t.Fatalf("grades of %s: %v", customer, err)
	}
	return resp
}

// recompute starts a run and waits for it through WatchRun.
func (e *env) recompute(t *testing.T) *segmentationv1.Run {
	t.Helper()
	resp, err := e.client.StartRecompute(e.ctx, &segmentationv1.StartRecomputeRequest{})
	if err != nil {
		t.Fatalf("start recompute: %v", err)
	}
	return e.wait(t, resp.GetRun().GetName())
}

func (e *env) wait(t *testing.T, run string) *segmentationv1.Run {
	t.Helper()
	stream, err := e.client.WatchRun(e.ctx, &segmentationv1.WatchRunRequest{Name: run})
	if err != nil {
		t.Fatal(err)
	}
	var last *segmentationv1.Run
	for {
		m, err := stream.Recv()
		if err != nil {
			break
		}
		last = m.GetRun()
	}
	if last.GetState() != segmentationv1.RunState_RUN_STATE_SUCCEEDED {
		t.Fatalf("run ended %v: %s", last.GetState(), last.GetError())
	}
	return last
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

func status(err error) codes.Code { return grpcstatus.Code(err) }
