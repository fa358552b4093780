// Package console serves the web console: the built single-page
// application and, on the same origin, the four services' APIs by reverse
// proxy, so a browser needs no CORS and one address.
//
// Connect and gRPC-Web calls (/crm.<package>.v1.<Service>/<Method>) go to
// the service owning the package; REST calls (/v1/...) go to the service
// owning the path's first collection (programs/1/accounts/customers/2 is
// loyalty's), except what other services keep under a customer
// (customers/1/interactions is interaction-log's). What every service
// serves (crm.status.v1, crm.audit.v1, /v1/status, /v1/auditEntries) goes
// to the service the X-CRM-Service header names; the header, when present,
// picks the service of any API path. Anything else is a file of the
// application, or its index.html for the application's own routes.
package console

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net/http"
	"net/http/httputil"
	"net/url"
	"path"
	"strings"
	"time"

	"github.com/opencrm/crm/pkg/config"
)

// Backends are the base URLs of the four services (http://host:port; the
// services serve Connect, gRPC-Web and REST over HTTP/1.1 and h2c).
type Backends struct {
	Profile, Interaction, Segmentation, Loyalty *url.URL
}

// Config is the console's configuration.
type Config struct {
	ListenAddr string
	Backends   Backends
	// StaticDir, when set, serves the application from this folder instead
	// of the files built into the binary (for development).
	StaticDir       string
	ShutdownTimeout time.Duration
}

// FromEnv reads the configuration: CRM_LISTEN_ADDR, CRM_PROFILE_ADDR,
// CRM_INTERACTION_ADDR, CRM_SEGMENTATION_ADDR, CRM_LOYALTY_ADDR (host:port
// or a URL), CRM_CONSOLE_STATIC_DIR, CRM_SHUTDOWN_TIMEOUT.
func FromEnv(env *config.Env) (Config, error) {
	c := Config{
		ListenAddr:      env.String("CRM_LISTEN_ADDR", ":8080"),
		StaticDir:       env.String("CRM_CONSOLE_STATIC_DIR", ""),
		ShutdownTimeout: env.Duration("CRM_SHUTDOWN_TIMEOUT", 20*time.Second, time.Second, 10*time.Minute),
	}
	backend := func(name, what string) *url.URL {
		v := env.Required(name, "address of "+what+" (host:port or http://host:port)")
		if v == "" {
			return nil
		}
		u, err := BackendURL(v)
		if err != nil {
			env.Fail(name, "%v", err)
		}
		return u
	}
	c.Backends = Backends{
		Profile:      backend("CRM_PROFILE_ADDR", "customer-profile"),
		Interaction:  backend("CRM_INTERACTION_ADDR", "interaction-log"),
		Segmentation: backend("CRM_SEGMENTATION_ADDR", "segmentation"),
		Loyalty:      backend("CRM_LOYALTY_ADDR", "loyalty"),
	}
	return c, env.Err()
}

