package customer

import (
	"slices"
	"strings"

	"github.com/opencrm/crm/pkg/apperr"
)

// UpdatablePaths are the field paths an update mask may name.
var UpdatablePaths = []string{
	"kind", "display_name", "legal_name", "emails", "phones", "addresses",
	"demographics", "demographics.birth_date", "demographics.gender", "demographics.country_code",
	"demographics.region", "demographics.language",
	"acquisition_source", "tags", "attributes", "owner", "lifecycle_stage", "consents",
}

// ApplyMask copies the fields named by paths from src into dst. Unknown or
// output-only paths are INVALID_ARGUMENT naming update_mask.
func ApplyMask(dst *Customer, src Customer, paths []string) error {
	if len(paths) == 0 {
		return apperr.Invalid("update_mask", "name at least one field to change")
	}
	for _, p := range paths {
		if !slices.Contains(UpdatablePaths, p) {
			return apperr.Invalid("update_mask", "%q cannot be updated; allowed: %s", p, strings.Join(UpdatablePaths, ", "))
		}
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

// ChangedConsents returns the channels whose consent differs between the
// old and new lists. A consent sent back unchanged keeps its original time.
func ChangedConsents(old, updated []Consent) []int32 {
	var changed []int32
	for i := range updated {
		c := &updated[i]
		j := slices.IndexFunc(old, func(o Consent) bool { return o.Channel == c.Channel })
		if j >= 0 && old[j].Granted == c.Granted && old[j].Source == c.Source {
			c.Time = old[j].Time
			continue
		}
		changed = append(changed, c.Channel)
	}
	for _, o := range old {
		if !slices.ContainsFunc(updated, func(c Consent) bool { return c.Channel == o.Channel }) {
			changed = append(changed, o.Channel)
		}
	}
	return changed
}
