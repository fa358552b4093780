package console

import (
	"bufio"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/opencrm/crm/pkg/config"
)

// backend answers every request with its name and the path it received.
func backend(t *testing.T, name string) *url.URL {
	t.Helper()
	s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		w.Header().Set("X-Forwarded-Seen", r.Header.Get("X-Forwarded-For"))
		io.WriteString(w, name+" "+r.Method+" "+r.URL.RequestURI()+" "+r.Header.Get("Authorization")+" "+string(body))
	}))
	t.Cleanup(s.Close)
	u, _ := url.Parse(s.URL)
	return u
}

var app = fstest.MapFS{
	"index.html":           {Data: []byte("<!doctype html><title>console</title>")},
	"assets/index-abc.js":  {Data: []byte("console.log(1)")},
	"assets/index-abc.css": {Data: []byte("body{}")},
	"favicon.svg":          {Data: []byte("<svg/>")},
}

func newConsole(t *testing.T) *httptest.Server {
	t.Helper()
	b := Backends{Profile: backend(t, "profile"), Interaction: backend(t, "interaction"),
		Segmentation: backend(t, "segmentation"), Loyalty: backend(t, "loyalty")}
	s := httptest.NewServer(Handler(b, app, slog.New(slog.DiscardHandler)))
	t.Cleanup(s.Close)
	return s
}

func do(t *testing.T, method, u, body string) (int, http.Header, string) {
	t.Helper()
	req, _ := http.NewRequest(method, u, strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer tok")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, res.Header, string(b)
}

func TestAPICallsReachTheOwningService(t *testing.T) {
	s := newConsole(t)
	for _, c := range []struct{ method, path, want string }{
		{"POST", "/crm.customer.v1.CustomerService/SearchCustomers", "profile"},
		{"POST", "/crm.interaction.v1.InteractionService/ListCases", "interaction"},
		{"POST", "/crm.segmentation.v1.SegmentationService/WatchRun", "segmentation"},
		{"POST", "/crm.loyalty.v1.LoyaltyService/GetAccount", "loyalty"},
		{http.MethodGet, "/v1/customers/c1", "profile"},
		{http.MethodGet, "/v1/customers?page_size=10&order_by=display_name", "profile"},
		{"POST", "/v1/customers:merge", "profile"},
		{"POST", "/v1/customers/c1:erase", "profile"},
		{http.MethodGet, "/v1/customers/c1/merges", "profile"},
		{http.MethodGet, "/v1/customers/c1/interactions?page_size=5", "interaction"},
		{http.MethodGet, "/v1/customers/c1/activity", "interaction"},
		{http.MethodGet, "/v1/customers/c1/segments", "segmentation"},
		{"POST", "/v1/interactions", "interaction"},
		{"POST", "/v1/cases/k1:transition", "interaction"},
		{http.MethodGet, "/v1/cases:statistics", "interaction"},
		{"POST", "/v1/cases/k1/followUps", "interaction"},
		{http.MethodGet, "/v1/report", "segmentation"},
		{"PATCH", "/v1/settings?update_mask=window_days", "segmentation"},
		{"POST", "/v1/runs", "segmentation"},
		{"PATCH", "/v1/segments/s1?update_mask=rule", "segmentation"},
		{http.MethodGet, "/v1/segments/s1/members", "segmentation"},
		{http.MethodGet, "/v1/programs/p1/accounts/customers/c1", "loyalty"},
		{"POST", "/v1/programs/p1/accounts/customers/c1:earn", "loyalty"},
		{http.MethodGet, "/v1/programs/p1/accounts/customers/c1/ledgerEntries", "loyalty"},
		{"POST", "/v1/programs/p1/rewards/r1:redeem", "loyalty"},
		{"POST", "/v1/redemptions/x1:cancel", "loyalty"},
	} {
		code, _, body := do(t, c.method, s.URL+c.path, `{"a":1}`)
		want := c.want + " " + c.method + " " + c.path + " Bearer tok " + `{"a":1}`
		if code != 200 || body != want {
			t.Errorf("%s %s: %d %q, want 200 %q", c.method, c.path, code, body, want)
		}
	}
}

func TestHeaderPicksTheServiceOfSharedPaths(t *testing.T) {
	s := newConsole(t)
	call := func(method, path, service string) (int, string) {
		req, _ := http.NewRequest(method, s.URL+path, strings.NewReader("{}"))
		if service != "" {
			// Spelt as the web console's api.ts sends it (set as is, not
			// canonicalised): the server must match it whatever its case.
			req.Header["X-CRM-Service"] = []string{service}
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res.StatusCode, string(b)
	}
	for _, c := range []struct{ method, path string }{
		{"POST", "/crm.status.v1.StatusService/GetStatus"},
		{"POST", "/crm.audit.v1.AuditService/ListAuditEntries"},
		{http.MethodGet, "/v1/status"},
		{http.MethodGet, "/v1/auditEntries?filter.customer=customers/c1"},
	} {
		for _, svc := range []string{"profile", "interaction", "segmentation", "loyalty"} {
			code, body := call(c.method, c.path, svc)
			if want := svc + " " + c.method + " " + c.path + "  {}"; code != 200 || body != want {
				t.Errorf("%s %s with %s: %d %q, want 200 %q", c.method, c.path, svc, code, body, want)
			}
		}
		// Without the header the path names no service: the answer says how to name one.
		if code, body := call(c.method, c.path, ""); code != http.StatusBadRequest || !strings.Contains(body, ServiceHeader) {
			t.Errorf("%s %s without the header: %d %q, want 400 naming the header", c.method, c.path, code, body)
		}
		if code, body := call(c.method, c.path, "billing"); code != http.StatusBadRequest || !strings.Contains(body, `"billing"`) {
			t.Errorf("%s %s with billing: %d %q, want 400 naming the value", c.method, c.path, code, body)
		}
	}
	// The header wins on any API path (a client of one service sends it on every call).
	if code, body := call(http.MethodGet, "/v1/cases", "loyalty"); code != 200 || !strings.HasPrefix(body, "loyalty ") {
		t.Errorf("/v1/cases with loyalty: %d %q", code, body)
	}
	// The header is the console's: the service does not see it.
	seen := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "["+r.Header.Get(ServiceHeader)+"]")
	}))
	defer seen.Close()
	u, _ := url.Parse(seen.URL)
	s2 := httptest.NewServer(Handler(Backends{Profile: u, Interaction: u, Segmentation: u, Loyalty: u}, app, slog.New(slog.DiscardHandler)))
	defer s2.Close()
	req, _ := http.NewRequest(http.MethodGet, s2.URL+"/v1/status", nil)
	req.Header.Set(ServiceHeader, "interaction")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if string(b) != "[]" {
		t.Errorf("the service saw the header: %q", b)
	}
}

