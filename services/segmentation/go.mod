module github.com/opencrm/crm/services/segmentation

go 1.26.8
