// Copyright 2026 The kanri Authors
// SPDX-License-Identifier: Apache-2.0

package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	"github.com/aws/aws-sdk-go-v2/service/ssm/types"
	"github.com/spf13/cobra"
)

// pollEvery is how often kanri run and kanri commands show --wait look at
// a command's progress.
const pollEvery = 500 * time.Millisecond

func newRunCmd(env *Env) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "run [flags] [-- command...]",
		Short: "Run a command on instances and show their output",
		Long: `Run a shell command (AWS-RunShellScript) or any Command document on the
instances the targets select, with SSM's rate control, wait for it, and
show the output grouped by identical output, failures first.

Targets are SSM's: tag:<key>=<value>[,<value>…], tag-key=<key>,
resource-groups:Name=<group>, InstanceIds=<id>[,<id>…]; several --targets
must all match. --instance-ids names instances directly.

While it waits, a progress line on a terminal shows the invocations by
status. It exits 1 when any invocation did not succeed.`,
		Example: `  kanri run --targets tag:env=prod -- uname -a
  kanri run --targets tag:env=prod --max-concurrency 10% --max-errors 1 --timeout 60 -- systemctl restart app
  kanri run --instance-ids mi-0123456789abcdef0 --document My-Document --param level=3
  kanri run --targets resource-groups:Name=web --json -- cat /etc/os-release`,
		Args: cobra.ArbitraryArgs,
	}
	cf := addClientFlags(cmd)
	f := cmd.Flags()
	targets := f.StringArray("targets", nil, "targets, as tag:<key>=<values>, tag-key=<key>, resource-groups:Name=<group> or InstanceIds=<ids> (repeatable: all must match)")
	ids := f.StringSlice("instance-ids", nil, "instance IDs to run on (at most 50)")
	document := f.String("document", "", "the document to run (default AWS-RunShellScript with the command after --)")
	version := f.String("document-version", "", "the document's version: a number, $LATEST or $DEFAULT")
	params := f.StringArray("param", nil, "a document parameter, name=value (repeat a name for a list)")
	concurrency := f.String("max-concurrency", "", "how many instances run at once: a number or a percentage (default 50)")
	maxErrors := f.String("max-errors", "", "how many errors are allowed before no more instances are sent the command: a number or a percentage (default 0)")
	timeout := f.Int("timeout", 0, "seconds the command may run on each instance (default 3600)")
	delivery := f.Int("delivery-timeout", 0, "seconds an instance has to receive the command, at least 30 (default 3600)")
	comment := f.String("comment", "", "a comment shown with the command")
	bucket := f.String("output-bucket", "", "keep the whole output in this bucket")
	prefix := f.String("output-prefix", "", "key prefix of the output in --output-bucket")
	asJSON := f.Bool("json", false, "print the results as JSON")
	noWait := f.Bool("no-wait", false, "print the command ID and return without waiting")
	cmd.RunE = func(cmd *cobra.Command, args []string) error {
		if *asJSON {
			cf.output = "json"
		}
		in := &ssm.SendCommandInput{DocumentName: document, InstanceIds: *ids, Parameters: map[string][]string{}}
		if *document == "" {
			if len(args) == 0 {
				return usageError{errors.New("give the command to run after --, or a --document")}
			}
			in.DocumentName = aws.String("AWS-RunShellScript")
			in.Parameters["commands"] = []string{strings.Join(args, " ")}
		} else if len(args) > 0 {
			return usageError{fmt.Errorf("a command after -- runs with AWS-RunShellScript; with --document give --param instead (got %q)", args)}
		}
		for _, p := range *params {
			k, v, ok := strings.Cut(p, "=")
			if !ok || k == "" {
				return usageError{fmt.Errorf("--param %q: want name=value", p)}
			}
			in.Parameters[k] = append(in.Parameters[k], v)
		}
		if *timeout > 0 {
			if *document != "" {
				return usageError{errors.New("--timeout sets AWS-RunShellScript's executionTimeout; with --document give the document's own parameter with --param")}
			}
			in.Parameters["executionTimeout"] = []string{strconv.Itoa(*timeout)}
		}
		for _, t := range *targets {
			target, err := parseTarget(t)
			if err != nil {
				return err
			}
			in.Targets = append(in.Targets, target)
		}
		if len(in.Targets) == 0 && len(in.InstanceIds) == 0 {
			return usageError{errors.New("say where to run: --targets or --instance-ids")}
		}
		if *version != "" {
			in.DocumentVersion = version
		}
		if *concurrency != "" {
			in.MaxConcurrency = concurrency
		}
		if *maxErrors != "" {
			in.MaxErrors = maxErrors
		}
		if *delivery > 0 {
			in.TimeoutSeconds = aws.Int32(int32(*delivery))
		}
		if *comment != "" {
			in.Comment = comment
		}
		if *bucket != "" {
			in.OutputS3BucketName = bucket
		}
		if *prefix != "" {
			in.OutputS3KeyPrefix = prefix
		}
		cfg, err := cf.awsConfig(cmd.Context(), env)
		if err != nil {
			return err
		}
		client := ssm.NewFromConfig(cfg)
		out, err := client.SendCommand(cmd.Context(), in)
		if err != nil {
			return err
		}
		id := aws.ToString(out.Command.CommandId)
		if *noWait {
			fmt.Fprintln(env.Stdout, id)
			return nil
		}
		return waitAndShow(cmd.Context(), env, client, id, cf.output == "json", true)
	}
	return cmd
}

