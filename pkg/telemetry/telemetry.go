// Package telemetry sets up OpenTelemetry tracing from the standard OTEL_
// environment variables. With no exporter endpoint configured, tracing is off
// and nothing fails: a service must run without a collector.
package telemetry

import (
	"context"
	"fmt"
	"os"
	"time"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracegrpc"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	semconv "go.opentelemetry.io/otel/semconv/v1.43.0"
	"go.opentelemetry.io/otel/trace"
	"go.opentelemetry.io/otel/trace/noop"
)

// Propagator is the W3C trace context and baggage propagator used between
// services and through event feeds.
var Propagator = propagation.NewCompositeTextMapPropagator(propagation.TraceContext{}, propagation.Baggage{})

// Enabled reports whether the environment names an OTLP trace endpoint and
// does not switch tracing off.
func Enabled(lookup func(string) (string, bool)) bool {
	if v, _ := lookup("OTEL_TRACES_EXPORTER"); v == "none" {
		return false
	}
	if v, _ := lookup("OTEL_SDK_DISABLED"); v == "true" {
		return false
	}
	a, _ := lookup("OTEL_EXPORTER_OTLP_ENDPOINT")
	b, _ := lookup("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT")
	return a != "" || b != ""
}

// Tracing is a configured tracer provider and its shutdown.
type Tracing struct {
	Provider trace.TracerProvider
	sdk      *sdktrace.TracerProvider
}

// Setup returns the tracer provider for service: an OTLP/gRPC batch exporter
// when the environment configures one (the exporter reads the OTEL_ variables
// itself), a no-op provider otherwise. It also installs the W3C propagator
// globally, since otelgrpc reads it from there.
func Setup(ctx context.Context, service string) (*Tracing, error) {
	otel.SetTextMapPropagator(Propagator)
	if !Enabled(os.LookupEnv) {
		return &Tracing{Provider: noop.NewTracerProvider()}, nil
	}
	exp, err := otlptracegrpc.New(ctx)
	if err != nil {
		return nil, fmt.Errorf("create OTLP trace exporter: %w", err)
	}
	name := service
	if v := os.Getenv("OTEL_SERVICE_NAME"); v != "" {
		name = v
	}
	res, err := resource.Merge(resource.Default(), resource.NewWithAttributes(semconv.SchemaURL, semconv.ServiceName(name)))
	if err != nil {
		return nil, fmt.Errorf("build trace resource: %w", err)
	}
	tp := sdktrace.NewTracerProvider(sdktrace.WithBatcher(exp), sdktrace.WithResource(res))
	return &Tracing{Provider: tp, sdk: tp}, nil
}

// Recording reports whether spans go anywhere. Instrumentation that costs
// time even when its spans are dropped (the MongoDB monitor serialises every
// command) is attached only then.
func (t *Tracing) Recording() bool {
	_, off := t.Provider.(noop.TracerProvider)
	return !off
}

// Shutdown flushes pending spans. It waits at most timeout: with no collector
// listening the exporter would otherwise block until its context ends.
func (t *Tracing) Shutdown(timeout time.Duration) error {
	if t.sdk == nil {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	if err := t.sdk.Shutdown(ctx); err != nil {
		return fmt.Errorf("shut down tracing: %w", err)
	}
	return nil
}
