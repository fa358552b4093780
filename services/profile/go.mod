module github.com/opencrm/crm/services/profile

go 1.26.8
