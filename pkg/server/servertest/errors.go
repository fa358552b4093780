package servertest

import (
	"testing"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// WantCode fails the test unless err has the code and, when field is set, a
// BadRequest field violation naming that field. It returns the ErrorInfo
// detail, if any, for checks of the reason and metadata.
func WantCode(t testing.TB, err error, code codes.Code, field string) *errdetails.ErrorInfo {
	t.Helper()
	st, _ := status.FromError(err)
	if st.Code() != code {
		t.Fatalf("got %v (%s), want %v", st.Code(), st.Message(), code)
	}
	var info *errdetails.ErrorInfo
	found := field == ""
	for _, d := range st.Details() {
		switch x := d.(type) {
		case *errdetails.ErrorInfo:
			info = x
		case *errdetails.BadRequest:
			for _, v := range x.GetFieldViolations() {
				found = found || v.GetField() == field
			}
		}
	}
	if !found {
		t.Fatalf("no field violation for %q in %v", field, st.Details())
	}
	return info
}
