// Copyright 2026 The kanri Authors
// SPDX-License-Identifier: Apache-2.0

package collect

import (
	"encoding/json"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestWindowsServiceEntries maps testdata/windows/services.json, services
// as the service control manager describes them, to AWS:Service.
func TestWindowsServiceEntries(t *testing.T) {
	var services []windowsService
	if err := json.Unmarshal([]byte(readTestdata(t, "windows/services.json")), &services); err != nil {
		t.Fatal(err)
	}
	var got []map[string]string
	for _, s := range services {
		got = append(got, s.entry())
	}
	want := []map[string]string{
		{"Name": "AmazonSSMAgent", "DisplayName": "Amazon SSM Agent", "ServiceType": "Win32OwnProcess", "Status": "Running", "StartType": "Automatic"},
		{
			"Name": "Dnscache", "DisplayName": "DNS Client", "ServiceType": "Win32ShareProcess", "Status": "Running", "StartType": "Automatic",
			"ServicesDependedOn": "Tdx, nsi", "DependentServices": "NlaSvc",
		},
		{
			"Name": "NlaSvc", "DisplayName": "Network Location Awareness", "ServiceType": "Win32ShareProcess", "Status": "Running", "StartType": "Automatic",
			"ServicesDependedOn": "Dhcp, Dnscache, Eventlog, NSI, RpcSs, TcpIp", "DependentServices": "netprofm",
		},
		{"Name": "wuauserv", "DisplayName": "Windows Update", "ServiceType": "Win32ShareProcess", "Status": "Stopped", "StartType": "Manual", "ServicesDependedOn": "rpcss"},
		{"Name": "sppsvc", "DisplayName": "Software Protection", "ServiceType": "Win32OwnProcess", "Status": "Stopped", "StartType": "Automatic", "ServicesDependedOn": "RpcSs"},
		{"Name": "RemoteRegistry", "DisplayName": "Remote Registry", "ServiceType": "Win32ShareProcess", "Status": "Stopped", "StartType": "Disabled", "ServicesDependedOn": "RPCSS"},
		{"Name": "UI0Detect", "DisplayName": "Interactive Services Detection", "ServiceType": "Win32OwnProcess, InteractiveProcess", "Status": "Paused", "StartType": "Manual"},
		{
			// Load order groups ("+NetworkProvider") are not services.
			"Name": "LanmanWorkstation", "DisplayName": "Workstation", "ServiceType": "Win32ShareProcess", "Status": "StartPending", "StartType": "Automatic",
			"ServicesDependedOn": "Bowser, MRxSmb20, NSI", "DependentServices": "LanmanServer, Netlogon, SessionEnv",
		},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("windowsService.entry() mismatch (-want +got):\n%s", diff)
	}
}

func TestWindowsServiceNames(t *testing.T) {
	types := map[uint32]string{0x1: "KernelDriver", 0x2: "FileSystemDriver", 0x10: "Win32OwnProcess", 0x20: "Win32ShareProcess", 0x50: "Win32OwnProcess, UserService", 0: ""}
	for in, want := range types {
		if got := windowsServiceType(in); got != want {
			t.Errorf("windowsServiceType(%#x) = %q, want %q", in, got, want)
		}
	}
	starts := map[uint32]string{0: "Boot", 1: "System", 2: "Automatic", 3: "Manual", 4: "Disabled", 9: ""}
	for in, want := range starts {
		if got := windowsStartType(in); got != want {
			t.Errorf("windowsStartType(%d) = %q, want %q", in, got, want)
		}
	}
	states := map[uint32]string{1: "Stopped", 2: "StartPending", 3: "StopPending", 4: "Running", 5: "ContinuePending", 6: "PausePending", 7: "Paused", 0: "Unknown"}
	for in, want := range states {
		if got := windowsServiceState(in); got != want {
			t.Errorf("windowsServiceState(%d) = %q, want %q", in, got, want)
		}
	}
}
