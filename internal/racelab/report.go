package racelab

import (
	"fmt"
	"image/color"
	"slices"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
)

// Group is the runs of one case over its seeds.
type Group struct {
	Key  string
	Runs []Result
}

// Groups gathers results by case (mode, policy, lock, guard, lifetime),
// in the order first seen.
func Groups(results []Result) []Group {
	var gs []Group
	for _, r := range results {
		k := key(r)
		i := slices.IndexFunc(gs, func(g Group) bool { return g.Key == k })
		if i < 0 {
			gs = append(gs, Group{Key: k})
			i = len(gs) - 1
		}
		gs[i].Runs = append(gs[i].Runs, r)
	}
	return gs
}

func key(r Result) string {
	if r.Client == Real {
		return fmt.Sprintf("real | %s | %s | %s", r.Mode, r.Fault, r.Policy)
	}
	lock := "no lock"
	if r.Lock {
		lock = "lock"
	}
	mode := "shared login"
	if r.Mode == SetupToken {
		mode = "claude-launch + setup token"
	}
	s := fmt.Sprintf("%s | %s | %s", mode, r.Policy, lock)
	if r.Guard {
		s += " + guard"
	}
	if r.GraceSeconds > 0 {
		s = strings.Replace(s, string(r.Policy), fmt.Sprintf("%s, %gs reuse window", r.Policy, r.GraceSeconds), 1)
	}
	return fmt.Sprintf("%s | %gs", s, r.LifetimeSeconds)
}

// spread formats the mean and range of f over the runs.
func spread(runs []Result, f func(Result) float64, prec int) string {
	lo, hi, sum := f(runs[0]), f(runs[0]), 0.0
	for _, r := range runs {
		v := f(r)
		lo, hi, sum = min(lo, v), max(hi, v), sum+v
	}
	mean := sum / float64(len(runs))
	if lo == hi {
		return fmt.Sprintf("%.*f", prec, mean)
	}
	return fmt.Sprintf("%.*f (%.*f-%.*f)", prec, mean, prec, lo, prec, hi)
}

// Tables are the report's two Markdown tables: the model's, and the real
// claude's when it ran.
func Tables(results []Result) string {
	s := Table(results)
	if t := RealTable(results); t != "" {
		s += "\n" + t
	}
	return s
}

// only is the results of one client.
func only(results []Result, client string) []Result {
	var out []Result
	for _, r := range results {
		if r.Client == client || client == Model && r.Client == "" {
			out = append(out, r)
		}
	}
	return out
}

// RealTable is the real claude's runs as a Markdown table, one row per
// case; "" when there were none.
func RealTable(results []Result) string {
	results = only(results, Real)
	if len(results) == 0 {
		return ""
	}
	var b strings.Builder
	b.WriteString("| agents' login | fault | claude | runs | agents logged out | blanked writes | refresh calls | failed calls | calls | claude auth status afterwards |\n")
	b.WriteString("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |\n")
	for _, g := range Groups(results) {
		r0 := g.Runs[0]
		mode := "shared login, claude's lock"
		if r0.Mode == SetupToken {
			mode = "claude-launch + setup token"
		}
		var after []string
		for _, r := range g.Runs {
			if !slices.Contains(after, r.LoginAfter) {
				after = append(after, r.LoginAfter)
			}
		}
		f := func(get func(Result) int) string {
			return spread(g.Runs, func(r Result) float64 { return float64(get(r)) }, 0)
		}
		fmt.Fprintf(&b, "| %s | %s | %s | %d | %s of %d | %s | %s | %s | %s | %s |\n",
			mode, r0.Fault, r0.ClaudeVersion, len(g.Runs),
			f(func(r Result) int { return r.Logouts }), r0.Agents,
			f(func(r Result) int { return r.BlankedWrites }), f(func(r Result) int { return r.Refreshes }),
			f(func(r Result) int { return r.FailedCalls }), f(func(r Result) int { return r.Calls }),
			"`"+strings.Join(after, "`, `")+"`")
	}
	return b.String()
}

// Table is the model's runs as a Markdown table, one row per case.
func Table(results []Result) string {
	results = only(results, Model)
	var b strings.Builder
	b.WriteString("| agents' login | reused refresh token | client | lifetime | seeds | hours to first logout | logouts per day | blanked writes | refresh calls | failed calls |\n")
	b.WriteString("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |\n")
	for _, g := range Groups(results) {
		r0 := g.Runs[0]
		first := "none"
		var firsts []float64
		for _, r := range g.Runs {
			if r.FirstLogoutHours != nil {
				firsts = append(firsts, *r.FirstLogoutHours)
			}
		}
		if len(firsts) > 0 {
			slices.Sort(firsts)
			first = fmt.Sprintf("%.1f (%.1f-%.1f)", firsts[len(firsts)/2], firsts[0], firsts[len(firsts)-1])
			if len(firsts) < len(g.Runs) {
				first += fmt.Sprintf(", none in %d of %d", len(g.Runs)-len(firsts), len(g.Runs))
			}
		} else {
			first = fmt.Sprintf("none in %.0f h", r0.SimulatedHours)
		}
		parts := strings.Split(g.Key, " | ")
		fmt.Fprintf(&b, "| %s | %s | %s | %gs = 8 h | %d | %s | %s | %s | %s | %s |\n",
			parts[0], parts[1], parts[2], r0.LifetimeSeconds, len(g.Runs), first,
			spread(g.Runs, func(r Result) float64 { return float64(r.Logouts) / (r.SimulatedHours / 24) }, 2),
			spread(g.Runs, func(r Result) float64 { return float64(r.BlankedWrites) }, 0),
			spread(g.Runs, func(r Result) float64 { return float64(r.Refreshes) }, 0),
			spread(g.Runs, func(r Result) float64 { return float64(r.FailedCalls) }, 0))
	}
	return b.String()
}

