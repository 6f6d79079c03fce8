// Copyright 2026 The kanri Authors
// SPDX-License-Identifier: Apache-2.0

package cli

import (
	"context"
	"errors"
	"fmt"
	"image"
	"image/color"
	"io"
	"math"
	"os"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/aws/aws-sdk-go-v2/service/ssm"
	"github.com/spf13/cobra"
	"golang.org/x/term"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/text"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
	"gonum.org/v1/plot/vg/vgsvg"

	"github.com/kanri-dev/kanri/internal/inventory"
)

func newInventoryChartCmd(env *Env) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "chart",
		Short: "Count the instances with each value of an attribute, as a bar chart",
		Long: `Count the instances with each value of an attribute of --type (--by,
default Version) among the entries that pass the filters, and draw the
counts as bars in the terminal, scaled to its width (or --width), in version
order of the values (--sort count: most instances first). An instance with
two entries of one value counts once for it; one with entries of two values
counts for each. GetInventory's aggregators do the counting.

--svg and --png also write the chart as an image: a title, the values on
the vertical axis, instances on the horizontal, and each bar's count.

` + filterHelp,
		Example: `  kanri inventory chart --filter Name~jdk,jre
  kanri inventory chart --filter Name^=openjdk --sort count --limit 10
  kanri inventory chart --filter Name~jdk,jre --filter AWS:InstanceInformation.PlatformName=Ubuntu
  kanri inventory chart --type AWS:InstanceInformation --by PlatformVersion
  kanri inventory chart --filter Name~jdk,jre --svg java.svg --png java.png --image-size 1200x800`,
	}
	cf := addClientFlags(cmd)
	f := cmd.Flags()
	typeName := f.String("type", typeApplication, "the inventory type counted")
	filters := f.StringArray("filter", nil, "count only entries that pass this filter, e.g. 'Name~jdk' (repeatable: all must pass)")
	by := f.String("by", "Version", "the attribute of --type whose values are counted")
	sortBy := f.String("sort", "value", "order of the bars: value (version order) or count (most instances first)")
	limit := f.Int("limit", 0, "show only this many values, those with the most instances (0: all)")
	width := f.Int("width", 0, "width of the terminal chart in columns (default the terminal's, else $COLUMNS, else 80)")
	svgFile := f.String("svg", "", "also write the chart to this SVG file")
	pngFile := f.String("png", "", "also write the chart to this PNG file")
	imageSize := f.String("image-size", "", "size of the images in pixels, WIDTHxHEIGHT (default 800 wide, 40 high a bar, 300 to 10000)")
	asJSON := f.Bool("json", false, "print the counts as JSON (as --output json)")
	cmd.RunE = func(cmd *cobra.Command, args []string) error {
		if *asJSON {
			cf.output = "json"
		}
		if *sortBy != "value" && *sortBy != "count" {
			return usageError{fmt.Errorf("--sort %q: want value or count", *sortBy)}
		}
		if *limit < 0 || *width < 0 {
			return usageError{errors.New("--limit and --width cannot be negative")}
		}
		if *by == "" {
			return usageError{errors.New("--by: give an attribute of --type, e.g. Version")}
		}
		var fs []invFilter
		var texts []string
		for _, s := range *filters {
			pf, err := parseInvFilter(s, *typeName)
			if err != nil {
				return err
			}
			fs = append(fs, pf)
			texts = append(texts, pf.text)
		}
		var imgW, imgH int
		if *imageSize != "" {
			var err error
			if imgW, imgH, err = parseImageSize(*imageSize); err != nil {
				return err
			}
		}
		cfg, err := cf.awsConfig(cmd.Context(), env)
		if err != nil {
			return err
		}
		client := ssm.NewFromConfig(cfg)
		q, err := resolveFilters(cmd.Context(), client, fs)
		if err != nil {
			return err
		}
		counts, err := countInstances(cmd.Context(), client, q, *typeName, *by)
		if err != nil {
			return err
		}
		bars := chartBars(counts, *sortBy == "count", *limit)
		title := chartTitle(*typeName, *by, texts)
		if *imageSize == "" {
			imgW, imgH = 800, min(10000, max(300, 100+40*len(bars)))
		}
		for _, img := range []struct{ file, format string }{{*svgFile, "svg"}, {*pngFile, "png"}} {
			if img.file == "" {
				continue
			}
			if err := writeChartImage(img.file, img.format, title, *by, bars, imgW, imgH); err != nil {
				return err
			}
		}
		if cf.output == "json" {
			if texts == nil {
				texts = []string{}
			}
			if bars == nil {
				bars = []bar{}
			}
			return printJSON(env.Stdout, struct {
				TypeName, Attribute string
				Filters             []string
				Counts              []bar
			}{*typeName, *by, texts, bars})
		}
		fmt.Fprintln(env.Stdout, title)
		if len(bars) == 0 {
			fmt.Fprintln(env.Stdout, "no instances match")
			return nil
		}
		w := *width
		if w == 0 {
			w = terminalWidth(env, env.Stdout)
		}
		renderBars(env.Stdout, bars, w)
		return nil
	}
	return cmd
}

