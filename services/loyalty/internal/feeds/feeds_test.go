package feeds

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"google.golang.org/protobuf/types/known/anypb"
	"google.golang.org/protobuf/types/known/timestamppb"

	feedv1 "github.com/opencrm/crm/gen/go/crm/feed/v1"
	interactionv1 "github.com/opencrm/crm/gen/go/crm/interaction/v1"
	typev1 "github.com/opencrm/crm/gen/go/crm/type/v1"
	"github.com/opencrm/crm/pkg/dbtest"
	"github.com/opencrm/crm/pkg/feed"
	"github.com/opencrm/crm/pkg/idempotency"
	"github.com/opencrm/crm/pkg/mongox"
	"github.com/opencrm/crm/services/loyalty/internal/celfacts"
	"github.com/opencrm/crm/services/loyalty/internal/ledger"
	"github.com/opencrm/crm/services/loyalty/internal/points"
	"github.com/opencrm/crm/services/loyalty/internal/program"
	"github.com/opencrm/crm/services/loyalty/internal/store"
)

func TestMain(m *testing.M) { os.Exit(dbtest.Main(m)) }

// purchases returns a batch of purchase events, one per customer, of
// amount euros each, numbered from seq.
func purchases(t *testing.T, seq int64, round string, customers, amount int) []*feedv1.Event {
	t.Helper()
	evs := make([]*feedv1.Event, customers)
	for i := range customers {
		id := fmt.Sprintf("%s-%d", round, i)
		p, err := anypb.New(&interactionv1.InteractionLogged{Interaction: &interactionv1.Interaction{
			Name: "interactions/" + id, Id: id, Customer: fmt.Sprintf("customers/c%03d", i), Channel: interactionv1.Channel_CHANNEL_WEB,
			Kind: interactionv1.InteractionKind_INTERACTION_KIND_PURCHASE, OccurTime: timestamppb.Now(),
			Purchase: &interactionv1.Purchase{OrderId: id, Amount: &typev1.Money{CurrencyCode: "EUR", Units: int64(amount)}}}})
		if err != nil {
			t.Fatal(err)
		}
		evs[i] = &feedv1.Event{Id: "e-" + id, Sequence: seq + int64(i), Type: "crm.interaction.v1.InteractionLogged", Payload: p}
	}
	return evs
}

// writes counts the conditional account writes among commands.
func count(names []string, name string) int {
	n := 0
	for _, c := range names {
		if c == name {
			n++
		}
	}
	return n
}

// batchFixture is a loyalty consumer of interaction-log's feed, with one
// auto-enrolling program with a tier, a welcome rule and any extra rules,
// over a database whose client counts its commands; mode is how its store
// reads a batch's documents.
type batchFixture struct {
	st         *store.Store
	book       *points.Book
	accountIDs points.AccountIDs
	cmds       *dbtest.Commands
	apply      func(context.Context, []*feedv1.Event) error
}

func newBatchFixture(t *testing.T, mode mongox.Mode, extra ...program.Rule) *batchFixture {
	t.Helper()
	return newBatchFixtureOn(t, mode, func(s *store.Store) points.Repository { return s }, extra...)
}

// newBatchFixtureOn is newBatchFixture with the book on repo(store).
func newBatchFixtureOn(t *testing.T, mode mongox.Mode, repo func(*store.Store) points.Repository, extra ...program.Rule) *batchFixture {
	t.Helper()
	ctx := context.Background()
	db, cmds := dbtest.Counted(t)
	if err := mongox.EnsureIndexes(ctx, db, append(store.Indexes(), idempotency.Indexes()...)); err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.DiscardHandler)
	st := store.New(db, feed.NewProducer(db), mode)
	accountIDs, err := points.NewAccountIDs([]byte(strings.Repeat("k", 32)))
	if err != nil {
		t.Fatal(err)
	}
	book := points.New(repo(st), nil, celfacts.Compile, time.Now, accountIDs)
	err = book.CreateProgram(ctx, &program.Program{ID: "club", DisplayName: "Club", Currency: "EUR", PointsPerUnit: 1, AutoEnrol: true, PeriodMonths: 12, ValidityMonths: 12,
		Tiers: []program.Tier{{ID: "silver", Min: 100, Multiplier: 2}},
		Rules: append([]program.Rule{{ID: "welcome", Condition: "customer.first_purchase", Points: "50"}}, extra...)})
	if err != nil {
		t.Fatal(err)
	}
	return &batchFixture{st: st, book: book, accountIDs: accountIDs, cmds: cmds, apply: (&Applier{Book: book, Keys: idempotency.New(db), Log: log}).Interactions()}
}

