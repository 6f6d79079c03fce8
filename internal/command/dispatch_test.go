// Copyright 2026 The kanri Authors
// SPDX-License-Identifier: Apache-2.0

package command

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/kanri-dev/kanri/internal/agentproto"
)

// TestDecide derives a command's status from its invocations' counts by
// status details, as SSM's "Understanding command statuses" describes.
func TestDecide(t *testing.T) {
	tests := []struct {
		name        string
		targets     int
		maxErrors   string
		counts      map[string]int
		status, det string
	}{
		{"all pending", 3, "0", map[string]int{DetailPending: 3}, StatusPending, DetailPending},
		{"one sent", 3, "0", map[string]int{DetailPending: 2, DetailInProgress: 1}, StatusInProgress, DetailInProgress},
		{"one delayed", 3, "0", map[string]int{DetailPending: 2, DetailDelayed: 1}, StatusInProgress, DetailInProgress},
		{"some done, some pending", 3, "0", map[string]int{DetailPending: 1, DetailSuccess: 2}, StatusInProgress, DetailInProgress},
		{"a failure, others not done", 3, "0", map[string]int{DetailFailed: 1, DetailInProgress: 2}, StatusInProgress, DetailInProgress},
		{"all success", 3, "0", map[string]int{DetailSuccess: 3}, StatusSuccess, DetailSuccess},
		{"one target success", 1, "0", map[string]int{DetailSuccess: 1}, StatusSuccess, DetailSuccess},
		{"MaxErrors 0 exceeded", 3, "0", map[string]int{DetailSuccess: 2, DetailFailed: 1}, StatusFailed, DetailFailed},
		{"MaxErrors 1 not exceeded", 3, "1", map[string]int{DetailSuccess: 2, DetailFailed: 1}, StatusFailed, DetailIncomplete},
		{"MaxErrors 1 exceeded", 3, "1", map[string]int{DetailSuccess: 1, DetailFailed: 2}, StatusFailed, DetailFailed},
		{"MaxErrors 50% of 4 not exceeded", 4, "50%", map[string]int{DetailSuccess: 2, DetailFailed: 2}, StatusFailed, DetailIncomplete},
		{"MaxErrors 50% of 4 exceeded", 4, "50%", map[string]int{DetailSuccess: 1, DetailFailed: 3}, StatusFailed, DetailFailed},
		{"MaxErrors 10% of 5 rounds down to 0", 5, "10%", map[string]int{DetailSuccess: 4, DetailFailed: 1}, StatusFailed, DetailFailed},
		{"execution timeouts the majority", 3, "0", map[string]int{DetailExecutionTimedOut: 2, DetailFailed: 1}, StatusTimedOut, DetailExecutionTimedOut},
		{"execution timeouts only", 2, "0", map[string]int{DetailExecutionTimedOut: 1, DetailSuccess: 1}, StatusTimedOut, DetailExecutionTimedOut},
		{"execution timeouts tie failures", 2, "0", map[string]int{DetailExecutionTimedOut: 1, DetailFailed: 1}, StatusFailed, DetailFailed},
		{"execution timeout under MaxErrors", 3, "1", map[string]int{DetailExecutionTimedOut: 1, DetailSuccess: 2}, StatusFailed, DetailIncomplete},
		{"delivery timeouts over MaxErrors", 3, "0", map[string]int{DetailDeliveryTimedOut: 1, DetailSuccess: 2}, StatusTimedOut, DetailDeliveryTimedOut},
		{"delivery timeouts all", 2, "1", map[string]int{DetailDeliveryTimedOut: 2}, StatusTimedOut, DetailDeliveryTimedOut},
		{"delivery timeouts within MaxErrors", 3, "1", map[string]int{DetailDeliveryTimedOut: 1, DetailSuccess: 2}, StatusFailed, DetailIncomplete},
		{"delivery timeouts do not count as errors", 3, "1", map[string]int{DetailDeliveryTimedOut: 1, DetailFailed: 1, DetailSuccess: 1}, StatusFailed, DetailIncomplete},
		{"failures beat delivery timeouts", 3, "0", map[string]int{DetailDeliveryTimedOut: 2, DetailFailed: 1}, StatusFailed, DetailFailed},
		{"terminated after MaxErrors", 3, "0", map[string]int{DetailFailed: 1, DetailTerminated: 2}, StatusFailed, DetailFailed},
		{"cancelled", 3, "0", map[string]int{DetailSuccess: 1, DetailCancelled: 2}, StatusCancelled, DetailCancelled},
		{"cancelled beats failures", 2, "0", map[string]int{DetailFailed: 1, DetailCancelled: 1}, StatusCancelled, DetailCancelled},
		{"cancelling", 3, "0", map[string]int{DetailCancelling: 1, DetailSuccess: 1, DetailCancelled: 1}, StatusCancelling, DetailCancelling},
		{"cancelling while others pending", 3, "0", map[string]int{DetailCancelling: 1, DetailPending: 2}, StatusCancelling, DetailCancelling},
		{"undeliverable and success", 2, "0", map[string]int{DetailUndeliverable: 1, DetailSuccess: 1}, StatusSuccess, DetailSuccess},
		{"all undeliverable", 2, "0", map[string]int{DetailUndeliverable: 2}, StatusFailed, DetailIncomplete},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := &Command{TargetCount: tt.targets, MaxErrors: tt.maxErrors}
			status, det := decide(c, tt.counts)
			if status != tt.status || det != tt.det {
				t.Errorf("decide(%d targets, MaxErrors %s, %v) = %s/%s, want %s/%s", tt.targets, tt.maxErrors, tt.counts, status, det, tt.status, tt.det)
			}
		})
	}
}

