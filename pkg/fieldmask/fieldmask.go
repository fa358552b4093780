// Package fieldmask checks an update's field mask against the paths a
// resource lets callers change, the one place where every service's
// Update method does so (AIP-134: a mask names at least one field; a path
// that cannot be changed is INVALID_ARGUMENT naming update_mask.paths).
package fieldmask

import (
	"slices"
	"strings"

	"github.com/opencrm/crm/pkg/apperr"
)

// Check returns paths when every one is among updatable, and an
// INVALID_ARGUMENT naming the mask otherwise. why, when not empty, says
// why other fields cannot change (for example "the facts of an
// interaction are fixed").
func Check(paths, updatable []string, why string) ([]string, error) {
	if len(paths) == 0 {
		return nil, apperr.Invalid("update_mask", "name at least one field to change")
	}
	for i, p := range paths {
		if !slices.Contains(updatable, p) {
			msg := "paths[%d] %q cannot be changed"
			if why != "" {
				msg += ": " + why
			}
			return nil, apperr.Invalid("update_mask.paths", msg+"; allowed: %s", i, p, strings.Join(updatable, ", "))
		}
	}
	return paths, nil
}