// cost applies a batch and returns the commands it sent.
func (f *batchFixture) cost(t *testing.T, evs []*feedv1.Event) []string {
	t.Helper()
	f.cmds.Reset()
	if err := f.apply(context.Background(), evs); err != nil {
		t.Fatal(err)
	}
	// The producer reads the feed's end hint once per process, at its
	// first publish: not a cost of the batch.
	return slices.DeleteFunc(f.cmds.Names(), func(n string) bool { return n == "feed_state.find" })
}

// A batch of purchases of many customers costs, on MongoDB, a number of
// store round trips that does not grow with the batch, apart from one
// write of each changed account (its version-checked replace, or its share
// of one insert when new); every purchase earns once, and the batch
// applied again earns nothing more. (The embedded database answers the
// same commands; it is not where round trips cost, see the next test.)
func TestBatchRoundTripsDoNotGrowWithTheBatch(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := newBatchFixture(t, mongox.ModeMongoDB)
	st, accountIDs := f.st, f.accountIDs
	cost := func(evs []*feedv1.Event) []string { return f.cost(t, evs) }

	// Enrolment: every account is new.
	small := cost(purchases(t, 1, "a", 8, 10))
	large := cost(purchases(t, 100, "b", 256, 10)[8:])
	if count(small, "accounts.update") != 0 || count(large, "accounts.update") != 0 {
		t.Fatalf("account updates: %d for 8, %d for 248", count(small, "accounts.update"), count(large, "accounts.update"))
	}
	if len(small) != len(large) {
		t.Fatalf("opening 8 accounts took %d round trips %v, opening 248 took %d %v", len(small), small, len(large), large)
	}
	// Purchases of members: one version-checked replace per account (which
	// costs a scan of the collection on the embedded SQLite backend, too
	// slow for a test of hundreds; the count is what matters).
	small = cost(purchases(t, 1000, "c", 8, 20))
	large = cost(purchases(t, 2000, "d", 24, 20))
	if count(small, "accounts.update") != 8 || count(large, "accounts.update") != 24 {
		t.Fatalf("account updates: %d for 8, %d for 24", count(small, "accounts.update"), count(large, "accounts.update"))
	}
	if len(small)-8 != len(large)-24 {
		t.Fatalf("8 purchases took %d round trips %v, 24 took %d %v", len(small), small, len(large), large)
	}
	t.Logf("a batch costs %d round trips plus one write per changed account", len(large)-24)
	if n := count(large, "ledger.find"); n != 0 {
		t.Fatalf("a batch of accounts that record their feed position looked for its entries in the ledger %d times", n)
	}

	// Applied again (a crash before the cursor was stored): no change,
	// known from the accounts' positions.
	again := cost(purchases(t, 2000, "d", 24, 20))
	if n := count(again, "accounts.update") + count(again, "accounts.insert") + count(again, "ledger.find"); n != 0 {
		t.Fatalf("a replayed batch wrote or looked up %d times: %v", n, again)
	}
	for _, i := range []int{0, 7, 8, 23, 24, 255} {
		a, err := st.Account(ctx, accountIDs.ID("club", fmt.Sprintf("c%03d", i)))
		if err != nil {
			t.Fatal(err)
		}
		// 10 + 50 welcome on the first purchase, then 20 for each later
		// one (at x1: silver comes at 100 qualifying points).
		want := int64(60)
		if i < 8 {
			want += 20 // round c
		}
		if i < 24 {
			want += 20 // round d
		}
		if got := a.Balance(time.Now().Add(time.Hour)); got != want {
			t.Fatalf("customer %d: balance %d, want %d", i, got, want)
		}
	}
}

