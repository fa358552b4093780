package server

import (
	"context"
	"errors"
	"log/slog"
	"runtime/debug"

	"buf.build/go/protovalidate"
	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/protoadapt"

	"github.com/opencrm/crm/pkg/apperr"
)

var kindCodes = map[apperr.Kind]codes.Code{
	apperr.KindInternal:           codes.Internal,
	apperr.KindInvalidArgument:    codes.InvalidArgument,
	apperr.KindNotFound:           codes.NotFound,
	apperr.KindAlreadyExists:      codes.AlreadyExists,
	apperr.KindFailedPrecondition: codes.FailedPrecondition,
	apperr.KindAborted:            codes.Aborted,
	apperr.KindUnavailable:        codes.Unavailable,
	apperr.KindPermissionDenied:   codes.PermissionDenied,
	apperr.KindUnauthenticated:    codes.Unauthenticated,
	apperr.KindResourceExhausted:  codes.ResourceExhausted,
}

// ToStatus turns a handler's error into the status the caller sees. Typed
// errors keep their code, message, ErrorInfo and field violation; a status
// passes unchanged; a cancelled or expired context keeps its code; anything
// else is INTERNAL with no detail, and is logged with its text.
func ToStatus(ctx context.Context, log *slog.Logger, method string, err error) error {
	if err == nil {
		return nil
	}
	if _, ok := status.FromError(err); ok {
		return err
	}
	if e, ok := apperr.As(err); ok && e.Kind != apperr.KindInternal {
		if e.Kind == apperr.KindUnavailable {
			log.WarnContext(ctx, "dependency unavailable", "method", method, "error", err)
		}
		st := status.New(kindCodes[e.Kind], e.Error())
		if e.Err != nil { // the cause stays in the logs
			st = status.New(kindCodes[e.Kind], (&apperr.Error{Message: e.Message, Field: e.Field}).Error())
		}
		details := []protoadapt.MessageV1{&errdetails.ErrorInfo{Reason: e.Reason, Domain: apperr.Domain, Metadata: e.Metadata}}
		if e.Field != "" {
			details = append(details, &errdetails.BadRequest{FieldViolations: []*errdetails.BadRequest_FieldViolation{{Field: e.Field, Description: e.Message}}})
		}
		if withDetails, derr := st.WithDetails(details...); derr == nil {
			st = withDetails
		}
		return st.Err()
	}
	switch {
	case errors.Is(err, context.Canceled):
		return status.Error(codes.Canceled, "the call was cancelled")
	case errors.Is(err, context.DeadlineExceeded):
		return status.Error(codes.DeadlineExceeded, "the call's deadline passed")
	}
	log.ErrorContext(ctx, "internal error", "method", method, "error", err)
	return status.Error(codes.Internal, "internal error")
}

// Code is the gRPC code the caller sees for a handler's error, as ToStatus
// maps it (OK for nil).
func Code(err error) codes.Code {
	if err == nil {
		return codes.OK
	}
	if st, ok := status.FromError(err); ok {
		return st.Code()
	}
	if e, ok := apperr.As(err); ok && e.Kind != apperr.KindInternal {
		return kindCodes[e.Kind]
	}
	switch {
	case errors.Is(err, context.Canceled):
		return codes.Canceled
	case errors.Is(err, context.DeadlineExceeded):
		return codes.DeadlineExceeded
	}
	return codes.Internal
}

func validationStatus(err error) error {
	var verr *protovalidate.ValidationError
	if !errors.As(err, &verr) {
		return status.Error(codes.Internal, "internal error")
	}
	br := &errdetails.BadRequest{}
	msg := "invalid request"
	for i, v := range verr.Violations {
		field := protovalidate.FieldPathString(v.Proto.GetField())
		br.FieldViolations = append(br.FieldViolations, &errdetails.BadRequest_FieldViolation{Field: field, Description: v.Proto.GetMessage()})
		if i == 0 {
			msg = field + ": " + v.Proto.GetMessage()
		}
	}
	st, derr := status.New(codes.InvalidArgument, msg).WithDetails(br,
		&errdetails.ErrorInfo{Reason: "INVALID_FIELD", Domain: apperr.Domain})
	if derr != nil {
		return status.Error(codes.InvalidArgument, msg)
	}
	return st.Err()
}

// interceptors are the platform's chain, outermost first: recovery, logging,
// error mapping, authorisation and audit (added by Start), validation.
type interceptors struct {
	log       *slog.Logger
	validator protovalidate.Validator
}

