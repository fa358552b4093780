// Package api is interaction-log's gRPC surface: it decodes requests, calls
// the logbook, and encodes results; validation, authorisation and error
// mapping are the shared interceptors' work.
package api

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"time"

	"google.golang.org/protobuf/types/known/timestamppb"

	feedv1 "github.com/opencrm/crm/gen/go/crm/feed/v1"
	interactionv1 "github.com/opencrm/crm/gen/go/crm/interaction/v1"
	"github.com/opencrm/crm/pkg/feed"
	"github.com/opencrm/crm/pkg/idempotency"
	"github.com/opencrm/crm/pkg/pagetoken"
	"github.com/opencrm/crm/pkg/resname"
	"github.com/opencrm/crm/pkg/server"
	"github.com/opencrm/crm/services/interaction/internal/logbook"
	"github.com/opencrm/crm/services/interaction/internal/record"
	"github.com/opencrm/crm/services/interaction/internal/recordpb"
)

const defaultPage = 50

// Handler implements interactionv1.InteractionServiceServer.
type Handler struct {
	interactionv1.UnimplementedInteractionServiceServer
	book  *logbook.Logbook
	keys  *idempotency.Store
	pages *pagetoken.Codec
	feed  *feed.Producer
	log   *slog.Logger
}

var _ interactionv1.InteractionServiceServer = (*Handler)(nil)

// New returns the handler of the logbook's use cases; keys keeps the
// responses of idempotent requests, pages signs page tokens, events serves
// the interaction feed, and log records failures callers do not see.
func New(book *logbook.Logbook, keys *idempotency.Store, pages *pagetoken.Codec, events *feed.Producer, log *slog.Logger) *Handler {
	return &Handler{book: book, keys: keys, pages: pages, feed: events, log: log}
}

func item(req *interactionv1.LogInteractionRequest, prefix string) logbook.Item {
	i, err := recordpb.FromProto(req.GetInteraction(), prefix)
	it := logbook.Item{Interaction: i, RequestID: req.GetRequestId(), Err: err}
	if it.RequestID != "" {
		var herr error
		if it.RequestHash, herr = idempotency.Hash(logbook.LogMethod, req); herr != nil {
			it.Err = herr
		}
	}
	return it
}

// LogInteraction implements the API method. It is a batch of one: the
// request id is kept where BatchLogInteractions and IngestInteractions keep
// theirs.
func (h *Handler) LogInteraction(ctx context.Context, req *interactionv1.LogInteractionRequest) (*interactionv1.LogInteractionResponse, error) {
	res, err := h.book.Log(ctx, []logbook.Item{item(req, "interaction")}, func(int) string { return "interaction" })
	if err != nil {
		return nil, err
	}
	if res[0].Err != nil {
		return nil, res[0].Err
	}
	return &interactionv1.LogInteractionResponse{Interaction: res[0].Interaction}, nil
}

// BatchLogInteractions implements the API method.
func (h *Handler) BatchLogInteractions(ctx context.Context, req *interactionv1.BatchLogInteractionsRequest) (*interactionv1.BatchLogInteractionsResponse, error) {
	prefix := func(n int) string { return fmt.Sprintf("requests[%d].interaction", n) }
	items := make([]logbook.Item, len(req.GetRequests()))
	for n, r := range req.GetRequests() {
		items[n] = item(r, prefix(n))
	}
	res, err := h.book.Log(ctx, items, prefix)
	if err != nil {
		return nil, err
	}
	out := &interactionv1.BatchLogInteractionsResponse{Results: make([]*interactionv1.ItemResult, len(res))}
	for n, r := range res {
		out.Results[n] = h.itemResult(ctx, n, r)
	}
	return out, nil
}

func (h *Handler) itemResult(ctx context.Context, index int, r logbook.Result) *interactionv1.ItemResult {
	ir := &interactionv1.ItemResult{Index: int32(index)} //nolint:gosec // the request validation caps a batch at 500 items
	if r.Err == nil {
		ir.Interaction = r.Interaction
		return ir
	}
	f := server.Describe(r.Err)
	if f.Internal {
		h.log.ErrorContext(ctx, "item failed", "index", index, "error", r.Err)
	}
	ir.Error = &interactionv1.ItemError{Code: int32(f.Code), //nolint:gosec // gRPC codes are 0 to 16
		Message: f.Message, Field: f.Field, Reason: f.Reason}
	return ir
}

// maxListedFailures bounds the failures an ingest response lists.
const maxListedFailures = 1000

