package customer

import (
	"slices"
	"strings"
	"time"

	"github.com/opencrm/crm/pkg/apperr"
	"github.com/opencrm/crm/pkg/fieldmask"
)

// updater copies the field at one path of an update mask from the patch
// into the stored customer.
type updater struct {
	path  string
	apply func(dst, src *Customer)
}

// updaters are the paths an update mask may name, in the order
// UpdatablePaths lists them.
var updaters = []updater{
	{"kind", func(dst, src *Customer) { dst.Kind = src.Kind }},
	{"display_name", func(dst, src *Customer) { dst.DisplayName = src.DisplayName }},
	{"legal_name", func(dst, src *Customer) { dst.LegalName = src.LegalName }},
	{"emails", func(dst, src *Customer) { dst.Emails = src.Emails }},
	{"phones", func(dst, src *Customer) { dst.Phones = src.Phones }},
	{"addresses", func(dst, src *Customer) { dst.Addresses = src.Addresses }},
	{"demographics", func(dst, src *Customer) { dst.Demographics = src.Demographics }},
	{"demographics.birth_date", func(dst, src *Customer) { dst.Demographics.BirthDate = src.Demographics.BirthDate }},
	{"demographics.gender", func(dst, src *Customer) { dst.Demographics.Gender = src.Demographics.Gender }},
	{"demographics.country_code", func(dst, src *Customer) { dst.Demographics.CountryCode = src.Demographics.CountryCode }},
	{"demographics.region", func(dst, src *Customer) { dst.Demographics.Region = src.Demographics.Region }},
	{"demographics.language", func(dst, src *Customer) { dst.Demographics.Language = src.Demographics.Language }},
	{"acquisition_source", func(dst, src *Customer) { dst.AcquisitionSource = src.AcquisitionSource }},
	{"tags", func(dst, src *Customer) { dst.Tags = src.Tags }},
	{"attributes", func(dst, src *Customer) { dst.Attributes = src.Attributes }},
	{"owner", func(dst, src *Customer) { dst.Owner = src.Owner }},
	{"lifecycle_stage", func(dst, src *Customer) { dst.Stage = src.Stage }},
	{"consents", func(dst, src *Customer) { dst.Consents = src.Consents }},
}

// UpdatablePaths are the field paths an update mask may name.
var UpdatablePaths = func() []string {
	paths := make([]string, 0, len(updaters))
	for _, u := range updaters {
		paths = append(paths, u.path)
	}
	return paths
}()

// ApplyMask copies the fields named by paths from src into dst. Unknown or
// output-only paths are INVALID_ARGUMENT naming the mask (see fieldmask.Check).
func ApplyMask(dst *Customer, src Customer, paths []string) error {
	paths, err := fieldmask.Check(paths, UpdatablePaths, "")
	if err != nil {
		return err
	}
	for _, p := range paths {
		// Check has made sure every path has its updater.
		i := slices.IndexFunc(updaters, func(u updater) bool { return u.path == p })
		updaters[i].apply(dst, &src)
	}
	return nil
}

// sameDecision reports whether two consents are for the same purpose and
// channel.
func sameDecision(a, b Consent) bool {
	return a.Channel == b.Channel && a.PurposeOf() == b.PurposeOf()
}

// ConsentDiff returns the changes from the old consents to the updated
// ones, for the history: each new or changed consent, then each removed
// one. A consent sent back unchanged keeps its original time and is no
// change.
func ConsentDiff(old, updated []Consent) []ConsentChange {
	var changes []ConsentChange
	for i := range updated {
		c := &updated[i]
		j := slices.IndexFunc(old, func(o Consent) bool { return sameDecision(o, *c) })
		if j >= 0 && old[j].Granted == c.Granted && old[j].Source == c.Source &&
			old[j].LegalBasis == c.LegalBasis && old[j].Evidence == c.Evidence {
			c.Time = old[j].Time
			continue
		}
		changes = append(changes, ConsentChange{Consent: *c})
	}
	for _, o := range old {
		if !slices.ContainsFunc(updated, func(c Consent) bool { return sameDecision(o, c) }) {
			changes = append(changes, ConsentChange{Consent: o, Removed: true})
		}
	}
	return changes
}

// ChangedConsents returns the channels whose consent, for any purpose,
// differs between the old and new lists (see ConsentDiff), each once.
func ChangedConsents(old, updated []Consent) []int32 {
	var changed []int32
	for _, c := range ConsentDiff(old, updated) {
		if !slices.Contains(changed, c.Consent.Channel) {
			changed = append(changed, c.Consent.Channel)
		}
	}
	return changed
}

// Record numbers changes as the next entries of c's consent history,
// stamped with now, and counts them on c.
func Record(c *Customer, changes []ConsentChange, now time.Time) {
	for i := range changes {
		c.ConsentChanges++
		changes[i].Sequence = c.ConsentChanges
		changes[i].RecordTime = now
		changes[i].Consent.Purpose = changes[i].Consent.PurposeOf()
	}
}

// CheckPurpose returns INVALID_ARGUMENT naming field's purpose when the
// consent's purpose is not one of purposes.
func CheckPurpose(c Consent, purposes []string, field string) error {
	if !slices.Contains(purposes, c.PurposeOf()) {
		return apperr.Invalid(field+".purpose", "%q is not a consent purpose; allowed: %s", c.Purpose, strings.Join(purposes, ", "))
	}
	return nil
}
