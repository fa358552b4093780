// Package customerpb converts between the API's messages and the domain's
// customer records.
package customerpb

import (
	"fmt"
	"time"

	"google.golang.org/protobuf/types/known/timestamppb"

	customerv1 "github.com/opencrm/crm/gen/go/crm/customer/v1"
	typev1 "github.com/opencrm/crm/gen/go/crm/type/v1"
	"github.com/opencrm/crm/pkg/apperr"
	"github.com/opencrm/crm/pkg/etag"
	"github.com/opencrm/crm/pkg/resname"
	"github.com/opencrm/crm/services/profile/internal/customer"
)

// Merges is "merges/{merge}", the name of a merge's record.
var Merges = resname.New("merges")

// ToProto returns the API form of c.
func ToProto(c *customer.Customer) *customerv1.Customer {
	p := &customerv1.Customer{
		Name:              customer.Name(c.ID),
		Id:                c.ID,
		Kind:              customerv1.CustomerKind(c.Kind),
		DisplayName:       c.DisplayName,
		LegalName:         c.LegalName,
		AcquisitionSource: c.AcquisitionSource,
		Tags:              c.Tags,
		Owner:             c.Owner,
		LifecycleStage:    customerv1.LifecycleStage(c.Stage),
		State:             customerv1.CustomerState(c.State),
		CreateTime:        timestamppb.New(c.CreateTime),
		UpdateTime:        timestamppb.New(c.UpdateTime),
		Etag:              etag.Format(c.Version),
		Demographics: &customerv1.Demographics{
			Gender:      customerv1.Gender(c.Demographics.Gender),
			CountryCode: c.Demographics.CountryCode,
			Region:      c.Demographics.Region,
			Language:    c.Demographics.Language,
			BirthDate:   dateToProto(c.Demographics.BirthDate),
		},
	}
	if c.MergedInto != "" {
		p.MergedInto = customer.Name(c.MergedInto)
	}
	if c.DeleteTime != nil {
		p.DeleteTime = timestamppb.New(*c.DeleteTime)
	}
	if c.PurgeTime != nil {
		p.PurgeTime = timestamppb.New(*c.PurgeTime)
	}
	for _, e := range c.Emails {
		p.Emails = append(p.Emails, &customerv1.EmailAddress{Address: e.Address, Label: e.Label, Primary: e.Primary})
	}
	for _, ph := range c.Phones {
		p.Phones = append(p.Phones, &customerv1.PhoneNumber{Number: ph.Number, Label: ph.Label, Primary: ph.Primary})
	}
	for _, a := range c.Addresses {
		p.Addresses = append(p.Addresses, &customerv1.PostalAddress{Lines: a.Lines, Locality: a.Locality, Region: a.Region,
			PostalCode: a.PostalCode, CountryCode: a.CountryCode, Label: a.Label, Primary: a.Primary})
	}
	if len(c.Attributes) > 0 {
		p.Attributes = make(map[string]*customerv1.AttributeValue, len(c.Attributes))
		for k, v := range c.Attributes {
			p.Attributes[k] = AttributeToProto(v)
		}
	}
	for _, cs := range c.Consents {
		p.Consents = append(p.Consents, ConsentToProto(cs))
	}
	return p
}

// ConsentToProto returns the API form of a consent; a consent stored
// before purposes existed is a marketing consent.
func ConsentToProto(cs customer.Consent) *customerv1.Consent {
	return &customerv1.Consent{Channel: customerv1.ConsentChannel(cs.Channel), Granted: cs.Granted,
		Time: timestamppb.New(cs.Time), Source: cs.Source, Purpose: cs.PurposeOf(), LegalBasis: cs.LegalBasis, Evidence: cs.Evidence}
}

// ConsentChangeToProto returns the API form of a consent history entry.
func ConsentChangeToProto(c customer.ConsentChange) *customerv1.ConsentChange {
	return &customerv1.ConsentChange{Sequence: c.Sequence, Consent: ConsentToProto(c.Consent), Removed: c.Removed,
		RecordTime: timestamppb.New(c.RecordTime)}
}

// AttributeToProto returns the API form of a custom attribute value.
func AttributeToProto(v customer.Attribute) *customerv1.AttributeValue {
	switch {
	case v.String != nil:
		return &customerv1.AttributeValue{Kind: &customerv1.AttributeValue_StringValue{StringValue: *v.String}}
	case v.Number != nil:
		return &customerv1.AttributeValue{Kind: &customerv1.AttributeValue_NumberValue{NumberValue: *v.Number}}
	case v.Bool != nil:
		return &customerv1.AttributeValue{Kind: &customerv1.AttributeValue_BoolValue{BoolValue: *v.Bool}}
	case v.Time != nil:
		return &customerv1.AttributeValue{Kind: &customerv1.AttributeValue_TimeValue{TimeValue: timestamppb.New(*v.Time)}}
	}
	return &customerv1.AttributeValue{}
}

func dateToProto(d customer.Date) *typev1.Date {
	if d == "" {
		return nil
	}
	t, err := time.Parse(time.DateOnly, string(d))
	if err != nil {
		return nil
	}
	return &typev1.Date{Year: int32(t.Year()), Month: int32(t.Month()), Day: int32(t.Day())} //nolint:gosec // year 0-9999, month and day small: no overflow
}