// Plot draws the logouts over simulated time of each case at lifetime
// (seconds): the mean cumulative count over its seeds.
func Plot(results []Result, lifetime float64, path string) error {
	results = only(results, Model)
	p := plot.New()
	p.Title.Text = "Logouts over simulated time (mean over seeds)"
	p.X.Label.Text = "simulated hours"
	p.Y.Label.Text = "logouts (cumulative)"
	p.Legend.Top = true
	p.Legend.Left = true
	p.Add(plotter.NewGrid())
	palette := []color.Color{
		color.RGBA{R: 0xd6, G: 0x27, B: 0x28, A: 0xff}, color.RGBA{R: 0xff, G: 0x7f, B: 0x0e, A: 0xff},
		color.RGBA{R: 0x94, G: 0x67, B: 0xbd, A: 0xff}, color.RGBA{R: 0x8c, G: 0x56, B: 0x4b, A: 0xff},
		color.RGBA{R: 0x17, G: 0xbe, B: 0xcf, A: 0xff}, color.RGBA{R: 0xe3, G: 0x77, B: 0xc2, A: 0xff},
		color.RGBA{R: 0x7f, G: 0x7f, B: 0x7f, A: 0xff}, color.RGBA{R: 0xbc, G: 0xbd, B: 0x22, A: 0xff},
	}
	setupDone := false
	i := 0
	for _, g := range Groups(results) {
		r0 := g.Runs[0]
		if r0.LifetimeSeconds != lifetime {
			continue
		}
		name := strings.TrimSuffix(g.Key, fmt.Sprintf(" | %gs", lifetime))
		col := palette[i%len(palette)]
		if r0.Mode == SetupToken {
			// Every setup-token case is the same flat line: draw it once.
			if setupDone {
				continue
			}
			setupDone = true
			name = "claude-launch + setup token (all four cases)"
			col = color.RGBA{G: 0x80, A: 0xff}
		} else {
			i++
		}
		pts := cumulative(g.Runs)
		line, err := plotter.NewLine(pts)
		if err != nil {
			return err
		}
		line.StepStyle = plotter.PostStep
		line.Color = col
		line.Width = vg.Points(1.5)
		if r0.Mode == SetupToken {
			line.Width = vg.Points(3)
		}
		p.Add(line)
		p.Legend.Add(name, line)
	}
	p.Legend.ThumbnailWidth = vg.Points(20)
	p.Legend.Padding = vg.Points(1)
	p.Legend.TextStyle.Font.Size = vg.Points(8)
	p.Legend.YOffs = -vg.Points(2)
	return p.Save(9*vg.Inch, 5*vg.Inch, path)
}

// cumulative is the mean count of logouts up to each hour over the runs.
func cumulative(runs []Result) plotter.XYs {
	end := runs[0].SimulatedHours
	var pts plotter.XYs
	for h := 0.0; h <= end+1e-9; h += end / 200 {
		n := 0
		for _, r := range runs {
			for _, t := range r.LogoutHours {
				if t <= h {
					n++
				}
			}
		}
		pts = append(pts, plotter.XY{X: h, Y: float64(n) / float64(len(runs))})
	}
	return pts
}

// PlotReal draws, for each fault, how many of the real claude agents were
// logged out on the shared login and through claude-launch with a setup
// token (the mean over runs).
func PlotReal(results []Result, path string) error {
	results = only(results, Real)
	var faults []string
	means := map[string]plotter.Values{}
	for _, g := range Groups(results) {
		r0 := g.Runs[0]
		if !slices.Contains(faults, r0.Fault) {
			faults = append(faults, r0.Fault)
		}
		sum := 0.0
		for _, r := range g.Runs {
			sum += float64(r.Logouts)
		}
		means[r0.Mode] = append(means[r0.Mode], sum/float64(len(g.Runs)))
	}
	p := plot.New()
	p.Title.Text = fmt.Sprintf("The real claude: agents logged out, of %d (mean over runs)", results[0].Agents)
	p.Y.Label.Text = "agents logged out"
	p.Y.Min, p.Y.Max = 0, float64(results[0].Agents)
	p.Legend.Top = true
	p.Legend.Left = true
	p.Y.Max = float64(results[0].Agents) + 2 // room for the legend
	w := vg.Points(18)
	for i, m := range []struct {
		mode, name string
		col        color.Color
	}{
		{SharedLogin, "shared login, claude's own lock", color.RGBA{R: 0xd6, G: 0x27, B: 0x28, A: 0xff}},
		{SetupToken, "claude-launch + setup token", color.RGBA{G: 0x80, A: 0xff}},
	} {
		if len(means[m.mode]) == 0 {
			continue
		}
		bars, err := plotter.NewBarChart(means[m.mode], w)
		if err != nil {
			return err
		}
		bars.Color = m.col
		bars.LineStyle.Width = 0
		bars.Offset = vg.Length(2*i-1) * w / 2
		p.Add(bars)
		if !slices.ContainsFunc(means[m.mode], func(v float64) bool { return v > 0 }) {
			m.name += ": 0 in every case"
		}
		p.Legend.Add(m.name, bars)
	}
	p.NominalX(faults...)
	p.Add(plotter.NewGrid())
	return p.Save(9*vg.Inch, 4*vg.Inch, path)
}
