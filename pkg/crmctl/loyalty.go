package crmctl

import (
	"crypto/rand"
	"fmt"
	"strconv"
	"time"

	"github.com/spf13/cobra"
	"google.golang.org/protobuf/types/known/timestamppb"

	loyaltyv1 "github.com/opencrm/crm/gen/go/crm/loyalty/v1"
)

func (c *cli) accountView(a *loyaltyv1.Account) view {
	return view{head: []string{"account", "customer", "customer name", "state", "balance", "pending", "debt", "tier", "lifetime earned"},
		rows: [][]string{{a.GetName(), a.GetCustomer(), c.labels([]string{a.GetCustomer()})[a.GetCustomer()].GetDisplayName(),
			short(a.GetState().String(), "ACCOUNT_STATE_"), strconv.FormatInt(a.GetBalance(), 10), strconv.FormatInt(a.GetPending(), 10), strconv.FormatInt(a.GetDebt(), 10),
			a.GetTier(), strconv.FormatInt(a.GetLifetimeEarned(), 10)}}}
}

const programArg = "a program (programs/ID, for example the demo's programs/club)"

// customerArg describes a command's one customer argument and where to find it.
const customerArg = "a customer (customers/ID; crmctl customers search finds it)"

func (c *cli) loyaltyCmd() *cobra.Command {
	return group("loyalty", "Loyalty accounts, statements, points and rewards",
		c.loyaltyAccount(), c.loyaltyStatement(), c.loyaltyEarn(), c.loyaltyRedeem(), c.loyaltyRewards(), c.loyaltyRedeemReward(),
		c.loyaltyRedemptions())
}

func (c *cli) loyaltyAccount() *cobra.Command {
	return &cobra.Command{
		Use:     "account PROGRAM CUSTOMER",
		Short:   "A customer's balance, debt and tier in a program",
		Example: "  crmctl loyalty account club customers/ID",
		Args:    args(2, programArg+" and a customer (customers/ID)"),
		RunE: c.connected(func(_ *cobra.Command, pos []string) error {
			resp, err := c.loy.GetAccount(c.ctx, &loyaltyv1.GetAccountRequest{Program: name("programs", pos[0]), Customer: name("customers", pos[1])})
			if err != nil {
				return err
			}
			return c.emit(resp, c.accountView(resp.GetAccount()))
		}),
	}
}

func (c *cli) loyaltyStatement() *cobra.Command {
	var p pager
	cmd := &cobra.Command{
		Use:     "statement PROGRAM CUSTOMER",
		Short:   "A customer's ledger entries, newest first",
		Example: "  crmctl loyalty statement club customers/ID -n 3",
		Args:    args(2, programArg+" and a customer (customers/ID)"),
		RunE: c.connected(func(_ *cobra.Command, pos []string) error {
			all := &loyaltyv1.ListLedgerEntriesResponse{}
			var err error
			all.Entries, all.NextPageToken, err = pages(c, &p, func(token string) ([]*loyaltyv1.LedgerEntry, string, error) {
				resp, err := c.loy.ListLedgerEntries(c.ctx, &loyaltyv1.ListLedgerEntriesRequest{Program: name("programs", pos[0]), Customer: name("customers", pos[1]),
					PageSize: p.size, PageToken: token})
				return resp.GetEntries(), resp.GetNextPageToken(), err
			})
			if err != nil {
				return err
			}
			rows := rowsOf(all.GetEntries(), func(e *loyaltyv1.LedgerEntry) []string {
				return []string{e.GetTime().AsTime().Local().Format("2006-01-02 15:04"), short(e.GetType().String(), "ENTRY_TYPE_"),
					strconv.FormatInt(e.GetPoints(), 10), strconv.FormatInt(e.GetBalanceAfter(), 10), e.GetReason()}
			})
			return c.emit(all, view{head: []string{"when", "type", "points", "balance", "reason"}, rows: rows})
		}),
	}
	c.pagingFlags(cmd, &p, 50, "entries")
	return cmd
}

