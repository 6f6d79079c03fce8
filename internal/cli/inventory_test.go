// Copyright 2026 The kanri Authors
// SPDX-License-Identifier: Apache-2.0

package cli

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"image/color"
	"image/png"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	"github.com/aws/aws-sdk-go-v2/service/ssm/types"
	"github.com/google/go-cmp/cmp"
	"github.com/nats-io/nkeys"

	"github.com/kanri-dev/kanri/internal/agentproto"
	"github.com/kanri-dev/kanri/internal/inventory"
	"github.com/kanri-dev/kanri/internal/kanritest"
)

func TestInventoryParseFilter(t *testing.T) {
	const app = "AWS:Application"
	tests := []struct {
		in   string
		want invFilter
	}{
		{"Name=openjdk-17-jre", invFilter{typeName: app, attr: "Name", op: opEqual, values: []string{"openjdk-17-jre"}}},
		{"Name!=bash", invFilter{typeName: app, attr: "Name", op: opNotEqual, values: []string{"bash"}}},
		{"Name^=openjdk,temurin", invFilter{typeName: app, attr: "Name", op: opBeginWith, values: []string{"openjdk", "temurin"}}},
		{"Name~Java", invFilter{typeName: app, attr: "Name", op: opContains, values: []string{"Java"}}},
		{"Version<17", invFilter{typeName: app, attr: "Version", op: opLessThan, values: []string{"17"}}},
		{"Version>1.8.0_381", invFilter{typeName: app, attr: "Version", op: opGreaterThan, values: []string{"1.8.0_381"}}},
		{"AWS:InstanceInformation.PlatformName=Ubuntu", invFilter{typeName: "AWS:InstanceInformation", attr: "PlatformName", op: opEqual, values: []string{"Ubuntu"}}},
		{"Custom:Rack.Row^=3", invFilter{typeName: "Custom:Rack", attr: "Row", op: opBeginWith, values: []string{"3"}}},
		// The first operator splits; the value may hold operator characters.
		{"Name=a^=b~c", invFilter{typeName: app, attr: "Name", op: opEqual, values: []string{"a^=b~c"}}},
	}
	for _, tt := range tests {
		got, err := parseInvFilter(tt.in, app)
		tt.want.text = tt.in
		if err != nil {
			t.Errorf("parseInvFilter(%q) error = %v", tt.in, err)
			continue
		}
		if diff := cmp.Diff(tt.want, got, cmp.AllowUnexported(invFilter{})); diff != "" {
			t.Errorf("parseInvFilter(%q) mismatch (-want +got):\n%s", tt.in, diff)
		}
	}
	for _, in := range []string{"Name", "=java", "Name^java", "Name!java", "Name=", "Name~", "Version<=17", "Version>=17", "Name=a,,b", ".Name=x", "AWS:Application.=x"} {
		_, err := parseInvFilter(in, app)
		var ue usageError
		if err == nil || !errors.As(err, &ue) {
			t.Errorf("parseInvFilter(%q) error = %v, want a usage error", in, err)
		}
	}
	// What GetInventory is sent.
	for in, want := range map[string]types.InventoryQueryOperatorType{
		"Name=x": types.InventoryQueryOperatorTypeEqual, "Name!=x": types.InventoryQueryOperatorTypeNotEqual,
		"Name^=x": types.InventoryQueryOperatorTypeBeginWith, "Name~x": types.InventoryQueryOperatorTypeEqual,
		"Version<1": types.InventoryQueryOperatorTypeLessThan, "Version>1": types.InventoryQueryOperatorTypeGreaterThan,
	} {
		f, _ := parseInvFilter(in, app)
		if got := f.wire([]string{"v"}); got.Type != want || aws.ToString(got.Key) != app+"."+f.attr {
			t.Errorf("parseInvFilter(%q).wire() = %s %s, want %s %s.%s", in, got.Type, aws.ToString(got.Key), want, app, f.attr)
		}
	}
}

func TestInventoryCompareVersions(t *testing.T) {
	// Each is less than the next.
	ordered := []string{"", "1", "1.8.0_381", "2.0", "2.0.1", "8.0.3810.9", "9", "10", "11.0.2", "11.0.22+7-1", "17.0.2", "17.0.10", "17.0.10+7-1", "a", "b1", "b10"}
	for i := range ordered {
		for j := range ordered {
			want := 0
			if i < j {
				want = -1
			} else if i > j {
				want = 1
			}
			if got := inventory.CompareValues(ordered[i], ordered[j]); got != want {
				t.Errorf("inventory.CompareValues(%q, %q) = %d, want %d", ordered[i], ordered[j], got, want)
			}
		}
	}
	// Equal as numbers, ordered by bytes.
	if got := inventory.CompareValues("01", "1"); got != -1 {
		t.Errorf(`inventory.CompareValues("01", "1") = %d, want -1`, got)
	}
}

