package feeds

import (
	"testing"
	"time"

	customerv1 "github.com/opencrm/crm/gen/go/crm/customer/v1"
	"github.com/opencrm/crm/services/segmentation/internal/celfacts"
	"github.com/opencrm/crm/services/segmentation/internal/facts"
	"github.com/opencrm/crm/services/segmentation/internal/metrics"
	"github.com/opencrm/crm/services/segmentation/internal/model"
)

// A segment rule sees the consents the profile feed brought, by purpose
// and channel; a consent without a purpose is a marketing one.
func TestRulesSeeCurrentConsents(t *testing.T) {
	r, err := celfacts.Compile("segment.rule", `profile.consents.exists(c, c.purpose == "marketing" && c.channel == "email" && c.granted)`)
	if err != nil {
		t.Fatal(err)
	}
	match := func(cs ...*customerv1.Consent) bool {
		t.Helper()
		c := &metrics.Customer{ID: "c1", Profile: Profile(&customerv1.Customer{Id: "c1", Consents: cs})}
		ok, err := r.Match(facts.Build(c, model.Scores{}, time.Now(), 365, 2))
		if err != nil {
			t.Fatal(err)
		}
		return ok
	}
	email, sms := customerv1.ConsentChannel_CONSENT_CHANNEL_EMAIL, customerv1.ConsentChannel_CONSENT_CHANNEL_SMS
	for _, c := range []struct {
		consents []*customerv1.Consent
		want     bool
	}{
		{[]*customerv1.Consent{{Purpose: "marketing", Channel: email, Granted: true}}, true},
		{[]*customerv1.Consent{{Channel: email, Granted: true}}, true},
		{[]*customerv1.Consent{{Purpose: "marketing", Channel: email, Granted: false}}, false},
		{[]*customerv1.Consent{{Purpose: "profiling", Channel: email, Granted: true}, {Purpose: "marketing", Channel: sms, Granted: true}}, false},
		{nil, false},
	} {
		if got := match(c.consents...); got != c.want {
			t.Errorf("consents %v: matched %v, want %v", c.consents, got, c.want)
		}
	}
}
