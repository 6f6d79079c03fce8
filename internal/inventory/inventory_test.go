// Copyright 2026 The kanri Authors
// SPDX-License-Identifier: Apache-2.0

package inventory_test

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/kanri-dev/kanri/internal/agent/collect"
	"github.com/kanri-dev/kanri/internal/awserr"
	"github.com/kanri-dev/kanri/internal/inventory"
	"github.com/kanri-dev/kanri/internal/store"
	ssm "github.com/kanri-dev/kanri/internal/wire/ssm"
)

const acct = "123456789012"

// instances are the managed instances of the account in these tests.
type instances map[string]bool

func (in instances) CheckInstance(ctx context.Context, id string) error {
	if !in[id] {
		return ssm.NewInvalidInstanceId("Instance Id %s is not valid.", id)
	}
	return nil
}

// callerKey carries, in tests, the instance a request is signed by.
type callerKey struct{}

// setup returns a Service over a fresh SQLite store whose account has the
// instances mi-…01 to mi-…09.
func setup(t *testing.T) *inventory.Service {
	t.Helper()
	db, err := store.Open(context.Background(), store.Config{DataDir: t.TempDir(), Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	known := instances{}
	for i := 1; i <= 9; i++ {
		known[id(i)] = true
	}
	n := 0
	return inventory.New(inventory.Config{Store: db, Instances: known, Account: acct, Logger: slog.New(slog.DiscardHandler),
		CallerInstance: func(ctx context.Context) string { s, _ := ctx.Value(callerKey{}).(string); return s },
		Now:            func() time.Time { return time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC) },
		NewID:          func() string { n++; return fmt.Sprintf("00000000-0000-0000-0000-%012d", n) }})
}

func id(n int) string { return fmt.Sprintf("mi-%017x", n) }

// app is an AWS:Application entry.
func app(name, version string) map[string]string {
	return map[string]string{"Name": name, "Version": version, "Publisher": "p"}
}

func appItem(content ...map[string]string) *ssm.InventoryItem {
	return &ssm.InventoryItem{TypeName: "AWS:Application", SchemaVersion: "1.1", CaptureTime: "2026-03-01T10:00:00Z", Content: content}
}

func infoItem(platform string) *ssm.InventoryItem {
	return &ssm.InventoryItem{TypeName: "AWS:InstanceInformation", SchemaVersion: "1.0", CaptureTime: "2026-03-01T10:00:00Z",
		Content: []map[string]string{{"ComputerName": "host", "PlatformType": platform}}}
}

func put(t *testing.T, s *inventory.Service, n int, items ...*ssm.InventoryItem) {
	t.Helper()
	if _, err := s.PutInventory(context.Background(), &ssm.PutInventoryInput{InstanceId: id(n), Items: items}); err != nil {
		t.Fatalf("PutInventory(%s): %v", id(n), err)
	}
}

// fleet reports a small fleet's inventory:
//
//	1: Linux, openjdk-17-jre 17.0.2, openjdk-11-jre 11.0.20, bash 5.1
//	2: Linux, openjdk-17-jdk 17.0.10, bash 5.2
//	3: Windows, Eclipse Temurin JDK 1.8.0_381, OpenJDK JRE 21.0.1
//	4: Linux, no applications
//	5: Linux, openjdk-17-jre 17.0.2
func fleet(t *testing.T, s *inventory.Service) {
	t.Helper()
	put(t, s, 1, infoItem("Linux"), appItem(app("openjdk-17-jre", "17.0.2"), app("openjdk-11-jre", "11.0.20"), app("bash", "5.1")))
	put(t, s, 2, infoItem("Linux"), appItem(app("openjdk-17-jdk", "17.0.10"), app("bash", "5.2")))
	put(t, s, 3, infoItem("Windows"), appItem(app("Eclipse Temurin JDK", "1.8.0_381"), app("OpenJDK JRE", "21.0.1")))
	put(t, s, 4, infoItem("Linux"))
	put(t, s, 5, infoItem("Linux"), appItem(app("openjdk-17-jre", "17.0.2")))
}

// wantCode checks that err is an *awserr.Error with code and a message
// containing msg.
func wantCode(t *testing.T, call string, err error, code, msg string) {
	t.Helper()
	e := awserr.As(err)
	if e == nil || e.Code != code || !strings.Contains(e.Message, msg) {
		t.Errorf("%s = %v, want %s containing %q", call, err, code, msg)
	}
}

func filter(key, op string, values ...string) *ssm.InventoryFilter {
	return &ssm.InventoryFilter{Key: key, Type: op, Values: values}
}

func TestCompareValues(t *testing.T) {
	for _, tt := range []struct {
		a, b string
		want int
	}{
		{"9", "10", -1},
		{"1.8.0_381", "11.0.2", -1},
		{"11.0.2", "17.0.2", -1},
		{"17.0.2", "17.0.10", -1},
		{"17.0.10", "17.0.2", 1},
		{"2.0", "2.0.1", -1},
		{"1.10", "1.9", 1},
		{"abc", "abd", -1},
		{"abc10", "abc9", 1},
		{"01", "1", -1},
		{"1", "1", 0},
		{"", "0", -1},
		{"5.1", "5.1", 0},
		{"b", "a10", 1},
	} {
		if got := inventory.CompareValues(tt.a, tt.b); got != tt.want {
			t.Errorf("CompareValues(%q, %q) = %d, want %d", tt.a, tt.b, got, tt.want)
		}
		if got := inventory.CompareValues(tt.b, tt.a); got != -tt.want {
			t.Errorf("CompareValues(%q, %q) = %d, want %d", tt.b, tt.a, got, -tt.want)
		}
	}
}

// entities returns the IDs of entities and, for each, the Names of its
// AWS:Application content (or its types when it has none).
func entities(out *ssm.GetInventoryOutput) []string {
	var got []string
	for _, e := range out.Entities {
		s := e.Id + ":"
		if app := e.Data["AWS:Application"]; app != nil {
			for _, c := range app.Content {
				s += " " + c["Name"]
			}
		} else {
			var types []string
			for k := range e.Data {
				types = append(types, k)
			}
			slices.Sort(types)
			s += " " + strings.Join(types, ",")
		}
		got = append(got, s)
	}
	return got
}

func TestGetInventoryFilters(t *testing.T) {
	ctx := context.Background()
	s := setup(t)
	fleet(t, s)
	for _, tt := range []struct {
		name    string
		filters []*ssm.InventoryFilter
		want    []string
	}{
		{"none", nil, []string{id(1) + ": AWS:InstanceInformation", id(2) + ": AWS:InstanceInformation", id(3) + ": AWS:InstanceInformation",
			id(4) + ": AWS:InstanceInformation", id(5) + ": AWS:InstanceInformation"}},
		{"BeginWith: matching entries only", []*ssm.InventoryFilter{filter("AWS:Application.Name", "BeginWith", "openjdk")},
			[]string{id(1) + ": openjdk-17-jre openjdk-11-jre", id(2) + ": openjdk-17-jdk", id(5) + ": openjdk-17-jre"}},
		{"BeginWith is case-sensitive", []*ssm.InventoryFilter{filter("AWS:Application.Name", "BeginWith", "OpenJDK", "Eclipse")},
			[]string{id(3) + ": Eclipse Temurin JDK OpenJDK JRE"}},
		{"Equal is the default", []*ssm.InventoryFilter{filter("AWS:Application.Name", "", "bash")},
			[]string{id(1) + ": bash", id(2) + ": bash"}},
		{"NotEqual", []*ssm.InventoryFilter{filter("AWS:Application.Name", "NotEqual", "bash", "openjdk-17-jre")},
			[]string{id(1) + ": openjdk-11-jre", id(2) + ": openjdk-17-jdk", id(3) + ": Eclipse Temurin JDK OpenJDK JRE"}},
		{"GreaterThan compares versions naturally", []*ssm.InventoryFilter{filter("AWS:Application.Version", "GreaterThan", "17.0.2")},
			[]string{id(2) + ": openjdk-17-jdk", id(3) + ": OpenJDK JRE"}},
		{"LessThan", []*ssm.InventoryFilter{filter("AWS:Application.Version", "LessThan", "11.0.20")},
			[]string{id(1) + ": bash", id(2) + ": bash", id(3) + ": Eclipse Temurin JDK"}},
		{"filters of one type select entries passing all", []*ssm.InventoryFilter{
			filter("AWS:Application.Name", "BeginWith", "openjdk"), filter("AWS:Application.Version", "BeginWith", "11.")},
			[]string{id(1) + ": openjdk-11-jre"}},
		{"filters of two types", []*ssm.InventoryFilter{
			filter("AWS:InstanceInformation.PlatformType", "Equal", "Windows"), filter("AWS:Application.Name", "BeginWith", "Open")},
			[]string{id(3) + ": OpenJDK JRE"}},
		{"an instance without the type never passes", []*ssm.InventoryFilter{filter("AWS:Application.Name", "NotEqual", "x")},
			[]string{id(1) + ": openjdk-17-jre openjdk-11-jre bash", id(2) + ": openjdk-17-jdk bash",
				id(3) + ": Eclipse Temurin JDK OpenJDK JRE", id(5) + ": openjdk-17-jre"}},
		{"no match", []*ssm.InventoryFilter{filter("AWS:Application.Name", "Equal", "nginx")}, nil},
	} {
		out, err := s.GetInventory(ctx, &ssm.GetInventoryInput{Filters: tt.filters})
		if err != nil {
			t.Errorf("%s: GetInventory = %v", tt.name, err)
			continue
		}
		if got := entities(out); !slices.Equal(got, tt.want) {
			t.Errorf("%s: GetInventory entities = %q, want %q", tt.name, got, tt.want)
		}
	}

	// The default answer carries AWS:InstanceInformation, with what AWS
	// fills in; filtered answers also carry the filtered types.
	out, err := s.GetInventory(ctx, &ssm.GetInventoryInput{Filters: []*ssm.InventoryFilter{filter("AWS:Application.Name", "Equal", "bash")},
		MaxResults: ptr[int32](1)})
	if err != nil {
		t.Fatal(err)
	}
	want := &ssm.GetInventoryOutput{
		Entities: []*ssm.InventoryResultEntity{{Id: id(1), Data: map[string]*ssm.InventoryResultItem{
			"AWS:InstanceInformation": {TypeName: "AWS:InstanceInformation", SchemaVersion: "1.0", CaptureTime: "2026-03-01T10:00:00Z",
				Content: []map[string]string{{"ComputerName": "host", "PlatformType": "Linux", "InstanceId": id(1), "InstanceStatus": "Active",
					"ResourceType": "ManagedInstance"}}},
			"AWS:Application": {TypeName: "AWS:Application", SchemaVersion: "1.1", CaptureTime: "2026-03-01T10:00:00Z",
				Content: []map[string]string{app("bash", "5.1")}},
		}}},
		NextToken: out.NextToken,
	}
	if diff := cmp.Diff(want, out); diff != "" || out.NextToken == "" {
		t.Errorf("GetInventory(bash, 1 result) mismatch (-want +got):\n%s", diff)
	}
	next, err := s.GetInventory(ctx, &ssm.GetInventoryInput{Filters: []*ssm.InventoryFilter{filter("AWS:Application.Name", "Equal", "bash")},
		MaxResults: ptr[int32](1), NextToken: out.NextToken})
	if err != nil || !slices.Equal(entities(next), []string{id(2) + ": bash"}) || next.NextToken != "" {
		t.Errorf("GetInventory(bash, page 2) = %q, %q, %v", entities(next), next.NextToken, err)
	}

	// ResultAttributes: only instances with the type, only that type.
	out, err = s.GetInventory(ctx, &ssm.GetInventoryInput{ResultAttributes: []*ssm.ResultAttribute{{TypeName: "AWS:Application"}},
		Filters: []*ssm.InventoryFilter{filter("AWS:InstanceInformation.PlatformType", "Equal", "Linux")}})
	if err != nil || !slices.Equal(entities(out), []string{id(1) + ": openjdk-17-jre openjdk-11-jre bash", id(2) + ": openjdk-17-jdk bash",
		id(5) + ": openjdk-17-jre"}) || len(out.Entities[0].Data) != 1 {
		t.Errorf("GetInventory(ResultAttributes AWS:Application, Linux) = %q, %v", entities(out), err)
	}
	// Paging through every instance, two at a time.
	var ids []string
	in := &ssm.GetInventoryInput{MaxResults: ptr[int32](2)}
	for page := 0; page < 5; page++ {
		out, err := s.GetInventory(ctx, in)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range out.Entities {
			ids = append(ids, e.Id)
		}
		if in.NextToken = out.NextToken; in.NextToken == "" {
			break
		}
	}
	if want := []string{id(1), id(2), id(3), id(4), id(5)}; !slices.Equal(ids, want) {
		t.Errorf("GetInventory pages = %v, want %v", ids, want)
	}

	for _, tt := range []struct {
		in         *ssm.GetInventoryInput
		code, want string
	}{
		{&ssm.GetInventoryInput{Filters: []*ssm.InventoryFilter{filter("Name", "Equal", "x")}}, "InvalidFilter", "TypeName.AttributeName"},
		{&ssm.GetInventoryInput{Filters: []*ssm.InventoryFilter{filter("AWS:Application.Colour", "Equal", "x")}}, "InvalidFilter",
			"AWS:Application has no attribute Colour"},
		{&ssm.GetInventoryInput{Filters: []*ssm.InventoryFilter{filter("AWS:Nope.Name", "Equal", "x")}}, "InvalidTypeNameException", "AWS:Nope"},
		{&ssm.GetInventoryInput{Filters: []*ssm.InventoryFilter{filter("Custom:Rack.Name", "Equal", "x")}}, "InvalidTypeNameException", "Custom:Rack"},
		{&ssm.GetInventoryInput{Filters: []*ssm.InventoryFilter{filter("AWS:Application.Name", "Exists", "x")}}, "InvalidFilter",
			"must be used with aggregators"},
		{&ssm.GetInventoryInput{Filters: []*ssm.InventoryFilter{filter("AWS:Application.Name", "Like", "x")}}, "InvalidFilter", "Like"},
		{&ssm.GetInventoryInput{ResultAttributes: []*ssm.ResultAttribute{{TypeName: "AWS:Nope"}}}, "InvalidResultAttributeException", "AWS:Nope"},
		{&ssm.GetInventoryInput{NextToken: "bad"}, "InvalidNextToken", "token"},
	} {
		_, err := s.GetInventory(ctx, tt.in)
		wantCode(t, fmt.Sprintf("GetInventory(%+v)", tt.in), err, tt.code, tt.want)
	}
}

// counts returns an aggregated item's entries as "value…=count" strings,
// in order.
func counts(item *ssm.InventoryResultItem, attrs ...string) []string {
	if item == nil {
		return nil
	}
	var out []string
	for _, c := range item.Content {
		var vs []string
		for _, a := range attrs {
			vs = append(vs, c[a])
		}
		out = append(out, strings.Join(vs, "/")+"="+c["Count"])
	}
	return out
}

func TestGetInventoryAggregators(t *testing.T) {
	ctx := context.Background()
	s := setup(t)
	fleet(t, s)
	agg := func(expr string, nested ...*ssm.InventoryAggregator) *ssm.InventoryAggregator {
		return &ssm.InventoryAggregator{Expression: expr, Aggregators: nested}
	}
	for _, tt := range []struct {
		name    string
		filters []*ssm.InventoryFilter
		agg     *ssm.InventoryAggregator
		typ     string
		attrs   []string
		want    []string
	}{
		// The headline: Java versions across the fleet, from the index.
		{"versions of openjdk", []*ssm.InventoryFilter{filter("AWS:Application.Name", "BeginWith", "openjdk")},
			agg("AWS:Application.Version"), "AWS:Application", []string{"Version"}, []string{"17.0.2=2", "11.0.20=1", "17.0.10=1"}},
		// The same count, entries counted here: a filter the index cannot
		// answer (NotEqual) comes along.
		{"versions of openjdk, counted in process", []*ssm.InventoryFilter{filter("AWS:Application.Name", "BeginWith", "openjdk"),
			filter("AWS:Application.Publisher", "NotEqual", "nobody")},
			agg("AWS:Application.Version"), "AWS:Application", []string{"Version"}, []string{"17.0.2=2", "11.0.20=1", "17.0.10=1"}},
		{"versions on Linux only", []*ssm.InventoryFilter{filter("AWS:InstanceInformation.PlatformType", "Equal", "Linux")},
			agg("AWS:Application.Version"), "AWS:Application", []string{"Version"},
			[]string{"17.0.2=2", "5.1=1", "5.2=1", "11.0.20=1", "17.0.10=1"}},
		{"platforms", nil, agg("AWS:InstanceInformation.PlatformType"), "AWS:InstanceInformation", []string{"PlatformType"},
			[]string{"Linux=4", "Windows=1"}},
		{"names, every instance", nil, agg("AWS:Application.Name"), "AWS:Application", []string{"Name"},
			[]string{"bash=2", "openjdk-17-jre=2", "Eclipse Temurin JDK=1", "OpenJDK JRE=1", "openjdk-11-jre=1", "openjdk-17-jdk=1"}},
		{"nested: name and version", []*ssm.InventoryFilter{filter("AWS:Application.Name", "BeginWith", "openjdk-17")},
			agg("AWS:Application.Name", agg("AWS:Application.Version")), "AWS:Application", []string{"Name", "Version"},
			[]string{"openjdk-17-jre/17.0.2=2", "openjdk-17-jdk/17.0.10=1"}},
	} {
		out, err := s.GetInventory(ctx, &ssm.GetInventoryInput{Filters: tt.filters, Aggregators: []*ssm.InventoryAggregator{tt.agg}})
		if err != nil {
			t.Errorf("%s: GetInventory = %v", tt.name, err)
			continue
		}
		if len(out.Entities) != 1 || out.Entities[0].Id != "" || out.NextToken != "" {
			t.Errorf("%s: GetInventory = %+v, want one entity without an ID", tt.name, out)
			continue
		}
		item := out.Entities[0].Data[tt.typ]
		if got := counts(item, tt.attrs...); !slices.Equal(got, tt.want) {
			t.Errorf("%s: counts = %q, want %q", tt.name, got, tt.want)
		}
		if item != nil && item.TypeName != tt.typ {
			t.Errorf("%s: TypeName = %q, want %q", tt.name, item.TypeName, tt.typ)
		}
	}

	// Groups: how many instances do and do not pass each group's filters,
	// among those the request's filters select.
	out, err := s.GetInventory(ctx, &ssm.GetInventoryInput{
		Filters: []*ssm.InventoryFilter{filter("AWS:InstanceInformation.PlatformType", "Equal", "Linux")},
		Aggregators: []*ssm.InventoryAggregator{{Groups: []*ssm.InventoryGroup{
			{Name: "HasApplications", Filters: []*ssm.InventoryFilter{filter("AWS:Application.TypeName", "Exists", "AWS:Application")}},
			{Name: "Java17", Filters: []*ssm.InventoryFilter{filter("AWS:Application.Name", "BeginWith", "openjdk-17")}},
		}}}})
	if err != nil {
		t.Fatal(err)
	}
	wantData := map[string]*ssm.InventoryResultItem{
		"HasApplications": {Content: []map[string]string{{"notMatchingCount": "1"}, {"matchingCount": "3"}}},
		"Java17":          {Content: []map[string]string{{"notMatchingCount": "1"}, {"matchingCount": "3"}}},
	}
	if diff := cmp.Diff(wantData, out.Entities[0].Data); diff != "" {
		t.Errorf("GetInventory(groups) mismatch (-want +got):\n%s", diff)
	}

	for _, tt := range []struct {
		aggs       []*ssm.InventoryAggregator
		code, want string
	}{
		{[]*ssm.InventoryAggregator{{}}, "InvalidAggregatorException", "needs an Expression"},
		{[]*ssm.InventoryAggregator{agg("Version")}, "InvalidAggregatorException", "not valid"},
		{[]*ssm.InventoryAggregator{agg("AWS:Application.Colour")}, "InvalidAggregatorException", "no attribute Colour"},
		{[]*ssm.InventoryAggregator{agg("AWS:Nope.Name")}, "InvalidTypeNameException", "AWS:Nope"},
		{[]*ssm.InventoryAggregator{agg("AWS:Application.Name", agg("AWS:InstanceInformation.PlatformType"))}, "InvalidAggregatorException",
			"must aggregate the type of its parent"},
		{[]*ssm.InventoryAggregator{agg("AWS:Application.Name", agg("AWS:Application.Name"))}, "InvalidAggregatorException", "already"},
		{[]*ssm.InventoryAggregator{{Groups: []*ssm.InventoryGroup{{Name: "g", Filters: []*ssm.InventoryFilter{filter("x", "Equal", "y")}}}}},
			"InvalidInventoryGroupException", "The group g is not valid"},
		{[]*ssm.InventoryAggregator{{Groups: []*ssm.InventoryGroup{
			{Name: "g", Filters: []*ssm.InventoryFilter{filter("AWS:Application.Name", "Equal", "y")}},
			{Name: "g", Filters: []*ssm.InventoryFilter{filter("AWS:Application.Name", "Equal", "z")}}}}},
			"InvalidInventoryGroupException", "more than once"},
	} {
		_, err := s.GetInventory(ctx, &ssm.GetInventoryInput{Aggregators: tt.aggs})
		wantCode(t, fmt.Sprintf("GetInventory(aggregators %+v)", tt.aggs[0]), err, tt.code, tt.want)
	}
}

func TestPutInventory(t *testing.T) {
	ctx := context.Background()
	s := setup(t)
	item := func(typeName, version string, content ...map[string]string) *ssm.InventoryItem {
		return &ssm.InventoryItem{TypeName: typeName, SchemaVersion: version, CaptureTime: "2026-03-01T10:00:00Z", Content: content}
	}
	big := strings.Repeat("x", 4000)
	var huge []map[string]string
	for range 1000 {
		huge = append(huge, map[string]string{"Name": big})
	}
	for _, tt := range []struct {
		name       string
		ctx        context.Context
		instance   string
		items      []*ssm.InventoryItem
		code, want string
	}{
		{"unknown instance", ctx, id(10), []*ssm.InventoryItem{infoItem("Linux")}, "InvalidInstanceId", id(10)},
		{"another instance's credentials", context.WithValue(ctx, callerKey{}, id(2)), id(1), []*ssm.InventoryItem{infoItem("Linux")},
			"InvalidInstanceId", "may only report its own inventory"},
		{"unknown AWS type", ctx, id(1), []*ssm.InventoryItem{item("AWS:Nope", "1.0")}, "InvalidTypeNameException", "AWS:Nope"},
		{"bad custom name", ctx, id(1), []*ssm.InventoryItem{item("Custom:", "1.0")}, "InvalidTypeNameException", "Custom:"},
		{"bad custom name characters", ctx, id(1), []*ssm.InventoryItem{item("Custom:a b", "1.0")}, "InvalidTypeNameException", "Custom:a b"},
		{"unsupported version", ctx, id(1), []*ssm.InventoryItem{item("AWS:Application", "2.0")},
			"UnsupportedInventorySchemaVersionException", "2.0"},
		{"context", ctx, id(1), []*ssm.InventoryItem{{TypeName: "Custom:Rack", SchemaVersion: "1.0", CaptureTime: "2026-03-01T10:00:00Z",
			Context: map[string]string{"ExecutionId": "x"}}}, "UnsupportedInventoryItemContextException", "Custom:Rack"},
		{"attribute outside the schema", ctx, id(1), []*ssm.InventoryItem{item("AWS:Application", "1.1", map[string]string{"Colour": "red"})},
			"InvalidItemContentException", "Colour"},
		{"a type twice", ctx, id(1), []*ssm.InventoryItem{infoItem("Linux"), infoItem("Linux")}, "InvalidItemContentException", "more than once"},
		{"too big", ctx, id(1), []*ssm.InventoryItem{item("AWS:Application", "1.1", huge...)}, "ItemSizeLimitExceededException", "AWS:Application"},
		{"unchanged claim with nothing stored", ctx, id(1), []*ssm.InventoryItem{{TypeName: "AWS:Network", SchemaVersion: "1.0",
			CaptureTime: "2026-03-01T10:00:00Z", ContentHash: "abc"}}, "ItemContentMismatchException", "AWS:Network"},
	} {
		_, err := s.PutInventory(tt.ctx, &ssm.PutInventoryInput{InstanceId: tt.instance, Items: tt.items})
		wantCode(t, "PutInventory("+tt.name+")", err, tt.code, tt.want)
	}
	if out, err := s.GetInventory(ctx, &ssm.GetInventoryInput{}); err != nil || len(out.Entities) != 0 {
		t.Errorf("GetInventory after failed puts = %+v, %v", out, err)
	}

	// An instance's own credentials; an unchanged item without content.
	own := context.WithValue(ctx, callerKey{}, id(1))
	withHash := appItem(app("bash", "5.1"))
	withHash.ContentHash = "h1"
	if _, err := s.PutInventory(own, &ssm.PutInventoryInput{InstanceId: id(1), Items: []*ssm.InventoryItem{withHash}}); err != nil {
		t.Fatal(err)
	}
	unchanged := &ssm.InventoryItem{TypeName: "AWS:Application", SchemaVersion: "1.1", CaptureTime: "2026-03-02T10:00:00Z", ContentHash: "h1"}
	if _, err := s.PutInventory(own, &ssm.PutInventoryInput{InstanceId: id(1), Items: []*ssm.InventoryItem{unchanged}}); err != nil {
		t.Fatal(err)
	}
	entries, err := s.ListInventoryEntries(ctx, &ssm.ListInventoryEntriesInput{InstanceId: id(1), TypeName: "AWS:Application"})
	if err != nil || entries.CaptureTime != "2026-03-02T10:00:00Z" || !cmp.Equal(entries.Entries, []map[string]string{app("bash", "5.1")}) {
		t.Errorf("ListInventoryEntries after an unchanged put = %+v, %v", entries, err)
	}
	unchanged.ContentHash = "h2"
	_, err = s.PutInventory(own, &ssm.PutInventoryInput{InstanceId: id(1), Items: []*ssm.InventoryItem{unchanged}})
	wantCode(t, "PutInventory(no content, new hash)", err, "ItemContentMismatchException", "AWS:Application")

	// Custom types: at most 20 per account, 50 attributes each.
	for i := range 20 {
		put(t, s, 2, item(fmt.Sprintf("Custom:T%02d", i), "1.0", map[string]string{"A": "1"}))
	}
	_, err = s.PutInventory(ctx, &ssm.PutInventoryInput{InstanceId: id(2), Items: []*ssm.InventoryItem{item("Custom:T20", "1.0")}})
	wantCode(t, "PutInventory(21st custom type)", err, "CustomSchemaCountLimitExceededException", "20")
	many := map[string]string{}
	for i := range 50 {
		many[fmt.Sprint("B", i)] = "v"
	}
	_, err = s.PutInventory(ctx, &ssm.PutInventoryInput{InstanceId: id(3), Items: []*ssm.InventoryItem{item("Custom:T00", "1.0", many)}})
	wantCode(t, "PutInventory(51 attributes)", err, "InvalidItemContentException", "51 attributes")
	put(t, s, 3, item("Custom:T00", "1.0", map[string]string{"A": "2", "Z": "3"}))
	schemas, err := s.GetInventorySchema(ctx, &ssm.GetInventorySchemaInput{TypeName: "Custom:T00"})
	if err != nil {
		t.Fatal(err)
	}
	want := []*ssm.InventoryItemSchema{{TypeName: "Custom:T00", Version: "1.0", DisplayName: "T00", Attributes: []*ssm.InventoryItemAttribute{
		{Name: "A", DataType: "string"}, {Name: "Z", DataType: "string"}}}}
	if diff := cmp.Diff(want, schemas.Schemas); diff != "" {
		t.Errorf("GetInventorySchema(Custom:T00) mismatch (-want +got):\n%s", diff)
	}
}

func TestListInventoryEntries(t *testing.T) {
	ctx := context.Background()
	s := setup(t)
	fleet(t, s)
	var names []string
	in := &ssm.ListInventoryEntriesInput{InstanceId: id(1), TypeName: "AWS:Application", MaxResults: ptr[int32](2)}
	for page := 0; page < 3; page++ {
		out, err := s.ListInventoryEntries(ctx, in)
		if err != nil {
			t.Fatal(err)
		}
		if out.SchemaVersion != "1.1" || out.CaptureTime != "2026-03-01T10:00:00Z" || out.InstanceId != id(1) || out.TypeName != "AWS:Application" {
			t.Errorf("ListInventoryEntries = %+v", out)
		}
		for _, e := range out.Entries {
			names = append(names, e["Name"])
		}
		if in.NextToken = out.NextToken; in.NextToken == "" {
			break
		}
	}
	if want := []string{"openjdk-17-jre", "openjdk-11-jre", "bash"}; !slices.Equal(names, want) {
		t.Errorf("ListInventoryEntries pages = %v, want %v", names, want)
	}
	for _, tt := range []struct {
		filters []*ssm.InventoryFilter
		want    []string
	}{
		{[]*ssm.InventoryFilter{filter("Name", "BeginWith", "openjdk")}, []string{"openjdk-17-jre", "openjdk-11-jre"}},
		{[]*ssm.InventoryFilter{filter("AWS:Application.Version", "GreaterThan", "11")}, []string{"openjdk-17-jre", "openjdk-11-jre"}},
		{[]*ssm.InventoryFilter{filter("Name", "NotEqual", "bash"), filter("Version", "LessThan", "12")}, []string{"openjdk-11-jre"}},
	} {
		out, err := s.ListInventoryEntries(ctx, &ssm.ListInventoryEntriesInput{InstanceId: id(1), TypeName: "AWS:Application", Filters: tt.filters})
		var got []string
		if out != nil {
			for _, e := range out.Entries {
				got = append(got, e["Name"])
			}
		}
		if err != nil || !slices.Equal(got, tt.want) {
			t.Errorf("ListInventoryEntries(%+v) = %v, %v, want %v", tt.filters[0], got, err, tt.want)
		}
	}
	out, err := s.ListInventoryEntries(ctx, &ssm.ListInventoryEntriesInput{InstanceId: id(4), TypeName: "AWS:Application"})
	if err != nil || out.TypeName != "AWS:Application" || out.InstanceId != id(4) || len(out.Entries) != 0 || out.CaptureTime != "" {
		t.Errorf("ListInventoryEntries(no applications) = %+v, %v", out, err)
	}
	for _, tt := range []struct {
		in         *ssm.ListInventoryEntriesInput
		code, want string
	}{
		{&ssm.ListInventoryEntriesInput{InstanceId: id(10), TypeName: "AWS:Application"}, "InvalidInstanceId", id(10)},
		{&ssm.ListInventoryEntriesInput{InstanceId: id(1), TypeName: "AWS:Nope"}, "InvalidTypeNameException", "AWS:Nope"},
		{&ssm.ListInventoryEntriesInput{InstanceId: id(1), TypeName: "AWS:Application",
			Filters: []*ssm.InventoryFilter{filter("AWS:Network.Name", "Equal", "x")}}, "InvalidFilter", "AWS:Network.Name"},
		{&ssm.ListInventoryEntriesInput{InstanceId: id(1), TypeName: "AWS:Application",
			Filters: []*ssm.InventoryFilter{filter("Colour", "Equal", "x")}}, "InvalidFilter", "Colour"},
		{&ssm.ListInventoryEntriesInput{InstanceId: id(1), TypeName: "AWS:Application", NextToken: "x"}, "InvalidNextToken", "token"},
	} {
		_, err := s.ListInventoryEntries(ctx, tt.in)
		wantCode(t, fmt.Sprintf("ListInventoryEntries(%+v)", tt.in), err, tt.code, tt.want)
	}
}

func TestGetInventorySchema(t *testing.T) {
	ctx := context.Background()
	s := setup(t)
	put(t, s, 1, &ssm.InventoryItem{TypeName: "Custom:Rack", SchemaVersion: "2.0", CaptureTime: "2026-03-01T10:00:00Z",
		Content: []map[string]string{{"Rack": "r1", "Row": "2"}, {"Slot": "3"}}})
	names := func(in *ssm.GetInventorySchemaInput) []string {
		out, err := s.GetInventorySchema(ctx, in)
		if err != nil {
			t.Fatalf("GetInventorySchema(%+v): %v", in, err)
		}
		var got []string
		for _, sc := range out.Schemas {
			got = append(got, sc.TypeName)
		}
		return got
	}
	all := []string{"AWS:AWSComponent", "AWS:Application", "AWS:File", "AWS:InstanceDetailedInformation", "AWS:InstanceInformation",
		"AWS:Network", "AWS:Registry", "AWS:Service", "AWS:Tag", "AWS:WindowsRole", "AWS:WindowsUpdate", "Custom:Rack"}
	if got := names(&ssm.GetInventorySchemaInput{}); !slices.Equal(got, all) {
		t.Errorf("GetInventorySchema() = %v, want %v", got, all)
	}
	if got := names(&ssm.GetInventorySchemaInput{Aggregator: ptr(true)}); !slices.Equal(got, all) {
		t.Errorf("GetInventorySchema(Aggregator) = %v, want %v", got, all)
	}
	for prefix, want := range map[string][]string{
		"AWS:Instance": {"AWS:InstanceDetailedInformation", "AWS:InstanceInformation"},
		"Custom":       {"Custom:Rack"},
		"AWS:Nothing":  nil,
	} {
		if got := names(&ssm.GetInventorySchemaInput{TypeName: prefix}); !slices.Equal(got, want) {
			t.Errorf("GetInventorySchema(%s) = %v, want %v", prefix, got, want)
		}
	}
	if got := names(&ssm.GetInventorySchemaInput{SubType: ptr(true)}); len(got) != 0 {
		t.Errorf("GetInventorySchema(SubType) = %v, want none", got)
	}
	out, err := s.GetInventorySchema(ctx, &ssm.GetInventorySchemaInput{TypeName: "AWS:Application"})
	if err != nil || len(out.Schemas) != 1 || out.Schemas[0].Version != "1.1" || len(out.Schemas[0].Attributes) != 11 ||
		*out.Schemas[0].Attributes[0] != (ssm.InventoryItemAttribute{Name: "Name", DataType: "string"}) {
		t.Errorf("GetInventorySchema(AWS:Application) = %+v, %v", out, err)
	}
	out, err = s.GetInventorySchema(ctx, &ssm.GetInventorySchemaInput{TypeName: "AWS:File"})
	if err != nil || len(out.Schemas) != 1 || *out.Schemas[0].Attributes[1] != (ssm.InventoryItemAttribute{Name: "Size", DataType: "number"}) {
		t.Errorf("GetInventorySchema(AWS:File) = %+v, %v", out, err)
	}
	custom, err := s.GetInventorySchema(ctx, &ssm.GetInventorySchemaInput{TypeName: "Custom:Rack"})
	want := []*ssm.InventoryItemSchema{{TypeName: "Custom:Rack", Version: "2.0", DisplayName: "Rack", Attributes: []*ssm.InventoryItemAttribute{
		{Name: "Rack", DataType: "string"}, {Name: "Row", DataType: "string"}, {Name: "Slot", DataType: "string"}}}}
	if err != nil || !cmp.Equal(custom.Schemas, want) {
		t.Errorf("GetInventorySchema(Custom:Rack) = %+v, %v", custom, err)
	}
	// Pages of 50 hold all 12; a later page is empty.
	first, err := s.GetInventorySchema(ctx, &ssm.GetInventorySchemaInput{MaxResults: ptr[int32](50)})
	if err != nil || len(first.Schemas) != 12 || first.NextToken != "" {
		t.Errorf("GetInventorySchema(50) = %d schemas, %q, %v", len(first.Schemas), first.NextToken, err)
	}
	_, err = s.GetInventorySchema(ctx, &ssm.GetInventorySchemaInput{TypeName: "Linux"})
	wantCode(t, "GetInventorySchema(Linux)", err, "InvalidTypeNameException", "Linux")
	_, err = s.GetInventorySchema(ctx, &ssm.GetInventorySchemaInput{NextToken: "%%"})
	wantCode(t, "GetInventorySchema(bad token)", err, "InvalidNextToken", "token")
}

func TestDeleteInventory(t *testing.T) {
	ctx := context.Background()
	s := setup(t)
	rack := func(version string) *ssm.InventoryItem {
		return &ssm.InventoryItem{TypeName: "Custom:Rack", SchemaVersion: version, CaptureTime: "2026-03-01T10:00:00Z",
			Content: []map[string]string{{"Rack": "r1"}}}
	}
	put(t, s, 1, rack("1.0"), infoItem("Linux"))
	put(t, s, 2, rack("1.0"))
	put(t, s, 3, rack("1.1"))

	for _, tt := range []struct {
		in         *ssm.DeleteInventoryInput
		code, want string
	}{
		{&ssm.DeleteInventoryInput{TypeName: "AWS:InstanceInformation"}, "InvalidTypeNameException", "only custom inventory types"},
		{&ssm.DeleteInventoryInput{TypeName: "Custom:Nope"}, "InvalidTypeNameException", "no such custom type"},
		{&ssm.DeleteInventoryInput{TypeName: "Custom:Rack", SchemaDeleteOption: "Everything"}, "InvalidOptionException", "Everything"},
	} {
		_, err := s.DeleteInventory(ctx, tt.in)
		wantCode(t, fmt.Sprintf("DeleteInventory(%+v)", tt.in), err, tt.code, tt.want)
	}
	summary := &ssm.InventoryDeletionSummary{TotalCount: ptr[int32](3), RemainingCount: ptr[int32](0), SummaryItems: []*ssm.InventoryDeletionSummaryItem{
		{Version: "1.0", Count: ptr[int32](2), RemainingCount: ptr[int32](0)}, {Version: "1.1", Count: ptr[int32](1), RemainingCount: ptr[int32](0)}}}
	dry, err := s.DeleteInventory(ctx, &ssm.DeleteInventoryInput{TypeName: "Custom:Rack", DryRun: ptr(true)})
	if diff := cmp.Diff(&ssm.DeleteInventoryOutput{TypeName: "Custom:Rack", DeletionSummary: summary}, dry); err != nil || diff != "" {
		t.Errorf("DeleteInventory(DryRun) = %v, mismatch (-want +got):\n%s", err, diff)
	}
	token := "11111111-2222-3333-4444-555555555555"
	del, err := s.DeleteInventory(ctx, &ssm.DeleteInventoryInput{TypeName: "Custom:Rack", SchemaDeleteOption: "DisableSchema", ClientToken: token})
	wantDel := &ssm.DeleteInventoryOutput{DeletionId: "00000000-0000-0000-0000-000000000001", TypeName: "Custom:Rack", DeletionSummary: summary}
	if diff := cmp.Diff(wantDel, del); err != nil || diff != "" {
		t.Errorf("DeleteInventory = %v, mismatch (-want +got):\n%s", err, diff)
	}
	// The same token answers the same deletion; with another type, it is
	// an error.
	again, err := s.DeleteInventory(ctx, &ssm.DeleteInventoryInput{TypeName: "Custom:Rack", SchemaDeleteOption: "DisableSchema", ClientToken: token})
	if diff := cmp.Diff(wantDel, again); err != nil || diff != "" {
		t.Errorf("DeleteInventory(same token) = %v, mismatch (-want +got):\n%s", err, diff)
	}
	put(t, s, 1, &ssm.InventoryItem{TypeName: "Custom:Other", SchemaVersion: "1.0", CaptureTime: "2026-03-01T10:00:00Z"})
	_, err = s.DeleteInventory(ctx, &ssm.DeleteInventoryInput{TypeName: "Custom:Other", ClientToken: token})
	wantCode(t, "DeleteInventory(token of another deletion)", err, "InvalidDeleteInventoryParametersException", token)

	// The data is gone; the disabled schema refuses its version and
	// earlier ones, and is hidden until a later version is put.
	ids, err := s.GetInventory(ctx, &ssm.GetInventoryInput{})
	if err != nil || !slices.Equal(entities(ids), []string{id(1) + ": AWS:InstanceInformation"}) {
		t.Errorf("GetInventory after deletion = %q, %v", entities(ids), err)
	}
	_, err = s.PutInventory(ctx, &ssm.PutInventoryInput{InstanceId: id(2), Items: []*ssm.InventoryItem{rack("1.1")}})
	wantCode(t, "PutInventory(disabled version)", err, "UnsupportedInventorySchemaVersionException", "disabled at version 1.1")
	_, err = s.ListInventoryEntries(ctx, &ssm.ListInventoryEntriesInput{InstanceId: id(2), TypeName: "Custom:Rack"})
	wantCode(t, "ListInventoryEntries(disabled type)", err, "InvalidTypeNameException", "Custom:Rack")
	put(t, s, 2, rack("1.2"))
	if out, err := s.ListInventoryEntries(ctx, &ssm.ListInventoryEntriesInput{InstanceId: id(2), TypeName: "Custom:Rack"}); err != nil ||
		len(out.Entries) != 1 || out.SchemaVersion != "1.2" {
		t.Errorf("ListInventoryEntries(enabled again) = %+v, %v", out, err)
	}

	// DeleteSchema frees the type.
	if _, err := s.DeleteInventory(ctx, &ssm.DeleteInventoryInput{TypeName: "Custom:Rack", SchemaDeleteOption: "DeleteSchema"}); err != nil {
		t.Fatal(err)
	}
	_, err = s.DeleteInventory(ctx, &ssm.DeleteInventoryInput{TypeName: "Custom:Rack"})
	wantCode(t, "DeleteInventory(deleted schema)", err, "InvalidTypeNameException", "Custom:Rack")

	list, err := s.DescribeInventoryDeletions(ctx, &ssm.DescribeInventoryDeletionsInput{MaxResults: ptr[int32](1)})
	if err != nil || len(list.InventoryDeletions) != 1 || list.NextToken == "" {
		t.Fatalf("DescribeInventoryDeletions = %+v, %v", list, err)
	}
	rest, err := s.DescribeInventoryDeletions(ctx, &ssm.DescribeInventoryDeletionsInput{NextToken: list.NextToken})
	if err != nil || len(rest.InventoryDeletions) != 1 || rest.NextToken != "" {
		t.Fatalf("DescribeInventoryDeletions(page 2) = %+v, %v", rest, err)
	}
	one, err := s.DescribeInventoryDeletions(ctx, &ssm.DescribeInventoryDeletionsInput{DeletionId: wantDel.DeletionId})
	if err != nil || len(one.InventoryDeletions) != 1 {
		t.Fatalf("DescribeInventoryDeletions(%s) = %+v, %v", wantDel.DeletionId, one, err)
	}
	d := one.InventoryDeletions[0]
	if d.TypeName != "Custom:Rack" || d.LastStatus != "Complete" || d.DeletionStartTime == nil ||
		!d.DeletionStartTime.Time().Equal(time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)) || !cmp.Equal(d.DeletionSummary, summary) {
		t.Errorf("DescribeInventoryDeletions(%s) = %+v", wantDel.DeletionId, d)
	}
	_, err = s.DescribeInventoryDeletions(ctx, &ssm.DescribeInventoryDeletionsInput{DeletionId: "99999999-0000-0000-0000-000000000000"})
	wantCode(t, "DescribeInventoryDeletions(unknown)", err, "InvalidDeletionIdException", "99999999")
}

