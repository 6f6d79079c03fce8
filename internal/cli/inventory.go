// Copyright 2026 The kanri Authors
// SPDX-License-Identifier: Apache-2.0

package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	"github.com/aws/aws-sdk-go-v2/service/ssm/types"
	"github.com/spf13/cobra"

	"github.com/kanri-dev/kanri/internal/inventory"
)

// The inventory types kanri inventory reads by default.
const (
	typeApplication         = "AWS:Application"
	typeInstanceInformation = "AWS:InstanceInformation"
)

// maxFilterValues is how many values GetInventory takes in one filter.
const maxFilterValues = 40

// filterHelp explains the --filter syntax, for the commands that take it.
const filterHelp = `A --filter is ATTRIBUTE, an operator and a value, on an attribute of --type
(or of another type, written TYPE.ATTRIBUTE); quote it for the shell:

  Name=openjdk-17-jre     equals (exact, case counts)
  Name!=openjdk-17-jre    does not equal (entries that have the attribute)
  Name^=openjdk           begins with (case counts)
  Name~jdk                contains, ignoring case
  Version<17              before, in version order (9 < 10, 17.0.2 < 17.0.10)
  Version>1.8             after, in version order

Several values separated by commas match any of them (Name^=openjdk,temurin).
The filters of one type select the entries that pass them all, and an
instance passes when it has such an entry; filters on several types must
all pass (AWS:InstanceInformation.PlatformName=Ubuntu). All are answered by
GetInventory, "~" by finding the attribute's values that contain the text
(an aggregation) and selecting those values.`

func newInventoryCmd(env *Env) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "inventory",
		Short: "See the fleet's software: search it, chart its versions",
		Long: `Search the fleet's inventory and count it: which instances have some
software, and how many run each version. The instances report their
inventory themselves (AWS-GatherSoftwareInventory); these commands query it
with GetInventory, as "aws ssm get-inventory" does.`,
	}
	cmd.AddCommand(newInventorySearchCmd(env), newInventoryChartCmd(env))
	return cmd
}

func newInventorySearchCmd(env *Env) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "search KEYWORD",
		Short: "List the instances whose software's name contains a keyword",
		Long: `List the entries of --type (default AWS:Application) whose Name contains
KEYWORD, ignoring case, on every instance: name, version, instance ID,
computer name and publisher, by name, then version (in version order), then
instance; the last line counts them. Several keywords separated by commas
match any of them (jdk,jre).

` + filterHelp,
		Example: `  kanri inventory search jdk,jre
  kanri inventory search openssl --filter 'Version<3'
  kanri inventory search nginx --filter AWS:InstanceInformation.PlatformName=Ubuntu
  kanri inventory search sshd --type AWS:Service --output json`,
		Args: argsRange(1, 1),
	}
	cf := addClientFlags(cmd)
	f := cmd.Flags()
	typeName := f.String("type", typeApplication, "the inventory type to search")
	filters := f.StringArray("filter", nil, "only entries that pass this filter too, e.g. 'Version^=17' (repeatable: all must pass)")
	asJSON := f.Bool("json", false, "print the matches as JSON (as --output json)")
	cmd.RunE = func(cmd *cobra.Command, args []string) error {
		if *asJSON {
			cf.output = "json"
		}
		if args[0] == "" {
			return usageError{errors.New("inventory search: the keyword is empty")}
		}
		name, err := parseInvFilter("Name~"+args[0], *typeName)
		if err != nil {
			return usageError{fmt.Errorf("inventory search %q: want a keyword, or several separated by commas", args[0])}
		}
		fs := []invFilter{name}
		for _, s := range *filters {
			pf, err := parseInvFilter(s, *typeName)
			if err != nil {
				return err
			}
			fs = append(fs, pf)
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
		found, err := listEntries(cmd.Context(), client, q, *typeName, false)
		if err != nil {
			return err
		}
		matches := searchMatches(found)
		if cf.output == "json" {
			if matches == nil {
				matches = []invMatch{}
			}
			return printJSON(env.Stdout, matches)
		}
		tw := tabwriter.NewWriter(env.Stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "NAME\tVERSION\tINSTANCE\tCOMPUTER\tPUBLISHER")
		for _, m := range matches {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", m.Name, orDash(m.Version), m.InstanceID, orDash(m.ComputerName), orDash(m.Publisher))
		}
		if err := tw.Flush(); err != nil {
			return err
		}
		instances := map[string]bool{}
		for _, m := range matches {
			instances[m.InstanceID] = true
		}
		fmt.Fprintf(env.Stdout, "%d %s on %d %s\n", len(matches), plural(len(matches), "entry", "entries"),
			len(instances), plural(len(instances), "instance", "instances"))
		return nil
	}
	return cmd
}

// invMatch is one entry that kanri inventory search found.
type invMatch struct {
	InstanceID, ComputerName, Name, Version, Publisher string
}

