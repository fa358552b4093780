package audit

import (
	"context"
	"log/slog"
	"strings"
	"sync"
	"time"

	"google.golang.org/genproto/googleapis/rpc/code"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"

	"github.com/opencrm/crm/pkg/auth"
	"github.com/opencrm/crm/pkg/ids"
)

// writeTimeout bounds the writing of an entry, which outlives the call's
// own deadline: a caller that gave up still made its change.
const writeTimeout = 5 * time.Second

// Recorder is the server interceptor that writes an entry for every call of
// a mutating method (IsMutation) once it has ended, successfully or not. It
// must run after authorisation, which puts the caller in the context. A
// write that fails is logged, and the call's own outcome is returned
// unchanged: the change it made is done either way.
type Recorder struct {
	Store *Store
	Log   *slog.Logger
	// Code is the gRPC code the caller sees for an error (the server's error
	// mapping runs outside this interceptor).
	Code func(error) codes.Code

	methods sync.Map // full method name -> *method
}

type method struct {
	audited, erases bool
}

func (r *Recorder) method(full string) *method {
	if v, ok := r.methods.Load(full); ok {
		if m, ok := v.(*method); ok {
			return m
		}
	}
	m := &method{}
	service, name, _ := strings.Cut(strings.TrimPrefix(full, "/"), "/")
	if d, err := protoregistry.GlobalFiles.FindDescriptorByName(protoreflect.FullName(service)); err == nil {
		if sd, ok := d.(protoreflect.ServiceDescriptor); ok {
			if md := sd.Methods().ByName(protoreflect.Name(name)); md != nil {
				m.audited, m.erases = IsMutation(md), isErasure(md)
			}
		}
	}
	r.methods.Store(full, m)
	return m
}

// Unary is the unary server interceptor.
func (r *Recorder) Unary(ctx context.Context, req any, info *grpc.UnaryServerInfo, h grpc.UnaryHandler) (any, error) {
	resp, err := h(ctx, req)
	m := r.method(info.FullMethod)
	reqMsg, ok := req.(proto.Message)
	if !m.audited || !ok {
		return resp, err
	}
	var respMsg proto.Message
	if err == nil {
		respMsg, _ = resp.(proto.Message)
	}
	r.record(ctx, info.FullMethod, m, describe(reqMsg, respMsg), err)
	return resp, err
}

// Stream is the streaming server interceptor: a client stream's requests
// make one entry (see merge).
func (r *Recorder) Stream(srv any, ss grpc.ServerStream, info *grpc.StreamServerInfo, h grpc.StreamHandler) error {
	m := r.method(info.FullMethod)
	if !m.audited {
		return h(srv, ss)
	}
	rs := &recordingStream{ServerStream: ss}
	err := h(srv, rs)
	c := merge(rs.calls)
	if err == nil && c.resource == "" && rs.last != nil {
		c.resource = resourceOf(rs.last.ProtoReflect())
	}
	r.record(ss.Context(), info.FullMethod, m, c, err)
	return err
}

type recordingStream struct {
	grpc.ServerStream
	calls []call
	last  proto.Message
}

func (s *recordingStream) RecvMsg(m any) error {
	if err := s.ServerStream.RecvMsg(m); err != nil {
		return err
	}
	if pm, ok := m.(proto.Message); ok {
		s.calls = append(s.calls, describe(pm, nil))
	}
	return nil
}

func (s *recordingStream) SendMsg(m any) error {
	if pm, ok := m.(proto.Message); ok {
		s.last = pm
	}
	return s.ServerStream.SendMsg(m)
}

func (r *Recorder) record(ctx context.Context, full string, m *method, c call, err error) {
	p, _ := auth.FromContext(ctx)
	e := Entry{ID: ids.New(), Subject: p.Subject, Client: p.Client, Method: full, Resource: c.resource, Customer: c.customer,
		Time: r.Store.Now().UTC().Truncate(time.Millisecond), RequestID: c.requestID, Paths: c.paths, Code: code.Code(r.Code(err)).String()} //nolint:gosec // gRPC codes are 0 to 16
	wctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), writeTimeout)
	defer cancel()
	if werr := r.Store.Record(wctx, e); werr != nil {
		r.Log.ErrorContext(ctx, "writing the audit entry", "method", full, "error", werr)
	}
	if err == nil && m.erases && c.customer != "" {
		if ferr := r.Store.ForgetCustomer(wctx, c.customer); ferr != nil {
			r.Log.ErrorContext(ctx, "pseudonymising an erased customer's audit entries", "method", full, "error", ferr)
		}
	}
}
