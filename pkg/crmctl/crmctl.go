// Package crmctl is the command-line client for people: every operation a
// person does on the platform's four services, with readable tables by
// default and JSON with -json. Errors are one line naming the field or the
// reason, with a non-zero exit. Configuration comes from flags and the
// environment (addresses, token, TLS).
package crmctl

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"

	customerv1 "github.com/opencrm/crm/gen/go/crm/customer/v1"
	interactionv1 "github.com/opencrm/crm/gen/go/crm/interaction/v1"
	loyaltyv1 "github.com/opencrm/crm/gen/go/crm/loyalty/v1"
	segmentationv1 "github.com/opencrm/crm/gen/go/crm/segmentation/v1"
)

// Env looks up an environment variable (os.LookupEnv in the binary).
type Env func(string) (string, bool)

// usage is the command list.
const usage = `usage: crmctl [flags] <command> [arguments]

customers   create -name N [-email E] [-phone P] [-country CC] | show ID | list | search QUERY
            update ID [-name N] [-owner O] [-tags a,b] | merge SURVIVOR LOSER | erase ID -reason R
interactions log CUSTOMER -kind K [-channel C] [-amount 49.90 -currency EUR -order O] [-subject S]
            [-refund-of INTERACTION] [-priority high] | timeline CUSTOMER
cases       list [-overdue] [-status S] | move CASE -to in_progress|resolved|closed|open -note N
segments    report [-svg FILE] [-html FILE] | recompute | list | create ID RULE [-name N]
            | members SEGMENT | customer CUSTOMER | preview RULE
loyalty     account PROGRAM CUSTOMER | statement PROGRAM CUSTOMER | earn PROGRAM CUSTOMER AMOUNT CURRENCY
            | redeem PROGRAM CUSTOMER POINTS | rewards PROGRAM | redeem-reward PROGRAM CUSTOMER REWARD

IDs may be given bare (abc) or as names (customers/abc).

flags (environment):
`

// cli is one invocation.
type cli struct {
	ctx     context.Context
	out     io.Writer
	json    bool
	conns   []*grpc.ClientConn
	profile customerv1.CustomerServiceClient
	inter   interactionv1.InteractionServiceClient
	seg     segmentationv1.SegmentationServiceClient
	loy     loyaltyv1.LoyaltyServiceClient
}

// Run runs crmctl with args (without the program name) and returns the
// exit code.
func Run(ctx context.Context, args []string, env Env, stdout, stderr io.Writer) int {
	if err := run(ctx, args, env, stdout, stderr); err != nil {
		fmt.Fprintln(stderr, "crmctl: "+describe(err))
		return 1
	}
	return 0
}

func get(env Env, name, def string) string {
	if v, ok := env(name); ok && v != "" {
		return v
	}
	return def
}

