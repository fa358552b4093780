package main

import (
	"context"

	loyaltyv1 "github.com/opencrm/crm/gen/go/crm/loyalty/v1"
	"github.com/opencrm/crm/pkg/benchrig"
	interaction "github.com/opencrm/crm/services/interaction/service"
	loyalty "github.com/opencrm/crm/services/loyalty/service"
	profile "github.com/opencrm/crm/services/profile/service"
)

// The services the bench starts, each on a database of its own.
var (
	profileSvc     = benchrig.Service{Name: profile.Name, Database: "bench_profile", Setup: profile.Setup}
	interactionSvc = benchrig.Service{Name: interaction.Name, Database: "bench_interaction", Setup: interaction.Setup}
	loyaltySvc     = benchrig.Service{Name: loyalty.Name, Database: loyaltyDB, Setup: loyalty.Setup}
)

const loyaltyDB = "bench_loyalty"

// benchIDKey keys loyalty's account ids (CRM_LOYALTY_ID_KEY) in the
// processes the bench starts: fixed, so that a prepared folder's accounts
// keep their ids in later runs, and for benchmarks only.
const benchIDKey = "loyalty-bench-only-account-id-key-0123456789"

// idKeyEnv sets benchIDKey for loyalty.
var idKeyEnv = map[string]string{"CRM_LOYALTY_ID_KEY": benchIDKey}

// startLoyalty starts loyalty, whose consumers begin at once, and returns
// a client of it.
func startLoyalty(ctx context.Context, r *benchrig.Rig) (loyaltyv1.LoyaltyServiceClient, error) {
	return benchrig.StartClient(ctx, r, loyaltySvc, idKeyEnv, loyaltyv1.NewLoyaltyServiceClient)
}
