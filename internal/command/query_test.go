// Copyright 2026 The kanri Authors
// SPDX-License-Identifier: Apache-2.0

package command

import (
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/kanri-dev/kanri/internal/agentproto"
	"github.com/kanri-dev/kanri/internal/awserr"
	ssm "github.com/kanri-dev/kanri/internal/wire/ssm"
)

// TestPluginOutput shows a step's output as CommandPlugin.Output: its
// standard output, its standard error after a marker, at most 2,500
// characters ending "---Output truncated---" when cut.
func TestPluginOutput(t *testing.T) {
	const marker = "\n---Output truncated---"
	long := strings.Repeat("a", agentproto.MaxInlineStdout)
	tests := []struct {
		name string
		st   agentproto.StepResult
		want string
	}{
		{"empty", agentproto.StepResult{}, ""},
		{"stdout", agentproto.StepResult{Stdout: "hello\n", StdoutBytes: 6}, "hello\n"},
		{"stderr", agentproto.StepResult{Stdout: "out\n", StdoutBytes: 4, Stderr: "err\n", StderrBytes: 4},
			"out\n\n----------ERROR-------\nerr\n"},
		{"stderr only", agentproto.StepResult{Stderr: "boom", StderrBytes: 4}, "\n----------ERROR-------\nboom"},
		{"exactly 2500", agentproto.StepResult{Stdout: strings.Repeat("b", 2500), StdoutBytes: 2500}, strings.Repeat("b", 2500)},
		{"2501", agentproto.StepResult{Stdout: strings.Repeat("b", 2501), StdoutBytes: 2501},
			strings.Repeat("b", 2500-len(marker)) + marker},
		{"longer than inline", agentproto.StepResult{Stdout: long, StdoutBytes: 100000},
			strings.Repeat("a", 2500-len(marker)) + marker},
		{"short but cut by the agent", agentproto.StepResult{Stdout: "abc", StdoutBytes: 50000}, "abc" + marker},
		{"multibyte counts characters", agentproto.StepResult{Stdout: strings.Repeat("é", 3000), StdoutBytes: 6000},
			strings.Repeat("é", 2500-len(marker)) + marker},
		{"2,500 multibyte characters are not cut", agentproto.StepResult{Stdout: strings.Repeat("é", 2500), StdoutBytes: 5000},
			strings.Repeat("é", 2500)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := pluginOutput(&tt.st)
			if got != tt.want {
				t.Errorf("pluginOutput = %q (%d characters), want %q (%d characters)", abbrev(got), utf8.RuneCountInString(got), abbrev(tt.want), utf8.RuneCountInString(tt.want))
			}
			if n := utf8.RuneCountInString(got); n > maxPluginOutput {
				t.Errorf("pluginOutput has %d characters, want at most %d", n, maxPluginOutput)
			}
		})
	}
}

func abbrev(s string) string {
	if len(s) <= 60 {
		return s
	}
	return s[:30] + "…" + s[len(s)-30:]
}

// TestTokens turns listing positions into opaque tokens and back, and
// refuses tokens that are not one.
func TestTokens(t *testing.T) {
	for _, parts := range [][]string{{"AWS-RunShellScript"}, {"cmd-1", "mi-0123456789abcdef0"}, {"", ""}, {"a/b+c=d"}} {
		tok := encodeToken(parts...)
		if strings.ContainsAny(tok, "+/=") {
			t.Errorf("encodeToken(%q) = %q, want URL-safe unpadded base64", parts, tok)
		}
		got, err := decodeToken(tok, len(parts))
		if err != nil || strings.Join(got, "|") != strings.Join(parts, "|") || len(got) != len(parts) {
			t.Errorf("decodeToken(encodeToken(%q)) = %q, %v", parts, got, err)
		}
	}
	if got, err := decodeToken("", 2); err != nil || len(got) != 2 || got[0] != "" || got[1] != "" {
		t.Errorf(`decodeToken("", 2) = %q, %v, want two empty parts`, got, err)
	}
	for _, tc := range []struct {
		token string
		n     int
	}{
		{"!!!", 1},
		{"not base64 at all", 1},
		{encodeToken("a", "b"), 1},
		{encodeToken("a"), 2},
		{encodeToken("a", "b", "c"), 2},
	} {
		got, err := decodeToken(tc.token, tc.n)
		if e := awserr.As(err); e == nil || e.Code != "InvalidNextToken" || e.Message != "The NextToken is not valid." {
			t.Errorf("decodeToken(%q, %d) = %q, %v, want InvalidNextToken", tc.token, tc.n, got, err)
		}
	}
}

// TestElapsed formats ExecutionElapsedTime as SSM's: PT<seconds>S with
// milliseconds.
func TestElapsed(t *testing.T) {
	tests := []struct {
		d    time.Duration
		want string
	}{
		{0, "PT0.000S"},
		{1234 * time.Millisecond, "PT1.234S"},
		{90 * time.Second, "PT90.000S"},
		{-time.Second, "PT0.000S"},
	}
	for _, tt := range tests {
		if got := elapsed(tt.d); got != tt.want {
			t.Errorf("elapsed(%v) = %q, want %q", tt.d, got, tt.want)
		}
	}
}

