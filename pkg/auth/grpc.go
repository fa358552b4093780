package auth

import (
	"context"
	"fmt"
	"log/slog"
	"sort"
	"strings"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"

	authv1 "github.com/opencrm/crm/gen/go/crm/auth/v1"
)

// PublicServices may be called without a token: probes and tooling need
// health and reflection, and neither reveals customer data.
var PublicServices = []string{
	"grpc.health.v1.Health",
	"grpc.reflection.v1.ServerReflection",
	"grpc.reflection.v1alpha.ServerReflection",
}

// Policy maps each full method name ("/pkg.Service/Method") to its scope.
type Policy struct {
	scopes map[string]string
	public map[string]bool
}

// PolicyFor reads the required_scope option of every method of the given
// services. A method without the option is an error: deny by default means
// the server must not start with an unprotected method.
func PolicyFor(services map[string]grpc.ServiceInfo) (*Policy, error) {
	p := &Policy{scopes: map[string]string{}, public: map[string]bool{}}
	for name, info := range services {
		public := false
		for _, s := range PublicServices {
			public = public || s == name
		}
		for _, m := range info.Methods {
			full := "/" + name + "/" + m.Name
			if public {
				p.public[full] = true
				continue
			}
			scope, err := methodScope(name, m.Name)
			if err != nil {
				return nil, err
			}
			p.scopes[full] = scope
		}
	}
	return p, nil
}

func methodScope(service, method string) (string, error) {
	d, err := protoregistry.GlobalFiles.FindDescriptorByName(protoreflect.FullName(service))
	if err != nil {
		return "", fmt.Errorf("service %s has no registered descriptor: %w", service, err)
	}
	sd, ok := d.(protoreflect.ServiceDescriptor)
	if !ok {
		return "", fmt.Errorf("%s is not a service", service)
	}
	md := sd.Methods().ByName(protoreflect.Name(method))
	if md == nil {
		return "", fmt.Errorf("method %s/%s has no descriptor", service, method)
	}
	scope, _ := proto.GetExtension(md.Options(), authv1.E_RequiredScope).(string)
	if scope == "" {
		return "", fmt.Errorf("method %s/%s declares no (crm.auth.v1.required_scope): refusing to serve it", service, method)
	}
	return scope, nil
}

// AllScopes lists every scope that the registered platform services
// declare, sorted; the token command uses it for an all-access local token.
func AllScopes() []string {
	set := map[string]bool{}
	protoregistry.GlobalFiles.RangeFiles(func(fd protoreflect.FileDescriptor) bool {
		for i := range fd.Services().Len() {
			ms := fd.Services().Get(i).Methods()
			for j := range ms.Len() {
				if s, _ := proto.GetExtension(ms.Get(j).Options(), authv1.E_RequiredScope).(string); s != "" {
					set[s] = true
				}
			}
		}
		return true
	})
	out := make([]string, 0, len(set))
	for s := range set {
		out = append(out, s)
	}
	sort.Strings(out)
	return out
}

// Authorizer enforces a policy with a verifier.
type Authorizer struct {
	Policy   *Policy
	Verifier *Verifier
	Log      *slog.Logger
}

func (a *Authorizer) authorize(ctx context.Context, method string) (context.Context, error) {
	if a.Policy.public[method] {
		return ctx, nil
	}
	scope, known := a.Policy.scopes[method]
	if !known {
		return nil, status.Error(codes.PermissionDenied, "method is not open to callers")
	}
	token, err := bearer(ctx)
	if err != nil {
		return nil, err
	}
	p, err := a.Verifier.Verify(token)
	if err != nil {
		a.Log.DebugContext(ctx, "token refused", "method", method, "error", err)
		return nil, status.Error(codes.Unauthenticated, "invalid or expired bearer token")
	}
	if !p.Has(scope) {
		return nil, status.Errorf(codes.PermissionDenied, "the token lacks scope %q", scope)
	}
	return WithPrincipal(ctx, p), nil
}

func bearer(ctx context.Context) (string, error) {
	vals := metadata.ValueFromIncomingContext(ctx, "authorization")
	if len(vals) == 0 {
		return "", status.Error(codes.Unauthenticated, "missing bearer token: send metadata \"authorization: Bearer <token>\"")
	}
	scheme, token, ok := strings.Cut(vals[0], " ")
	if !ok || !strings.EqualFold(scheme, "bearer") || token == "" {
		return "", status.Error(codes.Unauthenticated, "the authorization metadata must be \"Bearer <token>\"")
	}
	return token, nil
}

// Unary is the unary server interceptor.
func (a *Authorizer) Unary(ctx context.Context, req any, info *grpc.UnaryServerInfo, h grpc.UnaryHandler) (any, error) {
	ctx, err := a.authorize(ctx, info.FullMethod)
	if err != nil {
		return nil, err
	}
	return h(ctx, req)
}

// Stream is the streaming server interceptor.
func (a *Authorizer) Stream(srv any, ss grpc.ServerStream, info *grpc.StreamServerInfo, h grpc.StreamHandler) error {
	ctx, err := a.authorize(ss.Context(), info.FullMethod)
	if err != nil {
		return err
	}
	return h(srv, &wrappedStream{ServerStream: ss, ctx: ctx})
}

type wrappedStream struct {
	grpc.ServerStream
	ctx context.Context //nolint:containedctx // the stream's Context() is the one the interceptor made
}

func (w *wrappedStream) Context() context.Context { return w.ctx }
