package api_test

import (
	"context"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/types/known/fieldmaskpb"

	customerv1 "github.com/opencrm/crm/gen/go/crm/customer/v1"
	feedv1 "github.com/opencrm/crm/gen/go/crm/feed/v1"
	typev1 "github.com/opencrm/crm/gen/go/crm/type/v1"
	"github.com/opencrm/crm/pkg/feed"
	"github.com/opencrm/crm/pkg/idempotency"
	"github.com/opencrm/crm/pkg/mongox"
	"github.com/opencrm/crm/pkg/server/servertest"
	"github.com/opencrm/crm/services/profile/service"
)

func TestListFiltersOrderAndPaging(t *testing.T) {
	t.Parallel()
	e := start(t, service.Options{})
	names := []string{"Dora", "alice", "Carl", "Bob", "Eve", "Fay", "Gus"}
	for i, n := range names {
		c := person(n)
		c.Tags = []string{map[bool]string{true: "even", false: "odd"}[i%2 == 0]}
		c.Demographics = &customerv1.Demographics{CountryCode: map[bool]string{true: "CN", false: "GB"}[i < 3]}
		c.Attributes = map[string]*customerv1.AttributeValue{"tier": {Kind: &customerv1.AttributeValue_StringValue{StringValue: map[bool]string{true: "gold", false: "basic"}[i == 4]}}}
		e.create(t, c)
	}
	// Every page of a name-ordered list, three at a time.
	var got []string
	token := ""
	for {
		resp, err := e.client.ListCustomers(e.ctx, &customerv1.ListCustomersRequest{PageSize: 3, PageToken: token, OrderBy: "display_name"})
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range resp.GetCustomers() {
			got = append(got, c.GetDisplayName())
		}
		if token = resp.GetNextPageToken(); token == "" {
			break
		}
	}
	if want := "[alice Bob Carl Dora Eve Fay Gus]"; fmtS(got) != want {
		t.Fatalf("paged order %v, want %s", got, want)
	}
	desc, err := e.client.ListCustomers(e.ctx, &customerv1.ListCustomersRequest{PageSize: 2, OrderBy: "display_name desc"})
	if err != nil || desc.GetCustomers()[0].GetDisplayName() != "Gus" {
		t.Fatalf("desc: %v %v", desc, err)
	}
	for _, tc := range []struct {
		f    *customerv1.CustomerFilter
		want int
	}{
		{&customerv1.CustomerFilter{Tag: "EVEN"}, 4},
		{&customerv1.CustomerFilter{CountryCode: "CN"}, 3},
		{&customerv1.CustomerFilter{CountryCode: "CN", Tag: "odd"}, 1},
		{&customerv1.CustomerFilter{Attributes: map[string]*customerv1.AttributeValue{"tier": {Kind: &customerv1.AttributeValue_StringValue{StringValue: "gold"}}}}, 1},
		{&customerv1.CustomerFilter{LifecycleStage: customerv1.LifecycleStage_LIFECYCLE_STAGE_PROSPECT}, 7},
		{&customerv1.CustomerFilter{LifecycleStage: customerv1.LifecycleStage_LIFECYCLE_STAGE_STABILITY}, 0},
	} {
		resp, err := e.client.ListCustomers(e.ctx, &customerv1.ListCustomersRequest{Filter: tc.f})
		if err != nil || len(resp.GetCustomers()) != tc.want {
			t.Errorf("filter %v: %d customers, want %d (%v)", tc.f, len(resp.GetCustomers()), tc.want, err)
		}
	}
	// A token is bound to its query and cannot be forged.
	first, _ := e.client.ListCustomers(e.ctx, &customerv1.ListCustomersRequest{PageSize: 2})
	_, err = e.client.ListCustomers(e.ctx, &customerv1.ListCustomersRequest{PageSize: 2, PageToken: first.GetNextPageToken(), OrderBy: "update_time"})
	servertest.WantCode(t, err, codes.InvalidArgument, "page_token")
	forged := []byte(first.GetNextPageToken())
	forged[5] ^= 1
	_, err = e.client.ListCustomers(e.ctx, &customerv1.ListCustomersRequest{PageSize: 2, PageToken: string(forged)})
	servertest.WantCode(t, err, codes.InvalidArgument, "page_token")
	_, err = e.client.ListCustomers(e.ctx, &customerv1.ListCustomersRequest{OrderBy: "email"})
	servertest.WantCode(t, err, codes.InvalidArgument, "order_by")
	_, err = e.client.ListCustomers(e.ctx, &customerv1.ListCustomersRequest{PageSize: 501})
	servertest.WantCode(t, err, codes.InvalidArgument, "page_size")
}

