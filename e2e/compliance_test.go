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

	"github.com/aws/aws-sdk-go-v2/service/ssm"

	"github.com/kanri-dev/kanri/internal/kanritest"
)

// kanriModel returns an AWS CLI data path holding kanri's own API model,
// so that "aws kanri …" calls it as the CLI calls any AWS service.
func kanriModel(t *testing.T) string {
	t.Helper()
	model, err := os.ReadFile(filepath.Join("..", "internal", "wire", "kanri", "service-2.json"))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	versioned := filepath.Join(dir, "kanri", "2026-03-01")
	if err := os.MkdirAll(versioned, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(versioned, "service-2.json"), model, 0o600); err != nil {
		t.Fatal(err)
	}
	return dir
}

// TestComplianceWithAWSCLI puts an inventory rule with the AWS CLI (kanri's
// model loaded as any service's), reports inventory as two instances with
// "aws ssm put-inventory", and reads the results with "aws ssm
// list-compliance-items" and "list-resource-compliance-summaries", and
// with "kanri compliance report".
func TestComplianceWithAWSCLI(t *testing.T) {
	p := kanritest.StartDev(t, "", "--no-agent")
	client := ssm.NewFromConfig(sdkConfig(p, adminCreds(t, p)))
	ids := map[string]string{}
	for _, name := range []string{"a", "b"} {
		id, creds := enrol(t, p, client)
		ids[name] = id
		apps := `{"Name":"bash","Version":"5.2.15-2"}`
		if name == "a" {
			apps += `,{"Name":"telnet","Version":"0.17-44"}`
		}
		file := writeFile(t, name+".json", `[{"TypeName":"AWS:Application","SchemaVersion":"1.1","CaptureTime":"2026-03-01T10:00:00Z",
			"ContentHash":"h-`+name+`","Content":[`+apps+`]}]`)
		if out, stderr, code := awsAs(t, p, creds, "ssm", "put-inventory", "--instance-id", id, "--items", file); code != 0 {
			t.Fatalf("put-inventory as %s: exit %d: %s %s", id, code, out, stderr)
		}
	}

	// The rule, through the AWS CLI with kanri's model.
	env := append(cliEnv(p.CredentialsFile(), p.ConfigFile()), "AWS_DATA_PATH="+kanriModel(t))
	out, stderr, code := awsRun(t, p, env, "kanri", "put-inventory-rule", "--name", "no-telnet", "--type-name", "AWS:Application",
		"--kind", "Forbidden", "--severity", "HIGH", "--conditions", "Key=Name,Values=telnet,Type=Equal")
	if code != 0 {
		t.Fatalf("aws kanri put-inventory-rule: exit %d: %s %s", code, out, stderr)
	}
	var put struct {
		Rule struct{ Name, EvaluationStatus string }
	}
	if err := json.Unmarshal([]byte(out), &put); err != nil || put.Rule.Name != "no-telnet" {
		t.Fatalf("aws kanri put-inventory-rule = %s (%v)", out, err)
	}
	waitFor(t, "the rule evaluated", 20*time.Second, func() bool {
		out, _, code := awsRun(t, p, env, "kanri", "list-inventory-rules", "--query", "Rules[0].EvaluationStatus", "--output", "text")
		return code == 0 && strings.TrimSpace(out) == "Complete"
	})
	_, stderr, code = awsRun(t, p, env, "kanri", "put-inventory-rule", "--name", "bad", "--type-name", "AWS:Application", "--kind", "Forbidden",
		"--conditions", "Key=Colour,Values=red")
	if code == 0 || !strings.Contains(stderr, "ValidationException") || !strings.Contains(stderr, "conditions.1.member.key") {
		t.Errorf("aws kanri put-inventory-rule with a bad condition: exit %d: %s", code, stderr)
	}

	// One instance's items.
	out = cli(t, p, "ssm", "list-compliance-items", "--resource-ids", ids["a"], "--resource-types", "ManagedInstance")
	var items struct {
		ComplianceItems []struct {
			ComplianceType, ResourceType, ResourceId, Id, Title, Status, Severity string
			Details                                                               map[string]string
			ExecutionSummary                                                      struct{ ExecutionTime float64 }
		}
	}
	if err := json.Unmarshal([]byte(out), &items); err != nil || len(items.ComplianceItems) != 1 {
		t.Fatalf("list-compliance-items a = %s (%v)", out, err)
	}
	it := items.ComplianceItems[0]
	if it.ComplianceType != "Custom:InventoryRule" || it.ResourceType != "ManagedInstance" || it.ResourceId != ids["a"] || it.Id != "no-telnet" ||
		it.Status != "NON_COMPLIANT" || it.Severity != "HIGH" || it.Details["Entries"] != "telnet 0.17-44" || it.ExecutionSummary.ExecutionTime == 0 {
		t.Errorf("list-compliance-items a = %+v", it)
	}
	out = cli(t, p, "ssm", "list-compliance-items", "--resource-ids", ids["b"], "--resource-types", "ManagedInstance",
		"--filters", "Key=ComplianceType,Values=Custom:InventoryRule,Type=EQUAL", "--query", "ComplianceItems[].[Id,Status]", "--output", "text")
	if got := strings.Join(strings.Fields(out), " "); got != "no-telnet COMPLIANT" {
		t.Errorf("list-compliance-items b = %q, want no-telnet COMPLIANT", got)
	}

	// Every instance's summary.
	out = cli(t, p, "ssm", "list-resource-compliance-summaries")
	var sums struct {
		ResourceComplianceSummaryItems []struct {
			ComplianceType, ResourceId, Status, OverallSeverity string
			CompliantSummary                                    struct{ CompliantCount int }
			NonCompliantSummary                                 struct {
				NonCompliantCount int
				SeveritySummary   struct{ HighCount int }
			}
		}
	}
	if err := json.Unmarshal([]byte(out), &sums); err != nil || len(sums.ResourceComplianceSummaryItems) != 2 {
		t.Fatalf("list-resource-compliance-summaries = %s (%v)", out, err)
	}
	for _, s := range sums.ResourceComplianceSummaryItems {
		switch s.ResourceId {
		case ids["a"]:
			if s.Status != "NON_COMPLIANT" || s.OverallSeverity != "HIGH" || s.NonCompliantSummary.NonCompliantCount != 1 ||
				s.NonCompliantSummary.SeveritySummary.HighCount != 1 || s.ComplianceType != "Custom:InventoryRule" {
				t.Errorf("summary of a = %+v", s)
			}
		case ids["b"]:
			if s.Status != "COMPLIANT" || s.CompliantSummary.CompliantCount != 1 {
				t.Errorf("summary of b = %+v", s)
			}
		default:
			t.Errorf("summary of unknown resource %+v", s)
		}
	}
	out = cli(t, p, "ssm", "list-resource-compliance-summaries", "--filters", "Key=Status,Values=NON_COMPLIANT",
		"--query", "ResourceComplianceSummaryItems[].ResourceId", "--output", "text")
	if strings.TrimSpace(out) != ids["a"] {
		t.Errorf("list-resource-compliance-summaries NON_COMPLIANT = %q, want %s", out, ids["a"])
	}

	// The same through kanri's own command line.
	report := exec.Command(kanritest.Binary(t), "compliance", "report", "--endpoint-url", p.Endpoint)
	report.Env = cliEnv(p.CredentialsFile(), p.ConfigFile())
	table, err := report.CombinedOutput()
	if err != nil || !strings.Contains(string(table), ids["a"]) || strings.Contains(string(table), ids["b"]) ||
		!strings.Contains(string(table), "telnet 0.17-44") {
		t.Errorf("kanri compliance report: %v\n%s", err, table)
	}
}