// cutShort is the store with CopyOut failing while fail is set, as a
// crash between a batch's writes and its copy-out leaves the accounts.
type cutShort struct {
	*store.Store
	fail bool
}

func (c *cutShort) CopyOut(ctx context.Context, entries []ledger.Entry, evs []feed.Pending) error {
	if c.fail {
		return errors.New("cut short")
	}
	return c.Store.CopyOut(ctx, entries, evs)
}

// A batch writes each changed account once, with its entries and events
// in it, and copies them out after. A batch cut short between the two
// (its cursor not stored) is applied again: it changes nothing twice and
// copies out what the first left; a later batch replaces what an account
// carries with its own.
func TestABatchCutShortIsCopiedOutByItsReplay(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	for _, mode := range []mongox.Mode{mongox.ModeEmbedded, mongox.ModeMongoDB} {
		whole := newBatchFixture(t, mode)
		cut := &cutShort{}
		f := newBatchFixtureOn(t, mode, func(s *store.Store) points.Repository { cut.Store = s; return cut })
		first, second := purchases(t, 1, "a", 4, 10), purchases(t, 10, "b", 4, 10)
		for _, evs := range [][]*feedv1.Event{first, second} {
			whole.cost(t, evs)
		}
		f.cost(t, first)
		cut.fail = true
		if err := f.apply(ctx, second); err == nil {
			t.Fatalf("%s: the cut batch did not fail", mode)
		}
		cut.fail = false
		if n := count(f.cost(t, second), "accounts.update"); n != 0 {
			t.Fatalf("%s: the replay wrote %d accounts again", mode, n)
		}
		for _, fx := range []*batchFixture{whole, f} {
			if got := fx.balances(t, 4); fmt.Sprint(got) != "[70 70 70 70]" { // 10 + 50 welcome, 10
				t.Fatalf("%s: balances %v", mode, got)
			}
		}
		for _, coll := range []string{store.Ledger, "feed_log"} {
			want, err := whole.st.AccountsCollection().Database().Collection(coll).CountDocuments(ctx, bson.D{})
			if err != nil {
				t.Fatal(err)
			}
			if got, err := f.st.AccountsCollection().Database().Collection(coll).CountDocuments(ctx, bson.D{}); err != nil || got != want {
				t.Fatalf("%s: %s holds %d documents after the replay (%v), %d without the cut", mode, coll, got, err, want)
			}
		}
		a, err := f.st.Account(ctx, f.accountIDs.ID("club", "c002"))
		if err != nil {
			t.Fatal(err)
		}
		if a.Batch == nil || a.Batch.Seq != 12 || len(a.Batch.Entries) != 1 || a.Batch.Entries[0].ID != points.LotID("club", "b-2") {
			t.Fatalf("%s: the account carries %+v, want the second batch's entry", mode, a.Batch)
		}
	}
}

// An erasure copies out what a batch left in the customer's accounts (its
// copy may have been cut short, and the replay that would copy it again
// skips the erased customer's redacted events) before it drops it with
// the customer's name.
func TestErasureCopiesOutWhatABatchLeftAndDropsIt(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	cut := &cutShort{fail: true}
	f := newBatchFixtureOn(t, mongox.ModeEmbedded, func(s *store.Store) points.Repository { cut.Store = s; return cut })
	if err := f.apply(ctx, purchases(t, 1, "a", 1, 10)); err == nil {
		t.Fatal("the cut batch did not fail")
	}
	cut.fail = false
	if _, err := f.book.Erase(ctx, "c000"); err != nil {
		t.Fatal(err)
	}
	a, err := f.st.Account(ctx, f.accountIDs.ID("club", "c000"))
	if err != nil {
		t.Fatal(err)
	}
	if a.Batch != nil || a.Customer != "" {
		t.Fatalf("the erased account still carries %+v for %q", a.Batch, a.Customer)
	}
	if _, found, err := f.st.LedgerEntry(ctx, points.LotID("club", "a-0")); err != nil || !found {
		t.Fatalf("the purchase's entry is not in the ledger: %v %v", found, err)
	}
}

