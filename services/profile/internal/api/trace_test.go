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

	customerv1 "github.com/opencrm/crm/gen/go/crm/customer/v1"
	"github.com/opencrm/crm/pkg/dbtest"
	"github.com/opencrm/crm/pkg/server"
	"github.com/opencrm/crm/pkg/server/servertest"
	"github.com/opencrm/crm/pkg/telemetry"
	"github.com/opencrm/crm/services/profile/internal/api"
)

func TestTraceCoversHandlerStoreAndFeedEvent(t *testing.T) {
	t.Parallel()
	exp := tracetest.NewInMemoryExporter()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSyncer(exp))
	s := servertest.StartWith(t, api.ServiceName, dbtest.Config(t), api.Setup(api.Options{Retention: time.Hour, PurgeEvery: time.Hour}),
		server.Options{Telemetry: &telemetry.Telemetry{Tracer: tp, Meter: metricnoop.NewMeterProvider()}})
	s.WaitReady(t)
	client := customerv1.NewCustomerServiceClient(s.Conn)

	// The caller's span, propagated as W3C trace context.
	ctx, span := tp.Tracer("test").Start(context.Background(), "caller")
	carrier := propagation.MapCarrier{}
	telemetry.Propagator.Inject(ctx, carrier)
	traceID := span.SpanContext().TraceID().String()
	callCtx := metadata.AppendToOutgoingContext(servertest.Ctx(t, allScopes...), "traceparent", carrier["traceparent"])
	if _, err := client.CreateCustomer(callCtx, &customerv1.CreateCustomerRequest{Customer: person("Traced", "traced@example.com")}); err != nil {
		t.Fatal(err)
	}
	span.End()

	var server, store bool
	for _, sp := range exp.GetSpans() {
		if sp.SpanContext.TraceID().String() != traceID {
			continue
		}
		switch {
		case sp.Name == "crm.customer.v1.CustomerService/CreateCustomer":
			server = true
		case strings.Contains(sp.Name, "customers") || strings.Contains(sp.Name, "contact_claims"):
			store = true
		}
	}
	if !server || !store {
		var names []string
		for _, sp := range exp.GetSpans() {
			names = append(names, sp.Name)
		}
		t.Fatalf("spans in the caller's trace: server=%v store=%v; all spans: %v", server, store, names)
	}
	e := &env{srv: s, client: client, ctx: servertest.Ctx(t, allScopes...)}
	ev := watch(t, e, 0, 1)[0]
	if !strings.Contains(ev.GetTraceContext()["traceparent"], traceID) {
		t.Fatalf("event trace context %v, want trace %s", ev.GetTraceContext(), traceID)
	}
}
