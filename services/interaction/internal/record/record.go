// Package record holds interaction-log's rules: what an interaction is,
// what makes one valid for its kind, how satisfaction is derived, and which
// fields may change after it is recorded. Pure Go: no gRPC, no database.
package record

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/opencrm/crm/pkg/apperr"
	"github.com/opencrm/crm/pkg/fieldmask"
	"github.com/opencrm/crm/pkg/resname"
	"github.com/opencrm/crm/services/interaction/internal/errs"
)

// Kinds and channels mirror the API's enum values.
const (
	KindPurchase  int32 = 1
	KindRefund    int32 = 2
	KindComplaint int32 = 5
	// KindMarketingTouch is a campaign send, open or click.
	KindMarketingTouch int32 = 7
	// DirectionOutbound is from the company to the customer.
	DirectionOutbound int32 = 2
	maxKind           int32 = 9
	maxChannel        int32 = 11
)

// consentChannels maps the interaction channels that have a consent
// counterpart to it (values of customer-profile's ConsentChannel enum):
// phone, e-mail, chat, SMS, postal mail.
var consentChannels = map[int32]int32{1: 3, 2: 1, 4: 6, 8: 2, 9: 4}

// ConsentChannel returns the consent channel (customer-profile's enum
// value) an interaction channel needs consent on; ok is false for channels
// without one.
func ConsentChannel(channel int32) (ch int32, ok bool) {
	ch, ok = consentChannels[channel]
	return ch, ok
}

// Amount is money in minor units of a currency.
type Amount struct {
	Minor    int64  `bson:"minor"`
	Currency string `bson:"currency"`
}

// LineItem is one line of an order.
type LineItem struct {
	SKU       string `bson:"sku"`
	Name      string `bson:"name"`
	Quantity  int32  `bson:"quantity"`
	UnitPrice *int64 `bson:"unit_price_minor,omitempty"`
}

// Purchase is an order.
type Purchase struct {
	OrderID string     `bson:"order_id"`
	Amount  Amount     `bson:"amount"`
	Items   []LineItem `bson:"items"`
	// Refunded is the amount refunded so far, and RefundIDs the refunds
	// counted in it (so a retried refund is not counted twice).
	Refunded  int64    `bson:"refunded_minor"`
	RefundIDs []string `bson:"refund_ids"`
}

// Refund reverses (part of) a purchase.
type Refund struct {
	PurchaseID string `bson:"purchase_id"`
	Amount     Amount `bson:"amount"`
	Reason     string `bson:"reason"`
}

// Satisfaction is expectation against experience, each 1 to 10.
type Satisfaction struct {
	Expectation int32 `bson:"expectation"`
	Experience  int32 `bson:"experience"`
}

// Ratio is experience / expectation: above 1 means satisfied (docs/domain.md).
func (s Satisfaction) Ratio() float64 { return float64(s.Experience) / float64(s.Expectation) }

// Difference is experience - expectation.
func (s Satisfaction) Difference() int32 { return s.Experience - s.Expectation }

// Interaction is one recorded contact.
type Interaction struct {
	ID           string        `bson:"_id"`
	CustomerID   string        `bson:"customer_id"`
	Channel      int32         `bson:"channel"`
	ChannelApp   string        `bson:"channel_app"`
	Direction    int32         `bson:"direction"`
	Kind         int32         `bson:"kind"`
	OccurTime    time.Time     `bson:"occur_time"`
	RecordTime   time.Time     `bson:"record_time"`
	UpdateTime   time.Time     `bson:"update_time"`
	Agent        string        `bson:"agent"`
	Subject      string        `bson:"subject"`
	Summary      string        `bson:"summary"`
	Outcome      string        `bson:"outcome"`
	Tags         []string      `bson:"tags"`
	Purchase     *Purchase     `bson:"purchase,omitempty"`
	Refund       *Refund       `bson:"refund,omitempty"`
	Satisfaction *Satisfaction `bson:"satisfaction,omitempty"`
	SourceSystem string        `bson:"source_system"`
	ExternalID   string        `bson:"external_id"`
	// Complaint says how a complaint's case opens; CaseID names that case,
	// and CasePending is set until the case is stored (a sweep finishes
	// what a crash between the two writes left).
	Complaint   *Complaint `bson:"complaint,omitempty"`
	CaseID      string     `bson:"case_id"`
	CasePending bool       `bson:"case_pending"`
	// DedupKey is unique: source system + external id when given, else the
	// id, so that the same source record is never stored twice.
	DedupKey string `bson:"dedup_key"`
	// OrderKey is unique: customer + source system + order id for a
	// purchase, so one order is logged once per customer and source system
	// (a second purchase of it is DUPLICATE_ORDER); else the id, since a
	// unique field must always be set.
	OrderKey string `bson:"order_key"`
	Version  int64  `bson:"version"`
}

