// Copyright 2026 The kanri Authors
// SPDX-License-Identifier: Apache-2.0

package cli

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"text/tabwriter"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	"github.com/aws/aws-sdk-go-v2/service/ssm/types"
	"github.com/spf13/cobra"

	"github.com/kanri-dev/kanri/internal/wire/kanri"
)

// inventoryRuleType is the compliance type of inventory rules' results.
const inventoryRuleType = "Custom:InventoryRule"

func newComplianceCmd(env *Env) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "compliance",
		Short: "Compliance: inventory rules and which instances break them",
		Long: `Inventory rules say what must not be installed (Forbidden) or must be
(Required): a filter over one inventory type, evaluated on every inventory
change of the instances it targets. Their results are compliance items of
the type Custom:InventoryRule, which "aws ssm list-compliance-items" shows
too. A rule can run a document on an instance when it becomes
non-compliant.`,
	}
	rules := &cobra.Command{
		Use:   "rules",
		Short: "Put, list and delete inventory rules",
	}
	rules.AddCommand(newComplianceRulesPutCmd(env), newComplianceRulesLsCmd(env), newComplianceRulesRmCmd(env))
	cmd.AddCommand(rules, newComplianceReportCmd(env))
	return cmd
}

func newComplianceRulesPutCmd(env *Env) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "put NAME",
		Short: "Create an inventory rule, or replace it with a new version",
		Long: `Create an inventory rule, or replace the rule of that name. An entry of the
rule's inventory type (--type) matches when it meets every --condition;
a Forbidden rule flags the instances with a matching entry, a Required
rule those without one. The rule is evaluated on every instance at once,
and again on each of an instance's inventory changes.

A condition is ATTRIBUTE=VALUE[,VALUE…] (equal to one of the values), or
in the AWS CLI's form Key=ATTRIBUTE,Values=VALUE[,VALUE…],Type=TYPE with
TYPE Equal, NotEqual, BeginWith, LessThan, GreaterThan (versions compare
naturally: 1.8.0_381 < 11.0.2 < 17.0.10) or Exists (no values).

Targets are Run Command's (default: every instance). With
--action-document, the document runs on an instance each time it becomes
non-compliant, with the server's identity: putting such a rule needs
ssm:SendCommand on the document and the instances the rule targets.`,
		Example: `  kanri compliance rules put no-telnet --kind Forbidden --condition Name=telnet,telnetd --severity HIGH
  kanri compliance rules put java-11-plus --kind Forbidden --severity CRITICAL \
    --condition Key=Name,Values=openjdk,Type=BeginWith --condition Key=Version,Values=11,Type=LessThan
  kanri compliance rules put agent-installed --kind Required --condition Name=kanri-agent --targets tag:env=prod
  kanri compliance rules put no-telnet --kind Forbidden --condition Name=telnet \
    --action-document AWS-RunShellScript --action-param commands="apt-get remove -y telnet"`,
		Args: argsRange(1, 1),
	}
	cf := addClientFlags(cmd)
	f := cmd.Flags()
	typeName := f.String("type", "AWS:Application", "the inventory type the rule looks at")
	kind := f.String("kind", "Forbidden", "Forbidden (a matching entry is non-compliant) or Required (no matching entry is)")
	conditions := f.StringArray("condition", nil, "a condition on an entry's attribute (repeatable: all must hold on one entry)")
	severity := f.String("severity", "", "CRITICAL, HIGH, MEDIUM, LOW, INFORMATIONAL or UNSPECIFIED (default)")
	description := f.String("description", "", "what the rule is for")
	targets := f.StringArray("targets", nil, "targets, as tag:<key>=<values>, tag-key=<key>, resource-groups:Name=<group> or InstanceIds=<ids> (repeatable: all must match)")
	document := f.String("action-document", "", "a Command document to run on an instance when it becomes non-compliant")
	version := f.String("action-document-version", "", "the action document's version: a number, $LATEST or $DEFAULT")
	params := f.StringArray("action-param", nil, "a parameter of the action document, name=value (repeat a name for a list)")
	cmd.RunE = func(cmd *cobra.Command, args []string) error {
		in := &kanri.PutInventoryRuleInput{Name: args[0], TypeName: *typeName, Kind: *kind, Severity: *severity, Description: *description}
		for _, c := range *conditions {
			cond, err := parseCondition(c)
			if err != nil {
				return err
			}
			in.Conditions = append(in.Conditions, cond)
		}
		for _, t := range *targets {
			target, err := parseTarget(t)
			if err != nil {
				return err
			}
			in.Targets = append(in.Targets, &kanri.Target{Key: aws.ToString(target.Key), Values: target.Values})
		}
		switch {
		case *document != "":
			in.Action = &kanri.InventoryRuleAction{DocumentName: *document, DocumentVersion: *version, Parameters: map[string][]string{}}
			for _, p := range *params {
				k, v, ok := strings.Cut(p, "=")
				if !ok || k == "" {
					return usageError{fmt.Errorf("--action-param %q: want name=value", p)}
				}
				in.Action.Parameters[k] = append(in.Action.Parameters[k], v)
			}
		case len(*params) > 0 || *version != "":
			return usageError{errors.New("--action-param and --action-document-version need --action-document")}
		}
		cfg, err := cf.awsConfig(cmd.Context(), env)
		if err != nil {
			return err
		}
		var out kanri.PutInventoryRuleOutput
		if err := (kanriClient{cfg}).call(cmd.Context(), "PutInventoryRule", in, &out); err != nil {
			return err
		}
		if cf.output == "json" {
			return printJSON(env.Stdout, out.Rule)
		}
		fmt.Fprintf(env.Stdout, "%s: version %d, evaluating on every instance (kanri compliance rules ls shows when done)\n",
			out.Rule.Name, aws.ToInt64(out.Rule.Version))
		return nil
	}
	return cmd
}

