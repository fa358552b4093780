// Package collector is the local platform's trace collector: an OTLP/gRPC
// trace receiver that appends every span it receives to a JSON-lines file
// in the data folder (kept between runs) and lists and reads traces, so a
// newcomer can follow one request through every service without
// installing a tracing backend.
package collector

import (
	"bufio"
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net"
	"os"
	"slices"
	"strconv"
	"sync"
	"time"

	collectortracev1 "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	commonv1 "go.opentelemetry.io/proto/otlp/common/v1"
	tracev1 "go.opentelemetry.io/proto/otlp/trace/v1"
	"google.golang.org/grpc"
)

// Span is one stored span.
type Span struct {
	TraceID    string            `json:"trace_id"`
	SpanID     string            `json:"span_id"`
	ParentID   string            `json:"parent_id,omitempty"`
	Service    string            `json:"service"`
	Name       string            `json:"name"`
	Kind       string            `json:"kind"`
	Start      time.Time         `json:"start"`
	End        time.Time         `json:"end"`
	Status     string            `json:"status,omitempty"`
	Attributes map[string]string `json:"attributes,omitempty"`
	// Links name the spans this one follows from (a feed event's
	// producer).
	Links []Link `json:"links,omitempty"`
}

// Link is a link to another span.
type Link struct {
	TraceID string `json:"trace_id"`
	SpanID  string `json:"span_id"`
}

// Collector receives and keeps spans.
type Collector struct {
	collectortracev1.UnimplementedTraceServiceServer
	path string
	mu   sync.Mutex
	file *os.File
	lis  net.Listener
	srv  *grpc.Server
}

// Start listens on addr for OTLP/gRPC traces and appends them to path.
func Start(ctx context.Context, path, addr string) (*Collector, error) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o600)
	if err != nil {
		return nil, fmt.Errorf("open the trace file: %w", err)
	}
	var lc net.ListenConfig
	lis, err := lc.Listen(ctx, "tcp", addr)
	if err != nil {
		return nil, errors.Join(fmt.Errorf("listen for traces on %s: %w", addr, err), f.Close())
	}
	c := &Collector{path: path, file: f, lis: lis, srv: grpc.NewServer()}
	collectortracev1.RegisterTraceServiceServer(c.srv, c)
	go func() { _ = c.srv.Serve(lis) }()
	return c, nil
}

// Addr is where the collector listens.
func (c *Collector) Addr() string { return c.lis.Addr().String() }

// Stop stops receiving (spans in flight are received first) and closes
// the file.
func (c *Collector) Stop() error {
	c.srv.GracefulStop()
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.file.Close()
}