// BackendURL reads a service address: host:port (plain HTTP) or an http or
// https URL.
func BackendURL(s string) (*url.URL, error) {
	if !strings.Contains(s, "://") {
		s = "http://" + s
	}
	u, err := url.Parse(s)
	if err != nil {
		return nil, fmt.Errorf("%q is not an address: %w", s, err)
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || (u.Path != "" && u.Path != "/") {
		return nil, fmt.Errorf("%q is not host:port or http(s)://host:port", s)
	}
	return u, nil
}

// ServiceHeader names the service a call is for: profile, interaction,
// segmentation or loyalty. Required on the paths every service serves.
const ServiceHeader = "X-Crm-Service"

// Which service owns an RPC package, and which a REST collection.
var (
	// The header's service names.
	services = map[string]string{
		"profile": "crm.customer.v1", "interaction": "crm.interaction.v1",
		"segmentation": "crm.segmentation.v1", "loyalty": "crm.loyalty.v1",
	}
	// What every service serves: only the header says which one is meant.
	shared   = map[string]bool{"crm.status.v1": true, "crm.audit.v1": true}
	packages = map[string]func(Backends) *url.URL{
		"crm.customer.v1":     func(b Backends) *url.URL { return b.Profile },
		"crm.interaction.v1":  func(b Backends) *url.URL { return b.Interaction },
		"crm.segmentation.v1": func(b Backends) *url.URL { return b.Segmentation },
		"crm.loyalty.v1":      func(b Backends) *url.URL { return b.Loyalty },
	}
	// REST paths by their first collection: /v1/cases/1:transition.
	collections = map[string]string{
		"customers":    "crm.customer.v1",
		"interactions": "crm.interaction.v1", "cases": "crm.interaction.v1",
		"segments": "crm.segmentation.v1", "runs": "crm.segmentation.v1", "settings": "crm.segmentation.v1", "report": "crm.segmentation.v1",
		"programs": "crm.loyalty.v1", "redemptions": "crm.loyalty.v1",
		"status": "crm.status.v1", "auditEntries": "crm.audit.v1",
	}
	// What other services keep under a customer: /v1/customers/1/segments.
	customerParts = map[string]string{
		"merges":       "crm.customer.v1",
		"interactions": "crm.interaction.v1", "activity": "crm.interaction.v1",
		"segments": "crm.segmentation.v1",
	}
)

// Route names the RPC package of an API path (crm.status.v1 and
// crm.audit.v1 are every service's: see Pick), and whether the path is an
// API path at all.
func Route(p string) (pkg string, api bool) {
	if rest, ok := strings.CutPrefix(p, "/v1/"); ok {
		segs := strings.Split(rest, "/")
		top, _, _ := strings.Cut(segs[0], ":") // custom methods: customers:search
		pkg = collections[top]
		if top == "customers" && len(segs) > 2 {
			sub, _, _ := strings.Cut(segs[2], ":")
			pkg = customerParts[sub]
		}
		return pkg, true
	}
	if strings.HasPrefix(p, "/crm.") {
		svc, _, _ := strings.Cut(p[1:], "/")
		if i := strings.LastIndexByte(svc, '.'); i > 0 {
			pkg = svc[:i]
		}
		if _, ok := packages[pkg]; !ok && !shared[pkg] {
			pkg = ""
		}
		return pkg, true
	}
	return "", false
}

// Pick names the package whose service answers an API call of package pkg
// (from Route) with the ServiceHeader value service ("" when absent). The
// header wins when present; a shared package needs it.
func Pick(pkg, service string) (string, error) {
	if service != "" {
		p, ok := services[service]
		if !ok {
			return "", fmt.Errorf("%s: %q is not profile, interaction, segmentation or loyalty", ServiceHeader, service)
		}
		return p, nil
	}
	if shared[pkg] {
		return "", fmt.Errorf("every service serves %s: name the one meant in the %s header (profile, interaction, segmentation or loyalty)", pkg, ServiceHeader)
	}
	return pkg, nil
}

// Handler serves the API paths by proxy and the application from app.
func Handler(b Backends, app fs.FS, log *slog.Logger) http.Handler {
	proxies := map[string]http.Handler{}
	for pkg, pick := range packages {
		target := pick(b)
		proxies[pkg] = &httputil.ReverseProxy{
			Rewrite: func(r *httputil.ProxyRequest) {
				r.SetURL(target)
				r.SetXForwarded()
				r.Out.Header.Del(ServiceHeader)
			},
			// Server streams (WatchRun) must reach the browser as they come.
			FlushInterval: -1,
			ErrorHandler: func(w http.ResponseWriter, r *http.Request, err error) {
				log.Warn("proxy", "path", r.URL.Path, "backend", target.Host, "err", err)
				http.Error(w, "the service behind this path is not reachable", http.StatusBadGateway)
			},
		}
	}
	static := staticHandler(app)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case SessionPath:
			session(w, r)
			return
		case HealthPath:
			// The console holds no state: serving is being healthy.
			_, _ = io.WriteString(w, "ok\n")
			return
		}
		pkg, api := Route(r.URL.Path)
		if !api {
			static.ServeHTTP(w, r)
			return
		}
		pkg, err := Pick(pkg, r.Header.Get(ServiceHeader))
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		p, ok := proxies[pkg]
		if !ok {
			http.NotFound(w, r)
			return
		}
		p.ServeHTTP(w, r)
	})
}

// HealthPath answers the orchestrator's probes.
const HealthPath = "/console/healthz"

// SessionPath tells the application whether a sign-in proxy in front of
// the console (oauth2-proxy and the like) adds the bearer token to the
// requests, in which case the application asks for none.
const SessionPath = "/console/session"

func session(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "no-store")
	if !strings.HasPrefix(r.Header.Get("Authorization"), "Bearer ") {
		http.Error(w, "no token forwarded: sign in with a token", http.StatusUnauthorized)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_, _ = io.WriteString(w, `{"forwarded":true}`)
}

// staticHandler serves the application's files; a path that names no file
// and has no extension is one of the application's routes (/customers/12)
// and gets index.html, which routes in the browser.
func staticHandler(app fs.FS) http.Handler {
	files := http.FileServerFS(app)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		name := strings.TrimPrefix(path.Clean(r.URL.Path), "/")
		if name == "" {
			name = "."
		}
		st, err := fs.Stat(app, name)
		switch {
		case err == nil && !st.IsDir():
			// Built assets carry a content hash in their names: keep them.
			if strings.HasPrefix(name, "assets/") {
				w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
			}
			files.ServeHTTP(w, r)
		case (err == nil && st.IsDir()) || (errors.Is(err, fs.ErrNotExist) && path.Ext(name) == ""):
			serveIndex(w, r, app)
		default:
			http.NotFound(w, r)
		}
	})
}

func serveIndex(w http.ResponseWriter, r *http.Request, app fs.FS) {
	b, err := fs.ReadFile(app, "index.html")
	if err != nil {
		http.Error(w, "the console's application is not built into this binary: build web/console (npm ci && npm run build) or set CRM_CONSOLE_STATIC_DIR",
			http.StatusServiceUnavailable)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	// index.html names the current assets: never keep an old one.
	w.Header().Set("Cache-Control", "no-cache")
	// The sign-in token may arrive in the fragment: do not leak the page
	// address to other origins.
	w.Header().Set("Referrer-Policy", "no-referrer")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("Content-Security-Policy", "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; frame-ancestors 'none'")
	if r.Method == http.MethodHead {
		return
	}
	_, _ = w.Write(b)
}
