module github.com/opencrm/crm/services/profile

go 1.26.8

require (
	github.com/nyaruka/phonenumbers v1.8.1
	github.com/opencrm/crm/pkg v0.0.0
)

require (
	golang.org/x/text v0.42.0 // indirect
	google.golang.org/protobuf v1.36.12 // indirect
)

replace (
	github.com/opencrm/crm/gen/go => ../../gen/go
	github.com/opencrm/crm/pkg => ../../pkg
)
