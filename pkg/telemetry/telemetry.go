// Package telemetry sets up OpenTelemetry traces and metrics from the
// standard OTEL_ environment variables, exported over OTLP/gRPC. With no
// exporter endpoint configured, both are off and nothing fails: a service
// must run without a collector.
package telemetry

import (
	"context"
	"errors"
	"fmt"
	"os"
	"time"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/exporters/otlp/otlpmetric/otlpmetricgrpc"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracegrpc"
	"go.opentelemetry.io/otel/metric"
	metricnoop "go.opentelemetry.io/otel/metric/noop"
	"go.opentelemetry.io/otel/propagation"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	semconv "go.opentelemetry.io/otel/semconv/v1.43.0"
	"go.opentelemetry.io/otel/trace"
	"go.opentelemetry.io/otel/trace/noop"
)

// Propagator is the W3C trace context and baggage propagator used between
// services and through event feeds.
var Propagator = propagation.NewCompositeTextMapPropagator(propagation.TraceContext{}, propagation.Baggage{})

// enabled reports whether the environment names an OTLP endpoint for a
// signal ("TRACES" or "METRICS") and does not switch that signal off.
func enabled(lookup func(string) (string, bool), signal string) bool {
	if v, _ := lookup("OTEL_SDK_DISABLED"); v == "true" {
		return false
	}
	exporter := "OTEL_TRACES_EXPORTER"
	if signal == "METRICS" {
		exporter = "OTEL_METRICS_EXPORTER"
	}
	if v, _ := lookup(exporter); v == "none" {
		return false
	}
	a, _ := lookup("OTEL_EXPORTER_OTLP_ENDPOINT")
	b, _ := lookup("OTEL_EXPORTER_OTLP_" + signal + "_ENDPOINT")
	return a != "" || b != ""
}

// Telemetry holds a service's tracer and meter providers.
type Telemetry struct {
	Tracer trace.TracerProvider
	Meter  metric.MeterProvider
	tp     *sdktrace.TracerProvider
	mp     *sdkmetric.MeterProvider
}

// Setup returns the providers for service: OTLP/gRPC exporters (which read
// the OTEL_ variables themselves) for each signal the environment enables,
// no-op providers otherwise. It also installs the W3C propagator globally
// for libraries that read it from there.
func Setup(ctx context.Context, service string) (*Telemetry, error) {
	otel.SetTextMapPropagator(Propagator)
	t := &Telemetry{Tracer: noop.NewTracerProvider(), Meter: metricnoop.NewMeterProvider()}
	traces, metrics := enabled(os.LookupEnv, "TRACES"), enabled(os.LookupEnv, "METRICS")
	if !traces && !metrics {
		return t, nil
	}
	name := service
	if v := os.Getenv("OTEL_SERVICE_NAME"); v != "" {
		name = v
	}
	res, err := serviceResource(name)
	if err != nil {
		return nil, err
	}
	if traces {
		exp, err := otlptracegrpc.New(ctx)
		if err != nil {
			return nil, fmt.Errorf("create OTLP trace exporter: %w", err)
		}
		t.tp = sdktrace.NewTracerProvider(sdktrace.WithBatcher(exp), sdktrace.WithResource(res))
		t.Tracer = t.tp
	}
	if metrics {
		exp, err := otlpmetricgrpc.New(ctx)
		if err != nil {
			return nil, fmt.Errorf("create OTLP metric exporter: %w", err)
		}
		t.mp = sdkmetric.NewMeterProvider(sdkmetric.WithReader(sdkmetric.NewPeriodicReader(exp)), sdkmetric.WithResource(res))
		t.Meter = t.mp
	}
	return t, nil
}

// TracesTo returns providers that send service's traces to the OTLP/gRPC
// collector at endpoint (host:port, without TLS), whatever the
// environment says: for a runner that starts its own collector.
func TracesTo(ctx context.Context, service, endpoint string) (*Telemetry, error) {
	otel.SetTextMapPropagator(Propagator)
	res, err := serviceResource(service)
	if err != nil {
		return nil, err
	}
	exp, err := otlptracegrpc.New(ctx, otlptracegrpc.WithEndpoint(endpoint), otlptracegrpc.WithInsecure())
	if err != nil {
		return nil, fmt.Errorf("create OTLP trace exporter: %w", err)
	}
	tp := sdktrace.NewTracerProvider(sdktrace.WithBatcher(exp, sdktrace.WithBatchTimeout(time.Second)), sdktrace.WithResource(res))
	return &Telemetry{Tracer: tp, Meter: metricnoop.NewMeterProvider(), tp: tp}, nil
}

func serviceResource(name string) (*resource.Resource, error) {
	res, err := resource.Merge(resource.Default(), resource.NewWithAttributes(semconv.SchemaURL, semconv.ServiceName(name)))
	if err != nil {
		return nil, fmt.Errorf("build telemetry resource: %w", err)
	}
	return res, nil
}

// Recording reports whether spans go anywhere. Instrumentation that costs
// time even when its spans are dropped (the MongoDB monitor serialises every
// command) is attached only then.
func (t *Telemetry) Recording() bool {
	_, off := t.Tracer.(noop.TracerProvider)
	return !off
}

// Shutdown flushes pending spans and metrics. It waits at most timeout: with
// no collector listening an exporter would otherwise block until its context
// ends.
func (t *Telemetry) Shutdown(timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	var errs []error
	if t.tp != nil {
		if err := t.tp.Shutdown(ctx); err != nil {
			errs = append(errs, fmt.Errorf("shut down tracing: %w", err))
		}
	}
	if t.mp != nil {
		if err := t.mp.Shutdown(ctx); err != nil {
			errs = append(errs, fmt.Errorf("shut down metrics: %w", err))
		}
	}
	return errors.Join(errs...)
}
