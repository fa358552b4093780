package server

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"testing"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/opencrm/crm/pkg/apperr"
)

func TestPanicBecomesInternalAndIsLogged(t *testing.T) {
	t.Parallel()
	var logs bytes.Buffer
	ic := &interceptors{log: slog.New(slog.NewJSONHandler(&logs, nil))}
	info := &grpc.UnaryServerInfo{FullMethod: "/x.v1.S/M"}
	_, err := ic.recoverUnary(context.Background(), nil, info, func(context.Context, any) (any, error) { panic("boom") })
	if status.Code(err) != codes.Internal || strings.Contains(status.Convert(err).Message(), "boom") {
		t.Fatalf("panic surfaced as %v", err)
	}
	if !strings.Contains(logs.String(), "boom") || !strings.Contains(logs.String(), "stack") {
		t.Fatalf("panic not logged: %s", logs.String())
	}
	// The interceptor keeps serving.
	resp, err := ic.recoverUnary(context.Background(), nil, info, func(context.Context, any) (any, error) { return "ok", nil })
	if err != nil || resp != "ok" {
		t.Fatal(resp, err)
	}
}

func TestToStatusHidesInternalText(t *testing.T) {
	t.Parallel()
	var logs bytes.Buffer
	log := slog.New(slog.NewJSONHandler(&logs, nil))
	err := ToStatus(context.Background(), log, "/m", apperr.Unavailable("the database", context.DeadlineExceeded))
	if status.Code(err) != codes.Unavailable || strings.Contains(err.Error(), "deadline") {
		t.Fatalf("unavailable: %v", err)
	}
	err = ToStatus(context.Background(), log, "/m", errSecret)
	if status.Code(err) != codes.Internal || strings.Contains(err.Error(), "password") || !strings.Contains(logs.String(), "password") {
		t.Fatalf("internal: %v / logs %s", err, logs.String())
	}
}

var errSecret = apperrTextError("connection string mongodb://user:password@db")

type apperrTextError string

func (e apperrTextError) Error() string { return string(e) }
