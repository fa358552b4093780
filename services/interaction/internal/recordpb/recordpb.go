// Package recordpb converts between the API's interaction messages and the
// domain's records.
package recordpb

import (
	"fmt"
	"time"

	"google.golang.org/protobuf/types/known/timestamppb"

	interactionv1 "github.com/opencrm/crm/gen/go/crm/interaction/v1"
	typev1 "github.com/opencrm/crm/gen/go/crm/type/v1"
	"github.com/opencrm/crm/pkg/apperr"
	"github.com/opencrm/crm/pkg/etag"
	"github.com/opencrm/crm/pkg/money"
	"github.com/opencrm/crm/pkg/resname"
	"github.com/opencrm/crm/services/interaction/internal/casework"
	"github.com/opencrm/crm/services/interaction/internal/record"
)

// MoneyToProto returns the API form of an amount.
func MoneyToProto(a record.Amount) *typev1.Money { return money.ToProto(a.Currency, a.Minor) }

// MoneyFromProto returns an amount in minor units; field names m in errors.
func MoneyFromProto(m *typev1.Money, field string) (record.Amount, error) {
	minor, err := money.FromProto(m, field)
	if err != nil {
		return record.Amount{}, err
	}
	return record.Amount{Minor: minor, Currency: m.GetCurrencyCode()}, nil
}

// ToProto returns the API form of i.
func ToProto(i *record.Interaction) *interactionv1.Interaction {
	p := &interactionv1.Interaction{
		Name: record.Name(i.ID), Id: i.ID, Customer: resname.Customers.Format(i.CustomerID),
		Channel: interactionv1.Channel(i.Channel), ChannelApp: i.ChannelApp,
		Direction: interactionv1.Direction(i.Direction), Kind: interactionv1.InteractionKind(i.Kind),
		OccurTime: timestamppb.New(i.OccurTime), RecordTime: timestamppb.New(i.RecordTime), UpdateTime: timestamppb.New(i.UpdateTime),
		Agent: i.Agent, Subject: i.Subject, Summary: i.Summary, Outcome: i.Outcome, Tags: i.Tags,
		SourceSystem: i.SourceSystem, ExternalId: i.ExternalID, Etag: etag.Format(i.Version),
	}
	if pu := i.Purchase; pu != nil {
		p.Purchase = &interactionv1.Purchase{OrderId: pu.OrderID, Amount: MoneyToProto(pu.Amount)}
		for _, it := range pu.Items {
			li := &interactionv1.LineItem{Sku: it.SKU, Name: it.Name, Quantity: it.Quantity}
			if it.UnitPrice != nil {
				li.UnitPrice = MoneyToProto(record.Amount{Minor: *it.UnitPrice, Currency: pu.Amount.Currency})
			}
			p.Purchase.Items = append(p.Purchase.Items, li)
		}
	}
	if r := i.Refund; r != nil {
		p.Refund = &interactionv1.Refund{Purchase: record.Name(r.PurchaseID), Amount: MoneyToProto(r.Amount), Reason: r.Reason}
	}
	if s := i.Satisfaction; s != nil {
		p.Satisfaction = &interactionv1.Satisfaction{Expectation: s.Expectation, Experience: s.Experience, Ratio: s.Ratio(), Difference: s.Difference()}
	}
	if c := i.Complaint; c != nil {
		p.Complaint = &interactionv1.Complaint{Priority: interactionv1.CasePriority(c.Priority), Assignee: c.Assignee}
	}
	if i.CaseID != "" {
		p.Case = casework.Name(i.CaseID)
	}
	return p
}

