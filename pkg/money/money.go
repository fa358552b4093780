// Package money converts the API's decimal amounts (units + nanos, as
// google.type.Money) to and from int64 minor units of the currency, the
// form the services store (docs/storage.md: no Decimal128).
package money

import (
	"fmt"
	"regexp"

	typev1 "github.com/opencrm/crm/gen/go/crm/type/v1"
	"github.com/opencrm/crm/pkg/apperr"
)

// Exponent returns the number of minor-unit digits of an ISO 4217
// currency: 0 for currencies without minor units (JPY, KRW, ...), 3 for
// those with thousandths (BHD, KWD, ...), 2 otherwise.
func Exponent(currency string) int {
	switch currency {
	case "BIF", "CLP", "DJF", "GNF", "ISK", "JPY", "KMF", "KRW", "PYG", "RWF", "UGX", "UYI", "VND", "VUV", "XAF", "XOF", "XPF":
		return 0
	case "BHD", "IQD", "JOD", "KWD", "LYD", "OMR", "TND":
		return 3
	}
	return 2
}

var currencyCode = regexp.MustCompile(`^[A-Z]{3}$`)

// ToMinor returns the amount in minor units. An amount finer than the
// currency's minor unit, mixed signs, or an overflow is an error saying so.
func ToMinor(currency string, units int64, nanos int32) (int64, error) {
	if !currencyCode.MatchString(currency) {
		return 0, fmt.Errorf("%q is not an ISO 4217 currency code", currency)
	}
	if nanos <= -1e9 || nanos >= 1e9 || (units > 0 && nanos < 0) || (units < 0 && nanos > 0) {
		return 0, fmt.Errorf("nanos %d must be within ±999,999,999 with the sign of units", nanos)
	}
	exp := Exponent(currency)
	step := int32(1)
	for range 9 - exp {
		step *= 10
	}
	if nanos%step != 0 {
		return 0, fmt.Errorf("%s has %d decimal places: the amount is finer than that", currency, exp)
	}
	scale := int64(1)
	for range exp {
		scale *= 10
	}
	if units > (1<<62)/scale || units < -(1<<62)/scale {
		return 0, fmt.Errorf("amount %d %s is too large", units, currency)
	}
	return units*scale + int64(nanos/step), nil
}

// FromMinor returns units and nanos for an amount in minor units.
func FromMinor(currency string, minor int64) (units int64, nanos int32) {
	exp := Exponent(currency)
	scale := int64(1)
	for range exp {
		scale *= 10
	}
	step := int64(1)
	for range 9 - exp {
		step *= 10
	}
	return minor / scale, int32((minor % scale) * step) //nolint:gosec // below 10^9: the remainder has exp digits, scaled to nine
}

// FromProto returns an API amount in minor units; field names m in the
// INVALID_ARGUMENT of a missing or too fine amount.
func FromProto(m *typev1.Money, field string) (int64, error) {
	if m == nil {
		return 0, apperr.Invalid(field, "is required")
	}
	minor, err := ToMinor(m.GetCurrencyCode(), m.GetUnits(), m.GetNanos())
	if err != nil {
		return 0, apperr.Invalid(field, "%v", err)
	}
	return minor, nil
}

// ToProto returns the API form of an amount in minor units.
func ToProto(currency string, minor int64) *typev1.Money {
	u, n := FromMinor(currency, minor)
	return &typev1.Money{CurrencyCode: currency, Units: u, Nanos: n}
}
