// Copyright 2026 The kanri Authors
// SPDX-License-Identifier: Apache-2.0

package cli

import (
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/spf13/cobra"
)

func newWhoamiCmd(env *Env) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "whoami",
		Short: "Show the identity your credentials act as",
		Example: `  kanri whoami
  kanri whoami --profile ops --output json`,
	}
	cf := addClientFlags(cmd)
	cmd.RunE = func(cmd *cobra.Command, args []string) error {
		cfg, err := cf.awsConfig(cmd.Context(), env)
		if err != nil {
			return err
		}
		out, err := sts.NewFromConfig(cfg).GetCallerIdentity(cmd.Context(), &sts.GetCallerIdentityInput{})
		if err != nil {
			return err
		}
		if cf.output == "json" {
			return printJSON(env.Stdout, map[string]string{
				"Account": aws.ToString(out.Account), "Arn": aws.ToString(out.Arn), "UserId": aws.ToString(out.UserId)})
		}
		fmt.Fprintf(env.Stdout, "arn      %s\naccount  %s\nuser id  %s\n", aws.ToString(out.Arn), aws.ToString(out.Account), aws.ToString(out.UserId))
		return nil
	}
	return cmd
}
