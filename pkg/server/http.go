package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	"connectrpc.com/vanguard/vanguardgrpc"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"

	"github.com/opencrm/crm/pkg/config"
)

// HTTPConfig tunes what the service's port serves besides native gRPC:
// REST (from the google.api.http routes), Connect and gRPC-Web, over
// HTTP/1.1 and HTTP/2 without TLS (h2c).
type HTTPConfig struct {
	// AllowedOrigins are the browser origins allowed to call the API
	// (CRM_HTTP_ALLOWED_ORIGINS, comma-separated, "*" for any). Empty turns
	// CORS off: browsers then refuse cross-origin calls.
	AllowedOrigins []string
	// MaxBodyBytes bounds a unary call's request body and each message of a
	// stream, in every protocol (CRM_HTTP_MAX_BODY_BYTES).
	MaxBodyBytes int64
	// ReadTimeout and WriteTimeout bound reading a request and writing its
	// response over HTTP/1.1 (CRM_HTTP_READ_TIMEOUT, CRM_HTTP_WRITE_TIMEOUT).
	// Streams and HTTP/2 calls are not cut: they end with the caller's
	// deadline, or by the server's graceful stop.
	ReadTimeout  time.Duration
	WriteTimeout time.Duration
}

// Defaults of HTTPConfig, also used for zero fields.
const (
	DefaultMaxBodyBytes = 4 << 20
	DefaultReadTimeout  = 30 * time.Second
	DefaultWriteTimeout = 60 * time.Second
)

// LoadHTTPConfig reads the CRM_HTTP_ settings.
func LoadHTTPConfig(env *config.Env) HTTPConfig {
	c := HTTPConfig{
		MaxBodyBytes: int64(env.Int("CRM_HTTP_MAX_BODY_BYTES", DefaultMaxBodyBytes, 1<<10, 64<<20)),
		ReadTimeout:  env.Duration("CRM_HTTP_READ_TIMEOUT", DefaultReadTimeout, time.Second, 10*time.Minute),
		WriteTimeout: env.Duration("CRM_HTTP_WRITE_TIMEOUT", DefaultWriteTimeout, time.Second, 10*time.Minute),
	}
	for o := range strings.SplitSeq(env.String("CRM_HTTP_ALLOWED_ORIGINS", ""), ",") {
		if o = strings.TrimSpace(o); o == "" {
			continue
		}
		origin, err := parseOrigin(o)
		if err != nil {
			env.Fail("CRM_HTTP_ALLOWED_ORIGINS", "%q %v", o, err)
			continue
		}
		c.AllowedOrigins = append(c.AllowedOrigins, origin)
	}
	return c
}

// parseOrigin checks an allowed origin, "*" or scheme://host[:port], and
// returns it as browsers send it in the Origin header.
func parseOrigin(s string) (string, error) {
	if s == "*" {
		return s, nil
	}
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil ||
		(u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.Fragment != "" {
		return "", errors.New("is not an origin: write scheme://host[:port], for example https://crm.example.com, or *")
	}
	return strings.ToLower(u.Scheme + "://" + u.Host), nil
}

func (c HTTPConfig) withDefaults() HTTPConfig {
	if c.MaxBodyBytes <= 0 {
		c.MaxBodyBytes = DefaultMaxBodyBytes
	}
	if c.ReadTimeout <= 0 {
		c.ReadTimeout = DefaultReadTimeout
	}
	if c.WriteTimeout <= 0 {
		c.WriteTimeout = DefaultWriteTimeout
	}
	return c
}

// newHTTPServer serves every protocol on one port. Native gRPC goes
// straight to grpc-go; REST, Connect and gRPC-Web go through vanguard,
// which transcodes them to gRPC calls of the same server, so every call
// passes the same interceptors, stats handler (tracing) and handlers.
func newHTTPServer(gs *grpc.Server, cfg HTTPConfig, log *slog.Logger) (*http.Server, error) {
	transcoder, err := vanguardgrpc.NewTranscoder(gs)
	if err != nil {
		return nil, fmt.Errorf("build the HTTP transcoder: %w", err)
	}
	streams := map[string]bool{}
	for name, info := range gs.GetServiceInfo() {
		for _, m := range info.Methods {
			if m.IsClientStream || m.IsServerStream {
				streams["/"+name+"/"+m.Name] = true
			}
		}
	}
	h := &httpHandler{grpc: gs, transcoder: transcoder, cfg: cfg, streams: streams}
	var protocols http.Protocols
	protocols.SetHTTP1(true)
	protocols.SetUnencryptedHTTP2(true)
	return &http.Server{
		Handler:           h,
		Protocols:         &protocols,
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelDebug),
	}, nil
}

type httpHandler struct {
	grpc       *grpc.Server
	transcoder http.Handler
	cfg        HTTPConfig
	// streams holds the paths ("/pkg.Service/Method") of streaming methods.
	streams map[string]bool
}

// isGRPC reports a native gRPC content type (not gRPC-Web).
func isGRPC(contentType string) bool {
	return contentType == "application/grpc" || strings.HasPrefix(contentType, "application/grpc+") ||
		strings.HasPrefix(contentType, "application/grpc;")
}

