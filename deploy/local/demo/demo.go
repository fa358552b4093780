// Package demo loads a realistic demo data set through the platform's
// APIs, so that segments, tiers and reports show something: a loyalty
// program with tiers and rewards, rule segments, a few hundred customers
// and a few thousand interactions over two years with seasonality (more in
// November and December), refunds and complaints handled as cases.
// Everything goes through the public gRPC calls, so loyalty and
// segmentation learn it from the feeds, as they would in production.
package demo

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/opencrm/crm/deploy/local/platform"
	customerv1 "github.com/opencrm/crm/gen/go/crm/customer/v1"
	interactionv1 "github.com/opencrm/crm/gen/go/crm/interaction/v1"
	loyaltyv1 "github.com/opencrm/crm/gen/go/crm/loyalty/v1"
	segmentationv1 "github.com/opencrm/crm/gen/go/crm/segmentation/v1"
	typev1 "github.com/opencrm/crm/gen/go/crm/type/v1"
)

// Clients are the services the loader calls.
type Clients struct {
	Customers    customerv1.CustomerServiceClient
	Interactions interactionv1.InteractionServiceClient
	Segments     segmentationv1.SegmentationServiceClient
	Loyalty      loyaltyv1.LoyaltyServiceClient
}

// Dial connects to the platform's services; release closes the
// connections.
func Dial(p *platform.Platform) (c Clients, release func(), err error) {
	var conns []*grpc.ClientConn
	release = func() {
		for _, c := range conns {
			_ = c.Close()
		}
	}
	conn := map[string]*grpc.ClientConn{}
	for _, s := range p.Services {
		cc, err := grpc.NewClient(s.Addr, grpc.WithTransportCredentials(insecure.NewCredentials()))
		if err != nil {
			release()
			return Clients{}, nil, err
		}
		conns = append(conns, cc)
		conn[s.Name] = cc
	}
	return Clients{Customers: customerv1.NewCustomerServiceClient(conn["customer-profile"]), Interactions: interactionv1.NewInteractionServiceClient(conn["interaction-log"]),
		Segments: segmentationv1.NewSegmentationServiceClient(conn["segmentation"]), Loyalty: loyaltyv1.NewLoyaltyServiceClient(conn["loyalty"])}, release, nil
}

// Counts say what was loaded.
type Counts struct {
	Customers, Interactions, Purchases, Refunds, Complaints int
}

var (
	first     = []string{"Ada", "Ben", "Chen", "Dana", "Emil", "Fatima", "Gao", "Hana", "Ivan", "Jia", "Kofi", "Lena", "Mei", "Nils", "Olga", "Pedro", "Qing", "Rosa", "Sven", "Tao", "Uma", "Wei", "Xin", "Yara", "Zoe"}
	last      = []string{"Li", "Wang", "Zhang", "Smith", "Müller", "Dubois", "Rossi", "García", "Kim", "Sato", "Silva", "Novak", "Jensen", "Khan", "Brown"}
	countries = []string{"CN", "CN", "CN", "CN", "DE", "FR", "GB", "US", "JP", "BR"}
	tags      = []string{"newsletter", "vip", "b2b", "student"}
	// seasonality weighs each month's purchases: the year-end peak.
	seasonality = []float64{0.7, 0.7, 0.9, 0.9, 1.0, 1.0, 0.9, 0.9, 1.0, 1.1, 1.6, 2.0}
)