func (ic *interceptors) recoverUnary(ctx context.Context, req any, info *grpc.UnaryServerInfo, h grpc.UnaryHandler) (resp any, err error) {
	defer func() {
		if r := recover(); r != nil {
			ic.log.ErrorContext(ctx, "panic in handler", "method", info.FullMethod, "panic", r, "stack", string(debug.Stack()))
			err = status.Error(codes.Internal, "internal error")
		}
	}()
	return h(ctx, req)
}

func (ic *interceptors) recoverStream(srv any, ss grpc.ServerStream, info *grpc.StreamServerInfo, h grpc.StreamHandler) (err error) {
	defer func() {
		if r := recover(); r != nil {
			ic.log.ErrorContext(ss.Context(), "panic in handler", "method", info.FullMethod, "panic", r, "stack", string(debug.Stack()))
			err = status.Error(codes.Internal, "internal error")
		}
	}()
	return h(srv, ss)
}

func (ic *interceptors) logCall(ctx context.Context, method string, err error) {
	code := status.Code(err)
	switch code {
	case codes.OK:
		ic.log.DebugContext(ctx, "call", "method", method, "code", code.String())
	case codes.Internal, codes.Unknown, codes.DataLoss:
		ic.log.ErrorContext(ctx, "call failed", "method", method, "code", code.String())
	default:
		ic.log.InfoContext(ctx, "call refused", "method", method, "code", code.String(), "message", status.Convert(err).Message())
	}
}

func (ic *interceptors) logUnary(ctx context.Context, req any, info *grpc.UnaryServerInfo, h grpc.UnaryHandler) (any, error) {
	resp, err := h(ctx, req)
	ic.logCall(ctx, info.FullMethod, err)
	return resp, err
}

func (ic *interceptors) logStream(srv any, ss grpc.ServerStream, info *grpc.StreamServerInfo, h grpc.StreamHandler) error {
	err := h(srv, ss)
	ic.logCall(ss.Context(), info.FullMethod, err)
	return err
}

func (ic *interceptors) mapUnary(ctx context.Context, req any, info *grpc.UnaryServerInfo, h grpc.UnaryHandler) (any, error) {
	resp, err := h(ctx, req)
	if err != nil {
		err = ToStatus(ctx, ic.log, info.FullMethod, err)
		noteCode(ctx, status.Code(err))
		return nil, err
	}
	return resp, nil
}

func (ic *interceptors) mapStream(srv any, ss grpc.ServerStream, info *grpc.StreamServerInfo, h grpc.StreamHandler) error {
	err := ToStatus(ss.Context(), ic.log, info.FullMethod, h(srv, ss))
	noteCode(ss.Context(), status.Code(err))
	return err
}

func (ic *interceptors) validateUnary(ctx context.Context, req any, _ *grpc.UnaryServerInfo, h grpc.UnaryHandler) (any, error) {
	if m, ok := req.(proto.Message); ok {
		if err := ic.validator.Validate(m); err != nil {
			return nil, validationStatus(err)
		}
	}
	return h(ctx, req)
}

func (ic *interceptors) validateStream(srv any, ss grpc.ServerStream, _ *grpc.StreamServerInfo, h grpc.StreamHandler) error {
	return h(srv, &validatingStream{ServerStream: ss, v: ic.validator})
}

type validatingStream struct {
	grpc.ServerStream
	v protovalidate.Validator
}

func (s *validatingStream) RecvMsg(m any) error {
	if err := s.ServerStream.RecvMsg(m); err != nil {
		return err
	}
	if pm, ok := m.(proto.Message); ok {
		if err := s.v.Validate(pm); err != nil {
			return validationStatus(err)
		}
	}
	return nil
}

// Failure describes an error as the caller may see it: for one failed item
// of a batch, what ToStatus would say of a whole call.
type Failure struct {
	Code    codes.Code
	Message string
	Field   string
	Reason  string
	// Internal is set for an error that carries no safe description; log it.
	Internal bool
}

// Describe returns the caller-safe description of err.
func Describe(err error) Failure {
	if e, ok := apperr.As(err); ok && e.Kind != apperr.KindInternal {
		return Failure{Code: kindCodes[e.Kind], Reason: e.Reason, Field: e.Field,
			Message: (&apperr.Error{Message: e.Message, Field: e.Field}).Error()}
	}
	return Failure{Code: codes.Internal, Message: "internal error", Internal: true}
}
