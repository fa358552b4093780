package service_test

import (
	"testing"

	"github.com/opencrm/crm/pkg/archtest"
)

// TestImportRules keeps segmentation's rooms apart.
func TestImportRules(t *testing.T) {
	const (
		store = "./internal/store"
		grpc  = "google.golang.org/grpc"
		mongo = "go.mongodb.org/mongo-driver"
		// The services' generated API packages (each holds its gRPC
		// stubs); crm/type/v1, the shared Money message that pkg/money
		// converts, has no service in it.
		api = "github.com/opencrm/crm/gen/go/crm/segmentation"
		cus = "github.com/opencrm/crm/gen/go/crm/customer"
		itr = "github.com/opencrm/crm/gen/go/crm/interaction"
		fed = "github.com/opencrm/crm/gen/go/crm/feed"
	)
	pure := []string{grpc, mongo, api, cus, itr, fed}
	archtest.Check(t, "..",
		archtest.Rule{From: "internal/api", Not: []string{store},
			Why: "handlers reach storage only through the use cases (segments, grading)"},
		archtest.Rule{From: "internal/feeds", Not: []string{store},
			Why: "feed consumers reach storage only through the grading engine"},
		archtest.Rule{From: "internal/grading", Not: []string{store},
			Why: "the engine declares the repository it needs; the store implements it"},
		archtest.Rule{From: "internal/segments", Not: []string{store, grpc, mongo, api},
			Why: "segments and settings use cases declare their repository and know neither transport nor storage"},
		archtest.Rule{From: "internal/records", Not: pure,
			Why: "segments, settings and runs are domain types: no transport, storage or API types"},
		archtest.Rule{From: "internal/rules", Not: pure,
			Why: "a segment rule is a domain notion; CEL over the API's facts lives in celfacts"},
		archtest.Rule{From: "internal/facts", Not: pure,
			Why: "a customer's facts are domain types; their API message lives in celfacts"},
		archtest.Rule{From: "internal/model", Not: pure,
			Why: "the scoring model is pure computation"},
		archtest.Rule{From: "internal/metrics", Not: pure,
			Why: "customers' metrics are pure computation"},
		archtest.Rule{From: "internal/names", Not: pure,
			Why: "resource names are shared by the domain rooms, which stay pure"},
		archtest.Rule{From: "internal/errs", Not: pure,
			Why: "error reasons are shared by the domain rooms, which stay pure"},
	)
}
