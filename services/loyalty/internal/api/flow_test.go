package api_test

import (
	"context"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/types/known/fieldmaskpb"
	"google.golang.org/protobuf/types/known/timestamppb"

	customerv1 "github.com/opencrm/crm/gen/go/crm/customer/v1"
	interactionv1 "github.com/opencrm/crm/gen/go/crm/interaction/v1"
	loyaltyv1 "github.com/opencrm/crm/gen/go/crm/loyalty/v1"
	typev1 "github.com/opencrm/crm/gen/go/crm/type/v1"
	"github.com/opencrm/crm/pkg/dbtest"
	"github.com/opencrm/crm/pkg/feed"
	"github.com/opencrm/crm/pkg/mongox"
	"github.com/opencrm/crm/pkg/server/servertest"
)

func (e *env) logPurchase(t *testing.T, customer, order string, amount *typev1.Money) string {
	t.Helper()
	resp, err := e.interactions.LogInteraction(e.ctx, &interactionv1.LogInteractionRequest{Interaction: &interactionv1.Interaction{
		Customer: customer, Channel: interactionv1.Channel_CHANNEL_WEB, Direction: interactionv1.Direction_DIRECTION_INBOUND,
		Kind: interactionv1.InteractionKind_INTERACTION_KIND_PURCHASE, OccurTime: timestamppb.Now(),
		Purchase: &interactionv1.Purchase{OrderId: order, Amount: amount}}})
	if err != nil {
		t.Fatalf("log purchase: %v", err)
	}
	return resp.GetInteraction().GetName()
}

func (e *env) logRefund(t *testing.T, customer, purchase string, amount *typev1.Money) {
	t.Helper()
	_, err := e.interactions.LogInteraction(e.ctx, &interactionv1.LogInteractionRequest{Interaction: &interactionv1.Interaction{
		Customer: customer, Channel: interactionv1.Channel_CHANNEL_WEB, Direction: interactionv1.Direction_DIRECTION_INBOUND,
		Kind: interactionv1.InteractionKind_INTERACTION_KIND_REFUND, OccurTime: timestamppb.Now(),
		Refund: &interactionv1.Refund{Purchase: purchase, Amount: amount}}})
	if err != nil {
		t.Fatalf("log refund: %v", err)
	}
}

func (e *env) balance(program, customer string) func() int64 {
	return func() int64 {
		resp, err := e.client.GetAccount(e.ctx, &loyaltyv1.GetAccountRequest{Program: program, Customer: customer})
		if err != nil {
			return -1
		}
		return resp.GetAccount().GetBalance()
	}
}

func (e *env) entries(t *testing.T, program, customer string) []*loyaltyv1.LedgerEntry {
	t.Helper()
	resp, err := e.client.ListLedgerEntries(e.ctx, &loyaltyv1.ListLedgerEntriesRequest{Program: program, Customer: customer, PageSize: 500})
	if err != nil {
		t.Fatal(err)
	}
	return resp.GetEntries()
}

