package service_test

import (
	"testing"

	"github.com/opencrm/crm/pkg/archtest"
)

// TestImportRules keeps loyalty's rooms apart.
func TestImportRules(t *testing.T) {
	const (
		store = "./internal/store"
		grpc  = "google.golang.org/grpc"
		mongo = "go.mongodb.org/mongo-driver"
		// The services' generated API packages (each holds its gRPC
		// stubs); crm/type/v1, the shared Money message that pkg/money
		// converts, has no service in it.
		api = "github.com/opencrm/crm/gen/go/crm/loyalty"
		cus = "github.com/opencrm/crm/gen/go/crm/customer"
		itr = "github.com/opencrm/crm/gen/go/crm/interaction"
		fed = "github.com/opencrm/crm/gen/go/crm/feed"
	)
	archtest.Check(t, "..",
		archtest.Rule{From: "internal/api", Not: []string{store},
			Why: "handlers reach storage only through the book's use cases"},
		archtest.Rule{From: "internal/feeds", Not: []string{store},
			Why: "feed consumers reach storage only through the book's use cases"},
		archtest.Rule{From: "internal/points", Not: []string{store},
			Why: "the book declares the repository it needs; the store implements it"},
		archtest.Rule{From: "internal/ledger", Not: []string{grpc, mongo, api, cus, itr, fed},
			Why: "account and ledger rules are pure: no transport, storage or API types"},
		archtest.Rule{From: "internal/program", Not: []string{grpc, mongo, api, cus, itr, fed},
			Why: "program rules are pure; CEL over the API's facts lives in celfacts"},
		archtest.Rule{From: "internal/rules", Not: []string{grpc, mongo, api, cus, itr, fed},
			Why: "earning rules' facts are domain types; CEL over the API's facts lives in celfacts"},
		archtest.Rule{From: "internal/catalogue", Not: []string{grpc, mongo, api, cus, itr, fed},
			Why: "reward and redemption rules are pure: no transport, storage or API types"},
		archtest.Rule{From: "internal/names", Not: []string{grpc, mongo, api, cus, itr, fed},
			Why: "resource names are shared by the domain rooms, which stay pure"},
		archtest.Rule{From: "internal/errs", Not: []string{grpc, mongo, api, cus, itr, fed},
			Why: "error reasons are shared by the domain rooms, which stay pure"},
	)
}
