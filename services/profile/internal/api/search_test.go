package api_test

import (
	"context"
	"strings"
	"testing"

	"go.mongodb.org/mongo-driver/v2/bson"
	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/types/known/fieldmaskpb"

	customerv1 "github.com/opencrm/crm/gen/go/crm/customer/v1"
	"github.com/opencrm/crm/pkg/mongox"
	"github.com/opencrm/crm/pkg/server/servertest"
	"github.com/opencrm/crm/services/profile/service"
)

func (e *env) search(t *testing.T, q string) []string {
	t.Helper()
	resp, err := e.client.SearchCustomers(e.ctx, &customerv1.SearchCustomersRequest{Query: q})
	if err != nil {
		t.Fatalf("search %q: %v", q, err)
	}
	var got []string
	for _, c := range resp.GetCustomers() {
		got = append(got, c.GetDisplayName())
	}
	return got
}

func TestSearch(t *testing.T) {
	t.Parallel()
	e := start(t, service.Options{})
	ada := person("Ada Lovelace", "ada@example.com")
	ada.Phones = []*customerv1.PhoneNumber{{Number: "+44 20 7946 0958"}}
	e.create(t, ada)
	e.create(t, person("Adam Smith"))
	e.create(t, person("Grace (Hopper)", "grace@example.com"))
	ben := person("Ben Müller")
	ben.LegalName = "Benedikt Müller-Lüdenscheidt"
	e.create(t, ben)
	for _, tc := range []struct {
		q    string
		want []string
	}{
		{"lovelace", []string{"Ada Lovelace"}},
		{"LOVELACE", []string{"Ada Lovelace"}},
		{"müller", []string{"Ben Müller"}},
		{"MULLER", []string{"Ben Müller"}},
		{"Mül", []string{"Ben Müller"}},
		{"ludenscheidt", []string{"Ben Müller"}}, // a word of the legal name
		{"muller ben", []string{"Ben Müller"}},
		{"ada", []string{"Ada Lovelace", "Adam Smith"}}, // the whole word first, then the beginning
		{"ADA  LOV", []string{"Ada Lovelace"}},
		{"a", []string{"Ada Lovelace", "Adam Smith"}},
		{"ADA@Example.com", []string{"Ada Lovelace"}},
		{"+442079460958", []string{"Ada Lovelace"}},
		{"+44 (20) 7946-0958", []string{"Ada Lovelace"}},
		{"grace (", []string{"Grace (Hopper)"}},
		{"hopper", []string{"Grace (Hopper)"}},
		{"ada smith", nil}, // only the last word may be the beginning of one
		{"nobody", nil},
		{"nobody@example.com", nil},
	} {
		if got := e.search(t, tc.q); fmtS(got) != fmtS(tc.want) {
			t.Errorf("search %q: %v, want %v", tc.q, got, tc.want)
		}
	}
	_, err := e.client.SearchCustomers(e.ctx, &customerv1.SearchCustomersRequest{Query: "+99 12345"})
	servertest.WantCode(t, err, codes.InvalidArgument, "query")
	_, err = e.client.SearchCustomers(e.ctx, &customerv1.SearchCustomersRequest{Query: "(( ))"})
	servertest.WantCode(t, err, codes.InvalidArgument, "query")
}

func TestSearchRanksExactMatchesFirstAndPages(t *testing.T) {
	t.Parallel()
	e := start(t, service.Options{})
	// Created in an order unlike the ranking.
	for _, n := range []string{"Annabel Zed", "Anna Berg", "Zoe Anna", "Anna", "Anne Anna", "Annika"} {
		e.create(t, person(n))
	}
	// The whole name, then names with the whole word, then names with a
	// word that begins with it; by name within each.
	got := e.search(t, "anna")
	if w := "[Anna Anna Berg Anne Anna Zoe Anna Annabel Zed]"; fmtS(got) != w {
		t.Fatalf("search anna: %v, want %s", got, w)
	}
	// The same order page by page.
	var paged []string
	token := ""
	for {
		resp, err := e.client.SearchCustomers(e.ctx, &customerv1.SearchCustomersRequest{Query: "anna", PageSize: 2, PageToken: token})
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range resp.GetCustomers() {
			paged = append(paged, c.GetDisplayName())
		}
		if token = resp.GetNextPageToken(); token == "" {
			break
		}
	}
	if fmtS(paged) != fmtS(got) {
		t.Fatalf("paged %v, want %v", paged, got)
	}
	if got := e.search(t, "ann"); fmtS(got) != "[Anna Anna Berg Annabel Zed Anne Anna Annika Zoe Anna]" {
		t.Fatalf("search ann: %v", got)
	}
}

