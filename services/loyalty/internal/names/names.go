// Package names declares loyalty's resource names, each pattern once, for
// every room that formats or parses them.
package names

import "github.com/opencrm/crm/pkg/resname"

// The resource names loyalty serves, and interaction-log's that its
// entries name as their cause.
var (
	Programs     = resname.New("programs")
	Rewards      = resname.New("programs", "rewards")
	Accounts     = resname.New("accounts")
	Entries      = resname.New("accounts", "entries")
	Redemptions  = resname.New("redemptions")
	Interactions = resname.New("interactions")
)
