package api_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/fieldmaskpb"

	customerv1 "github.com/opencrm/crm/gen/go/crm/customer/v1"
	"github.com/opencrm/crm/pkg/config"
	"github.com/opencrm/crm/pkg/server/servertest"
	"github.com/opencrm/crm/services/profile/service"
)

const email = customerv1.ConsentChannel_CONSENT_CHANNEL_EMAIL

// setConsents replaces a customer's consents.
func (e *env) setConsents(t *testing.T, name string, cs ...*customerv1.Consent) *customerv1.Customer {
	t.Helper()
	resp, err := e.client.UpdateCustomer(e.ctx, &customerv1.UpdateCustomerRequest{
		Customer:   &customerv1.Customer{Name: name, Consents: cs},
		UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"consents"}}})
	if err != nil {
		t.Fatalf("update consents: %v", err)
	}
	return resp.GetCustomer()
}

// history reads a customer's whole consent history, page by page.
func (e *env) history(t *testing.T, name string, pageSize int32) ([]*customerv1.ConsentChange, int) {
	t.Helper()
	var all []*customerv1.ConsentChange
	pages, token := 0, ""
	for {
		resp, err := e.client.ListConsentHistory(e.ctx, &customerv1.ListConsentHistoryRequest{Customer: name, PageSize: pageSize, PageToken: token})
		if err != nil {
			t.Fatalf("list consent history: %v", err)
		}
		pages++
		all = append(all, resp.GetChanges()...)
		if token = resp.GetNextPageToken(); token == "" {
			return all, pages
		}
	}
}

func TestConsentHistoryGrantWithdrawGrant(t *testing.T) {
	t.Parallel()
	e := start(t, service.Options{})
	c := e.create(t, person("Consenting"))
	grant := &customerv1.Consent{Channel: email, Granted: true, Source: "web-form", LegalBasis: "consent", Evidence: "form-1"}
	e.setConsents(t, c.GetName(), grant)
	withdrawn := e.setConsents(t, c.GetName(), &customerv1.Consent{Channel: email, Granted: false, Source: "unsubscribe-link", Evidence: "mail-7"})
	if got := withdrawn.GetConsents()[0]; got.GetPurpose() != "marketing" || got.GetGranted() {
		t.Fatalf("current consent %v, want marketing withdrawn", got)
	}
	// Sending the current consents back unchanged is no change.
	e.setConsents(t, c.GetName(), withdrawn.GetConsents()...)
	e.setConsents(t, c.GetName(), grant)

	changes, pages := e.history(t, c.GetName(), 2)
	if len(changes) != 3 || pages != 2 {
		t.Fatalf("%d changes in %d pages, want 3 in 2: %v", len(changes), pages, changes)
	}
	for i, want := range []struct {
		granted          bool
		source, evidence string
	}{{true, "web-form", "form-1"}, {false, "unsubscribe-link", "mail-7"}, {true, "web-form", "form-1"}} {
		ch := changes[i]
		got := ch.GetConsent()
		if ch.GetSequence() != int64(i+1) || got.GetGranted() != want.granted || got.GetSource() != want.source ||
			got.GetEvidence() != want.evidence || got.GetPurpose() != "marketing" || got.GetChannel() != email || ch.GetRecordTime() == nil {
			t.Errorf("change %d: %v, want %+v", i, ch, want)
		}
	}
	if changes[0].GetConsent().GetLegalBasis() != "consent" {
		t.Errorf("legal basis %q, want consent", changes[0].GetConsent().GetLegalBasis())
	}
	// The same over REST, paged by the query.
	var page customerv1.ListConsentHistoryResponse
	e.srv.HTTP().Do(t, http.MethodGet, "/v1/"+c.GetName()+"/consentHistory?pageSize=2", servertest.Token(t, "customers.read"), nil).OK(t, &page)
	if len(page.GetChanges()) != 2 || page.GetNextPageToken() == "" || !proto.Equal(page.GetChanges()[1], changes[1]) {
		t.Fatalf("REST page %v", &page)
	}
}

func TestConsentPurposesAreSeparateAndConfigured(t *testing.T) {
	t.Parallel()
	e := start(t, service.Options{Purposes: []string{"marketing", "research"}})
	in := person("Purposes")
	in.Consents = []*customerv1.Consent{
		{Channel: email, Granted: true, Source: "web-form"},
		{Channel: email, Granted: false, Source: "web-form", Purpose: "research"},
	}
	c := e.create(t, in)
	if len(c.GetConsents()) != 2 {
		t.Fatalf("consents %v, want marketing and research on e-mail", c.GetConsents())
	}
	// Dropping the research decision is recorded as its removal.
	e.setConsents(t, c.GetName(), c.GetConsents()[0])
	changes, _ := e.history(t, c.GetName(), 0)
	if len(changes) != 3 || !changes[2].GetRemoved() || changes[2].GetConsent().GetPurpose() != "research" {
		t.Fatalf("history %v, want two creates and the removal of research", changes)
	}

	_, err := e.client.UpdateCustomer(e.ctx, &customerv1.UpdateCustomerRequest{
		Customer: &customerv1.Customer{Name: c.GetName(), Consents: []*customerv1.Consent{
			{Channel: email, Granted: true, Source: "web-form"}, {Channel: email, Granted: true, Source: "x", Purpose: "profiling"}}},
		UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"consents"}}})
	servertest.WantCode(t, err, codes.InvalidArgument, "customer.consents[1].purpose")
	_, err = e.client.CreateCustomer(e.ctx, &customerv1.CreateCustomerRequest{Customer: &customerv1.Customer{Kind: 1, DisplayName: "Twice",
		Consents: []*customerv1.Consent{{Channel: email, Source: "a"}, {Channel: email, Source: "b", Purpose: "marketing"}}}})
	servertest.WantCode(t, err, codes.InvalidArgument, "customer.consents[1].channel")
}

