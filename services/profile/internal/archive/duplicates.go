package archive

import (
	"context"
	"slices"
	"strings"

	"github.com/opencrm/crm/services/profile/internal/customer"
)

// Reason says why customers look alike (values match the API's enum).
type Reason int32

// Reasons.
const (
	ReasonSameEmail         Reason = 1
	ReasonSameNameBirthDate Reason = 2
)

// Group is a set of active customers that share a dedup key.
type Group struct {
	Reason    Reason
	Key       string
	Customers []*customer.Customer
}

func groupOf(key string) (Reason, string) {
	if k, ok := strings.CutPrefix(key, "mailbox:"); ok {
		return ReasonSameEmail, k
	}
	k, _ := strings.CutPrefix(key, "namebirth:")
	return ReasonSameNameBirthDate, k
}

const maxGroupSize = 50

var oldestFirst = customer.Order{Field: "create_time"}

// Duplicates lists likely duplicates of one customer (id set) or, with id
// empty, up to limit groups across the archive.
func (a *Archive) Duplicates(ctx context.Context, id string, limit int) ([]Group, error) {
	if id == "" {
		keys, err := a.repo.SharedDedupKeys(ctx, limit)
		if err != nil {
			return nil, err
		}
		groups := make([]Group, 0, len(keys))
		for _, k := range keys {
			cs, err := a.repo.List(ctx, customer.Filter{States: []customer.State{customer.StateActive}, DedupKeysAnyOf: []string{k}}, oldestFirst, nil, maxGroupSize)
			if err != nil {
				return nil, err
			}
			r, key := groupOf(k)
			groups = append(groups, Group{Reason: r, Key: key, Customers: cs})
		}
		return groups, nil
	}
	cur, err := a.repo.Get(ctx, id)
	if err != nil {
		return nil, err
	}
	if len(cur.DedupKeys) == 0 {
		return nil, nil
	}
	others, err := a.repo.List(ctx, customer.Filter{States: []customer.State{customer.StateActive}, DedupKeysAnyOf: cur.DedupKeys, ExcludeID: id}, oldestFirst, nil, maxGroupSize)
	if err != nil {
		return nil, err
	}
	var groups []Group
	for _, k := range cur.DedupKeys {
		g := []*customer.Customer{cur}
		for _, o := range others {
			if slices.Contains(o.DedupKeys, k) {
				g = append(g, o)
			}
		}
		if len(g) > 1 && len(groups) < limit {
			r, key := groupOf(k)
			groups = append(groups, Group{Reason: r, Key: key, Customers: g})
		}
	}
	return groups, nil
}