// bar is one bar of a chart: a value and the number of instances with it.
type bar struct {
	Value string
	Count int
}

// countInstances counts the instances with each value of attr among the
// entries of typeName that pass the query. GetInventory counts them with an
// aggregator when the query is one request; when it takes several (a ~
// filter matched more than 40 values), the instances are counted here from
// the entries the requests list, since an instance may be in the answer of
// several.
func countInstances(ctx context.Context, client *ssm.Client, q *invQuery, typeName, attr string) (map[string]int, error) {
	reqs := q.requests()
	switch len(reqs) {
	case 0:
		return map[string]int{}, nil
	case 1:
		return aggregateCounts(ctx, client, reqs[0], typeName, attr)
	}
	found, err := listEntries(ctx, client, q, typeName, true)
	if err != nil {
		return nil, err
	}
	counts := map[string]int{}
	for _, ie := range found {
		seen := map[string]bool{}
		for _, e := range ie.entries {
			if v, ok := e[attr]; ok && !seen[v] {
				seen[v] = true
				counts[v]++
			}
		}
	}
	return counts, nil
}

// chartBars returns the bars of counts: in version order of their values,
// or with byCount by count, most first (then in version order); with a
// limit, only the limit values with the most instances.
func chartBars(counts map[string]int, byCount bool, limit int) []bar {
	var bars []bar
	for v, n := range counts {
		bars = append(bars, bar{v, n})
	}
	mostFirst := func(a, b bar) int {
		if a.Count != b.Count {
			return b.Count - a.Count
		}
		return inventory.CompareValues(a.Value, b.Value)
	}
	if limit > 0 && len(bars) > limit {
		slices.SortFunc(bars, mostFirst)
		bars = bars[:limit]
	}
	if byCount {
		slices.SortFunc(bars, mostFirst)
	} else {
		slices.SortFunc(bars, func(a, b bar) int { return inventory.CompareValues(a.Value, b.Value) })
	}
	return bars
}

// chartTitle names what a chart counts: "Instances by AWS:Application
// Version (Name~java)".
func chartTitle(typeName, attr string, filters []string) string {
	t := "Instances by " + typeName + " " + attr
	if len(filters) > 0 {
		t += " (" + strings.Join(filters, ", ") + ")"
	}
	return t
}

// eighths are the block characters of a bar's last, partial cell: one to
// seven eighths of a cell.
const eighths = "▏▎▍▌▋▊▉"

// renderBars draws bars, one a line, in width columns: the value (cut
// with "…" past a third of the width), a bar of full and partial blocks
// whose length is proportional to the count (the largest fills the bar
// column, any count above zero shows), and the count, right-aligned.
func renderBars(w io.Writer, bars []bar, width int) {
	maxCount, labelW := 0, 0
	for _, b := range bars {
		maxCount = max(maxCount, b.Count)
		labelW = max(labelW, utf8.RuneCountInString(b.Value))
	}
	labelW = min(labelW, max(8, width/3))
	countW := len(strconv.Itoa(maxCount))
	barW := max(10, width-labelW-countW-4)
	partial := strings.Split(eighths, "")
	for _, b := range bars {
		label := b.Value
		if n := utf8.RuneCountInString(label); n > labelW {
			label = string([]rune(label)[:labelW-1]) + "…"
		}
		units := 0 // eighths of a cell
		if maxCount > 0 {
			units = (b.Count*barW*8 + maxCount/2) / maxCount
		}
		if b.Count > 0 && units == 0 {
			units = 1
		}
		cells := strings.Repeat("█", units/8)
		used := units / 8
		if r := units % 8; r > 0 {
			cells += partial[r-1]
			used++
		}
		fmt.Fprintf(w, "%s%s  %s%s  %*d\n", label, strings.Repeat(" ", labelW-utf8.RuneCountInString(label)),
			cells, strings.Repeat(" ", barW-used), countW, b.Count)
	}
}

// terminalWidth returns the width in columns of the terminal out writes
// to; else $COLUMNS; else 80.
func terminalWidth(env *Env, out io.Writer) int {
	if f, ok := out.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		if cols, _, err := term.GetSize(int(f.Fd())); err == nil && cols > 0 {
			return cols
		}
	}
	if n, err := strconv.Atoi(env.getenv("COLUMNS")); err == nil && n > 0 {
		return n
	}
	return 80
}

