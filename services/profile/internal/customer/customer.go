// Package customer holds the rules of the customer archive: what a customer
// is, how contact details are normalised, what makes a record valid, how two
// records merge, and which fields an update may change. It is pure Go: no
// gRPC and no database types (the bson tags only name stored fields).
package customer

import (
	"time"

	"github.com/opencrm/crm/pkg/ids"
	"github.com/opencrm/crm/pkg/resname"
)

// Kind is a person or an organisation (values match the API's enum).
type Kind int32

// Kinds.
const (
	KindUnspecified  Kind = 0
	KindPerson       Kind = 1
	KindOrganization Kind = 2
)

// State is the record's state (values match the API's enum); Erased exists
// only in storage, as the tombstone.
type State int32

// States.
const (
	StateActive  State = 1
	StateDeleted State = 2
	StateMerged  State = 3
	StateErased  State = 100
)

// Stage is the relationship lifecycle stage (docs/domain.md).
type Stage int32

// Stages.
const (
	StageUnspecified Stage = 0
	StageProspect    Stage = 1
	StageChurned     Stage = 6
)

// Customer is one record of the archive.
type Customer struct {
	ID                string               `bson:"_id"`
	Kind              Kind                 `bson:"kind"`
	DisplayName       string               `bson:"display_name"`
	LegalName         string               `bson:"legal_name"`
	Emails            []Email              `bson:"emails"`
	Phones            []Phone              `bson:"phones"`
	Addresses         []Address            `bson:"addresses"`
	Demographics      Demographics         `bson:"demographics"`
	AcquisitionSource string               `bson:"acquisition_source"`
	Tags              []string             `bson:"tags"`
	Attributes        map[string]Attribute `bson:"attributes"`
	Owner             string               `bson:"owner"`
	Stage             Stage                `bson:"lifecycle_stage"`
	Consents          []Consent            `bson:"consents"`
	State             State                `bson:"state"`
	MergedInto        string               `bson:"merged_into"`
	CreateTime        time.Time            `bson:"create_time"`
	UpdateTime        time.Time            `bson:"update_time"`
	DeleteTime        *time.Time           `bson:"delete_time"`
	PurgeTime         *time.Time           `bson:"purge_time"`
	EraseTime         *time.Time           `bson:"erase_time,omitempty"`
	Version           int64                `bson:"version"`
	// ConsentChanges counts the entries of the consent history, which is
	// stored beside the record and read only when listed.
	ConsentChanges int64 `bson:"consent_changes"`
	// SearchVersion is the version at which the indexed words or the
	// search key last changed; it tags the customer's search entries.
	SearchVersion int64 `bson:"search_version"`

	// Derived keys, kept for indexed lookups (see Normalize).
	NameKey     string   `bson:"name_key"`
	ContactKeys []string `bson:"contact_keys"`
	DedupKeys   []string `bson:"dedup_keys"`
}

// Email is an e-mail address.
type Email struct {
	Address string `bson:"address"`
	Label   string `bson:"label"`
	Primary bool   `bson:"primary"`
}

// Phone is a phone number, E.164 once normalised.
type Phone struct {
	Number  string `bson:"number"`
	Label   string `bson:"label"`
	Primary bool   `bson:"primary"`
}

// Address is a postal address.
type Address struct {
	Lines       []string `bson:"lines"`
	Locality    string   `bson:"locality"`
	Region      string   `bson:"region"`
	PostalCode  string   `bson:"postal_code"`
	CountryCode string   `bson:"country_code"`
	Label       string   `bson:"label"`
	Primary     bool     `bson:"primary"`
}

// Date is a calendar date, stored as "YYYY-MM-DD" so it compares and
// indexes as text.
type Date string

// Demographics are demographic facts.
type Demographics struct {
	BirthDate   Date   `bson:"birth_date"`
	Gender      int32  `bson:"gender"`
	CountryCode string `bson:"country_code"`
	Region      string `bson:"region"`
	Language    string `bson:"language"`
}

// Attribute is a custom attribute's value: exactly one field is set.
type Attribute struct {
	String *string    `bson:"s,omitempty"`
	Number *float64   `bson:"n,omitempty"`
	Bool   *bool      `bson:"b,omitempty"`
	Time   *time.Time `bson:"t,omitempty"`
}

// Consent is the customer's decision about one purpose on one channel.
// Records from before purposes existed have an empty purpose, read as
// PurposeMarketing.
type Consent struct {
	Channel    int32     `bson:"channel"`
	Granted    bool      `bson:"granted"`
	Time       time.Time `bson:"time"`
	Source     string    `bson:"source"`
	Purpose    string    `bson:"purpose,omitempty"`
	LegalBasis string    `bson:"legal_basis,omitempty"`
	Evidence   string    `bson:"evidence,omitempty"`
}

// PurposeMarketing is the purpose of a consent that names none.
const PurposeMarketing = "marketing"

// DefaultPurposes are the consent purposes when none are configured.
var DefaultPurposes = []string{PurposeMarketing, "profiling", "transactional"}

// PurposeOf returns the consent's purpose, PurposeMarketing when unset.
func (c Consent) PurposeOf() string {
	if c.Purpose == "" {
		return PurposeMarketing
	}
	return c.Purpose
}

// ConsentChange is one entry of a customer's consent history.
type ConsentChange struct {
	Sequence   int64     `bson:"seq"`
	Consent    Consent   `bson:"consent"`
	Removed    bool      `bson:"removed"`
	RecordTime time.Time `bson:"record_time"`
}

// Merge records that a loser was merged into a survivor.
type Merge struct {
	ID              string    `bson:"_id"`
	Survivor        string    `bson:"survivor"`
	Loser           string    `bson:"loser"`
	Actor           string    `bson:"actor"`
	Time            time.Time `bson:"time"`
	FieldsFromLoser []string  `bson:"fields_from_loser"`
	// Pending is set from before the merge's first change until its last:
	// a pending merge is not listed, and a retry of the merge completes it.
	Pending bool `bson:"pending"`
}

// MergeID is the id of the merge of loser into survivor: a customer is
// merged away once, so every attempt at that merge names the same record.
func MergeID(survivor, loser string) string {
	return ids.Derived("merge\x00" + survivor + "\x00" + loser)
}

// Name returns the resource name of a customer id.
func Name(id string) string { return resname.Customers.Format(id) }
