// Package metrics keeps one customer's behaviour and profile attributes as
// segmentation needs them, updated event by event from the other services'
// feeds: purchases, refunds and complaints in daily buckets (so windows of
// any length up to the kept history roll without a rescan), open complaint
// cases, satisfaction, channels, and the profile facts rules may use. It is
// pure: the store reads and writes Customer documents.
package metrics

import (
	"math"
	"slices"
	"time"

	"github.com/opencrm/crm/services/segmentation/internal/model"
)

// MinHistoryDays is the least history of daily buckets kept, whatever the
// window: two years.
const MinHistoryDays = 730

// Customer is one customer's metrics document.
type Customer struct {
	ID string `bson:"_id"`
	// Version increases with every write (optimistic concurrency).
	Version int64 `bson:"version"`
	// ISeq and PSeq are the last interaction-log and customer-profile
	// feed sequences applied to this document. Each feed is applied in
	// order by one consumer, so an event at or below them was applied.
	ISeq int64 `bson:"iseq"`
	PSeq int64 `bson:"pseq"`
	// MergedInto names the survivor when this customer was merged away;
	// later events about them apply to the survivor.
	MergedInto string `bson:"merged_into,omitempty"`
	// Deleted is set while the customer is soft-deleted in
	// customer-profile: kept, but in no segment and out of runs.
	Deleted bool `bson:"deleted,omitempty"`

	Profile Profile `bson:"profile"`

	Purchases int64 `bson:"purchases"`
	// Amount is the net spend ever (purchases less refunds) in minor
	// units of the scored currency.
	Amount           int64            `bson:"amount"`
	Refunds          int64            `bson:"refunds"`
	RefundAmount     int64            `bson:"refund_amount"`
	ForeignPurchases int64            `bson:"foreign_purchases"`
	FirstPurchase    time.Time        `bson:"first_purchase,omitempty"`
	LastPurchase     time.Time        `bson:"last_purchase,omitempty"`
	Days             []Day            `bson:"days"`
	Complaints       int64            `bson:"complaints"`
	OpenCases        []string         `bson:"open_cases"`
	SatisfactionSum  float64          `bson:"satisfaction_sum"`
	SatisfactionN    int64            `bson:"satisfaction_n"`
	Interactions     int64            `bson:"interactions"`
	LastInteraction  time.Time        `bson:"last_interaction,omitempty"`
	Channels         map[string]int64 `bson:"channels"`
	// Updated is when the metrics last changed: a run rescores customers
	// changed after it started.
	Updated time.Time `bson:"updated"`
}

// Day is one day's purchases, net spend (minor units; refunds subtract on
// the day of the refund) and complaints.
type Day struct {
	Day        int32 `bson:"d"` // days since 1970-01-01 UTC
	Purchases  int32 `bson:"p,omitempty"`
	Amount     int64 `bson:"a,omitempty"`
	Complaints int32 `bson:"c,omitempty"`
}

// Profile is what rules may use of the customer's profile.
type Profile struct {
	Known          bool              `bson:"known"`
	Country        string            `bson:"country,omitempty"`
	Region         string            `bson:"region,omitempty"`
	LifecycleStage string            `bson:"lifecycle_stage,omitempty"`
	Tags           []string          `bson:"tags,omitempty"`
	Attributes     map[string]string `bson:"attributes,omitempty"`
	BirthYear      int32             `bson:"birth_year,omitempty"`
	BirthMonth     int32             `bson:"birth_month,omitempty"`
	BirthDay       int32             `bson:"birth_day,omitempty"`
	Gender         string            `bson:"gender,omitempty"`
	Created        time.Time         `bson:"created,omitempty"`
	Consents       []Consent         `bson:"consents,omitempty"`
}

// Consent is a customer's current decision for one purpose on one channel.
type Consent struct {
	Purpose string `bson:"purpose"`
	// Channel is the channel's name in lower case, for example "email".
	Channel string `bson:"channel"`
	Granted bool   `bson:"granted"`
}

func dayOf(t time.Time) int32 { return int32(t.UTC().Unix() / 86400) } //nolint:gosec // days since 1970 fit in an int32 for millions of years

func (c *Customer) bucket(t time.Time) *Day {
	d := dayOf(t)
	i, found := slices.BinarySearchFunc(c.Days, d, func(x Day, d int32) int { return int(x.Day - d) })
	if !found {
		c.Days = slices.Insert(c.Days, i, Day{Day: d})
	}
	return &c.Days[i]
}

// Prune drops daily buckets older than history days before now.
func (c *Customer) Prune(now time.Time, history int) {
	from := dayOf(now) - int32(max(history, MinHistoryDays)) //nolint:gosec // history is a validated window of days (at most twice 3650)
	i, _ := slices.BinarySearchFunc(c.Days, from, func(x Day, d int32) int { return int(x.Day - d) })
	c.Days = slices.Delete(c.Days, 0, i)
}

func (c *Customer) touch(at time.Time, channel string) {
	c.Interactions++
	if at.After(c.LastInteraction) {
		c.LastInteraction = at
	}
	if channel != "" {
		if c.Channels == nil {
			c.Channels = map[string]int64{}
		}
		c.Channels[channel]++
	}
}