// Export implements the OTLP trace service.
func (c *Collector) Export(_ context.Context, req *collectortracev1.ExportTraceServiceRequest) (*collectortracev1.ExportTraceServiceResponse, error) {
	var lines []byte
	for _, rs := range req.GetResourceSpans() {
		service := attrs(rs.GetResource().GetAttributes())["service.name"]
		for _, ss := range rs.GetScopeSpans() {
			for _, s := range ss.GetSpans() {
				b, err := json.Marshal(convert(service, s))
				if err != nil {
					return nil, fmt.Errorf("encode span: %w", err)
				}
				lines = append(append(lines, b...), '\n')
			}
		}
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, err := c.file.Write(lines); err != nil {
		return nil, fmt.Errorf("store spans: %w", err)
	}
	return &collectortracev1.ExportTraceServiceResponse{}, nil
}

// unixNano is the UTC time of OTLP's unsigned nanoseconds since 1970,
// capped at the latest time an int64 holds (the year 2262).
func unixNano(n uint64) time.Time {
	return time.Unix(0, int64(min(n, math.MaxInt64))).UTC()
}

func convert(service string, s *tracev1.Span) Span {
	out := Span{
		TraceID: hex.EncodeToString(s.GetTraceId()), SpanID: hex.EncodeToString(s.GetSpanId()), Service: service, Name: s.GetName(),
		Kind:  s.GetKind().String(),
		Start: unixNano(s.GetStartTimeUnixNano()), End: unixNano(s.GetEndTimeUnixNano()),
		Attributes: attrs(s.GetAttributes()),
	}
	if len(s.GetParentSpanId()) > 0 {
		out.ParentID = hex.EncodeToString(s.GetParentSpanId())
	}
	if s.GetStatus().GetCode() == tracev1.Status_STATUS_CODE_ERROR {
		out.Status = "error: " + s.GetStatus().GetMessage()
	}
	for _, l := range s.GetLinks() {
		out.Links = append(out.Links, Link{TraceID: hex.EncodeToString(l.GetTraceId()), SpanID: hex.EncodeToString(l.GetSpanId())})
	}
	return out
}

func attrs(kvs []*commonv1.KeyValue) map[string]string {
	if len(kvs) == 0 {
		return nil
	}
	m := make(map[string]string, len(kvs))
	for _, kv := range kvs {
		v := kv.GetValue()
		switch x := v.GetValue().(type) {
		case *commonv1.AnyValue_StringValue:
			m[kv.GetKey()] = x.StringValue
		case *commonv1.AnyValue_IntValue:
			m[kv.GetKey()] = strconv.FormatInt(x.IntValue, 10)
		case *commonv1.AnyValue_BoolValue:
			m[kv.GetKey()] = strconv.FormatBool(x.BoolValue)
		case *commonv1.AnyValue_DoubleValue:
			m[kv.GetKey()] = fmt.Sprint(x.DoubleValue)
		default:
			m[kv.GetKey()] = v.String()
		}
	}
	return m
}

// Read returns every span stored in the file at path, oldest first.
func Read(path string) (_ []Span, err error) {
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("open the trace file: %w", err)
	}
	// Read only: a failed close loses nothing.
	defer func() { err = errors.Join(err, f.Close()) }()
	var out []Span
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64*1024), 16*1024*1024)
	for sc.Scan() {
		var s Span
		if err := json.Unmarshal(sc.Bytes(), &s); err != nil {
			return nil, fmt.Errorf("read the trace file: %w", err)
		}
		out = append(out, s)
	}
	return out, sc.Err()
}

// Trace is a summary of one trace.
type Trace struct {
	ID       string
	Root     string // the earliest span's service and name
	Start    time.Time
	Duration time.Duration
	Spans    int
	Services []string
	// Served is set when a service answered a call in the trace (rather
	// than doing background work, such as a sweep's store calls).
	Served bool
}

// Traces summarises spans by trace, newest first.
func Traces(spans []Span) []Trace {
	by := map[string]*Trace{}
	var order []string
	for _, s := range spans {
		t, ok := by[s.TraceID]
		if !ok {
			t = &Trace{ID: s.TraceID, Start: s.Start, Root: s.Service + " " + s.Name}
			by[s.TraceID] = t
			order = append(order, s.TraceID)
		}
		if s.Start.Before(t.Start) {
			t.Start, t.Root = s.Start, s.Service+" "+s.Name
		}
		if end := s.End.Sub(t.Start); end > t.Duration {
			t.Duration = end
		}
		t.Spans++
		t.Served = t.Served || s.Kind == tracev1.Span_SPAN_KIND_SERVER.String()
		if !slices.Contains(t.Services, s.Service) {
			t.Services = append(t.Services, s.Service)
		}
	}
	out := make([]Trace, 0, len(order))
	for _, id := range order {
		out = append(out, *by[id])
	}
	slices.SortFunc(out, func(a, b Trace) int { return b.Start.Compare(a.Start) })
	return out
}

// InTrace returns the spans of one trace, and of the traces linked to it
// (a feed consumer's span links to the producer's), in start order.
func InTrace(spans []Span, id string) []Span {
	ids := map[string]bool{id: true}
	for _, s := range spans {
		for _, l := range s.Links {
			if l.TraceID == id {
				ids[s.TraceID] = true
			}
		}
	}
	var out []Span
	for _, s := range spans {
		if ids[s.TraceID] {
			out = append(out, s)
		}
	}
	slices.SortFunc(out, func(a, b Span) int { return a.Start.Compare(b.Start) })
	return out
}
