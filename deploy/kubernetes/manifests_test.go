// Package kubernetes_test checks the manifests as a cluster would take
// them: every overlay and per-service kustomization renders (the same
// engine as kubectl kustomize), every object decodes strictly into its
// Kubernetes API type, and the platform's policies hold.
package kubernetes_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	policyv1 "k8s.io/api/policy/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"sigs.k8s.io/kustomize/api/krusty"
	"sigs.k8s.io/kustomize/kyaml/filesys"
	"sigs.k8s.io/yaml"
)

// objects are one rendering, by kind.
type objects struct {
	deployments  []appsv1.Deployment
	statefulSets []appsv1.StatefulSet
	services     []corev1.Service
	configMaps   []corev1.ConfigMap
	hpas         []autoscalingv2.HorizontalPodAutoscaler
	pdbs         []policyv1.PodDisruptionBudget
	policies     []networkingv1.NetworkPolicy
}

// render runs kustomize on dir and decodes every object strictly.
func render(t *testing.T, dir string) *objects {
	t.Helper()
	k := krusty.MakeKustomizer(krusty.MakeDefaultOptions())
	res, err := k.Run(filesys.MakeFsOnDisk(), dir)
	if err != nil {
		t.Fatalf("kustomize %s: %v", dir, err)
	}
	out := &objects{}
	for _, r := range res.Resources() {
		y, err := r.AsYAML()
		if err != nil {
			t.Fatal(err)
		}
		where := fmt.Sprintf("%s: %s %s", dir, r.GetKind(), r.GetName())
		strict := func(v any) {
			// Unknown or misspelled fields fail.
			j, err := yaml.YAMLToJSON(y)
			if err != nil {
				t.Fatalf("%s: %v", where, err)
			}
			d := json.NewDecoder(bytes.NewReader(j))
			d.DisallowUnknownFields()
			if err := d.Decode(v); err != nil {
				t.Fatalf("%s does not decode strictly: %v", where, err)
			}
		}
		switch r.GetKind() {
		case "Deployment":
			var v appsv1.Deployment
			strict(&v)
			out.deployments = append(out.deployments, v)
		case "StatefulSet":
			var v appsv1.StatefulSet
			strict(&v)
			out.statefulSets = append(out.statefulSets, v)
		case "Service":
			var v corev1.Service
			strict(&v)
			out.services = append(out.services, v)
		case "ConfigMap":
			var v corev1.ConfigMap
			strict(&v)
			out.configMaps = append(out.configMaps, v)
		case "HorizontalPodAutoscaler":
			var v autoscalingv2.HorizontalPodAutoscaler
			strict(&v)
			out.hpas = append(out.hpas, v)
		case "PodDisruptionBudget":
			var v policyv1.PodDisruptionBudget
			strict(&v)
			out.pdbs = append(out.pdbs, v)
		case "NetworkPolicy":
			var v networkingv1.NetworkPolicy
			strict(&v)
			out.policies = append(out.policies, v)
		case "ServiceAccount":
			strict(&corev1.ServiceAccount{})
		case "Namespace":
			strict(&corev1.Namespace{})
		default:
			t.Fatalf("%s: a kind the checks do not know", where)
		}
	}
	return out
}

// kustomizations lists every overlay and per-service kustomization.
func kustomizations(t *testing.T) []string {
	t.Helper()
	var dirs []string
	for _, env := range []string{"dev", "production"} {
		entries, err := os.ReadDir(filepath.Join("overlays", env))
		if err != nil {
			t.Fatal(err)
		}
		dirs = append(dirs, filepath.Join("overlays", env))
		for _, e := range entries {
			if _, err := os.Stat(filepath.Join("overlays", env, e.Name(), "kustomization.yaml")); err == nil && e.IsDir() && e.Name() != "images" {
				dirs = append(dirs, filepath.Join("overlays", env, e.Name()))
			}
		}
	}
	return dirs
}

func TestEveryKustomizationRendersStrictly(t *testing.T) {
	dirs := kustomizations(t)
	if len(dirs) != 16 {
		t.Fatalf("found %d kustomizations, want 2 environments x (whole platform + 4 services + console + mongodb + collector): %v", len(dirs), dirs)
	}
	for _, d := range dirs {
		render(t, d)
	}
}

func pods(o *objects) map[string]corev1.PodTemplateSpec {
	out := map[string]corev1.PodTemplateSpec{}
	for _, d := range o.deployments {
		out["Deployment "+d.Name] = d.Spec.Template
	}
	for _, s := range o.statefulSets {
		out["StatefulSet "+s.Name] = s.Spec.Template
	}
	return out
}

func TestContainersAreProbedBoundedAndLockedDown(t *testing.T) {
	for _, env := range []string{"dev", "production"} {
		o := render(t, filepath.Join("overlays", env))
		for owner, tpl := range pods(o) {
			ps := tpl.Spec.SecurityContext
			if ps == nil || ps.RunAsNonRoot == nil || !*ps.RunAsNonRoot {
				t.Errorf("%s %s: pod does not run as non-root", env, owner)
			}
			for _, c := range tpl.Spec.Containers {
				where := fmt.Sprintf("%s %s container %s", env, owner, c.Name)
				if c.StartupProbe == nil || c.LivenessProbe == nil || c.ReadinessProbe == nil {
					t.Errorf("%s: lacks a startup, liveness or readiness probe", where)
				}
				for _, r := range []corev1.ResourceName{corev1.ResourceCPU, corev1.ResourceMemory, corev1.ResourceEphemeralStorage} {
					if c.Resources.Requests.Name(r, "").IsZero() || c.Resources.Limits.Name(r, "").IsZero() {
						t.Errorf("%s: no %s request or limit", where, r)
					}
				}
				sc := c.SecurityContext
				if sc == nil || sc.RunAsNonRoot == nil || !*sc.RunAsNonRoot || sc.ReadOnlyRootFilesystem == nil || !*sc.ReadOnlyRootFilesystem ||
					sc.AllowPrivilegeEscalation == nil || *sc.AllowPrivilegeEscalation {
					t.Errorf("%s: must run as non-root, read-only, without privilege escalation", where)
				}
				// Every port a probe names is a declared container port.
				for _, p := range []*corev1.Probe{c.StartupProbe, c.LivenessProbe, c.ReadinessProbe} {
					if p == nil {
						continue
					}
					switch {
					case p.GRPC != nil && !declares(c, intstr.FromInt32(p.GRPC.Port)):
						t.Errorf("%s: probe port %d not declared", where, p.GRPC.Port)
					case p.HTTPGet != nil && !declares(c, p.HTTPGet.Port):
						t.Errorf("%s: probe port %s not declared", where, p.HTTPGet.Port.String())
					case p.TCPSocket != nil && !declares(c, p.TCPSocket.Port):
						t.Errorf("%s: probe port %s not declared", where, p.TCPSocket.Port.String())
					}
				}
				// Liveness restarts, readiness takes out of service: the
				// same check for both restarts a pod that is only busy or
				// waiting for a dependency.
				if c.LivenessProbe != nil && c.ReadinessProbe != nil && reflect.DeepEqual(c.LivenessProbe.ProbeHandler, c.ReadinessProbe.ProbeHandler) {
					t.Errorf("%s: liveness and readiness probes are the same check", where)
				}
			}
		}
	}
}

func declares(c corev1.Container, port intstr.IntOrString) bool {
	for _, p := range c.Ports {
		if (port.Type == intstr.Int && p.ContainerPort == port.IntVal) || (port.Type == intstr.String && p.Name == port.StrVal) {
			return true
		}
	}
	return false
}

func TestServicesSelectPodsAndTheirPorts(t *testing.T) {
	for _, env := range []string{"dev", "production"} {
		o := render(t, filepath.Join("overlays", env))
		for _, s := range o.services {
			found := false
			for owner, tpl := range pods(o) {
				if !matches(s.Spec.Selector, tpl.Labels) {
					continue
				}
				found = true
				for _, p := range s.Spec.Ports {
					ok := false
					for _, c := range tpl.Spec.Containers {
						ok = ok || declares(c, p.TargetPort)
					}
					if !ok {
						t.Errorf("%s Service %s: target port %s is not a port of %s", env, s.Name, p.TargetPort.String(), owner)
					}
				}
			}
			if !found {
				t.Errorf("%s Service %s selects no pods", env, s.Name)
			}
		}
	}
}

func matches(selector, labels map[string]string) bool {
	if len(selector) == 0 {
		return false
	}
	for k, v := range selector {
		if labels[k] != v {
			return false
		}
	}
	return true
}