// Complaint is how a complaint's case opens.
type Complaint struct {
	Priority int32  `bson:"priority"`
	Assignee string `bson:"assignee"`
}

// Names is the pattern of interaction names, "interactions/{interaction}".
var Names = resname.New("interactions")

// Name returns the resource name of an interaction id.
func Name(id string) string { return Names.Format(id) }

// MaxFuture is how far in the future an occur time may be (clock skew).
const MaxFuture = 5 * time.Minute

// Normalize validates i for its kind and puts it in canonical form. prefix
// names i's request field in errors.
func Normalize(i *Interaction, prefix string, now time.Time) error {
	f := func(name string) string { return prefix + "." + name }
	switch {
	case i.CustomerID == "":
		return apperr.Invalid(f("customer"), "is required: customers/{id}")
	case i.Channel < 1 || i.Channel > maxChannel:
		return apperr.Invalid(f("channel"), "is required")
	case i.Direction < 1 || i.Direction > 2:
		return apperr.Invalid(f("direction"), "must be DIRECTION_INBOUND or DIRECTION_OUTBOUND")
	case i.Kind < 1 || i.Kind > maxKind:
		return apperr.Invalid(f("kind"), "is required")
	case i.OccurTime.IsZero():
		return apperr.Invalid(f("occur_time"), "is required")
	case i.OccurTime.After(now.Add(MaxFuture)):
		return apperr.Invalid(f("occur_time"), "is in the future")
	case utf8.RuneCountInString(i.Summary) > 4000:
		return apperr.Invalid(f("summary"), "is longer than 4000 characters")
	case (i.SourceSystem == "") != (i.ExternalID == ""):
		return apperr.Invalid(f("external_id"), "source_system and external_id go together")
	}
	i.OccurTime = i.OccurTime.UTC().Truncate(time.Millisecond)
	tags, err := NormalizeTags(i.Tags, f("tags"))
	if err != nil {
		return err
	}
	i.Tags = tags
	switch i.Kind {
	case KindPurchase:
		if i.Purchase == nil {
			return apperr.Invalid(f("purchase"), "is required for a purchase")
		}
		if i.Purchase.Amount.Minor <= 0 {
			return apperr.Invalid(f("purchase.amount"), "must be positive")
		}
		i.Purchase.Refunded, i.Purchase.RefundIDs = 0, []string{}
	case KindRefund:
		if i.Refund == nil {
			return apperr.Invalid(f("refund"), "is required for a refund")
		}
		if i.Refund.Amount.Minor <= 0 {
			return apperr.Invalid(f("refund.amount"), "must be positive")
		}
	}
	if i.Kind != KindPurchase && i.Purchase != nil {
		return apperr.Invalid(f("purchase"), "is only for kind INTERACTION_KIND_PURCHASE")
	}
	if i.Kind != KindRefund && i.Refund != nil {
		return apperr.Invalid(f("refund"), "is only for kind INTERACTION_KIND_REFUND")
	}
	if i.Kind != KindComplaint && i.Complaint != nil {
		return apperr.Invalid(f("complaint"), "is only for kind INTERACTION_KIND_COMPLAINT")
	}
	if i.Kind == KindComplaint {
		if i.Complaint == nil {
			i.Complaint = &Complaint{}
		}
		i.CaseID, i.CasePending = i.ID, true
	}
	if s := i.Satisfaction; s != nil && (s.Expectation < 1 || s.Expectation > 10 || s.Experience < 1 || s.Experience > 10) {
		return apperr.Invalid(f("satisfaction"), "expectation and experience are scores from 1 to 10")
	}
	if i.SourceSystem != "" {
		// The source's length keeps the key unambiguous without a NUL
		// separator, which PostgreSQL's jsonb (FerretDB's postgresql
		// backend) refuses to store.
		i.DedupKey = "ext:" + strconv.Itoa(len(i.SourceSystem)) + ":" + i.SourceSystem + ":" + i.ExternalID
	} else {
		i.DedupKey = "id:" + i.ID
	}
	if i.Kind == KindPurchase && i.Purchase.OrderID != "" {
		// Length-prefixed like the dedup key, for the same reason.
		i.OrderKey = "order:" + i.CustomerID + ":" + strconv.Itoa(len(i.SourceSystem)) + ":" + i.SourceSystem + ":" + i.Purchase.OrderID
	} else {
		i.OrderKey = "id:" + i.ID
	}
	return nil
}