// A purchase logged in interaction-log earns points without any call to
// loyalty; a partial refund reverses its share; the spent part of a full
// refund becomes debt. A replay of the whole feed after a restart changes
// nothing.
func TestPurchasesAndRefundsArriveThroughTheInteractionFeed(t *testing.T) {
	t.Parallel()
	e := start(t)
	prog := e.program(t, club("club", true))
	c := e.customer(t, "Grace")
	bal := e.balance(prog, c)

	p1 := e.logPurchase(t, c, "o-1", eur(100, 0)) // 100 + 50 welcome
	eventually(t, "the purchase earns 150 points", func() bool { return bal() == 150 })
	p2 := e.logPurchase(t, c, "o-2", eur(80, 0)) // 80, and silver from 230 qualifying
	eventually(t, "the second purchase earns 80", func() bool { return bal() == 230 })
	if a := e.account(t, prog, c); a.GetTier() != "silver" || a.GetPurchases() != 2 {
		t.Fatalf("account: %v", a)
	}

	e.logRefund(t, c, p1, eur(50, 0)) // half of 150 points
	eventually(t, "the partial refund reverses 75", func() bool { return bal() == 155 })

	if _, err := e.client.RedeemPoints(e.ctx, &loyaltyv1.RedeemPointsRequest{Program: prog, Customer: c, Points: 150, RequestId: "spend"}); err != nil {
		t.Fatal(err)
	}
	// The redemption took p1's 75 (soonest to expire) and 75 of p2's 80.
	// p2's full refund reverses 80: the 5 left, and 75 owed as debt.
	e.logRefund(t, c, p2, eur(80, 0))
	eventually(t, "the full refund reverses p2", func() bool { return e.account(t, prog, c).GetDebt() == 75 })
	a := e.account(t, prog, c)
	if a.GetBalance() != 0 || a.GetLifetimeEarned() != 75 || a.GetQualifyingPoints() != 75 || a.GetTier() != "silver" {
		t.Fatalf("after full refund: %v", a)
	}
	before := e.entries(t, prog, c)
	settled(t, e.srv.Mongo)

	// Replay: restart loyalty on its database with its cursor rewound.
	db := e.srv.Mongo
	if err := e.srv.Stop(); err != nil {
		t.Fatal(err)
	}
	reached := cursors(t, db)
	if len(reached) == 0 {
		t.Fatal("no feed cursors stored")
	}
	rewind(t, db)
	e.startLoyalty(t, db)
	// The replay is over when every consumer is back where it was.
	eventually(t, "the replay is applied", func() bool {
		now := cursors(t, db)
		for name, seq := range reached {
			if now[name] < seq {
				return false
			}
		}
		return true
	})
	if n := len(e.entries(t, prog, c)); n != len(before) {
		t.Fatalf("after the replay: %d entries, want %d", n, len(before))
	}
	if after := e.account(t, prog, c); after.GetBalance() != a.GetBalance() || after.GetDebt() != a.GetDebt() {
		t.Fatalf("replay changed the account: %v", after)
	}
	e.audit(t, prog)
}

// settled checks that every account's entries and events were copied out
// and cleared from its document right after each change.
func settled(t *testing.T, db mongox.Config) {
	t.Helper()
	n, err := dbtest.Open(t, db).Collection("accounts").CountDocuments(context.Background(), bson.D{{Key: "$or", Value: bson.A{
		bson.D{{Key: "dirty", Value: true}}, bson.D{{Key: "outbox.0", Value: bson.D{{Key: "$exists", Value: true}}}}}}})
	if err != nil || n != 0 {
		t.Fatalf("%d accounts still hold entries or events (%v)", n, err)
	}
}

// cursors returns each feed consumer's stored position.
func cursors(t *testing.T, db mongox.Config) map[string]int64 {
	t.Helper()
	cur, err := dbtest.Open(t, db).Collection(feed.CursorsCollection).Find(context.Background(), bson.D{})
	if err != nil {
		t.Fatal(err)
	}
	var docs []struct {
		ID  string `bson:"_id"`
		Seq int64  `bson:"seq"`
	}
	if err := cur.All(context.Background(), &docs); err != nil {
		t.Fatal(err)
	}
	out := map[string]int64{}
	for _, d := range docs {
		out[d.ID] = d.Seq
	}
	return out
}

// rewind deletes the consumer cursors, so the feeds are read again from
// the start.
func rewind(t *testing.T, db mongox.Config) {
	t.Helper()
	if _, err := dbtest.Open(t, db).Collection(feed.CursorsCollection).DeleteMany(context.Background(), bson.D{}); err != nil {
		t.Fatal(err)
	}
}

