package api_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	customerv1 "github.com/opencrm/crm/gen/go/crm/customer/v1"
	interactionv1 "github.com/opencrm/crm/gen/go/crm/interaction/v1"
	"github.com/opencrm/crm/pkg/embedded"
	"github.com/opencrm/crm/pkg/mongox"
	"github.com/opencrm/crm/services/interaction/service"
)

// findIn returns, for each needle found (case-insensitively) in a file
// under dir, "file: needle".
func findIn(t *testing.T, dir string, needles []string) []string {
	t.Helper()
	var found []string
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := os.ReadFile(path)
		if err != nil {
			if os.IsNotExist(err) { // a file SQLite removed meanwhile
				return nil
			}
			return err
		}
		data = bytes.ToLower(data)
		for _, n := range needles {
			if bytes.Contains(data, []byte(strings.ToLower(n))) {
				found = append(found, fmt.Sprintf("%s: %s", filepath.Base(path), n))
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return found
}

// An erasure through the API leaves no copy of the erased customer's name,
// e-mail or phone, nor of its interaction, in any file of the embedded
// database: secure_delete zeroes what was deleted and the runner's
// checkpoints empty the write-ahead logs.
func TestErasedValuesLeaveTheEmbeddedDatabaseFiles(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	db, err := embedded.Start(context.Background(), dir, embedded.Options{CheckpointEvery: 100 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(db.Stop) // after the services, which stop first
	cfg := func(name string) mongox.Config {
		return mongox.Config{URI: db.URI(), Database: name, Mode: mongox.ModeEmbedded, MaxPoolSize: 4, ConnectTimeout: 10 * time.Second}
	}
	e := startOn(t, service.Options{}, cfg("profile"), cfg("interaction"))

	tag := strings.ToLower(rand.Text()[:10])
	name := "Quillon Erasable" + tag
	mail := "erase-" + tag + "@example.org"
	phone := "+4420794" + fmt.Sprint(10000+time.Now().UnixNano()%90000)
	resp, err := e.customers.CreateCustomer(e.ctx, &customerv1.CreateCustomerRequest{Customer: &customerv1.Customer{
		Kind: customerv1.CustomerKind_CUSTOMER_KIND_PERSON, DisplayName: name,
		Emails: []*customerv1.EmailAddress{{Address: mail}}, Phones: []*customerv1.PhoneNumber{{Number: phone}}}})
	if err != nil {
		t.Fatal(err)
	}
	c := resp.GetCustomer().GetName()
	in := contact(c, interactionv1.InteractionKind_INTERACTION_KIND_SUPPORT, interactionv1.Channel_CHANNEL_PHONE, t0)
	in.Subject = "Call from " + name
	in.Summary = "Call back on " + phone + " or write to " + mail
	logged := e.log(t, in)
	needles := []string{name, mail, phone}

	// The values are in the files to begin with: the scan can see them.
	waitFor(t, "the values in the files", func() (bool, string) {
		found := findIn(t, dir, needles)
		for _, n := range needles {
			if !slices.ContainsFunc(found, func(f string) bool { return strings.HasSuffix(f, ": "+n) }) {
				return false, fmt.Sprint(found)
			}
		}
		return true, ""
	})

	if _, err := e.customers.EraseCustomer(e.ctx, &customerv1.EraseCustomerRequest{Name: c, Reason: "access request 9"}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "interaction-log to erase the interaction", func() (bool, string) {
		_, err := e.client.GetInteraction(e.ctx, &interactionv1.GetInteractionRequest{Name: logged.GetName()})
		return status.Code(err) == codes.NotFound, fmt.Sprint(err)
	})
	waitFor(t, "no erased value in any database file", func() (bool, string) {
		found := findIn(t, dir, needles)
		return len(found) == 0, fmt.Sprint(found)
	})
}

// waitFor polls cond until it holds, failing after a generous deadline
// with cond's last description.
func waitFor(t *testing.T, what string, cond func() (bool, string)) {
	t.Helper()
	deadline := time.Now().Add(90 * time.Second)
	for {
		ok, last := cond()
		if ok {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("waiting for %s: %s", what, last)
		}
		time.Sleep(100 * time.Millisecond)
	}
}
