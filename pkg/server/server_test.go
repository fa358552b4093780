package server_test

import (
	"bytes"
	"context"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"

	"github.com/opencrm/crm/pkg/auth"
	"github.com/opencrm/crm/pkg/config"
	"github.com/opencrm/crm/pkg/dbtest"
	"github.com/opencrm/crm/pkg/mongox"
	"github.com/opencrm/crm/pkg/server"
)

func TestMain(m *testing.M) { os.Exit(dbtest.Main(m)) }

func empty(*server.Deps) (*server.Service, error) { return &server.Service{}, nil }

func baseConfig(db mongox.Config) server.Config {
	return server.Config{Service: "test", ListenAddr: "127.0.0.1:0", Mongo: db,
		Auth: auth.Config{HMACSecret: []byte("0123456789abcdef0123456789abcdef")}, PageTokenKey: []byte("0123456789abcdef0123456789abcdef"),
		ShutdownTimeout: time.Second}
}

func healthOf(t *testing.T, addr string) healthpb.HealthCheckResponse_ServingStatus {
	t.Helper()
	conn, err := grpc.NewClient(addr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	resp, err := healthpb.NewHealthClient(conn).Check(context.Background(), &healthpb.HealthCheckRequest{})
	if err != nil {
		t.Fatal(err)
	}
	return resp.GetStatus()
}

func TestHealthIsNotServingUntilTheDatabaseAnswersAndIndexesExist(t *testing.T) {
	t.Parallel()
	down := mongox.Config{URI: "mongodb://127.0.0.1:1/", Database: "x", Mode: mongox.ModeEmbedded, MaxPoolSize: 1, ConnectTimeout: 200 * time.Millisecond}
	var logs bytes.Buffer
	r, err := server.Start(context.Background(), baseConfig(down), empty, server.Options{LogOutput: &syncWriter{w: &logs}})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Stop()
	time.Sleep(500 * time.Millisecond)
	if st := healthOf(t, r.Addr()); st != healthpb.HealthCheckResponse_NOT_SERVING {
		t.Fatalf("health with the database down: %v", st)
	}
	// Liveness does not depend on the database: a probe must not restart
	// a process that waits for it.
	conn, err := grpc.NewClient(r.Addr(), grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	live, err := healthpb.NewHealthClient(conn).Check(context.Background(), &healthpb.HealthCheckRequest{Service: server.LivenessService})
	if err != nil || live.GetStatus() != healthpb.HealthCheckResponse_SERVING {
		t.Fatalf("liveness with the database down: %v %v", live, err)
	}

	db := dbtest.Config(t)
	withIndex := func(*server.Deps) (*server.Service, error) {
		// Unique: the embedded database gets only those (mongox.ForMode).
		return &server.Service{Indexes: []mongox.Index{{Collection: "things", Model: mongo.IndexModel{Keys: bson.D{{Key: "k", Value: 1}}, Options: options.Index().SetUnique(true)}}}}, nil
	}
	up, err := server.Start(context.Background(), baseConfig(db), withIndex, server.Options{LogOutput: &bytes.Buffer{}})
	if err != nil {
		t.Fatal(err)
	}
	select {
	case <-up.Ready():
	case <-time.After(20 * time.Second):
		t.Fatal("never ready")
	}
	if st := healthOf(t, up.Addr()); st != healthpb.HealthCheckResponse_SERVING {
		t.Fatalf("health with the database up: %v", st)
	}
	cl, err := mongox.Connect(context.Background(), db, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Disconnect(context.Background())
	specs, err := cl.Database(db.Database).Collection("things").Indexes().ListSpecifications(context.Background())
	if err != nil || len(specs) != 2 {
		t.Fatalf("indexes after ready: %v %v", specs, err)
	}
	if err := up.Stop(); err != nil {
		t.Fatal(err)
	}
}

func TestConfigReportsEveryBadVariable(t *testing.T) {
	t.Parallel()
	env := config.FromMap(map[string]string{
		"CRM_MONGO_MODE":          "embedded",
		"CRM_MONGO_MAX_POOL_SIZE": "8",
		"CRM_AUTH_HS256_SECRET":   "short",
		"CRM_LOG_LEVEL":           "loud",
		"CRM_SHUTDOWN_TIMEOUT":    "forever",
		"CRM_AUDIT_RETENTION":     "400d",
	})
	server.LoadConfig(env, "test", "crm_test", ":0")
	err := env.Err()
	if err == nil {
		t.Fatal("bad configuration accepted")
	}
	for _, v := range []string{"CRM_MONGO_URI", "CRM_MONGO_MAX_POOL_SIZE", "CRM_AUTH_HS256_SECRET", "CRM_PAGE_TOKEN_KEY", "CRM_LOG_LEVEL", "CRM_SHUTDOWN_TIMEOUT", "CRM_AUDIT_RETENTION"} {
		if !strings.Contains(err.Error(), v+":") {
			t.Errorf("no message for %s in:\n%v", v, err)
		}
	}
	good := config.FromMap(map[string]string{"CRM_MONGO_URI": "mongodb://db:27017", "CRM_MONGO_MODE": "embedded",
		"CRM_AUTH_HS256_SECRET": strings.Repeat("s", 32), "CRM_PAGE_TOKEN_KEY": strings.Repeat("k", 32)})
	cfg := server.LoadConfig(good, "test", "crm_test", ":0")
	if err := good.Err(); err != nil || cfg.Mongo.MaxPoolSize != 1 || cfg.Mongo.Database != "crm_test" || cfg.AuditRetention != 400*24*time.Hour {
		t.Fatalf("good configuration: %+v %v", cfg.Mongo, err)
	}
}

type syncWriter struct {
	mu sync.Mutex
	w  *bytes.Buffer
}

func (s *syncWriter) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.w.Write(p)
}
