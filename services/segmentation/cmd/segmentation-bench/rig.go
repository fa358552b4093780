package main

import (
	"context"
	"crypto/rand"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/timestamppb"

	customerv1 "github.com/opencrm/crm/gen/go/crm/customer/v1"
	interactionv1 "github.com/opencrm/crm/gen/go/crm/interaction/v1"
	segmentationv1 "github.com/opencrm/crm/gen/go/crm/segmentation/v1"
	typev1 "github.com/opencrm/crm/gen/go/crm/type/v1"
	"github.com/opencrm/crm/pkg/auth"
	"github.com/opencrm/crm/pkg/config"
	"github.com/opencrm/crm/pkg/embedded"
	"github.com/opencrm/crm/pkg/feed"
	"github.com/opencrm/crm/pkg/mongox"
	"github.com/opencrm/crm/pkg/server"
	interaction "github.com/opencrm/crm/services/interaction/service"
	profile "github.com/opencrm/crm/services/profile/service"
	segmentation "github.com/opencrm/crm/services/segmentation/service"
)

// rig is the platform's data path in this process: the embedded database
// kept in a folder (SQLite files, or a private PostgreSQL cluster beside
// them, or a PostgreSQL server given by URL), customer-profile and
// interaction-log, and segmentation, which starts and stops on its own so
// that a backlog can wait for it.
type rig struct {
	// timeouts are the services' settings of their calls to one another
	// (empty: the defaults).
	timeouts map[string]string
	dir      string
	pg       *embedded.Cluster
	db       *embedded.Server
	secret   []byte
	prof     *server.Running
	inter    *server.Running
	seg      *server.Running
	mongo    *mongo.Client
	logFiles []*os.File // the services' logs
	conns    []*grpc.ClientConn
	ctx      context.Context // carries the bench's token
	people   customerv1.CustomerServiceClient
	logs     interactionv1.InteractionServiceClient
	segs     segmentationv1.SegmentationServiceClient
}

const (
	profileDB      = "bench_profile"
	interactionDB  = "bench_interaction"
	segmentationDB = "bench_segmentation"
)

// openRig starts the database kept in dir and the two producers. Patient,
// the services give one another 30 s per call instead of their default
// (preparing on a busy machine, where a check of 500 items' customers can
// take longer than the default 2 s).
func openRig(ctx context.Context, dir, backend, pgURL string, patient bool) (*rig, error) {
	r := &rig{dir: dir, secret: []byte(rand.Text() + rand.Text()), timeouts: map[string]string{}}
	if patient {
		r.timeouts = map[string]string{"CRM_PROFILE_TIMEOUT": "30s", "CRM_INTERACTION_TIMEOUT": "30s"}
	}
	ok := false
	defer func() {
		if !ok {
			r.close()
		}
	}()
	if backend == "postgresql" && pgURL == "" {
		pg, err := embedded.StartPostgreSQL(ctx, filepath.Join(dir, "pg"))
		if err != nil {
			return nil, err
		}
		r.pg, pgURL = pg, pg.URL()
	}
	db, err := embedded.Start(ctx, filepath.Join(dir, "db"), embedded.Options{PostgreSQLURL: pgURL})
	if err != nil {
		return nil, err
	}
	r.db = db
	if r.mongo, err = mongox.Connect(ctx, r.mongoCfg(interactionDB), nil); err != nil {
		return nil, err
	}
	if r.prof, err = r.start(ctx, profile.Name, profileDB, profile.Setup(config.FromMap(nil))); err != nil {
		return nil, err
	}
	if r.inter, err = r.start(ctx, interaction.Name, interactionDB, interaction.Setup(config.FromMap(r.env(map[string]string{
		"CRM_PROFILE_ADDR": r.prof.Addr(), "CRM_PROFILE_TOKEN": r.serviceToken()})))); err != nil {
		return nil, err
	}
	token, err := auth.Mint(r.secret, "bench", auth.AllScopes(), 24*time.Hour, "", "")
	if err != nil {
		return nil, err
	}
	r.ctx = metadata.AppendToOutgoingContext(ctx, "authorization", "Bearer "+token)
	pc, err := r.dial(r.prof.Addr())
	if err != nil {
		return nil, err
	}
	ic, err := r.dial(r.inter.Addr())
	if err != nil {
		return nil, err
	}
	r.people, r.logs = customerv1.NewCustomerServiceClient(pc), interactionv1.NewInteractionServiceClient(ic)
	ok = true
	return r, nil
}

