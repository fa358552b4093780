package api_test

import (
	"google.golang.org/grpc/codes"
	grpcstatus "google.golang.org/grpc/status"

	typev1 "github.com/opencrm/crm/gen/go/crm/type/v1"
)

type typev1Money = typev1.Money

func status(err error) codes.Code { return grpcstatus.Code(err) }
