// Copyright 2026 The kanri Authors
// SPDX-License-Identifier: Apache-2.0

package document

import (
	"encoding/json"
	"errors"
	"os"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/kanri-dev/kanri/internal/awserr"
)

func intp(i int) *int { return &i }

// exampleDocument is testdata/example.{json,yaml} as Parse reads it.
var exampleDocument = &Document{
	SchemaVersion: "2.2",
	Type:          Command,
	Description:   "Example of every element kanri reads.",
	Parameters: []Parameter{
		{Name: "commands", Type: StringList, Description: "Commands to run.", MinItems: intp(1), MaxItems: intp(10), DisplayType: "textarea"},
		{Name: "message", Type: String, Default: &Value{Type: String, Strings: []string{"hello"}}, AllowedPattern: "[a-z]+",
			MinChars: intp(1), MaxChars: intp(20), InterpolationType: "ENV_VAR"},
		{Name: "count", Type: Integer, Default: &Value{Type: Integer, Strings: []string{"3"}}, AllowedValues: []string{"1", "2", "3"}},
		{Name: "verbose", Type: Boolean, Default: &Value{Type: Boolean, Strings: []string{"false"}}},
		{Name: "tags", Type: StringMap, Default: &Value{Type: StringMap, Strings: []string{`{"env":"prod","team":"ops"}`}}},
		{Name: "targets", Type: MapList, Default: &Value{Type: MapList, Strings: []string{`[{"host":"a","port":80}]`}}},
	},
	Steps: []Step{
		{Action: "aws:runShellScript", Name: "linux.step-1", Platform: Linux, Inputs: map[string]any{
			"runCommand":       []any{"echo {{ message }}", "{{commands}}"},
			"workingDirectory": "/tmp",
			"timeoutSeconds":   json.Number("60"),
		}},
		{Action: "aws:runPowerShellScript", Name: "windows_step", Platform: Windows, Inputs: map[string]any{
			"runCommand":     "Write-Output {{ count }} {{ verbose }}",
			"timeoutSeconds": "{{ count }}",
			"onFailure":      "exit",
		}},
		{Action: "aws:softwareInventory", Name: "inventory", Inputs: map[string]any{
			"applications": "Enabled",
			"services":     "Disabled",
			"files":        "{{ssm:/inventory/files}}",
		}},
	},
}

func TestParseFormsAgree(t *testing.T) {
	tests := []struct {
		file   string
		format Format
	}{
		{"testdata/example.json", JSON},
		{"testdata/example.yaml", YAML},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			b, err := os.ReadFile(tt.file)
			if err != nil {
				t.Fatal(err)
			}
			if got := DetectFormat(string(b)); got != tt.format {
				t.Errorf("DetectFormat(%s) = %s, want %s", tt.file, got, tt.format)
			}
			got, err := Parse(string(b), tt.format)
			if err != nil {
				t.Fatalf("Parse(%s) error: %v", tt.file, err)
			}
			if diff := cmp.Diff(exampleDocument, got); diff != "" {
				t.Errorf("Parse(%s) mismatch (-want +got):\n%s", tt.file, diff)
			}
			if got, want := got.PlatformTypes(), []PlatformType{Windows, Linux, MacOS}; !cmp.Equal(got, want) {
				t.Errorf("PlatformTypes() = %v, want %v", got, want)
			}
		})
	}
}

func TestDetectFormat(t *testing.T) {
	tests := []struct {
		content string
		want    Format
	}{
		{`{"schemaVersion": "2.2"}`, JSON},
		{"\n\t  {\n}", JSON},
		{"schemaVersion: '2.2'", YAML},
		{"---\nschemaVersion: '2.2'", YAML},
		{"", YAML},
	}
	for _, tt := range tests {
		if got := DetectFormat(tt.content); got != tt.want {
			t.Errorf("DetectFormat(%q) = %s, want %s", tt.content, got, tt.want)
		}
	}
}