// balances returns the balances of customers c000 to c(n-1) in the club.
func (f *batchFixture) balances(t *testing.T, n int) []int64 {
	t.Helper()
	out := make([]int64, n)
	for i := range out {
		a, err := f.st.Account(context.Background(), f.accountIDs.ID("club", fmt.Sprintf("c%03d", i)))
		if err != nil {
			t.Fatal(err)
		}
		out[i] = a.Balance(time.Now().Add(time.Hour))
	}
	return out
}

// An account kept before accounts recorded their feed position (no
// iseq) is checked in the ledger: a replay of purchases it earned changes
// nothing; once a purchase of the feed has changed it, its position says.
func TestAccountsWithoutAFeedPositionAreCheckedInTheLedger(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	for _, mode := range []mongox.Mode{mongox.ModeEmbedded, mongox.ModeMongoDB} {
		f := newBatchFixture(t, mode)
		first := purchases(t, 1, "a", 8, 10)
		f.cost(t, first)
		if _, err := f.st.AccountsCollection().UpdateMany(ctx, bson.D{}, bson.D{{Key: "$unset", Value: bson.D{{Key: "iseq", Value: ""}}}}); err != nil {
			t.Fatal(err)
		}
		got := f.cost(t, first)
		if n := count(got, "accounts.update") + count(got, "accounts.insert"); n != 0 || count(got, "ledger.find") == 0 {
			t.Fatalf("%s: a replay on accounts without a position wrote %d times, looked up the ledger %d times: %v", mode, n, count(got, "ledger.find"), got)
		}
		second := purchases(t, 100, "b", 8, 10)
		f.cost(t, second)
		if got := f.cost(t, second); count(got, "accounts.update")+count(got, "accounts.insert")+count(got, "ledger.find") != 0 {
			t.Fatalf("%s: a replay on accounts with a position wrote them or looked up the ledger: %v", mode, got)
		}
		if got := f.balances(t, 8); fmt.Sprint(got) != "[70 70 70 70 70 70 70 70]" { // 10 + 50 welcome + 10
			t.Fatalf("%s: balances %v", mode, got)
		}
	}
}

// A purchase whose batched write met a concurrent change is earned one at
// a time, and its account records the purchase's position as well, so a
// replay changes nothing.
func TestAPurchaseRedoneAloneRecordsItsFeedPosition(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := newBatchFixture(t, mongox.ModeMongoDB)
	f.cost(t, purchases(t, 1, "a", 1, 10))
	fb, err := f.book.LoadFeed(ctx, []points.Touch{{Customer: "c000", Currency: "EUR", Interaction: "x"}})
	if err != nil {
		t.Fatal(err)
	}
	p := points.Purchase{Source: "interactions/x", OrderID: "x", Currency: "EUR", Amount: 1000, Channel: "web", OccurTime: time.Now()}
	if err := fb.Purchase(ctx, 7, "x", "c000", p); err != nil {
		t.Fatal(err)
	}
	id := f.accountIDs.ID("club", "c000")
	// A concurrent change, as another writer's.
	if _, err := f.st.AccountsCollection().UpdateOne(ctx, bson.D{{Key: "_id", Value: id}}, bson.D{{Key: "$inc", Value: bson.D{{Key: "version", Value: 1}}}}); err != nil {
		t.Fatal(err)
	}
	f.cmds.Reset()
	if err := fb.Save(ctx); err != nil {
		t.Fatal(err)
	}
	if n := count(f.cmds.Names(), "accounts.find"); n == 0 {
		t.Fatalf("the conflicting write was not redone alone: %v", f.cmds.Names())
	}
	a, err := f.st.Account(ctx, id)
	if err != nil || a.ISeq != 7 || a.Balance(time.Now().Add(time.Hour)) != 70 {
		t.Fatalf("after the redo: %+v, %v; want position 7 and 10 + 50 welcome + 10", a, err)
	}
	fb, err = f.book.LoadFeed(ctx, []points.Touch{{Customer: "c000", Currency: "EUR", Interaction: "x"}})
	if err != nil {
		t.Fatal(err)
	}
	if err := fb.Purchase(ctx, 7, "x", "c000", p); err != nil {
		t.Fatal(err)
	}
	if err := fb.Save(ctx); err != nil {
		t.Fatal(err)
	}
	if got := f.balances(t, 1); got[0] != 70 {
		t.Fatalf("a replay of the redone purchase: balance %d, want 70", got[0])
	}
}