// parseCondition reads a rule's condition: ATTRIBUTE=VALUES, or the AWS
// CLI's Key=…,Values=…,Type=… form.
func parseCondition(s string) (*kanri.InventoryRuleCondition, error) {
	if !strings.HasPrefix(s, "Key=") && !strings.HasPrefix(s, "Values=") && !strings.HasPrefix(s, "Type=") {
		attr, values, ok := strings.Cut(s, "=")
		if !ok || attr == "" || values == "" {
			return nil, usageError{fmt.Errorf("--condition %q: want ATTRIBUTE=VALUES or Key=ATTRIBUTE,Values=VALUES,Type=TYPE", s)}
		}
		return &kanri.InventoryRuleCondition{Key: attr, Values: strings.Split(values, ",")}, nil
	}
	// AWS CLI shorthand: a part without "=" continues the list before it.
	c := &kanri.InventoryRuleCondition{}
	var last string
	for _, part := range strings.Split(s, ",") {
		k, v, ok := strings.Cut(part, "=")
		if !ok || !slices.Contains([]string{"Key", "Values", "Type"}, k) {
			if last != "Values" {
				return nil, usageError{fmt.Errorf("--condition %q: %q is not Key=, Values= or Type=", s, part)}
			}
			c.Values = append(c.Values, part)
			continue
		}
		last = k
		switch k {
		case "Key":
			c.Key = v
		case "Values":
			c.Values = append(c.Values, v)
		case "Type":
			c.Type = v
		}
	}
	if c.Key == "" {
		return nil, usageError{fmt.Errorf("--condition %q: no Key", s)}
	}
	return c, nil
}

