module github.com/opencrm/crm/services/loyalty

go 1.26.8

require github.com/opencrm/crm/pkg v0.0.0

require cel.dev/cel-go v0.32.0 // indirect

replace (
	github.com/opencrm/crm/gen/go => ../../gen/go
	github.com/opencrm/crm/pkg => ../../pkg
)
