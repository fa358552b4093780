package telemetry_test

import (
	"context"
	"net"
	"sync"
	"testing"
	"time"

	collectortrace "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	"google.golang.org/grpc"

	"github.com/opencrm/crm/pkg/telemetry"
)

// receiver is an OTLP trace collector that keeps what it receives.
type receiver struct {
	collectortrace.UnimplementedTraceServiceServer
	mu    sync.Mutex
	names map[string]string // span name -> service.name
}

func (r *receiver) Export(_ context.Context, req *collectortrace.ExportTraceServiceRequest) (*collectortrace.ExportTraceServiceResponse, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, rs := range req.GetResourceSpans() {
		service := ""
		for _, a := range rs.GetResource().GetAttributes() {
			if a.GetKey() == "service.name" {
				service = a.GetValue().GetStringValue()
			}
		}
		for _, ss := range rs.GetScopeSpans() {
			for _, sp := range ss.GetSpans() {
				r.names[sp.GetName()] = service
			}
		}
	}
	return &collectortrace.ExportTraceServiceResponse{}, nil
}

func TestSpansReachTheConfiguredCollector(t *testing.T) {
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	rcv := &receiver{names: map[string]string{}}
	gs := grpc.NewServer()
	collectortrace.RegisterTraceServiceServer(gs, rcv)
	go func() { _ = gs.Serve(lis) }()
	defer gs.Stop()

	t.Setenv("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "http://"+lis.Addr().String())
	t.Setenv("OTEL_EXPORTER_OTLP_INSECURE", "true")
	t.Setenv("OTEL_SERVICE_NAME", "profile-under-test")
	tel, err := telemetry.Setup(context.Background(), "customer-profile")
	if err != nil {
		t.Fatal(err)
	}
	if !tel.Recording() {
		t.Fatal("tracing off although an endpoint is set")
	}
	_, span := tel.Tracer.Tracer("test").Start(context.Background(), "work")
	span.End()
	if err := tel.Shutdown(5 * time.Second); err != nil {
		t.Fatal(err)
	}
	rcv.mu.Lock()
	defer rcv.mu.Unlock()
	if rcv.names["work"] != "profile-under-test" {
		t.Fatalf("received %v", rcv.names)
	}
}

func TestNoEndpointMeansOffAndNoError(t *testing.T) {
	t.Setenv("OTEL_EXPORTER_OTLP_ENDPOINT", "")
	t.Setenv("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "")
	t.Setenv("OTEL_EXPORTER_OTLP_METRICS_ENDPOINT", "")
	tel, err := telemetry.Setup(context.Background(), "x")
	if err != nil || tel.Recording() {
		t.Fatalf("setup without endpoint: recording=%v err=%v", tel.Recording(), err)
	}
	start := time.Now()
	if err := tel.Shutdown(time.Second); err != nil || time.Since(start) > 500*time.Millisecond {
		t.Fatalf("shutdown: %v after %v", err, time.Since(start))
	}
}
