// Copyright 2026 The kanri Authors
// SPDX-License-Identifier: Apache-2.0

package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudtrail"
	cttypes "github.com/aws/aws-sdk-go-v2/service/cloudtrail/types"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/nats-io/nkeys"

	"github.com/kanri-dev/kanri/internal/agent"
	"github.com/kanri-dev/kanri/internal/agentproto"
	"github.com/kanri-dev/kanri/internal/kanritest"
	"github.com/kanri-dev/kanri/internal/store/storetest"
)

// engines runs a test on SQLite and on PostgreSQL.
func engines(t *testing.T, run func(t *testing.T, opts kanritest.Options)) {
	t.Run("SQLite", func(t *testing.T) { run(t, kanritest.Options{}) })
	t.Run("PostgreSQL", func(t *testing.T) {
		run(t, kanritest.Options{DatabaseURL: storetest.Postgres(t).URL})
	})
}

// register posts a registration with a fresh key.
func register(t *testing.T, endpoint, id, code string) (int, agentproto.Error) {
	kp, err := nkeys.CreateUser()
	if err != nil {
		t.Error(err)
		return 0, agentproto.Error{}
	}
	pub, _ := kp.PublicKey()
	body, _ := json.Marshal(agentproto.RegisterRequest{ActivationID: id, ActivationCode: code, PublicKey: pub,
		Facts: agentproto.Facts{ComputerName: "host", PlatformType: "Linux"}})
	resp, err := http.Post(endpoint+agentproto.PathRegister, "application/json", bytes.NewReader(body))
	if err != nil {
		t.Error(err)
		return 0, agentproto.Error{}
	}
	defer resp.Body.Close()
	var e agentproto.Error
	if resp.StatusCode != 200 {
		json.NewDecoder(resp.Body).Decode(&e)
	}
	io.Copy(io.Discard, resp.Body)
	return resp.StatusCode, e
}

// TestRegistrationLimitUnderLoad: 1,000 concurrent registrations through
// HTTP against an activation with limit 500 make exactly 500 instances;
// the rest get a clear error.
func TestRegistrationLimitUnderLoad(t *testing.T) {
	engines(t, func(t *testing.T, opts kanritest.Options) {
		k := kanritest.Start(t, opts)
		client := ssm.NewFromConfig(k.Config())
		act, err := client.CreateActivation(context.Background(), &ssm.CreateActivationInput{
			IamRole: aws.String("kanri-dev-instance"), RegistrationLimit: aws.Int32(500)})
		if err != nil {
			t.Fatal(err)
		}
		var mu sync.Mutex
		statuses := map[int]int{}
		codes := map[string]int{}
		var wg sync.WaitGroup
		sem := make(chan struct{}, 100)
		for i := 0; i < 1000; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				sem <- struct{}{}
				defer func() { <-sem }()
				st, e := register(t, k.Endpoint, aws.ToString(act.ActivationId), aws.ToString(act.ActivationCode))
				mu.Lock()
				statuses[st]++
				if e.Code != "" {
					codes[e.Code+": "+strings.SplitN(e.Message, " has ", 2)[1]]++
				}
				mu.Unlock()
			}()
		}
		wg.Wait()
		if statuses[200] != 500 || statuses[400] != 500 || len(codes) != 1 || codes["InvalidActivation: reached its registration limit of 500."] != 500 {
			t.Errorf("statuses %v, errors %v; want 500 × 200 and 500 × InvalidActivation (limit)", statuses, codes)
		}
		desc, err := client.DescribeActivations(context.Background(), &ssm.DescribeActivationsInput{})
		if err != nil {
			t.Fatal(err)
		}
		if n := aws.ToInt32(desc.ActivationList[0].RegistrationsCount); n != 500 {
			t.Errorf("RegistrationsCount = %d, want 500", n)
		}
		n := 0
		p := ssm.NewDescribeInstanceInformationPaginator(client, &ssm.DescribeInstanceInformationInput{MaxResults: aws.Int32(50)})
		for p.HasMorePages() {
			page, err := p.NextPage(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			n += len(page.InstanceInformationList)
		}
		if n != 500 {
			t.Errorf("%d instances, want 500", n)
		}
	})
}

// TestVendingMakesOneActivation: when the vended activation is exhausted,
// 200 concurrent requests make exactly one new activation.
func TestVendingMakesOneActivation(t *testing.T) {
	engines(t, func(t *testing.T, opts kanritest.Options) {
		k := kanritest.Start(t, opts)
		vend := func() (agentproto.VendResponse, int) {
			resp, err := http.Get(k.Endpoint + agentproto.PathVend)
			if err != nil {
				t.Error(err)
				return agentproto.VendResponse{}, 0
			}
			defer resp.Body.Close()
			var v agentproto.VendResponse
			json.NewDecoder(resp.Body).Decode(&v)
			return v, resp.StatusCode
		}
		first, st := vend()
		if st != 200 || first.ActivationID == "" || len(first.ActivationCode) != 20 || first.Region != "us-east-1" {
			t.Fatalf("vend = %d %+v", st, first)
		}
		if again, _ := vend(); again != first {
			t.Errorf("a second vend = %+v, want the same activation %+v while it is usable", again, first)
		}
		// Exhaust it (kanri dev's template allows 10 registrations).
		for i := 0; i < 10; i++ {
			if st, e := register(t, k.Endpoint, first.ActivationID, first.ActivationCode); st != 200 {
				t.Fatalf("registration %d: %d %+v", i, st, e)
			}
		}
		var wg sync.WaitGroup
		var mu sync.Mutex
		got := map[string]int{}
		for i := 0; i < 200; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				v, st := vend()
				mu.Lock()
				got[v.ActivationID]++
				if st != 200 {
					got["status"]++
				}
				mu.Unlock()
			}()
		}
		wg.Wait()
		if len(got) != 1 || got[first.ActivationID] != 0 {
			t.Fatalf("200 vends after exhaustion returned %v, want one new activation for all", got)
		}
		out, err := ssm.NewFromConfig(k.Config()).DescribeActivations(context.Background(), &ssm.DescribeActivationsInput{})
		if err != nil {
			t.Fatal(err)
		}
		if len(out.ActivationList) != 2 {
			t.Errorf("%d activations exist, want 2 (the exhausted one and exactly one new)", len(out.ActivationList))
		}
	})
}

