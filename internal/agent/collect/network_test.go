// Copyright 2026 The kanri Authors
// SPDX-License-Identifier: Apache-2.0

package collect

import (
	"net"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestParseProcNetRoute(t *testing.T) {
	got := parseProcNetRoute(readTestdata(t, "root/proc/net/route"))
	want := map[string][]string{"eth0": {"10.0.0.1"}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("parseProcNetRoute() mismatch (-want +got):\n%s", diff)
	}
}

func TestParseProcNetIPv6Route(t *testing.T) {
	got := parseProcNetIPv6Route(readTestdata(t, "root/proc/net/ipv6_route"))
	want := map[string][]string{"eth0": {"fd00::1"}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("parseProcNetIPv6Route() mismatch (-want +got):\n%s", diff)
	}
}

func TestParseResolvConf(t *testing.T) {
	tests := []struct {
		in   string
		want []string
	}{
		{"nameserver 10.0.0.2\nnameserver 10.0.0.3\nsearch x\n", []string{"10.0.0.2", "10.0.0.3"}},
		{"# nameserver 1.1.1.1\nnameserver\tfd00::53\nnameserver fd00::53\n", []string{"fd00::53"}},
		{"options edns0\n", nil},
	}
	for _, tt := range tests {
		if diff := cmp.Diff(tt.want, parseResolvConf(tt.in)); diff != "" {
			t.Errorf("parseResolvConf(%q) mismatch (-want +got):\n%s", tt.in, diff)
		}
	}
}

func TestParseDhclientLeases(t *testing.T) {
	got := parseDhclientLeases(readTestdata(t, "root/var/lib/dhcp/dhclient.eth0.leases"))
	want := map[string]string{"eth0": "10.0.0.1", "eth1": "172.31.0.1"} // the last lease of each
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("parseDhclientLeases() mismatch (-want +got):\n%s", diff)
	}
}

func TestNetworkEntry(t *testing.T) {
	ipnet := func(s string) *net.IPNet {
		ip, n, err := net.ParseCIDR(s)
		if err != nil {
			t.Fatal(err)
		}
		n.IP = ip
		return n
	}
	tests := []struct {
		name  string
		addrs []net.Addr
		x     netExtras
		want  map[string]string
	}{
		{
			name:  "addresses and extras",
			addrs: []net.Addr{ipnet("10.0.0.57/24"), ipnet("10.0.1.8/16"), ipnet("fd00::57/64"), ipnet("fe80::1/64")},
			x:     netExtras{Gateway: []string{"10.0.0.1"}, DHCPServer: []string{"10.0.0.9"}, DNSServer: []string{"10.0.0.2", "10.0.0.3"}},
			want: map[string]string{
				"Name": "eth0", "MacAddress": "02:00:00:00:00:01",
				"IPV4": "10.0.0.57,10.0.1.8", "SubnetMask": "255.255.255.0,255.255.0.0", "IPV6": "fd00::57,fe80::1",
				"Gateway": "10.0.0.1", "DHCPServer": "10.0.0.9", "DNSServer": "10.0.0.2,10.0.0.3",
			},
		},
		{
			name:  "an address without a mask",
			addrs: []net.Addr{&net.IPAddr{IP: net.ParseIP("192.0.2.7")}},
			want:  map[string]string{"Name": "eth0", "MacAddress": "02:00:00:00:00:01", "IPV4": "192.0.2.7"},
		},
		{
			name: "no address",
			want: map[string]string{"Name": "eth0", "MacAddress": "02:00:00:00:00:01"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := networkEntry("eth0", "02:00:00:00:00:01", tt.addrs, tt.x)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("networkEntry() mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestNetworkOnThisMachine(t *testing.T) {
	got, err := newCollector(Config{}).network(t.Context())
	if err != nil {
		t.Fatalf("network() error = %v", err)
	}
	ifaces, err := net.Interfaces()
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]bool{}
	for _, ifc := range ifaces {
		if ifc.Flags&net.FlagLoopback == 0 {
			want[ifc.Name] = true
		}
	}
	for _, e := range got {
		if !want[e["Name"]] {
			t.Errorf("network() reports %q, not a non-loopback interface", e["Name"])
		}
		delete(want, e["Name"])
	}
	for name := range want {
		t.Errorf("network() misses interface %q", name)
	}
}