func (h *httpHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.ProtoMajor == 2 && isGRPC(r.Header.Get("Content-Type")) {
		h.grpc.ServeHTTP(w, r)
		return
	}
	if h.cors(w, r) {
		return
	}
	stream := h.streams[r.URL.Path]
	if r.ProtoMajor == 1 {
		rc := http.NewResponseController(w)
		read, write := time.Time{}, time.Time{}
		if !stream {
			now := time.Now()
			read, write = now.Add(h.cfg.ReadTimeout), now.Add(h.cfg.WriteTimeout)
		}
		// A keep-alive connection keeps the deadlines of its last request.
		_ = rc.SetReadDeadline(read)
		_ = rc.SetWriteDeadline(write)
	}
	// A stream's messages are bounded one by one (grpc.MaxRecvMsgSize); a
	// unary call's whole body here.
	if !stream {
		if r.ContentLength > h.cfg.MaxBodyBytes {
			writeHTTPError(w, r, http.StatusRequestEntityTooLarge, codes.ResourceExhausted,
				fmt.Sprintf("the request body exceeds %d bytes", h.cfg.MaxBodyBytes))
			return
		}
		r.Body = http.MaxBytesReader(w, r.Body, h.cfg.MaxBodyBytes)
	}
	o := &outcome{}
	h.transcoder.ServeHTTP(&statusWriter{ResponseWriter: w, outcome: o}, r.WithContext(context.WithValue(r.Context(), outcomeKey{}, o)))
}

// CORS: what browsers may send and read. Connect and gRPC-Web put their
// status in these headers; the API needs the bearer token and trace context.
var (
	corsMethods        = "GET, POST, PUT, PATCH, DELETE"
	corsAllowedHeaders = "Authorization, Content-Type, Connect-Protocol-Version, Connect-Timeout-Ms, Grpc-Timeout, " +
		"X-Grpc-Web, X-User-Agent, Traceparent, Tracestate"
	corsExposedHeaders = "Grpc-Status, Grpc-Message, Grpc-Status-Details-Bin, Content-Encoding, Connect-Content-Encoding"
)

// cors adds the CORS headers for an allowed origin and answers preflight
// requests; it reports whether the request was answered.
func (h *httpHandler) cors(w http.ResponseWriter, r *http.Request) bool {
	origin := r.Header.Get("Origin")
	if origin == "" || len(h.cfg.AllowedOrigins) == 0 {
		return false
	}
	hdr := w.Header()
	hdr.Add("Vary", "Origin")
	if !slices.Contains(h.cfg.AllowedOrigins, "*") && !slices.Contains(h.cfg.AllowedOrigins, strings.ToLower(origin)) {
		return false
	}
	hdr.Set("Access-Control-Allow-Origin", origin)
	if r.Method == http.MethodOptions && r.Header.Get("Access-Control-Request-Method") != "" {
		hdr.Add("Vary", "Access-Control-Request-Method")
		hdr.Add("Vary", "Access-Control-Request-Headers")
		hdr.Set("Access-Control-Allow-Methods", corsMethods)
		hdr.Set("Access-Control-Allow-Headers", corsAllowedHeaders)
		hdr.Set("Access-Control-Max-Age", "7200")
		w.WriteHeader(http.StatusNoContent)
		return true
	}
	hdr.Set("Access-Control-Expose-Headers", corsExposedHeaders)
	return false
}

// writeHTTPError answers a call refused before it reaches the transcoder:
// REST callers get a google.rpc.Status, Connect callers a Connect error.
func writeHTTPError(w http.ResponseWriter, r *http.Request, httpCode int, code codes.Code, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(httpCode)
	if strings.HasPrefix(r.URL.Path, "/v1/") {
		_, _ = fmt.Fprintf(w, `{"code":%d,"message":%q,"details":[]}`, code, msg)
		return
	}
	_, _ = fmt.Fprintf(w, `{"code":%q,"message":%q}`, connectCodeName(code), msg)
}

// connectCodeName is the Connect protocol's name of a code.
func connectCodeName(c codes.Code) string {
	var b strings.Builder
	for i, r := range c.String() {
		if r >= 'A' && r <= 'Z' {
			if i > 0 {
				b.WriteByte('_')
			}
			r += 'a' - 'A'
		}
		b.WriteRune(r)
	}
	return b.String()
}

// outcome carries a call's gRPC code from the interceptor chain to the
// HTTP response, for the HTTP statuses the transcoder cannot tell apart.
type outcome struct{ code atomic.Uint32 }

type outcomeKey struct{}

// noteCode records the code of a call made over HTTP (by the transcoder).
func noteCode(ctx context.Context, code codes.Code) {
	if o, ok := ctx.Value(outcomeKey{}).(*outcome); ok {
		o.code.Store(uint32(code))
	}
}

// statusWriter gives FAILED_PRECONDITION its own HTTP status, 412, which
// the transcoder folds into 400 with INVALID_ARGUMENT and OUT_OF_RANGE.
type statusWriter struct {
	http.ResponseWriter
	outcome *outcome
}

func (w *statusWriter) WriteHeader(code int) {
	if code == http.StatusBadRequest && codes.Code(w.outcome.code.Load()) == codes.FailedPrecondition {
		code = http.StatusPreconditionFailed
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Flush() {
	if f, ok := w.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

// Unwrap lets http.ResponseController reach the connection.
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }
