package benchrig

import (
	"os"
	"path/filepath"
	"testing"
	"time"
)

func TestQuantile(t *testing.T) {
	lat := []int{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}
	if got := Quantile(lat, 50); got != 6 {
		t.Errorf("p50 = %d, want 6", got)
	}
	if got := Quantile(lat, 99); got != 10 {
		t.Errorf("p99 = %d, want 10", got)
	}
	f := Latencies([]float64{0.3, 0.1, 0.2})
	if f.P50 != 0.2 || f.Max != 0.3 {
		t.Errorf("Latencies = %+v", f)
	}
}

func TestPutSectionReplacesOnlyItsSection(t *testing.T) {
	path := filepath.Join(t.TempDir(), "BENCHMARKS.md")
	if err := os.WriteFile(path, []byte("# head\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, text := range []string{"first", "second"} {
		if err := PutSection(path, "ops", text); err != nil {
			t.Fatal(err)
		}
	}
	if err := PutSection(path, "scale", "other"); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	want := "# head\n\n<!-- ops -->\nsecond\n<!-- /ops -->\n\n<!-- scale -->\nother\n<!-- /scale -->\n"
	if string(b) != want {
		t.Errorf("file = %q, want %q", b, want)
	}
}

func TestMergeJSONKeepsOtherKeys(t *testing.T) {
	path := filepath.Join(t.TempDir(), "BENCHMARKS.json")
	if err := MergeJSON(path, map[string]any{"a": 1, "b": Round(2.34567, 2)}); err != nil {
		t.Fatal(err)
	}
	if err := MergeJSON(path, map[string]any{"b": 3}); err != nil {
		t.Fatal(err)
	}
	got := map[string]float64{}
	if err := ReadJSON(path, got); err != nil {
		t.Fatal(err)
	}
	if got["a"] != 1 || got["b"] != 3 || len(got) != 2 {
		t.Errorf("figures = %v", got)
	}
	if r := Round(2.34567, 2); r != 2.35 {
		t.Errorf("Round = %v", r)
	}
}

func TestArrivals(t *testing.T) {
	a := NewArrivals()
	s := time.Now().Add(-time.Second)
	a.Sent("x", s)
	a.Sent("y", s)
	a.Sent("z", s)
	a.Unsent("z")
	a.Arrived("x")
	a.Arrived("x")
	sent, missing, lat := a.Result()
	if sent != 2 || missing != 1 || len(lat) != 1 || lat[0] < 1 {
		t.Errorf("Result = %d, %d, %v", sent, missing, lat)
	}
}
