// Package names declares segmentation's resource names, each pattern
// once, for every room that formats or parses them.
package names

import "github.com/opencrm/crm/pkg/resname"

// The resource names segmentation serves, and interaction-log's and the
// support cases' that its feeds read.
var (
	Segments     = resname.New("segments")
	Runs         = resname.New("runs")
	Interactions = resname.New("interactions")
)