// parseTarget reads a target written as key=values, e.g. tag:env=prod,dev.
func parseTarget(s string) (types.Target, error) {
	if rest, ok := strings.CutPrefix(s, "Key="); ok {
		// AWS CLI shorthand: Key=tag:env,Values=prod,dev
		key, values, ok := strings.Cut(rest, ",Values=")
		if !ok {
			return types.Target{}, usageError{fmt.Errorf("--targets %q: want Key=<key>,Values=<values>", s)}
		}
		return types.Target{Key: aws.String(key), Values: strings.Split(values, ",")}, nil
	}
	key, values, ok := strings.Cut(s, "=")
	if !ok || key == "" || values == "" {
		return types.Target{}, usageError{fmt.Errorf("--targets %q: want tag:<key>=<values>, tag-key=<key>, resource-groups:Name=<group> or InstanceIds=<ids>", s)}
	}
	return types.Target{Key: aws.String(key), Values: strings.Split(values, ",")}, nil
}

// terminal reports whether w is a terminal.
func terminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

// terminalStatus reports whether a command's status is final.
func terminalStatus(s types.CommandStatus) bool {
	switch s {
	case types.CommandStatusSuccess, types.CommandStatusFailed, types.CommandStatusTimedOut, types.CommandStatusCancelled:
		return true
	}
	return false
}

// waitAndShow waits for a command to end, showing its progress on a
// terminal, then prints its results; it fails when any invocation did not
// succeed.
func waitAndShow(ctx context.Context, env *Env, client *ssm.Client, id string, asJSON, wait bool) error {
	start := time.Now()
	live := wait && terminal(env.Stderr)
	var c types.Command
	for {
		out, err := client.ListCommands(ctx, &ssm.ListCommandsInput{CommandId: aws.String(id)})
		if err != nil {
			return err
		}
		if len(out.Commands) == 1 {
			c = out.Commands[0]
		}
		if live {
			counts, err := invocationCounts(ctx, client, id)
			if err != nil {
				return err
			}
			fmt.Fprintf(env.Stderr, "\r\033[K%s  %s  %s", id, time.Since(start).Truncate(100*time.Millisecond), counts)
		}
		if terminalStatus(c.Status) || !wait {
			break
		}
		select {
		case <-ctx.Done():
			if live {
				fmt.Fprintln(env.Stderr)
			}
			return ctx.Err()
		case <-time.After(pollEvery):
		}
	}
	if live {
		fmt.Fprintln(env.Stderr)
	}
	results, err := commandResults(ctx, client, id)
	if err != nil {
		return err
	}
	if asJSON {
		if err := printJSON(env.Stdout, results); err != nil {
			return err
		}
	} else {
		printGrouped(env.Stdout, results)
		fmt.Fprintf(env.Stdout, "%s: %s on %d instances", id, statusText(string(c.Status), aws.ToString(c.StatusDetails)), c.TargetCount)
		if wait {
			fmt.Fprintf(env.Stdout, " in %s", time.Since(start).Truncate(time.Millisecond))
		}
		fmt.Fprintln(env.Stdout)
	}
	failed := 0
	for _, r := range results {
		if r.Status != string(types.CommandInvocationStatusSuccess) {
			failed++
		}
	}
	if failed > 0 {
		return fmt.Errorf("%d of %d invocations did not succeed", failed, len(results))
	}
	return nil
}

