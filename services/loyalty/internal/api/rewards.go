package api

import (
	"context"

	loyaltyv1 "github.com/opencrm/crm/gen/go/crm/loyalty/v1"
	"github.com/opencrm/crm/pkg/apperr"
	"github.com/opencrm/crm/pkg/etag"
	"github.com/opencrm/crm/pkg/fieldmask"
	"github.com/opencrm/crm/pkg/idempotency"
	"github.com/opencrm/crm/pkg/pagetoken"
	"github.com/opencrm/crm/pkg/resname"
	"github.com/opencrm/crm/services/loyalty/internal/catalogue"
	"github.com/opencrm/crm/services/loyalty/internal/loyaltypb"
	"github.com/opencrm/crm/services/loyalty/internal/names"
	"github.com/opencrm/crm/services/loyalty/internal/points"
)

// rewardKey returns the program and reward ids of a reward's name.
func rewardKey(field, name string) (string, string, error) {
	ids, err := names.Rewards.ParseAll(field, name)
	if err != nil {
		return "", "", err
	}
	return ids[0], ids[1], nil
}

// CreateReward implements the API method.
func (h *Handler) CreateReward(ctx context.Context, req *loyaltyv1.CreateRewardRequest) (*loyaltyv1.CreateRewardResponse, error) {
	if req.GetReward().GetId() == "" {
		return nil, apperr.Invalid("reward.id", "is required: 1 to 40 lower-case letters, digits and hyphens")
	}
	prog, err := names.Programs.Parse("program", req.GetProgram())
	if err != nil {
		return nil, err
	}
	r := loyaltypb.RewardFromProto(prog, req.GetReward())
	if err := h.book.CreateReward(ctx, r); err != nil {
		return nil, err
	}
	return &loyaltyv1.CreateRewardResponse{Reward: loyaltypb.RewardToProto(r)}, nil
}

// ListRewards implements the API method.
func (h *Handler) ListRewards(ctx context.Context, req *loyaltyv1.ListRewardsRequest) (*loyaltyv1.ListRewardsResponse, error) {
	prog, err := names.Programs.Parse("program", req.GetProgram())
	if err != nil {
		return nil, err
	}
	page, next, err := pagetoken.Page(h.pages, req, defaultPage, func(after *string, limit int64) ([]*catalogue.Reward, error) {
		return h.book.Rewards(ctx, prog, pagetoken.After(after), req.GetAvailableOnly(), limit)
	}, func(r *catalogue.Reward) string { return r.ID })
	if err != nil {
		return nil, err
	}
	resp := &loyaltyv1.ListRewardsResponse{NextPageToken: next}
	for _, r := range page {
		resp.Rewards = append(resp.Rewards, loyaltypb.RewardToProto(r))
	}
	return resp, nil
}

// rewardUpdatable are the fields of a reward an update may change.
var rewardUpdatable = []string{"display_name", "description", "points_price", "stock", "cancel_window_days", "active"}

// UpdateReward implements the API method.
func (h *Handler) UpdateReward(ctx context.Context, req *loyaltyv1.UpdateRewardRequest) (*loyaltyv1.UpdateRewardResponse, error) {
	in := req.GetReward()
	prog, id, err := rewardKey("reward.name", in.GetName())
	if err != nil {
		return nil, err
	}
	paths, err := fieldmask.Check(req.GetUpdateMask().GetPaths(), rewardUpdatable, "")
	if err != nil {
		return nil, err
	}
	want, err := etag.Parse("reward.etag", in.GetEtag())
	if err != nil {
		return nil, err
	}
	r, err := h.book.UpdateReward(ctx, prog, id, want, func(r *catalogue.Reward) error {
		loyaltypb.ApplyReward(r, in, paths)
		// Only the masked fields were read: check the reward they make.
		return validate("reward", &loyaltyv1.CreateRewardRequest{Program: names.Programs.Format(prog), Reward: loyaltypb.RewardToProto(r)})
	})
	if err != nil {
		return nil, err
	}
	return &loyaltyv1.UpdateRewardResponse{Reward: loyaltypb.RewardToProto(r)}, nil
}

// RedeemReward implements the API method.
func (h *Handler) RedeemReward(ctx context.Context, req *loyaltyv1.RedeemRewardRequest) (*loyaltyv1.RedeemRewardResponse, error) {
	return idempotency.Do(ctx, h.keys, "RedeemReward", req.GetRequestId(), req, func(ctx context.Context) (*loyaltyv1.RedeemRewardResponse, string, error) {
		prog, id, err := rewardKey("reward", req.GetReward())
		if err != nil {
			return nil, "", err
		}
		cust, err := resname.Customers.Parse("customer", req.GetCustomer())
		if err != nil {
			return nil, "", err
		}
		d, r, err := h.book.RedeemReward(ctx, prog, id, cust, req.GetRequestId())
		if err != nil {
			return nil, "", err
		}
		return &loyaltyv1.RedeemRewardResponse{Redemption: loyaltypb.RedemptionToProto(d, r.Account.ID),
			Account: loyaltypb.AccountToProto(&r.Account.Account, r.Program.Program, h.book.Now())}, req.GetCustomer(), nil
	})
}

// CancelRedemption implements the API method.
func (h *Handler) CancelRedemption(ctx context.Context, req *loyaltyv1.CancelRedemptionRequest) (*loyaltyv1.CancelRedemptionResponse, error) {
	id, err := names.Redemptions.Parse("name", req.GetName())
	if err != nil {
		return nil, err
	}
	d, r, err := h.book.CancelRedemption(ctx, id)
	if err != nil {
		return nil, err
	}
	return &loyaltyv1.CancelRedemptionResponse{Redemption: loyaltypb.RedemptionToProto(d, r.Account.ID),
		Account: loyaltypb.AccountToProto(&r.Account.Account, r.Program.Program, h.book.Now())}, nil
}

// ListRedemptions implements the API method.
func (h *Handler) ListRedemptions(ctx context.Context, req *loyaltyv1.ListRedemptionsRequest) (*loyaltyv1.ListRedemptionsResponse, error) {
	prog, cust, err := member(req.GetProgram(), req.GetCustomer())
	if err != nil {
		return nil, err
	}
	page, next, err := pagetoken.Page(h.pages, req, defaultPage, func(after *points.RedemptionCursor, limit int64) ([]*catalogue.Redemption, error) {
		return h.book.Redemptions(ctx, prog, cust, after, limit)
	}, func(d *catalogue.Redemption) points.RedemptionCursor {
		return points.RedemptionCursor{Time: d.CreateTime, ID: d.ID}
	})
	if err != nil {
		return nil, err
	}
	resp := &loyaltyv1.ListRedemptionsResponse{NextPageToken: next}
	for _, d := range page {
		resp.Redemptions = append(resp.Redemptions, loyaltypb.RedemptionToProto(d, h.book.AccountID(prog, cust)))
	}
	return resp, nil
}
