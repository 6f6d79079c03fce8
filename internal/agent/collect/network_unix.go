// Copyright 2026 The kanri Authors
// SPDX-License-Identifier: Apache-2.0

//go:build !windows

package collect

import (
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// networkExtras reads, per interface, the default gateways from the
// kernel's routing tables, the DHCP servers from the leases of
// systemd-networkd, NetworkManager and dhclient, and the name servers
// from resolv.conf (systemd-resolved's upstream list when resolv.conf only
// names its local stub), which serve every interface.
func (c *collector) networkExtras(ifaces []net.Interface) map[string]netExtras {
	read := func(p string) string {
		b, err := os.ReadFile(c.hostPath(p))
		if err != nil {
			return ""
		}
		return string(b)
	}
	gw4 := parseProcNetRoute(read("/proc/net/route"))
	gw6 := parseProcNetIPv6Route(read("/proc/net/ipv6_route"))

	dns := parseResolvConf(read("/etc/resolv.conf"))
	if allLoopback(dns) {
		if up := parseResolvConf(read("/run/systemd/resolve/resolv.conf")); len(up) > 0 {
			dns = up
		}
	}

	dhcp := map[string]string{}
	for _, pattern := range []string{"/var/lib/dhcp/dhclient*.leases", "/var/lib/dhclient/*.lease*"} {
		files, _ := filepath.Glob(c.hostPath(pattern))
		for _, f := range files {
			if b, err := os.ReadFile(f); err == nil {
				for k, v := range parseDhclientLeases(string(b)) {
					dhcp[k] = v
				}
			}
		}
	}
	files, _ := filepath.Glob(c.hostPath("/var/lib/NetworkManager/internal-*.lease"))
	for _, f := range files {
		base := strings.TrimSuffix(filepath.Base(f), ".lease")
		if i := strings.LastIndexByte(base, '-'); i >= 0 {
			if b, err := os.ReadFile(f); err == nil {
				if s := parseSystemdLease(string(b)); s != "" {
					dhcp[base[i+1:]] = s
				}
			}
		}
	}
	for _, ifc := range ifaces {
		if s := parseSystemdLease(read("/run/systemd/netif/leases/" + strconv.Itoa(ifc.Index))); s != "" {
			dhcp[ifc.Name] = s
		}
	}

	extras := map[string]netExtras{}
	for _, ifc := range ifaces {
		x := netExtras{DNSServer: dns}
		x.Gateway = append(append(x.Gateway, gw4[ifc.Name]...), gw6[ifc.Name]...)
		if s := dhcp[ifc.Name]; s != "" {
			x.DHCPServer = []string{s}
		}
		extras[ifc.Name] = x
	}
	return extras
}

// allLoopback reports whether every address in addrs is a loopback
// address (true for none).
func allLoopback(addrs []string) bool {
	for _, a := range addrs {
		if ip := net.ParseIP(a); ip == nil || !ip.IsLoopback() {
			return false
		}
	}
	return true
}