func (c *cli) loyaltyEarn() *cobra.Command {
	var order string
	cmd := &cobra.Command{
		Use:   "earn PROGRAM CUSTOMER AMOUNT CURRENCY [--order O]",
		Short: "Earn points for a purchase at a point of sale (purchases logged in interaction-log earn by themselves)",
		Args:  args(4, programArg+", a customer, an amount and its currency (for example 49.90 EUR)"),
		RunE: c.connected(func(_ *cobra.Command, pos []string) error {
			m, err := amount(pos[2], pos[3])
			if err != nil {
				return err
			}
			if order == "" {
				order = "crmctl-" + rand.Text()[:10]
			}
			resp, err := c.loy.EarnPoints(c.ctx, &loyaltyv1.EarnPointsRequest{Program: name("programs", pos[0]), Customer: name("customers", pos[1]),
				RequestId: "crmctl-" + rand.Text(), Purchase: &loyaltyv1.PurchaseInput{OrderId: order, Amount: m, Channel: "store", OccurTime: timestamppb.New(time.Now())}})
			if err != nil {
				return err
			}
			return c.emit(resp, c.accountView(resp.GetAccount()))
		}),
	}
	cmd.Flags().StringVar(&order, "order", "", "the purchase's order id (default: a new one)")
	return cmd
}

func (c *cli) loyaltyRedeem() *cobra.Command {
	var reason string
	cmd := &cobra.Command{
		Use:   "redeem PROGRAM CUSTOMER POINTS [--reason R]",
		Short: "Spend points (never more than the balance)",
		Args:  args(3, programArg+", a customer and a number of points"),
		RunE: c.connected(func(_ *cobra.Command, pos []string) error {
			pts, err := strconv.ParseInt(pos[2], 10, 64)
			if err != nil || pts <= 0 {
				return fmt.Errorf("POINTS %q: give a whole number of points above 0", pos[2])
			}
			resp, err := c.loy.RedeemPoints(c.ctx, &loyaltyv1.RedeemPointsRequest{Program: name("programs", pos[0]), Customer: name("customers", pos[1]),
				Points: pts, Reason: reason, RequestId: "crmctl-" + rand.Text()})
			if err != nil {
				return err
			}
			return c.emit(resp, c.accountView(resp.GetAccount()))
		}),
	}
	cmd.Flags().StringVar(&reason, "reason", "redeemed with crmctl", "why (shown in the statement)")
	return cmd
}

func (c *cli) loyaltyRewards() *cobra.Command {
	var p pager
	var available bool
	cmd := &cobra.Command{
		Use:   "rewards PROGRAM [--available]",
		Short: "A program's rewards, their prices and stock",
		Args:  args(1, programArg),
		RunE: c.connected(func(_ *cobra.Command, pos []string) error {
			all := &loyaltyv1.ListRewardsResponse{}
			var err error
			all.Rewards, all.NextPageToken, err = pages(c, &p, func(token string) ([]*loyaltyv1.Reward, string, error) {
				resp, err := c.loy.ListRewards(c.ctx, &loyaltyv1.ListRewardsRequest{Program: name("programs", pos[0]), AvailableOnly: available, PageSize: p.size, PageToken: token})
				return resp.GetRewards(), resp.GetNextPageToken(), err
			})
			if err != nil {
				return err
			}
			rows := rowsOf(all.GetRewards(), func(r *loyaltyv1.Reward) []string {
				stock := "unlimited"
				if r.Stock != nil {
					stock = strconv.FormatInt(r.GetStock(), 10)
				}
				return []string{r.GetName(), r.GetDisplayName(), strconv.FormatInt(r.GetPointsPrice(), 10), stock, strconv.FormatBool(r.GetActive())}
			})
			return c.emit(all, view{head: []string{"reward", "name", "points", "stock", "active"}, rows: rows})
		}),
	}
	c.pagingFlags(cmd, &p, 50, "rewards")
	cmd.Flags().BoolVar(&available, "available", false, "only rewards that can be redeemed now (active, in stock)")
	return cmd
}

func (c *cli) loyaltyRedeemReward() *cobra.Command {
	return &cobra.Command{
		Use:     "redeem-reward PROGRAM CUSTOMER REWARD",
		Short:   "Spend a reward's price and get its code",
		Example: "  crmctl loyalty redeem-reward club customers/ID mug",
		Args:    args(3, programArg+", a customer and a reward id (crmctl loyalty rewards PROGRAM lists them)"),
		RunE: c.connected(func(_ *cobra.Command, pos []string) error {
			resp, err := c.loy.RedeemReward(c.ctx, &loyaltyv1.RedeemRewardRequest{Customer: name("customers", pos[1]),
				Reward: name("programs", pos[0]) + "/" + name("rewards", pos[2]), RequestId: "crmctl-" + rand.Text()})
			if err != nil {
				return err
			}
			r := resp.GetRedemption()
			return c.emit(resp, view{head: []string{"reward", "code"}, rows: [][]string{{r.GetReward(), r.GetCode()}}, text: func() {
				fmt.Fprintf(c.io.Out, "redeemed %s: code %s\n", r.GetReward(), r.GetCode())
			}})
		}),
	}
}
