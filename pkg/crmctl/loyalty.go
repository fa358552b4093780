package crmctl

import (
	"crypto/rand"
	"flag"
	"fmt"
	"strconv"
	"time"

	"google.golang.org/protobuf/types/known/timestamppb"

	loyaltyv1 "github.com/opencrm/crm/gen/go/crm/loyalty/v1"
)

func (c *cli) accountTable(a *loyaltyv1.Account) func() {
	return func() {
		c.table("ACCOUNT\tCUSTOMER\tSTATE\tBALANCE\tPENDING\tDEBT\tTIER\tLIFETIME EARNED", [][]string{{a.GetName(), a.GetCustomer(),
			short(a.GetState().String(), "ACCOUNT_STATE_"), fmt.Sprint(a.GetBalance()), fmt.Sprint(a.GetPending()), fmt.Sprint(a.GetDebt()),
			a.GetTier(), fmt.Sprint(a.GetLifetimeEarned())}})
	}
}

func (c *cli) loyalty(verb string, args []string) error {
	fs := flag.NewFlagSet("loyalty "+verb, flag.ContinueOnError)
	switch verb {
	case "account":
		pos, err := parse(fs, args, 2, "loyalty account PROGRAM CUSTOMER")
		if err != nil {
			return err
		}
		resp, err := c.loy.GetAccount(c.ctx, &loyaltyv1.GetAccountRequest{Program: name("programs", pos[0]), Customer: name("customers", pos[1])})
		if err != nil {
			return err
		}
		return c.emit(resp, c.accountTable(resp.GetAccount()))
	case "statement":
		size := fs.Int("n", 50, "how many entries")
		pos, err := parse(fs, args, 2, "loyalty statement PROGRAM CUSTOMER")
		if err != nil {
			return err
		}
		resp, err := c.loy.ListLedgerEntries(c.ctx, &loyaltyv1.ListLedgerEntriesRequest{Program: name("programs", pos[0]), Customer: name("customers", pos[1]), PageSize: int32(*size)})
		if err != nil {
			return err
		}
		return c.emit(resp, func() {
			var rows [][]string
			for _, e := range resp.GetEntries() {
				rows = append(rows, []string{e.GetTime().AsTime().Local().Format("2006-01-02 15:04"), short(e.GetType().String(), "ENTRY_TYPE_"),
					fmt.Sprint(e.GetPoints()), fmt.Sprint(e.GetBalanceAfter()), e.GetReason()})
			}
			c.table("WHEN\tTYPE\tPOINTS\tBALANCE\tREASON", rows)
		})
	case "earn":
		pos, err := parse(fs, args, 4, "loyalty earn PROGRAM CUSTOMER AMOUNT CURRENCY")
		if err != nil {
			return err
		}
		m, err := amount(pos[2], pos[3])
		if err != nil {
			return err
		}
		resp, err := c.loy.EarnPoints(c.ctx, &loyaltyv1.EarnPointsRequest{Program: name("programs", pos[0]), Customer: name("customers", pos[1]),
			RequestId: "crmctl-" + rand.Text(), Purchase: &loyaltyv1.PurchaseInput{OrderId: "crmctl-" + rand.Text()[:10], Amount: m, Channel: "store", OccurTime: timestamppb.New(time.Now())}})
		if err != nil {
			return err
		}
		return c.emit(resp, c.accountTable(resp.GetAccount()))
	case "redeem":
		reason := fs.String("reason", "redeemed with crmctl", "why")
		pos, err := parse(fs, args, 3, "loyalty redeem PROGRAM CUSTOMER POINTS")
		if err != nil {
			return err
		}
		pts, err := strconv.ParseInt(pos[2], 10, 64)
		if err != nil {
			return fmt.Errorf("POINTS %q: not a whole number", pos[2])
		}
		resp, err := c.loy.RedeemPoints(c.ctx, &loyaltyv1.RedeemPointsRequest{Program: name("programs", pos[0]), Customer: name("customers", pos[1]),
			Points: pts, Reason: *reason, RequestId: "crmctl-" + rand.Text()})
		if err != nil {
			return err
		}
		return c.emit(resp, c.accountTable(resp.GetAccount()))
	case "rewards":
		pos, err := parse(fs, args, 1, "loyalty rewards PROGRAM")
		if err != nil {
			return err
		}
		resp, err := c.loy.ListRewards(c.ctx, &loyaltyv1.ListRewardsRequest{Program: name("programs", pos[0])})
		if err != nil {
			return err
		}
		return c.emit(resp, func() {
			var rows [][]string
			for _, r := range resp.GetRewards() {
				stock := "unlimited"
				if r.Stock != nil {
					stock = fmt.Sprint(r.GetStock())
				}
				rows = append(rows, []string{r.GetName(), r.GetDisplayName(), fmt.Sprint(r.GetPointsPrice()), stock})
			}
			c.table("REWARD\tNAME\tPOINTS\tSTOCK", rows)
		})
	case "redeem-reward":
		pos, err := parse(fs, args, 3, "loyalty redeem-reward PROGRAM CUSTOMER REWARD")
		if err != nil {
			return err
		}
		resp, err := c.loy.RedeemReward(c.ctx, &loyaltyv1.RedeemRewardRequest{Customer: name("customers", pos[1]),
			Reward: name("programs", pos[0]) + "/" + name("rewards", pos[2]), RequestId: "crmctl-" + rand.Text()})
		if err != nil {
			return err
		}
		return c.emit(resp, func() {
			fmt.Fprintf(c.out, "redeemed %s: code %s\n", resp.GetRedemption().GetReward(), resp.GetRedemption().GetCode())
		})
	}
	return fmt.Errorf("loyalty: unknown action %q (account, statement, earn, redeem, rewards, redeem-reward)", verb)
}
