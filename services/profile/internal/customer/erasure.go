package customer

import (
	"slices"
	"time"

	"github.com/opencrm/crm/pkg/ids"
	"github.com/opencrm/crm/pkg/resname"
)

// The services that confirm an erasure.
const (
	ServiceProfile      = "customer-profile"
	ServiceInteraction  = "interaction-log"
	ServiceSegmentation = "segmentation"
	ServiceLoyalty      = "loyalty"
)

// ErasureServices are the services whose confirmations complete an
// erasure, in the order receipts list them.
var ErasureServices = []string{ServiceProfile, ServiceInteraction, ServiceSegmentation, ServiceLoyalty}

// Erasures is "erasures/{erasure}", the name of an erasure's receipt.
var Erasures = resname.New("erasures")

// Erasure is the receipt of a customer's erasure: who was erased and each
// service's confirmation. It holds ids and counts, never personal data.
type Erasure struct {
	ID string `bson:"_id"`
	// Customer is the id whose erasure was asked for.
	Customer string `bson:"customer"`
	// Customers are every id erased: Customer and those merged into it.
	Customers []string  `bson:"customers"`
	Reason    string    `bson:"reason"`
	EraseTime time.Time `bson:"erase_time"`
	// Confirmations holds one entry per service of ErasureServices.
	Confirmations map[string]*Confirmation `bson:"confirmations"`
	// Complete is set once every service confirmed, at CompleteTime.
	Complete     bool       `bson:"complete"`
	CompleteTime *time.Time `bson:"complete_time"`
	// Overdue is set once, when the deadline passed before completion.
	Overdue bool `bson:"overdue"`
}

// Confirmation is one service's confirmation of an erasure, built from one
// part per customer of the erasure.
type Confirmation struct {
	Confirmed   bool       `bson:"confirmed"`
	ConfirmTime *time.Time `bson:"confirm_time"`
	// Customers are the ids the service confirmed so far; Parts what it
	// reported for each.
	Customers []string `bson:"customers"`
	Parts     []Part   `bson:"parts"`
}

// Part is what a service reported for one customer of an erasure.
type Part struct {
	Customer string  `bson:"customer"`
	Counts   []Count `bson:"counts"`
}

// Count is how many records of one kind a service deleted and
// pseudonymised.
type Count struct {
	Kind          string `bson:"kind"`
	Deleted       int64  `bson:"deleted"`
	Pseudonymised int64  `bson:"pseudonymised"`
}

// ErasureID is the id of the erasure of customer id: a customer is erased
// once, so a retried erasure finds its own receipt.
func ErasureID(customerID string) string {
	return ids.Derived("erasure\x00" + customerID)
}

// NewErasure returns the receipt of erasing customer id and the customers
// merged into it, with no confirmation yet.
func NewErasure(id string, all []string, reason string, at time.Time) *Erasure {
	e := &Erasure{ID: ErasureID(id), Customer: id, Customers: all, Reason: reason, EraseTime: at, Confirmations: map[string]*Confirmation{}}
	for _, s := range ErasureServices {
		e.Confirmations[s] = &Confirmation{Customers: []string{}, Parts: []Part{}}
	}
	return e
}

// Covers reports whether service confirmed every customer of the erasure.
func (e *Erasure) Covers(service string) bool {
	c := e.Confirmations[service]
	if c == nil {
		return false
	}
	for _, id := range e.Customers {
		if !slices.Contains(c.Customers, id) {
			return false
		}
	}
	return true
}

// AllConfirmed reports whether every service confirmed.
func (e *Erasure) AllConfirmed() bool {
	for _, s := range ErasureServices {
		if c := e.Confirmations[s]; c == nil || !c.Confirmed {
			return false
		}
	}
	return true
}

// Totals sums a confirmation's counts per kind, in the order kinds first
// appear.
func (c *Confirmation) Totals() []Count {
	var out []Count
	for _, p := range c.Parts {
		for _, n := range p.Counts {
			i := slices.IndexFunc(out, func(x Count) bool { return x.Kind == n.Kind })
			if i < 0 {
				out = append(out, Count{Kind: n.Kind})
				i = len(out) - 1
			}
			out[i].Deleted += n.Deleted
			out[i].Pseudonymised += n.Pseudonymised
		}
	}
	return out
}

// ErasurePos is a position in the list of erasures, newest first.
type ErasurePos struct {
	Time time.Time `json:"t"`
	ID   string    `json:"i"`
}
