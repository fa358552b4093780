// Package etag formats and parses the opaque version tags that make updates
// conditional (a stale etag is ABORTED, never a silent overwrite).
package etag

import (
	"strconv"
	"strings"

	"github.com/opencrm/crm/pkg/apperr"
)

// Format returns the etag of a document's version.
func Format(version int64) string {
	return `"` + strconv.FormatInt(version, 10) + `"`
}

// Parse returns the version in an etag. An empty etag is version 0, which
// means "unconditional". field names the request field for the error.
func Parse(field, tag string) (int64, error) {
	if tag == "" {
		return 0, nil
	}
	v, err := strconv.ParseInt(strings.Trim(tag, `"`), 10, 64)
	if err != nil || v <= 0 || !strings.HasPrefix(tag, `"`) || !strings.HasSuffix(tag, `"`) {
		return 0, apperr.Invalid(field, "%q is not an etag returned by this service", tag)
	}
	return v, nil
}

// ErrStale is returned when the caller's etag no longer matches.
var ErrStale = apperr.New(apperr.KindAborted, "ETAG_MISMATCH", "the resource changed since it was read: read it again and retry")