func TestUnknownAPIPathsAreNotFound(t *testing.T) {
	s := newConsole(t)
	for _, p := range []string{
		"/crm.billing.v1.BillingService/Pay",
		"/crm.customer/Get",
		"/crm.",
		"/v1/invoices/1",
		"/v1/customers/c1/invoices",
		"/v1/",
	} {
		if code, _, body := do(t, "POST", s.URL+p, ""); code != http.StatusNotFound {
			t.Errorf("POST %s: %d %q, want 404", p, code, body)
		}
		// Not the application either: an API path never falls back to it.
		if code, _, body := do(t, http.MethodGet, s.URL+p, ""); code != http.StatusNotFound || strings.Contains(body, "<title>console") {
			t.Errorf("GET %s: %d %q, want 404", p, code, body)
		}
	}
}

func TestStaticFilesAndApplicationRoutes(t *testing.T) {
	s := newConsole(t)
	code, h, body := do(t, http.MethodGet, s.URL+"/assets/index-abc.js", "")
	if code != 200 || body != "console.log(1)" || !strings.Contains(h.Get("Content-Type"), "javascript") ||
		!strings.Contains(h.Get("Cache-Control"), "immutable") {
		t.Errorf("asset: %d %v %q", code, h, body)
	}
	for _, p := range []string{"/", "/customers", "/customers/c1", "/analysis/rfm", "/signin"} {
		code, h, body := do(t, http.MethodGet, s.URL+p, "")
		if code != 200 || !strings.Contains(body, "<title>console") || h.Get("Cache-Control") != "no-cache" ||
			h.Get("Referrer-Policy") != "no-referrer" {
			t.Errorf("GET %s: %d %v %q, want index.html", p, code, h, body)
		}
	}
	// A missing asset is a 404, not index.html served as JavaScript.
	for _, p := range []string{"/assets/gone-123.js", "/favicon.ico"} {
		if code, _, body := do(t, http.MethodGet, s.URL+p, ""); code != http.StatusNotFound {
			t.Errorf("GET %s: %d %q, want 404", p, code, body)
		}
	}
	if code, _, _ := do(t, "POST", s.URL+"/customers", ""); code != http.StatusMethodNotAllowed {
		t.Errorf("POST /customers: %d, want 405", code)
	}
}

