package api_test

import (
	"fmt"
	"net/http"
	"testing"

	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"

	interactionv1 "github.com/opencrm/crm/gen/go/crm/interaction/v1"
	"github.com/opencrm/crm/pkg/server/servertest"
)

func purchaseJSON(customer, order string, units int) string {
	return fmt.Sprintf(`{"customer":%q,"channel":"CHANNEL_WEB","direction":"DIRECTION_INBOUND","kind":"INTERACTION_KIND_PURCHASE",`+
		`"occurTime":"2026-03-01T12:00:00Z","purchase":{"orderId":%q,"amount":{"currencyCode":"EUR","units":"%d"}}}`, customer, order, units)
}

// The interaction log over REST and Connect with JSON, through the same
// checks as over gRPC.
func TestRESTAndConnectJSON(t *testing.T) {
	t.Parallel()
	e := start(t)
	h := e.srv.HTTP()
	c := e.customer(t, "Over HTTP")
	write := servertest.Token(t, "interactions.read", "interactions.write")

	// Logged over REST with a request id; the retry returns the same record.
	var first, again interactionv1.LogInteractionResponse
	h.Do(t, http.MethodPost, "/v1/interactions?request_id=r-1", write, purchaseJSON(c, "o-1", 10)).OK(t, &first)
	h.Do(t, http.MethodPost, "/v1/interactions?request_id=r-1", write, purchaseJSON(c, "o-1", 10)).OK(t, &again)
	logged := first.GetInteraction()
	if logged.GetName() == "" || logged.GetPurchase().GetAmount().GetUnits() != 10 || !proto.Equal(&first, &again) {
		t.Fatalf("logged %v, retried %v", &first, &again)
	}

	// The customer's timeline over REST, one record over Connect.
	var timeline interactionv1.ListInteractionsResponse
	h.Do(t, http.MethodGet, "/v1/"+c+"/interactions", write, nil).OK(t, &timeline)
	if len(timeline.GetInteractions()) != 1 || timeline.GetInteractions()[0].GetName() != logged.GetName() {
		t.Fatalf("timeline %v", &timeline)
	}
	var got interactionv1.GetInteractionResponse
	h.Connect(t, "/crm.interaction.v1.InteractionService/GetInteraction", write, map[string]string{"name": logged.GetName()}).OK(t, &got)
	if !proto.Equal(got.GetInteraction(), logged) {
		t.Fatalf("Connect get %v, want %v", got.GetInteraction(), logged)
	}

	for _, protocol := range []string{"REST", "Connect"} {
		t.Run(protocol, func(t *testing.T) {
			call := func(token, name string) *servertest.Response {
				if protocol == "REST" {
					return h.Do(t, http.MethodGet, "/v1/"+name, token, nil)
				}
				return h.Connect(t, "/crm.interaction.v1.InteractionService/GetInteraction", token, map[string]string{"name": name})
			}
			call("", logged.GetName()).WantHTTP(t, http.StatusUnauthorized, codes.Unauthenticated, "")
			call(servertest.Token(t, "interactions.write"), logged.GetName()).WantHTTP(t, http.StatusForbidden, codes.PermissionDenied, "")
			call(write, "interactions/nope").WantHTTP(t, http.StatusNotFound, codes.NotFound, "")
		})
	}

	// A field error names the field.
	h.Do(t, http.MethodPost, "/v1/interactions", write, `{"customer":"`+c+`","channel":"CHANNEL_WEB","kind":"INTERACTION_KIND_PURCHASE"}`).
		WantHTTP(t, http.StatusBadRequest, codes.InvalidArgument, "interaction.occur_time")

	// Updates are conditional on the etag: a stale one is 409.
	note := map[string]string{"summary": "first", "etag": logged.GetEtag()}
	h.Do(t, http.MethodPatch, "/v1/"+logged.GetName()+"?update_mask=summary", write, note).OK(t, nil)
	h.Do(t, http.MethodPatch, "/v1/"+logged.GetName()+"?update_mask=summary", write, note).
		WantHTTP(t, http.StatusConflict, codes.Aborted, "")

	// The same source record twice is one interaction: the duplicate
	// answers with the record already logged.
	ext := `{"customer":"` + c + `","channel":"CHANNEL_PHONE","direction":"DIRECTION_INBOUND","kind":"INTERACTION_KIND_SUPPORT",` +
		`"occurTime":"2026-03-01T13:00:00Z","sourceSystem":"desk","externalId":"ticket-7"}`
	var a, b interactionv1.LogInteractionResponse
	h.Do(t, http.MethodPost, "/v1/interactions", write, ext).OK(t, &a)
	h.Connect(t, "/crm.interaction.v1.InteractionService/LogInteraction", write, `{"interaction":`+ext+`}`).OK(t, &b)
	if a.GetInteraction().GetName() == "" || a.GetInteraction().GetName() != b.GetInteraction().GetName() {
		t.Fatalf("source record logged twice: %s, %s", a.GetInteraction().GetName(), b.GetInteraction().GetName())
	}

	// A refund above its purchase is FAILED_PRECONDITION: 412.
	h.Do(t, http.MethodPost, "/v1/interactions", write, `{"customer":"`+c+`","channel":"CHANNEL_WEB","direction":"DIRECTION_INBOUND",`+
		`"kind":"INTERACTION_KIND_REFUND","occurTime":"2026-03-02T12:00:00Z","refund":{"purchase":"`+logged.GetName()+`","amount":{"currencyCode":"EUR","units":"11"}}}`).
		WantHTTP(t, http.StatusPreconditionFailed, codes.FailedPrecondition, "")

	// The event feed streams over Connect.
	msgs := h.ConnectStream(t, "/crm.interaction.v1.InteractionService/WatchInteractionEvents", servertest.Token(t, "interactions.events"),
		map[string]int{"afterSequence": 0}, 1)
	var ev interactionv1.WatchInteractionEventsResponse
	if err := protojson.Unmarshal(msgs[0], &ev); err != nil || ev.GetEvent().GetSubject() != logged.GetName() {
		t.Fatalf("first event %s: %v", msgs[0], err)
	}
}
