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
	"github.com/opencrm/crm/services/profile/service"
)

func TestTraceCoversHandlerStoreAndFeedEvent(t *testing.T) {
	t.Parallel()
	exp := tracetest.NewInMemoryExporter()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSyncer(exp))
	s := servertest.StartWith(t, service.Name, dbtest.Config(t), service.SetupWith(service.Options{Retention: time.Hour, PurgeEvery: time.Hour}),
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

// A REST call is the same gRPC call to the tracer: its server span has the
// method's name and the attributes of a gRPC call's span, in the caller's
// trace.
func TestRESTCallIsTracedAsTheGRPCCall(t *testing.T) {
	t.Parallel()
	exp := tracetest.NewInMemoryExporter()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSyncer(exp))
	s := servertest.StartWith(t, service.Name, dbtest.Config(t), service.SetupWith(service.Options{Retention: time.Hour, PurgeEvery: time.Hour}),
		server.Options{Telemetry: &telemetry.Telemetry{Tracer: tp, Meter: metricnoop.NewMeterProvider()}})
	s.WaitReady(t)
	const method = "crm.customer.v1.CustomerService/CreateCustomer"
	serverSpan := func(traceID string) sdktrace.ReadOnlySpan {
		for _, sp := range exp.GetSpans().Snapshots() {
			if sp.SpanContext().TraceID().String() == traceID && sp.Name() == method {
				return sp
			}
		}
		t.Fatalf("no server span %s in trace %s", method, traceID)
		return nil
	}
	caller := func() (context.Context, string, func()) {
		ctx, span := tp.Tracer("test").Start(context.Background(), "caller")
		carrier := propagation.MapCarrier{}
		telemetry.Propagator.Inject(ctx, carrier)
		return ctx, carrier["traceparent"], func() { span.End() }
	}

	_, tpGRPC, end := caller()
	callCtx := metadata.AppendToOutgoingContext(servertest.Ctx(t, allScopes...), "traceparent", tpGRPC)
	if _, err := customerv1.NewCustomerServiceClient(s.Conn).CreateCustomer(callCtx, &customerv1.CreateCustomerRequest{Customer: person("Over gRPC")}); err != nil {
		t.Fatal(err)
	}
	end()
	_, tpREST, end := caller()
	s.HTTP().Do(t, "POST", "/v1/customers", servertest.Token(t, allScopes...), `{"kind":"CUSTOMER_KIND_PERSON","displayName":"Over REST"}`,
		"traceparent", tpREST).OK(t, nil)
	end()

	keys := func(sp sdktrace.ReadOnlySpan) map[string]string {
		m := map[string]string{}
		for _, kv := range sp.Attributes() {
			m[string(kv.Key)] = kv.Value.String()
		}
		return m
	}
	g, r := keys(serverSpan(strings.Split(tpGRPC, "-")[1])), keys(serverSpan(strings.Split(tpREST, "-")[1]))
	for k, v := range g {
		if strings.HasPrefix(k, "network.peer.") || strings.HasPrefix(k, "server.") {
			continue // the caller's address and port differ
		}
		if r[k] != v {
			t.Errorf("attribute %s: REST %q, gRPC %q", k, r[k], v)
		}
	}
	if len(g) == 0 {
		t.Fatal("the gRPC server span has no attributes")
	}
}