func fmtS(s []string) string {
	out := "["
	for i, v := range s {
		if i > 0 {
			out += " "
		}
		out += v
	}
	return out + "]"
}

func TestDeleteUndeleteAndPurge(t *testing.T) {
	t.Parallel()
	e := start(t, service.Options{Retention: 2 * time.Second, PurgeEvery: 200 * time.Millisecond})
	c := e.create(t, person("Temp", "temp@example.com"))
	_, err := e.client.DeleteCustomer(e.ctx, &customerv1.DeleteCustomerRequest{Name: c.GetName(), Etag: `"99"`})
	servertest.WantCode(t, err, codes.Aborted, "")
	del, err := e.client.DeleteCustomer(e.ctx, &customerv1.DeleteCustomerRequest{Name: c.GetName(), Etag: c.GetEtag()})
	if err != nil || del.GetCustomer().GetState() != customerv1.CustomerState_CUSTOMER_STATE_DELETED || del.GetCustomer().GetPurgeTime() == nil {
		t.Fatalf("delete: %v %v", del, err)
	}
	list, _ := e.client.ListCustomers(e.ctx, &customerv1.ListCustomersRequest{})
	withDeleted, _ := e.client.ListCustomers(e.ctx, &customerv1.ListCustomersRequest{ShowDeleted: true})
	if len(list.GetCustomers()) != 0 || len(withDeleted.GetCustomers()) != 1 {
		t.Fatalf("list hides deleted: %d, show_deleted: %d", len(list.GetCustomers()), len(withDeleted.GetCustomers()))
	}
	_, err = e.client.UpdateCustomer(e.ctx, &customerv1.UpdateCustomerRequest{Customer: &customerv1.Customer{Name: c.GetName(), Owner: "x"}, UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"owner"}}})
	servertest.WantCode(t, err, codes.FailedPrecondition, "")
	und, err := e.client.UndeleteCustomer(e.ctx, &customerv1.UndeleteCustomerRequest{Name: c.GetName()})
	if err != nil || und.GetCustomer().GetState() != customerv1.CustomerState_CUSTOMER_STATE_ACTIVE {
		t.Fatalf("undelete: %v %v", und, err)
	}
	_, err = e.client.UndeleteCustomer(e.ctx, &customerv1.UndeleteCustomerRequest{Name: c.GetName()})
	servertest.WantCode(t, err, codes.FailedPrecondition, "")

	// Deleted again and left past retention: the purge erases it.
	if _, err := e.client.DeleteCustomer(e.ctx, &customerv1.DeleteCustomerRequest{Name: c.GetName()}); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		_, err := e.client.GetCustomer(e.ctx, &customerv1.GetCustomerRequest{Name: c.GetName()})
		if err != nil {
			if info := servertest.WantCode(t, err, codes.NotFound, ""); info.GetReason() != "CUSTOMER_ERASED" {
				t.Fatalf("reason %q", info.GetReason())
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("not purged after retention")
		}
		time.Sleep(100 * time.Millisecond)
	}
	_, err = e.client.UndeleteCustomer(e.ctx, &customerv1.UndeleteCustomerRequest{Name: c.GetName()})
	servertest.WantCode(t, err, codes.NotFound, "")
}

