// Copyright 2026 The kanri Authors
// SPDX-License-Identifier: Apache-2.0

package document

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/kanri-dev/kanri/internal/awserr"
)

func builtin(t testing.TB, name string) *Document {
	t.Helper()
	for _, b := range Builtins() {
		if b.Name == name {
			d, err := Parse(b.Content, b.Format)
			if err != nil {
				t.Fatalf("Parse(%s): %v", name, err)
			}
			return d
		}
	}
	t.Fatalf("no built-in document %s", name)
	return nil
}

func TestBuiltins(t *testing.T) {
	var names []string
	for _, b := range Builtins() {
		names = append(names, b.Name)
		t.Run(b.Name, func(t *testing.T) {
			if got := DetectFormat(b.Content); got != b.Format {
				t.Errorf("DetectFormat = %s, want %s", got, b.Format)
			}
			d, err := Parse(b.Content, b.Format)
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if d.Type != b.DocumentType {
				t.Errorf("Type = %s, want %s", d.Type, b.DocumentType)
			}
			if d.Description != b.Description {
				t.Errorf("Description = %q, want %q", d.Description, b.Description)
			}
			if diff := cmp.Diff(b.PlatformTypes, d.PlatformTypes()); diff != "" {
				t.Errorf("PlatformTypes mismatch (-Builtin +document):\n%s", diff)
			}
		})
	}
	want := []string{"AWS-GatherSoftwareInventory", "AWS-RunPowerShellScript", "AWS-RunShellScript", "SSM-SessionManagerRunShell"}
	if diff := cmp.Diff(want, names); diff != "" {
		t.Errorf("Builtins names mismatch (-want +got):\n%s", diff)
	}
}

func TestBuiltinParameters(t *testing.T) {
	const timeoutPattern = `([1-9][0-9]{0,4})|(1[0-6][0-9]{4})|(17[0-1][0-9]{3})|(172[0-7][0-9]{2})|(172800)`
	for _, name := range []string{"AWS-RunShellScript", "AWS-RunPowerShellScript"} {
		d := builtin(t, name)
		var got []string
		for _, p := range d.Parameters {
			def := "<required>"
			if p.Default != nil {
				def = p.Default.Text()
			}
			got = append(got, string(p.Type)+" "+p.Name+"="+def+" "+p.AllowedPattern)
		}
		want := []string{"StringList commands=<required> ", "String workingDirectory= ", "String executionTimeout=3600 " + timeoutPattern}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("%s parameters mismatch (-want +got):\n%s", name, diff)
		}
	}
	d := builtin(t, "AWS-GatherSoftwareInventory")
	got := map[string]string{}
	for _, p := range d.Parameters {
		got[p.Name] = p.Default.Text()
	}
	want := map[string]string{
		"applications": "Enabled", "awsComponents": "Enabled", "networkConfig": "Enabled", "windowsUpdates": "Enabled",
		"instanceDetailedInformation": "Enabled", "services": "Enabled", "windowsRoles": "Enabled", "customInventory": "Enabled",
		"billingInfo": "Enabled", "files": "", "windowsRegistry": "",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("AWS-GatherSoftwareInventory defaults mismatch (-want +got):\n%s", diff)
	}
}

