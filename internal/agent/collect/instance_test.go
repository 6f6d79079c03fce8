// Copyright 2026 The kanri Authors
// SPDX-License-Identifier: Apache-2.0

package collect

import (
	"net"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestInstanceInformation(t *testing.T) {
	ifaces, err := net.Interfaces()
	if err != nil {
		t.Fatal(err)
	}
	ip := primaryIP(ifaces)
	tests := []struct {
		name string
		cfg  Config
		want map[string]string
	}{
		{
			name: "managed instance",
			cfg:  Config{InstanceID: "mi-0123456789abcdef0", AgentVersion: "1.2.3", Hostname: "web-1"},
			want: map[string]string{
				"AgentType": "kanri-agent", "AgentVersion": "1.2.3", "ComputerName": "web-1",
				"InstanceId": "mi-0123456789abcdef0", "IpAddress": ip, "PlatformName": "Ubuntu",
				"PlatformType": "Linux", "PlatformVersion": "22.04", "ResourceType": "ManagedInstance",
			},
		},
		{
			name: "EC2 instance with another agent type",
			cfg:  Config{InstanceID: "i-0abc", AgentType: "amazon-ssm-agent", AgentVersion: "3.3.40.0", Hostname: "ip-10-0-0-57"},
			want: map[string]string{
				"AgentType": "amazon-ssm-agent", "AgentVersion": "3.3.40.0", "ComputerName": "ip-10-0-0-57",
				"InstanceId": "i-0abc", "IpAddress": ip, "PlatformName": "Ubuntu",
				"PlatformType": "Linux", "PlatformVersion": "22.04", "ResourceType": "EC2Instance",
			},
		},
	}
	root := fixtureRoot(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.cfg.Root = root
			got, err := newCollector(tt.cfg).instanceInformation(t.Context())
			if err != nil {
				t.Fatalf("instanceInformation() error = %v", err)
			}
			for k, v := range tt.want {
				if v == "" {
					delete(tt.want, k)
				}
			}
			if diff := cmp.Diff([]map[string]string{tt.want}, got); diff != "" {
				t.Errorf("instanceInformation() mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestPrimaryIPOnThisMachine(t *testing.T) {
	ifaces, err := net.Interfaces()
	if err != nil {
		t.Fatal(err)
	}
	ip := primaryIP(ifaces)
	if ip == "" {
		t.Skip("no global address on this machine")
	}
	parsed := net.ParseIP(ip)
	if parsed == nil || parsed.IsLoopback() || !parsed.IsGlobalUnicast() {
		t.Errorf("primaryIP() = %q, want a global unicast address", ip)
	}
}