func TestProductionHasReplicasBudgetsAndAutoscalers(t *testing.T) {
	o := render(t, "overlays/production")
	for _, d := range o.deployments {
		if d.Name == "otel-collector" {
			continue
		}
		if d.Spec.Template.Spec.Affinity == nil || d.Spec.Template.Spec.Affinity.PodAntiAffinity == nil {
			t.Errorf("Deployment %s: no anti-affinity", d.Name)
		}
		hpa := slices.IndexFunc(o.hpas, func(h autoscalingv2.HorizontalPodAutoscaler) bool {
			return h.Spec.ScaleTargetRef.Kind == "Deployment" && h.Spec.ScaleTargetRef.Name == d.Name
		})
		pdb := slices.IndexFunc(o.pdbs, func(p policyv1.PodDisruptionBudget) bool {
			return p.Spec.Selector != nil && matches(p.Spec.Selector.MatchLabels, d.Spec.Template.Labels)
		})
		if hpa < 0 || pdb < 0 {
			t.Errorf("Deployment %s: HPA %v, PDB %v", d.Name, hpa >= 0, pdb >= 0)
			continue
		}
		if m := o.hpas[hpa].Spec.MinReplicas; m == nil || *m < 3 {
			t.Errorf("Deployment %s: the autoscaler keeps %v replicas at least, want 3", d.Name, m)
		}
	}
	if len(o.statefulSets) != 1 || *o.statefulSets[0].Spec.Replicas != 3 {
		t.Errorf("MongoDB in production: want one StatefulSet of 3 members")
	}
}

// A Deployment that an autoscaler scales must not set replicas: every
// apply would reset the autoscaler's choice (to 1 when the field is in the
// base, say, during a peak).
func TestAutoscaledDeploymentsLeaveReplicasToTheAutoscaler(t *testing.T) {
	scaled := 0
	for _, dir := range kustomizations(t) {
		o := render(t, dir)
		for _, d := range o.deployments {
			if slices.ContainsFunc(o.hpas, func(h autoscalingv2.HorizontalPodAutoscaler) bool {
				return h.Spec.ScaleTargetRef.Kind == "Deployment" && h.Spec.ScaleTargetRef.Name == d.Name
			}) {
				scaled++
				if d.Spec.Replicas != nil {
					t.Errorf("%s: Deployment %s sets replicas %d although an HPA scales it", dir, d.Name, *d.Spec.Replicas)
				}
			}
		}
	}
	if scaled < 8 { // four services, in the whole production overlay and alone
		t.Fatalf("found %d autoscaled Deployments, want 8", scaled)
	}
}

// The MongoDB replica set keeps its majority through voluntary disruptions:
// a budget of one member down, and members spread over nodes (required in
// production).
func TestMongoDBHasABudgetAndSpreadsOverNodes(t *testing.T) {
	for _, dir := range []string{"overlays/dev", "overlays/production", "overlays/dev/mongodb", "overlays/production/mongodb"} {
		o := render(t, dir)
		if len(o.statefulSets) != 1 {
			t.Fatalf("%s: %d StatefulSets, want 1", dir, len(o.statefulSets))
		}
		s := o.statefulSets[0]
		pdb := slices.IndexFunc(o.pdbs, func(p policyv1.PodDisruptionBudget) bool {
			return p.Spec.Selector != nil && matches(p.Spec.Selector.MatchLabels, s.Spec.Template.Labels)
		})
		if pdb < 0 {
			t.Errorf("%s: no PodDisruptionBudget selects StatefulSet %s", dir, s.Name)
		} else if mu := o.pdbs[pdb].Spec.MaxUnavailable; mu == nil || mu.IntValue() != 1 {
			t.Errorf("%s: MongoDB's budget allows %v members down, want 1", dir, mu)
		}
		aa := s.Spec.Template.Spec.Affinity
		if aa == nil || aa.PodAntiAffinity == nil {
			t.Errorf("%s: StatefulSet %s has no pod anti-affinity", dir, s.Name)
			continue
		}
		terms := aa.PodAntiAffinity.RequiredDuringSchedulingIgnoredDuringExecution
		for _, w := range aa.PodAntiAffinity.PreferredDuringSchedulingIgnoredDuringExecution {
			terms = append(terms, w.PodAffinityTerm)
		}
		if !slices.ContainsFunc(terms, func(term corev1.PodAffinityTerm) bool {
			return term.TopologyKey == "kubernetes.io/hostname" && term.LabelSelector != nil && matches(term.LabelSelector.MatchLabels, s.Spec.Template.Labels)
		}) {
			t.Errorf("%s: MongoDB's anti-affinity does not keep members on separate nodes", dir)
		}
		if strings.HasPrefix(dir, "overlays/production") && len(aa.PodAntiAffinity.RequiredDuringSchedulingIgnoredDuringExecution) == 0 {
			t.Errorf("%s: MongoDB's members must be on separate nodes in production (required, not preferred)", dir)
		}
	}
}
