package kubernetes_test

import (
	"net"
	"testing"

	networkingv1 "k8s.io/api/networking/v1"

	"github.com/opencrm/crm/pkg/config"
	"github.com/opencrm/crm/services/console"
)

// The console starts from its manifest, listens on the port it declares,
// and may call each service on its port, which lets it in.
func TestConsoleStartsAndReachesTheServices(t *testing.T) {
	for _, envName := range []string{"dev", "production"} {
		o := render(t, "overlays/"+envName)
		labels := podLabels(o)
		found := false
		for _, d := range o.deployments {
			if d.Name != "console" {
				continue
			}
			found = true
			c := d.Spec.Template.Spec.Containers[0]
			cfg, err := console.FromEnv(config.FromMap(environment(t, o, c)))
			if err != nil {
				t.Fatalf("%s console would not start: %v", envName, err)
			}
			_, port, _ := net.SplitHostPort(cfg.ListenAddr)
			if c.Ports[0].ContainerPort != int32(atoi(t, port)) {
				t.Errorf("%s console listens on %s but declares port %d", envName, cfg.ListenAddr, c.Ports[0].ContainerPort)
			}
			for name, u := range map[string]string{"customer-profile": cfg.Backends.Profile.Host, "interaction-log": cfg.Backends.Interaction.Host,
				"segmentation": cfg.Backends.Segmentation.Host, "loyalty": cfg.Backends.Loyalty.Host} {
				host, p, _ := net.SplitHostPort(u)
				if host != name {
					t.Errorf("%s console calls %s for %s", envName, host, name)
				}
				if !reaches(o, labels, "console", name, int32(atoi(t, p))) {
					t.Errorf("%s console may not reach %s:%s", envName, name, p)
				}
			}
			// It calls nothing else of the platform.
			for _, other := range []string{"mongodb", "otel-collector"} {
				for _, port := range []int32{27017, 4317} {
					if reaches(o, labels, "console", other, port) {
						t.Errorf("%s console may reach %s:%d", envName, other, port)
					}
				}
			}
		}
		if !found {
			t.Errorf("%s: no console", envName)
		}
	}
}

// reaches is allows, counting also the peers a policy admits from every
// namespace (namespaceSelector {}), as the services admit their clients.
func reaches(o *objects, labels map[string]map[string]string, from, to string, port int32) bool {
	peer := func(p networkingv1.NetworkPolicyPeer, l map[string]string) bool {
		anyNamespace := p.NamespaceSelector != nil && len(p.NamespaceSelector.MatchLabels) == 0 && len(p.NamespaceSelector.MatchExpressions) == 0
		return p.PodSelector != nil && p.IPBlock == nil && (p.NamespaceSelector == nil || anyNamespace) && matches(p.PodSelector.MatchLabels, l)
	}
	out, in := false, false
	for _, np := range o.policies {
		if matches(np.Spec.PodSelector.MatchLabels, labels[from]) {
			for _, r := range np.Spec.Egress {
				for _, p := range r.To {
					out = out || (peer(p, labels[to]) && portAllowed(r.Ports, port))
				}
			}
		}
		if matches(np.Spec.PodSelector.MatchLabels, labels[to]) {
			for _, r := range np.Spec.Ingress {
				for _, p := range r.From {
					in = in || (peer(p, labels[from]) && portAllowed(r.Ports, port))
				}
			}
		}
	}
	return out && in
}
