package api_test

import (
	"context"
	"strings"
	"testing"
	"time"

	metricnoop "go.opentelemetry.io/otel/metric/noop"
	"go.opentelemetry.io/otel/propagation"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"google.golang.org/grpc/metadata"

	loyaltyv1 "github.com/opencrm/crm/gen/go/crm/loyalty/v1"
	"github.com/opencrm/crm/pkg/dbtest"
	"github.com/opencrm/crm/pkg/peer"
	"github.com/opencrm/crm/pkg/server"
	"github.com/opencrm/crm/pkg/server/servertest"
	"github.com/opencrm/crm/pkg/telemetry"
	"github.com/opencrm/crm/services/loyalty/internal/api"
)

// storeCalls runs call under a caller's trace and returns the names of the
// store spans it made.
func storeCalls(t *testing.T, tp *sdktrace.TracerProvider, exp *tracetest.InMemoryExporter, ctx context.Context, call func(context.Context) error) []string {
	t.Helper()
	exp.Reset()
	cctx, span := tp.Tracer("test").Start(context.Background(), "caller")
	carrier := propagation.MapCarrier{}
	telemetry.Propagator.Inject(cctx, carrier)
	if err := call(metadata.AppendToOutgoingContext(ctx, "traceparent", carrier["traceparent"])); err != nil {
		t.Fatal(err)
	}
	span.End()
	var names []string
	for _, sp := range exp.GetSpans() {
		if sp.SpanContext.TraceID() == span.SpanContext().TraceID() && !strings.Contains(sp.Name, "LoyaltyService") && sp.Name != "caller" {
			names = append(names, sp.Name)
		}
	}
	return names
}

// One earn or redeem makes exactly the ten store calls the benchmark's raw
// baseline makes, all in the caller's trace.
func TestEarnAndRedeemStoreCalls(t *testing.T) {
	t.Parallel()
	e := start(t)
	exp := tracetest.NewInMemoryExporter()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSyncer(exp))
	o := api.Options{
		Profile:       peer.Options{Addr: e.profile.Addr(), Token: servertest.Token(t, "customers.read", "customers.events"), Timeout: 2 * time.Second},
		Interaction:   peer.Options{Addr: e.interaction.Addr(), Token: servertest.Token(t, "interactions.events"), Timeout: 2 * time.Second},
		SweepInterval: time.Hour,
	}
	s := servertest.StartWith(t, api.ServiceName, dbtest.Config(t), api.Setup(o),
		server.Options{Telemetry: &telemetry.Telemetry{Tracer: tp, Meter: metricnoop.NewMeterProvider()}})
	s.WaitReady(t)
	client := loyaltyv1.NewLoyaltyServiceClient(s.Conn)
	if _, err := client.CreateProgram(e.ctx, &loyaltyv1.CreateProgramRequest{Program: &loyaltyv1.Program{Id: "flat", DisplayName: "Flat", CurrencyCode: "EUR", PointsPerUnit: 1}}); err != nil {
		t.Fatal(err)
	}
	c := e.customer(t, "Traced")
	if _, err := client.EnrolCustomer(e.ctx, &loyaltyv1.EnrolCustomerRequest{Program: "programs/flat", Customer: c}); err != nil {
		t.Fatal(err)
	}
	earn := storeCalls(t, tp, exp, e.ctx, func(ctx context.Context) error {
		_, err := client.EarnPoints(ctx, &loyaltyv1.EarnPointsRequest{Program: "programs/flat", Customer: c, RequestId: "t-1",
			Purchase: &loyaltyv1.PurchaseInput{OrderId: "o", Amount: eur(10, 0)}})
		return err
	})
	redeem := storeCalls(t, tp, exp, e.ctx, func(ctx context.Context) error {
		_, err := client.RedeemPoints(ctx, &loyaltyv1.RedeemPointsRequest{Program: "programs/flat", Customer: c, Points: 1, RequestId: "t-2"})
		return err
	})
	if len(earn) != 10 || len(redeem) != 10 {
		t.Fatalf("store calls: earn %d %v; redeem %d %v", len(earn), earn, len(redeem), redeem)
	}
}
