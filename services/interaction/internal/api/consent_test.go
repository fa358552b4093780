package api_test

import (
	"strings"
	"testing"

	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/types/known/fieldmaskpb"

	customerv1 "github.com/opencrm/crm/gen/go/crm/customer/v1"
	interactionv1 "github.com/opencrm/crm/gen/go/crm/interaction/v1"
	"github.com/opencrm/crm/pkg/config"
	"github.com/opencrm/crm/pkg/server/servertest"
	"github.com/opencrm/crm/services/interaction/service"
)

func outboundMarketing(customer string, ch interactionv1.Channel) *interactionv1.Interaction {
	i := contact(customer, interactionv1.InteractionKind_INTERACTION_KIND_MARKETING_TOUCH, ch, t0)
	i.Direction = interactionv1.Direction_DIRECTION_OUTBOUND
	return i
}

func (e *env) consent(t *testing.T, name string, cs ...*customerv1.Consent) {
	t.Helper()
	_, err := e.customers.UpdateCustomer(e.ctx, &customerv1.UpdateCustomerRequest{
		Customer: &customerv1.Customer{Name: name, Consents: cs}, UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"consents"}}})
	if err != nil {
		t.Fatalf("set consents: %v", err)
	}
}

func TestOutboundMarketingNeedsMarketingConsentOnItsChannel(t *testing.T) {
	t.Parallel()
	e := start(t)
	c := e.customer(t, "Consent Needed")

	_, err := e.client.LogInteraction(e.ctx, &interactionv1.LogInteractionRequest{Interaction: outboundMarketing(c, interactionv1.Channel_CHANNEL_EMAIL)})
	if info := servertest.WantCode(t, err, codes.FailedPrecondition, ""); info.GetReason() != "CONSENT_REQUIRED" {
		t.Fatalf("reason %q, want CONSENT_REQUIRED", info.GetReason())
	}
	// Consent to another purpose, or withdrawn, is not marketing consent.
	e.consent(t, c,
		&customerv1.Consent{Channel: customerv1.ConsentChannel_CONSENT_CHANNEL_EMAIL, Granted: true, Source: "web-form", Purpose: "profiling"},
		&customerv1.Consent{Channel: customerv1.ConsentChannel_CONSENT_CHANNEL_SMS, Granted: false, Source: "web-form"})
	_, err = e.client.LogInteraction(e.ctx, &interactionv1.LogInteractionRequest{Interaction: outboundMarketing(c, interactionv1.Channel_CHANNEL_EMAIL)})
	servertest.WantCode(t, err, codes.FailedPrecondition, "")

	e.consent(t, c, &customerv1.Consent{Channel: customerv1.ConsentChannel_CONSENT_CHANNEL_EMAIL, Granted: true, Source: "web-form"})
	e.log(t, outboundMarketing(c, interactionv1.Channel_CHANNEL_EMAIL))

	// In a batch only the item without consent fails; inbound marketing
	// (an open, a click) and other kinds need none.
	inbound := contact(c, interactionv1.InteractionKind_INTERACTION_KIND_MARKETING_TOUCH, interactionv1.Channel_CHANNEL_SMS, t0)
	support := contact(c, interactionv1.InteractionKind_INTERACTION_KIND_SUPPORT, interactionv1.Channel_CHANNEL_SMS, t0)
	support.Direction = interactionv1.Direction_DIRECTION_OUTBOUND
	resp, err := e.client.BatchLogInteractions(e.ctx, &interactionv1.BatchLogInteractionsRequest{Requests: []*interactionv1.LogInteractionRequest{
		{Interaction: outboundMarketing(c, interactionv1.Channel_CHANNEL_SMS)},
		{Interaction: outboundMarketing(c, interactionv1.Channel_CHANNEL_EMAIL)},
		{Interaction: inbound},
		{Interaction: support},
	}})
	if err != nil {
		t.Fatal(err)
	}
	r := resp.GetResults()
	if len(r) != 4 || r[0].GetError().GetReason() != "CONSENT_REQUIRED" || r[1].GetInteraction() == nil ||
		r[2].GetInteraction() == nil || r[3].GetInteraction() == nil {
		t.Fatalf("results %v: want only the SMS marketing touch refused", r)
	}
}

func TestMarketingConsentCheckCanBeTurnedOff(t *testing.T) {
	t.Parallel()
	e := startWith(t, service.Options{AllowMarketingWithoutConsent: true})
	c := e.customer(t, "No Consent Asked")
	e.log(t, outboundMarketing(c, interactionv1.Channel_CHANNEL_EMAIL))
}

func TestRequireMarketingConsentSetting(t *testing.T) {
	t.Parallel()
	for v, allow := range map[string]bool{"": false, "true": false, "false": true} {
		m := map[string]string{}
		if v != "" {
			m["CRM_REQUIRE_MARKETING_CONSENT"] = v
		}
		env := config.FromMap(m)
		if o := service.LoadOptions(env); o.AllowMarketingWithoutConsent != allow {
			t.Errorf("CRM_REQUIRE_MARKETING_CONSENT=%q: allowed without consent %v, want %v", v, o.AllowMarketingWithoutConsent, allow)
		}
	}
	env := config.FromMap(map[string]string{"CRM_REQUIRE_MARKETING_CONSENT": "maybe"})
	service.LoadOptions(env)
	if err := env.Err(); err == nil || !strings.Contains(err.Error(), "CRM_REQUIRE_MARKETING_CONSENT") {
		t.Errorf("error %v, want one naming CRM_REQUIRE_MARKETING_CONSENT", err)
	}
}