// parseImageSize reads an image size, WIDTHxHEIGHT in pixels.
func parseImageSize(s string) (w, h int, err error) {
	ws, hs, ok := strings.Cut(s, "x")
	w, werr := strconv.Atoi(ws)
	h, herr := strconv.Atoi(hs)
	if !ok || werr != nil || herr != nil || w < 100 || h < 100 || w > 10000 || h > 10000 {
		return 0, 0, usageError{fmt.Errorf("--image-size %q: want WIDTHxHEIGHT in pixels, each 100 to 10000, e.g. 800x600", s)}
	}
	return w, h, nil
}

// imageDPI is the resolution at which an image's pixels are laid out: a
// pixel is 0.75 points, as in web browsers.
const imageDPI = 96

// writeChartImage draws bars as a horizontal bar chart with gonum/plot —
// title, values on the vertical axis (the first bar at the top), instances
// on the horizontal, each bar's count at its end — and writes it to file
// as format, svg or png, w×h pixels.
func writeChartImage(file, format, title, attr string, bars []bar, w, h int) error {
	p, err := chartPlot(title, attr, bars, vg.Length(h)*vg.Inch/imageDPI)
	if err != nil {
		return fmt.Errorf("chart %s: %w", file, err)
	}
	var out io.WriterTo
	switch format {
	case "svg":
		c := vgsvg.New(vg.Length(w)*vg.Inch/imageDPI, vg.Length(h)*vg.Inch/imageDPI)
		p.Draw(withMargin(c))
		out = c
	case "png":
		c := vgimg.NewWith(vgimg.UseImage(image.NewRGBA(image.Rect(0, 0, w, h))), vgimg.UseDPI(imageDPI))
		p.Draw(withMargin(c))
		out = vgimg.PngCanvas{Canvas: c}
	default:
		return fmt.Errorf("chart %s: unknown image format %q", file, format)
	}
	f, err := os.Create(file)
	if err != nil {
		return err
	}
	if _, err := out.WriteTo(f); err != nil {
		f.Close()
		return fmt.Errorf("write %s: %w", file, err)
	}
	return f.Close()
}

// withMargin returns a drawing area of c with a margin on every side.
func withMargin(c vg.CanvasSizer) draw.Canvas {
	m := vg.Points(10)
	return draw.Crop(draw.New(c), m, -m, m, -m)
}

// chartPlot builds the plot of bars for an image height points high.
func chartPlot(title, attr string, bars []bar, height vg.Length) (*plot.Plot, error) {
	p := plot.New()
	p.Title.Text = title
	p.Title.Padding = vg.Points(8)
	p.X.Label.Text = "Instances"
	p.Y.Label.Text = attr
	p.X.Min = 0
	p.X.Tick.Marker = integerTicks{}
	grid := plotter.NewGrid()
	grid.Horizontal.Color = nil
	p.Add(grid)
	n := len(bars)
	if n == 0 {
		p.X.Max = 1
		p.HideY()
		p.Title.Text += ": no instances match"
		return p, nil
	}
	values := make(plotter.Values, n)
	names := make([]string, n)
	at := make(plotter.XYs, n)
	counts := make([]string, n)
	for i, b := range bars {
		j := n - 1 - i // the first bar at the top
		values[j], names[j], counts[j] = float64(b.Count), b.Value, strconv.Itoa(b.Count)
		at[j] = plotter.XY{X: float64(b.Count), Y: float64(j)}
	}
	bc, err := plotter.NewBarChart(values, max(vg.Points(2), (height-vg.Points(100))/vg.Length(n)*0.7))
	if err != nil {
		return nil, err
	}
	bc.Horizontal = true
	bc.Color = color.RGBA{R: 0x46, G: 0x82, B: 0xb4, A: 0xff}
	bc.LineStyle.Width = 0
	labels, err := plotter.NewLabels(plotter.XYLabels{XYs: at, Labels: counts})
	if err != nil {
		return nil, err
	}
	for i := range labels.TextStyle {
		labels.TextStyle[i].YAlign = text.YCenter
	}
	labels.Offset = vg.Point{X: vg.Points(4)}
	p.Add(bc, labels)
	p.NominalY(names...)
	return p, nil
}

// integerTicks marks the instances axis at whole numbers only.
type integerTicks struct{}

// Ticks returns plot's default ticks between lo and hi that are whole
// numbers, labeled as integers.
func (integerTicks) Ticks(lo, hi float64) []plot.Tick {
	var ticks []plot.Tick
	for _, t := range (plot.DefaultTicks{}).Ticks(lo, hi) {
		if t.Value != math.Trunc(t.Value) {
			continue
		}
		if t.Label != "" {
			t.Label = strconv.FormatFloat(t.Value, 'f', 0, 64)
		}
		ticks = append(ticks, t)
	}
	return ticks
}
