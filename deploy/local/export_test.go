package main_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/metadata"
	"google.golang.org/protobuf/types/known/fieldmaskpb"

	"github.com/opencrm/crm/deploy/local/platform"
	customerv1 "github.com/opencrm/crm/gen/go/crm/customer/v1"
	interactionv1 "github.com/opencrm/crm/gen/go/crm/interaction/v1"
	loyaltyv1 "github.com/opencrm/crm/gen/go/crm/loyalty/v1"
	segmentationv1 "github.com/opencrm/crm/gen/go/crm/segmentation/v1"
	"github.com/opencrm/crm/pkg/crmctl"
)

// bundle is the documented shape of an export's bundle (docs/privacy.md).
type bundle struct {
	Name      string   `json:"name"`
	Customer  string   `json:"customer"`
	Customers []string `json:"customers"`
	Documents struct {
		Profile struct {
			Customers []struct {
				Customer struct {
					Name     string `json:"name"`
					Consents []any  `json:"consents"`
				} `json:"customer"`
				ConsentHistory []any `json:"consent_history"`
			} `json:"customers"`
			Merges []struct {
				Survivor string `json:"survivor"`
				Loser    string `json:"loser"`
			} `json:"merges"`
		} `json:"customer-profile"`
		Interaction struct {
			Interactions []struct {
				Name     string `json:"name"`
				Customer string `json:"customer"`
			} `json:"interactions"`
			Cases []struct {
				Name     string `json:"name"`
				Customer string `json:"customer"`
			} `json:"cases"`
		} `json:"interaction-log"`
		Segmentation struct {
			Customers []struct {
				Customer string          `json:"customer"`
				Facts    json.RawMessage `json:"facts"`
			} `json:"customers"`
		} `json:"segmentation"`
		Loyalty struct {
			Accounts []struct {
				Name     string `json:"name"`
				Customer string `json:"customer"`
			} `json:"accounts"`
			LedgerEntries []struct {
				Name string `json:"name"`
			} `json:"ledger_entries"`
			Redemptions []struct {
				Name     string `json:"name"`
				Customer string `json:"customer"`
			} `json:"redemptions"`
		} `json:"loyalty"`
	} `json:"documents"`
}

