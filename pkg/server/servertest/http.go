package servertest

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	spb "google.golang.org/genproto/googleapis/rpc/status"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/anypb"
)

// HTTP calls a test server with Go's net/http client over HTTP/1.1: REST
// routes and the Connect protocol with JSON, as a script or browser does.
type HTTP struct {
	// Base is "http://host:port".
	Base   string
	Client *http.Client
}

// HTTP returns an HTTP/1.1 client of the server.
func (s *Server) HTTP() *HTTP {
	return &HTTP{Base: "http://" + s.Addr(), Client: &http.Client{Timeout: 60 * time.Second}}
}

// Response is an HTTP response read whole.
type Response struct {
	Status int
	Header http.Header
	Body   []byte
}

// Do sends a request with a JSON body (nil for none, a string as is,
// anything else encoded with encoding/json) and, unless token is empty,
// "Authorization: Bearer token"; header adds further headers.
func (c *HTTP) Do(t testing.TB, method, path, token string, body any, header ...string) *Response {
	t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	default:
		j, err := json.Marshal(b)
		if err != nil {
			t.Fatal(err)
		}
		rd = bytes.NewReader(j)
	}
	req, err := http.NewRequestWithContext(t.Context(), method, c.Base+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := c.Client.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer func() { _ = resp.Body.Close() }()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s %s: read body: %v", method, path, err)
	}
	return &Response{Status: resp.StatusCode, Header: resp.Header, Body: b}
}

// Connect calls a unary method ("/pkg.Service/Method") with the Connect
// protocol and JSON.
func (c *HTTP) Connect(t testing.TB, procedure, token string, body any) *Response {
	t.Helper()
	return c.Do(t, http.MethodPost, procedure, token, body, "Connect-Protocol-Version", "1")
}

// OK fails the test unless the response is 200, and decodes its JSON into
// out (a proto message, or anything encoding/json decodes).
func (r *Response) OK(t testing.TB, out any) {
	t.Helper()
	if r.Status != http.StatusOK {
		t.Fatalf("HTTP %d, want 200: %s", r.Status, r.Body)
	}
	if out == nil {
		return
	}
	var err error
	if m, ok := out.(proto.Message); ok {
		err = protojson.Unmarshal(r.Body, m)
	} else {
		err = json.Unmarshal(r.Body, out)
	}
	if err != nil {
		t.Fatalf("decode %s: %v", r.Body, err)
	}
}

// RPCStatus decodes the error in the body: a google.rpc.Status from a REST
// route, or a Connect error (code name, message, base64 details).
func (r *Response) RPCStatus(t testing.TB) *status.Status {
	t.Helper()
	st := &spb.Status{}
	if err := protojson.Unmarshal(r.Body, st); err == nil {
		return status.FromProto(st)
	}
	var ce struct {
		Code    string `json:"code"`
		Message string `json:"message"`
		Details []struct {
			Type  string `json:"type"`
			Value string `json:"value"`
		} `json:"details"`
	}
	if err := json.Unmarshal(r.Body, &ce); err != nil || ce.Code == "" {
		t.Fatalf("HTTP %d with neither a google.rpc.Status nor a Connect error: %s", r.Status, r.Body)
	}
	st = &spb.Status{Code: int32(connectCode(t, ce.Code)), Message: ce.Message} //nolint:gosec // gRPC codes run from 0 to 16
	for _, d := range ce.Details {
		v, err := base64.RawStdEncoding.DecodeString(strings.TrimRight(d.Value, "="))
		if err != nil {
			t.Fatalf("detail %s: %v", d.Type, err)
		}
		st.Details = append(st.Details, &anypb.Any{TypeUrl: "type.googleapis.com/" + d.Type, Value: v})
	}
	return status.FromProto(st)
}

func connectCode(t testing.TB, name string) codes.Code {
	t.Helper()
	for c := codes.OK; c <= codes.Unauthenticated; c++ {
		if strings.ReplaceAll(strings.ToLower(c.String()), "_", "") == strings.ReplaceAll(name, "_", "") {
			return c
		}
	}
	t.Fatalf("unknown Connect code %q", name)
	return codes.Unknown
}

// WantHTTP fails the test unless the response has the HTTP status and an
// error body with the code and, when field is set, a field violation
// naming it. It returns the status for further checks of its details.
func (r *Response) WantHTTP(t testing.TB, httpStatus int, code codes.Code, field string) *status.Status {
	t.Helper()
	if r.Status != httpStatus {
		t.Fatalf("HTTP %d, want %d: %s", r.Status, httpStatus, r.Body)
	}
	st := r.RPCStatus(t)
	WantCode(t, st.Err(), code, field)
	return st
}

// ConnectStream calls a server-streaming method with the Connect protocol
// and JSON, and returns the first n messages' JSON. The stream must not
// end with an error before them.
func (c *HTTP) ConnectStream(t testing.TB, procedure, token string, body any, n int) []json.RawMessage {
	t.Helper()
	j, err := json.Marshal(body)
	if err != nil {
		t.Fatal(err)
	}
	frame := make([]byte, 5, 5+len(j))
	binary.BigEndian.PutUint32(frame[1:], uint32(len(j))) //nolint:gosec // a test's request body is far below 4 GiB
	req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, c.Base+procedure, bytes.NewReader(append(frame, j...)))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/connect+json")
	req.Header.Set("Connect-Protocol-Version", "1")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := c.Client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = resp.Body.Close() }()
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(resp.Body)
		t.Fatalf("stream: HTTP %d: %s", resp.StatusCode, b)
	}
	rd := bufio.NewReader(resp.Body)
	var out []json.RawMessage
	for len(out) < n {
		flags, msg, err := readEnvelope(rd)
		if err != nil {
			t.Fatalf("stream after %d messages: %v", len(out), err)
		}
		if flags&2 != 0 { // end of stream
			t.Fatalf("stream ended after %d of %d messages: %s", len(out), n, msg)
		}
		out = append(out, msg)
	}
	return out
}

func readEnvelope(rd io.Reader) (byte, []byte, error) {
	var hdr [5]byte
	if _, err := io.ReadFull(rd, hdr[:]); err != nil {
		return 0, nil, fmt.Errorf("read envelope: %w", err)
	}
	if hdr[0]&1 != 0 {
		return 0, nil, errors.New("compressed message: not asked for")
	}
	msg := make([]byte, binary.BigEndian.Uint32(hdr[1:]))
	if _, err := io.ReadFull(rd, msg); err != nil {
		return 0, nil, fmt.Errorf("read message: %w", err)
	}
	return hdr[0], msg, nil
}
