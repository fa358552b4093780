// Package loyaltypb converts between the API's loyalty messages and the
// domain's programs, accounts and ledger entries.
package loyaltypb

import (
	"strings"
	"time"

	"google.golang.org/protobuf/types/known/timestamppb"

	loyaltyv1 "github.com/opencrm/crm/gen/go/crm/loyalty/v1"
	"github.com/opencrm/crm/pkg/etag"
	"github.com/opencrm/crm/pkg/money"
	"github.com/opencrm/crm/pkg/resname"
	"github.com/opencrm/crm/services/loyalty/internal/catalogue"
	"github.com/opencrm/crm/services/loyalty/internal/ledger"
	"github.com/opencrm/crm/services/loyalty/internal/names"
	"github.com/opencrm/crm/services/loyalty/internal/program"
)

// displayNameField is the display name's path in programs' and rewards'
// field masks.
const displayNameField = "display_name"

// ExpiringWindow is how far ahead "expiring soon" looks.
const ExpiringWindow = 30 * 24 * time.Hour

func ts(t time.Time) *timestamppb.Timestamp {
	if t.IsZero() || !t.Before(ledger.Never) {
		return nil
	}
	return timestamppb.New(t)
}

// ProgramFromProto returns the domain program for a create request, with
// the documented defaults for unset optional fields.
func ProgramFromProto(p *loyaltyv1.Program) *program.Program {
	out := &program.Program{ID: p.GetId()}
	ApplyProgram(out, p, []string{displayNameField, "currency_code", "points_per_unit", "tiers", "earning_rules",
		"max_points_per_purchase", "points_validity_months", "pending_days", "qualifying_period_months", "auto_enrol", "refund_policy", "tier_basis"})
	return out
}

// ApplyProgram copies the named fields of p onto out; unset optional
// fields take their defaults.
func ApplyProgram(out *program.Program, p *loyaltyv1.Program, fields []string) {
	for _, f := range fields {
		switch f {
		case displayNameField:
			out.DisplayName = p.GetDisplayName()
		case "currency_code":
			out.Currency = p.GetCurrencyCode()
		case "points_per_unit":
			out.PointsPerUnit = p.GetPointsPerUnit()
		case "tiers":
			out.Tiers = nil
			for _, t := range p.GetTiers() {
				out.Tiers = append(out.Tiers, program.Tier{ID: t.GetId(), DisplayName: t.GetDisplayName(), Min: t.GetMinQualifyingPoints(),
					MinSpend: t.GetMinQualifyingSpend(), Multiplier: t.GetMultiplier()})
			}
		case "earning_rules":
			out.Rules = nil
			for _, r := range p.GetEarningRules() {
				out.Rules = append(out.Rules, program.Rule{ID: r.GetId(), Description: r.GetDescription(), Condition: r.GetCondition(), Points: r.GetPoints()})
			}
		case "max_points_per_purchase":
			out.MaxPointsPerPurchase = p.GetMaxPointsPerPurchase()
		case "points_validity_months":
			out.ValidityMonths = program.DefaultValidityMonths
			if p.PointsValidityMonths != nil {
				out.ValidityMonths = p.GetPointsValidityMonths()
			}
		case "pending_days":
			out.PendingDays = p.GetPendingDays()
		case "qualifying_period_months":
			out.PeriodMonths = program.DefaultPeriodMonths
			if p.QualifyingPeriodMonths != nil {
				out.PeriodMonths = p.GetQualifyingPeriodMonths()
			}
		case "auto_enrol":
			out.AutoEnrol = p.GetAutoEnrol()
		case "refund_policy":
			out.RefundPolicy = int32(p.GetRefundPolicy())
			if out.RefundPolicy == 0 {
				out.RefundPolicy = program.RefundDebt
			}
		case "tier_basis":
			out.TierBasis = int32(p.GetTierBasis())
			if out.TierBasis == 0 {
				out.TierBasis = program.TierByPoints
			}
		}
	}
}

// ProgramToProto returns the API form of a program.
func ProgramToProto(p *program.Program) *loyaltyv1.Program {
	out := &loyaltyv1.Program{
		Name: p.Name(), Id: p.ID, DisplayName: p.DisplayName, CurrencyCode: p.Currency, PointsPerUnit: p.PointsPerUnit,
		MaxPointsPerPurchase: p.MaxPointsPerPurchase, PointsValidityMonths: new(p.ValidityMonths), PendingDays: p.PendingDays,
		QualifyingPeriodMonths: new(p.PeriodMonths), AutoEnrol: p.AutoEnrol, RefundPolicy: loyaltyv1.RefundPolicy(p.RefundPolicy),
		TierBasis:  loyaltyv1.TierBasis(p.TierBasis),
		CreateTime: ts(p.CreateTime), UpdateTime: ts(p.UpdateTime), Etag: etag.Format(p.Version),
	}
	for _, t := range p.Tiers {
		out.Tiers = append(out.Tiers, &loyaltyv1.Tier{Id: t.ID, DisplayName: t.DisplayName, MinQualifyingPoints: t.Min,
			MinQualifyingSpend: t.MinSpend, Multiplier: t.Multiplier})
	}
	for _, r := range p.Rules {
		out.EarningRules = append(out.EarningRules, &loyaltyv1.EarningRule{Id: r.ID, Description: r.Description, Condition: r.Condition, Points: r.Points})
	}
	return out
}

// CustomerName is the resource name of a customer id, "" for none.
func CustomerName(id string) string {
	if id == "" {
		return ""
	}
	return resname.Customers.Format(id)
}

