// Copyright 2026 The kanri Authors
// SPDX-License-Identifier: Apache-2.0

package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"io"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/spf13/cobra"

	"github.com/kanri-dev/kanri/internal/sdkhttp"
)

// DefaultEndpoint is the endpoint operator commands use when neither a
// flag, the environment nor the AWS config names one: `kanri dev`'s.
const DefaultEndpoint = "http://127.0.0.1:8470"

// clientFlags are the flags every operator command shares. They follow the
// AWS CLI's names and its environment and config-file chain, so `kanri`
// and `aws` agree on where they point and who they are.
type clientFlags struct {
	endpoint string
	region   string
	profile  string
	output   string
}

// addClientFlags adds the shared operator flags to cmd.
func addClientFlags(cmd *cobra.Command) *clientFlags {
	cf := &clientFlags{}
	f := cmd.Flags()
	f.StringVar(&cf.endpoint, "endpoint-url", "", "API endpoint (env KANRI_ENDPOINT_URL or AWS_ENDPOINT_URL, config endpoint_url; default "+DefaultEndpoint+")")
	f.StringVar(&cf.region, "region", "", "region (env AWS_REGION, config region)")
	f.StringVar(&cf.profile, "profile", "", "profile of the AWS shared config and credentials files (env AWS_PROFILE)")
	f.StringVar(&cf.output, "output", "table", "output format: table or json")
	return cf
}

// awsConfig loads the AWS SDK configuration the flags and environment ask
// for.
func (cf *clientFlags) awsConfig(ctx context.Context, env *Env) (aws.Config, error) {
	if cf.output != "table" && cf.output != "json" {
		return aws.Config{}, usageError{fmt.Errorf("--output %q: want table or json", cf.output)}
	}
	var opts []func(*config.LoadOptions) error
	if cf.profile != "" {
		opts = append(opts, config.WithSharedConfigProfile(cf.profile))
	}
	if cf.region != "" {
		opts = append(opts, config.WithRegion(cf.region))
	}
	cfg, err := config.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		return aws.Config{}, fmt.Errorf("load AWS configuration: %w", err)
	}
	cfg.HTTPClient = sdkhttp.Wrap(cfg.HTTPClient)
	endpoint := cf.endpoint
	if endpoint == "" {
		endpoint = env.getenv("KANRI_ENDPOINT_URL")
	}
	switch {
	case endpoint != "":
		cfg.BaseEndpoint = aws.String(endpoint)
	case cfg.BaseEndpoint == nil:
		cfg.BaseEndpoint = aws.String(DefaultEndpoint)
	}
	if cfg.Region == "" {
		cfg.Region = "us-east-1"
	}
	return cfg, nil
}

// printJSON writes v as indented JSON.
func printJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}
