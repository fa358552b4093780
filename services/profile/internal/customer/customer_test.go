package customer_test

import (
	"slices"
	"testing"
	"time"

	"github.com/opencrm/crm/pkg/apperr"
	"github.com/opencrm/crm/services/profile/internal/customer"
)

var now = time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)

func TestNormalizePhone(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ in, region, want string }{
		{"+44 20 7946 0958", "", "+442079460958"},
		{"020 7946 0958", "GB", "+442079460958"},
		{"(415) 555-2671", "us", "+14155552671"},
		{"138 0013 8000", "CN", "+8613800138000"},
		{"020 7946 0958", "", ""}, // national form needs a region
		{"12345", "GB", ""},
	} {
		got, ok := customer.NormalizePhone(tc.in, tc.region)
		if got != tc.want || ok != (tc.want != "") {
			t.Errorf("NormalizePhone(%q, %q) = %q, %v; want %q", tc.in, tc.region, got, ok, tc.want)
		}
	}
}

func TestMailboxKey(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"ada.l+news@gmail.com":   "adal@gmail.com",
		"a.d.a.l@googlemail.com": "adal@gmail.com",
		"ada.l+x@example.com":    "ada.l@example.com",
		"plain@example.com":      "plain@example.com",
	} {
		if got := customer.MailboxKey(in); got != want {
			t.Errorf("MailboxKey(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestNormalizeNamesTheField(t *testing.T) {
	t.Parallel()
	c := customer.Customer{Kind: customer.KindPerson, DisplayName: "X", Phones: []customer.Phone{{Number: "+441"}}}
	err := customer.Normalize(&c, "customer", now)
	if e, ok := apperr.As(err); !ok || e.Field != "customer.phones[0].number" || e.Kind != apperr.KindInvalidArgument {
		t.Fatalf("got %v", err)
	}
	c = customer.Customer{Kind: customer.KindPerson, DisplayName: "X", Demographics: customer.Demographics{BirthDate: "2030-01-01"}}
	if e, ok := apperr.As(customer.Normalize(&c, "customer", now)); !ok || e.Field != "customer.demographics.birth_date" {
		t.Fatalf("future birth date: %v", e)
	}
}

func TestMergeInto(t *testing.T) {
	t.Parallel()
	older, newer := now.Add(-time.Hour), now.Add(-time.Minute)
	s := customer.Customer{ID: "s", Kind: customer.KindPerson, DisplayName: "Ada", Owner: "bob",
		Emails: []customer.Email{{Address: "a@x.io", Primary: true}}, Tags: []string{"vip"},
		Consents: []customer.Consent{{Channel: 1, Granted: true, Time: older, Source: "web"}}}
	l := customer.Customer{ID: "l", Kind: customer.KindPerson, DisplayName: "Ada L.", Owner: "carol", LegalName: "Ada King",
		Emails: []customer.Email{{Address: "a@x.io"}, {Address: "b@x.io", Primary: true}}, Tags: []string{"new", "vip"},
		Consents: []customer.Consent{{Channel: 1, Granted: false, Time: newer, Source: "call"}, {Channel: 2, Granted: true, Time: older, Source: "sms"}}}
	m, from := customer.MergeInto(s, l, now)
	if m.DisplayName != "Ada" || m.Owner != "bob" || m.LegalName != "Ada King" {
		t.Errorf("survivor must win unless empty: %+v", m)
	}
	if len(m.Emails) != 2 || !m.Emails[0].Primary || m.Emails[1].Primary {
		t.Errorf("emails: %+v", m.Emails)
	}
	if !slices.Equal(m.Tags, []string{"vip", "new"}) {
		t.Errorf("tags: %v", m.Tags)
	}
	if len(m.Consents) != 2 || m.Consents[0].Granted || m.Consents[0].Source != "call" {
		t.Errorf("the most recent consent decision must win: %+v", m.Consents)
	}
	if !slices.Equal(from, []string{"legal_name", "emails", "tags", "consents"}) {
		t.Errorf("fields from loser: %v", from)
	}
	if len(s.Emails) != 1 || len(s.Tags) != 1 {
		t.Error("MergeInto changed its input")
	}
}

func TestApplyMaskAndChangedConsents(t *testing.T) {
	t.Parallel()
	cur := customer.Customer{DisplayName: "A", Owner: "bob", Demographics: customer.Demographics{CountryCode: "GB", Region: "London"}}
	patch := customer.Customer{DisplayName: "B", Owner: "carol", Demographics: customer.Demographics{CountryCode: "FR"}}
	if err := customer.ApplyMask(&cur, patch, []string{"display_name", "demographics.country_code"}); err != nil {
		t.Fatal(err)
	}
	if cur.DisplayName != "B" || cur.Owner != "bob" || cur.Demographics.CountryCode != "FR" || cur.Demographics.Region != "London" {
		t.Fatalf("after mask: %+v", cur)
	}
	if e, ok := apperr.As(customer.ApplyMask(&cur, patch, []string{"version"})); !ok || e.Field != "update_mask.paths" {
		t.Fatalf("unknown path: %v", e)
	}
	old := []customer.Consent{{Channel: 1, Granted: true, Source: "web", Time: now.Add(-time.Hour)}, {Channel: 2, Granted: true, Source: "web"}}
	upd := []customer.Consent{{Channel: 1, Granted: true, Source: "web", Time: now}, {Channel: 3, Granted: true, Source: "call", Time: now}}
	if got := customer.ChangedConsents(old, upd); !slices.Equal(got, []int32{3, 2}) {
		t.Fatalf("changed channels %v", got)
	}
	if !upd[0].Time.Equal(now.Add(-time.Hour)) {
		t.Error("an unchanged consent must keep its original time")
	}
}

func TestConsentDiffByPurposeAndChannel(t *testing.T) {
	then := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	now := then.Add(time.Hour)
	old := []customer.Consent{
		{Channel: 1, Granted: true, Source: "web", Time: then},                       // marketing, stored before purposes
		{Channel: 1, Granted: true, Source: "web", Time: then, Purpose: "profiling"}, // removed below
	}
	upd := []customer.Consent{
		{Channel: 1, Granted: true, Source: "web", Time: now, Purpose: "marketing"}, // the same decision
		{Channel: 1, Granted: false, Source: "call", Time: now, Purpose: "transactional"},
	}
	changes := customer.ConsentDiff(old, upd)
	if len(changes) != 2 || changes[0].Consent.Purpose != "transactional" || changes[0].Removed ||
		changes[1].Consent.Purpose != "profiling" || !changes[1].Removed {
		t.Fatalf("changes %+v", changes)
	}
	if !upd[0].Time.Equal(then) {
		t.Errorf("an unchanged decision took the new time %v", upd[0].Time)
	}
	c := customer.Customer{ConsentChanges: 4}
	customer.Record(&c, changes, now)
	if c.ConsentChanges != 6 || changes[0].Sequence != 5 || changes[1].Sequence != 6 || !changes[1].RecordTime.Equal(now) {
		t.Errorf("recorded %+v, count %d", changes, c.ConsentChanges)
	}
}
