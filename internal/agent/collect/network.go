// Copyright 2026 The kanri Authors
// SPDX-License-Identifier: Apache-2.0

package collect

import (
	"context"
	"encoding/binary"
	"encoding/hex"
	"net"
	"strconv"
	"strings"
)

// netExtras is what AWS:Network reports of an interface beyond its
// addresses, from the platform's routing and resolver configuration.
type netExtras struct {
	Gateway    []string
	DHCPServer []string
	DNSServer  []string
}

// network returns AWS:Network's content: one entry per network interface
// other than loopback, as the SSM agent reports them.
func (c *collector) network(ctx context.Context) ([]map[string]string, error) {
	ifaces, err := net.Interfaces()
	if err != nil {
		return nil, err
	}
	extras := c.networkExtras(ifaces)
	content := []map[string]string{}
	for _, ifc := range ifaces {
		if ifc.Flags&net.FlagLoopback != 0 {
			continue
		}
		addrs, err := ifc.Addrs()
		if err != nil {
			addrs = nil
		}
		content = append(content, networkEntry(ifc.Name, ifc.HardwareAddr.String(), addrs, extras[ifc.Name]))
	}
	sortEntries(content, "Name")
	return content, nil
}

// networkEntry returns an AWS:Network entry. An interface with several
// addresses lists them comma-separated, IPv4 addresses in IPV4 and their
// masks, in the same order, in SubnetMask.
func networkEntry(name, mac string, addrs []net.Addr, x netExtras) map[string]string {
	var v4, masks, v6 []string
	for _, a := range addrs {
		var ip net.IP
		var mask net.IPMask
		switch a := a.(type) {
		case *net.IPNet:
			ip, mask = a.IP, a.Mask
		case *net.IPAddr:
			ip = a.IP
		default:
			continue
		}
		if ip4 := ip.To4(); ip4 != nil {
			v4 = append(v4, ip4.String())
			if len(mask) == net.IPv6len {
				mask = mask[12:]
			}
			if len(mask) == net.IPv4len {
				masks = append(masks, net.IP(mask).String())
			}
		} else if ip != nil {
			v6 = append(v6, ip.String())
		}
	}
	return entry(
		"Name", name,
		"MacAddress", mac,
		"IPV4", strings.Join(v4, ","),
		"SubnetMask", strings.Join(masks, ","),
		"IPV6", strings.Join(v6, ","),
		"Gateway", strings.Join(x.Gateway, ","),
		"DHCPServer", strings.Join(x.DHCPServer, ","),
		"DNSServer", strings.Join(x.DNSServer, ","),
	)
}

// parseProcNetRoute returns the IPv4 default gateways by interface from
// Linux's /proc/net/route, whose addresses are hexadecimal in host byte
// order.
func parseProcNetRoute(data string) map[string][]string {
	gws := map[string][]string{}
	for i, line := range strings.Split(data, "\n") {
		f := strings.Fields(line)
		if i == 0 || len(f) < 8 {
			continue // the header, or not a route
		}
		flags, err := strconv.ParseUint(f[3], 16, 32)
		if err != nil || f[1] != "00000000" || f[7] != "00000000" || flags&0x2 == 0 { // RTF_GATEWAY
			continue
		}
		v, err := strconv.ParseUint(f[2], 16, 32)
		if err != nil {
			continue
		}
		ip := make(net.IP, net.IPv4len)
		binary.NativeEndian.PutUint32(ip, uint32(v))
		gws[f[0]] = appendUnique(gws[f[0]], ip.String())
	}
	return gws
}

// parseProcNetIPv6Route returns the IPv6 default gateways by interface from
// Linux's /proc/net/ipv6_route: "dest plen src plen nexthop metric refcnt
// use flags iface", addresses in hexadecimal.
func parseProcNetIPv6Route(data string) map[string][]string {
	gws := map[string][]string{}
	for _, line := range strings.Split(data, "\n") {
		f := strings.Fields(line)
		if len(f) < 10 || strings.Trim(f[0], "0") != "" || f[1] != "00" {
			continue
		}
		b, err := hex.DecodeString(f[4])
		if err != nil || len(b) != net.IPv6len || net.IP(b).IsUnspecified() {
			continue
		}
		gws[f[9]] = appendUnique(gws[f[9]], net.IP(b).String())
	}
	return gws
}

// parseResolvConf returns the name servers of a resolv.conf.
func parseResolvConf(data string) []string {
	var servers []string
	for _, line := range strings.Split(data, "\n") {
		f := strings.Fields(line)
		if len(f) >= 2 && f[0] == "nameserver" {
			servers = appendUnique(servers, f[1])
		}
	}
	return servers
}

// parseDhclientLeases returns the DHCP server of the last lease of each
// interface in a dhclient leases file:
//
//	lease {
//	  interface "eth0";
//	  option dhcp-server-identifier 10.0.0.1;
//	}
func parseDhclientLeases(data string) map[string]string {
	servers := map[string]string{}
	iface, server := "", ""
	for _, line := range strings.Split(data, "\n") {
		line = strings.TrimSuffix(strings.TrimSpace(line), ";")
		f := strings.Fields(line)
		switch {
		case len(f) >= 1 && f[0] == "lease":
			iface, server = "", ""
		case len(f) == 2 && f[0] == "interface":
			iface = strings.Trim(f[1], `"`)
		case len(f) == 3 && f[0] == "option" && f[1] == "dhcp-server-identifier":
			server = f[2]
		case line == "}":
			if iface != "" && server != "" {
				servers[iface] = server
			}
		}
	}
	return servers
}

// parseSystemdLease returns SERVER_ADDRESS of a lease file that
// systemd-networkd or NetworkManager's internal DHCP client wrote.
func parseSystemdLease(data string) string {
	for _, line := range strings.Split(data, "\n") {
		if v, ok := strings.CutPrefix(strings.TrimSpace(line), "SERVER_ADDRESS="); ok {
			return v
		}
	}
	return ""
}

// appendUnique appends s to list unless it is there already.
func appendUnique(list []string, s string) []string {
	for _, x := range list {
		if x == s {
			return list
		}
	}
	return append(list, s)
}
