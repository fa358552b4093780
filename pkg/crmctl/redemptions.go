package crmctl

import (
	"crypto/rand"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	loyaltyv1 "github.com/opencrm/crm/gen/go/crm/loyalty/v1"
)

// codeArg describes a command's one reward-code argument.
const codeArg = "a reward code (ABCDE-FGH23-JK4MN, as redeem-reward printed it)"

// loyaltyRedemptions is the shop's side of a reward code: check it, then
// mark it used.
func (c *cli) loyaltyRedemptions() *cobra.Command {
	return group("redemptions", "Check a reward code and mark it used (once)", c.redemptionCheck(), c.redemptionUse())
}

func (c *cli) redemptionCheck() *cobra.Command {
	return &cobra.Command{
		Use:     "check CODE",
		Short:   "Show a reward code's redemption: reward, customer, state, when used",
		Example: "  crmctl loyalty redemptions check ABCDE-FGH23-JK4MN",
		Args:    args(1, codeArg),
		RunE: c.connected(func(_ *cobra.Command, pos []string) error {
			resp, err := c.loy.LookupRedemption(c.ctx, &loyaltyv1.LookupRedemptionRequest{Code: normaliseCode(pos[0])})
			if err != nil {
				return err
			}
			return c.emit(resp, c.redemptionView(resp.GetRedemption()))
		}),
	}
}

func (c *cli) redemptionUse() *cobra.Command {
	return &cobra.Command{
		Use:     "use CODE",
		Short:   "Mark a reward code used; a used or cancelled code is refused",
		Example: "  crmctl loyalty redemptions use ABCDE-FGH23-JK4MN",
		Args:    args(1, codeArg),
		RunE: c.connected(func(_ *cobra.Command, pos []string) error {
			resp, err := c.loy.UseRedemption(c.ctx, &loyaltyv1.UseRedemptionRequest{Code: normaliseCode(pos[0]), RequestId: "crmctl-" + rand.Text()})
			if err != nil {
				return err
			}
			return c.emit(resp, c.redemptionView(resp.GetRedemption()))
		}),
	}
}

// redemptionView is a redemption as a table row, with its customer's name.
func (c *cli) redemptionView(r *loyaltyv1.Redemption) view {
	used := ""
	if r.GetUseTime() != nil {
		used = r.GetUseTime().AsTime().Local().Format("2006-01-02 15:04")
	}
	return view{head: []string{"code", "reward", "customer", "customer name", "points", "state", "used"},
		rows: [][]string{{r.GetCode(), r.GetReward(), r.GetCustomer(), c.labels([]string{r.GetCustomer()})[r.GetCustomer()].GetDisplayName(),
			strconv.FormatInt(r.GetPoints(), 10), short(r.GetState().String(), "REDEMPTION_STATE_"), used}}}
}

// normaliseCode forgives how a code is typed (lower case, spaces around);
// the API checks its shape.
func normaliseCode(s string) string { return strings.ToUpper(strings.TrimSpace(s)) }
