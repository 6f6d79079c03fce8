// Copyright 2026 The kanri Authors
// SPDX-License-Identifier: Apache-2.0

package collect

import (
	"context"
	"strings"
)

// maxSummaryLength is how much of a package's description the SSM agent
// keeps as Summary.
const maxSummaryLength = 100

// applications returns AWS:Application's content: the platform's packages
// (see platformApplications) and the Java installations.
func (c *collector) applications(ctx context.Context) ([]map[string]string, error) {
	apps, err := c.platformApplications(ctx)
	if err != nil {
		return nil, err
	}
	apps = append(apps, c.javaApplications(ctx)...)
	sortEntries(apps, "Name", "Version", "Architecture", "ApplicationType")
	return apps, nil
}

// formatArchitecture reports architectures as the SSM agent does: x86_64
// and i386 for 64- and 32-bit x86 whichever packager named them.
func formatArchitecture(arch string) string {
	arch = strings.ToLower(strings.TrimSpace(arch))
	switch arch {
	case "amd64", "x64", "x86-64":
		return "x86_64"
	case "386", "x86":
		return "i386"
	}
	return arch
}

// summary turns a package description into Summary as the SSM agent does:
// the first line, cut to maxSummaryLength bytes.
func summary(description string) string {
	return truncateUTF8(firstLine(description), maxSummaryLength)
}

// isAWSComponent reports whether the application named name is an AWS
// component by the SSM agent's rule: one of a fixed list of names, or one of
// the AWS API and AMI tools.
func isAWSComponent(name string) bool {
	n := strings.ToLower(strings.TrimSpace(name))
	switch n {
	case "amazon-ssm-agent", "amazon ssm agent", "aws tools for windows",
		"ec2configservice", "aws-cfn-bootstrap", "aws pv drivers":
		return true
	}
	return strings.Contains(n, "aws-apitools-") || strings.Contains(n, "aws-amitools-")
}

// awsComponents returns AWS:AWSComponent's content: the AWS components among
// apps, with only the attributes that type's schema has.
func awsComponents(apps []map[string]string) []map[string]string {
	out := []map[string]string{}
	for _, a := range apps {
		if !isAWSComponent(a["Name"]) {
			continue
		}
		e := map[string]string{}
		for _, k := range []string{"Name", "ApplicationType", "Publisher", "Version", "InstalledTime", "Architecture", "URL"} {
			if v := a[k]; v != "" {
				e[k] = v
			}
		}
		out = append(out, e)
	}
	return out
}
