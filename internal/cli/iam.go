// Copyright 2026 The kanri Authors
// SPDX-License-Identifier: Apache-2.0

package cli

import (
	"fmt"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/iam/types"
	"github.com/spf13/cobra"
)

func newIAMCmd(env *Env) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "iam",
		Short: "Conveniences over IAM: simulate, revoke sessions, who am I",
		Long: `Conveniences over the IAM API for what raw AWS calls make awkward. Everything
else about users, roles and policies is done with the AWS CLI's "aws iam".`,
	}
	cmd.AddCommand(newIAMSimulateCmd(env), newIAMRevokeSessionsCmd(env), newWhoamiCmd(env))
	return cmd
}

func newIAMSimulateCmd(env *Env) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "simulate",
		Short: "Would this principal be allowed this action on this resource?",
		Long: `Simulate the policies of a user, group or role (its inline and managed
policies, its groups' and its permissions boundary) for actions on resources,
and show the decision and the statements that made it.`,
		Example: `  kanri iam simulate --principal arn:aws:iam::123456789012:role/ops --action ssm:SendCommand
  kanri iam simulate --principal arn:aws:iam::123456789012:user/alice \
      --action iam:CreateUser --action iam:GetUser --resource arn:aws:iam::123456789012:user/bob
  kanri iam simulate --principal arn:aws:iam::123456789012:user/alice --action s3:GetObject \
      --context aws:SourceIp=10.0.0.7 --output json`,
	}
	cf := addClientFlags(cmd)
	f := cmd.Flags()
	principal := f.String("principal", "", "ARN of the user, group or role to simulate (required)")
	actions := f.StringArray("action", nil, "action to simulate, e.g. ssm:SendCommand (repeatable; required)")
	resources := f.StringArray("resource", nil, "resource ARN (repeatable; default *)")
	contexts := f.StringArray("context", nil, "condition key and value, key=value (repeatable)")
	cmd.RunE = func(cmd *cobra.Command, args []string) error {
		if *principal == "" || len(*actions) == 0 {
			return usageError{fmt.Errorf("iam simulate: --principal and at least one --action are required")}
		}
		in := &iam.SimulatePrincipalPolicyInput{PolicySourceArn: principal, ActionNames: *actions, ResourceArns: *resources}
		for _, c := range *contexts {
			k, v, ok := strings.Cut(c, "=")
			if !ok || k == "" {
				return usageError{fmt.Errorf("iam simulate: --context %q: want key=value", c)}
			}
			in.ContextEntries = append(in.ContextEntries, types.ContextEntry{
				ContextKeyName: aws.String(k), ContextKeyValues: []string{v}, ContextKeyType: types.ContextKeyTypeEnumString})
		}
		cfg, err := cf.awsConfig(cmd.Context(), env)
		if err != nil {
			return err
		}
		out, err := iam.NewFromConfig(cfg).SimulatePrincipalPolicy(cmd.Context(), in)
		if err != nil {
			return err
		}
		if cf.output == "json" {
			type statement struct {
				Policy    string `json:"policy"`
				Type      string `json:"type"`
				Line, Col int32
				EndLine   int32 `json:"endLine"`
				EndColumn int32 `json:"endColumn"`
			}
			type result struct {
				Action     string      `json:"action"`
				Resource   string      `json:"resource"`
				Decision   string      `json:"decision"`
				Statements []statement `json:"statements"`
			}
			var rs []result
			for _, r := range out.EvaluationResults {
				res := result{Action: aws.ToString(r.EvalActionName), Resource: aws.ToString(r.EvalResourceName), Decision: string(r.EvalDecision), Statements: []statement{}}
				for _, m := range r.MatchedStatements {
					st := statement{Policy: aws.ToString(m.SourcePolicyId), Type: string(m.SourcePolicyType)}
					if m.StartPosition != nil {
						st.Line, st.Col = m.StartPosition.Line, m.StartPosition.Column
					}
					if m.EndPosition != nil {
						st.EndLine, st.EndColumn = m.EndPosition.Line, m.EndPosition.Column
					}
					res.Statements = append(res.Statements, st)
				}
				rs = append(rs, res)
			}
			return printJSON(env.Stdout, rs)
		}
		tw := tabwriter.NewWriter(env.Stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "ACTION\tRESOURCE\tDECISION\tBECAUSE OF")
		for _, r := range out.EvaluationResults {
			var because []string
			for _, m := range r.MatchedStatements {
				s := aws.ToString(m.SourcePolicyId)
				if m.StartPosition != nil {
					s += fmt.Sprintf(" (line %d)", m.StartPosition.Line)
				}
				because = append(because, s)
			}
			if len(because) == 0 {
				because = []string{"no statement applies"}
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", aws.ToString(r.EvalActionName), aws.ToString(r.EvalResourceName), r.EvalDecision, strings.Join(because, ", "))
		}
		return tw.Flush()
	}
	return cmd
}

// revokePolicyName is the inline policy that revokes a role's sessions, as
// AWS's console names it.
const revokePolicyName = "AWSRevokeOlderSessions"

func newIAMRevokeSessionsCmd(env *Env) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "revoke-sessions",
		Short: "Revoke every session of a role issued until now",
		Long: `Revoke the temporary credentials of every session of a role issued until now,
as the AWS console's "Revoke active sessions" does: an inline policy denies
everything to sessions whose aws:TokenIssueTime is older than now. Sessions
started afterwards are not affected.`,
		Example: `  kanri iam revoke-sessions --role ostoy-sa-role`,
	}
	cf := addClientFlags(cmd)
	role := cmd.Flags().String("role", "", "name of the role (required)")
	cmd.RunE = func(cmd *cobra.Command, args []string) error {
		if *role == "" {
			return usageError{fmt.Errorf("iam revoke-sessions: --role is required")}
		}
		cfg, err := cf.awsConfig(cmd.Context(), env)
		if err != nil {
			return err
		}
		// Token issue times have whole seconds: revoke up to the next one,
		// so a session issued in this very second is revoked too.
		now := time.Now().UTC().Truncate(time.Second).Add(time.Second).Format(time.RFC3339)
		doc := `{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":["*"],"Resource":["*"],` +
			`"Condition":{"DateLessThan":{"aws:TokenIssueTime":"` + now + `"}}}]}`
		if _, err := iam.NewFromConfig(cfg).PutRolePolicy(cmd.Context(), &iam.PutRolePolicyInput{
			RoleName: role, PolicyName: aws.String(revokePolicyName), PolicyDocument: aws.String(doc),
		}); err != nil {
			return err
		}
		fmt.Fprintf(env.Stdout, "Sessions of role %s issued before %s are revoked (inline policy %s).\n", *role, now, revokePolicyName)
		return nil
	}
	return cmd
}
