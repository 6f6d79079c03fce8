// Copyright 2026 The kanri Authors
// SPDX-License-Identifier: Apache-2.0

package cli

import (
	"encoding/json"
	"fmt"
	"text/tabwriter"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudtrail"
	"github.com/aws/aws-sdk-go-v2/service/cloudtrail/types"
	"github.com/spf13/cobra"
)

func newAuditCmd(env *Env) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "audit",
		Short: "Show the audit trail: who called what, when, and how it ended",
		Long: `Show the audit trail, newest first. Every API call that reaches
authentication is recorded, whether it was allowed, denied or failed. At most
one filter may be given, as with CloudTrail's LookupEvents.`,
		Example: `  kanri audit
  kanri audit --event-name SendCommand --since 1h
  kanri audit --user alice --output json
  kanri audit --resource arn:aws:iam::123456789012:user/alice`,
	}
	cf := addClientFlags(cmd)
	f := cmd.Flags()
	eventName := f.String("event-name", "", "only events of this operation, e.g. GetCallerIdentity")
	user := f.String("user", "", "only events by this user name")
	accessKey := f.String("access-key", "", "only events signed with this access key ID")
	resource := f.String("resource", "", "only events on this resource ARN")
	source := f.String("source", "", "only events of this service, e.g. sts.amazonaws.com")
	since := f.Duration("since", 0, "only events newer than this, e.g. 1h")
	limit := f.Int("limit", 50, "most events to show")
	cmd.RunE = func(cmd *cobra.Command, args []string) error {
		var attrs []types.LookupAttribute
		for _, a := range []struct {
			key types.LookupAttributeKey
			val string
		}{
			{types.LookupAttributeKeyEventName, *eventName},
			{types.LookupAttributeKeyUsername, *user},
			{types.LookupAttributeKeyAccessKeyId, *accessKey},
			{types.LookupAttributeKeyResourceName, *resource},
			{types.LookupAttributeKeyEventSource, *source},
		} {
			if a.val != "" {
				attrs = append(attrs, types.LookupAttribute{AttributeKey: a.key, AttributeValue: aws.String(a.val)})
			}
		}
		if len(attrs) > 1 {
			return usageError{fmt.Errorf("audit: give at most one of --event-name, --user, --access-key, --resource, --source")}
		}
		if *limit < 1 {
			return usageError{fmt.Errorf("audit: --limit must be at least 1")}
		}
		cfg, err := cf.awsConfig(cmd.Context(), env)
		if err != nil {
			return err
		}
		in := &cloudtrail.LookupEventsInput{LookupAttributes: attrs}
		if *since > 0 {
			in.StartTime = aws.Time(time.Now().Add(-*since))
		}
		var events []types.Event
		p := cloudtrail.NewLookupEventsPaginator(cloudtrail.NewFromConfig(cfg), in)
		for p.HasMorePages() && len(events) < *limit {
			page, err := p.NextPage(cmd.Context())
			if err != nil {
				return err
			}
			events = append(events, page.Events...)
		}
		if len(events) > *limit {
			events = events[:*limit]
		}
		if cf.output == "json" {
			records := make([]json.RawMessage, 0, len(events))
			for _, e := range events {
				records = append(records, json.RawMessage(aws.ToString(e.CloudTrailEvent)))
			}
			return printJSON(env.Stdout, records)
		}
		tw := tabwriter.NewWriter(env.Stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "TIME\tEVENT\tSOURCE\tUSER\tOUTCOME\tFROM")
		for _, e := range events {
			var rec struct {
				ErrorCode       string            `json:"errorCode"`
				SourceIPAddress string            `json:"sourceIPAddress"`
				Additional      map[string]string `json:"additionalEventData"`
				UserIdentity    struct {
					InvokedBy string `json:"invokedBy"`
				} `json:"userIdentity"`
			}
			json.Unmarshal([]byte(aws.ToString(e.CloudTrailEvent)), &rec)
			outcome := rec.Additional["outcome"]
			if rec.ErrorCode != "" {
				outcome += " (" + rec.ErrorCode + ")"
			}
			user := aws.ToString(e.Username)
			if user == "" {
				user = rec.UserIdentity.InvokedBy // a service's own action
			}
			if user == "" {
				user = "-"
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", aws.ToTime(e.EventTime).Local().Format(time.DateTime),
				aws.ToString(e.EventName), aws.ToString(e.EventSource), user, outcome, rec.SourceIPAddress)
		}
		return tw.Flush()
	}
	return cmd
}
