package idempotency_test

import (
	"context"
	"errors"
	"os"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/wrapperspb"

	"github.com/opencrm/crm/pkg/config"
	"github.com/opencrm/crm/pkg/dbtest"
	"github.com/opencrm/crm/pkg/idempotency"
)

func TestMain(m *testing.M) { os.Exit(dbtest.Main(m)) }

// clock is a store's time, moved by the test.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

func newStore(t *testing.T) (*idempotency.Store, *clock) {
	t.Helper()
	s := idempotency.New(dbtest.Database(t))
	c := &clock{t: time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)}
	s.Now = c.Now
	return s, c
}

func TestInFlightFailedAndExpiredCalls(t *testing.T) {
	t.Parallel()
	s, clk := newStore(t)
	ctx := context.Background()
	req := wrapperspb.String("req")
	var runs atomic.Int32
	ok := func(ctx context.Context) (*wrapperspb.StringValue, string, error) {
		runs.Add(1)
		return wrapperspb.String("done"), "things/1", nil
	}

	// While the first call runs, a retry is ABORTED.
	started, release := make(chan struct{}), make(chan struct{})
	done := make(chan error)
	go func() {
		_, err := idempotency.Do(ctx, s, "M", "k1", req, func(ctx context.Context) (*wrapperspb.StringValue, string, error) {
			close(started)
			<-release
			return ok(ctx)
		})
		done <- err
	}()
	<-started
	if _, err := idempotency.Do(ctx, s, "M", "k1", req, ok); !errors.Is(err, idempotency.ErrInFlight) {
		t.Fatalf("retry during the first call: %v", err)
	}
	close(release)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if resp, err := idempotency.Do(ctx, s, "M", "k1", req, ok); err != nil || resp.GetValue() != "done" || runs.Load() != 1 {
		t.Fatalf("retry after: %v %v runs=%d", resp, err, runs.Load())
	}
	// Another request under the same key is refused.
	if _, err := idempotency.Do(ctx, s, "M", "k1", wrapperspb.String("other"), ok); !errors.Is(err, idempotency.ErrKeyReused) {
		t.Fatalf("reused key: %v", err)
	}

	// A failed call releases its key.
	fail := func(context.Context) (*wrapperspb.StringValue, string, error) { return nil, "", errors.New("boom") }
	if _, err := idempotency.Do(ctx, s, "M", "k2", req, fail); err == nil {
		t.Fatal("failure lost")
	}
	if _, err := idempotency.Do(ctx, s, "M", "k2", req, ok); err != nil {
		t.Fatalf("retry after a failure: %v", err)
	}

	// A call whose process died is taken over when its lease ends.
	stuck, holding := make(chan struct{}), make(chan struct{})
	go func() {
		_, _ = idempotency.Do(ctx, s, "M", "k3", req, func(context.Context) (*wrapperspb.StringValue, string, error) {
			close(holding)
			<-stuck // never returns before the takeover
			return nil, "", errors.New("late")
		})
	}()
	<-holding
	clk.Add(s.Lease + time.Second)
	if resp, err := idempotency.Do(ctx, s, "M", "k3", req, ok); err != nil || resp.GetValue() != "done" {
		t.Fatalf("takeover: %v %v", resp, err)
	}
	close(stuck)

	// Erasing a subject forgets the responses about it.
	if err := s.ForgetSubject(ctx, "things/1"); err != nil {
		t.Fatal(err)
	}
	before := runs.Load()
	if _, err := idempotency.Do(ctx, s, "M", "k1", req, ok); err != nil || runs.Load() != before+1 {
		t.Fatalf("after forgetting: runs %d -> %d, %v", before, runs.Load(), err)
	}
}

