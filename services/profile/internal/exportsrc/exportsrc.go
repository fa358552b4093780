// Package exportsrc holds the sources of an access export: customer-profile's
// own document, read through the archive, and the document of each other
// service, asked for over gRPC. Each document is the protojson form of the
// service's own API message, so the API reference documents its fields.
package exportsrc

import (
	"context"
	"fmt"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"

	customerv1 "github.com/opencrm/crm/gen/go/crm/customer/v1"
	interactionv1 "github.com/opencrm/crm/gen/go/crm/interaction/v1"
	loyaltyv1 "github.com/opencrm/crm/gen/go/crm/loyalty/v1"
	segmentationv1 "github.com/opencrm/crm/gen/go/crm/segmentation/v1"
	"github.com/opencrm/crm/pkg/resname"
	"github.com/opencrm/crm/services/profile/internal/archive"
	"github.com/opencrm/crm/services/profile/internal/customerpb"
	"github.com/opencrm/crm/services/profile/internal/exports"
)

// MaxMessage bounds a service's answer: a document is kept in one
// database document, so it cannot be much larger anyway.
const MaxMessage = 16 << 20

var marshal = protojson.MarshalOptions{UseProtoNames: true}

// Profile is customer-profile's own document: CustomerDataExport.
type Profile struct {
	Archive *archive.Archive
	Name    string
}

var _ exports.Source = Profile{}

// Service implements exports.Source.
func (p Profile) Service() string { return p.Name }

// Collect implements exports.Source.
func (p Profile) Collect(ctx context.Context, ids []string) ([]byte, error) {
	x, err := p.Archive.Export(ctx, ids)
	if err != nil {
		return nil, err
	}
	doc := &customerv1.CustomerDataExport{}
	for _, c := range x.Customers {
		e := &customerv1.ExportedCustomer{Customer: customerpb.ToProto(c.Customer)}
		for _, ch := range c.ConsentHistory {
			e.ConsentHistory = append(e.ConsentHistory, customerpb.ConsentChangeToProto(ch))
		}
		doc.Customers = append(doc.Customers, e)
	}
	for _, m := range x.Merges {
		doc.Merges = append(doc.Merges, customerpb.MergeToProto(m))
	}
	return encode(doc)
}

// Peer is another service's document, from its ExportCustomer method.
type Peer struct {
	Name string
	// Timeout bounds one call.
	Timeout time.Duration
	call    func(ctx context.Context, names []string, opts ...grpc.CallOption) (proto.Message, error)
}

var _ exports.Source = Peer{}

// Service implements exports.Source.
func (p Peer) Service() string { return p.Name }

// Collect implements exports.Source.
func (p Peer) Collect(ctx context.Context, ids []string) ([]byte, error) {
	names := make([]string, len(ids))
	for n, id := range ids {
		names[n] = resname.Customers.Format(id)
	}
	ctx, cancel := context.WithTimeout(ctx, p.Timeout)
	defer cancel()
	m, err := p.call(ctx, names, grpc.MaxCallRecvMsgSize(MaxMessage))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", p.Name, err)
	}
	return encode(m)
}

// Interaction is interaction-log's document: its ExportCustomerResponse.
func Interaction(name string, conn grpc.ClientConnInterface, timeout time.Duration) Peer {
	c := interactionv1.NewInteractionServiceClient(conn)
	return Peer{Name: name, Timeout: timeout, call: func(ctx context.Context, names []string, opts ...grpc.CallOption) (proto.Message, error) {
		return c.ExportCustomer(ctx, &interactionv1.ExportCustomerRequest{Customers: names}, opts...)
	}}
}

// Segmentation is segmentation's document: its ExportCustomerResponse.
func Segmentation(name string, conn grpc.ClientConnInterface, timeout time.Duration) Peer {
	c := segmentationv1.NewSegmentationServiceClient(conn)
	return Peer{Name: name, Timeout: timeout, call: func(ctx context.Context, names []string, opts ...grpc.CallOption) (proto.Message, error) {
		return c.ExportCustomer(ctx, &segmentationv1.ExportCustomerRequest{Customers: names}, opts...)
	}}
}

// Loyalty is loyalty's document: its ExportCustomerResponse.
func Loyalty(name string, conn grpc.ClientConnInterface, timeout time.Duration) Peer {
	c := loyaltyv1.NewLoyaltyServiceClient(conn)
	return Peer{Name: name, Timeout: timeout, call: func(ctx context.Context, names []string, opts ...grpc.CallOption) (proto.Message, error) {
		return c.ExportCustomer(ctx, &loyaltyv1.ExportCustomerRequest{Customers: names}, opts...)
	}}
}

func encode(m proto.Message) ([]byte, error) {
	b, err := marshal.Marshal(m)
	if err != nil {
		return nil, fmt.Errorf("encode document: %w", err)
	}
	return b, nil
}
