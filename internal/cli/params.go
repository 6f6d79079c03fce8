// Copyright 2026 The kanri Authors
// SPDX-License-Identifier: Apache-2.0

package cli

import (
	"encoding/json"
	"fmt"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	"github.com/aws/aws-sdk-go-v2/service/ssm/types"
	"github.com/spf13/cobra"
)

// argsRange refuses fewer than min or more than max positional arguments
// as a usage error.
func argsRange(min, max int) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if len(args) < min || len(args) > max {
			return usageError{fmt.Errorf("%s: want %s, got %d arguments", cmd.CommandPath(), cmd.Use[strings.Index(cmd.Use, " ")+1:], len(args))}
		}
		return nil
	}
}

func newParamsCmd(env *Env) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "params",
		Short: "Parameter Store: configuration values and secrets",
		Long: `Put, read and list parameters: named values in a hierarchy (/app/db/host),
with versions, labels and SecureString values encrypted under KMS keys. This
is SSM Parameter Store; "aws ssm put-parameter" and the SDKs work the same.`,
	}
	cmd.AddCommand(newParamsPutCmd(env), newParamsGetCmd(env), newParamsLsCmd(env), newParamsHistoryCmd(env))
	return cmd
}

func newParamsPutCmd(env *Env) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "put NAME VALUE",
		Short: "Create a parameter, or a new version of one with --overwrite",
		Long: `Create a parameter. With --overwrite, add a version to an existing one: the
type, description and key it leaves out keep their values. SecureString values
are encrypted under --key-id (default alias/aws/ssm) before they are stored.

--expires-in or --expires-at gives the parameter an Expiration policy: at that
time the server deletes it with all its versions. A parameter with a policy is
stored in the Advanced tier. An overwrite without either keeps the expiration.`,
		Example: `  kanri params put /app/db/host db1.internal
  kanri params put /app/db/host db2.internal --overwrite
  kanri params put /app/db/password 's3cret' --type SecureString --key-id alias/app
  kanri params put /app/hosts a.internal,b.internal --type StringList --description "app servers"
  kanri params put /activations/lab-1 'c0de' --type SecureString --expires-in 24h`,
		Args: argsRange(2, 2),
	}
	cf := addClientFlags(cmd)
	f := cmd.Flags()
	typ := f.String("type", "String", "String, StringList or SecureString")
	keyID := f.String("key-id", "", "KMS key of a SecureString: key ID, key ARN or alias (default alias/aws/ssm)")
	description := f.String("description", "", "what the parameter is for")
	overwrite := f.Bool("overwrite", false, "add a version to an existing parameter")
	expiresIn := f.Duration("expires-in", 0, "delete the parameter this long from now (e.g. 24h)")
	expiresAt := f.String("expires-at", "", "delete the parameter at this time (RFC 3339, e.g. 2030-12-02T21:34:33Z)")
	cmd.RunE = func(cmd *cobra.Command, args []string) error {
		switch *typ {
		case "String", "StringList", "SecureString":
		default:
			return usageError{fmt.Errorf("params put: --type %q: want String, StringList or SecureString", *typ)}
		}
		var expires time.Time
		switch {
		case *expiresIn != 0 && *expiresAt != "":
			return usageError{fmt.Errorf("params put: give --expires-in or --expires-at, not both")}
		case *expiresIn < 0:
			return usageError{fmt.Errorf("params put: --expires-in %v: want a positive duration", *expiresIn)}
		case *expiresIn > 0:
			expires = time.Now().Add(*expiresIn)
		case *expiresAt != "":
			t, err := time.Parse(time.RFC3339, *expiresAt)
			if err != nil {
				return usageError{fmt.Errorf("params put: --expires-at %q: want an RFC 3339 time such as 2030-12-02T21:34:33Z", *expiresAt)}
			}
			if !t.After(time.Now()) {
				return usageError{fmt.Errorf("params put: --expires-at %s is not in the future", *expiresAt)}
			}
			expires = t
		}
		cfg, err := cf.awsConfig(cmd.Context(), env)
		if err != nil {
			return err
		}
		in := &ssm.PutParameterInput{Name: aws.String(args[0]), Value: aws.String(args[1]), Overwrite: aws.Bool(*overwrite)}
		if !*overwrite || cmd.Flags().Changed("type") {
			in.Type = types.ParameterType(*typ)
		}
		if *keyID != "" {
			in.KeyId = keyID
		}
		if *description != "" {
			in.Description = description
		}
		if !expires.IsZero() {
			policy, err := json.Marshal([]any{map[string]any{"Type": "Expiration", "Version": "1.0",
				"Attributes": map[string]string{"Timestamp": expires.UTC().Format("2006-01-02T15:04:05.000Z")}}})
			if err != nil {
				return err
			}
			in.Policies = aws.String(string(policy))
			in.Tier = types.ParameterTierIntelligentTiering // Advanced, which policies need, unless it is already
		}
		out, err := ssm.NewFromConfig(cfg).PutParameter(cmd.Context(), in)
		if err != nil {
			return err
		}
		if cf.output == "json" {
			return printJSON(env.Stdout, struct {
				Name    string
				Version int64
				Tier    string
			}{args[0], out.Version, string(out.Tier)})
		}
		fmt.Fprintf(env.Stdout, "%s: version %d (%s)\n", args[0], out.Version, out.Tier)
		return nil
	}
	return cmd
}