func newComplianceRulesLsCmd(env *Env) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "ls [NAME…]",
		Short: "List inventory rules, with how many instances break each",
		Long: `List the inventory rules (or those named), by name: their type, kind,
severity, conditions, targets and action, how many instances they find
non-compliant and compliant, and whether their latest version is still
being evaluated on every instance.`,
		Example: `  kanri compliance rules ls
  kanri compliance rules ls no-telnet --output json`,
		Args: cobra.ArbitraryArgs,
	}
	cf := addClientFlags(cmd)
	cmd.RunE = func(cmd *cobra.Command, args []string) error {
		cfg, err := cf.awsConfig(cmd.Context(), env)
		if err != nil {
			return err
		}
		rules := []*kanri.InventoryRule{}
		in := &kanri.ListInventoryRulesInput{}
		if len(args) > 0 {
			in.Names = args
		}
		for {
			var out kanri.ListInventoryRulesOutput
			if err := (kanriClient{cfg}).call(cmd.Context(), "ListInventoryRules", in, &out); err != nil {
				return err
			}
			rules = append(rules, out.Rules...)
			if out.NextToken == "" {
				break
			}
			in.NextToken = out.NextToken
		}
		if cf.output == "json" {
			return printJSON(env.Stdout, rules)
		}
		tw := tabwriter.NewWriter(env.Stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "NAME\tTYPE\tKIND\tSEVERITY\tCONDITIONS\tTARGETS\tACTION\tNON-COMPLIANT\tCOMPLIANT\tEVALUATION")
		for _, r := range rules {
			action := ""
			if r.Action != nil {
				action = r.Action.DocumentName
			}
			targets := "all"
			if len(r.Targets) > 0 {
				var parts []string
				for _, t := range r.Targets {
					parts = append(parts, t.Key+"="+strings.Join(t.Values, ","))
				}
				targets = strings.Join(parts, " ")
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%d\t%d\t%s\n", r.Name, r.TypeName, r.Kind, r.Severity, conditionsText(r.Conditions),
				targets, action, aws.ToInt32(r.NonCompliantCount), aws.ToInt32(r.CompliantCount), r.EvaluationStatus)
		}
		return tw.Flush()
	}
	return cmd
}

// conditionsText shows conditions as they read: "Name BeginWith openjdk;
// Version LessThan 11".
func conditionsText(conds []*kanri.InventoryRuleCondition) string {
	if len(conds) == 0 {
		return "(any entry)"
	}
	var parts []string
	for _, c := range conds {
		op := c.Type
		if op == "" {
			op = "Equal"
		}
		parts = append(parts, strings.TrimSpace(c.Key+" "+op+" "+strings.Join(c.Values, "|")))
	}
	return strings.Join(parts, "; ")
}

func newComplianceRulesRmCmd(env *Env) *cobra.Command {
	cmd := &cobra.Command{
		Use:     "rm NAME…",
		Short:   "Delete inventory rules and their results",
		Example: `  kanri compliance rules rm no-telnet`,
		Args:    argsRange(1, 1000),
	}
	cf := addClientFlags(cmd)
	cmd.RunE = func(cmd *cobra.Command, args []string) error {
		cfg, err := cf.awsConfig(cmd.Context(), env)
		if err != nil {
			return err
		}
		for _, name := range args {
			if err := (kanriClient{cfg}).call(cmd.Context(), "DeleteInventoryRule", &kanri.DeleteInventoryRuleInput{Name: name},
				&kanri.DeleteInventoryRuleOutput{}); err != nil {
				return err
			}
			if cf.output != "json" {
				fmt.Fprintf(env.Stdout, "%s: deleted\n", name)
			}
		}
		return nil
	}
	return cmd
}