func TestHealth(t *testing.T) {
	s := newConsole(t)
	if code, _, body := do(t, http.MethodGet, s.URL+HealthPath, ""); code != 200 || body != "ok\n" {
		t.Errorf("%d %q", code, body)
	}
}

func TestUnbuiltApplicationSaysHowToBuildIt(t *testing.T) {
	s := httptest.NewServer(Handler(Backends{}, fstest.MapFS{}, slog.New(slog.DiscardHandler)))
	defer s.Close()
	code, _, body := do(t, http.MethodGet, s.URL+"/", "")
	if code != http.StatusServiceUnavailable || !strings.Contains(body, "npm run build") {
		t.Errorf("%d %q", code, body)
	}
}

func TestUnreachableServiceIsBadGateway(t *testing.T) {
	// A port that was free a moment ago refuses connections.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	u, _ := url.Parse("http://" + ln.Addr().String())
	ln.Close()
	s := httptest.NewServer(Handler(Backends{Profile: u, Interaction: u, Segmentation: u, Loyalty: u}, app, slog.New(slog.DiscardHandler)))
	defer s.Close()
	if code, _, _ := do(t, "POST", s.URL+"/crm.loyalty.v1.LoyaltyService/GetAccount", "{}"); code != http.StatusBadGateway {
		t.Errorf("%d, want 502", code)
	}
}

func TestStreamsReachTheBrowserAsTheyCome(t *testing.T) {
	release := make(chan struct{})
	seg := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "progress 10%\n")
		w.(http.Flusher).Flush()
		<-release // the rest waits until the first message was read
		io.WriteString(w, "done\n")
	}))
	defer seg.Close()
	defer close(release)
	u, _ := url.Parse(seg.URL)
	s := httptest.NewServer(Handler(Backends{Profile: u, Interaction: u, Segmentation: u, Loyalty: u}, app, slog.New(slog.DiscardHandler)))
	defer s.Close()
	res, err := http.Post(s.URL+"/crm.segmentation.v1.SegmentationService/WatchRun", "application/connect+json", strings.NewReader("{}"))
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	line, err := bufio.NewReader(res.Body).ReadString('\n')
	if err != nil || line != "progress 10%\n" {
		t.Fatalf("first message %q, %v", line, err)
	}
}

func TestConfigurationFromEnvironment(t *testing.T) {
	c, err := FromEnv(config.FromMap(map[string]string{
		"CRM_PROFILE_ADDR": "127.0.0.1:50051", "CRM_INTERACTION_ADDR": "http://interaction-log:50052",
		"CRM_SEGMENTATION_ADDR": "https://seg.example:443", "CRM_LOYALTY_ADDR": "loyalty:50054",
	}))
	if err != nil {
		t.Fatal(err)
	}
	if c.ListenAddr != ":8080" || c.Backends.Profile.String() != "http://127.0.0.1:50051" ||
		c.Backends.Interaction.String() != "http://interaction-log:50052" || c.Backends.Segmentation.String() != "https://seg.example:443" {
		t.Errorf("%+v", c)
	}
	_, err = FromEnv(config.FromMap(map[string]string{
		"CRM_PROFILE_ADDR": "ftp://x", "CRM_INTERACTION_ADDR": "http://h:1/path", "CRM_SEGMENTATION_ADDR": "s:1",
	}))
	for _, name := range []string{"CRM_PROFILE_ADDR", "CRM_INTERACTION_ADDR", "CRM_LOYALTY_ADDR"} {
		if err == nil || !strings.Contains(err.Error(), name) {
			t.Errorf("error %v does not name %s", err, name)
		}
	}
	if strings.Contains(err.Error(), "CRM_SEGMENTATION_ADDR") {
		t.Errorf("error %v names a good variable", err)
	}
}

func TestSessionSaysWhetherAProxyForwardsTheToken(t *testing.T) {
	s := newConsole(t)
	if code, _, body := do(t, http.MethodGet, s.URL+SessionPath, ""); code != 200 || body != `{"forwarded":true}` {
		t.Errorf("with a token: %d %q", code, body)
	}
	res, err := http.Get(s.URL + SessionPath)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusUnauthorized {
		t.Errorf("without a token: %d, want 401", res.StatusCode)
	}
}
