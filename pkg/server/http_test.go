package server_test

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/protobuf/proto"

	"github.com/opencrm/crm/pkg/config"
	"github.com/opencrm/crm/pkg/dbtest"
	"github.com/opencrm/crm/pkg/server"
)

func startHTTP(t *testing.T, hc server.HTTPConfig) *server.Running {
	t.Helper()
	cfg := baseConfig(dbtest.Config(t))
	cfg.HTTP = hc
	r, err := server.Start(context.Background(), cfg, empty, server.Options{LogOutput: io.Discard})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = r.Stop() })
	return r
}

func send(t *testing.T, c *http.Client, method, url string, body string, header ...string) *http.Response {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	t.Cleanup(func() { _ = resp.Body.Close() })
	return resp
}

const healthCheck = "/grpc.health.v1.Health/Check"

func TestConnectOverHTTP1AndH2C(t *testing.T) {
	t.Parallel()
	r := startHTTP(t, server.HTTPConfig{})
	var h2c http.Protocols
	h2c.SetUnencryptedHTTP2(true)
	for name, c := range map[string]*http.Client{
		"HTTP/1.1": {Timeout: time.Minute},
		"h2c":      {Timeout: time.Minute, Transport: &http.Transport{Protocols: &h2c}},
	} {
		resp := send(t, c, http.MethodPost, "http://"+r.Addr()+healthCheck, `{"service":"liveness"}`, "Content-Type", "application/json", "Connect-Protocol-Version", "1")
		b, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != http.StatusOK || !strings.Contains(string(b), `"SERVING"`) {
			t.Errorf("%s: HTTP %d %s", name, resp.StatusCode, b)
		}
		if want := map[string]int{"HTTP/1.1": 1, "h2c": 2}[name]; resp.ProtoMajor != want {
			t.Errorf("%s: answered over HTTP/%d", name, resp.ProtoMajor)
		}
	}
}

func TestCORSOnlyForAllowedOrigins(t *testing.T) {
	t.Parallel()
	c := &http.Client{Timeout: time.Minute}
	preflight := func(r *server.Running, origin string) *http.Response {
		return send(t, c, http.MethodOptions, "http://"+r.Addr()+"/v1/customers", "", "Origin", origin,
			"Access-Control-Request-Method", "POST", "Access-Control-Request-Headers", "authorization,content-type")
	}

	off := startHTTP(t, server.HTTPConfig{})
	if got := preflight(off, "https://app.example.com").Header.Get("Access-Control-Allow-Origin"); got != "" {
		t.Fatalf("CORS is off by default, yet Access-Control-Allow-Origin is %q", got)
	}

	on := startHTTP(t, server.HTTPConfig{AllowedOrigins: []string{"https://app.example.com"}})
	resp := preflight(on, "https://app.example.com")
	if resp.StatusCode != http.StatusNoContent || resp.Header.Get("Access-Control-Allow-Origin") != "https://app.example.com" ||
		!strings.Contains(resp.Header.Get("Access-Control-Allow-Headers"), "Authorization") ||
		!strings.Contains(resp.Header.Get("Access-Control-Allow-Methods"), "PATCH") {
		t.Fatalf("preflight from an allowed origin: %d %v", resp.StatusCode, resp.Header)
	}
	if got := preflight(on, "https://evil.example.com").Header.Get("Access-Control-Allow-Origin"); got != "" {
		t.Fatalf("another origin was allowed: %q", got)
	}
	resp = send(t, c, http.MethodPost, "http://"+on.Addr()+healthCheck, `{}`, "Content-Type", "application/json", "Connect-Protocol-Version", "1", "Origin", "https://app.example.com")
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Access-Control-Allow-Origin") != "https://app.example.com" ||
		!strings.Contains(resp.Header.Get("Access-Control-Expose-Headers"), "Grpc-Status") {
		t.Fatalf("call from an allowed origin: %d %v", resp.StatusCode, resp.Header)
	}
}

func TestRequestBodyLimit(t *testing.T) {
	t.Parallel()
	r := startHTTP(t, server.HTTPConfig{MaxBodyBytes: 1024})
	c := &http.Client{Timeout: time.Minute}
	big := `{"service":"` + strings.Repeat("x", 2048) + `"}`
	resp := send(t, c, http.MethodPost, "http://"+r.Addr()+healthCheck, big, "Content-Type", "application/json", "Connect-Protocol-Version", "1")
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusRequestEntityTooLarge || !strings.Contains(string(b), `"resource_exhausted"`) {
		t.Fatalf("oversized body: HTTP %d %s", resp.StatusCode, b)
	}
	// A body of unknown length is cut at the limit as well.
	req, _ := http.NewRequest(http.MethodPost, "http://"+r.Addr()+healthCheck, io.MultiReader(strings.NewReader(big)))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Connect-Protocol-Version", "1")
	req.ContentLength = -1
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode == http.StatusOK {
		t.Fatal("an oversized chunked body was accepted")
	}
}

