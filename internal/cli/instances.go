// Copyright 2026 The kanri Authors
// SPDX-License-Identifier: Apache-2.0

package cli

import (
	"fmt"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	"github.com/aws/aws-sdk-go-v2/service/ssm/types"
	"github.com/spf13/cobra"
)

func newInstancesCmd(env *Env) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "instances",
		Short: "List the fleet's managed instances",
		Long: `List the managed instances: ID, name, ping status, platform, IP address,
tags, how State Manager's associations last ran there, and when each was
last seen. Filter by tag, ping status or association status as
"aws ssm describe-instance-information" does.`,
		Example: `  kanri instances
  kanri instances --tag env=prod --ping Online
  kanri instances --associations Failed
  kanri instances --output json`,
	}
	cf := addClientFlags(cmd)
	tags := cmd.Flags().StringToString("tag", nil, "only instances with these tags, key=value (repeatable)")
	ping := cmd.Flags().String("ping", "", "only instances with this ping status: Online or ConnectionLost")
	assoc := cmd.Flags().String("associations", "", "only instances whose associations last ran so: Success, Failed or Pending")
	cmd.RunE = func(cmd *cobra.Command, args []string) error {
		cfg, err := cf.awsConfig(cmd.Context(), env)
		if err != nil {
			return err
		}
		in := &ssm.DescribeInstanceInformationInput{}
		for k, v := range *tags {
			in.Filters = append(in.Filters, types.InstanceInformationStringFilter{Key: aws.String("tag:" + k), Values: []string{v}})
		}
		if *ping != "" {
			in.Filters = append(in.Filters, types.InstanceInformationStringFilter{Key: aws.String("PingStatus"), Values: []string{*ping}})
		}
		if *assoc != "" {
			in.Filters = append(in.Filters, types.InstanceInformationStringFilter{Key: aws.String("AssociationStatus"), Values: []string{*assoc}})
		}
		client := ssm.NewFromConfig(cfg)
		var infos []types.InstanceInformation
		p := ssm.NewDescribeInstanceInformationPaginator(client, in)
		for p.HasMorePages() {
			page, err := p.NextPage(cmd.Context())
			if err != nil {
				return err
			}
			infos = append(infos, page.InstanceInformationList...)
		}
		tagsOf := map[string]string{}
		for _, i := range infos {
			out, err := client.ListTagsForResource(cmd.Context(), &ssm.ListTagsForResourceInput{
				ResourceType: types.ResourceTypeForTaggingManagedInstance, ResourceId: i.InstanceId})
			if err != nil {
				return err
			}
			var kv []string
			for _, t := range out.TagList {
				kv = append(kv, aws.ToString(t.Key)+"="+aws.ToString(t.Value))
			}
			sort.Strings(kv)
			tagsOf[aws.ToString(i.InstanceId)] = strings.Join(kv, ",")
		}
		if cf.output == "json" {
			type row struct {
				InstanceID, Name, PingStatus, Platform, IPAddress, Tags, AgentVersion string
				AssociationStatus                                                     string           `json:",omitempty"`
				AssociationCounts                                                     map[string]int32 `json:",omitempty"`
				LastPing                                                              *time.Time       `json:",omitempty"`
			}
			rows := []row{}
			for _, i := range infos {
				r := row{InstanceID: aws.ToString(i.InstanceId), Name: aws.ToString(i.Name), PingStatus: string(i.PingStatus),
					Platform: platform(i), IPAddress: aws.ToString(i.IPAddress), Tags: tagsOf[aws.ToString(i.InstanceId)],
					AgentVersion: aws.ToString(i.AgentVersion), AssociationStatus: aws.ToString(i.AssociationStatus), LastPing: i.LastPingDateTime}
				if i.AssociationOverview != nil {
					r.AssociationCounts = i.AssociationOverview.InstanceAssociationStatusAggregatedCount
				}
				rows = append(rows, r)
			}
			return printJSON(env.Stdout, rows)
		}
		tw := tabwriter.NewWriter(env.Stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "ID\tNAME\tPING\tPLATFORM\tIP\tTAGS\tASSOCIATIONS\tLAST SEEN")
		for _, i := range infos {
			seen := "never"
			if i.LastPingDateTime != nil {
				seen = i.LastPingDateTime.Local().Format(time.DateTime)
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", aws.ToString(i.InstanceId), aws.ToString(i.Name), i.PingStatus,
				platform(i), aws.ToString(i.IPAddress), tagsOf[aws.ToString(i.InstanceId)], associationsOf(i), seen)
		}
		return tw.Flush()
	}
	return cmd
}

// associationsOf sums up how an instance's associations last ran there,
// e.g. "Failed [Failed=1 Success=2]", or "-" where none has run.
func associationsOf(i types.InstanceInformation) string {
	if i.AssociationStatus == nil {
		return "-"
	}
	var counts map[string]int32
	if i.AssociationOverview != nil {
		counts = i.AssociationOverview.InstanceAssociationStatusAggregatedCount
	}
	return aws.ToString(i.AssociationStatus) + countsText(counts)
}

// platform names an instance's platform, e.g. "Debian GNU/Linux 12".
func platform(i types.InstanceInformation) string {
	return strings.TrimSpace(aws.ToString(i.PlatformName) + " " + aws.ToString(i.PlatformVersion))
}
