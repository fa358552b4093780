package main

import (
	"context"

	segmentationv1 "github.com/opencrm/crm/gen/go/crm/segmentation/v1"
	"github.com/opencrm/crm/pkg/benchrig"
	interaction "github.com/opencrm/crm/services/interaction/service"
	profile "github.com/opencrm/crm/services/profile/service"
	segmentation "github.com/opencrm/crm/services/segmentation/service"
)

// The services the bench starts, each on a database of its own.
var (
	profileSvc      = benchrig.Service{Name: profile.Name, Database: "bench_profile", Setup: profile.Setup}
	interactionSvc  = benchrig.Service{Name: interaction.Name, Database: "bench_interaction", Setup: interaction.Setup}
	segmentationSvc = benchrig.Service{Name: segmentation.Name, Database: segmentationDB, Setup: segmentation.Setup}
)

const segmentationDB = "bench_segmentation"

// startSegmentation starts segmentation, whose consumers begin at once,
// and returns a client of it.
func startSegmentation(ctx context.Context, r *benchrig.Rig) (segmentationv1.SegmentationServiceClient, error) {
	return benchrig.StartClient(ctx, r, segmentationSvc, map[string]string{"CRM_SEGMENTATION_CURRENCY": "EUR"}, segmentationv1.NewSegmentationServiceClient)
}
