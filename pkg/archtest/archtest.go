// Package archtest checks a Go module's import rules in a test: which of
// its packages may depend, directly or through others, on which. The
// rules keep a service's rooms apart (handlers reach storage only through
// use cases; domain code knows neither gRPC nor MongoDB), and a test that
// fails names the package, the dependency and the rule's reason.
package archtest

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"strings"
	"testing"
)

// Rule forbids the packages matching From to depend on any package
// matching one of Not.
//
// From is a path.Match pattern over package paths relative to the module
// ("internal/api", "internal/*"). A Not entry that starts with "./" is
// relative to the module too ("./internal/store" matches that package and
// those below it); any other entry is an import path prefix
// ("google.golang.org/grpc" matches it and the packages below it).
type Rule struct {
	From string
	Not  []string
	Why  string
}

// Package is one package of the module with every package it depends on
// (transitively, test files excluded).
type Package struct {
	Path string
	Deps []string
}

// Load lists the packages of the module in dir with their dependencies.
func Load(dir string) (module string, pkgs []Package, err error) {
	module, err = modulePath(dir)
	if err != nil {
		return "", nil, err
	}
	out, err := goList(dir, "-f", "{{.ImportPath}}\t{{join .Deps \" \"}}", "./...")
	if err != nil {
		return "", nil, err
	}
	sc := bufio.NewScanner(bytes.NewReader(out))
	sc.Buffer(make([]byte, 0, 1<<20), 16<<20)
	for sc.Scan() {
		p, deps, _ := strings.Cut(sc.Text(), "\t")
		pkgs = append(pkgs, Package{Path: p, Deps: strings.Fields(deps)})
	}
	return module, pkgs, sc.Err()
}

// modulePath reads the module path from dir's go.mod (in a workspace,
// "go list -m" would list every module of it).
func modulePath(dir string) (string, error) {
	b, err := os.ReadFile(filepath.Join(dir, "go.mod"))
	if err != nil {
		return "", fmt.Errorf("read the module's go.mod: %w", err)
	}
	for line := range strings.Lines(string(b)) {
		if rest, ok := strings.CutPrefix(strings.TrimSpace(line), "module "); ok {
			return strings.Trim(strings.TrimSpace(rest), `"`), nil
		}
	}
	return "", fmt.Errorf("%s/go.mod names no module", dir)
}

func goList(dir string, args ...string) ([]byte, error) {
	cmd := exec.Command("go", append([]string{"list"}, args...)...) //nolint:noctx // Load has no context to give: go list ends on its own, within the test's timeout
	cmd.Dir = dir
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("go list %s in %s: %w: %s", strings.Join(args, " "), dir, err, stderr.String())
	}
	return out, nil
}

// Violations returns, for the module's packages, every dependency a rule
// forbids, one line each.
func Violations(module string, pkgs []Package, rules ...Rule) []string {
	var out []string
	for _, p := range pkgs {
		rel := strings.TrimPrefix(strings.TrimPrefix(p.Path, module), "/")
		for _, r := range rules {
			if ok, _ := path.Match(r.From, rel); !ok {
				continue
			}
			for _, d := range p.Deps {
				for _, not := range r.Not {
					prefix := not
					if after, ok := strings.CutPrefix(not, "./"); ok {
						prefix = module + "/" + after
					}
					if d == prefix || strings.HasPrefix(d, prefix+"/") {
						out = append(out, fmt.Sprintf("%s depends on %s: %s", rel, d, r.Why))
					}
				}
			}
		}
	}
	return out
}

// Check fails t for every dependency of the module in dir that a rule
// forbids. It fails too when a rule's From matches no package, so a rule
// cannot outlive the room it guards unnoticed.
func Check(t testing.TB, dir string, rules ...Rule) {
	t.Helper()
	module, pkgs, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rules {
		matched := false
		for _, p := range pkgs {
			if ok, _ := path.Match(r.From, strings.TrimPrefix(strings.TrimPrefix(p.Path, module), "/")); ok {
				matched = true
				break
			}
		}
		if !matched {
			t.Errorf("rule for %q matches no package of %s", r.From, module)
		}
	}
	for _, v := range Violations(module, pkgs, rules...) {
		t.Error(v)
	}
}
