// Copyright 2026 The kanri Authors
// SPDX-License-Identifier: Apache-2.0

package cli

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	"github.com/aws/aws-sdk-go-v2/service/ssm/types"
	"github.com/spf13/cobra"
)

func newAssociationsCmd(env *Env) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "associations",
		Short: "List State Manager associations",
		Long: `List the associations (State Manager), oldest first: ID, name, document,
targets, schedule, status of their targets' latest runs, and when they
last ran.`,
		Example: `  kanri associations
  kanri associations --output json
  kanri associations show 8dfe3659-4309-493a-8755-0123456789ab`,
	}
	cf := addClientFlags(cmd)
	cmd.RunE = func(cmd *cobra.Command, args []string) error {
		cfg, err := cf.awsConfig(cmd.Context(), env)
		if err != nil {
			return err
		}
		client := ssm.NewFromConfig(cfg)
		var list []types.Association
		p := ssm.NewListAssociationsPaginator(client, &ssm.ListAssociationsInput{})
		for p.HasMorePages() {
			page, err := p.NextPage(cmd.Context())
			if err != nil {
				return err
			}
			list = append(list, page.Associations...)
		}
		if cf.output == "json" {
			type row struct {
				AssociationID, AssociationName, DocumentName, Targets, ScheduleExpression, Status, DetailedStatus string
				TargetCounts                                                                                      map[string]int32
				LastExecution                                                                                     *time.Time
			}
			rows := []row{}
			for _, a := range list {
				r := row{AssociationID: aws.ToString(a.AssociationId), AssociationName: aws.ToString(a.AssociationName), DocumentName: aws.ToString(a.Name),
					Targets: targetsText(a.Targets), ScheduleExpression: aws.ToString(a.ScheduleExpression), LastExecution: a.LastExecutionDate}
				if a.Overview != nil {
					r.Status, r.DetailedStatus, r.TargetCounts = aws.ToString(a.Overview.Status), aws.ToString(a.Overview.DetailedStatus), a.Overview.AssociationStatusAggregatedCount
				}
				rows = append(rows, r)
			}
			return printJSON(env.Stdout, rows)
		}
		tw := tabwriter.NewWriter(env.Stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "ASSOCIATION ID\tNAME\tDOCUMENT\tTARGETS\tSCHEDULE\tSTATUS\tLAST RUN")
		for _, a := range list {
			status := ""
			if a.Overview != nil {
				status = statusText(aws.ToString(a.Overview.Status), aws.ToString(a.Overview.DetailedStatus)) + countsText(a.Overview.AssociationStatusAggregatedCount)
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", aws.ToString(a.AssociationId), aws.ToString(a.AssociationName), aws.ToString(a.Name),
				targetsText(a.Targets), aws.ToString(a.ScheduleExpression), status, localTime(a.LastExecutionDate))
		}
		return tw.Flush()
	}
	cmd.AddCommand(newAssociationsShowCmd(env))
	return cmd
}

// targetsText shows targets as the AWS CLI takes them:
// "Key=tag:env,Values=prod".
func targetsText(targets []types.Target) string {
	var parts []string
	for _, t := range targets {
		parts = append(parts, "Key="+aws.ToString(t.Key)+",Values="+strings.Join(t.Values, ","))
	}
	return strings.Join(parts, " ")
}

// countsText shows counts by status: " [Failed=1 Success=2]".
func countsText(counts map[string]int32) string {
	if len(counts) == 0 {
		return ""
	}
	var parts []string
	for _, k := range slices.Sorted(maps.Keys(counts)) {
		parts = append(parts, fmt.Sprintf("%s=%d", k, counts[k]))
	}
	return " [" + strings.Join(parts, " ") + "]"
}

// orDefault returns *s, or def when s is nil or empty.
func orDefault(s *string, def string) string {
	if aws.ToString(s) == "" {
		return def
	}
	return *s
}

