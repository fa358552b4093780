package customer

import (
	"fmt"
	"net/mail"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/nyaruka/phonenumbers"

	"github.com/opencrm/crm/pkg/apperr"
)

// Limits of a record, as documented in the API. protovalidate checks most of
// them at the edge; Normalize checks them again so the rules hold for any
// caller of this package.
const (
	MaxNameLen       = 200
	MaxContacts      = 10
	MaxTags          = 50
	MaxTagLen        = 64
	MaxAttributes    = 50
	MaxAttrStringLen = 1000
	MaxTextLen       = 200
)

// Normalize validates c and puts it in canonical form: trimmed names,
// lower-cased e-mails and tags, E.164 phones, one primary per contact list
// (the first when none is marked), consent times defaulted to now, and the
// derived lookup keys. prefix is the request field holding c (for example
// "customer"), so errors name the exact field.
func Normalize(c *Customer, prefix string, now time.Time) error {
	f := func(name string) string { return prefix + "." + name }
	c.DisplayName = strings.TrimSpace(c.DisplayName)
	c.LegalName = strings.TrimSpace(c.LegalName)
	switch {
	case c.Kind != KindPerson && c.Kind != KindOrganization:
		return apperr.Invalid(f("kind"), "must be CUSTOMER_KIND_PERSON or CUSTOMER_KIND_ORGANIZATION")
	case c.DisplayName == "":
		return apperr.Invalid(f("display_name"), "is required")
	case utf8.RuneCountInString(c.DisplayName) > MaxNameLen:
		return apperr.Invalid(f("display_name"), "is longer than %d characters", MaxNameLen)
	case utf8.RuneCountInString(c.LegalName) > MaxNameLen:
		return apperr.Invalid(f("legal_name"), "is longer than %d characters", MaxNameLen)
	}
	if err := normalizeDemographics(&c.Demographics, f("demographics"), now); err != nil {
		return err
	}
	if err := normalizeEmails(c.Emails, f("emails")); err != nil {
		return err
	}
	if err := normalizePhones(c.Phones, f("phones"), c.Demographics.CountryCode); err != nil {
		return err
	}
	if err := normalizeAddresses(c.Addresses, f("addresses")); err != nil {
		return err
	}
	tags, err := normalizeTags(c.Tags, f("tags"))
	if err != nil {
		return err
	}
	c.Tags = tags
	if err := checkAttributes(c.Attributes, f("attributes")); err != nil {
		return err
	}
	if err := normalizeConsents(c.Consents, f("consents"), now); err != nil {
		return err
	}
	if c.Stage == StageUnspecified {
		c.Stage = StageProspect
	}
	if c.Stage < StageProspect || c.Stage > StageChurned {
		return apperr.Invalid(f("lifecycle_stage"), "unknown stage %d", c.Stage)
	}
	if utf8.RuneCountInString(c.Owner) > MaxTextLen || utf8.RuneCountInString(c.AcquisitionSource) > MaxTextLen {
		return apperr.Invalid(f("owner"), "owner and acquisition_source are limited to %d characters", MaxTextLen)
	}
	c.deriveKeys()
	return nil
}

func normalizeDemographics(d *Demographics, field string, now time.Time) error {
	if d.BirthDate != "" {
		t, err := time.Parse(time.DateOnly, string(d.BirthDate))
		if err != nil {
			return apperr.Invalid(field+".birth_date", "%s is not a calendar date", d.BirthDate)
		}
		if t.After(now) {
			return apperr.Invalid(field+".birth_date", "is in the future")
		}
	}
	if d.Gender < 0 || d.Gender > 3 {
		return apperr.Invalid(field+".gender", "unknown gender %d", d.Gender)
	}
	d.CountryCode = strings.ToUpper(strings.TrimSpace(d.CountryCode))
	if d.CountryCode != "" && !isCountryCode(d.CountryCode) {
		return apperr.Invalid(field+".country_code", "%q is not an ISO 3166-1 alpha-2 code", d.CountryCode)
	}
	d.Region = strings.TrimSpace(d.Region)
	return nil
}

func isCountryCode(s string) bool {
	return len(s) == 2 && s[0] >= 'A' && s[0] <= 'Z' && s[1] >= 'A' && s[1] <= 'Z'
}

func onePrimary(n int, primary func(int) bool, set func(int), field string) error {
	count := 0
	for i := range n {
		if primary(i) {
			count++
		}
	}
	switch {
	case count > 1:
		return apperr.Invalid(field, "at most one entry may be primary")
	case count == 0 && n > 0:
		set(0)
	}
	return nil
}