func TestInventoryRenderBars(t *testing.T) {
	bars := []bar{{"8", 1}, {"11.0.22", 3}, {"17.0.10+7-1", 6}}
	var b bytes.Buffer
	renderBars(&b, bars, 40)
	// Labels 11 wide, counts 1: a bar column of 40-11-1-4 = 24 cells, 192
	// eighths; 6 fills it, 3 is 96 eighths (12 cells), 1 is 32 (4 cells).
	want := "8            ████                      1\n" +
		"11.0.22      ████████████              3\n" +
		"17.0.10+7-1  ████████████████████████  6\n"
	if got := b.String(); got != want {
		t.Errorf("renderBars(width 40) =\n%s\nwant\n%s", got, want)
	}

	// Partial cells: a 10-cell column (the least), 80 eighths; 2 of 7 is
	// 22.86, so 23 eighths: 2 cells and ▉ (seven eighths); 0 is empty.
	b.Reset()
	renderBars(&b, []bar{{"a", 2}, {"b", 7}, {"c", 0}}, 10)
	want = "a  ██▉         2\n" +
		"b  ██████████  7\n" +
		"c              0\n"
	if got := b.String(); got != want {
		t.Errorf("renderBars(width 10) =\n%s\nwant\n%s", got, want)
	}

	// A long label is cut at a third of the width (10); counts 4 wide
	// leave 12 cells; a count too small for an eighth still shows one.
	b.Reset()
	renderBars(&b, []bar{{"openjdk-17-jre-headless", 1}, {"x", 1000}}, 30)
	want = "openjdk-1…  ▏                1\n" +
		"x           ████████████  1000\n"
	if got := b.String(); got != want {
		t.Errorf("renderBars(long label) =\n%s\nwant\n%s", got, want)
	}
}

func TestInventoryChartBars(t *testing.T) {
	counts := map[string]int{"17.0.10": 2, "17.0.2": 5, "8": 2, "11.0.22": 1}
	if got, want := chartBars(counts, false, 0), []bar{{"8", 2}, {"11.0.22", 1}, {"17.0.2", 5}, {"17.0.10", 2}}; !slices.Equal(got, want) {
		t.Errorf("chartBars(by value) = %v, want %v", got, want)
	}
	if got, want := chartBars(counts, true, 0), []bar{{"17.0.2", 5}, {"8", 2}, {"17.0.10", 2}, {"11.0.22", 1}}; !slices.Equal(got, want) {
		t.Errorf("chartBars(by count) = %v, want %v", got, want)
	}
	if got, want := chartBars(counts, false, 2), []bar{{"8", 2}, {"17.0.2", 5}}; !slices.Equal(got, want) {
		t.Errorf("chartBars(limit 2) = %v, want %v", got, want)
	}
}

func TestInventoryQueryRequests(t *testing.T) {
	values := func(n int) []string {
		var v []string
		for i := range n {
			v = append(v, fmt.Sprintf("v%02d", i))
		}
		return v
	}
	fixed := types.InventoryFilter{Key: aws.String("AWS:Application.Version"), Values: []string{"17"}, Type: types.InventoryQueryOperatorTypeBeginWith}
	name := types.InventoryFilter{Key: aws.String("AWS:Application.Name"), Values: values(45), Type: types.InventoryQueryOperatorTypeEqual}
	host := types.InventoryFilter{Key: aws.String("AWS:InstanceInformation.ComputerName"), Values: values(81), Type: types.InventoryQueryOperatorTypeEqual}
	q := &invQuery{fixed: []types.InventoryFilter{fixed}, matched: []types.InventoryFilter{name, host}}
	reqs := q.requests()
	// 2 chunks of names (40, 5) by 3 of hosts (40, 40, 1).
	if len(reqs) != 6 {
		t.Fatalf("requests() = %d requests, want 6", len(reqs))
	}
	seen := map[string]int{}
	for _, r := range reqs {
		if len(r) != 3 || aws.ToString(r[0].Key) != "AWS:Application.Version" {
			t.Fatalf("request filters = %+v, want the fixed filter and one of each matched", r)
		}
		for _, f := range r[1:] {
			if len(f.Values) > maxFilterValues {
				t.Errorf("a filter of %d values, want at most %d", len(f.Values), maxFilterValues)
			}
			seen[aws.ToString(f.Key)+" "+strings.Join(f.Values, ",")]++
		}
	}
	// Each name chunk goes with each host chunk.
	if len(seen) != 5 {
		t.Errorf("distinct filters = %d, want 5 (2 name chunks, 3 host chunks)", len(seen))
	}
	if got := (&invQuery{none: true}).requests(); got != nil {
		t.Errorf("requests() of a query that matches nothing = %v, want none", got)
	}
}