// invocationCounts summarizes a command's invocations by status, e.g.
// "3 Success, 1 InProgress".
func invocationCounts(ctx context.Context, client *ssm.Client, id string) (string, error) {
	counts := map[string]int{}
	p := ssm.NewListCommandInvocationsPaginator(client, &ssm.ListCommandInvocationsInput{CommandId: aws.String(id)})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return "", err
		}
		for _, inv := range page.CommandInvocations {
			counts[aws.ToString(inv.StatusDetails)]++
		}
	}
	keys := make([]string, 0, len(counts))
	for k := range counts {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%d %s", counts[k], k)
	}
	return strings.Join(parts, ", "), nil
}

// stepResult is one step of one invocation, as kanri run shows it.
type stepResult struct {
	InstanceID    string `json:"InstanceId"`
	InstanceName  string `json:"InstanceName,omitempty"`
	Step          string `json:"Step"`
	Status        string `json:"Status"`
	StatusDetails string `json:"StatusDetails"`
	ResponseCode  int32  `json:"ResponseCode"`
	Stdout        string `json:"Stdout"`
	Stderr        string `json:"Stderr"`
	StdoutURL     string `json:"StandardOutputUrl,omitempty"`
}

// commandResults returns every step of every invocation of a command,
// with the inline output GetCommandInvocation gives.
func commandResults(ctx context.Context, client *ssm.Client, id string) ([]stepResult, error) {
	var invs []types.CommandInvocation
	p := ssm.NewListCommandInvocationsPaginator(client, &ssm.ListCommandInvocationsInput{CommandId: aws.String(id), Details: true})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, err
		}
		invs = append(invs, page.CommandInvocations...)
	}
	type job struct {
		inv    types.CommandInvocation
		plugin types.CommandPlugin
	}
	var jobs []job
	for _, inv := range invs {
		for _, pl := range inv.CommandPlugins {
			jobs = append(jobs, job{inv, pl})
		}
	}
	results := make([]stepResult, len(jobs))
	errs := make([]error, len(jobs))
	var wg sync.WaitGroup
	sem := make(chan struct{}, 8)
	for i, j := range jobs {
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			r := stepResult{
				InstanceID: aws.ToString(j.inv.InstanceId), InstanceName: aws.ToString(j.inv.InstanceName), Step: aws.ToString(j.plugin.Name),
				Status: string(j.inv.Status), StatusDetails: aws.ToString(j.plugin.StatusDetails), ResponseCode: j.plugin.ResponseCode,
			}
			out, err := client.GetCommandInvocation(ctx, &ssm.GetCommandInvocationInput{
				CommandId: aws.String(id), InstanceId: j.inv.InstanceId, PluginName: j.plugin.Name})
			if err != nil {
				errs[i] = err
				return
			}
			r.Stdout, r.Stderr = aws.ToString(out.StandardOutputContent), aws.ToString(out.StandardErrorContent)
			r.StdoutURL = aws.ToString(out.StandardOutputUrl)
			results[i] = r
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return results, nil
}

// printGrouped prints results grouped by identical step, status, code and
// output, failures first, then by size of group.
func printGrouped(w io.Writer, results []stepResult) {
	type group struct {
		key       stepResult // without instance
		instances []string
	}
	var groups []*group
	byKey := map[stepResult]*group{}
	for _, r := range results {
		name := r.InstanceID
		if r.InstanceName != "" {
			name += " (" + r.InstanceName + ")"
		}
		k := r
		k.InstanceID, k.InstanceName, k.StdoutURL = "", "", ""
		g := byKey[k]
		if g == nil {
			g = &group{key: k}
			byKey[k] = g
			groups = append(groups, g)
		}
		g.instances = append(g.instances, name)
	}
	sort.SliceStable(groups, func(i, j int) bool {
		fi, fj := groups[i].key.Status != "Success", groups[j].key.Status != "Success"
		if fi != fj {
			return fi
		}
		return len(groups[i].instances) > len(groups[j].instances)
	})
	for _, g := range groups {
		sort.Strings(g.instances)
		fmt.Fprintf(w, "=== %s", g.key.Status)
		if g.key.StatusDetails != "" && g.key.StatusDetails != g.key.Status {
			fmt.Fprintf(w, " (%s)", g.key.StatusDetails)
		}
		fmt.Fprintf(w, ", exit %d, step %s, %d instance(s): %s\n", g.key.ResponseCode, g.key.Step, len(g.instances), strings.Join(g.instances, ", "))
		if g.key.Stdout != "" {
			fmt.Fprint(w, ensureNewline(g.key.Stdout))
		}
		if g.key.Stderr != "" {
			fmt.Fprint(w, "--- stderr ---\n", ensureNewline(g.key.Stderr))
		}
	}
}

func ensureNewline(s string) string {
	if strings.HasSuffix(s, "\n") {
		return s
	}
	return s + "\n"
}
