// Package crmctl is the command-line client for people: every operation a
// person does on the platform's four services, as commands with help for
// each command and flag, shell completion, and output as a table (the
// default), JSON or CSV. Errors are one line that says what went wrong and
// what to do, with exit status 1. Configuration comes from flags and the
// environment (addresses, token, TLS); the token is never printed.
package crmctl

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/metadata"

	customerv1 "github.com/opencrm/crm/gen/go/crm/customer/v1"
	interactionv1 "github.com/opencrm/crm/gen/go/crm/interaction/v1"
	loyaltyv1 "github.com/opencrm/crm/gen/go/crm/loyalty/v1"
	segmentationv1 "github.com/opencrm/crm/gen/go/crm/segmentation/v1"
)

// Env looks up an environment variable (os.LookupEnv in the binary).
type Env func(string) (string, bool)

// Stdio is what a run reads from and writes to. Interactive says whether
// In is a terminal a person answers questions on: without one, commands
// that ask for confirmation refuse unless given --yes.
type Stdio struct {
	In          io.Reader
	Out, Err    io.Writer
	Interactive bool
}

// cli is one invocation: its settings, then the clients once connected.
type cli struct {
	ctx    context.Context //nolint:containedctx // a cli is one invocation, whose context this is
	env    Env
	io     Stdio
	cancel context.CancelFunc

	// Settings from the root command's flags.
	profileAddr, interactionAddr, segmentationAddr, loyaltyAddr string
	token, tokenFile, caFile                                    string
	useTLS                                                      bool
	output                                                      string
	timeout                                                     time.Duration

	// next is the token of the page after the one shown, for the hint.
	next string

	conns   []*grpc.ClientConn
	profile customerv1.CustomerServiceClient
	inter   interactionv1.InteractionServiceClient
	seg     segmentationv1.SegmentationServiceClient
	loy     loyaltyv1.LoyaltyServiceClient
}

// Run runs crmctl with args (without the program name) and returns the
// exit status: 0 on success (help included), 1 on any error.
func Run(ctx context.Context, args []string, env Env, stdio Stdio) int {
	c := &cli{ctx: ctx, env: env, io: stdio}
	defer c.close()
	root := c.root()
	root.SetArgs(args)
	root.SetIn(stdio.In)
	root.SetOut(stdio.Out)
	root.SetErr(stdio.Err)
	cmd, err := root.ExecuteContextC(ctx)
	if err == nil {
		return 0
	}
	line := describe(err)
	if strings.HasPrefix(line, "required flag(s) ") {
		// cobra's words: `required flag(s) "channel", "kind" not set`.
		var flags []string
		for f := range strings.SplitSeq(strings.TrimSuffix(strings.TrimPrefix(line, "required flag(s) "), " not set"), ", ") {
			flags = append(flags, "--"+strings.Trim(f, `"`))
		}
		line = fmt.Sprintf("%s: give %s (see %s --help)", cmd.CommandPath(), strings.Join(flags, " and "), cmd.CommandPath())
	}
	if !strings.HasPrefix(line, "crmctl") {
		line = "crmctl: " + line
	}
	fmt.Fprintln(stdio.Err, c.redact(line))
	return 1
}

// redact removes the token from a line, should an error ever quote it.
func (c *cli) redact(line string) string {
	if t := c.bearer(); len(t) >= 8 {
		line = strings.ReplaceAll(line, t, "[token]")
	}
	return line
}

// bearer is the token from --token, CRM_TOKEN, --token-file or
// CRM_TOKEN_FILE, in that order, or "" when none is set or readable.
func (c *cli) bearer() string {
	if c.token != "" {
		return c.token
	}
	if v, ok := c.env("CRM_TOKEN"); ok && v != "" {
		return v
	}
	file := c.setting(c.tokenFile, "CRM_TOKEN_FILE", "")
	if file == "" {
		return ""
	}
	b, err := os.ReadFile(file)
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(b))
}

// setting is a flag's value when given, else the environment's, else def.
func (c *cli) setting(flag, env, def string) string {
	if flag != "" {
		return flag
	}
	if v, ok := c.env(env); ok && v != "" {
		return v
	}
	return def
}