func TestMergeMovesContactsAndRecordsHistory(t *testing.T) {
	t.Parallel()
	e := start(t, service.Options{})
	s := person("Ada Lovelace", "ada@example.com")
	s.Tags = []string{"vip"}
	survivor := e.create(t, s)
	l := person("A. Lovelace", "ada.lovelace@work.example")
	l.Phones = []*customerv1.PhoneNumber{{Number: "+14155552671"}}
	l.LegalName = "Augusta Ada King"
	l.Tags = []string{"newsletter", "vip"}
	l.Demographics = &customerv1.Demographics{BirthDate: &typev1.Date{Year: 1815, Month: 12, Day: 10}}
	loser := e.create(t, l)

	_, err := e.client.MergeCustomers(e.ctx, &customerv1.MergeCustomersRequest{Survivor: survivor.GetName(), Loser: survivor.GetName()})
	servertest.WantCode(t, err, codes.InvalidArgument, "loser")
	resp, err := e.client.MergeCustomers(e.ctx, &customerv1.MergeCustomersRequest{Survivor: survivor.GetName(), Loser: loser.GetName(), RequestId: "m1"})
	if err != nil {
		t.Fatal(err)
	}
	m := resp.GetCustomer()
	if m.GetDisplayName() != "Ada Lovelace" || m.GetLegalName() != "Augusta Ada King" || len(m.GetEmails()) != 2 || len(m.GetPhones()) != 1 ||
		fmtS(m.GetTags()) != "[vip newsletter]" || m.GetDemographics().GetBirthDate().GetYear() != 1815 || !m.GetEmails()[0].GetPrimary() || m.GetEmails()[1].GetPrimary() {
		t.Fatalf("merged survivor: %v", m)
	}
	gotLoser, err := e.client.GetCustomer(e.ctx, &customerv1.GetCustomerRequest{Name: loser.GetName()})
	if err != nil || gotLoser.GetCustomer().GetState() != customerv1.CustomerState_CUSTOMER_STATE_MERGED || gotLoser.GetCustomer().GetMergedInto() != survivor.GetName() {
		t.Fatalf("loser after merge: %v %v", gotLoser, err)
	}
	for _, name := range []string{survivor.GetName(), loser.GetName()} {
		h, err := e.client.ListMerges(e.ctx, &customerv1.ListMergesRequest{Customer: name})
		if err != nil || len(h.GetMerges()) != 1 || h.GetMerges()[0].GetActor() != "tester" || h.GetMerges()[0].GetLoser() != loser.GetName() {
			t.Fatalf("merge history of %s: %v %v", name, h, err)
		}
	}
	// The loser's contacts now belong to the survivor.
	_, err = e.client.CreateCustomer(e.ctx, &customerv1.CreateCustomerRequest{Customer: person("X", "ada.lovelace@work.example")})
	if info := servertest.WantCode(t, err, codes.AlreadyExists, ""); info.GetMetadata()["existing_customer"] != survivor.GetName() {
		t.Fatalf("contact owner after merge: %v", info.GetMetadata())
	}
	_, err = e.client.MergeCustomers(e.ctx, &customerv1.MergeCustomersRequest{Survivor: survivor.GetName(), Loser: loser.GetName()})
	servertest.WantCode(t, err, codes.FailedPrecondition, "")
	evs := watch(t, e, 0, 3)
	last := evs[2]
	var merged customerv1.CustomersMerged
	if err := last.GetPayload().UnmarshalTo(&merged); err != nil || merged.GetLoser() != loser.GetName() || last.GetSubject() != survivor.GetName() {
		t.Fatalf("merge event: %v %v", last, err)
	}

	// Erasing the survivor erases the record merged into it: the same person.
	if _, err := e.client.EraseCustomer(e.ctx, &customerv1.EraseCustomerRequest{Name: survivor.GetName(), Reason: "request 7"}); err != nil {
		t.Fatal(err)
	}
	_, err = e.client.GetCustomer(e.ctx, &customerv1.GetCustomerRequest{Name: loser.GetName()})
	if info := servertest.WantCode(t, err, codes.NotFound, ""); info.GetReason() != "CUSTOMER_ERASED" {
		t.Fatalf("merged record after erasing the survivor: %v", info)
	}
}

