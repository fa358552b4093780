package service_test

import (
	"testing"

	"github.com/opencrm/crm/pkg/archtest"
)

// The rooms of customer-profile keep their doors: handlers reach storage
// only through the archive's use cases, and the domain knows neither the
// wire nor the database.
func TestImportRules(t *testing.T) {
	archtest.Check(t, "..",
		archtest.Rule{From: "internal/api", Not: []string{"./internal/store"},
			Why: "handlers call the archive's use cases, the only door to storage"},
		archtest.Rule{From: "internal/archive", Not: []string{"./internal/store", "./internal/api"},
			Why: "use cases declare the repository they need (archive.Repository); the store implements it and service wires it"},
		archtest.Rule{From: "internal/customer", Not: []string{"google.golang.org/grpc", "go.mongodb.org/mongo-driver", "github.com/opencrm/crm/gen/go"},
			Why: "the customer rules are plain Go, testable without the API or the database"},
		archtest.Rule{From: "internal/errs", Not: []string{"google.golang.org/grpc", "go.mongodb.org/mongo-driver", "github.com/opencrm/crm/gen/go"},
			Why: "reasons are declared once, for domain code and adapters alike"},
	)
}