const rootLong = `crmctl does what a person does with the customer-management platform:
customers, their interactions and complaint cases, segments and grades,
loyalty accounts and rewards.

Addresses, token and TLS come from flags or the environment:
CRM_PROFILE_ADDR, CRM_INTERACTION_ADDR, CRM_SEGMENTATION_ADDR,
CRM_LOYALTY_ADDR, CRM_TOKEN (or CRM_TOKEN_FILE), CRM_TLS=true, CRM_TLS_CA.
Without them crmctl calls the local runner (go run ./deploy/local), which
prints a token; make another with
  go run ./pkg/cmd/crm-token -secret-file .data/auth-secret -all

IDs may be given bare (abc) or as names (customers/abc).`

// root builds the command tree.
func (c *cli) root() *cobra.Command {
	root := &cobra.Command{
		Use:           "crmctl",
		Short:         "The customer-management platform's command-line client",
		Long:          rootLong,
		SilenceErrors: true,
		SilenceUsage:  true,
		Args:          noCommand,
		RunE:          helpOrUnknown,
	}
	f := root.PersistentFlags()
	f.StringVar(&c.profileAddr, "profile-addr", "", "customer-profile's address (env CRM_PROFILE_ADDR; default 127.0.0.1:50051)")
	f.StringVar(&c.interactionAddr, "interaction-addr", "", "interaction-log's address (env CRM_INTERACTION_ADDR; default 127.0.0.1:50052)")
	f.StringVar(&c.segmentationAddr, "segmentation-addr", "", "segmentation's address (env CRM_SEGMENTATION_ADDR; default 127.0.0.1:50053)")
	f.StringVar(&c.loyaltyAddr, "loyalty-addr", "", "loyalty's address (env CRM_LOYALTY_ADDR; default 127.0.0.1:50054)")
	// The token's flag has no default shown: the value is a secret.
	f.StringVar(&c.token, "token", "", "bearer token (env CRM_TOKEN); prefer the environment or --token-file, which stay out of shell history")
	f.StringVar(&c.tokenFile, "token-file", "", "file holding the bearer token (env CRM_TOKEN_FILE)")
	f.BoolVar(&c.useTLS, "tls", false, "call the services over TLS (env CRM_TLS=true)")
	f.StringVar(&c.caFile, "ca", "", "PEM file of the CA that signed the services' certificates (env CRM_TLS_CA)")
	f.StringVarP(&c.output, "output", "o", "table", "output format: table, json or csv")
	f.DurationVar(&c.timeout, "timeout", 30*time.Second, "deadline of the whole command")
	_ = root.RegisterFlagCompletionFunc("output", fixed("table", "json", "csv"))
	root.SetFlagErrorFunc(flagError)
	root.AddGroup(&cobra.Group{ID: "work", Title: "Commands:"})
	for _, sub := range []*cobra.Command{c.customersCmd(), c.interactionsCmd(), c.casesCmd(), c.segmentsCmd(), c.loyaltyCmd(), c.statusCmd()} {
		sub.GroupID = "work"
		root.AddCommand(sub)
	}
	// The help and completion commands are cobra's own.
	return root
}

// group makes a command that holds others: alone it prints its help, with
// an unknown action it says which ones exist.
func group(use, short string, subs ...*cobra.Command) *cobra.Command {
	g := &cobra.Command{Use: use, Short: short, Args: noCommand, RunE: helpOrUnknown}
	g.AddCommand(subs...)
	return g
}

// noCommand accepts any arguments so that helpOrUnknown can name the
// unknown command itself.
func noCommand(*cobra.Command, []string) error { return nil }

func helpOrUnknown(cmd *cobra.Command, args []string) error {
	if len(args) == 0 {
		return cmd.Help()
	}
	var names []string
	for _, s := range cmd.Commands() {
		if s.IsAvailableCommand() && s.Name() != "help" && s.Name() != "completion" {
			names = append(names, s.Name())
		}
	}
	return fmt.Errorf("%s: unknown command %q; the commands are %s (%s --help)",
		cmd.CommandPath(), args[0], strings.Join(names, ", "), cmd.CommandPath())
}

// flagError turns pflag's complaints into advice: single-dash long flags
// (-name) were crmctl's old style.
func flagError(cmd *cobra.Command, err error) error {
	msg := err.Error()
	if strings.HasPrefix(msg, "unknown shorthand flag") {
		if _, arg, ok := strings.Cut(msg, " in "); ok && len(arg) > 2 && !strings.HasPrefix(arg, "--") {
			return fmt.Errorf("%s: flags take two dashes: --%s (see %s --help)", cmd.CommandPath(), strings.TrimLeft(arg, "-"), cmd.CommandPath())
		}
	}
	return fmt.Errorf("%s: %s (see %s --help)", cmd.CommandPath(), msg, cmd.CommandPath())
}

