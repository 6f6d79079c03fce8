// Copyright 2026 The kanri Authors
// SPDX-License-Identifier: Apache-2.0

//go:build windows

package collect

import (
	"net"
	"unsafe"

	"golang.org/x/sys/windows"
)

// networkExtras reads each adapter's gateways, DHCP server and DNS servers
// from GetAdaptersAddresses, by the friendly name that net.Interface.Name
// also uses.
func (c *collector) networkExtras(ifaces []net.Interface) map[string]netExtras {
	extras := map[string]netExtras{}
	size := uint32(15 << 10)
	var buf []byte
	for range 3 {
		buf = make([]byte, size)
		err := windows.GetAdaptersAddresses(windows.AF_UNSPEC, windows.GAA_FLAG_INCLUDE_GATEWAYS,
			0, (*windows.IpAdapterAddresses)(unsafe.Pointer(&buf[0])), &size)
		if err == nil {
			break
		}
		if err != windows.ERROR_BUFFER_OVERFLOW {
			return extras
		}
		buf = nil
	}
	if buf == nil {
		return extras
	}
	for a := (*windows.IpAdapterAddresses)(unsafe.Pointer(&buf[0])); a != nil; a = a.Next {
		var x netExtras
		for g := a.FirstGatewayAddress; g != nil; g = g.Next {
			if ip := g.Address.IP(); ip != nil {
				x.Gateway = appendUnique(x.Gateway, ip.String())
			}
		}
		for d := a.FirstDnsServerAddress; d != nil; d = d.Next {
			if ip := d.Address.IP(); ip != nil {
				x.DNSServer = appendUnique(x.DNSServer, ip.String())
			}
		}
		if a.Dhcpv4Server.Sockaddr != nil {
			if ip := a.Dhcpv4Server.IP(); ip != nil && !ip.IsUnspecified() {
				x.DHCPServer = []string{ip.String()}
			}
		}
		extras[windows.UTF16PtrToString(a.FriendlyName)] = x
	}
	return extras
}