func normalizeEmails(es []Email, field string) error {
	if len(es) > MaxContacts {
		return apperr.Invalid(field, "at most %d entries", MaxContacts)
	}
	seen := map[string]bool{}
	for i := range es {
		e := &es[i]
		addr := strings.ToLower(strings.TrimSpace(e.Address))
		parsed, err := mail.ParseAddress(addr)
		if err != nil || parsed.Address != addr || len(addr) > 254 {
			return apperr.Invalid(fmt.Sprintf("%s[%d].address", field, i), "%q is not an e-mail address", e.Address)
		}
		if seen[addr] {
			return apperr.Invalid(fmt.Sprintf("%s[%d].address", field, i), "%q is listed twice", addr)
		}
		seen[addr] = true
		e.Address = addr
		e.Label = strings.TrimSpace(e.Label)
	}
	return onePrimary(len(es), func(i int) bool { return es[i].Primary }, func(i int) { es[i].Primary = true }, field)
}

// NormalizePhone returns number in E.164, reading a national form in the
// given ISO region ("" accepts only the international form).
func NormalizePhone(number, region string) (string, bool) {
	region = strings.ToUpper(region)
	if region == "" {
		region = "ZZ"
	}
	p, err := phonenumbers.Parse(number, region)
	if err != nil || !phonenumbers.IsValidNumber(p) {
		return "", false
	}
	return phonenumbers.Format(p, phonenumbers.E164), true
}

func normalizePhones(ps []Phone, field, region string) error {
	if len(ps) > MaxContacts {
		return apperr.Invalid(field, "at most %d entries", MaxContacts)
	}
	seen := map[string]bool{}
	for i := range ps {
		p := &ps[i]
		e164, ok := NormalizePhone(p.Number, region)
		if !ok {
			hint := ""
			if region == "" {
				hint = " (give it in international form, +CC..., or set demographics.country_code)"
			}
			return apperr.Invalid(fmt.Sprintf("%s[%d].number", field, i), "%q is not a valid phone number%s", p.Number, hint)
		}
		if seen[e164] {
			return apperr.Invalid(fmt.Sprintf("%s[%d].number", field, i), "%q is listed twice", e164)
		}
		seen[e164] = true
		p.Number = e164
		p.Label = strings.TrimSpace(p.Label)
	}
	return onePrimary(len(ps), func(i int) bool { return ps[i].Primary }, func(i int) { ps[i].Primary = true }, field)
}

func normalizeAddresses(as []Address, field string) error {
	if len(as) > MaxContacts {
		return apperr.Invalid(field, "at most %d entries", MaxContacts)
	}
	for i := range as {
		a := &as[i]
		a.CountryCode = strings.ToUpper(strings.TrimSpace(a.CountryCode))
		if !isCountryCode(a.CountryCode) {
			return apperr.Invalid(fmt.Sprintf("%s[%d].country_code", field, i), "is required: an ISO 3166-1 alpha-2 code")
		}
		if len(a.Lines) == 0 && a.Locality == "" && a.PostalCode == "" {
			return apperr.Invalid(fmt.Sprintf("%s[%d]", field, i), "an address needs lines, a locality or a postal code")
		}
	}
	return onePrimary(len(as), func(i int) bool { return as[i].Primary }, func(i int) { as[i].Primary = true }, field)
}

func normalizeTags(tags []string, field string) ([]string, error) {
	out := make([]string, 0, len(tags))
	for i, t := range tags {
		t = strings.ToLower(strings.TrimSpace(t))
		if t == "" || utf8.RuneCountInString(t) > MaxTagLen {
			return nil, apperr.Invalid(fmt.Sprintf("%s[%d]", field, i), "a tag has 1 to %d characters", MaxTagLen)
		}
		if !slices.Contains(out, t) {
			out = append(out, t)
		}
	}
	if len(out) > MaxTags {
		return nil, apperr.Invalid(field, "at most %d tags", MaxTags)
	}
	return out, nil
}

