package api_test

import (
	"net/http"
	"testing"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"

	loyaltyv1 "github.com/opencrm/crm/gen/go/crm/loyalty/v1"
	"github.com/opencrm/crm/pkg/server/servertest"
)

const clubJSON = `{"id":"club","displayName":"Club","currencyCode":"EUR","pointsPerUnit":1}`

// Loyalty over REST and Connect with JSON, through the same checks as over
// gRPC.
func TestRESTAndConnectJSON(t *testing.T) {
	t.Parallel()
	e := start(t)
	h := e.srv.HTTP()
	admin := servertest.Token(t, "loyalty.read", "loyalty.write", "loyalty.admin")
	c := e.customer(t, "Over HTTP")

	var created loyaltyv1.CreateProgramResponse
	h.Do(t, http.MethodPost, "/v1/programs", admin, clubJSON).OK(t, &created)
	prog := created.GetProgram()
	if prog.GetName() != "programs/club" || prog.GetEtag() == "" {
		t.Fatalf("created %v", prog)
	}
	// A second program with the id is ALREADY_EXISTS, naming it.
	for _, r := range []*servertest.Response{
		h.Do(t, http.MethodPost, "/v1/programs", admin, clubJSON),
		h.Connect(t, "/crm.loyalty.v1.LoyaltyService/CreateProgram", admin, `{"program":`+clubJSON+`}`),
	} {
		st := r.WantHTTP(t, http.StatusConflict, codes.AlreadyExists, "")
		named := false
		for _, d := range st.Details() {
			if info, ok := d.(*errdetails.ErrorInfo); ok {
				named = info.GetMetadata()["resource"] == prog.GetName()
			}
		}
		if !named {
			t.Fatalf("no ErrorInfo naming %s: %s", prog.GetName(), r.Body)
		}
	}
	// A stale etag is 409.
	rename := map[string]string{"displayName": "Club Plus", "etag": prog.GetEtag()}
	h.Do(t, http.MethodPatch, "/v1/programs/club?update_mask=displayName", admin, rename).OK(t, nil)
	h.Do(t, http.MethodPatch, "/v1/programs/club?update_mask=displayName", admin, rename).
		WantHTTP(t, http.StatusConflict, codes.Aborted, "")

	// Earning needs an enrolment: FAILED_PRECONDITION, 412.
	account := "/v1/programs/club/accounts/" + c
	earn := `{"purchase":{"orderId":"o-1","amount":{"currencyCode":"EUR","units":"12"}},"requestId":"pos-1"}`
	h.Do(t, http.MethodPost, account+":earn", admin, earn).WantHTTP(t, http.StatusPreconditionFailed, codes.FailedPrecondition, "")
	h.Do(t, http.MethodPost, "/v1/programs/club/accounts", admin, map[string]string{"customer": c}).OK(t, nil)

	// Earned over REST; the retry with the request id earns nothing more.
	var first, again loyaltyv1.EarnPointsResponse
	h.Do(t, http.MethodPost, account+":earn", admin, earn).OK(t, &first)
	h.Do(t, http.MethodPost, account+":earn", admin, earn).OK(t, &again)
	if first.GetEntry().GetPoints() != 12 || !proto.Equal(first.GetEntry(), again.GetEntry()) || again.GetAccount().GetBalance() != 12 {
		t.Fatalf("earned %v, retry %v", &first, &again)
	}
	var acc loyaltyv1.GetAccountResponse
	h.Connect(t, "/crm.loyalty.v1.LoyaltyService/GetAccount", admin, map[string]string{"program": "programs/club", "customer": c}).OK(t, &acc)
	if acc.GetAccount().GetBalance() != 12 {
		t.Fatalf("account %v", acc.GetAccount())
	}

	for _, protocol := range []string{"REST", "Connect"} {
		t.Run(protocol, func(t *testing.T) {
			call := func(token, customer string) *servertest.Response {
				if protocol == "REST" {
					return h.Do(t, http.MethodGet, "/v1/programs/club/accounts/"+customer, token, nil)
				}
				return h.Connect(t, "/crm.loyalty.v1.LoyaltyService/GetAccount", token, map[string]string{"program": "programs/club", "customer": customer})
			}
			call("", c).WantHTTP(t, http.StatusUnauthorized, codes.Unauthenticated, "")
			call(servertest.Token(t, "loyalty.write"), c).WantHTTP(t, http.StatusForbidden, codes.PermissionDenied, "")
			call(admin, "customers/nobody").WantHTTP(t, http.StatusNotFound, codes.NotFound, "")
		})
	}
	// A field error names the field.
	h.Do(t, http.MethodPost, account+":redeem", admin, `{"points":"0","requestId":"r-1"}`).
		WantHTTP(t, http.StatusBadRequest, codes.InvalidArgument, "points")

	// The event feed streams over Connect.
	msgs := h.ConnectStream(t, "/crm.loyalty.v1.LoyaltyService/WatchLoyaltyEvents", servertest.Token(t, "loyalty.events"),
		map[string]int{"afterSequence": 0}, 1)
	var ev loyaltyv1.WatchLoyaltyEventsResponse
	if err := protojson.Unmarshal(msgs[0], &ev); err != nil || ev.GetEvent().GetSequence() != 1 {
		t.Fatalf("first event %s: %v", msgs[0], err)
	}
}