// An access export of a customer with data in every service holds every
// item of it and of the customer merged into it, and nothing of another.
func TestAccessExport(t *testing.T) {
	ctx := context.Background()
	p, err := platform.Start(ctx, testOptions(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = p.Stop() })
	token, err := p.Token(time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	dial := func(name string) *grpc.ClientConn {
		c, err := grpc.NewClient(p.Addr(name), grpc.WithTransportCredentials(insecure.NewCredentials()))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = c.Close() })
		return c
	}
	cctx, cancel := context.WithTimeout(metadata.AppendToOutgoingContext(ctx, "authorization", "Bearer "+token), 4*time.Minute)
	defer cancel()
	j := &journey{t: t, ctx: cctx,
		customers: customerv1.NewCustomerServiceClient(dial("customer-profile")), interactions: interactionv1.NewInteractionServiceClient(dial("interaction-log")),
		segments: segmentationv1.NewSegmentationServiceClient(dial("segmentation")), loyalty: loyaltyv1.NewLoyaltyServiceClient(dial("loyalty"))}

	if _, err := j.loyalty.CreateProgram(j.ctx, &loyaltyv1.CreateProgramRequest{Program: &loyaltyv1.Program{Id: "club", DisplayName: "Club",
		CurrencyCode: "EUR", PointsPerUnit: 1, AutoEnrol: true}}); err != nil {
		t.Fatal(err)
	}
	if _, err := j.loyalty.CreateReward(j.ctx, &loyaltyv1.CreateRewardRequest{Program: "programs/club",
		Reward: &loyaltyv1.Reward{Id: "mug", DisplayName: "Mug", PointsPrice: 10, Active: true}}); err != nil {
		t.Fatal(err)
	}
	ann := j.customer("Ann", "ann@example.com")
	old := j.customer("Ann (old account)", "ann.old@example.com")
	ben := j.customer("Ben", "ben@example.com")
	// Consent history: granted, then withdrawn.
	for _, granted := range []bool{true, false} {
		if _, err := j.customers.UpdateCustomer(j.ctx, &customerv1.UpdateCustomerRequest{
			Customer:   &customerv1.Customer{Name: ann, Consents: []*customerv1.Consent{{Channel: customerv1.ConsentChannel_CONSENT_CHANNEL_EMAIL, Granted: granted, Source: "web"}}},
			UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"consents"}}}); err != nil {
			t.Fatal(err)
		}
	}
	var mine []string
	for _, who := range []string{ann, old} {
		mine = append(mine, j.purchase(j.ctx, who, "order-"+who, 60).GetName())
	}
	complaint := j.log(j.ctx, &interactionv1.Interaction{Customer: ann, Channel: interactionv1.Channel_CHANNEL_PHONE, Kind: interactionv1.InteractionKind_INTERACTION_KIND_COMPLAINT,
		Subject: "late delivery", Complaint: &interactionv1.Complaint{Priority: interactionv1.CasePriority_CASE_PRIORITY_HIGH}})
	mine = append(mine, complaint.GetName())
	benPurchase := j.purchase(j.ctx, ben, "order-ben", 500)
	benComplaint := j.log(j.ctx, &interactionv1.Interaction{Customer: ben, Channel: interactionv1.Channel_CHANNEL_PHONE, Kind: interactionv1.InteractionKind_INTERACTION_KIND_COMPLAINT,
		Subject: "broken", Complaint: &interactionv1.Complaint{Priority: interactionv1.CasePriority_CASE_PRIORITY_LOW}})
	for _, who := range []string{ann, old, ben} {
		j.eventually("points of "+who, func() bool { return j.account(who).GetPurchases() == 1 })
		j.eventually("metrics of "+who, func() bool { return j.grades(who) != nil })
	}
	for _, who := range []string{ann, ben} {
		if _, err := j.loyalty.RedeemReward(j.ctx, &loyaltyv1.RedeemRewardRequest{Reward: "programs/club/rewards/mug", Customer: who, RequestId: "mug-" + who}); err != nil {
			t.Fatalf("redeem for %s: %v", who, err)
		}
	}
	if _, err := j.customers.MergeCustomers(j.ctx, &customerv1.MergeCustomersRequest{Survivor: ann, Loser: old}); err != nil {
		t.Fatal(err)
	}

	// Without customers.admin, no export.
	weak, err := p.Token(time.Hour, "customers.read", "customers.write")
	if err != nil {
		t.Fatal(err)
	}
	_, err = j.customers.ExportCustomerData(metadata.AppendToOutgoingContext(ctx, "authorization", "Bearer "+weak),
		&customerv1.ExportCustomerDataRequest{Name: ann, Reason: "DSAR-1"})
	if code(err) != codes.PermissionDenied {
		t.Fatalf("export without customers.admin: %v, want PERMISSION_DENIED", err)
	}
	// The merged-away record is exported through its survivor.
	if _, err := j.customers.ExportCustomerData(j.ctx, &customerv1.ExportCustomerDataRequest{Name: old, Reason: "DSAR-1"}); code(err) != codes.FailedPrecondition {
		t.Fatalf("export of a merged customer: %v, want FAILED_PRECONDITION", err)
	}

	started, err := j.customers.ExportCustomerData(j.ctx, &customerv1.ExportCustomerDataRequest{Name: ann, Reason: "DSAR-1"})
	if err != nil {
		t.Fatal(err)
	}
	x := started.GetExport()
	if !slices.Equal(x.GetCustomers(), []string{ann, old}) || len(x.GetParts()) != 4 {
		t.Fatalf("started export: %v", x)
	}
	j.eventually("the export done", func() bool {
		got, err := j.customers.GetExport(j.ctx, &customerv1.GetExportRequest{Name: x.GetName()})
		if err != nil {
			t.Fatal(err)
		}
		x = got.GetExport()
		return x.GetState() != customerv1.ExportState_EXPORT_STATE_RUNNING
	})
	if x.GetState() != customerv1.ExportState_EXPORT_STATE_SUCCEEDED {
		t.Fatalf("export: %v", x)
	}
	for _, part := range x.GetParts() {
		if part.GetState() != customerv1.ExportState_EXPORT_STATE_SUCCEEDED || part.GetSizeBytes() == 0 || part.GetCompleteTime() == nil {
			t.Errorf("part %v", part)
		}
	}

	raw := download(j.ctx, t, j.customers, x.GetName())
	var b bundle
	if err := json.Unmarshal([]byte(raw), &b); err != nil {
		t.Fatalf("bundle is not JSON: %v", err)
	}
	var keys struct {
		Documents map[string]json.RawMessage `json:"documents"`
	}
	if err := json.Unmarshal([]byte(raw), &keys); err != nil {
		t.Fatal(err)
	}
	if len(keys.Documents) != 4 || b.Name != x.GetName() || b.Customer != ann || !slices.Equal(b.Customers, []string{ann, old}) {
		t.Fatalf("bundle head %s %s %v, documents %d", b.Name, b.Customer, b.Customers, len(keys.Documents))
	}

	prof := b.Documents.Profile
	if len(prof.Customers) != 2 || prof.Customers[0].Customer.Name != ann || prof.Customers[1].Customer.Name != old {
		t.Errorf("profile customers: %+v", prof.Customers)
	}
	if len(prof.Customers) > 0 && (len(prof.Customers[0].ConsentHistory) != 2 || len(prof.Customers[0].Customer.Consents) != 1) {
		t.Errorf("Ann's consents %d, history %d; want 1 and 2", len(prof.Customers[0].Customer.Consents), len(prof.Customers[0].ConsentHistory))
	}
	if len(prof.Merges) != 1 || prof.Merges[0].Survivor != ann || prof.Merges[0].Loser != old {
		t.Errorf("merges: %+v", prof.Merges)
	}

	var got []string
	for _, i := range b.Documents.Interaction.Interactions {
		got = append(got, i.Name)
	}
	slices.Sort(got)
	slices.Sort(mine)
	if !slices.Equal(got, mine) {
		t.Errorf("interactions %v, want %v", got, mine)
	}
	if cs := b.Documents.Interaction.Cases; len(cs) != 1 || cs[0].Name != complaint.GetCase() {
		t.Errorf("cases %+v, want %s", cs, complaint.GetCase())
	}

	if sc := b.Documents.Segmentation.Customers; len(sc) != 1 || sc[0].Customer != ann || len(sc[0].Facts) == 0 {
		t.Errorf("segmentation: %+v, want Ann's metrics (Ann's old record's are in them)", sc)
	}

	loy := b.Documents.Loyalty
	owners := map[string]bool{}
	for _, a := range loy.Accounts {
		owners[a.Customer] = true
	}
	if len(loy.Accounts) != 2 || !owners[ann] || !owners[old] {
		t.Errorf("loyalty accounts %+v, want Ann's and her old record's", loy.Accounts)
	}
	// Each account earned for one purchase; Ann's also spent on the mug.
	if len(loy.LedgerEntries) < 3 {
		t.Errorf("ledger entries %d, want at least 3", len(loy.LedgerEntries))
	}
	if len(loy.Redemptions) != 1 || loy.Redemptions[0].Customer != ann {
		t.Errorf("redemptions %+v, want Ann's mug", loy.Redemptions)
	}

	// Nothing of Ben, anywhere in the bundle.
	for _, s := range []string{ben, strings.TrimPrefix(ben, "customers/"), "ben@example.com", benPurchase.GetName(), benComplaint.GetCase(), "order-ben"} {
		if strings.Contains(raw, s) {
			t.Errorf("the bundle holds %q, of another customer", s)
		}
	}

	// crmctl writes the same bundle to a file.
	env := map[string]string{"CRM_TOKEN": token, "CRM_PROFILE_ADDR": p.Addr("customer-profile"), "CRM_INTERACTION_ADDR": p.Addr("interaction-log"),
		"CRM_SEGMENTATION_ADDR": p.Addr("segmentation"), "CRM_LOYALTY_ADDR": p.Addr("loyalty")}
	file := filepath.Join(t.TempDir(), "ann.json")
	var out, errOut bytes.Buffer
	if code := crmctl.Run(ctx, []string{"customers", "export", ann, "-o", file, "--reason", "DSAR-2"}, func(k string) (string, bool) { v, ok := env[k]; return v, ok },
		crmctl.Stdio{In: strings.NewReader(""), Out: &out, Err: &errOut}); code != 0 {
		t.Fatalf("crmctl customers export: exit %d: %s", code, errOut.String())
	}
	written, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	var again bundle
	if err := json.Unmarshal(written, &again); err != nil || again.Customer != ann || len(again.Documents.Interaction.Interactions) != len(mine) || !strings.Contains(out.String(), file) {
		t.Errorf("crmctl's bundle: %v, customer %q, %d interactions; output %q", err, again.Customer, len(again.Documents.Interaction.Interactions), out.String())
	}
}

// download reads an export's bundle.
func download(ctx context.Context, t *testing.T, c customerv1.CustomerServiceClient, name string) string {
	t.Helper()
	stream, err := c.DownloadExport(ctx, &customerv1.DownloadExportRequest{Name: name})
	if err != nil {
		t.Fatal(err)
	}
	var sb strings.Builder
	for {
		m, err := stream.Recv()
		if errors.Is(err, io.EOF) {
			return sb.String()
		}
		if err != nil {
			t.Fatalf("download: %v", err)
		}
		sb.Write(m.GetData())
	}
}