func checkAttributes(attrs map[string]Attribute, field string) error {
	if len(attrs) > MaxAttributes {
		return apperr.Invalid(field, "at most %d attributes", MaxAttributes)
	}
	for k, v := range attrs {
		if !ValidAttributeKey(k) {
			return apperr.Invalid(field, "key %q: use 1 to 64 of A-Z a-z 0-9 _ -", k)
		}
		n := 0
		for _, set := range []bool{v.String != nil, v.Number != nil, v.Bool != nil, v.Time != nil} {
			if set {
				n++
			}
		}
		if n != 1 {
			return apperr.Invalid(field+"["+k+"]", "needs exactly one value")
		}
		if v.String != nil && utf8.RuneCountInString(*v.String) > MaxAttrStringLen {
			return apperr.Invalid(field+"["+k+"]", "string values are limited to %d characters", MaxAttrStringLen)
		}
	}
	return nil
}

// ValidAttributeKey reports whether k can name a custom attribute. Keys are
// stored as field names, so dots and dollars are excluded.
func ValidAttributeKey(k string) bool {
	if k == "" || len(k) > 64 {
		return false
	}
	for _, r := range k {
		if r >= unicode.MaxASCII || !unicode.IsLetter(r) && !unicode.IsDigit(r) && r != '_' && r != '-' {
			return false
		}
	}
	return true
}

func normalizeConsents(cs []Consent, field string, now time.Time) error {
	type key struct {
		purpose string
		channel int32
	}
	seen := map[key]bool{}
	for i := range cs {
		c := &cs[i]
		if c.Channel <= 0 || c.Channel > 6 {
			return apperr.Invalid(fmt.Sprintf("%s[%d].channel", field, i), "is required")
		}
		c.Purpose = strings.ToLower(strings.TrimSpace(c.Purpose))
		if c.Purpose == "" {
			c.Purpose = PurposeMarketing
		}
		k := key{c.Purpose, c.Channel}
		if seen[k] {
			return apperr.Invalid(fmt.Sprintf("%s[%d].channel", field, i), "a channel may appear once per purpose")
		}
		seen[k] = true
		c.LegalBasis = strings.TrimSpace(c.LegalBasis)
		c.Evidence = strings.TrimSpace(c.Evidence)
		c.Source = strings.TrimSpace(c.Source)
		if c.Source == "" {
			return apperr.Invalid(fmt.Sprintf("%s[%d].source", field, i), "is required: say how consent was given")
		}
		if c.Time.IsZero() {
			c.Time = now
		}
		if c.Time.After(now.Add(time.Minute)) {
			return apperr.Invalid(fmt.Sprintf("%s[%d].time", field, i), "is in the future")
		}
		c.Time = c.Time.UTC().Truncate(time.Millisecond)
	}
	return nil
}

// NameKey folds a name for ordering lists and duplicate detection:
// lower-case, inner spaces collapsed.
func NameKey(s string) string {
	return strings.Join(strings.Fields(strings.ToLower(s)), " ")
}

// EmailKey is the contact key of a normalised e-mail address; contact keys
// are unique across customers.
func EmailKey(addr string) string { return "email:" + addr }

// PhoneKey is the contact key of an E.164 phone number.
func PhoneKey(e164 string) string { return "phone:" + e164 }

// MailboxKey folds an address to its likely mailbox: "+tag" suffix dropped,
// and dots for Gmail, whose mailboxes ignore them.
func MailboxKey(addr string) string {
	local, domain, ok := strings.Cut(addr, "@")
	if !ok {
		return addr
	}
	local, _, _ = strings.Cut(local, "+")
	if domain == "gmail.com" || domain == "googlemail.com" {
		local = strings.ReplaceAll(local, ".", "")
		domain = "gmail.com"
	}
	return local + "@" + domain
}

func (c *Customer) deriveKeys() {
	c.NameKey = NameKey(c.DisplayName)
	// Fresh slices: c may be a copy sharing arrays with the stored record.
	c.ContactKeys, c.DedupKeys = nil, nil
	for _, e := range c.Emails {
		c.ContactKeys = append(c.ContactKeys, EmailKey(e.Address))
		if k := "mailbox:" + MailboxKey(e.Address); !slices.Contains(c.DedupKeys, k) {
			c.DedupKeys = append(c.DedupKeys, k)
		}
	}
	for _, p := range c.Phones {
		c.ContactKeys = append(c.ContactKeys, PhoneKey(p.Number))
	}
	if c.Demographics.BirthDate != "" {
		c.DedupKeys = append(c.DedupKeys, "namebirth:"+c.NameKey+"|"+string(c.Demographics.BirthDate))
	}
	if c.ContactKeys == nil {
		c.ContactKeys = []string{}
	}
	if c.DedupKeys == nil {
		c.DedupKeys = []string{}
	}
}