// Load creates the demo data set: n customers (a few hundred make a good
// demo) and their two years of history, up to now.
func Load(ctx context.Context, c Clients, n int, now time.Time, progress func(string)) (Counts, error) {
	var counts Counts
	r := rand.New(rand.NewPCG(42, 7)) //nolint:gosec // a fixed seed makes the same demo data every run; nothing secret is drawn
	if err := program(ctx, c); err != nil {
		return counts, err
	}
	progress("loyalty program programs/club with tiers silver and gold and two rewards")
	for _, s := range []*segmentationv1.Segment{
		{Id: "vip-china", DisplayName: "Big spenders in China", Rule: `profile.country == "CN" && scores.monetary >= 4`},
		{Id: "complaining-at-risk", DisplayName: "At risk and complaining", Rule: `scores.churn_warning || (metrics.complaints_90d > 0 && scores.recency <= 2)`},
		{Id: "newsletter-regulars", DisplayName: "Newsletter readers who buy often", Rule: `"newsletter" in profile.tags && metrics.window_purchases >= 3`},
	} {
		if _, err := c.Segments.CreateSegment(ctx, &segmentationv1.CreateSegmentRequest{Segment: s}); err != nil {
			return counts, fmt.Errorf("create segment %s: %w", s.GetId(), err)
		}
	}
	progress("three rule segments")
	var logs []*interactionv1.LogInteractionRequest
	// names keeps each logged purchase's name by its order, for refunds.
	names := map[string]string{}
	keep := func(i *interactionv1.Interaction) {
		if i.GetKind() == interactionv1.InteractionKind_INTERACTION_KIND_PURCHASE {
			names[i.GetExternalId()] = i.GetName()
		}
	}
	type purchase struct {
		customer string
		at       time.Time
		units    int64
		ref      string
	}
	var purchases []purchase
	for i := range n {
		fn, ln := first[r.IntN(len(first))], last[r.IntN(len(last))]
		cu := &customerv1.Customer{Kind: customerv1.CustomerKind_CUSTOMER_KIND_PERSON, DisplayName: fn + " " + ln,
			Emails:       []*customerv1.EmailAddress{{Address: fmt.Sprintf("demo%04d@example.com", i)}},
			Demographics: &customerv1.Demographics{CountryCode: countries[r.IntN(len(countries))], BirthDate: &typev1.Date{Year: 1950 + r.Int32N(55), Month: 1 + r.Int32N(12), Day: 1 + r.Int32N(28)}},
			Tags:         []string{tags[r.IntN(len(tags))]}}
		resp, err := c.Customers.CreateCustomer(ctx, &customerv1.CreateCustomerRequest{Customer: cu, RequestId: fmt.Sprintf("demo-customer-%d", i)})
		if err != nil {
			return counts, fmt.Errorf("create customer %d: %w", i, err)
		}
		counts.Customers++
		name := resp.GetCustomer().GetName()
		// A fifth never buy; the others buy at a rate of their own from a
		// day of their own, and a third of those stop at some point.
		start := now.AddDate(0, 0, -r.IntN(730))
		end := now
		if r.IntN(3) == 0 {
			end = start.Add(time.Duration(r.Float64() * float64(now.Sub(start))))
		}
		rate := 0.0
		if r.IntN(5) != 0 {
			rate = r.ExpFloat64() * 0.015 // purchases a day
		}
		for d := start; d.Before(end); d = d.AddDate(0, 0, 1) {
			if r.Float64() >= rate*seasonality[d.Month()-1] {
				continue
			}
			at := d.Add(time.Duration(9+r.IntN(12)) * time.Hour)
			units := int64(math.Exp(3.4+0.8*r.NormFloat64())) + 1
			ref := fmt.Sprintf("demo-%d-%d", i, len(purchases))
			purchases = append(purchases, purchase{customer: name, at: at, units: units, ref: ref})
			logs = append(logs, &interactionv1.LogInteractionRequest{Interaction: &interactionv1.Interaction{Customer: name,
				Channel:   []interactionv1.Channel{interactionv1.Channel_CHANNEL_WEB, interactionv1.Channel_CHANNEL_WEB, interactionv1.Channel_CHANNEL_SERVICE_CENTRE, interactionv1.Channel_CHANNEL_CHAT}[r.IntN(4)],
				Direction: interactionv1.Direction_DIRECTION_INBOUND, Kind: interactionv1.InteractionKind_INTERACTION_KIND_PURCHASE, OccurTime: timestamppb.New(at),
				Purchase: &interactionv1.Purchase{OrderId: ref, Amount: &typev1.Money{CurrencyCode: "EUR", Units: units}}, SourceSystem: "demo", ExternalId: ref}})
		}
		// Some contact that is not a purchase.
		for k := range r.IntN(4) {
			at := start.Add(time.Duration(r.Float64() * float64(now.Sub(start))))
			kind := []interactionv1.InteractionKind{interactionv1.InteractionKind_INTERACTION_KIND_INQUIRY, interactionv1.InteractionKind_INTERACTION_KIND_MARKETING_TOUCH,
				interactionv1.InteractionKind_INTERACTION_KIND_SUPPORT, interactionv1.InteractionKind_INTERACTION_KIND_FEEDBACK}[r.IntN(4)]
			in := &interactionv1.Interaction{Customer: name, Channel: []interactionv1.Channel{interactionv1.Channel_CHANNEL_EMAIL, interactionv1.Channel_CHANNEL_PHONE, interactionv1.Channel_CHANNEL_SMS}[r.IntN(3)],
				Direction: interactionv1.Direction_DIRECTION_INBOUND, Kind: kind, OccurTime: timestamppb.New(at), SourceSystem: "demo", ExternalId: fmt.Sprintf("demo-%d-touch-%d", i, k)}
			if kind == interactionv1.InteractionKind_INTERACTION_KIND_FEEDBACK {
				in.Satisfaction = &interactionv1.Satisfaction{Expectation: 5 + r.Int32N(4), Experience: 3 + r.Int32N(7)}
			}
			logs = append(logs, &interactionv1.LogInteractionRequest{Interaction: in})
		}
		if len(logs) >= 400 {
			if err := batch(ctx, c, logs, keep); err != nil {
				return counts, err
			}
			counts.Interactions += len(logs)
			logs = logs[:0]
		}
	}
	if err := batch(ctx, c, logs, keep); err != nil {
		return counts, err
	}
	counts.Interactions += len(logs)
	counts.Purchases = len(purchases)
	progress(fmt.Sprintf("%d customers, %d interactions (%d purchases)", counts.Customers, counts.Interactions, counts.Purchases))

	// Refunds for one purchase in twenty, complaints for one in thirty.
	var refunds, complaints []*interactionv1.LogInteractionRequest
	for k, p := range purchases {
		switch {
		case k%20 == 7 && p.at.Before(now.AddDate(0, 0, -3)):
			refunds = append(refunds, &interactionv1.LogInteractionRequest{Interaction: &interactionv1.Interaction{Customer: p.customer,
				Channel: interactionv1.Channel_CHANNEL_SERVICE_CENTRE, Direction: interactionv1.Direction_DIRECTION_INBOUND,
				Kind: interactionv1.InteractionKind_INTERACTION_KIND_REFUND, OccurTime: timestamppb.New(p.at.AddDate(0, 0, 2)),
				Refund:       &interactionv1.Refund{Purchase: names[p.ref], Amount: &typev1.Money{CurrencyCode: "EUR", Units: max(1, p.units/2)}, Reason: "returned"},
				SourceSystem: "demo", ExternalId: p.ref + "-refund"}})
		case k%30 == 11:
			complaints = append(complaints, &interactionv1.LogInteractionRequest{Interaction: &interactionv1.Interaction{Customer: p.customer,
				Channel: interactionv1.Channel_CHANNEL_PHONE, Direction: interactionv1.Direction_DIRECTION_INBOUND,
				Kind: interactionv1.InteractionKind_INTERACTION_KIND_COMPLAINT, OccurTime: timestamppb.New(p.at.AddDate(0, 0, 1)), Subject: "late delivery",
				Complaint:    &interactionv1.Complaint{Priority: interactionv1.CasePriority_CASE_PRIORITY_NORMAL, Assignee: "support"},
				SourceSystem: "demo", ExternalId: p.ref + "-complaint"}})
		}
	}
	var caseNames []string
	if err := batch(ctx, c, complaints, func(i *interactionv1.Interaction) {
		if i.GetCase() != "" {
			caseNames = append(caseNames, i.GetCase())
		}
	}); err != nil {
		return counts, err
	}
	counts.Complaints = len(complaints)
	for k, cs := range caseNames {
		// Most complaints are handled: in progress, resolved, closed.
		steps := []interactionv1.CaseStatus{interactionv1.CaseStatus_CASE_STATUS_IN_PROGRESS, interactionv1.CaseStatus_CASE_STATUS_RESOLVED, interactionv1.CaseStatus_CASE_STATUS_CLOSED}
		for _, to := range steps[:min(len(steps), k%4)] {
			if _, err := c.Interactions.TransitionCase(ctx, &interactionv1.TransitionCaseRequest{Name: cs, To: to, Note: "handled by the demo"}); err != nil {
				return counts, fmt.Errorf("move %s: %w", cs, err)
			}
		}
	}
	if err := batch(ctx, c, refunds, nil); err != nil {
		return counts, err
	}
	counts.Refunds = len(refunds)
	counts.Interactions += len(refunds) + len(complaints)
	progress(fmt.Sprintf("%d refunds, %d complaints as cases", counts.Refunds, counts.Complaints))
	return counts, nil
}

