package record

import "time"

// Filter selects a customer's interactions for a timeline.
type Filter struct {
	CustomerID string
	Channel    int32
	Kind       int32
	From, To   *time.Time
	Tag        string
}

// After is the position after the last item of a timeline page.
type After struct {
	OccurTime time.Time `json:"t"`
	ID        string    `json:"id"`
}

// PositionOf returns the timeline position after i.
func PositionOf(i *Interaction) After { return After{OccurTime: i.OccurTime, ID: i.ID} }

// Encoded is a new record with its stored form, prepared ahead of a batch
// insert: encoding is the costly part of a write on the service's side, so
// a batch is encoded while customer-profile answers about its customers.
type Encoded struct {
	Interaction *Interaction
	// Doc is the record as the repository stores it.
	Doc []byte
}
