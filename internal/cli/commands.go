// Copyright 2026 The kanri Authors
// SPDX-License-Identifier: Apache-2.0

package cli

import (
	"fmt"
	"text/tabwriter"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	"github.com/aws/aws-sdk-go-v2/service/ssm/types"
	"github.com/spf13/cobra"
)

func newCommandsCmd(env *Env) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "commands",
		Short: "List commands (Run Command), newest first",
		Long: `List the commands sent to the fleet, newest first: ID, document, status,
how many instances completed and failed, when and what for.`,
		Example: `  kanri commands
  kanri commands --limit 5 --output json
  kanri commands show 3dd2c2a8-5a84-4e3c-8a7e-c9fa6fed27d8`,
	}
	cf := addClientFlags(cmd)
	limit := cmd.Flags().Int("limit", 20, "show at most this many commands")
	cmd.RunE = func(cmd *cobra.Command, args []string) error {
		if *limit < 1 {
			return usageError{fmt.Errorf("--limit %d: want at least 1", *limit)}
		}
		cfg, err := cf.awsConfig(cmd.Context(), env)
		if err != nil {
			return err
		}
		client := ssm.NewFromConfig(cfg)
		var cmds []types.Command
		p := ssm.NewListCommandsPaginator(client, &ssm.ListCommandsInput{MaxResults: aws.Int32(int32(min(*limit, 50)))})
		for p.HasMorePages() && len(cmds) < *limit {
			page, err := p.NextPage(cmd.Context())
			if err != nil {
				return err
			}
			cmds = append(cmds, page.Commands...)
		}
		if len(cmds) > *limit {
			cmds = cmds[:*limit]
		}
		if cf.output == "json" {
			type row struct {
				CommandID, DocumentName, Status, StatusDetails, Comment string
				Targets, Completed, Errors                              int32
				Requested                                               *time.Time
			}
			rows := []row{}
			for _, c := range cmds {
				rows = append(rows, row{CommandID: aws.ToString(c.CommandId), DocumentName: aws.ToString(c.DocumentName), Status: string(c.Status),
					StatusDetails: aws.ToString(c.StatusDetails), Comment: aws.ToString(c.Comment), Targets: c.TargetCount,
					Completed: c.CompletedCount, Errors: c.ErrorCount, Requested: c.RequestedDateTime})
			}
			return printJSON(env.Stdout, rows)
		}
		tw := tabwriter.NewWriter(env.Stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "COMMAND ID\tDOCUMENT\tSTATUS\tDONE/TARGETS\tERRORS\tREQUESTED\tCOMMENT")
		for _, c := range cmds {
			requested := ""
			if c.RequestedDateTime != nil {
				requested = c.RequestedDateTime.Local().Format(time.DateTime)
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%d/%d\t%d\t%s\t%s\n", aws.ToString(c.CommandId), aws.ToString(c.DocumentName),
				statusText(string(c.Status), aws.ToString(c.StatusDetails)), c.CompletedCount, c.TargetCount, c.ErrorCount, requested, aws.ToString(c.Comment))
		}
		return tw.Flush()
	}
	cmd.AddCommand(newCommandsShowCmd(env))
	return cmd
}

// statusText shows a status with its details when they say more.
func statusText(status, details string) string {
	if details == "" || details == status {
		return status
	}
	return status + " (" + details + ")"
}

func newCommandsShowCmd(env *Env) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "show COMMAND-ID",
		Short: "Show a command's results, grouped by identical output",
		Long: `Show the results of a command: each instance's status, exit code and
output, grouped by identical output with failures first. With --wait,
wait for the command to end first, showing its progress on a terminal.
Exits 1 when any invocation did not succeed.`,
		Example: `  kanri commands show 3dd2c2a8-5a84-4e3c-8a7e-c9fa6fed27d8
  kanri commands show --wait --output json 3dd2c2a8-5a84-4e3c-8a7e-c9fa6fed27d8`,
		Args: cobra.ExactArgs(1),
	}
	cf := addClientFlags(cmd)
	wait := cmd.Flags().Bool("wait", false, "wait for the command to end")
	cmd.RunE = func(cmd *cobra.Command, args []string) error {
		cfg, err := cf.awsConfig(cmd.Context(), env)
		if err != nil {
			return err
		}
		client := ssm.NewFromConfig(cfg)
		if !*wait {
			out, err := client.ListCommands(cmd.Context(), &ssm.ListCommandsInput{CommandId: aws.String(args[0])})
			if err != nil {
				return err
			}
			if len(out.Commands) == 1 && !terminalStatus(out.Commands[0].Status) {
				fmt.Fprintf(env.Stderr, "%s is %s; showing the results so far (--wait waits for the end)\n", args[0], out.Commands[0].Status)
			}
		}
		return waitAndShow(cmd.Context(), env, client, args[0], cf.output == "json", *wait)
	}
	return cmd
}