// FromProto returns the domain form of the caller's fields of p (output-only
// fields are ignored). prefix names p's request field in errors.
func FromProto(p *customerv1.Customer, prefix string) (customer.Customer, error) {
	c := customer.Customer{
		Kind:              customer.Kind(p.GetKind()),
		DisplayName:       p.GetDisplayName(),
		LegalName:         p.GetLegalName(),
		AcquisitionSource: p.GetAcquisitionSource(),
		Tags:              p.GetTags(),
		Owner:             p.GetOwner(),
		Stage:             customer.Stage(p.GetLifecycleStage()),
	}
	d := p.GetDemographics()
	c.Demographics = customer.Demographics{Gender: int32(d.GetGender()), CountryCode: d.GetCountryCode(), Region: d.GetRegion(), Language: d.GetLanguage()}
	if bd := d.GetBirthDate(); bd != nil {
		t := time.Date(int(bd.GetYear()), time.Month(bd.GetMonth()), int(bd.GetDay()), 0, 0, 0, 0, time.UTC)
		if t.Year() != int(bd.GetYear()) || int(t.Month()) != int(bd.GetMonth()) || t.Day() != int(bd.GetDay()) {
			return c, apperr.Invalid(prefix+".demographics.birth_date", "%04d-%02d-%02d is not a calendar date", bd.GetYear(), bd.GetMonth(), bd.GetDay())
		}
		c.Demographics.BirthDate = customer.Date(t.Format(time.DateOnly))
	}
	for _, e := range p.GetEmails() {
		c.Emails = append(c.Emails, customer.Email{Address: e.GetAddress(), Label: e.GetLabel(), Primary: e.GetPrimary()})
	}
	for _, ph := range p.GetPhones() {
		c.Phones = append(c.Phones, customer.Phone{Number: ph.GetNumber(), Label: ph.GetLabel(), Primary: ph.GetPrimary()})
	}
	for _, a := range p.GetAddresses() {
		c.Addresses = append(c.Addresses, customer.Address{Lines: a.GetLines(), Locality: a.GetLocality(), Region: a.GetRegion(),
			PostalCode: a.GetPostalCode(), CountryCode: a.GetCountryCode(), Label: a.GetLabel(), Primary: a.GetPrimary()})
	}
	attrs, err := AttributesFromProto(p.GetAttributes(), prefix+".attributes")
	if err != nil {
		return c, err
	}
	c.Attributes = attrs
	for i, cs := range p.GetConsents() {
		con := customer.Consent{Channel: int32(cs.GetChannel()), Granted: cs.GetGranted(), Source: cs.GetSource(),
			Purpose: cs.GetPurpose(), LegalBasis: cs.GetLegalBasis(), Evidence: cs.GetEvidence()}
		if cs.GetTime() != nil {
			if err := cs.GetTime().CheckValid(); err != nil {
				return c, apperr.Invalid(fmt.Sprintf("%s.consents[%d].time", prefix, i), "is not a valid time")
			}
			con.Time = cs.GetTime().AsTime()
		}
		c.Consents = append(c.Consents, con)
	}
	return c, nil
}

// AttributesFromProto converts custom attribute values.
func AttributesFromProto(m map[string]*customerv1.AttributeValue, field string) (map[string]customer.Attribute, error) {
	if len(m) == 0 {
		return nil, nil //nolint:nilnil // a nil map is no attributes, stored as absent rather than as an empty document
	}
	out := make(map[string]customer.Attribute, len(m))
	for k, v := range m {
		var a customer.Attribute
		switch x := v.GetKind().(type) {
		case *customerv1.AttributeValue_StringValue:
			a.String = &x.StringValue
		case *customerv1.AttributeValue_NumberValue:
			a.Number = &x.NumberValue
		case *customerv1.AttributeValue_BoolValue:
			a.Bool = &x.BoolValue
		case *customerv1.AttributeValue_TimeValue:
			if err := x.TimeValue.CheckValid(); err != nil {
				return nil, apperr.Invalid(field+"["+k+"]", "is not a valid time")
			}
			t := x.TimeValue.AsTime().UTC().Truncate(time.Millisecond)
			a.Time = &t
		default:
			return nil, apperr.Invalid(field+"["+k+"]", "needs a value")
		}
		out[k] = a
	}
	return out, nil
}

// MergeToProto returns the API form of a merge record.
func MergeToProto(m customer.Merge) *customerv1.Merge {
	return &customerv1.Merge{Name: Merges.Format(m.ID), Survivor: customer.Name(m.Survivor), Loser: customer.Name(m.Loser),
		Actor: m.Actor, MergeTime: timestamppb.New(m.Time), FieldsFromLoser: m.FieldsFromLoser}
}

// ErasureToProto returns the API form of an erasure's receipt.
func ErasureToProto(e *customer.Erasure) *customerv1.Erasure {
	p := &customerv1.Erasure{Name: customer.Erasures.Format(e.ID), Customer: customer.Name(e.Customer), Reason: e.Reason,
		EraseTime: timestamppb.New(e.EraseTime), Overdue: e.Overdue}
	for _, id := range e.Customers {
		p.Customers = append(p.Customers, customer.Name(id))
	}
	if e.CompleteTime != nil {
		p.CompleteTime = timestamppb.New(*e.CompleteTime)
	}
	for _, s := range customer.ErasureServices {
		c := e.Confirmations[s]
		if c == nil {
			c = &customer.Confirmation{}
		}
		cp := &customerv1.ErasureConfirmation{Service: s}
		if c.Confirmed && c.ConfirmTime != nil {
			cp.ConfirmTime = timestamppb.New(*c.ConfirmTime)
		}
		for _, id := range c.Customers {
			cp.Customers = append(cp.Customers, customer.Name(id))
		}
		for _, n := range c.Totals() {
			cp.Counts = append(cp.Counts, &customerv1.ErasureCount{Kind: n.Kind, Deleted: n.Deleted, Pseudonymised: n.Pseudonymised})
		}
		p.Confirmations = append(p.Confirmations, cp)
	}
	return p
}