func newAssociationsShowCmd(env *Env) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "show ASSOCIATION-ID",
		Short: "Show an association and its executions, newest first",
		Long: `Show an association — document, targets, schedule, rate control and the
status of its targets — and its executions, newest first: when each ran,
its status, its targets by status and the command that ran it
(kanri commands show COMMAND-ID shows its output).`,
		Example: `  kanri associations show 8dfe3659-4309-493a-8755-0123456789ab
  kanri associations show --limit 5 --output json 8dfe3659-4309-493a-8755-0123456789ab`,
		Args: argsRange(1, 1),
	}
	cf := addClientFlags(cmd)
	limit := cmd.Flags().Int("limit", 20, "show at most this many executions")
	cmd.RunE = func(cmd *cobra.Command, args []string) error {
		if *limit < 1 {
			return usageError{fmt.Errorf("--limit %d: want at least 1", *limit)}
		}
		cfg, err := cf.awsConfig(cmd.Context(), env)
		if err != nil {
			return err
		}
		client := ssm.NewFromConfig(cfg)
		d, err := client.DescribeAssociation(cmd.Context(), &ssm.DescribeAssociationInput{AssociationId: aws.String(args[0])})
		if err != nil {
			return err
		}
		a := d.AssociationDescription
		var execs []types.AssociationExecution
		p := ssm.NewDescribeAssociationExecutionsPaginator(client, &ssm.DescribeAssociationExecutionsInput{AssociationId: a.AssociationId,
			MaxResults: aws.Int32(int32(min(*limit, 50)))})
		for p.HasMorePages() && len(execs) < *limit {
			page, err := p.NextPage(cmd.Context())
			if err != nil {
				return err
			}
			execs = append(execs, page.AssociationExecutions...)
		}
		if len(execs) > *limit {
			execs = execs[:*limit]
		}
		// Each execution's command, from its targets' output source.
		commands := map[string]string{}
		for _, x := range execs {
			out, err := client.DescribeAssociationExecutionTargets(cmd.Context(), &ssm.DescribeAssociationExecutionTargetsInput{
				AssociationId: a.AssociationId, ExecutionId: x.ExecutionId, MaxResults: aws.Int32(1)})
			if err != nil {
				return err
			}
			if ts := out.AssociationExecutionTargets; len(ts) > 0 && ts[0].OutputSource != nil {
				commands[aws.ToString(x.ExecutionId)] = aws.ToString(ts[0].OutputSource.OutputSourceId)
			}
		}
		if cf.output == "json" {
			type execRow struct {
				ExecutionID, AssociationVersion, Status, DetailedStatus, ResourceCountByStatus, CommandID string
				Created                                                                                   *time.Time
			}
			rows := []execRow{}
			for _, x := range execs {
				rows = append(rows, execRow{ExecutionID: aws.ToString(x.ExecutionId), AssociationVersion: aws.ToString(x.AssociationVersion),
					Status: aws.ToString(x.Status), DetailedStatus: aws.ToString(x.DetailedStatus), ResourceCountByStatus: aws.ToString(x.ResourceCountByStatus),
					CommandID: commands[aws.ToString(x.ExecutionId)], Created: x.CreatedTime})
			}
			return printJSON(env.Stdout, struct {
				Association *types.AssociationDescription
				Executions  []execRow
			}{a, rows})
		}
		tw := tabwriter.NewWriter(env.Stdout, 0, 4, 2, ' ', 0)
		fields := [][2]string{
			{"Association", aws.ToString(a.AssociationId)},
			{"Name", aws.ToString(a.AssociationName)},
			{"Document", aws.ToString(a.Name) + " (" + aws.ToString(a.DocumentVersion) + ")"},
			{"Version", aws.ToString(a.AssociationVersion)},
			{"Targets", targetsText(a.Targets)},
			{"Schedule", aws.ToString(a.ScheduleExpression)},
			{"Rate control", "max concurrency " + orDefault(a.MaxConcurrency, "100%") + ", max errors " + orDefault(a.MaxErrors, "100%")},
			{"Last run", localTime(a.LastExecutionDate)},
			{"Last success", localTime(a.LastSuccessfulExecutionDate)},
		}
		if a.Overview != nil {
			fields = append(fields, [2]string{"Status", statusText(aws.ToString(a.Overview.Status), aws.ToString(a.Overview.DetailedStatus)) +
				countsText(a.Overview.AssociationStatusAggregatedCount)})
		}
		for _, f := range fields {
			if f[1] != "" {
				fmt.Fprintf(tw, "%s:\t%s\n", f[0], f[1])
			}
		}
		fmt.Fprintln(tw)
		fmt.Fprintln(tw, "EXECUTION ID\tVERSION\tSTATUS\tTARGETS\tCREATED\tCOMMAND ID")
		for _, x := range execs {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", aws.ToString(x.ExecutionId), aws.ToString(x.AssociationVersion),
				statusText(aws.ToString(x.Status), aws.ToString(x.DetailedStatus)), aws.ToString(x.ResourceCountByStatus), localTime(x.CreatedTime),
				commands[aws.ToString(x.ExecutionId)])
		}
		return tw.Flush()
	}
	return cmd
}
