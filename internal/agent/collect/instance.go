// Copyright 2026 The kanri Authors
// SPDX-License-Identifier: Apache-2.0

package collect

import (
	"context"
	"net"
	"os"
	"sort"
	"strconv"
	"strings"
)

// defaultAgentType is AgentType when Config.AgentType is empty.
const defaultAgentType = "kanri-agent"

// platformInfo names the operating system as AWS:InstanceInformation does.
type platformInfo struct {
	Name    string // "Ubuntu", "Microsoft Windows Server 2022 Datacenter"
	Type    string // "Linux", "Windows", "MacOS"
	Version string // "22.04", "10.0.20348"
}

// instanceInformation returns AWS:InstanceInformation's content, the one
// entry describing the instance. ResourceType is "EC2Instance" for an
// instance ID starting "i-" and "ManagedInstance" otherwise.
func (c *collector) instanceInformation(ctx context.Context) ([]map[string]string, error) {
	host := c.cfg.Hostname
	if host == "" {
		var err error
		if host, err = os.Hostname(); err != nil {
			return nil, err
		}
	}
	agentType := c.cfg.AgentType
	if agentType == "" {
		agentType = defaultAgentType
	}
	resourceType := "ManagedInstance"
	if strings.HasPrefix(c.cfg.InstanceID, "i-") {
		resourceType = "EC2Instance"
	}
	pi := c.platformInfo()
	ip := ""
	if ifaces, err := net.Interfaces(); err == nil {
		ip = primaryIP(ifaces)
	}
	return []map[string]string{entry(
		"AgentType", agentType,
		"AgentVersion", c.cfg.AgentVersion,
		"ComputerName", host,
		"InstanceId", c.cfg.InstanceID,
		"IpAddress", ip,
		"PlatformName", pi.Name,
		"PlatformType", pi.Type,
		"PlatformVersion", pi.Version,
		"ResourceType", resourceType,
	)}, nil
}

// primaryIP returns the instance's address as IpAddress reports it: the
// first IPv4 address of the interfaces that are up and not loopback, in
// index order, or failing that the first global IPv6 address.
func primaryIP(ifaces []net.Interface) string {
	sorted := append([]net.Interface(nil), ifaces...)
	sort.Slice(sorted, func(i, j int) bool { return sorted[i].Index < sorted[j].Index })
	v6 := ""
	for _, ifc := range sorted {
		if ifc.Flags&net.FlagUp == 0 || ifc.Flags&net.FlagLoopback != 0 {
			continue
		}
		addrs, err := ifc.Addrs()
		if err != nil {
			continue
		}
		for _, a := range addrs {
			n, ok := a.(*net.IPNet)
			if !ok || !n.IP.IsGlobalUnicast() {
				continue
			}
			if ip4 := n.IP.To4(); ip4 != nil {
				return ip4.String()
			}
			if v6 == "" {
				v6 = n.IP.String()
			}
		}
	}
	return v6
}

// parseOSRelease parses an os-release file: KEY=value lines, values
// optionally quoted.
func parseOSRelease(data string) map[string]string {
	m := map[string]string{}
	for _, line := range strings.Split(data, "\n") {
		line = strings.TrimSpace(line)
		if line == "" || line[0] == '#' {
			continue
		}
		k, v, ok := strings.Cut(line, "=")
		if !ok {
			continue
		}
		if uq, err := strconv.Unquote(v); err == nil {
			v = uq
		} else {
			v = strings.Trim(v, `"'`)
		}
		m[k] = v
	}
	return m
}

// parseReleaseLine parses a line such as "CentOS release 6.10 (Final)" of
// /etc/system-release or /etc/redhat-release into a name and a version.
func parseReleaseLine(line string) (name, version string) {
	line = firstLine(line)
	before, after, ok := strings.Cut(line, " release ")
	if !ok {
		return line, ""
	}
	if f := strings.Fields(after); len(f) > 0 {
		version = f[0]
	}
	return before, version
}
