package service_test

import (
	"testing"

	"github.com/opencrm/crm/pkg/archtest"
)

// The rooms of interaction-log keep their doors: handlers and the customer
// feed consumer reach storage only through the logbook's use cases, and
// the domain knows neither the wire nor the database.
func TestImportRules(t *testing.T) {
	pure := []string{"google.golang.org/grpc", "go.mongodb.org/mongo-driver", "github.com/opencrm/crm/gen/go"}
	archtest.Check(t, "..",
		archtest.Rule{From: "internal/api", Not: []string{"./internal/store"},
			Why: "handlers call the logbook's use cases, the only door to storage"},
		archtest.Rule{From: "internal/profilefeed", Not: []string{"./internal/store"},
			Why: "the customer feed consumer applies events through the logbook's use cases"},
		archtest.Rule{From: "internal/logbook", Not: []string{"./internal/store", "./internal/api"},
			Why: "use cases declare the repository they need (logbook.Repository); the store implements it and service wires it"},
		archtest.Rule{From: "internal/record", Not: pure, Why: "the interaction rules are plain Go, testable without the API or the database"},
		archtest.Rule{From: "internal/casework", Not: pure, Why: "the case rules are plain Go, testable without the API or the database"},
		archtest.Rule{From: "internal/activity", Not: pure, Why: "activity summaries are plain Go, testable without the API or the database"},
		archtest.Rule{From: "internal/satisfaction", Not: pure, Why: "satisfaction tallies are plain Go, testable without the API or the database"},
		archtest.Rule{From: "internal/errs", Not: pure, Why: "reasons are declared once, for domain code and adapters alike"},
	)
}
