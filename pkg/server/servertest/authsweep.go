package servertest

import (
	"context"
	"slices"
	"strings"
	"testing"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"
	"google.golang.org/protobuf/types/dynamicpb"

	"github.com/opencrm/crm/pkg/auth"
)

// AuthSweep calls every method of every service the server registered,
// found through the descriptors, and checks that a call without a token is
// UNAUTHENTICATED and a call with a token lacking the method's scope is
// PERMISSION_DENIED. It returns how many methods it checked.
func AuthSweep(t *testing.T, s *Server) int {
	t.Helper()
	checked := 0
	for name, info := range s.GRPCServiceInfo() {
		if isPublic(name) {
			continue
		}
		d, err := protoregistry.GlobalFiles.FindDescriptorByName(protoreflect.FullName(name))
		if err != nil {
			t.Fatalf("service %s has no descriptor: %v", name, err)
		}
		sd, ok := d.(protoreflect.ServiceDescriptor)
		if !ok {
			t.Fatalf("%s is not a service", name)
		}
		for _, m := range info.Methods {
			md := sd.Methods().ByName(protoreflect.Name(m.Name))
			full := "/" + name + "/" + m.Name
			noToken := context.Background()
			wrongScope := metadata.AppendToOutgoingContext(context.Background(), "authorization", "Bearer "+Token(t, "nothing.useful"))
			if got := call(noToken, s.Conn, full, md); got != codes.Unauthenticated {
				t.Errorf("%s without a token: %v, want UNAUTHENTICATED", full, got)
			}
			if got := call(wrongScope, s.Conn, full, md); got != codes.PermissionDenied {
				t.Errorf("%s with a token lacking its scope: %v, want PERMISSION_DENIED", full, got)
			}
			checked++
		}
	}
	return checked
}

func isPublic(name string) bool {
	return slices.Contains(auth.PublicServices, name)
}

func call(ctx context.Context, conn *grpc.ClientConn, full string, md protoreflect.MethodDescriptor) codes.Code {
	req := dynamicpb.NewMessage(md.Input())
	resp := dynamicpb.NewMessage(md.Output())
	if !md.IsStreamingClient() && !md.IsStreamingServer() {
		return status.Code(conn.Invoke(ctx, full, req, resp))
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	desc := &grpc.StreamDesc{StreamName: strings.TrimPrefix(full, "/"), ServerStreams: md.IsStreamingServer(), ClientStreams: md.IsStreamingClient()}
	st, err := conn.NewStream(ctx, desc, full)
	if err != nil {
		return status.Code(err)
	}
	if err := st.SendMsg(req); err != nil {
		return status.Code(err)
	}
	_ = st.CloseSend()
	return status.Code(st.RecvMsg(resp))
}