// NormalizeTags lower-cases and de-duplicates tags.
func NormalizeTags(tags []string, field string) ([]string, error) {
	out := make([]string, 0, len(tags))
	for n, t := range tags {
		t = strings.ToLower(strings.TrimSpace(t))
		if t == "" || utf8.RuneCountInString(t) > 64 {
			return nil, apperr.Invalid(fmt.Sprintf("%s[%d]", field, n), "a tag has 1 to 64 characters")
		}
		if !slices.Contains(out, t) {
			out = append(out, t)
		}
	}
	if len(out) > 20 {
		return nil, apperr.Invalid(field, "at most 20 tags")
	}
	return out, nil
}

// CheckRefund checks a refund against the purchase it reverses.
func CheckRefund(r Refund, customerID string, p *Interaction, field string) error {
	switch {
	case p.Kind != KindPurchase || p.Purchase == nil:
		return apperr.Invalid(field+".purchase", "%s is not a purchase", Name(p.ID))
	case p.CustomerID != customerID:
		return apperr.Invalid(field+".purchase", "%s belongs to another customer", Name(p.ID))
	case p.Purchase.Amount.Currency != r.Amount.Currency:
		return apperr.Invalid(field+".amount", "the purchase was paid in %s", p.Purchase.Amount.Currency)
	case r.Amount.Minor > p.Purchase.Amount.Minor-p.Purchase.Refunded:
		return errs.RefundExceedsPurchase.New("the refund is more than what remains of %s", Name(p.ID)).With("field", field+".amount")
	}
	return nil
}

// UpdatablePaths are the fields an update may change.
var UpdatablePaths = []string{"summary", "outcome", "tags"}

// ApplyMask copies the named fields of src into dst.
func ApplyMask(dst *Interaction, src Interaction, paths []string) error {
	paths, err := fieldmask.Check(paths, UpdatablePaths, "the facts of an interaction are fixed (log a refund to reverse a purchase)")
	if err != nil {
		return err
	}
	for _, p := range paths {
		switch p {
		case "summary":
			if utf8.RuneCountInString(src.Summary) > 4000 {
				return apperr.Invalid("interaction.summary", "is longer than 4000 characters")
			}
			dst.Summary = src.Summary
		case "outcome":
			if utf8.RuneCountInString(src.Outcome) > 200 {
				return apperr.Invalid("interaction.outcome", "is longer than 200 characters")
			}
			dst.Outcome = src.Outcome
		case "tags":
			tags, err := NormalizeTags(src.Tags, "interaction.tags")
			if err != nil {
				return err
			}
			dst.Tags = tags
		}
	}
	return nil
}