// Racing consent changes on one customer: whatever wins, the history holds
// exactly the winners' changes, numbered without gaps, and replaying it
// gives the current consents.
func TestRacingConsentChangesKeepHistoryExact(t *testing.T) {
	t.Parallel()
	e := start(t, service.Options{})
	c := e.create(t, person("Racing consent"))
	got := race(8, func(i int) error {
		_, err := e.client.UpdateCustomer(e.ctx, &customerv1.UpdateCustomerRequest{
			Customer:   &customerv1.Customer{Name: c.GetName(), Etag: c.GetEtag(), Consents: []*customerv1.Consent{{Channel: email, Granted: i%2 == 0, Source: fmt.Sprintf("agent-%d", i)}}},
			UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"consents"}}})
		return err
	})
	if got[codes.OK] != 1 || got[codes.OK]+got[codes.Aborted] != 8 {
		t.Fatalf("codes %v, want one OK and the rest ABORTED", got)
	}
	changes, _ := e.history(t, c.GetName(), 0)
	cur, err := e.client.GetCustomer(e.ctx, &customerv1.GetCustomerRequest{Name: c.GetName()})
	if err != nil {
		t.Fatal(err)
	}
	if len(changes) != 1 || changes[0].GetConsent().GetSource() != cur.GetCustomer().GetConsents()[0].GetSource() {
		t.Fatalf("history %v, current %v", changes, cur.GetCustomer().GetConsents())
	}
}

func TestErasedCustomersConsentHistoryIsGone(t *testing.T) {
	t.Parallel()
	e := start(t, service.Options{})
	in := person("Forget me")
	in.Consents = []*customerv1.Consent{{Channel: email, Granted: true, Source: "web-form"}}
	c := e.create(t, in)
	if changes, _ := e.history(t, c.GetName(), 0); len(changes) != 1 {
		t.Fatalf("history after create: %v", changes)
	}
	if _, err := e.client.EraseCustomer(e.ctx, &customerv1.EraseCustomerRequest{Name: c.GetName(), Reason: "request"}); err != nil {
		t.Fatal(err)
	}
	_, err := e.client.ListConsentHistory(e.ctx, &customerv1.ListConsentHistoryRequest{Customer: c.GetName()})
	servertest.WantCode(t, err, codes.NotFound, "")
	// TestEraseLeavesOnlyATombstone shows the stored tombstone keeps no
	// history either.
}

func TestConsentPurposesConfiguration(t *testing.T) {
	t.Parallel()
	o := service.LoadOptions(config.FromMap(nil))
	if fmt.Sprint(o.Purposes) != "[marketing profiling transactional]" {
		t.Errorf("default purposes %v", o.Purposes)
	}
	peers := map[string]string{}
	for _, p := range []string{"INTERACTION", "SEGMENTATION", "LOYALTY"} {
		peers["CRM_"+p+"_ADDR"], peers["CRM_"+p+"_TOKEN"] = "localhost:1", "token"
	}
	peers["CRM_CONSENT_PURPOSES"] = "marketing, research ,research"
	env := config.FromMap(peers)
	if o := service.LoadOptions(env); env.Err() != nil || fmt.Sprint(o.Purposes) != "[marketing research]" {
		t.Errorf("purposes %v, error %v", o.Purposes, env.Err())
	}
	for _, bad := range []string{"profiling", "marketing,Bad Purpose"} {
		env := config.FromMap(map[string]string{"CRM_CONSENT_PURPOSES": bad})
		service.LoadOptions(env)
		if err := env.Err(); err == nil || !strings.Contains(err.Error(), "CRM_CONSENT_PURPOSES") {
			t.Errorf("%q: error %v, want one naming CRM_CONSENT_PURPOSES", bad, err)
		}
	}
}

func TestMergeRecordsTheLosersNewerConsentInTheSurvivorsHistory(t *testing.T) {
	t.Parallel()
	e := start(t, service.Options{})
	survivor := e.create(t, person("Survivor"))
	e.setConsents(t, survivor.GetName(), &customerv1.Consent{Channel: email, Granted: true, Source: "web-form"})
	loser := e.create(t, person("Loser"))
	// Withdrawn later, on the record merged away: the later decision wins.
	e.setConsents(t, loser.GetName(), &customerv1.Consent{Channel: email, Granted: false, Source: "unsubscribe-link"})
	resp, err := e.client.MergeCustomers(e.ctx, &customerv1.MergeCustomersRequest{Survivor: survivor.GetName(), Loser: loser.GetName()})
	if err != nil {
		t.Fatal(err)
	}
	if resp.GetCustomer().GetConsents()[0].GetGranted() {
		t.Fatalf("survivor's consents %v, want the later withdrawal", resp.GetCustomer().GetConsents())
	}
	changes, _ := e.history(t, survivor.GetName(), 0)
	if len(changes) != 2 || changes[1].GetConsent().GetGranted() || changes[1].GetConsent().GetSource() != "unsubscribe-link" {
		t.Fatalf("survivor's history %v, want the grant then the loser's withdrawal", changes)
	}
}