// searchMatches returns the entries found, by name, version (in version
// order) and instance.
func searchMatches(found map[string]*instanceEntries) []invMatch {
	var out []invMatch
	for id, ie := range found {
		for _, e := range ie.entries {
			out = append(out, invMatch{InstanceID: id, ComputerName: ie.computerName, Name: e["Name"], Version: e["Version"], Publisher: e["Publisher"]})
		}
	}
	slices.SortFunc(out, func(a, b invMatch) int {
		if c := strings.Compare(strings.ToLower(a.Name), strings.ToLower(b.Name)); c != 0 {
			return c
		}
		if c := strings.Compare(a.Name, b.Name); c != 0 {
			return c
		}
		if c := inventory.CompareValues(a.Version, b.Version); c != 0 {
			return c
		}
		if c := strings.Compare(a.InstanceID, b.InstanceID); c != 0 {
			return c
		}
		return strings.Compare(a.Publisher, b.Publisher)
	})
	return out
}

// orDash returns s, or "-" when it is empty.
func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// plural returns one when n is 1, else many.
func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// The operators of a --filter.
const (
	opEqual       = "="
	opNotEqual    = "!="
	opBeginWith   = "^="
	opContains    = "~"
	opLessThan    = "<"
	opGreaterThan = ">"
)

// invFilter is a parsed --filter: Name~java, Version^=17.
type invFilter struct {
	text     string // as written
	typeName string
	attr     string
	op       string // one of the opXxx
	values   []string
}

// parseInvFilter parses a --filter on an attribute of typeName, or of the
// type its key names (AWS:InstanceInformation.PlatformName=Ubuntu).
func parseInvFilter(s, typeName string) (invFilter, error) {
	bad := func(why string) error { return usageError{fmt.Errorf("--filter %q: %s", s, why)} }
	i := strings.IndexAny(s, "=!^~<>")
	if i < 0 {
		return invFilter{}, bad("want ATTRIBUTE, an operator (=, !=, ^=, ~, <, >) and a value, e.g. Name~java")
	}
	key, rest := s[:i], s[i:]
	f := invFilter{text: s, typeName: typeName, attr: key}
	if j := strings.LastIndexByte(key, '.'); j >= 0 {
		f.typeName, f.attr = key[:j], key[j+1:]
		if f.typeName == "" {
			return invFilter{}, bad("the type before the attribute is empty")
		}
	}
	if f.attr == "" {
		return invFilter{}, bad("the attribute is empty")
	}
	// The longer operators before their prefixes.
	for _, op := range []string{opNotEqual, opBeginWith, opEqual, opContains, opLessThan, opGreaterThan} {
		if strings.HasPrefix(rest, op) {
			f.op = op
			break
		}
	}
	if f.op == "" {
		return invFilter{}, bad("unknown operator: want =, !=, ^=, ~, < or >")
	}
	value := rest[len(f.op):]
	if (f.op == opLessThan || f.op == opGreaterThan) && strings.HasPrefix(value, "=") {
		return invFilter{}, bad("there is no <= or >=: use < or >")
	}
	if value == "" {
		return invFilter{}, bad("the value is empty")
	}
	f.values = strings.Split(value, ",")
	if slices.Contains(f.values, "") {
		return invFilter{}, bad("a value between commas is empty")
	}
	return f, nil
}

// wire returns the filter as GetInventory takes it, with the given values;
// a ~ filter becomes Equal, to be given the values that contain its text.
func (f invFilter) wire(values []string) types.InventoryFilter {
	var op types.InventoryQueryOperatorType
	switch f.op {
	case opNotEqual:
		op = types.InventoryQueryOperatorTypeNotEqual
	case opBeginWith:
		op = types.InventoryQueryOperatorTypeBeginWith
	case opLessThan:
		op = types.InventoryQueryOperatorTypeLessThan
	case opGreaterThan:
		op = types.InventoryQueryOperatorTypeGreaterThan
	default: // opEqual, opContains
		op = types.InventoryQueryOperatorTypeEqual
	}
	return types.InventoryFilter{Key: aws.String(f.typeName + "." + f.attr), Values: values, Type: op}
}

// invQuery is what a set of --filter flags asks GetInventory: the filters
// it answers as written, and each ~ filter as an Equal filter with the
// values of its attribute that contain the text.
type invQuery struct {
	fixed   []types.InventoryFilter
	matched []types.InventoryFilter
	// none is set when a ~ filter matched no value: nothing passes.
	none bool
}

