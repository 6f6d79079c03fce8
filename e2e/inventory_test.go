// Copyright 2026 The kanri Authors
// SPDX-License-Identifier: Apache-2.0

package e2e

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	"github.com/nats-io/nkeys"

	"github.com/kanri-dev/kanri/internal/agentproto"
	"github.com/kanri-dev/kanri/internal/kanritest"
)

// enrol registers a managed instance with a key of its own, as an agent
// does, and returns its ID and its role's temporary credentials.
func enrol(t *testing.T, p *kanritest.Process, client *ssm.Client) (string, aws.Credentials) {
	t.Helper()
	act, err := client.CreateActivation(context.Background(), &ssm.CreateActivationInput{IamRole: aws.String("kanri-dev-instance"),
		RegistrationLimit: aws.Int32(1)})
	if err != nil {
		t.Fatal(err)
	}
	kp, err := nkeys.CreateUser()
	if err != nil {
		t.Fatal(err)
	}
	pub, _ := kp.PublicKey()
	post := func(path string, in, out any) {
		body, _ := json.Marshal(in)
		resp, err := http.Post(p.Endpoint+path, "application/json", bytes.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		if err := json.NewDecoder(resp.Body).Decode(out); err != nil || resp.StatusCode != http.StatusOK {
			t.Fatalf("POST %s: %d %v", path, resp.StatusCode, err)
		}
	}
	var reg agentproto.RegisterResponse
	post(agentproto.PathRegister, agentproto.RegisterRequest{ActivationID: aws.ToString(act.ActivationId), ActivationCode: aws.ToString(act.ActivationCode),
		PublicKey: pub, Facts: agentproto.Facts{ComputerName: "inventory-host", PlatformType: "Linux"}}, &reg)
	now := time.Now().UTC().Truncate(time.Second)
	sig, err := kp.Sign([]byte(agentproto.SignedString(reg.InstanceID, now)))
	if err != nil {
		t.Fatal(err)
	}
	var c agentproto.CredentialsResponse
	post(agentproto.PathCredentials, agentproto.CredentialsRequest{InstanceID: reg.InstanceID, Time: now,
		Signature: base64.RawURLEncoding.EncodeToString(sig)}, &c)
	return reg.InstanceID, aws.Credentials{AccessKeyID: c.AccessKeyID, SecretAccessKey: c.SecretAccessKey, SessionToken: c.SessionToken}
}

// TestInventoryWithAWSCLI reports inventory with `aws ssm put-inventory`
// as two instances (with their role credentials) and queries it as the
// administrator: filters, the Java versions across the fleet, one
// instance's entries and the schemas.
func TestInventoryWithAWSCLI(t *testing.T) {
	p := kanritest.StartDev(t, "", "--no-agent")
	client := ssm.NewFromConfig(sdkConfig(p, adminCreds(t, p)))
	apps := map[string]string{
		"a": `[{"Name":"openjdk-17-jre-headless","Version":"17.0.10+7-1","Publisher":"Debian Java Maintainers"},
		       {"Name":"openjdk-11-jre-headless","Version":"11.0.22+7-1","Publisher":"Debian Java Maintainers"},
		       {"Name":"bash","Version":"5.2.15-2"}]`,
		"b": `[{"Name":"openjdk-17-jre-headless","Version":"17.0.10+7-1"},{"Name":"nginx","Version":"1.22.1-9"}]`,
	}
	ids := map[string]string{}
	for _, name := range []string{"a", "b"} {
		id, creds := enrol(t, p, client)
		ids[name] = id
		items := `[{"TypeName":"AWS:InstanceInformation","SchemaVersion":"1.0","CaptureTime":"2026-03-01T10:00:00Z",
			"Content":[{"ComputerName":"host-` + name + `","PlatformType":"Linux","PlatformName":"Debian GNU/Linux"}]},
			{"TypeName":"AWS:Application","SchemaVersion":"1.1","CaptureTime":"2026-03-01T10:00:00Z","ContentHash":"h-` + name + `",
			"Content":` + apps[name] + `},
			{"TypeName":"Custom:RackInfo","SchemaVersion":"1.0","CaptureTime":"2026-03-01T10:00:00Z","Content":[{"Rack":"R` + name + `"}]}]`
		file := writeFile(t, name+".json", items)
		if out, stderr, code := awsAs(t, p, creds, "ssm", "put-inventory", "--instance-id", id, "--items", file); code != 0 {
			t.Fatalf("put-inventory as %s: exit %d: %s %s", id, code, out, stderr)
		}
		// An instance cannot report another's inventory.
		if name == "b" {
			_, stderr, code := awsAs(t, p, creds, "ssm", "put-inventory", "--instance-id", ids["a"], "--items", file)
			if code == 0 || !strings.Contains(stderr, "InvalidInstanceId") {
				t.Errorf("put-inventory for another instance: exit %d: %s", code, stderr)
			}
		}
	}

	// Which instances have openjdk, with those applications only.
	out := cli(t, p, "ssm", "get-inventory", "--filters", "Key=AWS:Application.Name,Values=openjdk,Type=BeginWith")
	var inv struct {
		Entities []struct {
			Id   string
			Data map[string]struct {
				TypeName, SchemaVersion, CaptureTime string
				Content                              []map[string]string
			}
		}
	}
	if err := json.Unmarshal([]byte(out), &inv); err != nil {
		t.Fatalf("get-inventory = %s (%v)", out, err)
	}
	got := map[string][]string{}
	for _, e := range inv.Entities {
		for _, c := range e.Data["AWS:Application"].Content {
			got[e.Id] = append(got[e.Id], c["Name"])
		}
		if info := e.Data["AWS:InstanceInformation"]; len(info.Content) != 1 || info.Content[0]["InstanceId"] != e.Id {
			t.Errorf("get-inventory: %s AWS:InstanceInformation = %+v", e.Id, info)
		}
	}
	want := map[string][]string{ids["a"]: {"openjdk-17-jre-headless", "openjdk-11-jre-headless"}, ids["b"]: {"openjdk-17-jre-headless"}}
	if len(got) != 2 || !slices.Equal(got[ids["a"]], want[ids["a"]]) || !slices.Equal(got[ids["b"]], want[ids["b"]]) {
		t.Errorf("get-inventory openjdk = %v, want %v", got, want)
	}

	// Java versions across the fleet.
	out = cli(t, p, "ssm", "get-inventory", "--filters", "Key=AWS:Application.Name,Values=openjdk,Type=BeginWith",
		"--aggregators", "Expression=AWS:Application.Version", "--query", "Entities[0].Data.\"AWS:Application\".Content", "--output", "json")
	var versions []map[string]string
	if err := json.Unmarshal([]byte(out), &versions); err != nil {
		t.Fatalf("get-inventory --aggregators = %s (%v)", out, err)
	}
	wantVersions := []map[string]string{{"Version": "17.0.10+7-1", "Count": "2"}, {"Version": "11.0.22+7-1", "Count": "1"}}
	if len(versions) != 2 || versions[0]["Version"] != wantVersions[0]["Version"] || versions[0]["Count"] != "2" ||
		versions[1]["Version"] != wantVersions[1]["Version"] || versions[1]["Count"] != "1" {
		t.Errorf("Java versions = %v, want %v", versions, wantVersions)
	}
	// Nested: each name with its versions, in JSON.
	out = cli(t, p, "ssm", "get-inventory", "--aggregators",
		`[{"Expression":"AWS:Application.Name","Aggregators":[{"Expression":"AWS:Application.Version"}]}]`,
		"--query", "Entities[0].Data.\"AWS:Application\".Content[0]", "--output", "json")
	var top map[string]string
	if err := json.Unmarshal([]byte(out), &top); err != nil || top["Name"] != "openjdk-17-jre-headless" || top["Version"] != "17.0.10+7-1" ||
		top["Count"] != "2" {
		t.Errorf("get-inventory nested aggregators, first = %s (%v)", out, err)
	}

	// One instance's entries, filtered, and paged by the CLI.
	out = cli(t, p, "ssm", "list-inventory-entries", "--instance-id", ids["a"], "--type-name", "AWS:Application",
		"--filters", "Key=Name,Values=openjdk,Type=BeginWith", "--max-results", "1")
	var entries struct {
		TypeName, InstanceId, SchemaVersion, CaptureTime string
		Entries                                          []map[string]string
		NextToken                                        string
	}
	if err := json.Unmarshal([]byte(out), &entries); err != nil || entries.InstanceId != ids["a"] || entries.SchemaVersion != "1.1" ||
		len(entries.Entries) != 1 || entries.Entries[0]["Name"] != "openjdk-17-jre-headless" || entries.NextToken == "" {
		t.Errorf("list-inventory-entries = %s (%v)", out, err)
	}

	// Schemas: AWS's built-in ones and the custom type with its attributes.
	out = cli(t, p, "ssm", "get-inventory-schema", "--type-name", "Custom:", "--query", "Schemas[].[TypeName,Attributes[0].Name]", "--output", "text")
	if strings.Join(strings.Fields(out), " ") != "Custom:RackInfo Rack" {
		t.Errorf("get-inventory-schema Custom: = %q", out)
	}
	out = cli(t, p, "ssm", "get-inventory-schema", "--type-name", "AWS:Application", "--query", "Schemas[0].Attributes[].Name", "--output", "text")
	if f := strings.Fields(out); len(f) != 11 || f[0] != "Name" || f[3] != "Version" {
		t.Errorf("get-inventory-schema AWS:Application attributes = %q", out)
	}

	// An error keeps its AWS code through the CLI.
	_, stderr, code := awsCLI(t, p, p.CredentialsFile(), "ssm", "get-inventory", "--filters", "Key=AWS:Application.Colour,Values=red,Type=Equal")
	if code == 0 || !strings.Contains(stderr, "InvalidFilter") {
		t.Errorf("get-inventory bad key: exit %d: %s", code, stderr)
	}

	// Deleting the custom type's data.
	out = cli(t, p, "ssm", "delete-inventory", "--type-name", "Custom:RackInfo", "--schema-delete-option", "DeleteSchema")
	var del struct {
		DeletionId      string
		DeletionSummary struct{ TotalCount int }
	}
	if err := json.Unmarshal([]byte(out), &del); err != nil || del.DeletionId == "" || del.DeletionSummary.TotalCount != 2 {
		t.Errorf("delete-inventory = %s (%v)", out, err)
	}
	out = cli(t, p, "ssm", "describe-inventory-deletions", "--query", "InventoryDeletions[].[DeletionId,LastStatus]", "--output", "text")
	if strings.Join(strings.Fields(out), " ") != del.DeletionId+" Complete" {
		t.Errorf("describe-inventory-deletions = %q", out)
	}
}