func TestEraseLeavesOnlyATombstone(t *testing.T) {
	t.Parallel()
	e := start(t, service.Options{})
	c := person("Private Person", "private@example.com")
	c.Demographics = &customerv1.Demographics{CountryCode: "DE"}
	c.Consents = []*customerv1.Consent{{Channel: customerv1.ConsentChannel_CONSENT_CHANNEL_EMAIL, Granted: true, Source: "web-form", Evidence: "private@example.com"}}
	created, err := e.client.CreateCustomer(e.ctx, &customerv1.CreateCustomerRequest{Customer: c, RequestId: "create-private"})
	if err != nil {
		t.Fatal(err)
	}
	name := created.GetCustomer().GetName()
	_, err = e.client.EraseCustomer(e.ctx, &customerv1.EraseCustomerRequest{Name: name})
	servertest.WantCode(t, err, codes.InvalidArgument, "reason")
	er, err := e.client.EraseCustomer(e.ctx, &customerv1.EraseCustomerRequest{Name: name, Reason: "GDPR request 42"})
	if err != nil || er.GetEraseTime() == nil {
		t.Fatalf("erase: %v %v", er, err)
	}
	_, err = e.client.GetCustomer(e.ctx, &customerv1.GetCustomerRequest{Name: name})
	if info := servertest.WantCode(t, err, codes.NotFound, ""); info.GetReason() != "CUSTOMER_ERASED" {
		t.Fatalf("reason %q", info.GetReason())
	}
	// The stored document keeps only the id and the erasure time.
	cl, err := mongox.Connect(context.Background(), e.srv.Mongo, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = cl.Disconnect(context.Background()) }()
	db := cl.Database(e.srv.Mongo.Database)
	var doc bson.M
	if err := db.Collection("customers").FindOne(context.Background(), bson.D{{Key: "_id", Value: created.GetCustomer().GetId()}}).Decode(&doc); err != nil {
		t.Fatal(err)
	}
	for k := range doc {
		if k != "_id" && k != "state" && k != "erase_time" && k != "version" && k != "outbox" {
			t.Errorf("tombstone keeps field %q", k)
		}
	}
	// No stored response or feed payload still holds the customer's data.
	for _, coll := range []string{idempotency.Collection, idempotency.ResponsesCollection, feed.EventsCollection} {
		n, err := db.Collection(coll).CountDocuments(context.Background(), bson.D{{Key: "payload", Value: bson.D{{Key: "$exists", Value: true}}}, {Key: "subject", Value: name}, {Key: "type", Value: "crm.customer.v1.CustomerCreated"}})
		if err != nil || n != 0 {
			t.Errorf("%s still holds the customer's data: %d %v", coll, n, err)
		}
	}
	for _, coll := range []string{idempotency.Collection, idempotency.ResponsesCollection} {
		n, _ := db.Collection(coll).CountDocuments(context.Background(), bson.D{{Key: "_id", Value: bson.D{{Key: "$regex", Value: "^CreateCustomer:create-private"}}}})
		if n != 0 {
			t.Errorf("%s: the create request (its hash, or its response with personal data) is still stored", coll)
		}
	}
	evs := watch(t, e, 0, 2)
	if !evs[0].GetRedacted() || evs[0].GetPayload() != nil {
		t.Errorf("created event not redacted: %v", evs[0])
	}
	var erased customerv1.CustomerErased
	if err := evs[1].GetPayload().UnmarshalTo(&erased); err != nil || erased.GetCustomer() != name || erased.GetReason() != "GDPR request 42" {
		t.Errorf("erased event: %v %v", evs[1], err)
	}
	// The address is free again.
	e.create(t, person("New owner", "private@example.com"))
	_, err = e.client.EraseCustomer(e.ctx, &customerv1.EraseCustomerRequest{Name: name, Reason: "again"})
	servertest.WantCode(t, err, codes.NotFound, "")
}

