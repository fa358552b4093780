package archtest_test

import (
	"slices"
	"testing"

	"github.com/opencrm/crm/pkg/archtest"
)

func TestViolationsFollowTransitiveDependencies(t *testing.T) {
	const mod = "example.com/svc"
	pkgs := []archtest.Package{
		{Path: mod + "/internal/api", Deps: []string{mod + "/internal/points", mod + "/internal/store", "google.golang.org/grpc"}},
		{Path: mod + "/internal/points", Deps: []string{"fmt"}},
		{Path: mod + "/internal/ledger", Deps: []string{"google.golang.org/grpc/codes"}},
		{Path: mod + "/internal/storeview", Deps: nil},
	}
	got := archtest.Violations(mod, pkgs,
		archtest.Rule{From: "internal/api", Not: []string{"./internal/store"}, Why: "handlers call use cases"},
		archtest.Rule{From: "internal/*", Not: []string{"google.golang.org/grpc"}, Why: "domain code is pure"},
	)
	want := []string{
		"internal/api depends on example.com/svc/internal/store: handlers call use cases",
		"internal/api depends on google.golang.org/grpc: domain code is pure",
		"internal/ledger depends on google.golang.org/grpc/codes: domain code is pure",
	}
	if !slices.Equal(got, want) {
		t.Fatalf("got %q\nwant %q", got, want)
	}
}

func TestLoadListsThisModule(t *testing.T) {
	module, pkgs, err := archtest.Load("..")
	if err != nil {
		t.Fatal(err)
	}
	if module != "github.com/opencrm/crm/pkg" {
		t.Fatalf("module %q", module)
	}
	i := slices.IndexFunc(pkgs, func(p archtest.Package) bool { return p.Path == module+"/archtest" })
	if i < 0 || !slices.Contains(pkgs[i].Deps, "os/exec") {
		t.Fatalf("archtest not listed with its dependencies: %v", pkgs)
	}
}
