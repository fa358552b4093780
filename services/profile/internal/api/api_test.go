package api_test

import (
	"fmt"
	"sync"
	"testing"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/fieldmaskpb"

	customerv1 "github.com/opencrm/crm/gen/go/crm/customer/v1"
	typev1 "github.com/opencrm/crm/gen/go/crm/type/v1"
	"github.com/opencrm/crm/pkg/server/servertest"
	"github.com/opencrm/crm/services/profile/service"
)

func TestAuthSweep(t *testing.T) {
	t.Parallel()
	e := start(t, service.Options{})
	if n := servertest.AuthSweep(t, e.srv); n != 21 {
		t.Fatalf("checked %d methods, want all 19 of CustomerService, StatusService's one and AuditService's one", n)
	}
}

func TestCreateNormalisesAndGet(t *testing.T) {
	t.Parallel()
	e := start(t, service.Options{})
	in := person("  Ada   Lovelace ", "Ada@Example.COM")
	in.Phones = []*customerv1.PhoneNumber{{Number: "020 7946 0958", Label: "home"}}
	in.Demographics = &customerv1.Demographics{CountryCode: "GB", BirthDate: &typev1.Date{Year: 1815, Month: 12, Day: 10}}
	in.Tags = []string{"VIP", "vip", " Newsletter "}
	in.Attributes = map[string]*customerv1.AttributeValue{"score": {Kind: &customerv1.AttributeValue_NumberValue{NumberValue: 7}}}
	in.Consents = []*customerv1.Consent{{Channel: customerv1.ConsentChannel_CONSENT_CHANNEL_EMAIL, Granted: true, Source: "web-form"}}
	c := e.create(t, in)

	if c.GetDisplayName() != "Ada   Lovelace" || c.GetEmails()[0].GetAddress() != "ada@example.com" || !c.GetEmails()[0].GetPrimary() {
		t.Errorf("names or e-mail not normalised: %v", c)
	}
	if c.GetPhones()[0].GetNumber() != "+442079460958" {
		t.Errorf("phone %q, want E.164 +442079460958", c.GetPhones()[0].GetNumber())
	}
	if fmt.Sprint(c.GetTags()) != "[vip newsletter]" {
		t.Errorf("tags %v", c.GetTags())
	}
	if c.GetLifecycleStage() != customerv1.LifecycleStage_LIFECYCLE_STAGE_PROSPECT || c.GetState() != customerv1.CustomerState_CUSTOMER_STATE_ACTIVE {
		t.Errorf("stage %v state %v", c.GetLifecycleStage(), c.GetState())
	}
	if c.GetConsents()[0].GetTime() == nil || c.GetEtag() == "" || c.GetName() != "customers/"+c.GetId() {
		t.Errorf("consent time, etag or name missing: %v", c)
	}
	got, err := e.client.GetCustomer(e.ctx, &customerv1.GetCustomerRequest{Name: c.GetName()})
	if err != nil || !proto.Equal(got.GetCustomer(), c) {
		t.Fatalf("get: %v\n%v\nwant %v", err, got.GetCustomer(), c)
	}
	_, err = e.client.GetCustomer(e.ctx, &customerv1.GetCustomerRequest{Name: "customers/nope"})
	servertest.WantCode(t, err, codes.NotFound, "")
}