// fixed completes a flag from a fixed list of values.
func fixed(values ...string) func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
	return func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
		return values, cobra.ShellCompDirectiveNoFileComp
	}
}

// args checks the count of positional arguments and says what they are.
func args(n int, what string) cobra.PositionalArgs {
	return func(cmd *cobra.Command, got []string) error {
		if len(got) != n {
			return fmt.Errorf("%s needs %s (see %s --help)", cmd.CommandPath(), what, cmd.CommandPath())
		}
		return nil
	}
}

// connected wraps a command's action: it checks the output format,
// connects to the services and sets the command's deadline first.
func (c *cli) connected(run func(cmd *cobra.Command, args []string) error) func(*cobra.Command, []string) error {
	return func(cmd *cobra.Command, args []string) error {
		switch c.output {
		case "table", "json", "csv":
		default:
			return fmt.Errorf("--output %q: choose table, json or csv", c.output)
		}
		if err := c.connect(); err != nil {
			return err
		}
		return run(cmd, args)
	}
}

func (c *cli) connect() error {
	tok := c.bearer()
	if tok == "" {
		if file := c.setting(c.tokenFile, "CRM_TOKEN_FILE", ""); file != "" {
			if _, err := os.ReadFile(file); err != nil {
				return fmt.Errorf("read the token file: %w", err)
			}
			return fmt.Errorf("the token file %s is empty", file)
		}
		return errors.New("no token: set CRM_TOKEN (the local runner prints one; or: export CRM_TOKEN=$(go run ./pkg/cmd/crm-token -secret-file .data/auth-secret -all))")
	}
	creds := insecure.NewCredentials()
	if c.useTLS || c.setting("", "CRM_TLS", "") == "true" {
		cfg := &tls.Config{MinVersion: tls.VersionTLS12}
		if ca := c.setting(c.caFile, "CRM_TLS_CA", ""); ca != "" {
			pem, err := os.ReadFile(ca)
			if err != nil {
				return fmt.Errorf("read the CA file: %w", err)
			}
			cfg.RootCAs = x509.NewCertPool()
			if !cfg.RootCAs.AppendCertsFromPEM(pem) {
				return fmt.Errorf("no certificate in %s", ca)
			}
		}
		creds = credentials.NewTLS(cfg)
	}
	c.ctx, c.cancel = context.WithTimeout(metadata.AppendToOutgoingContext(c.ctx, "authorization", "Bearer "+tok), c.timeout)
	dial := func(flag, env, def string) (*grpc.ClientConn, error) {
		addr := c.setting(flag, env, def)
		conn, err := grpc.NewClient(addr, grpc.WithTransportCredentials(creds))
		if err != nil {
			return nil, fmt.Errorf("address %q (%s): %w", addr, env, err)
		}
		c.conns = append(c.conns, conn)
		return conn, nil
	}
	pc, err := dial(c.profileAddr, "CRM_PROFILE_ADDR", "127.0.0.1:50051")
	if err != nil {
		return err
	}
	ic, err := dial(c.interactionAddr, "CRM_INTERACTION_ADDR", "127.0.0.1:50052")
	if err != nil {
		return err
	}
	sc, err := dial(c.segmentationAddr, "CRM_SEGMENTATION_ADDR", "127.0.0.1:50053")
	if err != nil {
		return err
	}
	lc, err := dial(c.loyaltyAddr, "CRM_LOYALTY_ADDR", "127.0.0.1:50054")
	if err != nil {
		return err
	}
	c.profile, c.inter = customerv1.NewCustomerServiceClient(pc), interactionv1.NewInteractionServiceClient(ic)
	c.seg, c.loy = segmentationv1.NewSegmentationServiceClient(sc), loyaltyv1.NewLoyaltyServiceClient(lc)
	return nil
}

func (c *cli) close() {
	for _, conn := range c.conns {
		_ = conn.Close()
	}
	if c.cancel != nil {
		c.cancel()
	}
}

// name makes a resource name of a bare id.
func name(kind, id string) string {
	if strings.HasPrefix(id, kind+"/") {
		return id
	}
	return kind + "/" + id
}