func TestFindDuplicates(t *testing.T) {
	t.Parallel()
	e := start(t, service.Options{})
	a := e.create(t, person("Ada", "ada.l+news@gmail.com"))
	b := e.create(t, person("Ada L", "adal@gmail.com"))
	bd := &typev1.Date{Year: 1990, Month: 5, Day: 17}
	c1, c2 := person("John  Smith"), person("john smith")
	c1.Demographics, c2.Demographics = &customerv1.Demographics{BirthDate: bd}, &customerv1.Demographics{BirthDate: bd}
	j1, j2 := e.create(t, c1), e.create(t, c2)
	e.create(t, person("John Smith")) // no birth date: not a duplicate

	all, err := e.client.FindDuplicates(e.ctx, &customerv1.FindDuplicatesRequest{})
	if err != nil || len(all.GetGroups()) != 2 {
		t.Fatalf("groups: %v %v", all, err)
	}
	reasons := map[customerv1.DuplicateReason][]string{}
	for _, g := range all.GetGroups() {
		for _, c := range g.GetCustomers() {
			reasons[g.GetReason()] = append(reasons[g.GetReason()], c.GetId())
		}
	}
	if fmtS(reasons[customerv1.DuplicateReason_DUPLICATE_REASON_SAME_EMAIL]) != fmtS([]string{a.GetId(), b.GetId()}) ||
		fmtS(reasons[customerv1.DuplicateReason_DUPLICATE_REASON_SAME_NAME_AND_BIRTH_DATE]) != fmtS([]string{j1.GetId(), j2.GetId()}) {
		t.Fatalf("groups by reason: %v", reasons)
	}
	one, err := e.client.FindDuplicates(e.ctx, &customerv1.FindDuplicatesRequest{Customer: j2.GetName()})
	if err != nil || len(one.GetGroups()) != 1 || len(one.GetGroups()[0].GetCustomers()) != 2 {
		t.Fatalf("duplicates of one: %v %v", one, err)
	}
}

func TestWatchCustomerEventsInOrder(t *testing.T) {
	t.Parallel()
	e := start(t, service.Options{})
	c := e.create(t, person("Feed"))
	_, err := e.client.UpdateCustomer(e.ctx, &customerv1.UpdateCustomerRequest{
		Customer:   &customerv1.Customer{Name: c.GetName(), Consents: []*customerv1.Consent{{Channel: customerv1.ConsentChannel_CONSENT_CHANNEL_SMS, Granted: true, Source: "call"}}},
		UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"consents"}}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.client.DeleteCustomer(e.ctx, &customerv1.DeleteCustomerRequest{Name: c.GetName()}); err != nil {
		t.Fatal(err)
	}
	evs := watch(t, e, 0, 4)
	var created customerv1.CustomerCreated
	if err := evs[0].GetPayload().UnmarshalTo(&created); err != nil || created.GetCustomer().GetEtag() != c.GetEtag() {
		t.Errorf("created event carries etag %q, the response %q", created.GetCustomer().GetEtag(), c.GetEtag())
	}
	var types []string
	for i, ev := range evs {
		types = append(types, ev.GetType())
		if ev.GetSequence() <= 0 || (i > 0 && ev.GetSequence() <= evs[i-1].GetSequence()) || ev.GetSubject() != c.GetName() {
			t.Errorf("event %d: %v", i, ev)
		}
	}
	want := "[crm.customer.v1.CustomerCreated crm.customer.v1.CustomerUpdated crm.customer.v1.ConsentChanged crm.customer.v1.CustomerDeleted]"
	if fmtS(types) != want {
		t.Fatalf("types %v", types)
	}
	// Resuming after the second event replays only what follows.
	rest := watch(t, e, evs[1].GetSequence(), 2)
	if rest[0].GetId() != evs[2].GetId() {
		t.Fatalf("resume: %v", rest[0])
	}
}

// watch reads n events after the given sequence from the feed.
func watch(t *testing.T, e *env, after int64, n int) []*feedv1.Event {
	t.Helper()
	ctx, cancel := context.WithTimeout(e.ctx, 10*time.Second)
	defer cancel()
	stream, err := e.client.WatchCustomerEvents(ctx, &customerv1.WatchCustomerEventsRequest{AfterSequence: after})
	if err != nil {
		t.Fatal(err)
	}
	var out []*feedv1.Event
	for len(out) < n {
		resp, err := stream.Recv()
		if err != nil {
			t.Fatalf("after %d events: %v", len(out), err)
		}
		out = append(out, resp.GetEvent())
	}
	return out
}
