package casework

import "time"

// Filter selects cases for a listing.
type Filter struct {
	Status     Status
	Assignee   string
	CustomerID string
	// OverdueAt, when set, keeps unresolved cases due before it.
	OverdueAt *time.Time
	// Escalated, when set, keeps the cases escalated (true) or not
	// (false).
	Escalated *bool
}

// After is the position after the last case of a page.
type After struct {
	DueTime time.Time `json:"t"`
	ID      string    `json:"id"`
}

// PositionOf returns the listing position after c.
func PositionOf(c *Case) After { return After{DueTime: c.DueTime, ID: c.ID} }