// Search follows every change of a customer: a renamed customer is found
// by its new name only, deleted and merged ones are not found, an undeleted
// one is again, and an erased one is not, nor is its name left in the
// index.
func TestSearchFollowsChanges(t *testing.T) {
	t.Parallel()
	e := start(t, service.Options{})
	ada := e.create(t, person("Ada Byron", "ada@example.com"))
	upd, err := e.client.UpdateCustomer(e.ctx, &customerv1.UpdateCustomerRequest{
		Customer:   &customerv1.Customer{Name: ada.GetName(), DisplayName: "Ada Lovelace", Etag: ada.GetEtag()},
		UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"display_name"}}})
	if err != nil {
		t.Fatal(err)
	}
	if got := e.search(t, "byron"); got != nil {
		t.Errorf("old name still found: %v", got)
	}
	if got := e.search(t, "lovelace"); fmtS(got) != "[Ada Lovelace]" {
		t.Errorf("new name: %v", got)
	}
	// An update of another field keeps the customer findable.
	if _, err := e.client.UpdateCustomer(e.ctx, &customerv1.UpdateCustomerRequest{
		Customer:   &customerv1.Customer{Name: ada.GetName(), Tags: []string{"vip"}, Etag: upd.GetCustomer().GetEtag()},
		UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"tags"}}}); err != nil {
		t.Fatal(err)
	}
	if got := e.search(t, "lovelace"); fmtS(got) != "[Ada Lovelace]" {
		t.Errorf("after a tag change: %v", got)
	}

	// Soft delete hides, undelete shows again.
	if _, err := e.client.DeleteCustomer(e.ctx, &customerv1.DeleteCustomerRequest{Name: ada.GetName()}); err != nil {
		t.Fatal(err)
	}
	if got := e.search(t, "lovelace"); got != nil {
		t.Errorf("deleted customer found: %v", got)
	}
	if got := e.search(t, "ada@example.com"); got != nil {
		t.Errorf("deleted customer found by e-mail: %v", got)
	}
	if _, err := e.client.UndeleteCustomer(e.ctx, &customerv1.UndeleteCustomerRequest{Name: ada.GetName()}); err != nil {
		t.Fatal(err)
	}
	if got := e.search(t, "lovelace"); fmtS(got) != "[Ada Lovelace]" {
		t.Errorf("undeleted customer: %v", got)
	}

	// A merged customer is found as the survivor only.
	dup := e.create(t, person("Ada L. Lovelace", "countess@example.com"))
	if got := e.search(t, "lovelace"); len(got) != 2 {
		t.Fatalf("before the merge: %v", got)
	}
	if _, err := e.client.MergeCustomers(e.ctx, &customerv1.MergeCustomersRequest{Survivor: ada.GetName(), Loser: dup.GetName()}); err != nil {
		t.Fatal(err)
	}
	if got := e.search(t, "lovelace"); fmtS(got) != "[Ada Lovelace]" {
		t.Errorf("after the merge: %v", got)
	}
	if got := e.search(t, "countess@example.com"); fmtS(got) != "[Ada Lovelace]" {
		t.Errorf("the loser's e-mail finds the survivor: %v", got)
	}

	// Erased: not found, and the index keeps no entry naming the customer.
	if _, err := e.client.EraseCustomer(e.ctx, &customerv1.EraseCustomerRequest{Name: ada.GetName(), Reason: "request"}); err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{"lovelace", "ada", "ada@example.com", "countess@example.com"} {
		if got := e.search(t, q); got != nil {
			t.Errorf("erased customer found by %q: %v", q, got)
		}
	}
	cl, err := mongox.Connect(context.Background(), e.srv.Mongo, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = cl.Disconnect(context.Background()) }()
	cur, err := cl.Database(e.srv.Mongo.Database).Collection("search_words").Find(e.ctx, bson.D{})
	if err != nil {
		t.Fatal(err)
	}
	var docs []struct {
		ID      string   `bson:"_id"`
		Entries []string `bson:"entries"`
	}
	if err := cur.All(e.ctx, &docs); err != nil {
		t.Fatal(err)
	}
	id := strings.TrimPrefix(ada.GetName(), "customers/")
	for _, d := range docs {
		for _, en := range d.Entries {
			if strings.Contains(en, id) || strings.Contains(en, "lovelace") {
				t.Errorf("index document %s keeps %q after the erasure", d.ID, en)
			}
		}
	}
}