// resolveFilters turns --filter flags into a query. Each ~ filter costs
// one GetInventory aggregation, which counts the distinct values of its
// attribute (among the entries and instances the other filters select);
// the values that contain the text, ignoring case, are kept.
func resolveFilters(ctx context.Context, client *ssm.Client, fs []invFilter) (*invQuery, error) {
	q := &invQuery{}
	var contains []invFilter
	for _, f := range fs {
		if f.op == opContains {
			contains = append(contains, f)
		} else {
			q.fixed = append(q.fixed, f.wire(f.values))
		}
	}
	for _, f := range contains {
		values, err := distinctValues(ctx, client, q.fixed, f.typeName, f.attr)
		if err != nil {
			return nil, err
		}
		var match []string
		for _, v := range values {
			if containsFold(v, f.values) {
				match = append(match, v)
			}
		}
		if len(match) == 0 {
			q.none = true
			return q, nil
		}
		q.matched = append(q.matched, f.wire(match))
	}
	return q, nil
}

// containsFold reports whether v contains any of subs, ignoring case.
func containsFold(v string, subs []string) bool {
	lv := strings.ToLower(v)
	for _, s := range subs {
		if strings.Contains(lv, strings.ToLower(s)) {
			return true
		}
	}
	return false
}

// distinctValues returns, sorted, the values that an attribute of a type
// has among the entries that pass filters, counted by GetInventory.
func distinctValues(ctx context.Context, client *ssm.Client, filters []types.InventoryFilter, typeName, attr string) ([]string, error) {
	counts, err := aggregateCounts(ctx, client, filters, typeName, attr)
	if err != nil {
		return nil, err
	}
	var values []string
	for v := range counts {
		values = append(values, v)
	}
	slices.Sort(values)
	return values, nil
}

// aggregateCounts asks GetInventory to count, for each value of an
// attribute of a type, the instances with an entry that has it, among the
// entries and instances filters select.
func aggregateCounts(ctx context.Context, client *ssm.Client, filters []types.InventoryFilter, typeName, attr string) (map[string]int, error) {
	out, err := client.GetInventory(ctx, &ssm.GetInventoryInput{Filters: filters,
		Aggregators: []types.InventoryAggregator{{Expression: aws.String(typeName + "." + attr)}}})
	if err != nil {
		return nil, err
	}
	counts := map[string]int{}
	for _, e := range out.Entities {
		for _, c := range e.Data[typeName].Content {
			v, ok := c[attr]
			if !ok {
				continue
			}
			n, err := strconv.Atoi(c["Count"])
			if err != nil {
				return nil, fmt.Errorf("GetInventory: count %q of %s %q: %w", c["Count"], attr, v, err)
			}
			counts[v] += n
		}
	}
	return counts, nil
}

// requests returns the filters of the GetInventory requests that together
// answer the query: one request, unless a ~ filter matched more values than
// one filter takes; then one request per combination of chunks of those
// values, whose answers are merged.
func (q *invQuery) requests() [][]types.InventoryFilter {
	if q.none {
		return nil
	}
	reqs := [][]types.InventoryFilter{slices.Clone(q.fixed)}
	for _, m := range q.matched {
		var next [][]types.InventoryFilter
		for chunk := range slices.Chunk(m.Values, maxFilterValues) {
			f := m
			f.Values = chunk
			for _, r := range reqs {
				next = append(next, append(slices.Clone(r), f))
			}
		}
		reqs = next
	}
	return reqs
}

// instanceEntries are the entries of one type that one instance has.
type instanceEntries struct {
	computerName string
	entries      []map[string]string
}

// listEntries returns, by instance, the entries of typeName that pass the
// query, paging through GetInventory. Without result, the answer has each
// instance's AWS:InstanceInformation too (for its computer name), and holds
// typeName only when the query filters it; with result, it has typeName
// alone, for every instance the query selects.
func listEntries(ctx context.Context, client *ssm.Client, q *invQuery, typeName string, result bool) (map[string]*instanceEntries, error) {
	found := map[string]*instanceEntries{}
	reqs := q.requests()
	// An entry is in the answer of each request whose filters on other
	// types its instance passes; it is kept once.
	seen := map[string]bool{}
	for _, filters := range reqs {
		in := &ssm.GetInventoryInput{Filters: filters, MaxResults: aws.Int32(50)}
		if result {
			in.ResultAttributes = []types.ResultAttribute{{TypeName: aws.String(typeName)}}
		}
		p := ssm.NewGetInventoryPaginator(client, in)
		for p.HasMorePages() {
			page, err := p.NextPage(ctx)
			if err != nil {
				return nil, err
			}
			for _, e := range page.Entities {
				id := aws.ToString(e.Id)
				ie := found[id]
				if ie == nil {
					ie = &instanceEntries{}
					found[id] = ie
				}
				if info := e.Data[typeInstanceInformation].Content; len(info) > 0 {
					ie.computerName = info[0]["ComputerName"]
				}
				for _, c := range e.Data[typeName].Content {
					if len(reqs) > 1 {
						b, _ := json.Marshal(c) // keys sorted
						k := id + "\x00" + string(b)
						if seen[k] {
							continue
						}
						seen[k] = true
					}
					ie.entries = append(ie.entries, c)
				}
			}
		}
	}
	return found, nil
}
