// Copyright 2026 The kanri Authors
// SPDX-License-Identifier: Apache-2.0

package params_test

import (
	"bytes"
	"context"
	"log/slog"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/kanri-dev/kanri/internal/audit"
	"github.com/kanri-dev/kanri/internal/iam"
	"github.com/kanri-dev/kanri/internal/params"
	"github.com/kanri-dev/kanri/internal/store/storetest"
	ssm "github.com/kanri-dev/kanri/internal/wire/ssm"
)

// expiresAt is the Policies of a parameter whose Expiration policy is
// due at t.
func expiresAt(t time.Time) string {
	return `[{"Type":"Expiration","Version":"1.0","Attributes":{"Timestamp":"` + t.Format("2006-01-02T15:04:05.000Z07:00") + `"}},` +
		`{"Type":"NoChangeNotification","Version":"1.0","Attributes":{"After":"2","Unit":"Days"}}]`
}

// TestExpirationPolicyDeletesTheParameter puts parameters with and
// without an Expiration policy and moves the clock: at its time a
// parameter is deleted with its versions and labels, an overwrite that
// leaves the policies out keeps the expiration, one that gives new ones
// moves it, and a parameter whose expiration is still ahead stays.
func TestExpirationPolicyDeletesTheParameter(t *testing.T) {
	db := storetest.Open(t, storetest.SQLite(t))
	now := time.Date(2026, 5, 6, 7, 0, 0, 0, time.UTC)
	logs := &bytes.Buffer{}
	var events []audit.Event
	s := params.New(params.Config{Store: db, Account: acct, Region: region, Now: func() time.Time { return now },
		Logger: slog.New(slog.NewTextHandler(logs, nil)),
		Audit:  func(_ context.Context, ev audit.Event) error { events = append(events, ev); return nil }})
	ctx := iam.WithCaller(context.Background(), &iam.Caller{Principal: iam.Principal{ARN: alice, Account: acct}})
	put := func(in *ssm.PutParameterInput) {
		t.Helper()
		if _, err := s.PutParameter(ctx, in); err != nil {
			t.Fatalf("PutParameter(%s): %v", in.Name, err)
		}
	}
	exists := func(name string) bool {
		t.Helper()
		_, err := s.GetParameter(ctx, &ssm.GetParameterInput{Name: name})
		if err != nil && !strings.Contains(err.Error(), "ParameterNotFound") {
			t.Fatalf("GetParameter(%s): %v", name, err)
		}
		return err == nil
	}
	expire := func(want ...string) {
		t.Helper()
		got, err := s.ExpireDue(ctx)
		if err != nil || !slices.Equal(got, want) {
			t.Fatalf("ExpireDue at %v = %v, %v; want %v", now, got, err, want)
		}
	}

	hour := now.Add(time.Hour)
	put(&ssm.PutParameterInput{Name: "/lab/token", Value: "t1", Type: params.TypeString, Tier: params.TierAdvanced, Policies: expiresAt(hour)})
	put(&ssm.PutParameterInput{Name: "/lab/token", Value: "t2", Overwrite: aws.Bool(true)}) // keeps the policies
	if _, err := s.LabelParameterVersion(ctx, &ssm.LabelParameterVersionInput{Name: "/lab/token", ParameterVersion: aws.Int64(1), Labels: []string{"first"}}); err != nil {
		t.Fatal(err)
	}
	put(&ssm.PutParameterInput{Name: "/lab/later", Value: "v", Type: params.TypeString, Tier: params.TierAdvanced, Policies: expiresAt(hour)})
	put(&ssm.PutParameterInput{Name: "/lab/later", Value: "v2", Overwrite: aws.Bool(true), Policies: expiresAt(now.Add(2 * time.Hour))})
	put(&ssm.PutParameterInput{Name: "root", Value: "v", Type: params.TypeString, Tier: params.TierAdvanced, Policies: expiresAt(hour)})
	// AWS's own example form: an offset with seconds.
	offset := hour.In(time.FixedZone("", 10*3600+30*60)).Format("2006-01-02T15:04:05.00-07:00:00")
	put(&ssm.PutParameterInput{Name: "/lab/offset", Value: "v", Type: params.TypeString, Tier: params.TierAdvanced,
		Policies: `[{"Type":"Expiration","Version":"1.0","Attributes":{"Timestamp":"` + offset + `"}}]`})
	put(&ssm.PutParameterInput{Name: "/lab/kept", Value: "v", Type: params.TypeString})
	put(&ssm.PutParameterInput{Name: "/lab/dropped", Value: "v", Type: params.TypeString, Tier: params.TierAdvanced, Policies: expiresAt(hour)})
	put(&ssm.PutParameterInput{Name: "/lab/dropped", Value: "v2", Overwrite: aws.Bool(true),
		Policies: `[{"Type":"NoChangeNotification","Version":"1.0","Attributes":{"After":"2","Unit":"Days"}}]`})

	expire() // nothing due yet
	now = hour.Add(-time.Millisecond)
	expire()
	now = hour
	expire("/lab/offset", "/lab/token", "root")
	for name, want := range map[string]bool{"/lab/token": false, "root": false, "/lab/offset": false, "/lab/later": true, "/lab/kept": true, "/lab/dropped": true} {
		if got := exists(name); got != want {
			t.Errorf("after the first hour, %s exists = %v, want %v", name, got, want)
		}
	}
	if !strings.Contains(logs.String(), "name=/lab/token") {
		t.Errorf("no log of /lab/token's expiry in:\n%s", logs)
	}
	expire() // each once
	// Each deletion is in the audit trail as the service's own.
	if len(events) != 3 {
		t.Fatalf("audit events = %+v, want three DeleteParameter", events)
	}
	for i, name := range []string{"/lab/offset", "/lab/token", "root"} {
		ev := events[i]
		if ev.Name != "DeleteParameter" || ev.Source != "ssm.amazonaws.com" || ev.PrincipalType != audit.PrincipalService ||
			len(ev.Resources) != 1 || ev.Resources[0].ARN != s.ARN(name) || ev.Resources[0].Type != "AWS::SSM::Parameter" || !ev.Time.Equal(hour) {
			t.Errorf("audit event %d = %+v, want the service's DeleteParameter of %s at %v", i, ev, name, hour)
		}
	}

	// A parameter made again under the name starts afresh: no versions,
	// no labels, no expiration from the one that expired.
	put(&ssm.PutParameterInput{Name: "/lab/token", Value: "new", Type: params.TypeString})
	hist, err := s.GetParameterHistory(ctx, &ssm.GetParameterHistoryInput{Name: "/lab/token"})
	if err != nil || len(hist.Parameters) != 1 || *hist.Parameters[0].Version != 1 || len(hist.Parameters[0].Labels) != 0 {
		t.Errorf("history of /lab/token made again = %+v, %v; want one version without labels", hist, err)
	}

	now = now.Add(24 * time.Hour)
	expire("/lab/later")
	if !exists("/lab/token") || !exists("/lab/kept") || !exists("/lab/dropped") {
		t.Error("a parameter without an Expiration policy was deleted")
	}
}