// env adds the rig's timeouts to a service's settings.
func (r *rig) env(m map[string]string) map[string]string {
	for k, v := range r.timeouts {
		m[k] = v
	}
	return m
}

func (r *rig) mongoCfg(database string) mongox.Config {
	return mongox.Config{URI: r.db.URI(), Database: database, Mode: mongox.ModeEmbedded, MaxPoolSize: 1, ConnectTimeout: 10 * time.Second}
}

func (r *rig) serviceToken() string {
	t, _ := auth.Mint(r.secret, "service", []string{"customers.read", "customers.events", "interactions.events"}, 24*time.Hour, "", "")
	return t
}

func (r *rig) start(ctx context.Context, name, database string, setup server.Setup) (*server.Running, error) {
	// The services' logs go beside the folder, which a run removes.
	logs, err := os.OpenFile(r.dir+"-"+name+".log", os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil, err
	}
	r.logFiles = append(r.logFiles, logs)
	s, err := server.Start(ctx, server.Config{Service: name, ListenAddr: "127.0.0.1:0", Auth: auth.Config{HMACSecret: r.secret}, PageTokenKey: r.secret,
		ShutdownTimeout: 10 * time.Second, Mongo: r.mongoCfg(database), LogLevel: slog.LevelWarn}, setup, server.Options{LogOutput: logs})
	if err != nil {
		return nil, fmt.Errorf("start %s: %w", name, err)
	}
	<-s.Ready()
	return s, nil
}

func (r *rig) dial(addr string) (*grpc.ClientConn, error) {
	c, err := grpc.NewClient(addr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		return nil, err
	}
	r.conns = append(r.conns, c)
	return c, nil
}

// startSegmentation starts segmentation, whose consumers begin at once.
func (r *rig) startSegmentation(ctx context.Context) error {
	seg, err := r.start(ctx, segmentation.Name, segmentationDB, segmentation.Setup(config.FromMap(r.env(map[string]string{
		"CRM_PROFILE_ADDR": r.prof.Addr(), "CRM_PROFILE_TOKEN": r.serviceToken(),
		"CRM_INTERACTION_ADDR": r.inter.Addr(), "CRM_INTERACTION_TOKEN": r.serviceToken(), "CRM_SEGMENTATION_CURRENCY": "EUR"}))))
	if err != nil {
		return err
	}
	r.seg = seg
	c, err := r.dial(seg.Addr())
	if err != nil {
		return err
	}
	r.segs = segmentationv1.NewSegmentationServiceClient(c)
	return nil
}

func (r *rig) close() {
	for _, c := range r.conns {
		_ = c.Close()
	}
	for _, s := range []*server.Running{r.seg, r.inter, r.prof} {
		if s != nil {
			_ = s.Stop()
		}
	}
	if r.mongo != nil {
		_ = r.mongo.Disconnect(context.Background())
	}
	if r.db != nil {
		r.db.Stop()
	}
	if r.pg != nil {
		r.pg.Stop()
	}
	for _, f := range r.logFiles {
		_ = f.Close()
	}
}

