package model

import (
	"bufio"
	"math"
	"os"
	"strconv"
	"strings"
	"testing"
)

// cdnow reads the CDNOW sample: BG/NBD observations and Gamma-Gamma spends.
func cdnow(t *testing.T) ([]Obs, []Spend) {
	t.Helper()
	f, err := os.Open("testdata/cdnow.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var obs []Obs
	var spend []Spend
	num := func(s string) float64 {
		v, err := strconv.ParseFloat(s, 64)
		if err != nil {
			t.Fatalf("cdnow: %v", err)
		}
		return v
	}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "#") {
			continue
		}
		if f := strings.Fields(line); len(f) == 4 {
			o := Obs{X: num(f[0]), Tx: num(f[1]), T: num(f[2])}
			obs = append(obs, o)
			spend = append(spend, Spend{X: o.X, Mean: num(f[3])})
			continue
		}
		t, k, _ := strings.Cut(line, "*")
		n := 1.0
		if k != "" {
			n = num(k)
		}
		for range int(n) {
			obs = append(obs, Obs{T: num(t)})
		}
	}
	if len(obs) != 2357 || len(spend) != 946 {
		t.Fatalf("cdnow: %d customers, %d repeat customers; want 2357 and 946", len(obs), len(spend))
	}
	return obs, spend
}

func near(t *testing.T, what string, got, want, tol float64) {
	t.Helper()
	if math.Abs(got-want) > tol {
		t.Errorf("%s = %.6f, want %.6f (within %g)", what, got, want, tol)
	}
}

// The published BG/NBD fit of the CDNOW sample (Fader, Hardie and Lee
// 2005, table 1): r = 0.243, alpha = 4.414, a = 0.793, b = 2.426, LL =
// -9582.4.
func TestBGNBDFitsCDNOWAsPublished(t *testing.T) {
	obs, _ := cdnow(t)
	m, ll, err := FitBGNBD(obs)
	if err != nil {
		t.Fatal(err)
	}
	near(t, "r", m.R, 0.243, 0.0005)
	near(t, "alpha", m.Alpha, 4.414, 0.0005)
	near(t, "a", m.A, 0.793, 0.0005)
	near(t, "b", m.B, 2.426, 0.0005)
	near(t, "log-likelihood", ll, -9582.4, 0.05)
}

// Figures the paper's spreadsheet gives for the published parameters: a
// customer with x = 2, t_x = 30.43, T = 38.86 is expected to make 1.226
// purchases in the next 39 weeks.
func TestBGNBDConditionalFigures(t *testing.T) {
	m := BGNBD{R: 0.243, Alpha: 4.414, A: 0.793, B: 2.426}
	near(t, "E[Y(39)]", m.Expected(Obs{X: 2, Tx: 30.43, T: 38.86}, 39), 1.226, 0.0005)
	near(t, "P(alive | x=6)", m.PAlive(Obs{X: 6, Tx: 30.43, T: 38.86}), 0.7077, 0.0005)
	if p := m.PAlive(Obs{T: 38}); p != 1 {
		t.Errorf("a customer with no repeat purchase has P(alive) %v, want 1 (the model lets customers drop out only after a purchase)", p)
	}
	// A customer silent for long after a busy start is less likely alive.
	if busy, silent := m.PAlive(Obs{X: 10, Tx: 38, T: 39}), m.PAlive(Obs{X: 10, Tx: 5, T: 39}); silent >= busy {
		t.Errorf("P(alive) silent %v >= busy %v", silent, busy)
	}
}

// The published Gamma-Gamma fit of the CDNOW repeat customers (Fader,
// Hardie and Lee, "The Gamma-Gamma spend model", 2013): p = 6.25, q = 3.74,
// gamma = 15.44.
func TestGammaGammaFitsCDNOWAsPublished(t *testing.T) {
	_, spend := cdnow(t)
	m, _, err := FitGammaGamma(spend)
	if err != nil {
		t.Fatal(err)
	}
	near(t, "p", m.P, 6.25, 0.01)
	near(t, "q", m.Q, 3.74, 0.01)
	near(t, "gamma", m.Gamma, 15.44, 0.02)
	// The expected spend of a customer shrinks their own mean towards the
	// base's.
	base := m.P * m.Gamma / (m.Q - 1)
	if e := m.ExpectedSpend(Spend{X: 2, Mean: 100}); e <= base || e >= 100 {
		t.Errorf("expected spend %v not between the base mean %v and the customer's 100", e, base)
	}
}

func TestFitsRefuseTooLittleData(t *testing.T) {
	if _, _, err := FitBGNBD([]Obs{{X: 1, Tx: 1, T: 2}, {T: 3}}); err == nil {
		t.Error("BG/NBD fitted two customers")
	}
	if _, _, err := FitGammaGamma([]Spend{{X: 1, Mean: 10}}); err == nil {
		t.Error("Gamma-Gamma fitted one customer")
	}
}