// batch logs interactions in batches of up to 500, passing each logged
// one to logged (may be nil); any item that fails the load.
func batch(ctx context.Context, c Clients, reqs []*interactionv1.LogInteractionRequest, logged func(*interactionv1.Interaction)) error {
	for len(reqs) > 0 {
		n := min(len(reqs), 500)
		resp, err := c.Interactions.BatchLogInteractions(ctx, &interactionv1.BatchLogInteractionsRequest{Requests: reqs[:n]})
		if err != nil {
			return fmt.Errorf("log a batch of interactions: %w", err)
		}
		for _, r := range resp.GetResults() {
			if r.GetError() != nil {
				return fmt.Errorf("log interaction %d of a batch: %s (%s)", r.GetIndex(), r.GetError().GetMessage(), r.GetError().GetField())
			}
			if logged != nil {
				logged(r.GetInteraction())
			}
		}
		reqs = reqs[n:]
	}
	return nil
}

// program creates the demo's loyalty program and its rewards.
func program(ctx context.Context, c Clients) error {
	_, err := c.Loyalty.CreateProgram(ctx, &loyaltyv1.CreateProgramRequest{Program: &loyaltyv1.Program{Id: "club", DisplayName: "Club",
		CurrencyCode: "EUR", PointsPerUnit: 1, AutoEnrol: true,
		Tiers: []*loyaltyv1.Tier{{Id: "silver", DisplayName: "Silver", MinQualifyingPoints: 500, Multiplier: 1.25},
			{Id: "gold", DisplayName: "Gold", MinQualifyingPoints: 2000, Multiplier: 1.5}},
		EarningRules: []*loyaltyv1.EarningRule{{Id: "welcome", Condition: "customer.first_purchase", Points: "50"},
			{Id: "birthday", Condition: "customer.birthday_month", Points: "base"}}}})
	if err != nil {
		return fmt.Errorf("create the demo program: %w", err)
	}
	stock := int64(100)
	// Active, so that the demo's customers can redeem them at once.
	for _, r := range []*loyaltyv1.Reward{{Id: "mug", DisplayName: "Club mug", PointsPrice: 200, Stock: &stock, Active: true},
		{Id: "voucher-10", DisplayName: "10 EUR voucher", PointsPrice: 500, Active: true}} {
		if _, err := c.Loyalty.CreateReward(ctx, &loyaltyv1.CreateRewardRequest{Program: "programs/club", Reward: r}); err != nil {
			return fmt.Errorf("create reward %s: %w", r.GetId(), err)
		}
	}
	return nil
}