// TestCommandFilters reads ListCommands' and ListCommandInvocations'
// filters.
func TestCommandFilters(t *testing.T) {
	lf, err := commandFilters([]*ssm.CommandFilter{
		{Key: "Status", Value: "Success"}, {Key: "DocumentName", Value: "AWS-RunShellScript"},
		{Key: "InvokedAfter", Value: "2026-01-02T03:04:05Z"}, {Key: "InvokedBefore", Value: "2026-02-03T04:05:06+01:00"},
		{Key: "ExecutionStage", Value: "Complete"},
	}, false)
	wantAfter := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	wantBefore := time.Date(2026, 2, 3, 3, 5, 6, 0, time.UTC)
	if err != nil || lf.status != "Success" || lf.details != "" || lf.docName != "AWS-RunShellScript" || !lf.after.Equal(wantAfter) || !lf.before.Equal(wantBefore) || lf.stage != "Complete" {
		t.Errorf("commandFilters = %+v, %v, want Success AWS-RunShellScript %v %v Complete", lf, err, wantAfter, wantBefore)
	}
	for _, tc := range []struct {
		value           string
		invocations     bool
		status, details string
	}{
		{"Incomplete", false, "", "Incomplete"},
		{"ExecutionTimedOut", true, "", "ExecutionTimedOut"},
		{"Terminated", true, "", "Terminated"},
		{"Delayed", true, "Delayed", ""},
		{"TimedOut", false, "TimedOut", ""},
	} {
		lf, err := commandFilters([]*ssm.CommandFilter{{Key: "Status", Value: tc.value}}, tc.invocations)
		if err != nil || lf.status != tc.status || lf.details != tc.details {
			t.Errorf("commandFilters(Status %s, invocations %v) = %+v, %v; want status %q details %q", tc.value, tc.invocations, lf, err, tc.status, tc.details)
		}
	}
	for _, tc := range []struct {
		f           ssm.CommandFilter
		invocations bool
		code, msg   string
	}{
		{ssm.CommandFilter{Key: "ExecutionStage", Value: "Complete"}, true, "InvalidFilterKey", "ListCommands only"},
		{ssm.CommandFilter{Key: "ExecutionStage", Value: "Done"}, false, "ValidationException", "'Done' at 'Filters.ExecutionStage'"},
		{ssm.CommandFilter{Key: "InvokedAfter", Value: "yesterday"}, false, "ValidationException", "'yesterday' at 'Filters.InvokedAfter'"},
		{ssm.CommandFilter{Key: "Status", Value: "Bogus"}, false, "ValidationException", "'Bogus' at 'Filters.Status'"},
		{ssm.CommandFilter{Key: "Status", Value: "Delayed"}, false, "ValidationException", "'Delayed' at 'Filters.Status'"},
		{ssm.CommandFilter{Key: "Status", Value: "Terminated"}, false, "ValidationException", "'Terminated' at 'Filters.Status'"},
		{ssm.CommandFilter{Key: "Owner", Value: "Self"}, false, "InvalidFilterKey", "Owner"},
	} {
		_, err := commandFilters([]*ssm.CommandFilter{&tc.f}, tc.invocations)
		if e := awserr.As(err); e == nil || e.Code != tc.code || !strings.Contains(e.Message, tc.msg) {
			t.Errorf("commandFilters(%+v, invocations %v) = %v, want %s containing %q", tc.f, tc.invocations, err, tc.code, tc.msg)
		}
	}
}

// TestOutputKey lays out where a step's output is kept as SSM lays out
// its S3 output.
func TestOutputKey(t *testing.T) {
	s := New(Config{Account: "123456789012", Region: "us-east-1"})
	c := &Command{ID: "cmd-1"}
	if b, k := s.outputKey(c, "mi-1", "aws:runShellScript", "step.1", "stdout"); b != DefaultOutputBucket || k != "cmd-1/mi-1/awsrunShellScript/step.1/stdout" {
		t.Errorf("outputKey(no bucket) = %s %s", b, k)
	}
	c = &Command{ID: "cmd-1", OutputBucket: "my-bucket", OutputPrefix: "/logs/run/"}
	if b, k := s.outputKey(c, "mi-1", "aws:runPowerShellScript", "ps", "stderr"); b != "my-bucket" || k != "logs/run/cmd-1/mi-1/awsrunPowerShellScript/ps/stderr" {
		t.Errorf("outputKey(bucket, prefix) = %s %s", b, k)
	}
}

// TestCheckOutputFolder checks output bucket names and key prefixes.
func TestCheckOutputFolder(t *testing.T) {
	for _, tc := range []struct {
		bucket, prefix string
		ok             bool
	}{
		{"my-bucket.logs", "", true},
		{"abc", strings.Repeat("p", 500), true},
		{"ab", "", false},
		{strings.Repeat("b", 64), "", false},
		{"My_Bucket", "", false},
		{"abc", strings.Repeat("p", 501), false},
	} {
		err := checkOutputFolder(tc.bucket, tc.prefix)
		if tc.ok != (err == nil) {
			t.Errorf("checkOutputFolder(%q, %d-character prefix) = %v, want ok %v", tc.bucket, len(tc.prefix), err, tc.ok)
		}
		if e := awserr.As(err); err != nil && (e == nil || e.Code != "InvalidOutputFolder") {
			t.Errorf("checkOutputFolder(%q) = %v, want InvalidOutputFolder", tc.bucket, err)
		}
	}
}
