package celfacts

import "testing"

// A rule that reads only the purchase and the account's own facts says so,
// so that a feed batch need not read the customers' profile facts for it;
// any use of a profile fact, or of the customer as a whole, says it reads
// them.
func TestReadsProfile(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		condition, points string
		want              bool
	}{
		{`purchase.amount >= 100.0`, `base * 1.0`, false},
		{`customer.first_purchase`, `50`, false},
		{`customer.tier == "gold" && customer.purchases > 3`, `double(customer.lifetime_earned) / 100.0`, false},
		{`customer.birthday_month`, `50`, true},
		{`true`, `customer.birth_month * 10`, true},
		{`customer.consents.exists(c, c.purpose == "marketing" && c.granted)`, `10`, true},
		{`has(customer.birth_month)`, `10`, true},
		{`purchase.skus.exists(customer, customer == "x")`, `10`, true},
	} {
		r, err := Compile("rule", "r", c.condition, c.points)
		if err != nil {
			t.Fatalf("%s / %s: %v", c.condition, c.points, err)
		}
		if got := r.ReadsProfile(); got != c.want {
			t.Errorf("%s / %s: reads profile %t, want %t", c.condition, c.points, got, c.want)
		}
	}
}
