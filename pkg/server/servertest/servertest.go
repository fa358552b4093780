// Package servertest runs a service in-process for component tests: the
// real server bootstrap on a free loopback port, against a fresh database
// on the embedded default, reached through a real gRPC connection.
package servertest

import (
	"context"
	"io"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/metadata"

	"github.com/opencrm/crm/pkg/auth"
	"github.com/opencrm/crm/pkg/dbtest"
	"github.com/opencrm/crm/pkg/mongox"
	"github.com/opencrm/crm/pkg/server"
)

// Secret is the HS256 secret test servers trust.
var Secret = []byte("test-secret-test-secret-test-secret!")

// Server is a running service under test.
type Server struct {
	*server.Running
	// Conn is a client connection to it, without credentials.
	Conn  *grpc.ClientConn
	Mongo mongox.Config
}

// Start runs setup's service on a fresh database and waits until it
// serves. It stops when the test ends.
func Start(t testing.TB, service string, setup server.Setup) *Server {
	t.Helper()
	return StartWith(t, service, dbtest.Config(t), setup, server.Options{})
}

// StartWith is Start with a chosen database configuration and options.
func StartWith(t testing.TB, service string, db mongox.Config, setup server.Setup, o server.Options) *Server {
	t.Helper()
	cfg := server.Config{
		Service: service, ListenAddr: "127.0.0.1:0", Mongo: db,
		Auth:            auth.Config{HMACSecret: Secret},
		PageTokenKey:    []byte("page-token-key-page-token-key-0123"),
		ShutdownTimeout: 5 * time.Second,
	}
	if o.LogOutput == nil {
		o.LogOutput = io.Discard
	}
	r, err := server.Start(context.Background(), cfg, setup, o)
	if err != nil {
		t.Fatalf("start %s: %v", service, err)
	}
	conn, err := grpc.NewClient(r.Addr(), grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = conn.Close()
		if err := r.Stop(); err != nil {
			t.Errorf("stop %s: %v", service, err)
		}
	})
	return &Server{Running: r, Conn: conn, Mongo: db}
}

// WaitReady waits until health reports SERVING.
func (s *Server) WaitReady(t testing.TB) {
	t.Helper()
	select {
	case <-s.Ready():
	case <-time.After(30 * time.Second):
		t.Fatal("service did not become ready")
	}
	resp, err := healthpb.NewHealthClient(s.Conn).Check(context.Background(), &healthpb.HealthCheckRequest{})
	if err != nil || resp.GetStatus() != healthpb.HealthCheckResponse_SERVING {
		t.Fatalf("health after ready: %v %v", resp, err)
	}
}

// Token mints a token for subject "tester" with the given scopes.
func Token(t testing.TB, scopes ...string) string {
	t.Helper()
	tok, err := auth.Mint(Secret, "tester", scopes, time.Hour, "", "")
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// Ctx returns a context whose calls carry a token with the given scopes.
// It ends when the test's cleanup runs, not after a fixed time: a whole
// test's calls on a loaded machine can take longer than any fixed budget,
// and go test's -timeout already stops a test that hangs.
func Ctx(t testing.TB, scopes ...string) context.Context {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	return metadata.AppendToOutgoingContext(ctx, "authorization", "Bearer "+Token(t, scopes...))
}