// TestVendingPolicy: a request from a network the endpoint's policy does
// not allow gets 403, and is audited as denied.
func TestVendingPolicy(t *testing.T) {
	k := kanritest.Start(t, kanritest.Options{VendAllow: []string{"10.0.0.0/8"}})
	resp, err := http.Get(k.Endpoint + agentproto.PathVend)
	if err != nil {
		t.Fatal(err)
	}
	var e agentproto.Error
	json.NewDecoder(resp.Body).Decode(&e)
	resp.Body.Close()
	if resp.StatusCode != 403 || e.Code != "AccessDenied" {
		t.Fatalf("vend from 127.0.0.1 with only 10.0.0.0/8 allowed = %d %+v, want 403 AccessDenied", resp.StatusCode, e)
	}
	out, err := cloudtrail.NewFromConfig(k.Config()).LookupEvents(context.Background(), &cloudtrail.LookupEventsInput{LookupAttributes: []cttypes.LookupAttribute{
		{AttributeKey: cttypes.LookupAttributeKeyEventName, AttributeValue: aws.String("VendActivation")}}})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Events) != 1 || !strings.Contains(aws.ToString(out.Events[0].CloudTrailEvent), `"errorCode":"AccessDenied"`) ||
		!strings.Contains(aws.ToString(out.Events[0].CloudTrailEvent), `"outcome":"Denied"`) {
		t.Errorf("VendActivation events = %+v, want one denied", out.Events)
	}
	acts, err := ssm.NewFromConfig(k.Config()).DescribeActivations(context.Background(), &ssm.DescribeActivationsInput{})
	if err != nil || len(acts.ActivationList) != 0 {
		t.Errorf("activations after a refused vend: %v, %v; want none", acts, err)
	}
}

// TestAgentRoleCredentials: a registered agent gets temporary credentials
// of its activation's role and acts as that role, as the instance.
func TestAgentRoleCredentials(t *testing.T) {
	k := kanritest.Start(t, kanritest.Options{})
	client := ssm.NewFromConfig(k.Config())
	act, err := client.CreateActivation(context.Background(), &ssm.CreateActivationInput{IamRole: aws.String("kanri-dev-instance")})
	if err != nil {
		t.Fatal(err)
	}
	a := agent.New(agent.Config{StateDir: t.TempDir()})
	defer a.Close()
	st, err := a.Register(context.Background(), agent.RegisterOptions{URL: k.Endpoint, ActivationID: aws.ToString(act.ActivationId),
		ActivationCode: aws.ToString(act.ActivationCode), Name: "creds"})
	if err != nil {
		t.Fatal(err)
	}
	creds, err := a.Credentials().Retrieve(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(creds.AccessKeyID, "ASIA") || creds.SessionToken == "" || !creds.CanExpire || time.Until(creds.Expires) < 50*time.Minute {
		t.Errorf("agent credentials = %s, expires %v", creds.AccessKeyID, creds.Expires)
	}
	id, err := sts.NewFromConfig(k.ConfigFor(creds.AccessKeyID, creds.SecretAccessKey, creds.SessionToken)).GetCallerIdentity(context.Background(), &sts.GetCallerIdentityInput{})
	if err != nil {
		t.Fatal(err)
	}
	if want := "arn:aws:sts::" + k.Server.Account() + ":assumed-role/kanri-dev-instance/" + st.InstanceID; aws.ToString(id.Arn) != want {
		t.Errorf("the instance acts as %s, want %s", aws.ToString(id.Arn), want)
	}
	// The role allows what an instance needs, and nothing more.
	roleClient := ssm.NewFromConfig(k.ConfigFor(creds.AccessKeyID, creds.SecretAccessKey, creds.SessionToken))
	if _, err := roleClient.DescribeActivations(context.Background(), &ssm.DescribeActivationsInput{}); err == nil || !strings.Contains(err.Error(), "AccessDenied") {
		t.Errorf("the instance role may DescribeActivations: %v; want AccessDenied", err)
	}
	// Deregistered: no more credentials.
	if _, err := client.DeregisterManagedInstance(context.Background(), &ssm.DeregisterManagedInstanceInput{InstanceId: aws.String(st.InstanceID)}); err != nil {
		t.Fatal(err)
	}
	a2 := agent.New(agent.Config{StateDir: a.StateDir()})
	defer a2.Close()
	if _, err := a2.Credentials().Retrieve(context.Background()); !errors.Is(err, agent.ErrDeregistered) {
		t.Errorf("credentials after deregistration: %v, want ErrDeregistered", err)
	}
}