func newParamsGetCmd(env *Env) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "get NAME",
		Short: "Print a parameter's value",
		Long: `Print a parameter's value: the latest version, or the one NAME selects with
":version" or ":label". A SecureString prints as its ciphertext (base64)
unless --decrypt, which needs kms:Decrypt on its key.`,
		Example: `  kanri params get /app/db/host
  kanri params get /app/db/host:2
  kanri params get /app/db/host:prod
  kanri params get /app/db/password --decrypt
  kanri params get /app/db/host --output json`,
		Args: argsRange(1, 1),
	}
	cf := addClientFlags(cmd)
	decrypt := cmd.Flags().Bool("decrypt", false, "decrypt a SecureString value")
	cmd.RunE = func(cmd *cobra.Command, args []string) error {
		cfg, err := cf.awsConfig(cmd.Context(), env)
		if err != nil {
			return err
		}
		out, err := ssm.NewFromConfig(cfg).GetParameter(cmd.Context(), &ssm.GetParameterInput{Name: aws.String(args[0]), WithDecryption: aws.Bool(*decrypt)})
		if err != nil {
			return err
		}
		p := out.Parameter
		if cf.output == "json" {
			return printJSON(env.Stdout, struct {
				Name, Type, Value, Selector, ARN, DataType string
				Version                                    int64
				LastModifiedDate                           *time.Time
			}{aws.ToString(p.Name), string(p.Type), aws.ToString(p.Value), aws.ToString(p.Selector), aws.ToString(p.ARN),
				aws.ToString(p.DataType), p.Version, p.LastModifiedDate})
		}
		fmt.Fprintln(env.Stdout, aws.ToString(p.Value))
		return nil
	}
	return cmd
}

