// Command local runs the platform on one machine on the embedded default
// database, with its data kept in a folder between runs:
//
//	go run ./deploy/local            # data in .data/
//	go run ./deploy/local -data /tmp/crm -profile-addr 127.0.0.1:7001
//
// It prints each service's address and a token to call them with, and stops
// everything cleanly on Ctrl-C. Services export traces when the standard
// OTEL_EXPORTER_OTLP_ENDPOINT is set.
package main

import (
	"context"
	"crypto/rand"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/opencrm/crm/pkg/auth"
	"github.com/opencrm/crm/pkg/config"
	"github.com/opencrm/crm/pkg/embedded"
	"github.com/opencrm/crm/pkg/mongox"
	"github.com/opencrm/crm/pkg/server"
	interaction "github.com/opencrm/crm/services/interaction/service"
	loyalty "github.com/opencrm/crm/services/loyalty/service"
	profile "github.com/opencrm/crm/services/profile/service"
	segmentation "github.com/opencrm/crm/services/segmentation/service"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "local:", err)
		os.Exit(1)
	}
}

func run() error {
	dataDir := flag.String("data", ".data", "folder for the database and the local secrets")
	dbAddr := flag.String("db-addr", "127.0.0.1:27017", "loopback address of the embedded database")
	profileAddr := flag.String("profile-addr", "127.0.0.1:50051", "address of customer-profile")
	interactionAddr := flag.String("interaction-addr", "127.0.0.1:50052", "address of interaction-log")
	segmentationAddr := flag.String("segmentation-addr", "127.0.0.1:50053", "address of segmentation")
	loyaltyAddr := flag.String("loyalty-addr", "127.0.0.1:50054", "address of loyalty")
	logLevel := flag.String("log-level", "warn", "service log level: debug, info, warn, error")
	flag.Parse()

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := os.MkdirAll(*dataDir, 0o700); err != nil {
		return fmt.Errorf("create data folder: %w", err)
	}
	authSecret, err := secret(filepath.Join(*dataDir, "auth-secret"))
	if err != nil {
		return err
	}
	pageKey, err := secret(filepath.Join(*dataDir, "page-token-key"))
	if err != nil {
		return err
	}
	db, err := embedded.Start(ctx, filepath.Join(*dataDir, "db"), embedded.Options{Addr: *dbAddr})
	if err != nil {
		return fmt.Errorf("start the embedded database (is another run using %s?): %w", *dbAddr, err)
	}
	defer db.Stop()

	level, err := parseLevel(*logLevel)
	if err != nil {
		return err
	}
	base := func(name, addr, database string) server.Config {
		return server.Config{
			Service:    name,
			ListenAddr: addr,
			Mongo: mongox.Config{URI: db.URI(), Database: database, Mode: mongox.ModeEmbedded,
				MaxPoolSize: 1, ConnectTimeout: 10 * time.Second},
			Auth:            auth.Config{HMACSecret: authSecret},
			PageTokenKey:    pageKey,
			LogLevel:        level,
			ShutdownTimeout: 10 * time.Second,
		}
	}
	// Services call each other with tokens of their own, as in production.
	interactionToken, err := auth.Mint(authSecret, interaction.Name, []string{"customers.read", "customers.events"}, 365*24*time.Hour, "", "")
	if err != nil {
		return err
	}
	loyaltyToken, err := auth.Mint(authSecret, loyalty.Name, []string{"customers.read", "customers.events", "interactions.events"}, 365*24*time.Hour, "", "")
	if err != nil {
		return err
	}
	segmentationToken, err := auth.Mint(authSecret, segmentation.Name, []string{"customers.events", "interactions.events"}, 365*24*time.Hour, "", "")
	if err != nil {
		return err
	}
	env := config.FromMap(map[string]string{"CRM_PROFILE_ADDR": *profileAddr, "CRM_PROFILE_TOKEN": interactionToken})
	loyaltyEnv := config.FromMap(map[string]string{"CRM_PROFILE_ADDR": *profileAddr, "CRM_PROFILE_TOKEN": loyaltyToken,
		"CRM_INTERACTION_ADDR": *interactionAddr, "CRM_INTERACTION_TOKEN": loyaltyToken})
	segmentationVars := map[string]string{"CRM_PROFILE_ADDR": *profileAddr, "CRM_PROFILE_TOKEN": segmentationToken,
		"CRM_INTERACTION_ADDR": *interactionAddr, "CRM_INTERACTION_TOKEN": segmentationToken}
	if c := os.Getenv("CRM_SEGMENTATION_CURRENCY"); c != "" {
		segmentationVars["CRM_SEGMENTATION_CURRENCY"] = c
	}
	segmentationEnv := config.FromMap(segmentationVars)
	profileSetup, interactionSetup := profile.Setup(env), interaction.Setup(env)
	segmentationSetup, loyaltySetup := segmentation.Setup(segmentationEnv), loyalty.Setup(loyaltyEnv)
	if err := errors.Join(env.Err(), loyaltyEnv.Err(), segmentationEnv.Err()); err != nil {
		return err
	}
	var running []*server.Running
	stopAll := func() error {
		var errs []error
		for i := len(running) - 1; i >= 0; i-- {
			errs = append(errs, running[i].Stop())
		}
		return errors.Join(errs...)
	}
	for _, s := range []struct {
		cfg   server.Config
		setup server.Setup
	}{
		{base(profile.Name, *profileAddr, profile.DefaultDatabase), profileSetup},
		{base(interaction.Name, *interactionAddr, interaction.DefaultDatabase), interactionSetup},
		{base(segmentation.Name, *segmentationAddr, segmentation.DefaultDatabase), segmentationSetup},
		{base(loyalty.Name, *loyaltyAddr, loyalty.DefaultDatabase), loyaltySetup},
	} {
		r, err := server.Start(ctx, s.cfg, s.setup, server.Options{})
		if err != nil {
			return errors.Join(err, stopAll())
		}
		running = append(running, r)
		select {
		case <-r.Ready():
		case <-ctx.Done():
			return stopAll()
		}
	}
	token, err := auth.Mint(authSecret, "local-admin", auth.AllScopes(), 7*24*time.Hour, "", "")
	if err != nil {
		return err
	}
	fmt.Printf(`The customer-management platform is running (data in %s).

  customer-profile   %s
  interaction-log    %s
  segmentation       %s
  loyalty            %s
  database           %s

Token (all scopes, valid 7 days; make more with
  go run ./pkg/cmd/crm-token -secret-file %s -all):

%s

Try:
  grpcurl -plaintext -H "authorization: Bearer $TOKEN" %s list

Ctrl-C stops everything.
`, *dataDir, running[0].Addr(), running[1].Addr(), running[2].Addr(), running[3].Addr(), db.URI(), filepath.Join(*dataDir, "auth-secret"), token, running[0].Addr())

	<-ctx.Done()
	fmt.Println("\nstopping...")
	return stopAll()
}

// secret reads a local secret, creating it on the first run.
func secret(path string) ([]byte, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		s := rand.Text() + rand.Text()
		if err := os.WriteFile(path, []byte(s+"\n"), 0o600); err != nil {
			return nil, fmt.Errorf("write %s: %w", path, err)
		}
		return []byte(s), nil
	}
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	return []byte(strings.TrimSpace(string(b))), nil
}

func parseLevel(s string) (slog.Level, error) {
	var l slog.Level
	if err := l.UnmarshalText([]byte(s)); err != nil {
		return l, fmt.Errorf("-log-level: %w", err)
	}
	return l, nil
}
