// Copyright 2026 The kanri Authors
// SPDX-License-Identifier: Apache-2.0

package e2e

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kanri-dev/kanri/internal/kanritest"
)

// TestInventoryFromTheLocalAgent is seed 003's headline on this machine:
// kanri dev's agent, through the inventory association kanri dev makes,
// reports the machine's dpkg packages with their versions exactly as
// dpkg-query lists them, and a JDK that only JAVA_HOME points at with the
// version of its release file; run again with nothing changed, it sends
// nothing.
func TestInventoryFromTheLocalAgent(t *testing.T) {
	dpkg, err := exec.Command("dpkg-query", "-W", "-f", `${Package}\t${Version}\t${db:Status-Abbrev}\n`).Output()
	if err != nil {
		t.Skipf("dpkg-query: %v (not a Debian machine)", err)
	}
	jdk := filepath.Join(t.TempDir(), "jdk-21")
	if err := os.MkdirAll(filepath.Join(jdk, "bin"), 0o755); err != nil {
		t.Fatal(err)
	}
	release := "JAVA_VERSION=\"21.0.3\"\nIMPLEMENTOR=\"Eclipse Adoptium\"\nIMAGE_TYPE=\"JDK\"\n"
	if err := os.WriteFile(filepath.Join(jdk, "release"), []byte(release), 0o644); err != nil {
		t.Fatal(err)
	}
	p := kanritest.StartDevEnv(t, "", []string{"JAVA_HOME=" + jdk})
	instance := strings.TrimSpace(cli(t, p, "ssm", "describe-instance-information", "--query", "InstanceInformationList[0].InstanceId", "--output", "text"))
	if !strings.HasPrefix(instance, "mi-") {
		t.Fatalf("local instance = %q", instance)
	}

	// listAll reads every entry, page by page.
	listAll := func() ([]map[string]string, bool) {
		var all []map[string]string
		args := []string{"ssm", "list-inventory-entries", "--instance-id", instance, "--type-name", "AWS:Application", "--max-results", "50"}
		for token := ""; ; {
			a := args
			if token != "" {
				a = append(a, "--next-token", token)
			}
			out, _, code := awsCLI(t, p, p.CredentialsFile(), a...)
			var page struct {
				Entries   []map[string]string
				NextToken string
			}
			if code != 0 || json.Unmarshal([]byte(out), &page) != nil {
				return nil, false
			}
			all = append(all, page.Entries...)
			if token = page.NextToken; token == "" {
				return all, len(all) > 0
			}
		}
	}
	var apps []map[string]string
	waitFor(t, "the local agent's AWS:Application inventory", 90*time.Second, func() bool {
		var ok bool
		apps, ok = listAll()
		return ok
	})
	got := map[string][]string{}
	for _, e := range apps {
		got[e["Name"]] = append(got[e["Name"]], e["Version"])
	}
	installed := 0
	for line := range strings.Lines(string(dpkg)) {
		f := strings.Split(strings.TrimRight(line, "\n"), "\t")
		if len(f) != 3 || !strings.HasPrefix(f[2], "ii") {
			continue // not installed (removed, config files only)
		}
		installed++
		name := strings.SplitN(f[0], ":", 2)[0]
		found := false
		for _, v := range got[name] {
			found = found || v == f[1]
		}
		if !found {
			t.Errorf("package %s %s: inventory has %v", name, f[1], got[name])
		}
	}
	if installed < 20 {
		t.Fatalf("dpkg-query lists %d installed packages: the comparison proves little", installed)
	}
	realJDK, _ := filepath.EvalSymlinks(jdk)
	var java map[string]string
	for _, e := range apps {
		if e["ApplicationType"] == "Java" && e["Summary"] == realJDK {
			java = e
		}
	}
	if java == nil || java["Version"] != "21.0.3" || !strings.Contains(java["Name"], "JDK") {
		t.Errorf("the JDK at %s = %v, want version 21.0.3", realJDK, java)
	}

	// Run again with nothing changed: nothing is sent.
	assoc := strings.TrimSpace(cli(t, p, "ssm", "list-associations", "--query", "Associations[?AssociationName=='Inventory-Association'].AssociationId | [0]", "--output", "text"))
	before := strings.TrimSpace(cli(t, p, "ssm", "list-commands", "--query", "length(Commands)"))
	cli(t, p, "ssm", "start-associations-once", "--association-ids", assoc)
	var output string
	waitFor(t, "the second inventory run", 60*time.Second, func() bool {
		if strings.TrimSpace(cli(t, p, "ssm", "list-commands", "--query", "length(Commands)")) == before {
			return false
		}
		id := strings.TrimSpace(cli(t, p, "ssm", "list-commands", "--query", "Commands[0].CommandId", "--output", "text"))
		out, _, code := awsCLI(t, p, p.CredentialsFile(), "ssm", "get-command-invocation", "--command-id", id, "--instance-id", instance)
		var inv struct{ Status, StandardOutputContent string }
		if code != 0 || json.Unmarshal([]byte(out), &inv) != nil || inv.Status != "Success" {
			return false
		}
		output = inv.StandardOutputContent
		return true
	})
	if !strings.Contains(output, "Inventory unchanged") || strings.Contains(output, "entries sent") {
		t.Errorf("second inventory run output = %q, want nothing sent", output)
	}
}