func TestCreateRejectsBadInput(t *testing.T) {
	t.Parallel()
	e := start(t, service.Options{})
	cases := []struct {
		name  string
		c     *customerv1.Customer
		field string
	}{
		{"no display name", person(""), "customer.display_name"},
		{"no kind", &customerv1.Customer{DisplayName: "X"}, "customer.kind"},
		{"bad e-mail", person("X", "not-an-email"), "customer.emails[0].address"},
		{"bad phone", &customerv1.Customer{Kind: 1, DisplayName: "X", Phones: []*customerv1.PhoneNumber{{Number: "12345"}}}, "customer.phones[0].number"},
		{"two primaries", &customerv1.Customer{Kind: 1, DisplayName: "X", Emails: []*customerv1.EmailAddress{{Address: "a@x.io", Primary: true}, {Address: "b@x.io", Primary: true}}}, "customer.emails"},
		{"name too long", person(string(make([]byte, 201))), "customer.display_name"},
		{"too many tags", &customerv1.Customer{Kind: 1, DisplayName: "X", Tags: make([]string, 51)}, "customer.tags"},
		{"bad attribute key", &customerv1.Customer{Kind: 1, DisplayName: "X", Attributes: map[string]*customerv1.AttributeValue{"a.b": {Kind: &customerv1.AttributeValue_BoolValue{}}}}, `customer.attributes["a.b"]`},
		{"impossible date", &customerv1.Customer{Kind: 1, DisplayName: "X", Demographics: &customerv1.Demographics{BirthDate: &typev1.Date{Year: 2001, Month: 2, Day: 30}}}, "customer.demographics.birth_date"},
		{"consent without source", &customerv1.Customer{Kind: 1, DisplayName: "X", Consents: []*customerv1.Consent{{Channel: 1}}}, "customer.consents[0].source"},
	}
	for _, tc := range cases {
		_, err := e.client.CreateCustomer(e.ctx, &customerv1.CreateCustomerRequest{Customer: tc.c})
		t.Run(tc.name, func(t *testing.T) { servertest.WantCode(t, err, codes.InvalidArgument, tc.field) })
	}
}

func TestDuplicateContactIsAlreadyExistsNamingTheCustomer(t *testing.T) {
	t.Parallel()
	e := start(t, service.Options{})
	first := e.create(t, person("Ada", "ada@example.com"))
	_, err := e.client.CreateCustomer(e.ctx, &customerv1.CreateCustomerRequest{Customer: person("Other Ada", "other@example.com", "ADA@example.com")})
	info := servertest.WantCode(t, err, codes.AlreadyExists, "customer.emails[1].address")
	if info.GetMetadata()["existing_customer"] != first.GetName() || info.GetReason() != "CONTACT_ALREADY_EXISTS" {
		t.Fatalf("error info %v, want existing_customer %s", info, first.GetName())
	}
	// The failed create released the contacts it had claimed.
	e.create(t, person("Other", "other@example.com"))
	withPhone := func(name, number string) *customerv1.Customer {
		c := person(name)
		c.Phones = []*customerv1.PhoneNumber{{Number: number}}
		return c
	}
	e.create(t, withPhone("P1", "+1 415 555 2671"))
	_, err = e.client.CreateCustomer(e.ctx, &customerv1.CreateCustomerRequest{Customer: withPhone("P2", "+14155552671")})
	servertest.WantCode(t, err, codes.AlreadyExists, "customer.phones[0].number")
}

func TestIdempotentCreateAfterLostResponse(t *testing.T) {
	t.Parallel()
	e := start(t, service.Options{})
	req := &customerv1.CreateCustomerRequest{Customer: person("Grace", "grace@example.com"), RequestId: "req-1"}
	first, err := e.client.CreateCustomer(e.ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	// The response was lost: the client retries the same request.
	again, err := e.client.CreateCustomer(e.ctx, req)
	if err != nil || !proto.Equal(first, again) {
		t.Fatalf("retry: %v, %v vs %v", err, again, first)
	}
	list, err := e.client.ListCustomers(e.ctx, &customerv1.ListCustomersRequest{})
	if err != nil || len(list.GetCustomers()) != 1 {
		t.Fatalf("customers after retry: %d, %v", len(list.GetCustomers()), err)
	}
	other := proto.Clone(req).(*customerv1.CreateCustomerRequest)
	other.Customer.DisplayName = "Someone else"
	_, err = e.client.CreateCustomer(e.ctx, other)
	if info := servertest.WantCode(t, err, codes.InvalidArgument, "request_id"); info.GetReason() != "IDEMPOTENCY_KEY_REUSED" {
		t.Fatalf("reason %q", info.GetReason())
	}
}

func TestConcurrentUpdatesExactlyOneWins(t *testing.T) {
	t.Parallel()
	e := start(t, service.Options{})
	c := e.create(t, person("Race"))
	for round := range 5 {
		var wg sync.WaitGroup
		codesSeen := make([]codes.Code, 2)
		for i := range 2 {
			wg.Go(func() {
				upd := &customerv1.Customer{Name: c.GetName(), Etag: c.GetEtag(), Owner: fmt.Sprintf("agent-%d-%d", round, i)}
				_, err := e.client.UpdateCustomer(e.ctx, &customerv1.UpdateCustomerRequest{Customer: upd, UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"owner"}}})
				codesSeen[i] = status.Code(err)
			})
		}
		wg.Wait()
		ok, aborted := 0, 0
		for _, cd := range codesSeen {
			switch cd {
			case codes.OK:
				ok++
			case codes.Aborted:
				aborted++
			}
		}
		if ok != 1 || aborted != 1 {
			t.Fatalf("round %d: codes %v, want one OK and one ABORTED", round, codesSeen)
		}
		got, err := e.client.GetCustomer(e.ctx, &customerv1.GetCustomerRequest{Name: c.GetName()})
		if err != nil {
			t.Fatal(err)
		}
		c = got.GetCustomer()
	}
}

