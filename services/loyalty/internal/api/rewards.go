package api

import (
	"context"
	"strings"

	loyaltyv1 "github.com/opencrm/crm/gen/go/crm/loyalty/v1"
	"github.com/opencrm/crm/pkg/apperr"
	"github.com/opencrm/crm/pkg/etag"
	"github.com/opencrm/crm/pkg/idempotency"
	"github.com/opencrm/crm/pkg/pagetoken"
	"github.com/opencrm/crm/services/loyalty/internal/catalogue"
	"github.com/opencrm/crm/services/loyalty/internal/loyaltypb"
	"github.com/opencrm/crm/services/loyalty/internal/points"
	"github.com/opencrm/crm/services/loyalty/internal/store"
)

// rewardKey splits "programs/{p}/rewards/{r}" into the stored id.
func rewardKey(field, name string) (string, string, error) {
	p, r, ok := strings.Cut(strings.TrimPrefix(name, "programs/"), "/rewards/")
	if !ok || p == "" || r == "" {
		return "", "", apperr.Invalid(field, "is required: programs/{program}/rewards/{reward}")
	}
	return p, r, nil
}

// CreateReward implements the API method.
func (h *Handler) CreateReward(ctx context.Context, req *loyaltyv1.CreateRewardRequest) (*loyaltyv1.CreateRewardResponse, error) {
	if req.GetReward().GetId() == "" {
		return nil, apperr.Invalid("reward.id", "is required: 1 to 40 lower-case letters, digits and hyphens")
	}
	r := loyaltypb.RewardFromProto(programID(req.GetProgram()), req.GetReward())
	if err := h.book.CreateReward(ctx, r); err != nil {
		return nil, err
	}
	return &loyaltyv1.CreateRewardResponse{Reward: loyaltypb.RewardToProto(r)}, nil
}

// ListRewards implements the API method.
func (h *Handler) ListRewards(ctx context.Context, req *loyaltyv1.ListRewardsRequest) (*loyaltyv1.ListRewardsResponse, error) {
	page, next, err := pagetoken.Page(h.pages, req, defaultPage, func(after *string, limit int64) ([]*catalogue.Reward, error) {
		return h.book.Store.Rewards(ctx, programID(req.GetProgram()), pagetoken.After(after), req.GetAvailableOnly(), limit)
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

var rewardUpdatable = map[string]bool{"display_name": true, "description": true, "points_price": true, "stock": true, "cancel_window_days": true, "active": true}

// UpdateReward implements the API method.
func (h *Handler) UpdateReward(ctx context.Context, req *loyaltyv1.UpdateRewardRequest) (*loyaltyv1.UpdateRewardResponse, error) {
	in := req.GetReward()
	prog, id, err := rewardKey("reward.name", in.GetName())
	if err != nil {
		return nil, err
	}
	paths := req.GetUpdateMask().GetPaths()
	if len(paths) == 0 {
		return nil, apperr.Invalid("update_mask", "names no field")
	}
	for i, f := range paths {
		if !rewardUpdatable[f] {
			return nil, apperr.Invalid("update_mask.paths", "paths[%d] %q cannot be changed", i, f)
		}
	}
	want, err := etag.Parse("reward.etag", in.GetEtag())
	if err != nil {
		return nil, err
	}
	r, err := h.book.Store.Reward(ctx, catalogue.Key(prog, id))
	if err != nil {
		return nil, err
	}
	if want != 0 && want != r.Version {
		return nil, etag.ErrStale
	}
	prev := r.Version
	loyaltypb.ApplyReward(r, in, paths)
	// Only the masked fields were read: check the reward they make.
	if err := validate("reward", &loyaltyv1.CreateRewardRequest{Program: "programs/" + prog, Reward: loyaltypb.RewardToProto(r)}); err != nil {
		return nil, err
	}
	if err := h.book.Store.UpdateReward(ctx, r, prev); err != nil {
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
		d, r, err := h.book.RedeemReward(ctx, prog, id, customerID(req.GetCustomer()), req.GetRequestId())
		if err != nil {
			return nil, "", err
		}
		return &loyaltyv1.RedeemRewardResponse{Redemption: loyaltypb.RedemptionToProto(d, r.Account.ID),
			Account: loyaltypb.AccountToProto(&r.Account.Account, r.Program.Program, h.book.Now())}, req.GetCustomer(), nil
	})
}

// CancelRedemption implements the API method.
func (h *Handler) CancelRedemption(ctx context.Context, req *loyaltyv1.CancelRedemptionRequest) (*loyaltyv1.CancelRedemptionResponse, error) {
	d, r, err := h.book.CancelRedemption(ctx, strings.TrimPrefix(req.GetName(), "redemptions/"))
	if err != nil {
		return nil, err
	}
	return &loyaltyv1.CancelRedemptionResponse{Redemption: loyaltypb.RedemptionToProto(d, r.Account.ID),
		Account: loyaltypb.AccountToProto(&r.Account.Account, r.Program.Program, h.book.Now())}, nil
}

// ListRedemptions implements the API method.
func (h *Handler) ListRedemptions(ctx context.Context, req *loyaltyv1.ListRedemptionsRequest) (*loyaltyv1.ListRedemptionsResponse, error) {
	prog, cust := programID(req.GetProgram()), customerID(req.GetCustomer())
	page, next, err := pagetoken.Page(h.pages, req, defaultPage, func(after *store.RedemptionCursor, limit int64) ([]*catalogue.Redemption, error) {
		return h.book.Store.CustomerRedemptions(ctx, prog, cust, after, limit)
	}, func(d *catalogue.Redemption) store.RedemptionCursor {
		return store.RedemptionCursor{Time: d.CreateTime, ID: d.ID}
	})
	if err != nil {
		return nil, err
	}
	resp := &loyaltyv1.ListRedemptionsResponse{NextPageToken: next}
	for _, d := range page {
		resp.Redemptions = append(resp.Redemptions, loyaltypb.RedemptionToProto(d, points.AccountID(prog, cust)))
	}
	return resp, nil
}