// CaseToProto returns the API form of a case.
func CaseToProto(c *casework.Case, now time.Time) *interactionv1.Case {
	p := &interactionv1.Case{
		Name: casework.Name(c.ID), Id: c.ID, Customer: resname.Customers.Format(c.CustomerID), Interaction: record.Name(c.InteractionID),
		Status: interactionv1.CaseStatus(c.Status), Priority: interactionv1.CasePriority(c.Priority), Assignee: c.Assignee,
		OpenTime: timestamppb.New(c.OpenTime), DueTime: timestamppb.New(c.DueTime),
		FirstResponseTime: optTime(c.FirstResponseTime), ResolveTime: optTime(c.ResolveTime), CloseTime: optTime(c.CloseTime),
		Overdue: c.Overdue(now), Etag: etag.Format(c.Version), Escalated: c.Escalated, EscalateTime: optTime(c.EscalateTime),
	}
	for _, s := range c.History {
		p.History = append(p.History, &interactionv1.CaseStep{From: interactionv1.CaseStatus(s.From), To: interactionv1.CaseStatus(s.To),
			Note: s.Note, Actor: s.Actor, Time: timestamppb.New(s.Time), FromAssignee: s.FromAssignee, ToAssignee: s.ToAssignee,
			FromPriority: interactionv1.CasePriority(s.FromPriority), ToPriority: interactionv1.CasePriority(s.ToPriority)})
	}
	for _, f := range c.FollowUps {
		p.FollowUps = append(p.FollowUps, &interactionv1.FollowUp{Id: f.ID, Description: f.Description, Assignee: f.Assignee,
			DueTime: timestamppb.New(f.DueTime), Done: f.Done, DoneTime: optTime(f.DoneTime)})
	}
	return p
}

func optTime(t *time.Time) *timestamppb.Timestamp {
	if t == nil {
		return nil
	}
	return timestamppb.New(*t)
}

// FromProto returns the domain form of the caller's fields of p; prefix
// names p's request field in errors.
func FromProto(p *interactionv1.Interaction, prefix string) (record.Interaction, error) {
	customer, err := resname.Customers.Parse(prefix+".customer", p.GetCustomer())
	if err != nil {
		return record.Interaction{}, err
	}
	i := record.Interaction{
		CustomerID: customer,
		Channel:    int32(p.GetChannel()), ChannelApp: p.GetChannelApp(),
		Direction: int32(p.GetDirection()), Kind: int32(p.GetKind()),
		Agent: p.GetAgent(), Subject: p.GetSubject(), Summary: p.GetSummary(), Outcome: p.GetOutcome(), Tags: p.GetTags(),
		SourceSystem: p.GetSourceSystem(), ExternalID: p.GetExternalId(),
	}
	if p.GetOccurTime() != nil {
		if err := p.GetOccurTime().CheckValid(); err != nil {
			return i, apperr.Invalid(prefix+".occur_time", "is not a valid time")
		}
		i.OccurTime = p.GetOccurTime().AsTime()
	}
	if pu := p.GetPurchase(); pu != nil {
		amt, err := MoneyFromProto(pu.GetAmount(), prefix+".purchase.amount")
		if err != nil {
			return i, err
		}
		i.Purchase = &record.Purchase{OrderID: pu.GetOrderId(), Amount: amt}
		for n, li := range pu.GetItems() {
			it := record.LineItem{SKU: li.GetSku(), Name: li.GetName(), Quantity: li.GetQuantity()}
			if li.GetUnitPrice() != nil {
				field := fmt.Sprintf("%s.purchase.items[%d].unit_price", prefix, n)
				up, err := MoneyFromProto(li.GetUnitPrice(), field)
				if err != nil {
					return i, err
				}
				if up.Currency != amt.Currency {
					return i, apperr.Invalid(field, "must be in the purchase's currency %s", amt.Currency)
				}
				it.UnitPrice = &up.Minor
			}
			i.Purchase.Items = append(i.Purchase.Items, it)
		}
	}
	if r := p.GetRefund(); r != nil {
		amt, err := MoneyFromProto(r.GetAmount(), prefix+".refund.amount")
		if err != nil {
			return i, err
		}
		var purchase string
		if r.GetPurchase() != "" {
			if purchase, err = record.Names.Parse(prefix+".refund.purchase", r.GetPurchase()); err != nil {
				return i, err
			}
		}
		i.Refund = &record.Refund{PurchaseID: purchase, Amount: amt, Reason: r.GetReason()}
	}
	if s := p.GetSatisfaction(); s != nil {
		i.Satisfaction = &record.Satisfaction{Expectation: s.GetExpectation(), Experience: s.GetExperience()}
	}
	if c := p.GetComplaint(); c != nil {
		i.Complaint = &record.Complaint{Priority: int32(c.GetPriority()), Assignee: c.GetAssignee()}
	}
	return i, nil
}