// TestCollectedInventory sends what the agent's collectors gather on this
// machine: every item is accepted, and reads back as it was sent.
func TestCollectedInventory(t *testing.T) {
	ctx := context.Background()
	s := setup(t)
	items, err := collect.Collect(ctx, collect.Config{InstanceID: id(1), AgentVersion: "test"}, collect.Set{Applications: true,
		AWSComponents: true, NetworkConfig: true, Services: true, InstanceDetailedInformation: true})
	if len(items) == 0 {
		t.Fatalf("Collect = no items, %v", err)
	}
	in := &ssm.PutInventoryInput{InstanceId: id(1)}
	for _, it := range items {
		in.Items = append(in.Items, &ssm.InventoryItem{TypeName: it.TypeName, SchemaVersion: it.SchemaVersion, CaptureTime: it.CaptureTime,
			ContentHash: it.ContentHash, Content: it.Content})
	}
	if _, err := s.PutInventory(ctx, in); err != nil {
		t.Fatalf("PutInventory(collected) = %v", err)
	}
	for _, it := range items {
		out, err := s.ListInventoryEntries(ctx, &ssm.ListInventoryEntriesInput{InstanceId: id(1), TypeName: it.TypeName, MaxResults: ptr[int32](50)})
		if err != nil {
			t.Errorf("ListInventoryEntries(%s) = %v", it.TypeName, err)
			continue
		}
		want := it.Content[:min(50, len(it.Content))]
		if it.TypeName == "AWS:InstanceInformation" {
			want = []map[string]string{{"InstanceStatus": "Active"}}
			for k, v := range it.Content[0] {
				want[0][k] = v
			}
		}
		if len(want) == 0 {
			want = nil
		}
		if diff := cmp.Diff(want, out.Entries); diff != "" || out.SchemaVersion != it.SchemaVersion {
			t.Errorf("ListInventoryEntries(%s) = version %s, mismatch (-want +got):\n%s", it.TypeName, out.SchemaVersion, diff)
		}
	}
}

func ptr[T any](v T) *T { return &v }