func newComplianceReportCmd(env *Env) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "report",
		Short: "Show which instances are non-compliant, and why",
		Long: `Show, for each compliance type, how many instances are compliant and
non-compliant, then every non-compliant item: the instance, the rule (or
other compliance item), its severity, the entries that break it, and the
action taken. --all shows the compliant items too.`,
		Example: `  kanri compliance report
  kanri compliance report --type Custom:InventoryRule --instance mi-0123456789abcdef0
  kanri compliance report --all --output json`,
	}
	cf := addClientFlags(cmd)
	complianceType := cmd.Flags().String("type", "", "only this compliance type, such as Custom:InventoryRule")
	instance := cmd.Flags().String("instance", "", "only this instance")
	all := cmd.Flags().Bool("all", false, "show compliant items too")
	cmd.RunE = func(cmd *cobra.Command, args []string) error {
		cfg, err := cf.awsConfig(cmd.Context(), env)
		if err != nil {
			return err
		}
		client := ssm.NewFromConfig(cfg)
		var filters []types.ComplianceStringFilter
		if *complianceType != "" {
			filters = append(filters, types.ComplianceStringFilter{Key: aws.String("ComplianceType"), Values: []string{*complianceType}})
		}
		var summaries []types.ComplianceSummaryItem
		sp := ssm.NewListComplianceSummariesPaginator(client, &ssm.ListComplianceSummariesInput{Filters: filters})
		for sp.HasMorePages() {
			page, err := sp.NextPage(cmd.Context())
			if err != nil {
				return err
			}
			summaries = append(summaries, page.ComplianceSummaryItems...)
		}
		in := &ssm.ListComplianceItemsInput{Filters: filters}
		if !*all {
			in.Filters = append(slices.Clone(filters), types.ComplianceStringFilter{Key: aws.String("Status"), Values: []string{"NON_COMPLIANT"}})
		}
		if *instance != "" {
			in.ResourceIds = []string{*instance}
		}
		var items []types.ComplianceItem
		ip := ssm.NewListComplianceItemsPaginator(client, in)
		for ip.HasMorePages() {
			page, err := ip.NextPage(cmd.Context())
			if err != nil {
				return err
			}
			items = append(items, page.ComplianceItems...)
		}
		if cf.output == "json" {
			type row struct {
				InstanceID, ComplianceType, ID, Title, Status, Severity string
				Details                                                 map[string]string
			}
			out := struct {
				Summaries []map[string]any
				Items     []row
			}{Summaries: []map[string]any{}, Items: []row{}}
			for _, s := range summaries {
				out.Summaries = append(out.Summaries, map[string]any{"ComplianceType": aws.ToString(s.ComplianceType),
					"Compliant": s.CompliantSummary.CompliantCount, "NonCompliant": s.NonCompliantSummary.NonCompliantCount})
			}
			for _, it := range items {
				out.Items = append(out.Items, row{InstanceID: aws.ToString(it.ResourceId), ComplianceType: aws.ToString(it.ComplianceType),
					ID: aws.ToString(it.Id), Title: aws.ToString(it.Title), Status: string(it.Status), Severity: string(it.Severity), Details: it.Details})
			}
			return printJSON(env.Stdout, out)
		}
		tw := tabwriter.NewWriter(env.Stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "COMPLIANCE TYPE\tCOMPLIANT\tNON-COMPLIANT")
		for _, s := range summaries {
			fmt.Fprintf(tw, "%s\t%d\t%d\n", aws.ToString(s.ComplianceType), s.CompliantSummary.CompliantCount, s.NonCompliantSummary.NonCompliantCount)
		}
		if err := tw.Flush(); err != nil {
			return err
		}
		if len(items) == 0 {
			if !*all {
				fmt.Fprintln(env.Stdout, "\nNo non-compliant items.")
			}
			return nil
		}
		fmt.Fprintln(env.Stdout)
		tw = tabwriter.NewWriter(env.Stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "INSTANCE\tTYPE\tITEM\tSTATUS\tSEVERITY\tWHY\tACTION")
		for _, it := range items {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", aws.ToString(it.ResourceId), aws.ToString(it.ComplianceType), aws.ToString(it.Id),
				it.Status, it.Severity, whyText(it), actionText(it.Details))
		}
		return tw.Flush()
	}
	return cmd
}

// whyText says why an item has its status: an inventory rule's matching
// entries (or, for a Required rule, what is missing), another item's
// title.
func whyText(it types.ComplianceItem) string {
	d := it.Details
	if aws.ToString(it.ComplianceType) != inventoryRuleType {
		return aws.ToString(it.Title)
	}
	if d["Kind"] == "Required" && it.Status == types.ComplianceStatusNonCompliant {
		return "none of " + d["TypeName"] + " with " + d["Conditions"]
	}
	if d["Entries"] == "" {
		return "no entry with " + d["Conditions"]
	}
	return d["Entries"]
}

// actionText shows what became of an inventory rule's action.
func actionText(d map[string]string) string {
	switch d["ActionStatus"] {
	case "":
		return ""
	case "Sent":
		return "sent " + d["ActionCommandId"]
	case "Failed":
		return "failed: " + d["ActionError"]
	}
	return strings.ToLower(d["ActionStatus"])
}