// Purchase records a purchase of amount minor units, or a purchase in
// another currency (foreign) that counts but adds no spend.
func (c *Customer) Purchase(at time.Time, amount int64, foreign bool, channel string) {
	c.touch(at, channel)
	c.Purchases++
	if foreign {
		c.ForeignPurchases++
	} else {
		c.Amount += amount
	}
	b := c.bucket(at)
	b.Purchases++
	if !foreign {
		b.Amount += amount
	}
	if c.FirstPurchase.IsZero() || at.Before(c.FirstPurchase) {
		c.FirstPurchase = at
	}
	if at.After(c.LastPurchase) {
		c.LastPurchase = at
	}
}

// Refund records a refund of amount minor units (foreign: another
// currency, counted only).
func (c *Customer) Refund(at time.Time, amount int64, foreign bool, channel string) {
	c.touch(at, channel)
	c.Refunds++
	if foreign {
		return
	}
	c.RefundAmount += amount
	c.Amount -= amount
	c.bucket(at).Amount -= amount
}

// Complaint records a complaint interaction.
func (c *Customer) Complaint(at time.Time, channel string) {
	c.touch(at, channel)
	c.Complaints++
	c.bucket(at).Complaints++
}

// Other records any other interaction.
func (c *Customer) Other(at time.Time, channel string) { c.touch(at, channel) }

// Satisfaction records a satisfaction ratio (experience / expectation).
func (c *Customer) Satisfaction(ratio float64) {
	if ratio > 0 && !math.IsInf(ratio, 0) {
		c.SatisfactionSum += ratio
		c.SatisfactionN++
	}
}

// Case records a complaint case's state: open or not.
func (c *Customer) Case(id string, open bool) {
	i := slices.Index(c.OpenCases, id)
	switch {
	case open && i < 0:
		c.OpenCases = append(c.OpenCases, id)
	case !open && i >= 0:
		c.OpenCases = slices.Delete(c.OpenCases, i, i+1)
	}
}

// Absorb adds a merged-away customer's behaviour to the survivor's. The
// survivor's profile stays (customer-profile sends the merged profile).
func (c *Customer) Absorb(l *Customer) {
	c.Purchases += l.Purchases
	c.Amount += l.Amount
	c.Refunds += l.Refunds
	c.RefundAmount += l.RefundAmount
	c.ForeignPurchases += l.ForeignPurchases
	if !l.FirstPurchase.IsZero() && (c.FirstPurchase.IsZero() || l.FirstPurchase.Before(c.FirstPurchase)) {
		c.FirstPurchase = l.FirstPurchase
	}
	if l.LastPurchase.After(c.LastPurchase) {
		c.LastPurchase = l.LastPurchase
	}
	for _, d := range l.Days {
		b := c.bucket(time.Unix(int64(d.Day)*86400, 0))
		b.Purchases += d.Purchases
		b.Amount += d.Amount
		b.Complaints += d.Complaints
	}
	c.Complaints += l.Complaints
	for _, id := range l.OpenCases {
		c.Case(id, true)
	}
	c.SatisfactionSum += l.SatisfactionSum
	c.SatisfactionN += l.SatisfactionN
	c.Interactions += l.Interactions
	if l.LastInteraction.After(c.LastInteraction) {
		c.LastInteraction = l.LastInteraction
	}
	for ch, n := range l.Channels {
		if c.Channels == nil {
			c.Channels = map[string]int64{}
		}
		c.Channels[ch] += n
	}
	c.ISeq = max(c.ISeq, l.ISeq)
}

// Window sums the purchases, net spend and complaints of the days between
// from and to days before now (from included, to not).
func (c *Customer) Window(now time.Time, from, to int) (purchases int64, amount int64, complaints int64) {
	today := dayOf(now)
	for _, d := range c.Days {
		age := int(today - d.Day)
		if age >= from && age < to {
			purchases += int64(d.Purchases)
			amount += d.Amount
			complaints += int64(d.Complaints)
		}
	}
	return purchases, amount, complaints
}

func days(d time.Duration) float64 { return d.Hours() / 24 }

// Features are the model inputs at now; money is converted from minor
// units with exponent digits.
func (c *Customer) Features(now time.Time, windowDays int, exponent int) model.Features {
	scale := math.Pow10(exponent)
	f := model.Features{Purchases: c.Purchases}
	fp, fa, _ := c.Window(now, 0, windowDays)
	pp, pa, _ := c.Window(now, windowDays, 2*windowDays)
	_, _, comp := c.Window(now, 0, 90)
	_, _, prevComp := c.Window(now, 90, 180)
	f.Frequency, f.Monetary = float64(fp), float64(fa)/scale
	f.PrevFrequency, f.PrevMonetary = float64(pp), float64(pa)/scale
	f.Complaints, f.PrevComplaints = comp, prevComp
	if c.Purchases > 0 {
		f.RecencyDays = max(days(now.Sub(c.LastPurchase)), 0)
		f.TenureDays = max(days(now.Sub(c.FirstPurchase)), 0)
		f.SpanDays = days(c.LastPurchase.Sub(c.FirstPurchase))
		if n := c.Purchases - c.ForeignPurchases; n > 0 {
			f.MeanSpend = float64(c.Amount) / scale / float64(n)
		}
	}
	return f
}
