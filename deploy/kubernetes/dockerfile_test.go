package kubernetes_test

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
)

// The image build, read as a test can read it: a static build stamped
// with the version and commit, a final stage with nothing but the binary
// on a distroless or scratch base, run as a non-root user; and one image
// per service the manifests name.
func TestDockerfileBuildsLockedDownStaticImages(t *testing.T) {
	b, err := os.ReadFile("../docker/Dockerfile")
	if err != nil {
		t.Fatal(err)
	}
	text := string(b)
	stages := regexp.MustCompile(`(?m)^FROM\s+(\S+)`).FindAllStringSubmatch(text, -1)
	if len(stages) < 2 {
		t.Fatalf("want a multi-stage build, found %d stages", len(stages))
	}
	final := stages[len(stages)-1][1]
	if !strings.HasPrefix(final, "gcr.io/distroless/static") && final != "scratch" {
		t.Errorf("final stage on %s, want distroless static or scratch", final)
	}
	last := text[strings.LastIndex(text, "\nFROM "):]
	user := regexp.MustCompile(`(?m)^USER\s+(\S+)`).FindStringSubmatch(last)
	if user == nil || strings.HasPrefix(user[1], "0") || strings.HasPrefix(user[1], "root") {
		t.Errorf("final stage user %v, want a non-root user", user)
	}
	for _, want := range []string{"CGO_ENABLED=0", "-trimpath", "pkg/server.Version=${VERSION}", "pkg/server.Commit=${COMMIT}",
		"org.opencontainers.image.version", "org.opencontainers.image.revision"} {
		if !strings.Contains(text, want) {
			t.Errorf("Dockerfile lacks %q", want)
		}
	}
	// The command-line client builds from the same file.
	if !strings.Contains(text, "pkg=./pkg/cmd/crmctl") {
		t.Error("the Dockerfile does not build crmctl")
	}
	if _, err := os.Stat("../../pkg/cmd/crmctl"); err != nil {
		t.Errorf("crmctl: %v", err)
	}
	// Every image the manifests use is a service the Dockerfile can build.
	o := render(t, "overlays/production")
	for _, d := range o.deployments {
		if _, ok := binaries[d.Name]; !ok {
			continue
		}
		checkImage(t, d)
	}
}

func checkImage(t *testing.T, d appsv1.Deployment) {
	t.Helper()
	image := d.Spec.Template.Spec.Containers[0].Image
	name, tag, ok := strings.Cut(strings.TrimPrefix(image, "opencrm/"), ":")
	if !ok || tag == "" || tag == "latest" {
		t.Errorf("Deployment %s: image %s has no pinned tag", d.Name, image)
	}
	if _, err := os.Stat(filepath.Join("../../services", name, "cmd", name)); err != nil {
		t.Errorf("Deployment %s: image %s is not a service the Dockerfile builds (SERVICE=%s)", d.Name, image, name)
	}
}
