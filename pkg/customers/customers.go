// Package customers asks customer-profile whether customers may be acted
// on by another service (an interaction recorded, points earned): they must
// exist, be active, and not be erased.
package customers

import (
	"context"
	"fmt"
	"time"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"

	customerv1 "github.com/opencrm/crm/gen/go/crm/customer/v1"
	feedv1 "github.com/opencrm/crm/gen/go/crm/feed/v1"
	"github.com/opencrm/crm/pkg/apperr"
	"github.com/opencrm/crm/pkg/audit"
	"github.com/opencrm/crm/pkg/feed"
)

// Checker checks customers against customer-profile.
type Checker struct {
	Client customerv1.CustomerServiceClient
	// Timeout bounds each call to customer-profile.
	Timeout time.Duration
}

// maxBatch is how many customers one BatchGetCustomers call may name.
const maxBatch = 100

// Check returns, for each id that may not be acted on, why; an id
// absent from the map is fine. It fails UNAVAILABLE when customer-profile
// cannot answer. Each customer is asked about once, whatever the number
// of times ids names it; one call serves up to 100 customers: an unknown
// id is dropped and the rest asked again.
func (c *Checker) Check(ctx context.Context, ids []string) (map[string]error, error) {
	a, err := c.Ask(ctx, ids)
	return a.Problems, err
}

// Answer is customer-profile's answer about a set of customers.
type Answer struct {
	// Problems says, for each id that may not be acted on, why.
	Problems map[string]error
	// granted holds each active customer's granted consents.
	granted map[string]map[consentKey]bool
}

type consentKey struct {
	purpose string
	channel customerv1.ConsentChannel
}

// PurposeMarketing is the consent purpose of marketing; customer-profile
// reads a consent without a purpose as one.
const PurposeMarketing = "marketing"

// Granted reports whether the customer id had granted consent to purpose
// on channel when customer-profile answered.
func (a Answer) Granted(id, purpose string, channel customerv1.ConsentChannel) bool {
	return a.granted[id][consentKey{purpose, channel}]
}

// Ask is Check that also keeps the customers' current consents, from the
// same calls, for Answer.Granted.
func (c *Checker) Ask(ctx context.Context, ids []string) (Answer, error) {
	a := Answer{Problems: map[string]error{}, granted: map[string]map[consentKey]bool{}}
	ids = distinct(ids)
	for len(ids) > 0 {
		n := min(len(ids), maxBatch)
		if err := c.check(ctx, ids[:n], &a); err != nil {
			return Answer{}, err
		}
		ids = ids[n:]
	}
	return a, nil
}

// distinct returns ids without repeats, in first-seen order.
func distinct(ids []string) []string {
	seen := make(map[string]bool, len(ids))
	out := make([]string, 0, len(ids))
	for _, id := range ids {
		if !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	return out
}

// check checks up to maxBatch ids, adding to problems.
func (c *Checker) check(ctx context.Context, ids []string, a *Answer) error {
	problems := a.Problems
	pending := map[string]bool{}
	for _, id := range ids {
		pending[id] = true
	}
	for len(pending) > 0 {
		names := make([]string, 0, len(pending))
		for id := range pending {
			names = append(names, "customers/"+id)
		}
		cctx, cancel := context.WithTimeout(ctx, c.Timeout)
		resp, err := c.Client.BatchGetCustomers(cctx, &customerv1.BatchGetCustomersRequest{Names: names}, grpc.WaitForReady(false))
		cancel()
		if err != nil {
			id, reason, ok := missing(err)
			if !ok || !pending[id] {
				return apperr.Unavailable("customer-profile", fmt.Errorf("check customers: %w", err))
			}
			if reason == "CUSTOMER_ERASED" {
				problems[id] = apperr.New(apperr.KindFailedPrecondition, "CUSTOMER_ERASED", "customers/%s was erased", id)
			} else {
				problems[id] = apperr.New(apperr.KindFailedPrecondition, "CUSTOMER_NOT_FOUND", "customers/%s does not exist", id)
			}
			delete(pending, id)
			continue
		}
		for _, cu := range resp.GetCustomers() {
			if cu.GetState() != customerv1.CustomerState_CUSTOMER_STATE_ACTIVE {
				e := apperr.New(apperr.KindFailedPrecondition, "CUSTOMER_NOT_ACTIVE", "%s is %s", cu.GetName(), cu.GetState())
				if cu.GetMergedInto() != "" {
					e = e.With("merged_into", cu.GetMergedInto())
				}
				problems[cu.GetId()] = e
				continue
			}
			for _, cs := range cu.GetConsents() {
				if !cs.GetGranted() {
					continue
				}
				if a.granted[cu.GetId()] == nil {
					a.granted[cu.GetId()] = map[consentKey]bool{}
				}
				purpose := cs.GetPurpose()
				if purpose == "" {
					purpose = PurposeMarketing
				}
				a.granted[cu.GetId()][consentKey{purpose, cs.GetChannel()}] = true
			}
		}
		return nil
	}
	return nil
}

// missing reads the customer a NOT_FOUND names.
func missing(err error) (id, reason string, ok bool) {
	st, isStatus := status.FromError(err)
	if !isStatus || st.Code() != codes.NotFound {
		return "", "", false
	}
	for _, d := range st.Details() {
		if info, isInfo := d.(*errdetails.ErrorInfo); isInfo {
			if r := info.GetMetadata()["resource"]; len(r) > len("customers/") {
				return r[len("customers/"):], info.GetReason(), true
			}
		}
	}
	return "", "", false
}

// FeedConsumer returns the consumer of customer-profile's event feed that
// applies batches of events with apply (see feed.Batches); c carries the
// consumer's own settings. After apply, it pseudonymises the service's
// audit entries (in c.DB) of each customer the batch erases: every service
// that follows the feed forgets erased customers in its audit trail
// without a line of its own.
func FeedConsumer(client customerv1.CustomerServiceClient, apply func(context.Context, []*feedv1.Event) error, c feed.Consumer) *feed.Consumer {
	trail := audit.New(c.DB)
	return feed.NewConsumer(c, "customer-profile", feed.Watcher(func(ctx context.Context, after int64) (customerv1.CustomerService_WatchCustomerEventsClient, error) {
		return client.WatchCustomerEvents(ctx, &customerv1.WatchCustomerEventsRequest{AfterSequence: after})
	}), func(ctx context.Context, evs []*feedv1.Event) error {
		if err := apply(ctx, evs); err != nil {
			return err
		}
		return forgetErased(ctx, trail, evs)
	})
}

// erasedType is the feed's type of CustomerErased events.
var erasedType = string((&customerv1.CustomerErased{}).ProtoReflect().Descriptor().FullName())

// forgetErased pseudonymises the audit entries of the customers evs erase.
func forgetErased(ctx context.Context, trail *audit.Store, evs []*feedv1.Event) error {
	for _, ev := range evs {
		if ev.GetType() != erasedType {
			continue
		}
		var e customerv1.CustomerErased
		if err := proto.Unmarshal(ev.GetPayload().GetValue(), &e); err != nil {
			return fmt.Errorf("decode event %d (%s): %w", ev.GetSequence(), ev.GetType(), err)
		}
		if err := trail.ForgetCustomer(ctx, e.GetCustomer()); err != nil {
			return fmt.Errorf("apply event %d: %w", ev.GetSequence(), err)
		}
	}
	return nil
}
