// Copyright 2026 The kanri Authors
// SPDX-License-Identifier: Apache-2.0

package agent

import (
	"context"
	"fmt"
	"runtime"

	"github.com/kanri-dev/kanri/internal/agent/collect"
	"github.com/kanri-dev/kanri/internal/agentproto"
	"github.com/kanri-dev/kanri/internal/buildinfo"
)

// DefaultFacts returns the facts of this machine: what inventory reports as
// AWS:InstanceInformation (host name, primary address, platform from
// /etc/os-release or the Windows version), the architecture as uname
// names it (x86_64, arm64) and the agent's version.
func DefaultFacts(ctx context.Context) (agentproto.Facts, error) {
	f := agentproto.Facts{Architecture: Architecture(runtime.GOARCH), AgentVersion: buildinfo.Version()}
	items, err := collect.Collect(ctx, collect.Config{AgentVersion: f.AgentVersion}, collect.Set{})
	for _, it := range items {
		if it.TypeName != collect.TypeInstanceInformation || len(it.Content) == 0 {
			continue
		}
		e := it.Content[0]
		f.ComputerName = e["ComputerName"]
		f.IPAddress = e["IpAddress"]
		f.PlatformType = e["PlatformType"]
		f.PlatformName = e["PlatformName"]
		f.PlatformVersion = e["PlatformVersion"]
		return f, nil
	}
	if err == nil {
		err = fmt.Errorf("no %s", collect.TypeInstanceInformation)
	}
	return f, fmt.Errorf("facts: %w", err)
}

// Architecture names a Go architecture as uname -m does on Linux, which is
// how SSM reports it: amd64 is x86_64, 386 is i386.
func Architecture(goarch string) string {
	switch goarch {
	case "amd64":
		return "x86_64"
	case "386":
		return "i386"
	default:
		return goarch
	}
}
