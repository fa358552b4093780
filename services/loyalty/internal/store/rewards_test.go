package store_test

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/opencrm/crm/pkg/dbtest"
	"github.com/opencrm/crm/services/loyalty/internal/catalogue"
	"github.com/opencrm/crm/services/loyalty/internal/store"
)

func TestMain(m *testing.M) { os.Exit(dbtest.Main(m)) }

// A cancel that read its redemption before the customer was erased must
// not write the customer's id back when it moves the state: the erasure's
// pseudonymisation stays.
func TestMoveRedemptionKeepsAnErasureMadeMeanwhile(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := store.New(dbtest.Database(t), nil, dbtest.Mode())
	now := time.Now().UTC().Truncate(time.Millisecond)
	d := &catalogue.Redemption{ID: "r1", Program: "shop", Customer: "customers/c1", Reward: "shop/mug", Points: 40,
		Code: "CODE1", State: catalogue.Issued, CreateTime: now, CancelDeadline: now.Add(time.Hour), EntryID: "e1", RequestID: "q1"}
	if _, err := s.InsertRedemption(ctx, d); err != nil {
		t.Fatal(err)
	}
	stale := *d
	if n, err := s.PseudonymiseRedemptions(ctx, "customers/c1"); err != nil || n != 1 {
		t.Fatalf("pseudonymise: %d %v", n, err)
	}
	stale.State, stale.CancelTime = catalogue.Cancelling, now
	if moved, err := s.MoveRedemption(ctx, &stale, catalogue.Issued); err != nil || !moved {
		t.Fatalf("move: %v %v", moved, err)
	}
	got, err := s.Redemption(ctx, "r1")
	if err != nil {
		t.Fatal(err)
	}
	if got.Customer != "" || got.State != catalogue.Cancelling || !got.CancelTime.Equal(now) || got.Code != "CODE1" {
		t.Fatalf("after the move: %+v", got)
	}
	if moved, err := s.MoveRedemption(ctx, &stale, catalogue.Issued); err != nil || moved {
		t.Fatalf("a second move from issued: %v %v", moved, err)
	}
}