func TestBuiltinsRender(t *testing.T) {
	allCollectors := []string{"applications", "awsComponents", "networkConfig", "windowsUpdates", "instanceDetailedInformation",
		"services", "windowsRoles", "customInventory", "billingInfo"}
	tests := []struct {
		name  string
		doc   string
		given map[string][]string
		want  []PlanStep
		msg   string // InvalidParameters message, when the parameters are refused
	}{
		{name: "shell defaults", doc: "AWS-RunShellScript", given: map[string][]string{"commands": {"echo hi", "uptime"}},
			want: []PlanStep{{Action: "aws:runShellScript", Name: "runShellScript", Commands: []string{"echo hi", "uptime"}, TimeoutSeconds: 3600}}},
		{name: "shell all parameters", doc: "AWS-RunShellScript",
			given: map[string][]string{"commands": {"make"}, "workingDirectory": {"/src"}, "executionTimeout": {"172800"}},
			want:  []PlanStep{{Action: "aws:runShellScript", Name: "runShellScript", Commands: []string{"make"}, WorkingDirectory: "/src", TimeoutSeconds: 172800}}},
		{name: "shell timeout over 48 hours", doc: "AWS-RunShellScript",
			given: map[string][]string{"commands": {"make"}, "executionTimeout": {"172801"}},
			msg:   `parameter "executionTimeout": value does not match allowedPattern ([1-9][0-9]{0,4})|(1[0-6][0-9]{4})|(17[0-1][0-9]{3})|(172[0-7][0-9]{2})|(172800)`},
		{name: "shell timeout zero", doc: "AWS-RunShellScript",
			given: map[string][]string{"commands": {"make"}, "executionTimeout": {"0"}},
			msg:   `parameter "executionTimeout": value does not match allowedPattern ([1-9][0-9]{0,4})|(1[0-6][0-9]{4})|(17[0-1][0-9]{3})|(172[0-7][0-9]{2})|(172800)`},
		{name: "shell without commands", doc: "AWS-RunShellScript", given: map[string][]string{},
			msg: `parameter "commands" is required: it has no default value`},
		{name: "PowerShell", doc: "AWS-RunPowerShellScript", given: map[string][]string{"commands": {"Get-Service"}, "executionTimeout": {"99999"}},
			want: []PlanStep{{Action: "aws:runPowerShellScript", Name: "runPowerShellScript", Commands: []string{"Get-Service"}, TimeoutSeconds: 99999}}},
		{name: "inventory defaults", doc: "AWS-GatherSoftwareInventory",
			want: []PlanStep{{Action: "aws:softwareInventory", Name: "collectSoftwareInventoryItems", Inventory: &Inventory{Collectors: allCollectors}}}},
		{name: "inventory choices", doc: "AWS-GatherSoftwareInventory",
			given: map[string][]string{"applications": {"Disabled"}, "windowsUpdates": {"Disabled"}, "files": {`[{"Path":"/etc","Pattern":["*.conf"]}]`}},
			want: []PlanStep{{Action: "aws:softwareInventory", Name: "collectSoftwareInventoryItems", Inventory: &Inventory{
				Collectors: []string{"awsComponents", "networkConfig", "instanceDetailedInformation", "services", "windowsRoles", "customInventory", "billingInfo"},
				Files:      `[{"Path":"/etc","Pattern":["*.conf"]}]`,
			}}}},
		{name: "inventory refuses other values", doc: "AWS-GatherSoftwareInventory", given: map[string][]string{"services": {"enabled"}},
			msg: `parameter "services": value is not one of allowedValues [Enabled, Disabled]`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := builtin(t, tt.doc)
			values, err := d.ResolveParameters(tt.given)
			if tt.msg != "" {
				if e := awserr.As(err); e == nil || e.Code != "InvalidParameters" || e.Message != tt.msg {
					t.Fatalf("ResolveParameters(%v) error = %v, want InvalidParameters: %s", tt.given, err, tt.msg)
				}
				return
			}
			if err != nil {
				t.Fatalf("ResolveParameters(%v): %v", tt.given, err)
			}
			plan, err := d.Render(values, nil)
			if err != nil {
				t.Fatalf("Render: %v", err)
			}
			if diff := cmp.Diff(&Plan{Steps: tt.want}, plan); diff != "" {
				t.Errorf("Render mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestBuiltinSessionPreferences(t *testing.T) {
	d := builtin(t, "SSM-SessionManagerRunShell")
	values, err := d.ResolveParameters(nil)
	if err != nil {
		t.Fatal(err)
	}
	got, err := d.RenderSession(values, nil)
	if err != nil {
		t.Fatal(err)
	}
	want := &SessionSpec{Type: StandardStream, Inputs: SessionInputs{
		S3EncryptionEnabled:         true,
		CloudWatchEncryptionEnabled: true,
		CloudWatchStreamingEnabled:  true,
		IdleSessionTimeout:          20,
	}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("RenderSession mismatch (-want +got):\n%s", diff)
	}
}
