package kubernetes_test

import (
	"maps"
	"net"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"

	"github.com/opencrm/crm/pkg/config"
	"github.com/opencrm/crm/pkg/server"
	interaction "github.com/opencrm/crm/services/interaction/service"
	loyalty "github.com/opencrm/crm/services/loyalty/service"
	profile "github.com/opencrm/crm/services/profile/service"
	segmentation "github.com/opencrm/crm/services/segmentation/service"
)

// binaries are the services as their main functions start them, by the
// name of their Deployment.
var binaries = map[string]struct {
	name, database, addr string
	setup                func(*config.Env) server.Setup
}{
	"customer-profile": {profile.Name, profile.DefaultDatabase, profile.DefaultAddr, profile.Setup},
	"interaction-log":  {interaction.Name, interaction.DefaultDatabase, interaction.DefaultAddr, interaction.Setup},
	"segmentation":     {segmentation.Name, segmentation.DefaultDatabase, segmentation.DefaultAddr, segmentation.Setup},
	"loyalty":          {loyalty.Name, loyalty.DefaultDatabase, loyalty.DefaultAddr, loyalty.Setup},
}

// environment is what a service's container gets: its ConfigMap's values,
// and a stand-in of the right shape for each Secret it references.
func environment(t *testing.T, o *objects, c corev1.Container) map[string]string {
	t.Helper()
	env := map[string]string{}
	for _, from := range c.EnvFrom {
		if from.ConfigMapRef == nil {
			t.Fatalf("container %s: envFrom other than a ConfigMap", c.Name)
		}
		found := false
		for _, cm := range o.configMaps {
			if cm.Name == from.ConfigMapRef.Name {
				found = true
				maps.Copy(env, cm.Data)
			}
		}
		if !found {
			t.Errorf("container %s: ConfigMap %s is not in the rendering", c.Name, from.ConfigMapRef.Name)
		}
	}
	for _, e := range c.Env {
		switch {
		case e.ValueFrom != nil && e.ValueFrom.SecretKeyRef != nil && e.Name == "CRM_MONGO_URI":
			env[e.Name] = "mongodb://user:password@mongodb-0.mongodb:27017/?replicaSet=rs0"
		case e.ValueFrom != nil && e.ValueFrom.SecretKeyRef != nil:
			env[e.Name] = strings.Repeat("s", 48)
		default:
			env[e.Name] = e.Value
		}
	}
	return env
}

// Every variable a service reads at start is set, with a valid value, and
// it listens on the port its container declares.
func TestEveryServiceStartsFromItsManifest(t *testing.T) {
	for _, envName := range []string{"dev", "production"} {
		o := render(t, "overlays/"+envName)
		seen := 0
		for _, d := range o.deployments {
			b, ok := binaries[d.Name]
			if !ok {
				continue
			}
			seen++
			c := d.Spec.Template.Spec.Containers[0]
			env := config.FromMap(environment(t, o, c))
			cfg := server.LoadConfig(env, b.name, b.database, b.addr)
			b.setup(env)
			if err := env.Err(); err != nil {
				t.Errorf("%s %s would not start: %v", envName, d.Name, err)
				continue
			}
			_, port, _ := net.SplitHostPort(cfg.ListenAddr)
			if c.Ports[0].ContainerPort != int32(atoi(t, port)) {
				t.Errorf("%s %s listens on %s but declares port %d", envName, d.Name, cfg.ListenAddr, c.Ports[0].ContainerPort)
			}
			if cfg.Mongo.Database != b.database || cfg.Mongo.Mode != "mongodb" {
				t.Errorf("%s %s: database %s in mode %s", envName, d.Name, cfg.Mongo.Database, cfg.Mongo.Mode)
			}
		}
		if seen != len(binaries) {
			t.Errorf("%s: %d of the %d services rendered", envName, seen, len(binaries))
		}
	}
}

func atoi(t *testing.T, s string) int {
	t.Helper()
	n := 0
	for _, r := range s {
		if r < '0' || r > '9' {
			t.Fatalf("not a port: %q", s)
		}
		n = n*10 + int(r-'0')
	}
	return n
}

// podLabels returns the pod labels of a workload by name.
func podLabels(o *objects) map[string]map[string]string {
	out := map[string]map[string]string{}
	for _, d := range o.deployments {
		out[d.Name] = d.Spec.Template.Labels
	}
	for _, s := range o.statefulSets {
		out[s.Name] = s.Spec.Template.Labels
	}
	return out
}

func peerMatches(p networkingv1.NetworkPolicyPeer, labels map[string]string) bool {
	return p.PodSelector != nil && p.NamespaceSelector == nil && p.IPBlock == nil && matches(p.PodSelector.MatchLabels, labels)
}

func portAllowed(ports []networkingv1.NetworkPolicyPort, port int32) bool {
	for _, p := range ports {
		if p.Port != nil && p.Port.IntVal == port {
			return true
		}
	}
	return false
}

// allows reports whether from may open a connection to to's port: from's
// policy lets it out and to's policy lets it in.
func allows(o *objects, labels map[string]map[string]string, from, to string, port int32) bool {
	out, in := false, false
	for _, np := range o.policies {
		if matches(np.Spec.PodSelector.MatchLabels, labels[from]) {
			for _, r := range np.Spec.Egress {
				for _, p := range r.To {
					out = out || (peerMatches(p, labels[to]) && portAllowed(r.Ports, port))
				}
			}
		}
		if matches(np.Spec.PodSelector.MatchLabels, labels[to]) {
			for _, r := range np.Spec.Ingress {
				for _, p := range r.From {
					in = in || (peerMatches(p, labels[from]) && portAllowed(r.Ports, port))
				}
			}
		}
	}
	return out && in
}

// The NetworkPolicies allow exactly the calls the services make: to the
// services their configuration names (CRM_*_ADDR), to MongoDB and to the
// collector; nothing else between the platform's pods.
func TestNetworkPoliciesAllowExactlyTheCalls(t *testing.T) {
	o := render(t, "overlays/production")
	labels := podLabels(o)
	ports := map[string]int32{"mongodb": 27017, "otel-collector": 4317}
	for _, d := range o.deployments {
		if _, ok := binaries[d.Name]; ok {
			ports[d.Name] = d.Spec.Template.Spec.Containers[0].Ports[0].ContainerPort
		}
	}
	for _, d := range o.deployments {
		if _, ok := binaries[d.Name]; !ok {
			continue
		}
		env := environment(t, o, d.Spec.Template.Spec.Containers[0])
		calls := map[string]bool{"mongodb": true, "otel-collector": true}
		for k, v := range env {
			if strings.HasSuffix(k, "_ADDR") && k != "CRM_LISTEN_ADDR" {
				host, _, _ := net.SplitHostPort(v)
				calls[host] = true
			}
		}
		for target, port := range ports {
			if target == d.Name {
				continue
			}
			if got := allows(o, labels, d.Name, target, port); got != calls[target] {
				t.Errorf("%s -> %s:%d allowed %v, but the service calls it: %v", d.Name, target, port, got, calls[target])
			}
		}
	}
	// Nothing of the platform reaches a service it does not call (for
	// example the collector or MongoDB calling a service).
	for _, from := range []string{"mongodb", "otel-collector"} {
		for target, port := range ports {
			if _, ok := binaries[target]; ok && allows(o, labels, from, target, port) {
				t.Errorf("%s may reach %s", from, target)
			}
		}
	}
}