// A merge moves the loser's points, history and debt to the survivor; an
// erasure keeps the ledger but not the person.
func TestMergeAndEraseArriveThroughTheProfileFeed(t *testing.T) {
	t.Parallel()
	e := start(t)
	prog := e.program(t, club("club", true))
	survivor, loser := e.customer(t, "Survivor"), e.customer(t, "Loser")
	e.logPurchase(t, survivor, "s-1", eur(100, 0))
	e.logPurchase(t, loser, "l-1", eur(120, 0))
	eventually(t, "both earn", func() bool {
		return e.balance(prog, survivor)() == 150 && e.balance(prog, loser)() == 170
	})

	if _, err := e.customers.MergeCustomers(e.ctx, &customerv1.MergeCustomersRequest{Survivor: survivor, Loser: loser}); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the loser's points move to the survivor", func() bool {
		return e.account(t, prog, loser).GetState() == loyaltyv1.AccountState_ACCOUNT_STATE_MERGED
	})
	s := e.account(t, prog, survivor)
	if s.GetPurchases() != 2 || s.GetTier() != "silver" || s.GetLifetimeEarned() != 320 {
		t.Fatalf("survivor: %v", s)
	}
	l := e.account(t, prog, loser)
	if l.GetState() != loyaltyv1.AccountState_ACCOUNT_STATE_MERGED || l.GetBalance() != 0 || l.GetMergedInto() != s.GetName() {
		t.Fatalf("loser: %v", l)
	}
	// The loser's history stays readable, ending with the move.
	if es := e.entries(t, prog, loser); len(es) != 2 || es[0].GetType() != loyaltyv1.EntryType_ENTRY_TYPE_MERGE_OUT {
		t.Fatalf("loser's statement: %v", es)
	}

	if _, err := e.customers.EraseCustomer(e.ctx, &customerv1.EraseCustomerRequest{Name: survivor, Reason: "privacy request"}); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the account forgets the customer", func() bool {
		_, err := e.client.GetAccount(e.ctx, &loyaltyv1.GetAccountRequest{Program: prog, Customer: survivor})
		return status(err) == codes.NotFound
	})
	_, err := e.client.RedeemPoints(e.ctx, &loyaltyv1.RedeemPointsRequest{Program: prog, Customer: survivor, Points: 1, RequestId: "after-erase"})
	servertest.WantCode(t, err, codes.FailedPrecondition, "")
	// The customer's events on the loyalty feed carry no data any more.
	// The watch never ends by itself: its deadline, long enough to read
	// every event on a busy machine, ends it.
	wctx, cancel := context.WithTimeout(e.ctx, 10*time.Second)
	defer cancel()
	stream, err := e.client.WatchLoyaltyEvents(wctx, &loyaltyv1.WatchLoyaltyEventsRequest{})
	if err != nil {
		t.Fatal(err)
	}
	seen := 0
	for {
		resp, err := stream.Recv()
		if err != nil {
			break // the deadline ends the watch once every event was read
		}
		if ev := resp.GetEvent(); ev.GetSubject() == survivor {
			seen++
			if !ev.GetRedacted() {
				t.Fatalf("event %d about the erased customer kept its payload", ev.GetSequence())
			}
		}
	}
	if seen < 3 {
		t.Fatalf("saw %d events about the survivor", seen)
	}
	e.audit(t, prog)
}

// A birthday bonus: the rule sees the birth month that customer-profile's
// feed brought.
func TestBirthdayBonusFromTheProfileFeed(t *testing.T) {
	t.Parallel()
	e := start(t)
	p := club("club", true)
	p.EarningRules = append(p.EarningRules, &loyaltyv1.EarningRule{Id: "birthday", Condition: "customer.birthday_month", Points: "base * 1.0"})
	prog := e.program(t, p)
	now := time.Now().UTC()
	resp, err := e.customers.CreateCustomer(e.ctx, &customerv1.CreateCustomerRequest{Customer: &customerv1.Customer{
		Kind: customerv1.CustomerKind_CUSTOMER_KIND_PERSON, DisplayName: "Birthday Girl",
		Demographics: &customerv1.Demographics{BirthDate: &typev1.Date{Year: 1990, Month: int32(now.Month()), Day: 1}}}})
	if err != nil {
		t.Fatal(err)
	}
	c := resp.GetCustomer().GetName()
	eventually(t, "the birth month reaches loyalty", func() bool {
		prev, err := e.client.PreviewEarning(e.ctx, &loyaltyv1.PreviewEarningRequest{Program: prog, Customer: c,
			Purchase: &loyaltyv1.PurchaseInput{OrderId: "p", Amount: eur(10, 0)}})
		return err == nil && prev.GetRules()[1].GetMatched()
	})
	e.logPurchase(t, c, "b-1", eur(100, 0)) // 100 base + 50 welcome + 100 birthday
	eventually(t, "the purchase earns the birthday bonus", func() bool { return e.balance(prog, c)() == 250 })
}