func newParamsLsCmd(env *Env) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "ls [PATH]",
		Short: "List parameters under a path, without their values",
		Long: `List the parameters one level under PATH (default /, the root), or with
--recursive every level below it: name, type, version, tier, when and by whom
each was last changed, and its description.`,
		Example: `  kanri params ls
  kanri params ls /app --recursive
  kanri params ls /app/db --output json`,
		Args: argsRange(0, 1),
	}
	cf := addClientFlags(cmd)
	recursive := cmd.Flags().Bool("recursive", false, "list every level below the path")
	cmd.RunE = func(cmd *cobra.Command, args []string) error {
		path := "/"
		if len(args) == 1 {
			path = args[0]
		}
		option := "OneLevel"
		if *recursive {
			option = "Recursive"
		}
		cfg, err := cf.awsConfig(cmd.Context(), env)
		if err != nil {
			return err
		}
		var ps []types.ParameterMetadata
		p := ssm.NewDescribeParametersPaginator(ssm.NewFromConfig(cfg), &ssm.DescribeParametersInput{ParameterFilters: []types.ParameterStringFilter{
			{Key: aws.String("Path"), Option: aws.String(option), Values: []string{path}}}})
		for p.HasMorePages() {
			page, err := p.NextPage(cmd.Context())
			if err != nil {
				return err
			}
			ps = append(ps, page.Parameters...)
		}
		if cf.output == "json" {
			type row struct {
				Name, Type, Tier, Description, LastModifiedUser string
				Version                                         int64
				LastModifiedDate                                *time.Time
			}
			rows := []row{}
			for _, p := range ps {
				rows = append(rows, row{Name: aws.ToString(p.Name), Type: string(p.Type), Tier: string(p.Tier), Description: aws.ToString(p.Description),
					LastModifiedUser: aws.ToString(p.LastModifiedUser), Version: p.Version, LastModifiedDate: p.LastModifiedDate})
			}
			return printJSON(env.Stdout, rows)
		}
		tw := tabwriter.NewWriter(env.Stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "NAME\tTYPE\tVERSION\tTIER\tMODIFIED\tBY\tDESCRIPTION")
		for _, p := range ps {
			fmt.Fprintf(tw, "%s\t%s\t%d\t%s\t%s\t%s\t%s\n", aws.ToString(p.Name), p.Type, p.Version, p.Tier, localTime(p.LastModifiedDate),
				principalName(aws.ToString(p.LastModifiedUser)), aws.ToString(p.Description))
		}
		return tw.Flush()
	}
	return cmd
}

func newParamsHistoryCmd(env *Env) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "history NAME",
		Short: "Show the versions of a parameter, oldest first",
		Long: `Show the versions kept of a parameter (the latest 100), oldest first: number,
type, labels, when and by whom each was put, and its value; SecureString
values show as encrypted.`,
		Example: `  kanri params history /app/db/host
  kanri params history /app/db/host --output json`,
		Args: argsRange(1, 1),
	}
	cf := addClientFlags(cmd)
	cmd.RunE = func(cmd *cobra.Command, args []string) error {
		cfg, err := cf.awsConfig(cmd.Context(), env)
		if err != nil {
			return err
		}
		var hs []types.ParameterHistory
		p := ssm.NewGetParameterHistoryPaginator(ssm.NewFromConfig(cfg), &ssm.GetParameterHistoryInput{Name: aws.String(args[0])})
		for p.HasMorePages() {
			page, err := p.NextPage(cmd.Context())
			if err != nil {
				return err
			}
			hs = append(hs, page.Parameters...)
		}
		if cf.output == "json" {
			type row struct {
				Version                             int64
				Type, Value, LastModifiedUser, Tier string
				Labels                              []string
				LastModifiedDate                    *time.Time
			}
			rows := []row{}
			for _, h := range hs {
				rows = append(rows, row{Version: h.Version, Type: string(h.Type), Value: aws.ToString(h.Value), LastModifiedUser: aws.ToString(h.LastModifiedUser),
					Tier: string(h.Tier), Labels: h.Labels, LastModifiedDate: h.LastModifiedDate})
			}
			return printJSON(env.Stdout, rows)
		}
		tw := tabwriter.NewWriter(env.Stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "VERSION\tTYPE\tLABELS\tMODIFIED\tBY\tVALUE")
		for _, h := range hs {
			value := aws.ToString(h.Value)
			if h.Type == types.ParameterTypeSecureString {
				value = "(encrypted)"
			} else if len(value) > 60 {
				value = value[:57] + "..."
			}
			fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\n", h.Version, h.Type, strings.Join(h.Labels, ","), localTime(h.LastModifiedDate),
				principalName(aws.ToString(h.LastModifiedUser)), strings.ReplaceAll(value, "\n", " "))
		}
		return tw.Flush()
	}
	return cmd
}

// localTime shows t in local time, or "-" when there is none.
func localTime(t *time.Time) string {
	if t == nil {
		return "-"
	}
	return t.Local().Format(time.DateTime)
}

// principalName shows a principal's ARN by its last part: "admin" for
// arn:aws:iam::123456789012:user/admin.
func principalName(arn string) string {
	if i := strings.LastIndex(arn, ":"); i >= 0 {
		arn = arn[i+1:]
	}
	if _, name, ok := strings.Cut(arn, "/"); ok {
		return name
	}
	return arn
}
