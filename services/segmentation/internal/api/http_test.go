package api_test

import (
	"net/http"
	"testing"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"

	segmentationv1 "github.com/opencrm/crm/gen/go/crm/segmentation/v1"
	"github.com/opencrm/crm/pkg/server/servertest"
)

// Segmentation over REST and Connect with JSON, through the same checks as
// over gRPC.
func TestRESTAndConnectJSON(t *testing.T) {
	t.Parallel()
	e := start(t)
	h := e.srv.HTTP()
	admin := servertest.Token(t, "segmentation.read", "segmentation.admin")

	// No run has completed yet: FAILED_PRECONDITION, 412.
	h.Do(t, http.MethodGet, "/v1/report", admin, nil).WantHTTP(t, http.StatusPreconditionFailed, codes.FailedPrecondition, "")

	const vip = `{"id":"vip","displayName":"VIP","rule":"metrics.purchases >= 1"}`
	var created segmentationv1.CreateSegmentResponse
	h.Do(t, http.MethodPost, "/v1/segments", admin, vip).OK(t, &created)
	seg := created.GetSegment()
	if seg.GetName() != "segments/vip" || seg.GetEtag() == "" {
		t.Fatalf("created %v", seg)
	}
	var got segmentationv1.GetSegmentResponse
	h.Connect(t, "/crm.segmentation.v1.SegmentationService/GetSegment", admin, map[string]string{"name": "segments/vip"}).OK(t, &got)
	if !proto.Equal(got.GetSegment(), seg) {
		t.Fatalf("Connect get %v, want %v", got.GetSegment(), seg)
	}

	// A second segment with the id is ALREADY_EXISTS, naming it.
	for _, r := range []*servertest.Response{
		h.Do(t, http.MethodPost, "/v1/segments", admin, vip),
		h.Connect(t, "/crm.segmentation.v1.SegmentationService/CreateSegment", admin, `{"segment":`+vip+`}`),
	} {
		st := r.WantHTTP(t, http.StatusConflict, codes.AlreadyExists, "")
		named := false
		for _, d := range st.Details() {
			if info, ok := d.(*errdetails.ErrorInfo); ok {
				named = info.GetMetadata()["resource"] == "segments/vip"
			}
		}
		if !named {
			t.Fatalf("no ErrorInfo naming segments/vip: %s", r.Body)
		}
	}
	// A field error names the field: here the rule's unknown variable.
	h.Do(t, http.MethodPost, "/v1/segments", admin, `{"id":"bad","rule":"profile.countyr == \"CN\""}`).
		WantHTTP(t, http.StatusBadRequest, codes.InvalidArgument, "segment.rule")

	// Updates are conditional on the etag: a stale one is 409.
	rename := map[string]string{"displayName": "Buyers", "etag": seg.GetEtag()}
	h.Do(t, http.MethodPatch, "/v1/segments/vip?update_mask=displayName", admin, rename).OK(t, nil)
	h.Do(t, http.MethodPatch, "/v1/segments/vip?update_mask=displayName", admin, rename).
		WantHTTP(t, http.StatusConflict, codes.Aborted, "")

	for _, protocol := range []string{"REST", "Connect"} {
		t.Run(protocol, func(t *testing.T) {
			call := func(token, name string) *servertest.Response {
				if protocol == "REST" {
					return h.Do(t, http.MethodGet, "/v1/"+name, token, nil)
				}
				return h.Connect(t, "/crm.segmentation.v1.SegmentationService/GetSegment", token, map[string]string{"name": name})
			}
			call("", "segments/vip").WantHTTP(t, http.StatusUnauthorized, codes.Unauthenticated, "")
			call(servertest.Token(t, "segmentation.events"), "segments/vip").WantHTTP(t, http.StatusForbidden, codes.PermissionDenied, "")
			call(admin, "segments/nope").WantHTTP(t, http.StatusNotFound, codes.NotFound, "")
		})
	}

	// The run the new segment started, listed over REST, followed over a
	// Connect stream.
	var runs segmentationv1.ListRunsResponse
	h.Do(t, http.MethodGet, "/v1/runs", admin, nil).OK(t, &runs)
	if len(runs.GetRuns()) == 0 {
		t.Fatal("no run listed")
	}
	run := runs.GetRuns()[0].GetName()
	msgs := h.ConnectStream(t, "/crm.segmentation.v1.SegmentationService/WatchRun", admin, map[string]string{"name": run}, 1)
	var ev segmentationv1.WatchRunResponse
	if err := protojson.Unmarshal(msgs[0], &ev); err != nil || ev.GetRun().GetName() != run {
		t.Fatalf("first message %s: %v", msgs[0], err)
	}
}