// An earning rule sees the customer's current consents from
// customer-profile's feed: granting marketing e-mails earns the bonus,
// withdrawing the consent stops it.
func TestConsentBonusFromTheProfileFeed(t *testing.T) {
	t.Parallel()
	e := start(t)
	p := club("club", true)
	p.EarningRules = append(p.EarningRules, &loyaltyv1.EarningRule{Id: "newsletter",
		Condition: `customer.consents.exists(c, c.purpose == "marketing" && c.channel == "email" && c.granted)`, Points: "25"})
	prog := e.program(t, p)
	email := customerv1.ConsentChannel_CONSENT_CHANNEL_EMAIL
	resp, err := e.customers.CreateCustomer(e.ctx, &customerv1.CreateCustomerRequest{Customer: &customerv1.Customer{
		Kind: customerv1.CustomerKind_CUSTOMER_KIND_PERSON, DisplayName: "Subscriber",
		Consents: []*customerv1.Consent{{Purpose: "marketing", Channel: email, Granted: true, Source: "web-form"}}}})
	if err != nil {
		t.Fatal(err)
	}
	c := resp.GetCustomer().GetName()
	bonus := func() bool {
		prev, err := e.client.PreviewEarning(e.ctx, &loyaltyv1.PreviewEarningRequest{Program: prog, Customer: c,
			Purchase: &loyaltyv1.PurchaseInput{OrderId: "p", Amount: eur(10, 0)}})
		if err != nil {
			t.Fatal(err)
		}
		return prev.GetRules()[1].GetMatched()
	}
	eventually(t, "the granted consent reaches loyalty", bonus)
	_, err = e.customers.UpdateCustomer(e.ctx, &customerv1.UpdateCustomerRequest{Customer: &customerv1.Customer{Name: c,
		Consents: []*customerv1.Consent{{Purpose: "marketing", Channel: email, Granted: false, Source: "unsubscribe link"}}},
		UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"consents"}}})
	if err != nil {
		t.Fatal(err)
	}
	eventually(t, "the withdrawal reaches loyalty", func() bool { return !bonus() })
}

// The audit finds an account whose stored figures were tampered with, and
// the repair rewrites them from the ledger.
func TestAuditFindsAndRepairs(t *testing.T) {
	t.Parallel()
	e := start(t)
	prog := e.program(t, club("club", false))
	c := e.customer(t, "Audited")
	if _, err := e.client.EnrolCustomer(e.ctx, &loyaltyv1.EnrolCustomerRequest{Program: prog, Customer: c}); err != nil {
		t.Fatal(err)
	}
	e.earn(t, prog, c, "a-1", eur(100, 0), time.Now())
	a := e.account(t, prog, c)

	_, err := dbtest.Open(t, e.srv.Mongo).Collection("accounts").UpdateOne(context.Background(), bson.D{{Key: "_id", Value: a.GetId()}},
		bson.D{{Key: "$inc", Value: bson.D{{Key: "lots.0.remaining", Value: int64(1000)}, {Key: "debt", Value: int64(7)}}}})
	if err != nil {
		t.Fatal(err)
	}
	resp, err := e.client.AuditAccounts(e.ctx, &loyaltyv1.AuditAccountsRequest{Program: prog})
	if err != nil || len(resp.GetDifferences()) != 1 || resp.GetDifferences()[0].GetAccount() != a.GetName() || resp.GetChecked() != 1 {
		t.Fatalf("audit: %v %v", resp, err)
	}
	if _, err := e.client.AuditAccounts(e.ctx, &loyaltyv1.AuditAccountsRequest{Program: prog, Repair: true}); err != nil {
		t.Fatal(err)
	}
	e.audit(t, prog)
	if got := e.account(t, prog, c); got.GetBalance() != a.GetBalance() || got.GetDebt() != 0 {
		t.Fatalf("repaired account: %v", got)
	}
}
