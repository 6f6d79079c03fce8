// Copyright 2026 The kanri Authors
// SPDX-License-Identifier: Apache-2.0

package document

import (
	"errors"
	"fmt"
	"os"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/kanri-dev/kanri/internal/awserr"
)

// fakeStore is a Parameter Store for Resolver: it answers from a map and
// counts the look-ups.
type fakeStore struct {
	values map[string]string
	calls  map[string]int
}

func newFakeStore(values map[string]string) *fakeStore {
	return &fakeStore{values: values, calls: map[string]int{}}
}

func (s *fakeStore) resolve(ref string) (string, error) {
	s.calls[ref]++
	v, ok := s.values[ref]
	if !ok {
		return "", awserr.Errorf(awserr.NotFound, "ParameterNotFound", "parameter %s not found", ref)
	}
	return v, nil
}

// shell is a one-step aws:runShellScript document with the given
// parameters section and inputs (YAML flow style).
func shell(params, inputs string) string {
	return "schemaVersion: '2.2'\nparameters: {" + params + "}\nmainSteps:\n- action: aws:runShellScript\n  name: run\n  inputs: " + inputs + "\n"
}

func TestRender(t *testing.T) {
	tests := []struct {
		name    string
		content string
		given   map[string][]string
		store   map[string]string
		want    []PlanStep
	}{
		{
			name:    "StringList is the whole runCommand",
			content: shell("commands: {type: StringList}", "{runCommand: '{{ commands }}'}"),
			given:   map[string][]string{"commands": {"cd /tmp", "ls -l"}},
			want:    []PlanStep{{Action: "aws:runShellScript", Name: "run", Commands: []string{"cd /tmp", "ls -l"}, TimeoutSeconds: 3600}},
		},
		{
			name:    "StringList element is spliced",
			content: shell("commands: {type: StringList}", "{runCommand: ['echo start', '{{commands}}', 'echo end']}"),
			given:   map[string][]string{"commands": {"a", "b"}},
			want:    []PlanStep{{Action: "aws:runShellScript", Name: "run", Commands: []string{"echo start", "a", "b", "echo end"}, TimeoutSeconds: 3600}},
		},
		{
			name:    "empty StringList element vanishes",
			content: shell("commands: {type: StringList}", "{runCommand: ['echo start', '{{commands}}']}"),
			given:   map[string][]string{"commands": {}},
			want:    []PlanStep{{Action: "aws:runShellScript", Name: "run", Commands: []string{"echo start"}, TimeoutSeconds: 3600}},
		},
		{
			name:    "StringList inside a string is JSON",
			content: shell("commands: {type: StringList}", "{runCommand: 'printf %s {{ commands }}'}"),
			given:   map[string][]string{"commands": {"a<b", `c"d`}},
			want:    []PlanStep{{Action: "aws:runShellScript", Name: "run", Commands: []string{`printf %s ["a<b","c\"d"]`}, TimeoutSeconds: 3600}},
		},
		{
			name: "scalars inside strings, literal braces kept",
			content: shell("n: {type: Integer, default: 5}, b: {type: Boolean, default: true}, m: {type: StringMap, default: {k: v}}, s: {type: String}",
				`{runCommand: ["for i in $(seq {{n}}); do echo {{ s }}; done", "echo {{b}} {{m}}", "docker ps --format '{{.Names}}' {{ notAParam x }}"]}`),
			given: map[string][]string{"s": {"hi there"}},
			want: []PlanStep{{Action: "aws:runShellScript", Name: "run", TimeoutSeconds: 3600, Commands: []string{
				"for i in $(seq 5); do echo hi there; done", `echo true {"k":"v"}`, "docker ps --format '{{.Names}}' {{ notAParam x }}",
			}}},
		},
		{
			name:    "runCommand is one String parameter",
			content: shell("script: {type: String}", "{runCommand: '{{script}}', workingDirectory: '/srv/{{script}}'}"),
			given:   map[string][]string{"script": {"app"}},
			want:    []PlanStep{{Action: "aws:runShellScript", Name: "run", Commands: []string{"app"}, WorkingDirectory: "/srv/app", TimeoutSeconds: 3600}},
		},
		{
			name:    "timeout from a String and an Integer parameter",
			content: shell("t: {type: String, default: '90'}, u: {type: Integer, default: 10}", "{runCommand: ls, timeoutSeconds: '{{ t }}'}"),
			given:   map[string][]string{"t": {"172800"}},
			want:    []PlanStep{{Action: "aws:runShellScript", Name: "run", Commands: []string{"ls"}, TimeoutSeconds: 172800}},
		},
		{
			name:    "literal timeout and shared inputs",
			content: shell("", "{runCommand: [ls], timeoutSeconds: 30, onFailure: successAndExit, onSuccess: exit, finallyStep: 'true'}"),
			want: []PlanStep{{Action: "aws:runShellScript", Name: "run", Commands: []string{"ls"}, TimeoutSeconds: 30,
				OnFailure: "successAndExit", OnSuccess: "exit", FinallyStep: true}},
		},
		{
			name:    "ENV_VAR parameter",
			content: shell("msg: {type: String, interpolationType: ENV_VAR, default: hi}", "{runCommand: 'echo {{msg}}'}"),
			want: []PlanStep{{Action: "aws:runShellScript", Name: "run", Commands: []string{"echo hi"}, TimeoutSeconds: 3600,
				Env: map[string]string{"SSM_msg": "hi"}}},
		},
		{
			name:    "Parameter Store references in inputs, values and defaults",
			content: shell("a: {type: String}, b: {type: StringList}, c: {type: String, default: '{{ssm:/app/c}}'}", "{runCommand: ['{{a}}', '{{b}}', 'echo {{c}} {{ssm:/app/c}} {{ ssm-secure:db:3 }}']}"),
			given:   map[string][]string{"a": {"echo {{ssm:/app/a}}!"}, "b": {"{{ssm:/app/b}}", "x"}},
			store:   map[string]string{"ssm:/app/a": "A", "ssm:/app/b": "B", "ssm:/app/c": "C", "ssm-secure:db:3": "s3cret"},
			want: []PlanStep{{Action: "aws:runShellScript", Name: "run", TimeoutSeconds: 3600,
				Commands: []string{"echo A!", "B", "x", "echo C C s3cret"}}},
		},
		{
			name:    "resolved values are not scanned again",
			content: shell("a: {type: String}", "{runCommand: '{{a}}'}"),
			given:   map[string][]string{"a": {"{{ssm:x}}"}},
			store:   map[string]string{"ssm:x": "echo {{a}} {{ssm:y}}"},
			want:    []PlanStep{{Action: "aws:runShellScript", Name: "run", Commands: []string{"echo {{a}} {{ssm:y}}"}, TimeoutSeconds: 3600}},
		},
		{
			name: "steps in order with platforms",
			content: `{"schemaVersion": "2.2", "parameters": {"apps": {"type": "String", "default": "Disabled", "allowedValues": ["Enabled", "Disabled"]}},
 "mainSteps": [
  {"action": "aws:runPowerShellScript", "name": "win", "precondition": {"StringEquals": ["platformType", "Windows"]}, "inputs": {"runCommand": ["Get-Date"], "workingDirectory": "C:\\"}},
  {"action": "aws:softwareInventory", "name": "inv", "inputs": {"applications": "{{apps}}", "services": "Enabled", "customInventory": "Disabled", "files": "[{\"Path\": \"/etc\"}]"}}]}`,
			given: map[string][]string{"apps": {"Enabled"}},
			want: []PlanStep{
				{Action: "aws:runPowerShellScript", Name: "win", Platform: Windows, Commands: []string{"Get-Date"}, WorkingDirectory: `C:\`, TimeoutSeconds: 3600},
				{Action: "aws:softwareInventory", Name: "inv", Inventory: &Inventory{Collectors: []string{"applications", "services"}, Files: `[{"Path": "/etc"}]`}},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doc := mustParse(t, tt.content)
			values, err := doc.ResolveParameters(tt.given)
			if err != nil {
				t.Fatalf("ResolveParameters: %v", err)
			}
			store := newFakeStore(tt.store)
			plan, err := doc.Render(values, store.resolve)
			if err != nil {
				t.Fatalf("Render: %v", err)
			}
			if diff := cmp.Diff(&Plan{Steps: tt.want}, plan); diff != "" {
				t.Errorf("Render mismatch (-want +got):\n%s", diff)
			}
			for ref, n := range store.calls {
				if n != 1 {
					t.Errorf("resolver called %d times for %s, want once", n, ref)
				}
			}
			if len(store.calls) != len(tt.store) {
				t.Errorf("resolver called for %v, want each of %v", store.calls, tt.store)
			}
		})
	}
}

func TestRenderErrors(t *testing.T) {
	tests := []struct {
		name    string
		content string
		given   map[string][]string
		values  map[string]Value // used instead of ResolveParameters(given) when set
		store   map[string]string
		nilFunc bool
		code    string
		msg     string
	}{
		{name: "timeout below range after interpolation", content: shell("t: {type: String}", "{runCommand: ls, timeoutSeconds: '{{t}}'}"),
			given: map[string][]string{"t": {"0"}}, code: "InvalidParameters",
			msg: "mainSteps[0].inputs.timeoutSeconds: must be an integer between 1 and 172800"},
		{name: "timeout not a number after interpolation", content: shell("t: {type: String}", "{runCommand: ls, timeoutSeconds: '1{{t}}'}"),
			given: map[string][]string{"t": {"h"}}, code: "InvalidParameters",
			msg: "mainSteps[0].inputs.timeoutSeconds: must be an integer between 1 and 172800"},
		{name: "inventory switch from a String parameter", content: "schemaVersion: '2.2'\nparameters: {s: {type: String}}\nmainSteps:\n- {action: aws:softwareInventory, name: i, inputs: {services: '{{s}}'}}\n",
			given: map[string][]string{"s": {"On"}}, code: "InvalidParameters",
			msg: "mainSteps[0].inputs.services: must be one of Enabled, Disabled"},
		{name: "resolved value breaks allowedPattern", content: shell("p: {type: String, allowedPattern: '[0-9]+'}", "{runCommand: 'sleep {{p}}'}"),
			given: map[string][]string{"p": {"{{ssm:/sleep}}"}}, store: map[string]string{"ssm:/sleep": "1; rm -rf /"}, code: "InvalidParameters",
			msg: `parameter "p": value does not match allowedPattern [0-9]+`},
		{name: "resolved Integer", content: shell("p: {type: Integer}", "{runCommand: 'sleep {{p}}'}"),
			given: map[string][]string{"p": {"{{ssm:/n}}"}}, store: map[string]string{"ssm:/n": "ten"}, code: "InvalidParameters",
			msg: `parameter "p": value must be an integer`},
		{name: "resolver error keeps its code", content: shell("", "{runCommand: 'echo {{ssm-secure:/secret}}'}"),
			code: "ParameterNotFound", msg: "parameter ssm-secure:/secret not found"},
		{name: "no resolver", content: shell("", "{runCommand: 'echo {{ssm:/x}}'}"), nilFunc: true,
			code: "InvalidParameters", msg: "Parameter Store reference {{ssm:/x}} cannot be resolved"},
		{name: "missing value", content: shell("p: {type: String}", "{runCommand: '{{p}}'}"), values: map[string]Value{},
			code: "InvalidParameters", msg: `parameter "p" has no value`},
		{name: "unknown value", content: shell("", "{runCommand: ls}"), values: map[string]Value{"x": {Type: String, Strings: []string{"1"}}},
			code: "InvalidParameters", msg: `parameter "x" is not defined in the document`},
		{name: "value of another type", content: shell("p: {type: String}", "{runCommand: '{{p}}'}"), values: map[string]Value{"p": {Type: StringList}},
			code: "InvalidParameters", msg: `parameter "p" is a String, not a StringList`},
		{name: "session document", content: "schemaVersion: '1.0'\nsessionType: Standard_Stream\n",
			code: "InvalidDocument", msg: "a Session document cannot be rendered as a command"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doc := mustParse(t, tt.content)
			values := tt.values
			if values == nil {
				var err error
				if values, err = doc.ResolveParameters(tt.given); err != nil {
					t.Fatalf("ResolveParameters: %v", err)
				}
			}
			resolve := newFakeStore(tt.store).resolve
			if tt.nilFunc {
				resolve = nil
			}
			plan, err := doc.Render(values, resolve)
			e := awserr.As(err)
			if e == nil || e.Code != tt.code || e.Message != tt.msg {
				t.Fatalf("Render = %+v, %v; want %s: %s", plan, err, tt.code, tt.msg)
			}
		})
	}
}

func TestRenderResolverErrorIsWrapped(t *testing.T) {
	doc := mustParse(t, shell("", "{runCommand: 'echo {{ssm:/secret}}'}"))
	denied := awserr.New(awserr.Denied, "AccessDeniedException", "no access to /secret")
	_, err := doc.Render(map[string]Value{}, func(string) (string, error) { return "", denied })
	if !errors.Is(err, awserr.Denied) || awserr.As(err) != denied {
		t.Fatalf("Render error = %v, want the resolver's error wrapped", err)
	}
	if got, want := err.Error(), "resolve {{ssm:/secret}}: AccessDeniedException: no access to /secret"; got != want {
		t.Errorf("Render error = %q, want %q", got, want)
	}
}

func TestReferences(t *testing.T) {
	tests := []struct {
		name    string
		content string
		given   map[string][]string
		want    []string
	}{
		{name: "none", content: shell("", "{runCommand: 'echo {{ssm:bad name}} {{ssm:}} {{ssm:a b}}'}"), want: []string{}},
		{name: "values then steps, each once",
			content: shell("a: {type: StringList}, b: {type: String, default: '{{ssm:/b}}'}",
				"{runCommand: ['{{a}}', 'x {{ssm:/z:2}} {{ ssm:/b }}'], workingDirectory: '{{ssm-secure:wd:label}}'}"),
			given: map[string][]string{"a": {"{{ssm:/a1}}", "{{ssm:/a1}}{{ssm:/a2}}"}},
			want:  []string{"ssm:/a1", "ssm:/a2", "ssm:/b", "ssm:/z:2", "ssm-secure:wd:label"}},
		{name: "session properties",
			content: "schemaVersion: '1.0'\nsessionType: Port\nproperties: {portNumber: '{{ssm:/port}}', host: '{{ssm:/host}}'}\n",
			want:    []string{"ssm:/port", "ssm:/host"}},
		{name: "example document", content: mustRead(t, "testdata/example.yaml"),
			given: map[string][]string{"commands": {"ls"}}, want: []string{"ssm:/inventory/files"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doc := mustParse(t, tt.content)
			values, err := doc.ResolveParameters(tt.given)
			if err != nil {
				t.Fatalf("ResolveParameters: %v", err)
			}
			if diff := cmp.Diff(tt.want, doc.References(values)); diff != "" {
				t.Errorf("References mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func mustRead(t testing.TB, file string) string {
	t.Helper()
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestRenderExample(t *testing.T) {
	doc := mustParse(t, mustRead(t, "testdata/example.json"))
	values, err := doc.ResolveParameters(map[string][]string{"commands": {"uname -a", "id"}, "count": {"2"}})
	if err != nil {
		t.Fatal(err)
	}
	store := newFakeStore(map[string]string{"ssm:/inventory/files": `[{"Path":"/opt"}]`})
	plan, err := doc.Render(values, store.resolve)
	if err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"SSM_message": "hello"}
	want := &Plan{Steps: []PlanStep{
		{Action: "aws:runShellScript", Name: "linux.step-1", Platform: Linux, Commands: []string{"echo hello", "uname -a", "id"},
			WorkingDirectory: "/tmp", TimeoutSeconds: 60, Env: env},
		{Action: "aws:runPowerShellScript", Name: "windows_step", Platform: Windows, Commands: []string{"Write-Output 2 false"},
			TimeoutSeconds: 2, OnFailure: "exit", Env: env},
		{Action: "aws:softwareInventory", Name: "inventory", Env: env,
			Inventory: &Inventory{Collectors: []string{"applications"}, Files: `[{"Path":"/opt"}]`}},
	}}
	if diff := cmp.Diff(want, plan); diff != "" {
		t.Errorf("Render mismatch (-want +got):\n%s", diff)
	}
}

func TestRenderSession(t *testing.T) {
	doc := mustParse(t, `schemaVersion: "1.0"
sessionType: Port
parameters:
  portNumber: {type: String, allowedPattern: "[0-9]{1,5}"}
  localPortNumber: {type: String, default: ""}
  host: {type: String, default: "{{ssm:/db/host}}"}
properties:
  portNumber: "{{ portNumber }}"
  localPortNumber: "{{localPortNumber}}"
  host: "{{ host }}"
  type: LocalPortForwarding
`)
	values, err := doc.ResolveParameters(map[string][]string{"portNumber": {"5432"}})
	if err != nil {
		t.Fatal(err)
	}
	store := newFakeStore(map[string]string{"ssm:/db/host": "db.internal"})
	got, err := doc.RenderSession(values, store.resolve)
	if err != nil {
		t.Fatal(err)
	}
	want := &SessionSpec{Type: Port, Port: &PortForwarding{PortNumber: "5432", Host: "db.internal", Type: "LocalPortForwarding"}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("RenderSession mismatch (-want +got):\n%s", diff)
	}
	if doc.Session.Port.PortNumber != "{{ portNumber }}" {
		t.Errorf("RenderSession changed the document: portNumber = %q", doc.Session.Port.PortNumber)
	}
	if got := fmt.Sprint(doc.PlatformTypes()); got != "[Windows Linux MacOS]" {
		t.Errorf("PlatformTypes() = %s, want [Windows Linux MacOS]", got)
	}

	cmdDoc := mustParse(t, "schemaVersion: '1.0'\nsessionType: NonInteractiveCommands\nparameters: {cmd: {type: String}}\nproperties:\n  linux: {commands: 'exec {{cmd}}', runAsElevated: true}\n")
	values, err = cmdDoc.ResolveParameters(map[string][]string{"cmd": {"top"}})
	if err != nil {
		t.Fatal(err)
	}
	gotCmd, err := cmdDoc.RenderSession(values, nil)
	if err != nil {
		t.Fatal(err)
	}
	wantCmd := &SessionSpec{Type: NonInteractiveCommands, Commands: map[PlatformType]SessionCommands{Linux: {Commands: "exec top", RunAsElevated: true}}}
	if diff := cmp.Diff(wantCmd, gotCmd); diff != "" {
		t.Errorf("RenderSession mismatch (-want +got):\n%s", diff)
	}
	if got := fmt.Sprint(cmdDoc.PlatformTypes()); got != "[Linux]" {
		t.Errorf("PlatformTypes() = %s, want [Linux]", got)
	}

	command := mustParse(t, shell("", "{runCommand: ls}"))
	if _, err := command.RenderSession(map[string]Value{}, nil); awserr.As(err) == nil || awserr.As(err).Code != "InvalidDocument" {
		t.Errorf("RenderSession of a Command document error = %v, want InvalidDocument", err)
	}
}