// A client that stops sending its request over HTTP/1.1 is cut off once the
// read timeout passes, instead of holding the connection.
func TestHTTP1ReadTimeout(t *testing.T) {
	t.Parallel()
	r := startHTTP(t, server.HTTPConfig{ReadTimeout: time.Second})
	conn, err := net.Dial("tcp", r.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	_, err = io.WriteString(conn, "POST "+healthCheck+" HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{")
	if err != nil {
		t.Fatal(err)
	}
	// The server answers with an error or closes; either way the
	// connection ends long before this deadline.
	_ = conn.SetReadDeadline(time.Now().Add(60 * time.Second))
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err == nil {
		_, err = io.Copy(io.Discard, resp.Body)
		if resp.StatusCode == http.StatusOK {
			t.Fatalf("an unfinished request was answered 200")
		}
	}
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		t.Fatal("the server kept the stalled connection open")
	}
}

func TestLoadHTTPConfig(t *testing.T) {
	t.Parallel()
	env := config.FromMap(map[string]string{
		"CRM_HTTP_ALLOWED_ORIGINS": "https://App.example.com, http://localhost:5173/",
		"CRM_HTTP_MAX_BODY_BYTES":  "65536",
		"CRM_HTTP_READ_TIMEOUT":    "5s",
	})
	c := server.LoadHTTPConfig(env)
	if err := env.Err(); err != nil {
		t.Fatal(err)
	}
	if strings.Join(c.AllowedOrigins, " ") != "https://app.example.com http://localhost:5173" || c.MaxBodyBytes != 65536 ||
		c.ReadTimeout != 5*time.Second || c.WriteTimeout != server.DefaultWriteTimeout {
		t.Fatalf("parsed %+v", c)
	}
	env = config.FromMap(map[string]string{
		"CRM_HTTP_ALLOWED_ORIGINS": "https://ok.example.com,ftp://x,https://x.example.com/path",
		"CRM_HTTP_MAX_BODY_BYTES":  "12",
		"CRM_HTTP_WRITE_TIMEOUT":   "forever",
	})
	server.LoadHTTPConfig(env)
	err := env.Err()
	for _, want := range []string{`"ftp://x"`, `"https://x.example.com/path"`, "CRM_HTTP_MAX_BODY_BYTES", "CRM_HTTP_WRITE_TIMEOUT"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("error %v does not mention %s", err, want)
		}
	}
	if err != nil && strings.Contains(err.Error(), "ok.example.com") {
		t.Errorf("a good origin was refused: %v", err)
	}
}

// Connect with protobuf and gRPC-Web reach the same handlers as JSON.
func TestConnectProtoAndGRPCWeb(t *testing.T) {
	t.Parallel()
	r := startHTTP(t, server.HTTPConfig{})
	c := &http.Client{Timeout: time.Minute}
	req, err := proto.Marshal(&healthpb.HealthCheckRequest{Service: server.LivenessService})
	if err != nil {
		t.Fatal(err)
	}

	resp := send(t, c, http.MethodPost, "http://"+r.Addr()+healthCheck, string(req), "Content-Type", "application/proto", "Connect-Protocol-Version", "1")
	b, _ := io.ReadAll(resp.Body)
	var got healthpb.HealthCheckResponse
	if resp.StatusCode != http.StatusOK || proto.Unmarshal(b, &got) != nil || got.GetStatus() != healthpb.HealthCheckResponse_SERVING {
		t.Fatalf("Connect with protobuf: HTTP %d %q", resp.StatusCode, b)
	}

	// gRPC-Web: one length-prefixed message, then a trailer frame (flag 0x80).
	frame := append([]byte{0, 0, 0, 0, byte(len(req))}, req...)
	resp = send(t, c, http.MethodPost, "http://"+r.Addr()+healthCheck, string(frame), "Content-Type", "application/grpc-web+proto", "X-Grpc-Web", "1")
	b, _ = io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK || len(b) < 5 || b[0] != 0 {
		t.Fatalf("gRPC-Web: HTTP %d %q", resp.StatusCode, b)
	}
	n := int(b[1])<<24 | int(b[2])<<16 | int(b[3])<<8 | int(b[4])
	got.Reset()
	if err := proto.Unmarshal(b[5:5+n], &got); err != nil || got.GetStatus() != healthpb.HealthCheckResponse_SERVING {
		t.Fatalf("gRPC-Web message %q: %v", b, err)
	}
	if trailer := string(b[5+n:]); !strings.Contains(strings.ToLower(trailer), "grpc-status: 0") {
		t.Fatalf("gRPC-Web trailer %q", trailer)
	}
}
