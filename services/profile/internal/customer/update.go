package customer

import (
	"slices"
	"strings"
	"time"

	"github.com/opencrm/crm/pkg/apperr"
	"github.com/opencrm/crm/pkg/fieldmask"
)

// UpdatablePaths are the field paths an update mask may name.
var UpdatablePaths = []string{
	"kind", "display_name", "legal_name", "emails", "phones", "addresses",
	"demographics", "demographics.birth_date", "demographics.gender", "demographics.country_code",
	"demographics.region", "demographics.language",
	"acquisition_source", "tags", "attributes", "owner", "lifecycle_stage", "consents",
}

// ApplyMask copies the fields named by paths from src into dst. Unknown or
// output-only paths are INVALID_ARGUMENT naming the mask (see fieldmask.Check).
func ApplyMask(dst *Customer, src Customer, paths []string) error {
	paths, err := fieldmask.Check(paths, UpdatablePaths, "")
	if err != nil {
		return err
	}
	for _, p := range paths {
		switch p {
		case "kind":
			dst.Kind = src.Kind
		case "display_name":
			dst.DisplayName = src.DisplayName
		case "legal_name":
			dst.LegalName = src.LegalName
		case "emails":
			dst.Emails = src.Emails
		case "phones":
			dst.Phones = src.Phones
		case "addresses":
			dst.Addresses = src.Addresses
		case "demographics":
			dst.Demographics = src.Demographics
		case "demographics.birth_date":
			dst.Demographics.BirthDate = src.Demographics.BirthDate
		case "demographics.gender":
			dst.Demographics.Gender = src.Demographics.Gender
		case "demographics.country_code":
			dst.Demographics.CountryCode = src.Demographics.CountryCode
		case "demographics.region":
			dst.Demographics.Region = src.Demographics.Region
		case "demographics.language":
			dst.Demographics.Language = src.Demographics.Language
		case "acquisition_source":
			dst.AcquisitionSource = src.AcquisitionSource
		case "tags":
			dst.Tags = src.Tags
		case "attributes":
			dst.Attributes = src.Attributes
		case "owner":
			dst.Owner = src.Owner
		case "lifecycle_stage":
			dst.Stage = src.Stage
		case "consents":
			dst.Consents = src.Consents
		}
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
