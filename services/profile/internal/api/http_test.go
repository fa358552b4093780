package api_test

import (
	"net/http"
	"testing"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"

	customerv1 "github.com/opencrm/crm/gen/go/crm/customer/v1"
	"github.com/opencrm/crm/pkg/server/servertest"
	"github.com/opencrm/crm/services/profile/service"
)

const adaJSON = `{"kind":"CUSTOMER_KIND_PERSON","displayName":"Ada Lovelace","emails":[{"address":"ada@example.com"}]}`

// The same calls as over gRPC, over REST and Connect with JSON, through the
// same checks: scopes, validation, idempotency, error mapping.
func TestRESTAndConnectJSON(t *testing.T) {
	t.Parallel()
	e := start(t, service.Options{})
	h := e.srv.HTTP()
	write := servertest.Token(t, "customers.read", "customers.write")

	// Created over REST with a request id; the retry of the same request
	// returns the same customer.
	var cr, again customerv1.CreateCustomerResponse
	h.Do(t, http.MethodPost, "/v1/customers?request_id=r-1", write, adaJSON).OK(t, &cr)
	created := cr.GetCustomer()
	if created.GetName() == "" || created.GetEmails()[0].GetAddress() != "ada@example.com" || created.GetEtag() == "" {
		t.Fatalf("created %v", created)
	}
	h.Do(t, http.MethodPost, "/v1/customers?request_id=r-1", write, adaJSON).OK(t, &again)
	if !proto.Equal(&cr, &again) {
		t.Fatalf("retry returned %v, want %v", &again, &cr)
	}

	// Read over REST and over Connect.
	var got, resp customerv1.GetCustomerResponse
	h.Do(t, http.MethodGet, "/v1/"+created.GetName(), write, nil).OK(t, &got)
	if !proto.Equal(got.GetCustomer(), created) {
		t.Fatalf("REST get %v, want %v", &got, created)
	}
	h.Connect(t, "/crm.customer.v1.CustomerService/GetCustomer", write, map[string]string{"name": created.GetName()}).OK(t, &resp)
	if !proto.Equal(resp.GetCustomer(), created) {
		t.Fatalf("Connect get %v, want %v", resp.GetCustomer(), created)
	}

	// Update with the update mask as a query parameter.
	var updated customerv1.UpdateCustomerResponse
	h.Do(t, http.MethodPatch, "/v1/"+created.GetName()+"?update_mask=displayName", write,
		map[string]string{"displayName": "Ada King", "etag": created.GetEtag()}).OK(t, &updated)
	if c := updated.GetCustomer(); c.GetDisplayName() != "Ada King" || c.GetEmails()[0].GetAddress() != "ada@example.com" {
		t.Fatalf("updated %v", c)
	}

	for _, p := range []struct{ protocol, path, token string }{
		{"REST", "/v1/" + created.GetName(), ""},
		{"Connect", "/crm.customer.v1.CustomerService/GetCustomer", ""},
	} {
		t.Run(p.protocol, func(t *testing.T) {
			call := func(token string, name string) *servertest.Response {
				if p.protocol == "REST" {
					return h.Do(t, http.MethodGet, "/v1/"+name, token, nil)
				}
				return h.Connect(t, "/crm.customer.v1.CustomerService/GetCustomer", token, map[string]string{"name": name})
			}
			call("", created.GetName()).WantHTTP(t, http.StatusUnauthorized, codes.Unauthenticated, "")
			call(servertest.Token(t, "customers.write"), created.GetName()).WantHTTP(t, http.StatusForbidden, codes.PermissionDenied, "")
			call(write, "customers/nope").WantHTTP(t, http.StatusNotFound, codes.NotFound, "")
			call(write, "customers/no.dots").WantHTTP(t, http.StatusBadRequest, codes.InvalidArgument, "name")
		})
	}

	// A field error names the field in a BadRequest detail of the body.
	h.Do(t, http.MethodPost, "/v1/customers", write, `{"kind":"CUSTOMER_KIND_PERSON","displayName":"X","emails":[{"address":"not-an-email"}]}`).
		WantHTTP(t, http.StatusBadRequest, codes.InvalidArgument, "customer.emails[0].address")
	h.Connect(t, "/crm.customer.v1.CustomerService/CreateCustomer", write, `{"customer":{"kind":"CUSTOMER_KIND_PERSON"}}`).
		WantHTTP(t, http.StatusBadRequest, codes.InvalidArgument, "customer.display_name")

	// A stale etag is ABORTED: 409.
	stale := map[string]string{"displayName": "Lost update", "etag": created.GetEtag()}
	h.Do(t, http.MethodPatch, "/v1/"+created.GetName()+"?update_mask=displayName", write, stale).
		WantHTTP(t, http.StatusConflict, codes.Aborted, "")
	h.Connect(t, "/crm.customer.v1.CustomerService/UpdateCustomer", write, map[string]any{
		"customer": map[string]string{"name": created.GetName(), "displayName": "Lost", "etag": created.GetEtag()}, "updateMask": "displayName",
	}).WantHTTP(t, http.StatusConflict, codes.Aborted, "")

	// A duplicate e-mail is ALREADY_EXISTS, 409, naming the existing customer.
	for _, r := range []*servertest.Response{
		h.Do(t, http.MethodPost, "/v1/customers", write, `{"kind":"CUSTOMER_KIND_PERSON","displayName":"Other","emails":[{"address":"ADA@example.com"}]}`),
		h.Connect(t, "/crm.customer.v1.CustomerService/CreateCustomer", write, `{"customer":`+adaJSON+`}`),
	} {
		st := r.WantHTTP(t, http.StatusConflict, codes.AlreadyExists, "customer.emails[0].address")
		found := false
		for _, d := range st.Details() {
			if info, ok := d.(*errdetails.ErrorInfo); ok {
				found = info.GetMetadata()["existing_customer"] == created.GetName()
			}
		}
		if !found {
			t.Fatalf("no ErrorInfo naming %s in %s", created.GetName(), r.Body)
		}
	}

	// FAILED_PRECONDITION is 412: undeleting a customer that is not deleted.
	h.Do(t, http.MethodPost, "/v1/"+created.GetName()+":undelete", write, `{}`).
		WantHTTP(t, http.StatusPreconditionFailed, codes.FailedPrecondition, "")

	// The event feed streams over Connect.
	msgs := h.ConnectStream(t, "/crm.customer.v1.CustomerService/WatchCustomerEvents", servertest.Token(t, "customers.events"),
		map[string]int{"afterSequence": 0}, 2)
	var first, second customerv1.WatchCustomerEventsResponse
	for i, m := range []*customerv1.WatchCustomerEventsResponse{&first, &second} {
		if err := protojson.Unmarshal(msgs[i], m); err != nil {
			t.Fatalf("message %d %s: %v", i, msgs[i], err)
		}
	}
	if first.GetEvent().GetSequence() != 1 || second.GetEvent().GetSequence() != 2 || first.GetEvent().GetSubject() != created.GetName() {
		t.Fatalf("events %v, %v", &first, &second)
	}
}
