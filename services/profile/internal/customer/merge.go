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
// survivor's value winning per key; per consent channel the most recent
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

	m.Emails = slices.Clone(m.Emails)
	for _, e := range loser.Emails {
		if !slices.ContainsFunc(m.Emails, func(x Email) bool { return x.Address == e.Address }) {
			e.Primary = e.Primary && len(m.Emails) == 0
			m.Emails = append(m.Emails, e)
			from = appendOnce(from, "emails")
		}
	}
	m.Phones = slices.Clone(m.Phones)
	for _, p := range loser.Phones {
		if !slices.ContainsFunc(m.Phones, func(x Phone) bool { return x.Number == p.Number }) {
			p.Primary = p.Primary && len(m.Phones) == 0
			m.Phones = append(m.Phones, p)
			from = appendOnce(from, "phones")
		}
	}
	m.Addresses = slices.Clone(m.Addresses)
	for _, a := range loser.Addresses {
		if !slices.ContainsFunc(m.Addresses, func(x Address) bool { return sameAddress(x, a) }) {
			a.Primary = a.Primary && len(m.Addresses) == 0
			m.Addresses = append(m.Addresses, a)
			from = appendOnce(from, "addresses")
		}
	}
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
		i := slices.IndexFunc(m.Consents, func(x Consent) bool { return x.Channel == c.Channel })
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

func appendOnce(s []string, v string) []string {
	if slices.Contains(s, v) {
		return s
	}
	return append(s, v)
}

func sameAddress(a, b Address) bool {
	return slices.Equal(a.Lines, b.Lines) && a.Locality == b.Locality && a.PostalCode == b.PostalCode && a.CountryCode == b.CountryCode
}