// AccountName is the resource name of an account id, "" for none.
func AccountName(id string) string {
	if id == "" {
		return ""
	}
	return names.Accounts.Format(id)
}

// AccountToProto returns the API form of an account at now; p gives the
// tier ladder and the currency (nil leaves those fields empty).
func AccountToProto(a *ledger.Account, p *program.Program, now time.Time) *loyaltyv1.Account {
	state := a.State
	if state == ledger.Merging {
		state = ledger.Active
	}
	out := &loyaltyv1.Account{
		Name: AccountName(a.ID), Id: a.ID, Program: names.Programs.Format(a.Program), Customer: CustomerName(a.Customer),
		State: loyaltyv1.AccountState(state), MergedInto: AccountName(a.MergedInto),
		Balance: a.Balance(now), Pending: a.Pending(now), Debt: a.Debt, LifetimeEarned: a.LifetimeEarned, Purchases: a.Purchases,
		Tier: a.Tier, QualifyingPoints: a.QualifyingPoints, PeriodStart: ts(a.PeriodStart), PeriodEnd: ts(a.PeriodEnd),
		ExpiringSoon: a.ExpiringBy(now.Add(ExpiringWindow)),
		EnrolTime:    ts(a.EnrolTime), UpdateTime: ts(a.UpdateTime),
	}
	if p != nil {
		out.QualifyingSpend = money.ToProto(p.Currency, a.QualifyingSpend)
		next, need := a.NextTier(p.Policy())
		out.NextTier = next
		if p.TierBasis == program.TierBySpend {
			out.SpendToNextTier = money.ToProto(p.Currency, need)
		} else {
			out.PointsToNextTier = need
		}
	}
	for _, l := range a.Lots {
		if l.Remaining > 0 {
			out.Lots = append(out.Lots, &loyaltyv1.Lot{Id: l.ID, Source: l.Source, Points: l.Points, Remaining: l.Remaining,
				EarnTime: ts(l.EarnTime), AvailableTime: ts(l.AvailableTime), ExpireTime: ts(l.ExpireTime)})
		}
	}
	return out
}

// EntryToProto returns the API form of a ledger entry.
func EntryToProto(e ledger.Entry) *loyaltyv1.LedgerEntry {
	out := &loyaltyv1.LedgerEntry{
		Name: names.Entries.Format(e.Account, e.ID), Id: e.ID, Account: AccountName(e.Account),
		Type: loyaltyv1.EntryType(e.Type), Points: e.Points, DebtChange: e.DebtChange,
		BalanceAfter: e.BalanceAfter, DebtAfter: e.DebtAfter, Reason: e.Reason, Source: e.Source,
		Operator: e.Operator, RequestId: e.RequestID, Time: ts(e.Time), TierAfter: e.TierAfter,
	}
	for _, c := range e.Lots {
		out.Lots = append(out.Lots, &loyaltyv1.LotChange{Lot: c.Lot, Points: c.Points, ExpireTime: ts(c.ExpireTime), AvailableTime: ts(c.AvailableTime)})
	}
	return out
}

// RewardFromProto returns the domain reward for a create request.
func RewardFromProto(programID string, r *loyaltyv1.Reward) *catalogue.Reward {
	out := &catalogue.Reward{ID: catalogue.Key(programID, r.GetId()), Program: programID, RewardID: r.GetId()}
	ApplyReward(out, r, []string{displayNameField, "description", "points_price", "stock", "cancel_window_days", "active"})
	return out
}

// ApplyReward copies the named fields of r onto out.
func ApplyReward(out *catalogue.Reward, r *loyaltyv1.Reward, fields []string) {
	for _, f := range fields {
		switch f {
		case displayNameField:
			out.DisplayName = r.GetDisplayName()
		case "description":
			out.Description = r.GetDescription()
		case "points_price":
			out.Price = r.GetPointsPrice()
		case "stock":
			out.Limited, out.Stock = r.Stock != nil, r.GetStock()
		case "cancel_window_days":
			out.CancelWindowDays = r.GetCancelWindowDays()
		case "active":
			out.Active = r.GetActive()
		}
	}
}

// RewardToProto returns the API form of a reward.
func RewardToProto(r *catalogue.Reward) *loyaltyv1.Reward {
	out := &loyaltyv1.Reward{Name: r.Name(), Id: r.RewardID, DisplayName: r.DisplayName, Description: r.Description,
		PointsPrice: r.Price, CancelWindowDays: r.CancelWindowDays, Active: r.Active, CreateTime: ts(r.CreateTime), Etag: etag.Format(r.Version)}
	if r.Limited {
		out.Stock = new(r.Stock)
	}
	return out
}

// RedemptionToProto returns the API form of a redemption; accountID is the
// account whose ledger holds its entry.
func RedemptionToProto(d *catalogue.Redemption, accountID string) *loyaltyv1.Redemption {
	return &loyaltyv1.Redemption{Name: names.Redemptions.Format(d.ID), Id: d.ID, Program: names.Programs.Format(d.Program), Customer: CustomerName(d.Customer),
		Reward: names.Rewards.Format(strings.SplitN(d.Reward, "/", 2)...), Points: d.Points, Code: d.Code,
		State: loyaltyv1.RedemptionState(d.APIState()), CreateTime: ts(d.CreateTime), CancelDeadline: ts(d.CancelDeadline),
		CancelTime: ts(d.CancelTime), UseTime: ts(d.UseTime), Entry: AccountName(accountID) + "/entries/" + d.EntryID}
}
