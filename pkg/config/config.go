// Package config reads a service's settings from environment variables,
// collecting every problem so that one start-up reports them all, each with
// the variable's name.
package config

import (
	"errors"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Env reads variables and records problems. Its zero value reads the
// process environment.
type Env struct {
	// Lookup replaces os.LookupEnv, for tests and embedding.
	Lookup func(string) (string, bool)
	errs   []error
}

// FromMap returns an Env that reads only the given variables.
func FromMap(m map[string]string) *Env {
	return &Env{Lookup: func(k string) (string, bool) { v, ok := m[k]; return v, ok }}
}

func (e *Env) get(name string) (string, bool) {
	lookup := e.Lookup
	if lookup == nil {
		lookup = os.LookupEnv
	}
	v, ok := lookup(name)
	v = strings.TrimSpace(v)
	return v, ok && v != ""
}

// Fail records a problem with a variable.
func (e *Env) Fail(name, format string, args ...any) { //nolint:goprintffuncname // env.Fail(name, ...) reads as the verb; go vet checks its format all the same
	e.errs = append(e.errs, fmt.Errorf("%s: %s", name, fmt.Sprintf(format, args...)))
}

// String returns the variable, or def when unset.
func (e *Env) String(name, def string) string {
	if v, ok := e.get(name); ok {
		return v
	}
	return def
}

// Required returns the variable and records a problem when it is unset.
func (e *Env) Required(name, what string) string {
	v, ok := e.get(name)
	if !ok {
		e.Fail(name, "required: %s", what)
	}
	return v
}

// Int returns the variable as an integer in [lo, hi], or def when unset.
func (e *Env) Int(name string, def, lo, hi int) int {
	v, ok := e.get(name)
	if !ok {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < lo || n > hi {
		e.Fail(name, "%q is not a whole number from %d to %d", v, lo, hi)
		return def
	}
	return n
}

// Duration returns the variable as a Go duration ("30s", "5m") in [lo, hi],
// or def when unset.
func (e *Env) Duration(name string, def, lo, hi time.Duration) time.Duration {
	v, ok := e.get(name)
	if !ok {
		return def
	}
	d, err := time.ParseDuration(v)
	if err != nil || d < lo || d > hi {
		e.Fail(name, "%q is not a duration from %s to %s (for example \"30s\")", v, lo, hi)
		return def
	}
	return d
}

// OneOf returns the variable when it is one of the allowed values, or def
// when unset.
func (e *Env) OneOf(name, def string, allowed ...string) string {
	v, ok := e.get(name)
	if !ok {
		return def
	}
	if slices.Contains(allowed, v) {
		return v
	}
	e.Fail(name, "%q is not one of %s", v, strings.Join(allowed, ", "))
	return def
}

// Secret returns a secret from NAME, or from the file named by NAME_FILE
// (the Kubernetes way to mount secrets). Setting both is a problem.
func (e *Env) Secret(name string) string {
	v, hasValue := e.get(name)
	path, hasFile := e.get(name + "_FILE")
	switch {
	case hasValue && hasFile:
		e.Fail(name, "set either %s or %s_FILE, not both", name, name)
	case hasFile:
		b, err := os.ReadFile(path)
		if err != nil {
			e.Fail(name+"_FILE", "cannot read %q: %v", path, err)
			return ""
		}
		return strings.TrimSpace(string(b))
	}
	return v
}

// Err returns every recorded problem, or nil.
func (e *Env) Err() error {
	if len(e.errs) == 0 {
		return nil
	}
	return fmt.Errorf("invalid configuration: %w", errors.Join(e.errs...))
}
