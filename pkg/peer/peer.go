// Package peer connects a service to another platform service over gRPC:
// its address, this service's own bearer token for it, a deadline per call,
// and the same tracing as every other call.
package peer

import (
	"context"
	"errors"
	"fmt"
	"time"

	"go.opentelemetry.io/contrib/instrumentation/google.golang.org/grpc/otelgrpc"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"

	"github.com/opencrm/crm/pkg/config"
	"github.com/opencrm/crm/pkg/server"
	"github.com/opencrm/crm/pkg/telemetry"
)

// Options say how to reach one other service.
type Options struct {
	// Addr is its gRPC address.
	Addr string
	// Token is this service's bearer token for it.
	Token string
	// Timeout bounds each call.
	Timeout time.Duration
}

// Load reads CRM_<name>_ADDR, CRM_<name>_TOKEN (or _FILE) and
// CRM_<name>_TIMEOUT. service and scopes describe the peer in the messages
// of a missing setting, for example "customer-profile" and
// "customers.read and customers.events".
func Load(env *config.Env, name, service, example, scopes string) Options {
	o := Options{
		Addr:    env.Required("CRM_"+name+"_ADDR", fmt.Sprintf("%s's gRPC address, for example %s", service, example)),
		Token:   env.Secret("CRM_" + name + "_TOKEN"),
		Timeout: env.Duration("CRM_"+name+"_TIMEOUT", 2*time.Second, 10*time.Millisecond, time.Minute),
	}
	if o.Token == "" {
		env.Fail("CRM_"+name+"_TOKEN", "required: this service's token for %s, with scopes %s", service, scopes)
	}
	return o
}

// bearer sends the token on every call.
type bearer string

func (b bearer) GetRequestMetadata(context.Context, ...string) (map[string]string, error) {
	return map[string]string{"authorization": "Bearer " + string(b)}, nil
}

// RequireTransportSecurity is false: TLS between services is not wired yet,
// and a cluster's network policy confines this traffic.
func (b bearer) RequireTransportSecurity() bool { return false }

// Dial opens a connection (lazily: it does not wait for the peer) that
// carries the token and the caller's trace context.
func Dial(o Options, d *server.Deps) (*grpc.ClientConn, error) {
	conn, err := grpc.NewClient(o.Addr,
		grpc.WithTransportCredentials(insecure.NewCredentials()),
		grpc.WithPerRPCCredentials(bearer(o.Token)),
		grpc.WithStatsHandler(otelgrpc.NewClientHandler(otelgrpc.WithTracerProvider(d.Tracer), otelgrpc.WithMeterProvider(d.Meter), otelgrpc.WithPropagators(telemetry.Propagator))))
	if err != nil {
		return nil, fmt.Errorf("client of %s: %w", o.Addr, err)
	}
	return conn, nil
}

// Conns are connections to several peers.
type Conns []*grpc.ClientConn

// Close closes every connection.
func (c Conns) Close() error {
	errs := make([]error, 0, len(c))
	for _, conn := range c {
		errs = append(errs, conn.Close())
	}
	return errors.Join(errs...)
}

// DialAll dials each peer as Dial does, in order; if one fails, those
// opened are closed.
func DialAll(d *server.Deps, peers ...Options) (Conns, error) {
	conns := make(Conns, 0, len(peers))
	for _, o := range peers {
		conn, err := Dial(o, d)
		if err != nil {
			return nil, errors.Join(err, conns.Close())
		}
		conns = append(conns, conn)
	}
	return conns, nil
}