func TestUpdateFieldMask(t *testing.T) {
	t.Parallel()
	e := start(t, service.Options{})
	c := e.create(t, person("Mask", "mask@example.com"))
	upd := &customerv1.Customer{Name: c.GetName(), DisplayName: "Changed", Owner: "not-in-mask",
		Emails: []*customerv1.EmailAddress{{Address: "new@example.com"}}}
	resp, err := e.client.UpdateCustomer(e.ctx, &customerv1.UpdateCustomerRequest{Customer: upd, UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"display_name", "emails"}}})
	if err != nil {
		t.Fatal(err)
	}
	got := resp.GetCustomer()
	if got.GetDisplayName() != "Changed" || got.GetOwner() != "" || got.GetEmails()[0].GetAddress() != "new@example.com" || got.GetEtag() == c.GetEtag() {
		t.Fatalf("after update: %v", got)
	}
	// The removed address is free again, the new one is taken.
	e.create(t, person("Takes old", "mask@example.com"))
	_, err = e.client.CreateCustomer(e.ctx, &customerv1.CreateCustomerRequest{Customer: person("Takes new", "new@example.com")})
	servertest.WantCode(t, err, codes.AlreadyExists, "customer.emails[0].address")
	_, err = e.client.UpdateCustomer(e.ctx, &customerv1.UpdateCustomerRequest{Customer: upd, UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"create_time"}}})
	servertest.WantCode(t, err, codes.InvalidArgument, "update_mask.paths")
	_, err = e.client.UpdateCustomer(e.ctx, &customerv1.UpdateCustomerRequest{Customer: &customerv1.Customer{Name: c.GetName(), Etag: c.GetEtag(), Owner: "x"}, UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"owner"}}})
	servertest.WantCode(t, err, codes.Aborted, "")
}

func TestBatchGet(t *testing.T) {
	t.Parallel()
	e := start(t, service.Options{})
	a, b := e.create(t, person("A")), e.create(t, person("B"))
	resp, err := e.client.BatchGetCustomers(e.ctx, &customerv1.BatchGetCustomersRequest{Names: []string{b.GetName(), a.GetName()}})
	if err != nil || len(resp.GetCustomers()) != 2 || resp.GetCustomers()[0].GetId() != b.GetId() {
		t.Fatalf("batch get: %v %v", resp, err)
	}
	_, err = e.client.BatchGetCustomers(e.ctx, &customerv1.BatchGetCustomersRequest{Names: []string{a.GetName(), "customers/missing"}})
	servertest.WantCode(t, err, codes.NotFound, "")
	_, err = e.client.BatchGetCustomers(e.ctx, &customerv1.BatchGetCustomersRequest{Names: []string{"people/1"}})
	servertest.WantCode(t, err, codes.InvalidArgument, "names[0]")
}