// IngestInteractions implements the API method. Each message is checked
// against customer-profile and encoded while the one before it is stored;
// messages are stored one at a time, in order.
func (h *Handler) IngestInteractions(stream interactionv1.InteractionService_IngestInteractionsServer) error {
	ctx := stream.Context()
	type message struct {
		batch *logbook.Prepared
		base  int
	}
	queue := make(chan message, 1)
	stored := make(chan error, 1)
	resp := &interactionv1.IngestInteractionsResponse{} // the storing goroutine's until it ends
	go func() {
		defer close(stored)
		for m := range queue {
			res, err := h.book.Commit(ctx, m.batch)
			if err != nil {
				stored <- fmt.Errorf("ingest after %d items (%d accepted): %w", m.base, resp.GetAccepted(), err)
				return
			}
			for n, r := range res {
				if r.Err == nil {
					resp.Accepted++
					continue
				}
				resp.Failed++
				if len(resp.GetFailures()) < maxListedFailures {
					resp.Failures = append(resp.Failures, h.itemResult(ctx, m.base+n, r))
				}
			}
		}
	}()
	err := h.receive(stream, func(items []logbook.Item, base int, prefix func(int) string) error {
		select {
		case queue <- message{batch: h.book.Prepare(ctx, items, prefix), base: base}:
			return nil
		case err := <-stored:
			return err
		}
	})
	close(queue)
	if serr := <-stored; serr != nil {
		return serr
	}
	if err != nil {
		return err
	}
	return stream.SendAndClose(resp)
}

// receive hands each message's items to next, numbered from the start of
// the stream, until the client closes it or next fails.
func (h *Handler) receive(stream interactionv1.InteractionService_IngestInteractionsServer, next func(items []logbook.Item, base int, prefix func(int) string) error) error {
	base := 0
	for {
		msg, err := stream.Recv()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
		from := base
		prefix := func(n int) string { return fmt.Sprintf("requests[%d].interaction", from+n) }
		items := make([]logbook.Item, len(msg.GetRequests()))
		for n, r := range msg.GetRequests() {
			items[n] = item(r, prefix(n))
		}
		if err := next(items, from, prefix); err != nil {
			return err
		}
		base += len(items)
	}
}

// GetInteraction implements the API method.
func (h *Handler) GetInteraction(ctx context.Context, req *interactionv1.GetInteractionRequest) (*interactionv1.GetInteractionResponse, error) {
	id, err := record.Names.Parse("name", req.GetName())
	if err != nil {
		return nil, err
	}
	i, err := h.book.Get(ctx, id)
	if err != nil {
		return nil, err
	}
	return &interactionv1.GetInteractionResponse{Interaction: recordpb.ToProto(i)}, nil
}

func timePtr(ts *timestamppb.Timestamp) *time.Time {
	if ts == nil {
		return nil
	}
	t := ts.AsTime()
	return &t
}

// ListInteractions implements the API method.
func (h *Handler) ListInteractions(ctx context.Context, req *interactionv1.ListInteractionsRequest) (*interactionv1.ListInteractionsResponse, error) {
	customer, err := resname.Customers.Parse("customer", req.GetCustomer())
	if err != nil {
		return nil, err
	}
	f := record.Filter{
		CustomerID: customer,
		Channel:    int32(req.GetChannel()), Kind: int32(req.GetKind()),
		From: timePtr(req.GetOccurTimeFrom()), To: timePtr(req.GetOccurTimeTo()),
		Tag: strings.ToLower(strings.TrimSpace(req.GetTag())),
	}
	page, next, err := pagetoken.Page(h.pages, req, defaultPage, func(after *record.After, limit int64) ([]*record.Interaction, error) {
		return h.book.Timeline(ctx, f, after, int(limit))
	}, record.PositionOf)
	if err != nil {
		return nil, err
	}
	resp := &interactionv1.ListInteractionsResponse{NextPageToken: next}
	for _, i := range page {
		resp.Interactions = append(resp.Interactions, recordpb.ToProto(i))
	}
	return resp, nil
}

// UpdateInteraction implements the API method.
func (h *Handler) UpdateInteraction(ctx context.Context, req *interactionv1.UpdateInteractionRequest) (*interactionv1.UpdateInteractionResponse, error) {
	return idempotency.Do(ctx, h.keys, "UpdateInteraction", req.GetRequestId(), req, func(ctx context.Context) (*interactionv1.UpdateInteractionResponse, string, error) {
		id, err := record.Names.Parse("interaction.name", req.GetInteraction().GetName())
		if err != nil {
			return nil, "", err
		}
		patch := record.Interaction{Summary: req.GetInteraction().GetSummary(), Outcome: req.GetInteraction().GetOutcome(), Tags: req.GetInteraction().GetTags()}
		i, err := h.book.Update(ctx, id, patch, req.GetUpdateMask().GetPaths(), req.GetInteraction().GetEtag())
		if err != nil {
			return nil, "", err
		}
		return &interactionv1.UpdateInteractionResponse{Interaction: recordpb.ToProto(i)}, resname.Customers.Format(i.CustomerID), nil
	})
}

// WatchInteractionEvents implements the API method.
func (h *Handler) WatchInteractionEvents(req *interactionv1.WatchInteractionEventsRequest, stream interactionv1.InteractionService_WatchInteractionEventsServer) error {
	return h.feed.Watch(stream.Context(), req.GetAfterSequence(), func(ev *feedv1.Event) error {
		return stream.Send(&interactionv1.WatchInteractionEventsResponse{Event: ev})
	})
}