// invRegister registers n managed instances and returns their IDs.
func invRegister(t *testing.T, k *kanritest.Kanri, client *ssm.Client, n int) []string {
	t.Helper()
	act, err := client.CreateActivation(t.Context(), &ssm.CreateActivationInput{IamRole: aws.String("kanri-dev-instance"), RegistrationLimit: aws.Int32(int32(n))})
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for range n {
		kp, err := nkeys.CreateUser()
		if err != nil {
			t.Fatal(err)
		}
		pub, _ := kp.PublicKey()
		body, _ := json.Marshal(agentproto.RegisterRequest{ActivationID: aws.ToString(act.ActivationId), ActivationCode: aws.ToString(act.ActivationCode),
			PublicKey: pub, Facts: agentproto.Facts{ComputerName: "host", PlatformType: "Linux"}})
		resp, err := http.Post(k.Endpoint+agentproto.PathRegister, "application/json", bytes.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		var reg agentproto.RegisterResponse
		err = json.NewDecoder(resp.Body).Decode(&reg)
		resp.Body.Close()
		if err != nil || resp.StatusCode != http.StatusOK {
			t.Fatalf("register: %d %v", resp.StatusCode, err)
		}
		ids = append(ids, reg.InstanceID)
	}
	return ids
}

// TestInventoryCommands puts inventory through the SDK for a small fleet
// and runs kanri inventory search and chart against it.
func TestInventoryCommands(t *testing.T) {
	k := kanritest.Start(t, kanritest.Options{})
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", k.CredentialsFile())
	t.Setenv("AWS_CONFIG_FILE", k.ConfigFile())
	for _, v := range []string{"AWS_PROFILE", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_ENDPOINT_URL", "AWS_REGION"} {
		t.Setenv(v, "")
	}
	must := func(args ...string) string {
		t.Helper()
		out, stderr, code := run(t, nil, args...)
		if code != 0 {
			t.Fatalf("kanri %s: exit %d: %s", strings.Join(args, " "), code, stderr)
		}
		return out
	}
	client := ssm.NewFromConfig(k.Config())
	ids := invRegister(t, k, client, 5)
	web1, web2, db1, cache1, build1 := ids[0], ids[1], ids[2], ids[3], ids[4]
	type app struct{ name, version, publisher string }
	var plugins []app
	for i := 1; i <= 45; i++ {
		plugins = append(plugins, app{fmt.Sprintf("libxyz-plugin-%02d", i), "2.0", ""})
	}
	fleet := []struct {
		id, computer string
		apps         []app
	}{
		{web1, "web-1", []app{{"openjdk-17-jre-headless", "17.0.10+7-1", "Ubuntu Developers"}, {"openjdk-17-jre", "17.0.10+7-1", "Ubuntu Developers"},
			{"bash", "5.1-6", ""}, {"libxyz-plugin-01", "2.0", ""}, {"libxyz-plugin-45", "2.0", ""}}},
		{web2, "web-2", []app{{"openjdk-11-jre-headless", "11.0.22+7-1", "Ubuntu Developers"}, {"Oracle Java SE JDK", "1.8.0_381", "Oracle Corporation"},
			{"nginx", "1.24.0", ""}}},
		{db1, "db-1", []app{{"openjdk-17-jdk", "17.0.2", ""}, {"postgresql-16", "16.2", ""}}},
		{cache1, "cache-1", []app{{"redis-server", "7.0.15", ""}}},
		{build1, "build-1", append([]app{{"openjdk-17-jre-headless", "17.0.10+7-1", "Ubuntu Developers"}}, plugins...)},
	}
	for _, in := range fleet {
		var content []map[string]string
		for _, a := range in.apps {
			e := map[string]string{"Name": a.name, "Version": a.version}
			if a.publisher != "" {
				e["Publisher"] = a.publisher
			}
			content = append(content, e)
		}
		_, err := client.PutInventory(t.Context(), &ssm.PutInventoryInput{InstanceId: aws.String(in.id), Items: []types.InventoryItem{
			{TypeName: aws.String("AWS:InstanceInformation"), SchemaVersion: aws.String("1.0"), CaptureTime: aws.String("2026-03-01T10:00:00Z"),
				Content: []map[string]string{{"ComputerName": in.computer, "PlatformType": "Linux"}}},
			{TypeName: aws.String("AWS:Application"), SchemaVersion: aws.String("1.1"), CaptureTime: aws.String("2026-03-01T10:00:00Z"), Content: content},
		}})
		if err != nil {
			t.Fatalf("PutInventory(%s): %v", in.computer, err)
		}
	}

	// search: case-insensitive, by name, then version, then instance.
	headless := []invMatch{
		{InstanceID: web1, ComputerName: "web-1", Name: "openjdk-17-jre-headless", Version: "17.0.10+7-1", Publisher: "Ubuntu Developers"},
		{InstanceID: build1, ComputerName: "build-1", Name: "openjdk-17-jre-headless", Version: "17.0.10+7-1", Publisher: "Ubuntu Developers"},
	}
	slices.SortFunc(headless, func(a, b invMatch) int { return strings.Compare(a.InstanceID, b.InstanceID) })
	openjdk11 := invMatch{InstanceID: web2, ComputerName: "web-2", Name: "openjdk-11-jre-headless", Version: "11.0.22+7-1", Publisher: "Ubuntu Developers"}
	oracle := invMatch{InstanceID: web2, ComputerName: "web-2", Name: "Oracle Java SE JDK", Version: "1.8.0_381", Publisher: "Oracle Corporation"}
	wantJDK := slices.Concat([]invMatch{
		openjdk11,
		{InstanceID: db1, ComputerName: "db-1", Name: "openjdk-17-jdk", Version: "17.0.2"},
		{InstanceID: web1, ComputerName: "web-1", Name: "openjdk-17-jre", Version: "17.0.10+7-1", Publisher: "Ubuntu Developers"},
	}, headless, []invMatch{oracle})
	var got []invMatch
	if err := json.Unmarshal([]byte(must("inventory", "search", "JDK", "--json")), &got); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(wantJDK, got); diff != "" {
		t.Errorf("inventory search JDK --json mismatch (-want +got):\n%s", diff)
	}
	lines := strings.Split(strings.TrimSpace(must("inventory", "search", "jdk")), "\n")
	if len(lines) != 8 || !strings.HasPrefix(lines[0], "NAME ") || lines[7] != "6 entries on 4 instances" {
		t.Fatalf("inventory search jdk =\n%s", strings.Join(lines, "\n"))
	}
	for i, m := range wantJDK {
		if f := strings.Fields(lines[i+1]); !slices.Contains(f, m.InstanceID) || !slices.Contains(f, m.ComputerName) ||
			!slices.Contains(f, m.Version) || !strings.HasPrefix(lines[i+1], m.Name+" ") {
			t.Errorf("inventory search jdk line %d = %q, want %+v", i+1, lines[i+1], m)
		}
	}
	// Only Oracle's name contains "java"; the openjdk packages' do not.
	if err := json.Unmarshal([]byte(must("inventory", "search", "Java", "--output", "json")), &got); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]invMatch{oracle}, got); diff != "" {
		t.Errorf("inventory search Java mismatch (-want +got):\n%s", diff)
	}
	if err := json.Unmarshal([]byte(must("inventory", "search", "jdk", "--filter", "Version<17", "--output", "json")), &got); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]invMatch{openjdk11, oracle}, got); diff != "" {
		t.Errorf("inventory search jdk --filter Version<17 mismatch (-want +got):\n%s", diff)
	}
	// 45 matching names: more than one filter takes.
	if out := must("inventory", "search", "xyz-plugin"); !strings.HasSuffix(out, "\n47 entries on 2 instances\n") {
		t.Errorf("inventory search xyz-plugin ends %q, want 47 entries on 2 instances", out[max(0, len(out)-80):])
	}
	if out := must("inventory", "search", "xyz-plugin,REDIS"); !strings.HasSuffix(out, "\n48 entries on 3 instances\n") {
		t.Errorf("inventory search xyz-plugin,REDIS ends %q, want 48 entries on 3 instances", out[max(0, len(out)-80):])
	}
	if out := must("inventory", "search", "no-such-thing"); out != "NAME  VERSION  INSTANCE  COMPUTER  PUBLISHER\n0 entries on 0 instances\n" {
		t.Errorf("inventory search no-such-thing = %q", out)
	}
	if out := must("inventory", "search", "no-such-thing", "--json"); out != "[]\n" {
		t.Errorf("inventory search no-such-thing --json = %q, want []", out)
	}

	// chart: counts of instances, in version order.
	type chart struct {
		TypeName, Attribute string
		Filters             []string
		Counts              []bar
	}
	chartJSON := func(args ...string) chart {
		t.Helper()
		var c chart
		if err := json.Unmarshal([]byte(must(append([]string{"inventory", "chart", "--json"}, args...)...)), &c); err != nil {
			t.Fatal(err)
		}
		return c
	}
	javaCounts := []bar{{"1.8.0_381", 1}, {"11.0.22+7-1", 1}, {"17.0.2", 1}, {"17.0.10+7-1", 2}}
	if diff := cmp.Diff(chart{"AWS:Application", "Version", []string{"Name~jdk"}, javaCounts}, chartJSON("--filter", "Name~jdk")); diff != "" {
		t.Errorf("inventory chart --filter Name~jdk mismatch (-want +got):\n%s", diff)
	}
	if c := chartJSON("--filter", "Name~jdk", "--sort", "count"); c.Counts[0] != (bar{"17.0.10+7-1", 2}) || len(c.Counts) != 4 {
		t.Errorf("inventory chart --sort count = %v, want 17.0.10+7-1 first", c.Counts)
	}
	if c := chartJSON("--filter", "Name~jdk", "--filter", "AWS:InstanceInformation.ComputerName^=web"); !cmp.Equal(c.Counts,
		[]bar{{"1.8.0_381", 1}, {"11.0.22+7-1", 1}, {"17.0.10+7-1", 1}}) {
		t.Errorf("inventory chart Name~jdk on web-* = %v", c.Counts)
	}
	if c := chartJSON("--by", "Name", "--filter", "Version^=17."); !cmp.Equal(c.Counts,
		[]bar{{"openjdk-17-jdk", 1}, {"openjdk-17-jre", 1}, {"openjdk-17-jre-headless", 2}}) {
		t.Errorf("inventory chart --by Name --filter Version^=17. = %v", c.Counts)
	}
	// More values than a filter takes: the requests' entries are counted
	// here, each instance once (web-1's two plugins are in different
	// requests), as the server counts them with a prefix.
	fs := []invFilter{{typeName: "AWS:Application", attr: "Name", op: opContains, values: []string{"XYZ-Plugin"}}}
	q, err := resolveFilters(t.Context(), client, fs)
	if err != nil {
		t.Fatal(err)
	}
	if n := len(q.requests()); n != 2 {
		t.Errorf("Name~XYZ-Plugin takes %d requests, want 2", n)
	}
	if c := chartJSON("--filter", "Name~XYZ-Plugin"); !cmp.Equal(c.Counts, []bar{{"2.0", 2}}) {
		t.Errorf("inventory chart --filter Name~XYZ-Plugin = %v, want 2.0: 2", c.Counts)
	}
	if c := chartJSON("--filter", "Name^=libxyz-plugin"); !cmp.Equal(c.Counts, []bar{{"2.0", 2}}) {
		t.Errorf("inventory chart --filter Name^=libxyz-plugin = %v, want 2.0: 2", c.Counts)
	}

	// The terminal chart.
	out := must("inventory", "chart", "--filter", "Name~jdk", "--width", "50")
	var want bytes.Buffer
	want.WriteString("Instances by AWS:Application Version (Name~jdk)\n")
	renderBars(&want, javaCounts, 50)
	if out != want.String() {
		t.Errorf("inventory chart --width 50 =\n%s\nwant\n%s", out, want.String())
	}
	lines = strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 5 || !strings.HasPrefix(lines[4], "17.0.10+7-1  "+strings.Repeat("█", 50-11-1-4)+"  2") || !strings.HasSuffix(lines[1], "  1") {
		t.Errorf("inventory chart --width 50 =\n%s", out)
	}
	if out := must("inventory", "chart", "--filter", "Name~no-such-thing"); out != "Instances by AWS:Application Version (Name~no-such-thing)\nno instances match\n" {
		t.Errorf("inventory chart with no match = %q", out)
	}

	// Images.
	dir := t.TempDir()
	svgFile, pngFile := filepath.Join(dir, "java.svg"), filepath.Join(dir, "java.png")
	must("inventory", "chart", "--filter", "Name~jdk", "--svg", svgFile, "--png", pngFile, "--image-size", "640x480")
	barColor := color.RGBA{R: 0x46, G: 0x82, B: 0xb4, A: 0xff} // steel blue
	texts, bars := svgContent(t, svgFile, barColor)
	for _, s := range []string{"Instances by AWS:Application Version (Name~jdk)", "Instances", "Version",
		"1.8.0_381", "11.0.22+7-1", "17.0.2", "17.0.10+7-1"} {
		if !slices.Contains(texts, s) {
			t.Errorf("SVG lacks the text %q; has %q", s, texts)
		}
	}
	if n := countOf(texts, "1"); n < 3 { // three bars' counts, and perhaps a tick
		t.Errorf("SVG has %d texts \"1\", want at least 3 (the counts): %q", n, texts)
	}
	if n := countOf(texts, "2"); n < 1 {
		t.Errorf("SVG has no text \"2\" (a count): %q", texts)
	}
	if bars != len(javaCounts) {
		t.Errorf("SVG has %d bars, want %d", bars, len(javaCounts))
	}
	f, err := os.Open(pngFile)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatalf("decode %s: %v", pngFile, err)
	}
	if b := img.Bounds(); b.Dx() != 640 || b.Dy() != 480 {
		t.Errorf("PNG is %dx%d, want 640x480", b.Dx(), b.Dy())
	}
	barPixels := 0
	for y := range img.Bounds().Dy() {
		for x := range img.Bounds().Dx() {
			if c := color.RGBAModel.Convert(img.At(x, y)).(color.RGBA); c == barColor {
				barPixels++
			}
		}
	}
	if barPixels < 1000 {
		t.Errorf("PNG has %d pixels of the bars' color, want bars", barPixels)
	}

	// Usage errors, and the server's.
	for _, args := range [][]string{
		{"inventory", "chart", "--sort", "size"},
		{"inventory", "chart", "--filter", "Name"},
		{"inventory", "chart", "--image-size", "10x10"},
		{"inventory", "chart", "--limit", "-1"},
		{"inventory", "search"},
		{"inventory", "search", "a", "b"},
		{"inventory", "search", "a,,b"},
		{"inventory", "search", ""},
		{"inventory", "search", "java", "--output", "yaml"},
	} {
		if _, stderr, code := run(t, nil, args...); code != ExitUsage {
			t.Errorf("kanri %s: exit %d (%s), want 2", strings.Join(args, " "), code, stderr)
		}
	}
	if _, stderr, code := run(t, nil, "inventory", "chart", "--type", "Custom:Nope"); code != ExitError || !strings.Contains(stderr, "InvalidTypeNameException") {
		t.Errorf("inventory chart --type Custom:Nope: exit %d, %q; want 1 and InvalidTypeNameException", code, stderr)
	}
}

// svgContent parses an SVG file as XML and returns its texts and the
// number of paths filled with barColor.
func svgContent(t *testing.T, file string, barColor color.RGBA) (texts []string, bars int) {
	t.Helper()
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	fill := fmt.Sprintf("fill:#%02X%02X%02X", barColor.R, barColor.G, barColor.B)
	d := xml.NewDecoder(bytes.NewReader(b))
	inText := false
	for {
		tok, err := d.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("%s is not XML: %v", file, err)
		}
		switch tok := tok.(type) {
		case xml.StartElement:
			inText = tok.Name.Local == "text"
			if tok.Name.Local == "path" {
				for _, a := range tok.Attr {
					if a.Name.Local == "style" && strings.Contains(strings.ToUpper(a.Value), strings.ToUpper(fill)) {
						bars++
					}
				}
			}
		case xml.CharData:
			if inText {
				texts = append(texts, strings.TrimSpace(string(tok)))
			}
		case xml.EndElement:
			inText = false
		}
	}
	return texts, bars
}

// countOf returns how many of ss are s.
func countOf(ss []string, s string) int {
	n := 0
	for _, x := range ss {
		if x == s {
			n++
		}
	}
	return n
}
