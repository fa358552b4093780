package main_test

import (
	"bytes"
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/metadata"
	"google.golang.org/protobuf/types/known/fieldmaskpb"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/opencrm/crm/deploy/local/platform"
	auditv1 "github.com/opencrm/crm/gen/go/crm/audit/v1"
	customerv1 "github.com/opencrm/crm/gen/go/crm/customer/v1"
	interactionv1 "github.com/opencrm/crm/gen/go/crm/interaction/v1"
	"github.com/opencrm/crm/pkg/auth"
	"github.com/opencrm/crm/pkg/crmctl"
)

// An update made with ann's token is ann's in customer-profile's audit, her
// interaction is in interaction-log's, crmctl shows both, and an erasure
// keeps the entries without the customer's name.
func TestAuditTrail(t *testing.T) {
	ctx := context.Background()
	p, err := platform.Start(ctx, testOptions(t))
	if err != nil {
		t.Fatal(err)
	}
	defer p.Stop()
	admin, err := p.Token(time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	ann, err := auth.Mint(p.Secret, "ann", []string{"customers.read", "customers.write", "interactions.write"}, time.Hour, "", "")
	if err != nil {
		t.Fatal(err)
	}
	as := func(token string) context.Context {
		c, cancel := context.WithTimeout(metadata.AppendToOutgoingContext(ctx, "authorization", "Bearer "+token), 2*time.Minute)
		t.Cleanup(cancel)
		return c
	}
	dial := func(service string) *grpc.ClientConn {
		c, err := grpc.NewClient(p.Addr(service), grpc.WithTransportCredentials(insecure.NewCredentials()))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = c.Close() })
		return c
	}
	profileConn, interactionConn := dial("customer-profile"), dial("interaction-log")
	customers, interactions := customerv1.NewCustomerServiceClient(profileConn), interactionv1.NewInteractionServiceClient(interactionConn)
	profileAudit, interactionAudit := auditv1.NewAuditServiceClient(profileConn), auditv1.NewAuditServiceClient(interactionConn)

	created, err := customers.CreateCustomer(as(admin), &customerv1.CreateCustomerRequest{Customer: &customerv1.Customer{
		Kind: customerv1.CustomerKind_CUSTOMER_KIND_PERSON, DisplayName: "Dora Example", Emails: []*customerv1.EmailAddress{{Address: "dora@example.com"}}}})
	if err != nil {
		t.Fatal(err)
	}
	dora := created.GetCustomer().GetName()
	if _, err := customers.UpdateCustomer(as(ann), &customerv1.UpdateCustomerRequest{
		Customer:   &customerv1.Customer{Name: dora, DisplayName: "Dora Secretname", Tags: []string{"vip"}},
		UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"display_name", "tags"}}, RequestId: "ann-update-1"}); err != nil {
		t.Fatal(err)
	}
	if _, err := interactions.LogInteraction(as(ann), &interactionv1.LogInteractionRequest{Interaction: &interactionv1.Interaction{
		Customer: dora, Channel: interactionv1.Channel_CHANNEL_EMAIL, Direction: interactionv1.Direction_DIRECTION_INBOUND,
		Kind: interactionv1.InteractionKind_INTERACTION_KIND_INQUIRY, Subject: "sizes", OccurTime: timestamppb.New(time.Now().Add(-time.Hour))}}); err != nil {
		t.Fatal(err)
	}

	list := func(client auditv1.AuditServiceClient, f *auditv1.AuditFilter) []*auditv1.AuditEntry {
		t.Helper()
		resp, err := client.ListAuditEntries(as(admin), &auditv1.ListAuditEntriesRequest{Filter: f})
		if err != nil {
			t.Fatal(err)
		}
		return resp.GetAuditEntries()
	}
	find := func(es []*auditv1.AuditEntry, method string) *auditv1.AuditEntry {
		for _, e := range es {
			if strings.HasSuffix(e.GetMethod(), "/"+method) {
				return e
			}
		}
		return nil
	}

	profileEntries := list(profileAudit, &auditv1.AuditFilter{Customer: dora})
	update := find(profileEntries, "UpdateCustomer")
	if update == nil || update.GetActor().GetSubject() != "ann" || update.GetResource() != dora || update.GetRequestId() != "ann-update-1" ||
		!slices.Equal(update.GetChangedPaths(), []string{"display_name", "tags"}) || update.GetCode() != "OK" {
		t.Fatalf("customer-profile's audit of %s: %v", dora, profileEntries)
	}
	if c := find(profileEntries, "CreateCustomer"); c == nil || c.GetActor().GetSubject() != "local-admin" || c.GetResource() != dora {
		t.Errorf("the creation: %v", c)
	}
	if es := list(profileAudit, &auditv1.AuditFilter{Actor: "ann"}); len(es) != 1 || es[0].GetName() != update.GetName() {
		t.Errorf("ann's entries: %v", es)
	}
	logged := find(list(interactionAudit, &auditv1.AuditFilter{Customer: dora}), "LogInteraction")
	if logged == nil || logged.GetActor().GetSubject() != "ann" || !strings.HasPrefix(logged.GetResource(), "interactions/") ||
		!slices.Contains(logged.GetChangedPaths(), "interaction.subject") {
		t.Fatalf("interaction-log's audit: %v", logged)
	}
	if _, err := profileAudit.ListAuditEntries(as(ann), &auditv1.ListAuditEntriesRequest{}); code(err) != codes.PermissionDenied {
		t.Errorf("listing without audit.read: %v, want PERMISSION_DENIED", err)
	}

	env := map[string]string{"CRM_TOKEN": admin, "CRM_PROFILE_ADDR": p.Addr("customer-profile"), "CRM_INTERACTION_ADDR": p.Addr("interaction-log"),
		"CRM_SEGMENTATION_ADDR": p.Addr("segmentation"), "CRM_LOYALTY_ADDR": p.Addr("loyalty")}
	var out, errs bytes.Buffer
	if rc := crmctl.Run(ctx, []string{"customers", "audit", dora}, func(k string) (string, bool) { v, ok := env[k]; return v, ok },
		crmctl.Stdio{In: strings.NewReader(""), Out: &out, Err: &errs}); rc != 0 {
		t.Fatalf("crmctl customers audit: exit %d: %s", rc, errs.String())
	}
	for _, want := range []string{"UpdateCustomer", "display_name,tags", "LogInteraction", "interaction-log", "ann", "local-admin"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("crmctl customers audit lacks %q:\n%s", want, out.String())
		}
	}

	// The erasure keeps the entries, no longer under the customer's name,
	// in customer-profile at once and in interaction-log through the feed.
	if _, err := customers.EraseCustomer(as(admin), &customerv1.EraseCustomerRequest{Name: dora, Reason: "ticket 7"}); err != nil {
		t.Fatal(err)
	}
	if es := list(profileAudit, &auditv1.AuditFilter{Customer: dora}); len(es) != 0 {
		t.Errorf("customer-profile's audit still names %s: %v", dora, es)
	}
	if e := find(list(profileAudit, &auditv1.AuditFilter{Actor: "ann"}), "UpdateCustomer"); e == nil || e.GetCustomer() != "customers/erased" ||
		e.GetResource() != "customers/erased" || e.GetRequestId() != "" || len(e.GetChangedPaths()) != 2 {
		t.Errorf("ann's update after the erasure: %v", e)
	}
	deadline := time.Now().Add(45 * time.Second)
	for len(list(interactionAudit, &auditv1.AuditFilter{Customer: dora})) != 0 {
		if time.Now().After(deadline) {
			t.Fatalf("interaction-log's audit still names %s", dora)
		}
		time.Sleep(100 * time.Millisecond)
	}
	if e := find(list(interactionAudit, &auditv1.AuditFilter{Customer: "customers/erased"}), "LogInteraction"); e == nil || e.GetActor().GetSubject() != "ann" {
		t.Errorf("ann's interaction after the erasure: %v", e)
	}
}
