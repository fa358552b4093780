package main_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/opencrm/crm/deploy/local/platform"
)

// The console the runner starts reaches every service on one origin, by
// Connect and by REST, with the caller's token, and its sign-in link
// carries the token in the fragment only.
func TestConsoleReachesTheServices(t *testing.T) {
	o := testOptions(t)
	o.ConsoleAddr = "127.0.0.1:0"
	p, err := platform.Start(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Stop()
	token, err := p.Token(time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	link := p.SignInLink(token)
	if !strings.HasPrefix(link, "http://"+p.Console+"/#token=") || strings.Contains(strings.Split(link, "#")[0], token) {
		t.Errorf("sign-in link %q", link)
	}
	base := "http://" + p.Console
	call := func(method, path, body, tok string) (int, map[string]any) {
		t.Helper()
		req, _ := http.NewRequest(method, base+path, strings.NewReader(body))
		if strings.HasPrefix(path, "/crm.") {
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Connect-Protocol-Version", "1")
		}
		if tok != "" {
			req.Header.Set("Authorization", "Bearer "+tok)
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		var m map[string]any
		if err := json.Unmarshal(b, &m); err != nil {
			t.Fatalf("%s %s: %d %q", method, path, res.StatusCode, b)
		}
		return res.StatusCode, m
	}
	code, created := call("POST", "/crm.customer.v1.CustomerService/CreateCustomer",
		`{"customer":{"kind":"CUSTOMER_KIND_PERSON","displayName":"Ada Console","emails":[{"address":"ada.console@example.com"}]},"requestId":"console-1"}`, token)
	if code != 200 {
		t.Fatalf("create: %d %v", code, created)
	}
	name := created["customer"].(map[string]any)["name"].(string)
	for _, c := range []struct{ method, path, body string }{
		{"GET", "/v1/" + name, ""},
		{"POST", "/crm.interaction.v1.InteractionService/ListInteractions", `{"customer":"` + name + `"}`},
		{"GET", "/v1/" + name + "/interactions", ""},
		{"POST", "/crm.segmentation.v1.SegmentationService/GetSettings", `{}`},
		{"POST", "/crm.loyalty.v1.LoyaltyService/ListPrograms", `{}`},
		{"GET", "/v1/programs", ""},
	} {
		if code, m := call(c.method, c.path, c.body, token); code != 200 {
			t.Errorf("%s %s: %d %v", c.method, c.path, code, m)
		}
	}
	// The services check the token behind the console, and their errors
	// come through whole.
	if code, m := call("POST", "/crm.loyalty.v1.LoyaltyService/ListPrograms", `{}`, ""); code != http.StatusUnauthorized || m["code"] != "unauthenticated" {
		t.Errorf("without a token: %d %v", code, m)
	}
	code, m := call("POST", "/crm.segmentation.v1.SegmentationService/PreviewSegment", `{"rule":"metrics.purchase >= 1"}`, token)
	if code != http.StatusBadRequest || !strings.Contains(m["message"].(string), "undefined field") {
		t.Errorf("a bad rule: %d %v", code, m)
	}
}