// A batch takes its keys in one write; each key answers as a single call's
// would, and the single calls see what the batch did.
func TestClaimManyActsAsSingleCalls(t *testing.T) {
	t.Parallel()
	s, _ := newStore(t)
	ctx := context.Background()
	hash := func(v string) []byte {
		h, err := idempotency.Hash("M", wrapperspb.String(v))
		if err != nil {
			t.Fatal(err)
		}
		return h
	}
	// k1 completed before as a single call; k2 was used for another body.
	if _, err := idempotency.Do(ctx, s, "M", "k1", wrapperspb.String("a"), func(context.Context) (*wrapperspb.StringValue, string, error) {
		return wrapperspb.String("first a"), "things/1", nil
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := idempotency.Do(ctx, s, "M", "k2", wrapperspb.String("b"), func(context.Context) (*wrapperspb.StringValue, string, error) {
		return wrapperspb.String("first b"), "things/1", nil
	}); err != nil {
		t.Fatal(err)
	}

	claims := []idempotency.Claim{
		{Key: "k1", Hash: hash("a")},     // 0: replayed
		{Key: "k2", Hash: hash("other")}, // 1: reused
		{Key: "k3", Hash: hash("c")},     // 2: new, succeeds
		{Key: "k4", Hash: hash("d")},     // 3: new, fails
		{Key: "k3", Hash: hash("c")},     // 4: same as 2 in this batch
		{Key: "k3", Hash: hash("x")},     // 5: k3 with another body
		{},                               // 6: no key
	}
	if err := s.ClaimMany(ctx, "M", claims); err != nil {
		t.Fatal(err)
	}
	var first wrapperspb.StringValue
	if err := proto.Unmarshal(claims[0].Response, &first); err != nil || first.GetValue() != "first a" || claims[0].Taken() {
		t.Fatalf("replay: %v %v", &first, err)
	}
	for n, want := range map[int]error{1: idempotency.ErrKeyReused, 4: idempotency.ErrInFlight, 5: idempotency.ErrKeyReused} {
		if !errors.Is(claims[n].Err, want) || claims[n].Taken() {
			t.Errorf("claim %d: %v, want %v", n, claims[n].Err, want)
		}
	}
	if !claims[2].Taken() || !claims[3].Taken() || claims[6].Taken() || claims[6].Err != nil {
		t.Fatalf("taken: %v %v %v", claims[2].Taken(), claims[3].Taken(), claims[6].Taken())
	}
	out, _ := proto.Marshal(wrapperspb.String("first c"))
	outcomes := make([]idempotency.Outcome, len(claims))
	outcomes[2] = idempotency.Outcome{Response: out, Subject: "things/2"}
	outcomes[3] = idempotency.Outcome{Err: errors.New("boom")}
	if err := s.FinishMany(ctx, "M", claims, outcomes); err != nil {
		t.Fatal(err)
	}
	// k3 completed: a single call with its body gets the batch's response,
	// with another body it is refused; k4 was released.
	resp, err := idempotency.Do(ctx, s, "M", "k3", wrapperspb.String("c"), func(context.Context) (*wrapperspb.StringValue, string, error) {
		t.Error("k3 ran again")
		return nil, "", nil
	})
	if err != nil || resp.GetValue() != "first c" {
		t.Fatalf("k3 after the batch: %v %v", resp, err)
	}
	if _, err := idempotency.Do(ctx, s, "M", "k3", wrapperspb.String("x"), func(context.Context) (*wrapperspb.StringValue, string, error) {
		return wrapperspb.String("x"), "", nil
	}); !errors.Is(err, idempotency.ErrKeyReused) {
		t.Fatalf("k3 with another body: %v", err)
	}
	if resp, err := idempotency.Do(ctx, s, "M", "k4", wrapperspb.String("d"), func(context.Context) (*wrapperspb.StringValue, string, error) {
		return wrapperspb.String("second d"), "", nil
	}); err != nil || resp.GetValue() != "second d" {
		t.Fatalf("k4 after its failure: %v %v", resp, err)
	}
}

// Keys are kept for the retention period, then swept: a key used again
// after that is a new request.
func TestSweepExpiresKeysAfterRetention(t *testing.T) {
	t.Parallel()
	s, clk := newStore(t)
	ctx := context.Background()
	var runs atomic.Int32
	call := func(key, body string) (*wrapperspb.StringValue, error) {
		return idempotency.Do(ctx, s, "M", key, wrapperspb.String(body), func(context.Context) (*wrapperspb.StringValue, string, error) {
			runs.Add(1)
			return wrapperspb.String(body), "things/1", nil
		})
	}
	if _, err := call("old", "a"); err != nil {
		t.Fatal(err)
	}
	clk.Add(20 * 24 * time.Hour)
	if _, err := call("young", "b"); err != nil {
		t.Fatal(err)
	}
	clk.Add(11 * 24 * time.Hour) // "old" is 31 days old, "young" 11
	n, err := s.Sweep(ctx, idempotency.DefaultRetention)
	if err != nil || n != 1 {
		t.Fatalf("swept %d (%v), want 1", n, err)
	}
	// The young key still answers as before and refuses another body.
	if _, err := call("young", "other"); !errors.Is(err, idempotency.ErrKeyReused) {
		t.Fatalf("young key with another body: %v", err)
	}
	// The expired key is free: the call runs again, with any body.
	before := runs.Load()
	if resp, err := call("old", "new body"); err != nil || resp.GetValue() != "new body" || runs.Load() != before+1 {
		t.Fatalf("expired key: %v %v", resp, err)
	}
}

func TestRetentionSetting(t *testing.T) {
	t.Parallel()
	for v, want := range map[string]time.Duration{"": idempotency.DefaultRetention, "2160h": 90 * 24 * time.Hour, "1h": time.Hour} {
		vars := map[string]string{}
		if v != "" {
			vars["CRM_IDEMPOTENCY_RETENTION"] = v
		}
		env := config.FromMap(vars)
		if got := idempotency.LoadRetention(env); got != want || env.Err() != nil {
			t.Errorf("%q: %v %v, want %v", v, got, env.Err(), want)
		}
	}
	for _, bad := range []string{"30d", "soon", "-1h", "10m", "100000h"} {
		env := config.FromMap(map[string]string{"CRM_IDEMPOTENCY_RETENTION": bad})
		idempotency.LoadRetention(env)
		if err := env.Err(); err == nil || !strings.Contains(err.Error(), "CRM_IDEMPOTENCY_RETENTION") || !strings.Contains(err.Error(), "720h") {
			t.Errorf("%q: %v, want an error naming the variable and an example", bad, err)
		}
	}
}

// A call that succeeds writes its key and its response by _id alone: the
// one filter the embedded database's SQLite backend does not answer by
// reading the whole collection of keys, which grows with every call kept
// for the retention period. A replay finds the response.
func TestSuccessfulCallsWriteByIDAlone(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db, cmds := dbtest.Counted(t)
	s := idempotency.New(db)
	call := func() (*wrapperspb.StringValue, error) {
		return idempotency.Do(ctx, s, "M", "k1", wrapperspb.String("a"), func(context.Context) (*wrapperspb.StringValue, string, error) {
			return wrapperspb.String("first"), "things/1", nil
		})
	}
	if _, err := call(); err != nil {
		t.Fatal(err)
	}
	want := []string{idempotency.Collection + ".insert", idempotency.ResponsesCollection + ".insert"}
	if got := cmds.Names(); !slices.Equal(got, want) {
		t.Fatalf("a successful call sent %v, want %v", got, want)
	}
	if resp, err := call(); err != nil || resp.GetValue() != "first" {
		t.Fatalf("replay: %v %v", resp, err)
	}
	// Erasing the subject forgets the response and the key.
	if err := s.ForgetSubject(ctx, "things/1"); err != nil {
		t.Fatal(err)
	}
	for _, coll := range []string{idempotency.Collection, idempotency.ResponsesCollection} {
		if n, err := db.Collection(coll).CountDocuments(ctx, bson.D{}); err != nil || n != 0 {
			t.Errorf("%s after the erasure: %d documents (%v)", coll, n, err)
		}
	}
}