// birthdayRule reads a profile fact.
var birthdayRule = program.Rule{ID: "birthday", Condition: "customer.birthday_month", Points: "30"}

// A batch reads the customers' profile facts only when an earning rule
// reads them, and then earns with them.
func TestBatchReadsProfileFactsOnlyForRulesThatUseThem(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	for _, mode := range []mongox.Mode{mongox.ModeEmbedded, mongox.ModeMongoDB} {
		plain := newBatchFixture(t, mode)
		if got := plain.cost(t, purchases(t, 1, "a", 4, 10)); count(got, "members.find") != 0 {
			t.Errorf("%s: rules on the account's facts alone read members: %v", mode, got)
		}
		birthday := newBatchFixture(t, mode, birthdayRule)
		if err := birthday.st.SaveMembers(ctx, []points.Member{{ID: "c001", BirthMonth: int32(time.Now().Month())}}); err != nil {
			t.Fatal(err)
		}
		if got := birthday.cost(t, purchases(t, 1, "a", 4, 10)); count(got, "members.find") == 0 {
			t.Errorf("%s: a birthday rule read no members: %v", mode, got)
		}
		for i, want := range []int64{60, 90, 60, 60} { // 10 + 50 welcome, and 30 for c001's birthday month
			a, err := birthday.st.Account(ctx, birthday.accountIDs.ID("club", fmt.Sprintf("c%03d", i)))
			if err != nil {
				t.Fatal(err)
			}
			if got := a.Balance(time.Now().Add(time.Hour)); got != want {
				t.Errorf("%s: customer %d: balance %d, want %d", mode, i, got, want)
			}
		}
	}
}

// On the embedded database a batch reads each account and member it
// touches by _id alone, the lookup both its backends serve from an index,
// instead of one $in that reads each of those whole collections per batch;
// the purchases earn the same.
func TestBatchReadsByIDOnTheEmbeddedDatabase(t *testing.T) {
	t.Parallel()
	f := newBatchFixture(t, mongox.ModeEmbedded, birthdayRule)
	f.cost(t, purchases(t, 1, "a", 8, 10))
	for _, coll := range []string{store.Accounts, store.Members} {
		if n, other := f.cmds.Lookups(coll + ".find"); n != 8 || other != nil {
			t.Errorf("%s: %d finds for 8 customers (one by %v), want 8 by _id alone", coll, n, other)
		}
	}
	a, err := f.st.Account(context.Background(), f.accountIDs.ID("club", "c003"))
	if err != nil || a.Balance(time.Now().Add(time.Hour)) != 60 {
		t.Fatalf("account after its first purchase: %+v %v; want 10 + 50 welcome points", a, err)
	}

	// Purchases in a currency no program earns on read nothing.
	foreign := purchases(t, 100, "usd", 8, 10)
	for _, ev := range foreign {
		var logged interactionv1.InteractionLogged
		if err := ev.GetPayload().UnmarshalTo(&logged); err != nil {
			t.Fatal(err)
		}
		logged.GetInteraction().GetPurchase().GetAmount().CurrencyCode = "USD"
		if err := ev.GetPayload().MarshalFrom(&logged); err != nil {
			t.Fatal(err)
		}
	}
	if got := f.cost(t, foreign); slices.ContainsFunc(got, func(n string) bool { return strings.HasSuffix(n, ".find") && n != "programs.find" }) {
		t.Errorf("a batch of purchases in a currency without programs read %v", got)
	}
}
