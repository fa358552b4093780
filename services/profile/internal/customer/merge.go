package customer

import (
	"maps"
	"slices"
	"time"
)

// MergeInto returns the survivor after merging loser into it, and the field
// paths that took the loser's data. The rules: the survivor's value wins
// unless empty; e-mails, phones, addresses and tags are united (the
// survivor's primaries stay primary); attributes are united with the
// survivor's value winning per key; per consent purpose and channel the most recent
// decision wins, since consent is a fact in time, not a field to prefer.
func MergeInto(survivor, loser Customer, now time.Time) (Customer, []string) {
	m := survivor
	var from []string
	takeString := func(path string, dst *string, src string) {
		if *dst == "" && src != "" {
			*dst = src
			from = append(from, path)
		}
	}
	takeString("legal_name", &m.LegalName, loser.LegalName)
	takeString("acquisition_source", &m.AcquisitionSource, loser.AcquisitionSource)
	takeString("owner", &m.Owner, loser.Owner)
	takeString("demographics.country_code", &m.Demographics.CountryCode, loser.Demographics.CountryCode)
	takeString("demographics.region", &m.Demographics.Region, loser.Demographics.Region)
	takeString("demographics.language", &m.Demographics.Language, loser.Demographics.Language)
	if m.Demographics.BirthDate == "" && loser.Demographics.BirthDate != "" {
		m.Demographics.BirthDate = loser.Demographics.BirthDate
		from = append(from, "demographics.birth_date")
	}
	if m.Demographics.Gender == 0 && loser.Demographics.Gender != 0 {
		m.Demographics.Gender = loser.Demographics.Gender
		from = append(from, "demographics.gender")
	}

	var took bool
	m.Emails, took = unite(m.Emails, loser.Emails, func(a, b Email) bool { return a.Address == b.Address }, func(e *Email) { e.Primary = false })
	from = appendIf(from, took, "emails")
	m.Phones, took = unite(m.Phones, loser.Phones, func(a, b Phone) bool { return a.Number == b.Number }, func(p *Phone) { p.Primary = false })
	from = appendIf(from, took, "phones")
	m.Addresses, took = unite(m.Addresses, loser.Addresses, sameAddress, func(a *Address) { a.Primary = false })
	from = appendIf(from, took, "addresses")
	m.Tags = slices.Clone(m.Tags)
	for _, t := range loser.Tags {
		if !slices.Contains(m.Tags, t) {
			m.Tags = append(m.Tags, t)
			from = appendOnce(from, "tags")
		}
	}
	m.Attributes = maps.Clone(m.Attributes)
	for k, v := range loser.Attributes {
		if _, ok := m.Attributes[k]; !ok {
			if m.Attributes == nil {
				m.Attributes = map[string]Attribute{}
			}
			m.Attributes[k] = v
			from = appendOnce(from, "attributes")
		}
	}
	m.Consents = slices.Clone(m.Consents)
	for _, c := range loser.Consents {
		i := slices.IndexFunc(m.Consents, func(x Consent) bool { return sameDecision(x, c) })
		switch {
		case i < 0:
			m.Consents = append(m.Consents, c)
			from = appendOnce(from, "consents")
		case c.Time.After(m.Consents[i].Time):
			m.Consents[i] = c
			from = appendOnce(from, "consents")
		}
	}
	// Lists may now exceed their limits; merging must not lose contacts, so
	// the merged record keeps them all.
	m.UpdateTime = now
	m.deriveKeys()
	return m, from
}

// unite appends to a copy of dst the entries of src it lacks. When dst has
// entries, the added ones lose their primary mark: the survivor's primary
// stays primary.
func unite[T any](dst, src []T, same func(a, b T) bool, demote func(*T)) ([]T, bool) {
	out := slices.Clone(dst)
	took := false
	for _, v := range src {
		if slices.ContainsFunc(out, func(x T) bool { return same(x, v) }) {
			continue
		}
		if len(dst) > 0 {
			demote(&v)
		}
		out = append(out, v)
		took = true
	}
	return out, took
}

func appendIf(s []string, cond bool, v string) []string {
	if cond {
		return append(s, v)
	}
	return s
}

func appendOnce(s []string, v string) []string {
	if slices.Contains(s, v) {
		return s
	}
	return append(s, v)
}

func sameAddress(a, b Address) bool {
	return slices.Equal(a.Lines, b.Lines) && a.Locality == b.Locality && a.PostalCode == b.PostalCode && a.CountryCode == b.CountryCode
}