// lag returns interaction-log's feed head and the sequence segmentation's
// consumer has stored as applied.
func (r *rig) lag(ctx context.Context) (head, cursor int64, err error) {
	if head, err = feed.NewProducer(r.mongo.Database(interactionDB)).LastSequence(ctx); err != nil {
		return 0, 0, err
	}
	var c struct {
		Seq int64 `bson:"seq"`
	}
	err = r.mongo.Database(segmentationDB).Collection(feed.CursorsCollection).FindOne(ctx, bson.D{{Key: "_id", Value: "interaction-log"}}).Decode(&c)
	if mongox.IsNotFound(err) {
		err = nil
	}
	return head, c.Seq, err
}

// caughtUp waits until segmentation has applied interaction-log's whole feed,
// printing progress, and returns when it saw the cursor reach the head.
func (r *rig) caughtUp(ctx context.Context, what string) (time.Time, error) {
	last := time.Now()
	for {
		head, cur, err := r.lag(ctx)
		if err != nil {
			return time.Time{}, err
		}
		if cur >= head {
			return time.Now(), nil
		}
		if time.Since(last) > 15*time.Second {
			fmt.Fprintf(os.Stderr, "%s: segmentation at %d of %d\n", what, cur, head)
			last = time.Now()
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// createCustomers creates n customers with callers concurrent calls and
// returns their names in order.
func (r *rig) createCustomers(n, callers int, label string, then func(name string) error) ([]string, error) {
	names := make([]string, n)
	err := parallel(n, callers, func(i int) error {
		// No request id: on the SQLite backend each one's completion reads
		// the whole table of request ids (see BENCHMARKS.md); a retry after
		// a timeout may leave an extra customer, which changes nothing here.
		req := &customerv1.CreateCustomerRequest{Customer: &customerv1.Customer{Kind: customerv1.CustomerKind_CUSTOMER_KIND_PERSON,
			DisplayName: fmt.Sprintf("%s %d", label, i)}}
		return retry(func() error {
			resp, err := r.people.CreateCustomer(r.ctx, req)
			if err != nil {
				return err
			}
			names[i] = resp.GetCustomer().GetName()
			return nil
		})
	})
	if err != nil || then == nil {
		return names, err
	}
	return names, parallel(n, callers, func(i int) error { return retry(func() error { return then(names[i]) }) })
}

// retry calls fn until it succeeds or fails with other than a timeout or
// unavailability, up to five times: on a loaded machine a service's
// call to another can miss its deadline.
func retry(fn func() error) error {
	var err error
	for try := range 5 {
		if err = fn(); err == nil {
			return nil
		}
		if c := status.Code(err); c != codes.DeadlineExceeded && c != codes.Unavailable {
			return err
		}
		retries.Add(1)
		time.Sleep(time.Duration(try+1) * time.Second)
	}
	return err
}

// retries counts the calls retry made again.
var retries atomic.Int64

// parallel runs fn(0..n-1) on callers goroutines and returns the first
// error.
func parallel(n, callers int, fn func(i int) error) error {
	var wg sync.WaitGroup
	var mu sync.Mutex
	var first error
	for w := range callers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; i < n; i += callers {
				if err := fn(i); err != nil {
					mu.Lock()
					if first == nil {
						first = err
					}
					mu.Unlock()
					return
				}
			}
		}()
	}
	wg.Wait()
	return first
}

// ingest streams items through IngestInteractions in messages of 500, one
// stream per 20 messages. A stream that fails, or whose items fail, is
// sent again (the items' source record ids make that safe): on a loaded machine
// interaction-log's check of the customers against customer-profile can
// miss its deadline.
func (r *rig) ingest(items []*interactionv1.LogInteractionRequest) error {
	const msg, perStream = 500, 20
	for len(items) > 0 {
		n := min(msg*perStream, len(items))
		var err error
		for try := range 5 {
			if err = r.ingestStream(items[:n]); err == nil {
				break
			}
			fmt.Fprintf(os.Stderr, "ingest, try %d: %v\n", try+1, err)
			time.Sleep(2 * time.Second)
		}
		if err != nil {
			return err
		}
		items = items[n:]
	}
	return nil
}

func (r *rig) ingestStream(items []*interactionv1.LogInteractionRequest) error {
	const msg = 500
	stream, err := r.logs.IngestInteractions(r.ctx)
	if err != nil {
		return err
	}
	for len(items) > 0 {
		n := min(msg, len(items))
		if err := stream.Send(&interactionv1.IngestInteractionsRequest{Requests: items[:n]}); err != nil {
			_, err = stream.CloseAndRecv()
			return fmt.Errorf("ingest: %w", err)
		}
		items = items[n:]
	}
	resp, err := stream.CloseAndRecv()
	if err != nil {
		return fmt.Errorf("ingest: %w", err)
	}
	if resp.GetFailed() > 0 {
		return fmt.Errorf("ingest: %d items failed, the first: %v", resp.GetFailed(), resp.GetFailures()[0])
	}
	return nil
}

// purchase is a logged purchase of customer.
func purchase(customer, order string, units int64, web bool, at time.Time) *interactionv1.LogInteractionRequest {
	ch := interactionv1.Channel_CHANNEL_SERVICE_CENTRE
	if web {
		ch = interactionv1.Channel_CHANNEL_WEB
	}
	return &interactionv1.LogInteractionRequest{Interaction: &interactionv1.Interaction{
		Customer: customer, Channel: ch, Direction: interactionv1.Direction_DIRECTION_INBOUND,
		Kind: interactionv1.InteractionKind_INTERACTION_KIND_PURCHASE, OccurTime: timestamppb.New(at),
		Purchase: &interactionv1.Purchase{OrderId: order, Amount: &typev1.Money{CurrencyCode: "EUR", Units: units}}}}
}

// historyItem is the k-th event of the earlier history, of customers
// other than the measured ones: four in ten purchases (in US dollars, a
// currency no program of the benchmark's is in), the rest enquiries,
// support contacts, feedback and marketing touches.
func historyItem(k int, customers []string, at time.Time) *interactionv1.LogInteractionRequest {
	c := customers[k%len(customers)]
	if k%10 < 4 {
		p := purchase(c, fmt.Sprint("h-", k), int64(5+k%200), k%2 == 0, at)
		p.Interaction.Purchase.Amount.CurrencyCode = "USD"
		p.Interaction.SourceSystem, p.Interaction.ExternalId = "bench", fmt.Sprint("h-", k)
		return p
	}
	kinds := []interactionv1.InteractionKind{interactionv1.InteractionKind_INTERACTION_KIND_INQUIRY, interactionv1.InteractionKind_INTERACTION_KIND_SUPPORT,
		interactionv1.InteractionKind_INTERACTION_KIND_FEEDBACK, interactionv1.InteractionKind_INTERACTION_KIND_MARKETING_TOUCH}
	channels := []interactionv1.Channel{interactionv1.Channel_CHANNEL_EMAIL, interactionv1.Channel_CHANNEL_PHONE, interactionv1.Channel_CHANNEL_WEB, interactionv1.Channel_CHANNEL_EMAIL}
	dir := interactionv1.Direction_DIRECTION_INBOUND
	if k%10 == 9 {
		dir = interactionv1.Direction_DIRECTION_OUTBOUND
	}
	return &interactionv1.LogInteractionRequest{Interaction: &interactionv1.Interaction{
		Customer: c, Channel: channels[k%4], Direction: dir, Kind: kinds[(k%10-4)%4], OccurTime: timestamppb.New(at),
		Summary: "history", SourceSystem: "bench", ExternalId: fmt.Sprint("h-", k)}}
}

// copyTree copies a prepared folder to a run's folder, keeping owners
// and modes (a private cluster's files belong to the postgres user).
func copyTree(from, to string) error {
	if err := os.RemoveAll(to); err != nil {
		return err
	}
	out, err := exec.Command("cp", "-a", from, to).CombinedOutput()
	if err != nil {
		return fmt.Errorf("copy %s to %s: %w: %s", from, to, err, strings.TrimSpace(string(out)))
	}
	return nil
}