// TestCounters counts completed invocations, errors (Failed and
// ExecutionTimedOut) and delivery timeouts.
func TestCounters(t *testing.T) {
	counts := map[string]int{
		DetailPending: 1, DetailInProgress: 2, DetailDelayed: 3, DetailCancelling: 4,
		DetailSuccess: 10, DetailFailed: 20, DetailExecutionTimedOut: 40, DetailDeliveryTimedOut: 80,
		DetailCancelled: 100, DetailUndeliverable: 200, DetailTerminated: 400,
	}
	completed, errs, delivery := Counters(counts)
	if completed != 850 || errs != 60 || delivery != 80 {
		t.Errorf("Counters(%v) = %d, %d, %d, want 850, 60, 80", counts, completed, errs, delivery)
	}
}

// TestResultChange applies what agents report to invocations.
func TestResultChange(t *testing.T) {
	started := time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
	ended := started.Add(1500 * time.Millisecond)
	steps := []agentproto.StepResult{{Name: "runShellScript", Action: "aws:runShellScript", Status: "Success", Stdout: "hi\n", StdoutBytes: 3}}
	stepsJSON, _ := json.Marshal(steps)
	tests := []struct {
		name        string
		inv         Invocation
		res         agentproto.InvocationResult
		changed     bool
		want        Invocation
		endedAtNow  bool
		keepPlugins bool
	}{
		{
			name: "started",
			inv:  Invocation{Status: StatusInProgress, StatusDetails: DetailInProgress, ResponseCode: -1},
			res:  agentproto.InvocationResult{Status: agentproto.StatusInProgress, StartedAt: started},
			want: Invocation{Status: StatusInProgress, StatusDetails: DetailInProgress, StartedAt: started, ResponseCode: -1}, changed: true,
		},
		{
			name: "started while delayed",
			inv:  Invocation{Status: StatusDelayed, StatusDetails: DetailDelayed, ResponseCode: -1},
			res:  agentproto.InvocationResult{Status: agentproto.StatusInProgress, StartedAt: started},
			want: Invocation{Status: StatusInProgress, StatusDetails: DetailInProgress, StartedAt: started, ResponseCode: -1}, changed: true,
		},
		{
			name: "started again",
			inv:  Invocation{Status: StatusInProgress, StatusDetails: DetailInProgress, StartedAt: started, ResponseCode: -1},
			res:  agentproto.InvocationResult{Status: agentproto.StatusInProgress, StartedAt: started.Add(time.Second)},
			want: Invocation{Status: StatusInProgress, StatusDetails: DetailInProgress, StartedAt: started, ResponseCode: -1}, changed: false,
		},
		{
			name: "started while cancelling",
			inv:  Invocation{Status: StatusCancelling, StatusDetails: DetailCancelling, ResponseCode: -1},
			res:  agentproto.InvocationResult{Status: agentproto.StatusInProgress, StartedAt: started},
			want: Invocation{Status: StatusCancelling, StatusDetails: DetailCancelling, StartedAt: started, ResponseCode: -1}, changed: true,
		},
		{
			name: "success",
			inv:  Invocation{Status: StatusInProgress, StatusDetails: DetailInProgress, StartedAt: started, ResponseCode: -1},
			res: agentproto.InvocationResult{Status: agentproto.StatusSuccess, StatusDetails: "whatever", StartedAt: started, EndedAt: ended,
				ResponseCode: 0, Steps: steps},
			want: Invocation{Status: StatusSuccess, StatusDetails: DetailSuccess, StartedAt: started, EndedAt: ended, Plugins: string(stepsJSON)}, changed: true,
		},
		{
			name: "failed",
			inv:  Invocation{Status: StatusInProgress, ResponseCode: -1},
			res:  agentproto.InvocationResult{Status: agentproto.StatusFailed, StatusDetails: "Failed", StartedAt: started, EndedAt: ended, ResponseCode: 3},
			want: Invocation{Status: StatusFailed, StatusDetails: DetailFailed, StartedAt: started, EndedAt: ended, ResponseCode: 3}, changed: true,
		},
		{
			name: "failed with other details",
			inv:  Invocation{Status: StatusInProgress, ResponseCode: -1},
			res:  agentproto.InvocationResult{Status: agentproto.StatusFailed, StatusDetails: "InvalidPlatform", EndedAt: ended, ResponseCode: 1},
			want: Invocation{Status: StatusFailed, StatusDetails: DetailFailed, EndedAt: ended, ResponseCode: 1}, changed: true,
		},
		{
			name: "undeliverable",
			inv:  Invocation{Status: StatusInProgress, ResponseCode: -1},
			res:  agentproto.InvocationResult{Status: agentproto.StatusFailed, StatusDetails: DetailUndeliverable, EndedAt: ended, ResponseCode: -1},
			want: Invocation{Status: StatusFailed, StatusDetails: DetailUndeliverable, EndedAt: ended, ResponseCode: -1}, changed: true,
		},
		{
			name: "execution timed out",
			inv:  Invocation{Status: StatusInProgress, ResponseCode: -1},
			res:  agentproto.InvocationResult{Status: agentproto.StatusTimedOut, StartedAt: started, EndedAt: ended, ResponseCode: -1},
			want: Invocation{Status: StatusTimedOut, StatusDetails: DetailExecutionTimedOut, StartedAt: started, EndedAt: ended, ResponseCode: -1}, changed: true,
		},
		{
			name: "delivery timed out",
			inv:  Invocation{Status: StatusInProgress, ResponseCode: -1},
			res:  agentproto.InvocationResult{Status: agentproto.StatusTimedOut, StatusDetails: agentproto.DetailsDeliveryTimedOut, EndedAt: ended, ResponseCode: -1},
			want: Invocation{Status: StatusTimedOut, StatusDetails: DetailDeliveryTimedOut, EndedAt: ended, ResponseCode: -1}, changed: true,
		},
		{
			name: "cancelled",
			inv:  Invocation{Status: StatusCancelling, StatusDetails: DetailCancelling, StartedAt: started, ResponseCode: -1},
			res:  agentproto.InvocationResult{Status: agentproto.StatusCancelled, StatusDetails: "x", StartedAt: started, EndedAt: ended, ResponseCode: 137},
			want: Invocation{Status: StatusCancelled, StatusDetails: DetailCancelled, StartedAt: started, EndedAt: ended, ResponseCode: 137}, changed: true,
		},
		{
			name: "unknown status is a failure",
			inv:  Invocation{Status: StatusInProgress, ResponseCode: -1},
			res:  agentproto.InvocationResult{Status: "Exploded", StatusDetails: "Exploded", EndedAt: ended, ResponseCode: 2},
			want: Invocation{Status: StatusFailed, StatusDetails: DetailFailed, EndedAt: ended, ResponseCode: 2}, changed: true,
		},
		{
			name: "no end time: now",
			inv:  Invocation{Status: StatusInProgress, ResponseCode: -1},
			res:  agentproto.InvocationResult{Status: agentproto.StatusSuccess, StartedAt: started},
			want: Invocation{Status: StatusSuccess, StatusDetails: DetailSuccess, StartedAt: started}, changed: true, endedAtNow: true,
		},
		{
			name: "no steps keeps earlier plugins",
			inv:  Invocation{Status: StatusInProgress, ResponseCode: -1, Plugins: `[{"Name":"earlier"}]`},
			res:  agentproto.InvocationResult{Status: agentproto.StatusSuccess, EndedAt: ended},
			want: Invocation{Status: StatusSuccess, StatusDetails: DetailSuccess, EndedAt: ended, Plugins: `[{"Name":"earlier"}]`}, changed: true,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			inv := tt.inv
			before := time.Now().UTC()
			changed := resultChange(&inv, &tt.res)
			if changed != tt.changed {
				t.Errorf("resultChange(%+v, %+v) = %v, want %v", tt.inv, tt.res, changed, tt.changed)
			}
			if tt.endedAtNow {
				if inv.EndedAt.Before(before) || inv.EndedAt.After(time.Now().UTC()) || inv.EndedAt.Location() != time.UTC {
					t.Errorf("EndedAt = %v, want now (UTC)", inv.EndedAt)
				}
				inv.EndedAt = time.Time{}
			}
			if diff := cmp.Diff(tt.want, inv); diff != "" {
				t.Errorf("invocation after resultChange (-want +got):\n%s", diff)
			}
		})
	}
}

// TestSetStatus ends unfinished invocations only.
func TestSetStatus(t *testing.T) {
	now := time.Date(2026, 3, 1, 10, 0, 0, 0, time.FixedZone("X", 3600))
	inv := &Invocation{Status: StatusPending, StatusDetails: DetailPending}
	if !setStatus(inv, StatusTimedOut, DetailDeliveryTimedOut, now) || inv.Status != StatusTimedOut ||
		inv.StatusDetails != DetailDeliveryTimedOut || !inv.EndedAt.Equal(now) || inv.EndedAt.Location() != time.UTC {
		t.Errorf("setStatus(Pending) = %+v, want TimedOut/DeliveryTimedOut ended %v (UTC)", inv, now)
	}
	done := &Invocation{Status: StatusSuccess, StatusDetails: DetailSuccess}
	if setStatus(done, StatusCancelled, DetailCancelled, now) || done.Status != StatusSuccess || !done.EndedAt.IsZero() {
		t.Errorf("setStatus(Success) = %+v, want unchanged", done)
	}
}
