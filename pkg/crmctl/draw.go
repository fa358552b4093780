package crmctl

import (
	"fmt"
	"html"
	"strconv"
	"strings"

	segmentationv1 "github.com/opencrm/crm/gen/go/crm/segmentation/v1"
)

func cell(r *segmentationv1.Report, recency, fm int32) *segmentationv1.RfmCell {
	for _, c := range r.GetRfmGrid() {
		if c.GetRecency() == recency && c.GetFm() == fm {
			return c
		}
	}
	return &segmentationv1.RfmCell{}
}

// paretoAt is the share of revenue from the top pct% of customers.
func paretoAt(r *segmentationv1.Report, pct int) float64 {
	p := r.GetPareto()
	if pct < 1 || len(p) < pct {
		return 0
	}
	return p[pct-1]
}

// drawText draws the report for a terminal.
func drawText(r *segmentationv1.Report) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s: %d customers (%d never bought), %d churn warnings, customer equity %s\n\n", r.GetRun(), r.GetCustomers(),
		r.GetProspects(), r.GetChurnWarnings(), formatMoney(r.GetCustomerEquity()))

	b.WriteString("RFM grid: customers by recency (rows) and frequency-monetary (columns)\n")
	b.WriteString("        FM 1    FM 2    FM 3    FM 4    FM 5\n")
	for rec := int32(5); rec >= 1; rec-- {
		fmt.Fprintf(&b, "  R %d ", rec)
		for fm := int32(1); fm <= 5; fm++ {
			fmt.Fprintf(&b, "%7d ", cell(r, rec, fm).GetCount())
		}
		b.WriteString("\n")
	}
	b.WriteString("  segments:")
	for _, k := range sortedKeys(r.GetRfmSegments()) {
		fmt.Fprintf(&b, " %s %d;", k, r.GetRfmSegments()[k])
	}
	b.WriteString("\n\n")

	v := r.GetValueMatrix()
	b.WriteString("Customer value matrix\n")
	fmt.Fprintf(&b, "                 low loyalty            high loyalty\n")
	fmt.Fprintf(&b, "  high value     big_spender %-10d best %d\n", v["big_spender"], v["best"])
	fmt.Fprintf(&b, "  low value      drifter     %-10d loyal_small %d\n\n", v["drifter"], v["loyal_small"])

	b.WriteString("Customer pyramid\n")
	bands := r.GetPyramid()
	widest := 4 + 6*(len(bands)-1)
	for i, band := range bands {
		width := 4 + 6*i
		left := (widest - width) / 2
		fmt.Fprintf(&b, "  %s%s%s  %s %d\n", strings.Repeat(" ", left), strings.Repeat("#", width), strings.Repeat(" ", widest-width-left), band.GetBand(), band.GetCount())
	}

	fmt.Fprintf(&b, "\nPareto curve: the top 20%% of customers bring %.0f%% of net revenue; ABC classes A %d, B %d, C %d\n",
		100*paretoAt(r, 20), r.GetAbc()["A"], r.GetAbc()["B"], r.GetAbc()["C"])
	const rows, cols = 8, 50
	for row := rows; row >= 1; row-- {
		level := float64(row) / rows
		label := "    "
		if row == rows {
			label = "100%"
		}
		fmt.Fprintf(&b, "  %s |", label)
		for col := 1; col <= cols; col++ {
			if paretoAt(r, col*100/cols) >= level-0.5/rows {
				b.WriteString("*")
			} else {
				b.WriteString(" ")
			}
		}
		b.WriteString("\n")
	}
	fmt.Fprintf(&b, "    0%% +%s\n         0%%%s100%% of customers, best first\n", strings.Repeat("-", cols), strings.Repeat(" ", cols-8))
	return b.String()
}

// drawSVG draws the report's four charts as one SVG.
func drawSVG(r *segmentationv1.Report) string {
	var b strings.Builder
	b.WriteString(`<svg xmlns="http://www.w3.org/2000/svg" width="980" height="360" font-family="sans-serif" font-size="11">`)
	text := func(x, y int, s string, extra string) {
		fmt.Fprintf(&b, `<text x="%d" y="%d" %s>%s</text>`, x, y, extra, html.EscapeString(s))
	}
	// RFM grid as a heat map.
	text(10, 20, "RFM grid (recency x FM)", `font-weight="bold"`)
	var most int64 = 1
	for _, c := range r.GetRfmGrid() {
		most = max(most, c.GetCount())
	}
	for rec := int32(5); rec >= 1; rec-- {
		for fm := int32(1); fm <= 5; fm++ {
			c := cell(r, rec, fm)
			x, y := 30+int(fm-1)*44, 30+int(5-rec)*44
			fmt.Fprintf(&b, `<rect x="%d" y="%d" width="42" height="42" fill="#2b6cb0" fill-opacity="%.2f"><title>%s: %d</title></rect>`,
				x, y, 0.08+0.92*float64(c.GetCount())/float64(most), html.EscapeString(c.GetSegment()), c.GetCount())
			text(x+4, y+25, strconv.FormatInt(c.GetCount(), 10), "")
		}
		text(10, 30+int(5-rec)*44+25, fmt.Sprintf("R%d", rec), "")
	}
	// Value matrix.
	text(270, 20, "Value matrix", `font-weight="bold"`)
	v := r.GetValueMatrix()
	for i, q := range []struct {
		name string
		x, y int
	}{{"big_spender", 270, 30}, {"best", 380, 30}, {"drifter", 270, 140}, {"loyal_small", 380, 140}} {
		fmt.Fprintf(&b, `<rect x="%d" y="%d" width="108" height="108" fill="%s"/>`, q.x, q.y, []string{"#f6ad55", "#68d391", "#e2e8f0", "#90cdf4"}[i])
		text(q.x+6, q.y+20, q.name, "")
		text(q.x+6, q.y+60, strconv.FormatInt(v[q.name], 10), `font-size="20"`)
	}
	text(270, 268, "loyalty →", "")
	// Pyramid.
	text(520, 20, "Customer pyramid", `font-weight="bold"`)
	bands := r.GetPyramid()
	for i, band := range bands {
		w := 40 + 160*i/max(1, len(bands)-1)
		x, y := 620-w/2, 30+i*50
		fmt.Fprintf(&b, `<rect x="%d" y="%d" width="%d" height="44" fill="#805ad5" fill-opacity="%.2f"/>`, x, y, w, 1-0.18*float64(i))
		text(720, y+27, fmt.Sprintf("%s %d", band.GetBand(), band.GetCount()), "")
	}
	// Pareto curve.
	text(800, 20, "Pareto curve", `font-weight="bold"`)
	fmt.Fprintf(&b, `<rect x="800" y="30" width="160" height="160" fill="none" stroke="#a0aec0"/>`)
	pts := make([]string, 0, 1+len(r.GetPareto()))
	pts = append(pts, "800,190")
	for i, share := range r.GetPareto() {
		pts = append(pts, fmt.Sprintf("%.1f,%.1f", 800+1.6*float64(i+1), 190-160*share))
	}
	fmt.Fprintf(&b, `<polyline points="%s" fill="none" stroke="#e53e3e" stroke-width="2"/>`, strings.Join(pts, " "))
	text(800, 210, fmt.Sprintf("top 20%%: %.0f%% of revenue", 100*paretoAt(r, 20)), "")
	text(800, 228, fmt.Sprintf("ABC: A %d, B %d, C %d", r.GetAbc()["A"], r.GetAbc()["B"], r.GetAbc()["C"]), "")
	b.WriteString("</svg>\n")
	return b.String()
}