func TestParseVariants(t *testing.T) {
	tests := []struct {
		name    string
		content string
		want    *Document
	}{
		{
			name: "schema 1.2 runtimeConfig",
			content: `{
  "schemaVersion": "1.2",
  "description": "Old style.",
  "parameters": {"commands": {"type": "StringList"}},
  "runtimeConfig": {
    "aws:runShellScript": {
      "properties": [
        {"id": "0.aws:runShellScript", "runCommand": "{{ commands }}", "timeoutSeconds": "600"},
        {"runCommand": ["date"]}
      ]
    },
    "aws:softwareInventory": {"properties": {"applications": "Enabled"}}
  }
}`,
			want: &Document{SchemaVersion: "1.2", Type: Command, Description: "Old style.",
				Parameters: []Parameter{{Name: "commands", Type: StringList}},
				Steps: []Step{
					{Action: "aws:runShellScript", Name: "0.aws:runShellScript", Inputs: map[string]any{"runCommand": "{{ commands }}", "timeoutSeconds": "600"}},
					{Action: "aws:runShellScript", Name: "aws:runShellScript.1", Inputs: map[string]any{"runCommand": []any{"date"}}},
					{Action: "aws:softwareInventory", Name: "aws:softwareInventory", Inputs: map[string]any{"applications": "Enabled"}},
				}},
		},
		{
			name:    "schema 2.0 without precondition, unquoted YAML version",
			content: "schemaVersion: 2.0\nmainSteps:\n- action: aws:runShellScript\n  name: a\n  inputs: {runCommand: ls}\n",
			want: &Document{SchemaVersion: "2.0", Type: Command,
				Steps: []Step{{Action: "aws:runShellScript", Name: "a", Inputs: map[string]any{"runCommand": "ls"}}}},
		},
		{
			name:    "inventory without inputs, YAML anchors",
			content: "schemaVersion: '2.2'\ndescription: &d same\nmainSteps:\n- action: aws:softwareInventory\n  name: *d\n",
			want: &Document{SchemaVersion: "2.2", Type: Command, Description: "same",
				Steps: []Step{{Action: "aws:softwareInventory", Name: "same", Inputs: map[string]any{}}}},
		},
		{
			name:    "literal double braces stay text",
			content: `{"schemaVersion":"2.2","mainSteps":[{"action":"aws:runShellScript","name":"d","inputs":{"runCommand":"docker ps --format '{{.Names}}' {{ a b }}"}}]}`,
			want: &Document{SchemaVersion: "2.2", Type: Command,
				Steps: []Step{{Action: "aws:runShellScript", Name: "d", Inputs: map[string]any{"runCommand": "docker ps --format '{{.Names}}' {{ a b }}"}}}},
		},
		{
			name: "interactive commands session",
			content: `schemaVersion: "1.0"
description: Run a command.
sessionType: InteractiveCommands
parameters:
  command:
    type: String
properties:
  linux:
    commands: "{{ command }}"
    runAsElevated: false
  windows:
    commands: "{{ command }}"
    runAsElevated: "true"
    separateOutputStream: true
    stdOutSeparatorPrefix: "OUT:"
`,
			want: &Document{SchemaVersion: "1.0", Type: Session, Description: "Run a command.",
				Parameters: []Parameter{{Name: "command", Type: String}},
				Session: &SessionSpec{Type: InteractiveCommands, Commands: map[PlatformType]SessionCommands{
					Linux:   {Commands: "{{ command }}"},
					Windows: {Commands: "{{ command }}", RunAsElevated: true, SeparateOutputStream: true, StdOutSeparatorPrefix: "OUT:"},
				}}},
		},
		{
			name: "port session",
			content: `{"schemaVersion": "1.0", "sessionType": "Port",
 "parameters": {"portNumber": {"type": "String", "allowedPattern": "[0-9]+"}, "localPortNumber": {"type": "String", "default": ""}},
 "properties": {"portNumber": "{{ portNumber }}", "type": "LocalPortForwarding", "localPortNumber": "{{ localPortNumber }}"}}`,
			want: &Document{SchemaVersion: "1.0", Type: Session,
				Parameters: []Parameter{
					{Name: "portNumber", Type: String, AllowedPattern: "[0-9]+"},
					{Name: "localPortNumber", Type: String, Default: &Value{Type: String, Strings: []string{""}}},
				},
				Session: &SessionSpec{Type: Port, Port: &PortForwarding{PortNumber: "{{ portNumber }}", LocalPortNumber: "{{ localPortNumber }}", Type: "LocalPortForwarding"}}},
		},
		{
			name: "standard stream session",
			content: `{"schemaVersion": "1.0", "sessionType": "Standard_Stream", "inputs": {
 "s3BucketName": "logs", "s3EncryptionEnabled": "true", "cloudWatchStreamingEnabled": false, "kmsKeyId": "alias/k",
 "runAsEnabled": true, "runAsDefaultUser": "ec2-user", "idleSessionTimeout": 15, "maxSessionDuration": "120",
 "shellProfile": {"linux": "exec bash", "windows": ""}}}`,
			want: &Document{SchemaVersion: "1.0", Type: Session,
				Session: &SessionSpec{Type: StandardStream, Inputs: SessionInputs{
					S3BucketName: "logs", S3EncryptionEnabled: true, KMSKeyID: "alias/k", RunAsEnabled: true, RunAsDefaultUser: "ec2-user",
					IdleSessionTimeout: 15, MaxSessionDuration: 120, ShellProfile: ShellProfile{Linux: "exec bash"},
				}}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Parse(tt.content, DetectFormat(tt.content))
			if err != nil {
				t.Fatalf("Parse error: %v", err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Parse mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

// step wraps inputs (YAML flow style) in a one-step document whose lines
// are: 1 schemaVersion, 2 parameters, 3 mainSteps, 4 action, 5 name,
// 6 inputs.
func step(params, action, inputs string) string {
	return "schemaVersion: '2.2'\nparameters: {" + params + "}\nmainSteps:\n- action: " + action + "\n  name: s\n  inputs: " + inputs + "\n"
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		name    string
		content string
		format  Format
		code    string
		msg     string
	}{
		{"empty", "  \n", YAML, "InvalidDocumentContent", "document content is empty"},
		{"unsupported format", `{}`, "TEXT", "InvalidDocumentContent", `document format "TEXT" is not supported; use JSON or YAML`},
		{"JSON syntax", "{\n  \"schemaVersion\": \"2.2\",\n  \"mainSteps\": [}\n", JSON, "InvalidDocumentContent",
			"JSON syntax error at line 3, column 17: invalid character '}' looking for beginning of value"},
		{"JSON missing colon", "{\n  \"a\" 2}", JSON, "InvalidDocumentContent",
			"JSON syntax error at line 2, column 7: invalid character '2' after object key"},
		{"JSON bad escape", "{\"a\": \"x\\q\"}", JSON, "InvalidDocumentContent",
			"JSON syntax error at line 1, column 10: invalid character 'q' in string escape code"},
		{"JSON truncated", "{\n \"a\": [1,", JSON, "InvalidDocumentContent",
			"JSON syntax error at line 2, column 10: unexpected end of JSON input"},
		{"JSON trailing content", `{"schemaVersion": "2.2"} {}`, JSON, "InvalidDocumentContent",
			"JSON syntax error at line 1, column 26: invalid character '{' after top-level value"},
		{"JSON duplicate key", "{\"schemaVersion\": \"2.2\",\n \"schemaVersion\": \"2.2\"}", JSON, "InvalidDocumentContent",
			`JSON syntax error at line 2, column 2: duplicate key "schemaVersion"`},
		{"YAML syntax", "schemaVersion: '2.2'\n\ndescription: a: b\n", YAML, "InvalidDocumentContent",
			"YAML syntax error at line 3: mapping values are not allowed in this context"},
		{"YAML tab indentation", "schemaVersion: '2.2'\nmainSteps:\n\t- a\n", YAML, "InvalidDocumentContent",
			"YAML syntax error at line 3: found character that cannot start any token"},
		{"YAML duplicate key", "schemaVersion: '2.2'\nschemaVersion: '2.2'\n", YAML, "InvalidDocumentContent",
			`YAML error at line 2, column 1: duplicate key "schemaVersion"`},
		{"YAML two documents", "schemaVersion: '2.2'\n---\nschemaVersion: '2.2'\n", YAML, "InvalidDocumentContent",
			"YAML error at line 2: a document holds one YAML document; found another"},
		{"YAML custom tag", "schemaVersion: !Ref v\n", YAML, "InvalidDocumentContent",
			"YAML error at line 1, column 16: unsupported YAML tag !Ref"},
		{"YAML alias bomb", "a: &a [x, x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\nc: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\n" +
			"d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]\ne: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]\nf: [*e, *e, *e, *e, *e, *e, *e, *e, *e, *e]\n", YAML, "InvalidDocumentContent",
			"YAML error: the document expands to more than 100000 values through its aliases"},
		{"not an object", "- a\n- b\n", YAML, "InvalidDocumentContent",
			"a document must be an object, not a list (line 1, column 1)"},
		{"no schemaVersion", "description: x\n", YAML, "InvalidDocumentContent",
			"schemaVersion: required (line 1, column 1)"},
		{"automation schema", "schemaVersion: '0.3'\n", YAML, "InvalidDocumentSchemaVersion",
			`schemaVersion "0.3" is not supported: Command documents use 2.2, 2.0 or 1.2, Session documents use 1.0 (line 1, column 16)`},
		{"unknown top-level key", "schemaVersion: '2.2'\nassumeRole: x\nmainSteps: []\n", YAML, "InvalidDocumentContent",
			`document: unknown key "assumeRole"; allowed keys are description, mainSteps, parameters, schemaVersion (line 2, column 1)`},
		{"no mainSteps", "schemaVersion: '2.2'\n", YAML, "InvalidDocumentContent",
			"mainSteps: required (line 1, column 1)"},
		{"empty mainSteps", "schemaVersion: '2.2'\nmainSteps: []\n", YAML, "InvalidDocumentContent",
			"mainSteps: must have at least one step (line 2, column 12)"},
		{"step not an object", "schemaVersion: '2.2'\nmainSteps: [x]\n", YAML, "InvalidDocumentContent",
			"mainSteps[0]: a step must be an object, not a string (line 2, column 13)"},
		{"unknown step key", step("", "aws:runShellScript", "{runCommand: ls}") + "  onFailure: exit\n", YAML, "InvalidDocumentContent",
			`mainSteps[0]: unknown key "onFailure"; allowed keys are action, inputs, name, precondition (line 7, column 3)`},
		{"precondition in 2.0", "schemaVersion: '2.0'\nmainSteps:\n- action: aws:runShellScript\n  name: s\n  precondition: {StringEquals: [platformType, Linux]}\n  inputs: {runCommand: ls}\n", YAML, "InvalidDocumentContent",
			`mainSteps[0]: unknown key "precondition"; allowed keys are action, inputs, name (line 5, column 3)`},
		{"step without name", "schemaVersion: '2.2'\nmainSteps:\n- action: aws:runShellScript\n  inputs: {runCommand: ls}\n", YAML, "InvalidDocumentContent",
			"mainSteps[0].name: required (line 3, column 3)"},
		{"bad step name", "schemaVersion: '2.2'\nmainSteps:\n- action: aws:runShellScript\n  name: run it\n  inputs: {runCommand: ls}\n", YAML, "InvalidDocumentContent",
			`mainSteps[0].name: step name "run it" must match [a-zA-Z0-9_.-]+ (line 4, column 9)`},
		{"duplicate step name", "schemaVersion: '2.2'\nmainSteps:\n- {action: aws:runShellScript, name: a, inputs: {runCommand: ls}}\n- {action: aws:runShellScript, name: a, inputs: {runCommand: ls}}\n", YAML, "InvalidDocumentContent",
			`mainSteps[1].name: duplicate step name "a" (also mainSteps[0]) (line 4, column 38)`},
		{"unsupported action", step("", "aws:runDocument", "{}"), YAML, "InvalidDocumentContent",
			`mainSteps[0].action: unsupported action "aws:runDocument"; kanri runs aws:runPowerShellScript, aws:runShellScript, aws:softwareInventory (line 4, column 11)`},
		{"bad platform", "schemaVersion: '2.2'\nmainSteps:\n- action: aws:runShellScript\n  name: s\n  precondition:\n    StringEquals: [platformType, Solaris]\n  inputs: {runCommand: ls}\n", YAML, "InvalidDocumentContent",
			`mainSteps[0].precondition.StringEquals[1]: unsupported platform type "Solaris"; use Linux, Windows or MacOS (line 6, column 34)`},
		{"bad precondition variable", "schemaVersion: '2.2'\nmainSteps:\n- action: aws:runShellScript\n  name: s\n  precondition:\n    StringEquals: [osType, Linux]\n  inputs: {runCommand: ls}\n", YAML, "InvalidDocumentContent",
			`mainSteps[0].precondition.StringEquals[0]: unsupported variable "osType"; only platformType is supported (line 6, column 20)`},
		{"precondition shape", "schemaVersion: '2.2'\nmainSteps:\n- action: aws:runShellScript\n  name: s\n  precondition:\n    StringEquals: platformType\n  inputs: {runCommand: ls}\n", YAML, "InvalidDocumentContent",
			`mainSteps[0].precondition.StringEquals: must be {"StringEquals": ["platformType", "Linux" | "Windows" | "MacOS"]} (line 6, column 19)`},
		{"missing runCommand", step("", "aws:runShellScript", "{workingDirectory: /tmp}"), YAML, "InvalidDocumentContent",
			"mainSteps[0].inputs.runCommand: required input of aws:runShellScript is missing (line 6, column 11)"},
		{"unknown input", step("", "aws:runShellScript", "{runCommand: ls, timeout: 5}"), YAML, "InvalidDocumentContent",
			`mainSteps[0].inputs: unknown input "timeout" for aws:runShellScript; its inputs are finallyStep, onFailure, onSuccess, runCommand, timeoutSeconds, workingDirectory (line 6, column 28)`},
		{"timeout zero", step("", "aws:runShellScript", "{runCommand: ls, timeoutSeconds: 0}"), YAML, "InvalidDocumentContent",
			"mainSteps[0].inputs.timeoutSeconds: must be an integer between 1 and 172800 (line 6, column 44)"},
		{"timeout too long", step("", "aws:runShellScript", "{runCommand: ls, timeoutSeconds: '172801'}"), YAML, "InvalidDocumentContent",
			"mainSteps[0].inputs.timeoutSeconds: must be an integer between 1 and 172800 (line 6, column 44)"},
		{"timeout in JSON", "{\"schemaVersion\": \"2.2\", \"mainSteps\": [\n  {\"action\": \"aws:runShellScript\", \"name\": \"s\",\n   \"inputs\": {\"runCommand\": \"ls\", \"timeoutSeconds\": 1.5}}]}", JSON, "InvalidDocumentContent",
			"mainSteps[0].inputs.timeoutSeconds: must be an integer between 1 and 172800 (line 3, column 53)"},
		{"runCommand not a string", step("", "aws:runShellScript", "{runCommand: {a: b}}"), YAML, "InvalidDocumentContent",
			"mainSteps[0].inputs.runCommand: must be a string or a list of strings (line 6, column 24)"},
		{"runCommand element", step("", "aws:runShellScript", "{runCommand: [ls, 5]}"), YAML, "InvalidDocumentContent",
			"mainSteps[0].inputs.runCommand[1]: must be a string, not a number (line 6, column 29)"},
		{"bad onFailure", step("", "aws:runShellScript", "{runCommand: ls, onFailure: stop}"), YAML, "InvalidDocumentContent",
			"mainSteps[0].inputs.onFailure: must be one of exit, successAndExit (line 6, column 39)"},
		{"bad inventory value", step("", "aws:softwareInventory", "{applications: Maybe}"), YAML, "InvalidDocumentContent",
			"mainSteps[0].inputs.applications: must be one of Enabled, Disabled (line 6, column 26)"},
		{"undefined parameter", step("", "aws:runShellScript", "{runCommand: ['echo {{ msg }}']}"), YAML, "InvalidDocumentContent",
			`mainSteps[0].inputs.runCommand[0]: references undefined parameter "msg" (line 6, column 25)`},
		{"StringList as timeout", step("t: {type: StringList}", "aws:runShellScript", "{runCommand: ls, timeoutSeconds: '{{ t }}'}"), YAML, "InvalidDocumentContent",
			`mainSteps[0].inputs.timeoutSeconds: parameter "t" is a StringList; this input must be an integer between 1 and 172800 (line 6, column 44)`},
		{"Boolean as inventory switch", step("b: {type: Boolean}", "aws:softwareInventory", "{services: '{{b}}'}"), YAML, "InvalidDocumentContent",
			`mainSteps[0].inputs.services: parameter "b" is a Boolean; this input must be one of Enabled, Disabled (line 6, column 22)`},
		{"parameter type typo", step("commands: {type: Strin}", "aws:runShellScript", "{runCommand: ls}"), YAML, "InvalidDocumentContent",
			`parameters.commands.type: unsupported type "Strin"; use String, StringList, Integer, Boolean, StringMap or MapList (line 2, column 31)`},
		{"parameter without type", step("commands: {default: x}", "aws:runShellScript", "{runCommand: ls}"), YAML, "InvalidDocumentContent",
			"parameters.commands.type: required (line 2, column 24)"},
		{"parameter unknown key", step("c: {type: String, required: true}", "aws:runShellScript", "{runCommand: ls}"), YAML, "InvalidDocumentContent",
			`parameters.c: unknown key "required"; allowed keys are allowedPattern, allowedValues, default, description, displayType, interpolationType, maxChars, maxItems, minChars, minItems, type (line 2, column 32)`},
		{"parameter name", step("my-param: {type: String}", "aws:runShellScript", "{runCommand: ls}"), YAML, "InvalidDocumentContent",
			`parameters.my-param: parameter name "my-param" must match [a-zA-Z0-9]+ (line 2, column 14)`},
		{"lookahead pattern", step(`p: {type: String, allowedPattern: '^(?=a)\w+$'}`, "aws:runShellScript", "{runCommand: ls}"), YAML, "InvalidDocumentContent",
			"parameters.p.allowedPattern: kanri cannot compile this pattern with Go's RE2 syntax (lookaround, backreferences and possessive quantifiers are not supported): error parsing regexp: invalid or unsupported Perl syntax: `(?=` (line 2, column 48)"},
		{"default breaks pattern", step(`p: {type: String, allowedPattern: '[0-9]+', default: x1}`, "aws:runShellScript", "{runCommand: ls}"), YAML, "InvalidDocumentContent",
			"parameters.p.default: value does not match allowedPattern [0-9]+ (line 2, column 67)"},
		{"default outside allowedValues", step(`p: {type: String, allowedValues: [a, b], default: c}`, "aws:runShellScript", "{runCommand: ls}"), YAML, "InvalidDocumentContent",
			"parameters.p.default: value is not one of allowedValues [a, b] (line 2, column 64)"},
		{"Integer default", step(`p: {type: Integer, default: many}`, "aws:runShellScript", "{runCommand: ls}"), YAML, "InvalidDocumentContent",
			"parameters.p.default: value must be an integer (line 2, column 42)"},
		{"Boolean default", step(`p: {type: Boolean, default: "yes"}`, "aws:runShellScript", "{runCommand: ls}"), YAML, "InvalidDocumentContent",
			"parameters.p.default: value must be true or false (line 2, column 42)"},
		{"StringMap default", step(`p: {type: StringMap, default: [a]}`, "aws:runShellScript", "{runCommand: ls}"), YAML, "InvalidDocumentContent",
			"parameters.p.default: must be an object for a StringMap parameter, not a list (line 2, column 44)"},
		{"minItems on String", step(`p: {type: String, minItems: 1}`, "aws:runShellScript", "{runCommand: ls}"), YAML, "InvalidDocumentContent",
			"parameters.p.minItems: applies only to StringList and MapList parameters, not String (line 2, column 42)"},
		{"minItems above maxItems", step(`p: {type: StringList, minItems: 3, maxItems: 2}`, "aws:runShellScript", "{runCommand: ls}"), YAML, "InvalidDocumentContent",
			"parameters.p.maxItems: must not be less than minItems (line 2, column 59)"},
		{"negative maxChars", step(`p: {type: String, maxChars: -1}`, "aws:runShellScript", "{runCommand: ls}"), YAML, "InvalidDocumentContent",
			"parameters.p.maxChars: must be a non-negative integer (line 2, column 42)"},
		{"allowedValues on StringMap", step(`p: {type: StringMap, allowedValues: [a]}`, "aws:runShellScript", "{runCommand: ls}"), YAML, "InvalidDocumentContent",
			"parameters.p.allowedValues: does not apply to StringMap parameters (line 2, column 50)"},
		{"bad interpolationType", step(`p: {type: String, interpolationType: SHELL}`, "aws:runShellScript", "{runCommand: ls}"), YAML, "InvalidDocumentContent",
			`parameters.p.interpolationType: unsupported interpolationType "SHELL"; use ENV_VAR (line 2, column 51)`},
		{"bad displayType", step(`p: {type: String, displayType: big}`, "aws:runShellScript", "{runCommand: ls}"), YAML, "InvalidDocumentContent",
			`parameters.p.displayType: unsupported displayType "big"; use textarea or textfield (line 2, column 45)`},
		{"1.2 without runtimeConfig", `{"schemaVersion": "1.2"}`, JSON, "InvalidDocumentContent",
			"runtimeConfig: required (line 1, column 1)"},
		{"1.2 unknown plugin", "{\"schemaVersion\": \"1.2\", \"runtimeConfig\": {\n  \"aws:psModule\": {\"properties\": [{}]}}}", JSON, "InvalidDocumentContent",
			`runtimeConfig.aws:psModule: unsupported action "aws:psModule"; kanri runs aws:runPowerShellScript, aws:runShellScript, aws:softwareInventory (line 2, column 3)`},
		{"session type", `{"schemaVersion": "1.0", "sessionType": "Shell"}`, JSON, "InvalidDocumentContent",
			`sessionType: unsupported session type "Shell"; use Standard_Stream, InteractiveCommands, NonInteractiveCommands or Port (line 1, column 41)`},
		{"session idle timeout", "schemaVersion: '1.0'\nsessionType: Standard_Stream\ninputs:\n  idleSessionTimeout: '61'\n", YAML, "InvalidDocumentContent",
			"inputs.idleSessionTimeout: must be a number of minutes between 1 and 60 (line 4, column 23)"},
		{"session unknown input", "schemaVersion: '1.0'\nsessionType: Standard_Stream\ninputs:\n  shell: bash\n", YAML, "InvalidDocumentContent",
			`inputs: unknown key "shell"; allowed keys are cloudWatchEncryptionEnabled, cloudWatchLogGroupName, cloudWatchStreamingEnabled, idleSessionTimeout, kmsKeyId, maxSessionDuration, runAsDefaultUser, runAsEnabled, s3BucketName, s3EncryptionEnabled, s3KeyPrefix, shellProfile (line 4, column 3)`},
		{"session bad boolean", "schemaVersion: '1.0'\nsessionType: Standard_Stream\ninputs:\n  runAsEnabled: 'yes'\n", YAML, "InvalidDocumentContent",
			"inputs.runAsEnabled: must be true or false (line 4, column 17)"},
		{"properties on Standard_Stream", "schemaVersion: '1.0'\nsessionType: Standard_Stream\nproperties: {}\n", YAML, "InvalidDocumentContent",
			"properties: Standard_Stream sessions take no properties (line 3, column 13)"},
		{"port without portNumber", "schemaVersion: '1.0'\nsessionType: Port\nproperties:\n  type: LocalPortForwarding\n", YAML, "InvalidDocumentContent",
			"properties.portNumber: required (line 4, column 3)"},
		{"session command references undefined", "schemaVersion: '1.0'\nsessionType: InteractiveCommands\nproperties:\n  linux:\n    commands: 'top -p {{ pid }}'\n", YAML, "InvalidDocumentContent",
			`properties.linux.commands: references undefined parameter "pid" (line 5, column 15)`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doc, err := Parse(tt.content, tt.format)
			if err == nil {
				t.Fatalf("Parse = %+v, want error %s: %s", doc, tt.code, tt.msg)
			}
			e := awserr.As(err)
			if e == nil {
				t.Fatalf("Parse error %v is not an *awserr.Error", err)
			}
			if e.Code != tt.code || e.Message != tt.msg {
				t.Errorf("Parse error = %s: %s\nwant %s: %s", e.Code, e.Message, tt.code, tt.msg)
			}
			if !errors.Is(err, awserr.Invalid) {
				t.Errorf("Parse error kind = %v, want Invalid", e.Kind)
			}
		})
	}
}