func run(ctx context.Context, args []string, env Env, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("crmctl", flag.ContinueOnError)
	fs.SetOutput(stderr)
	profileAddr := fs.String("profile-addr", get(env, "CRM_PROFILE_ADDR", "127.0.0.1:50051"), "customer-profile address (CRM_PROFILE_ADDR)")
	interactionAddr := fs.String("interaction-addr", get(env, "CRM_INTERACTION_ADDR", "127.0.0.1:50052"), "interaction-log address (CRM_INTERACTION_ADDR)")
	segmentationAddr := fs.String("segmentation-addr", get(env, "CRM_SEGMENTATION_ADDR", "127.0.0.1:50053"), "segmentation address (CRM_SEGMENTATION_ADDR)")
	loyaltyAddr := fs.String("loyalty-addr", get(env, "CRM_LOYALTY_ADDR", "127.0.0.1:50054"), "loyalty address (CRM_LOYALTY_ADDR)")
	token := fs.String("token", get(env, "CRM_TOKEN", ""), "bearer token (CRM_TOKEN)")
	tokenFile := fs.String("token-file", get(env, "CRM_TOKEN_FILE", ""), "file holding the bearer token (CRM_TOKEN_FILE)")
	useTLS := fs.Bool("tls", get(env, "CRM_TLS", "") == "true", "use TLS (CRM_TLS=true)")
	caFile := fs.String("ca", get(env, "CRM_TLS_CA", ""), "PEM file of the CA that signed the servers' certificates (CRM_TLS_CA)")
	asJSON := fs.Bool("json", false, "print JSON instead of tables")
	timeout := fs.Duration("timeout", 30*time.Second, "deadline of each command")
	fs.Usage = func() {
		fmt.Fprint(stderr, usage)
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() < 2 {
		fs.Usage()
		return errors.New("give a command and what to do, for example: crmctl customers list")
	}
	tok := *token
	if tok == "" && *tokenFile != "" {
		b, err := os.ReadFile(*tokenFile)
		if err != nil {
			return fmt.Errorf("read the token file: %w", err)
		}
		tok = strings.TrimSpace(string(b))
	}
	if tok == "" {
		return errors.New("no token: set CRM_TOKEN or -token (the local runner prints one)")
	}
	creds := insecure.NewCredentials()
	if *useTLS {
		cfg := &tls.Config{MinVersion: tls.VersionTLS12}
		if *caFile != "" {
			pem, err := os.ReadFile(*caFile)
			if err != nil {
				return fmt.Errorf("read the CA file: %w", err)
			}
			cfg.RootCAs = x509.NewCertPool()
			if !cfg.RootCAs.AppendCertsFromPEM(pem) {
				return fmt.Errorf("no certificate in %s", *caFile)
			}
		}
		creds = credentials.NewTLS(cfg)
	}
	ctx, cancel := context.WithTimeout(metadata.AppendToOutgoingContext(ctx, "authorization", "Bearer "+tok), *timeout)
	defer cancel()
	c := &cli{ctx: ctx, out: stdout, json: *asJSON}
	defer func() {
		for _, conn := range c.conns {
			_ = conn.Close()
		}
	}()
	dial := func(addr string) (*grpc.ClientConn, error) {
		conn, err := grpc.NewClient(addr, grpc.WithTransportCredentials(creds))
		if err == nil {
			c.conns = append(c.conns, conn)
		}
		return conn, err
	}
	var err error
	var pc, ic, sc, lc *grpc.ClientConn
	if pc, err = dial(*profileAddr); err != nil {
		return err
	}
	if ic, err = dial(*interactionAddr); err != nil {
		return err
	}
	if sc, err = dial(*segmentationAddr); err != nil {
		return err
	}
	if lc, err = dial(*loyaltyAddr); err != nil {
		return err
	}
	c.profile, c.inter = customerv1.NewCustomerServiceClient(pc), interactionv1.NewInteractionServiceClient(ic)
	c.seg, c.loy = segmentationv1.NewSegmentationServiceClient(sc), loyaltyv1.NewLoyaltyServiceClient(lc)
	group, verb, rest := fs.Arg(0), fs.Arg(1), fs.Args()[2:]
	switch group {
	case "customers":
		return c.customers(verb, rest)
	case "interactions":
		return c.interactions(verb, rest)
	case "cases":
		return c.cases(verb, rest)
	case "segments":
		return c.segments(verb, rest)
	case "loyalty":
		return c.loyalty(verb, rest)
	}
	return fmt.Errorf("unknown command %q: customers, interactions, cases, segments or loyalty", group)
}

// describe turns an error into one line: the status code and message,
// the offending field and the reason when the server gave them.
func describe(err error) string {
	st, ok := status.FromError(err)
	if !ok {
		return err.Error()
	}
	line := st.Code().String() + ": " + st.Message()
	for _, d := range st.Details() {
		switch x := d.(type) {
		case *errdetails.BadRequest:
			for _, v := range x.GetFieldViolations() {
				if !strings.Contains(line, v.GetField()) {
					line += " (field " + v.GetField() + ")"
				}
			}
		case *errdetails.ErrorInfo:
			if x.GetReason() != "" && x.GetReason() != "INVALID_FIELD" {
				line += " [" + x.GetReason()
				for k, v := range x.GetMetadata() {
					line += " " + k + "=" + v
				}
				line += "]"
			}
		}
	}
	return line
}

// name makes a resource name of a bare id.
func name(kind, id string) string {
	if strings.HasPrefix(id, kind+"/") {
		return id
	}
	return kind + "/" + id
}

// emit prints a response as JSON, or calls table.
func (c *cli) emit(m proto.Message, table func()) error {
	if c.json {
		b, err := protojson.Marshal(m)
		if err != nil {
			return err
		}
		// Re-indented by encoding/json: protojson varies its spacing on
		// purpose, and scripts deserve the same bytes every time.
		var out bytes.Buffer
		if err := json.Indent(&out, b, "", "  "); err != nil {
			return err
		}
		_, err = fmt.Fprintln(c.out, out.String())
		return err
	}
	table()
	return nil
}

// parse parses a subcommand's flags, allowing them after positional
// arguments too; it returns the positional arguments.
func parse(fs *flag.FlagSet, args []string, want int, what string) ([]string, error) {
	fs.SetOutput(io.Discard)
	var pos []string
	for len(args) > 0 {
		if err := fs.Parse(args); err != nil {
			return nil, fmt.Errorf("%s: %w", what, err)
		}
		args = fs.Args()
		if len(args) > 0 {
			pos = append(pos, args[0])
			args = args[1:]
		}
	}
	if len(pos) != want {
		return nil, fmt.Errorf("usage: %s", what)
	}
	return pos, nil
}
