// Copyright 2026 The kanri Authors
// SPDX-License-Identifier: Apache-2.0

package storetest

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/kanri-dev/kanri/internal/awserr"
	"github.com/kanri-dev/kanri/internal/fleet"
	"github.com/kanri-dev/kanri/internal/store"
)

// testFleet runs the fleet store tests, each on a fresh database.
func testFleet(t *testing.T, fresh func(t testing.TB) store.Config) {
	tests := []struct {
		name string
		fn   func(t *testing.T, db *store.DB)
	}{
		{"Activations", testFleetActivations},
		{"Register", testFleetRegister},
		{"RegisterConcurrent", testFleetRegisterConcurrent},
		{"ListInstances", testFleetListInstances},
		{"ManyInstances", testFleetManyInstances},
		{"InstanceUpdates", testFleetInstanceUpdates},
		{"Deregister", testFleetDeregister},
		{"Vending", testFleetVending},
		{"VendingConcurrent", testFleetVendingConcurrent},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { tt.fn(t, Open(t, fresh(t))) })
	}
}

// regTime is when the tests' instances register; their activations
// expire later that day.
var regTime = at(2, 0, 0, 0)

// newActivation returns an activation of acct allowing limit
// registrations until 23:00, its code hash derived from its ID.
func newActivation(id string, limit int, created time.Time) *fleet.Activation {
	return &fleet.Activation{
		ID: id, Account: acct, Description: "for " + id, DefaultInstanceName: "server", IAMRole: "SSMServiceRole",
		RegistrationLimit: limit, Expiration: at(23, 0, 0, 0), CreateDate: created, CodeHash: "hash-" + id,
	}
}

// newInstance returns instance number n of the activation a, registered
// and last pinged at regTime.
func newInstance(n int, a *fleet.Activation) *fleet.Instance {
	return &fleet.Instance{
		ID: instanceID(n), Account: a.Account, Name: a.DefaultInstanceName, ActivationID: a.ID, IAMRole: a.IAMRole,
		PublicKey: fmt.Sprintf("UKEY%052d", n), RegisteredAt: regTime, LastPing: regTime, AgentVersion: "3.3.0",
		PlatformType: "Linux", PlatformName: "Ubuntu", PlatformVersion: "24.04", Architecture: "x86_64",
		IPAddress: "10.0.0.1", ComputerName: "host" + strconv.Itoa(n),
	}
}

// instanceID returns the ID of instance number n.
func instanceID(n int) fleet.InstanceID { return fleet.InstanceID(fmt.Sprintf("mi-%017x", n)) }

func instanceIDOf(in *fleet.Instance) string  { return string(in.ID) }
func activationID(a *fleet.Activation) string { return a.ID }

// register registers the instances with a's code at regTime.
func register(t testing.TB, db *store.DB, a *fleet.Activation, ins ...*fleet.Instance) {
	t.Helper()
	for _, in := range ins {
		if err := db.RegisterInstance(context.Background(), in, a.CodeHash, regTime); err != nil {
			t.Fatalf("RegisterInstance(%s): %v", in.ID, err)
		}
	}
}

// registerMany registers n instances numbered from first with a, several
// at a time, each tagged n=<its number>.
func registerMany(t testing.TB, db *store.DB, a *fleet.Activation, first, n int) []*fleet.Instance {
	t.Helper()
	ins := make([]*fleet.Instance, n)
	for i := range ins {
		ins[i] = newInstance(first+i, a)
		ins[i].Tags = map[string]string{"n": strconv.Itoa(first + i)}
	}
	errs := make([]error, n)
	var wg sync.WaitGroup
	const workers = 16
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; i < n; i += workers {
				errs[i] = db.RegisterInstance(context.Background(), ins[i], a.CodeHash, regTime)
			}
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("RegisterInstance(%s): %v", ins[i].ID, err)
		}
	}
	return ins
}

// registrations returns how many registrations the activation id counts.
func registrations(t testing.TB, db *store.DB, id string) int {
	t.Helper()
	a, err := db.GetActivation(context.Background(), id)
	must(t, err)
	return a.RegistrationsCount
}

func testFleetActivations(t *testing.T, db *store.DB) {
	ctx := context.Background()
	// Created in this order; act-c and act-d at the same millisecond.
	acts := []*fleet.Activation{
		newActivation("act-z", 10, at(1, 0, 0, 1)),
		newActivation("act-b", 1, at(1, 0, 0, 2)),
		newActivation("act-d", 5, at(1, 0, 0, 3)),
		newActivation("act-c", 5, at(1, 0, 0, 3)),
	}
	acts[0].Tags = map[string]string{"env": "prod", "team": "ops", "empty": ""}
	acts[1].RegistrationsCount = 1
	acts[1].DefaultInstanceName, acts[1].IAMRole = "", "service-role/SSM"
	elsewhere := newActivation("act-other", 1, at(1, 0, 0, 4))
	elsewhere.Account = other
	for _, a := range append(acts, elsewhere) {
		must(t, db.CreateActivation(ctx, a))
	}
	dup := newActivation("act-b", 3, at(1, 0, 0, 9))
	wantKind(t, "CreateActivation(act-b again)", db.CreateActivation(ctx, dup), awserr.Exists)

	for _, want := range acts {
		got, err := db.GetActivation(ctx, want.ID)
		must(t, err)
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("GetActivation(%s) mismatch (-want +got):\n%s", want.ID, diff)
		}
	}
	_, err := db.GetActivation(ctx, "act-nope")
	wantKind(t, "GetActivation(act-nope)", err, awserr.NotFound)

	all, err := db.ListActivations(ctx, acct, "", 0)
	must(t, err)
	newestFirst := []*fleet.Activation{acts[2], acts[3], acts[1], acts[0]} // d, c, b, z
	if diff := cmp.Diff(newestFirst, all); diff != "" {
		t.Errorf("ListActivations(all) mismatch (-want +got):\n%s", diff)
	}
	lists := []struct {
		account, after string
		limit          int
		want           []string
	}{
		{acct, "", 2, []string{"act-d", "act-c"}},
		{acct, "act-d", 1, []string{"act-c"}},
		{acct, "act-c", 0, []string{"act-b", "act-z"}},
		{acct, "act-b", 5, []string{"act-z"}},
		{acct, "act-z", 0, nil},
		{other, "", 0, []string{"act-other"}},
		{"999999999999", "", 0, nil},
	}
	for _, tt := range lists {
		got, err := db.ListActivations(ctx, tt.account, tt.after, tt.limit)
		must(t, err)
		if diff := cmp.Diff(tt.want, names(got, activationID)); diff != "" {
			t.Errorf("ListActivations(%s, %q, %d) mismatch (-want +got):\n%s", tt.account, tt.after, tt.limit, diff)
		}
	}
	for _, after := range []string{"act-nope", "act-other"} {
		_, err := db.ListActivations(ctx, acct, after, 0)
		wantKind(t, "ListActivations(after "+after+")", err, awserr.Invalid)
	}

	must(t, db.DeleteActivation(ctx, "act-c"))
	_, err = db.GetActivation(ctx, "act-c")
	wantKind(t, "GetActivation(deleted)", err, awserr.NotFound)
	wantKind(t, "DeleteActivation(deleted)", db.DeleteActivation(ctx, "act-c"), awserr.NotFound)
	all, err = db.ListActivations(ctx, acct, "", 0)
	must(t, err)
	if diff := cmp.Diff([]string{"act-d", "act-b", "act-z"}, names(all, activationID)); diff != "" {
		t.Errorf("ListActivations after delete mismatch (-want +got):\n%s", diff)
	}
}

func testFleetRegister(t *testing.T, db *store.DB) {
	ctx := context.Background()
	act := newActivation("act-1", 2, at(1, 0, 0, 0))
	old := newActivation("act-old", 5, at(1, 0, 0, 0))
	old.Expiration = at(1, 30, 0, 0)
	atLimit := newActivation("act-full", 1, at(1, 0, 0, 0))
	atLimit.RegistrationsCount = 1
	for _, a := range []*fleet.Activation{act, old, atLimit} {
		must(t, db.CreateActivation(ctx, a))
	}

	first := newInstance(1, act)
	first.Tags = map[string]string{"env": "prod", "Name": "web-1", "blank": ""}
	first.LastPing = at(2, 0, 0, 999)
	register(t, db, act, first)
	for _, get := range []struct {
		call string
		fn   func() (*fleet.Instance, error)
	}{
		{"GetInstance", func() (*fleet.Instance, error) { return db.GetInstance(ctx, first.ID) }},
		{"GetInstanceByKey", func() (*fleet.Instance, error) { return db.GetInstanceByKey(ctx, first.PublicKey) }},
	} {
		got, err := get.fn()
		must(t, err)
		if diff := cmp.Diff(first, got); diff != "" {
			t.Errorf("%s after RegisterInstance mismatch (-want +got):\n%s", get.call, diff)
		}
	}
	if n := registrations(t, db, act.ID); n != 1 {
		t.Errorf("RegistrationsCount after one registration = %d, want 1", n)
	}

	sameKey := newInstance(2, act)
	sameKey.PublicKey = first.PublicKey
	sameID := newInstance(3, act)
	sameID.ID = first.ID
	refused := []struct {
		name       string
		inst       *fleet.Instance
		activation string
		hash       string
		now        time.Time
		kind       awserr.Kind
	}{
		{"missing activation", newInstance(4, act), "act-nope", act.CodeHash, regTime, awserr.NotFound},
		{"wrong code", newInstance(4, act), act.ID, "hash-act-2", regTime, awserr.Invalid},
		{"no code", newInstance(4, act), act.ID, "", regTime, awserr.Invalid},
		{"other activation's code", newInstance(4, act), act.ID, old.CodeHash, regTime, awserr.Invalid},
		{"expired", newInstance(4, old), old.ID, old.CodeHash, regTime, awserr.Conflict},
		{"expiring now", newInstance(4, old), old.ID, old.CodeHash, old.Expiration, awserr.Conflict},
		{"limit reached", newInstance(4, atLimit), atLimit.ID, atLimit.CodeHash, regTime, awserr.LimitExceeded},
		{"agent key in use", sameKey, act.ID, act.CodeHash, regTime, awserr.Exists},
		{"instance ID in use", sameID, act.ID, act.CodeHash, regTime, awserr.Exists},
	}
	for _, tt := range refused {
		tt.inst.ActivationID = tt.activation
		err := db.RegisterInstance(ctx, tt.inst, tt.hash, tt.now)
		wantKind(t, "RegisterInstance("+tt.name+")", err, tt.kind)
	}
	// Refused registrations count nothing, even those refused after the
	// count was taken.
	for id, want := range map[string]int{act.ID: 1, old.ID: 0, atLimit.ID: 1} {
		if n := registrations(t, db, id); n != want {
			t.Errorf("RegistrationsCount(%s) after refused registrations = %d, want %d", id, n, want)
		}
	}
	_, err := db.GetInstance(ctx, instanceID(4))
	wantKind(t, "GetInstance(refused)", err, awserr.NotFound)
	if got, err := db.GetInstance(ctx, first.ID); err != nil || got.PublicKey != first.PublicKey || got.ComputerName != first.ComputerName {
		t.Errorf("GetInstance(%s) after refused duplicates = %+v, %v; want it unchanged", first.ID, got, err)
	}

	// Just before expiry is in time; then the limit holds.
	second := newInstance(5, old)
	must(t, db.RegisterInstance(ctx, second, old.CodeHash, old.Expiration.Add(-time.Millisecond)))
	if got, err := db.GetInstance(ctx, second.ID); err != nil || got.Tags != nil {
		t.Errorf("GetInstance(no tags) = %+v, %v; want nil Tags", got, err)
	}
	register(t, db, act, newInstance(6, act))
	wantKind(t, "RegisterInstance(over the limit)", db.RegisterInstance(ctx, newInstance(7, act), act.CodeHash, regTime), awserr.LimitExceeded)
	if n := registrations(t, db, act.ID); n != 2 {
		t.Errorf("RegistrationsCount at the limit = %d, want 2", n)
	}

	_, err = db.GetInstance(ctx, "mi-nope")
	wantKind(t, "GetInstance(missing)", err, awserr.NotFound)
	_, err = db.GetInstanceByKey(ctx, "UNOPE")
	wantKind(t, "GetInstanceByKey(missing)", err, awserr.NotFound)
}

// testFleetRegisterConcurrent races 1,000 registrations against a limit
// of 500 on one shared DB, as a server does.
func testFleetRegisterConcurrent(t *testing.T, db *store.DB) {
	ctx := context.Background()
	const limit, callers = 500, 1000
	act := newActivation("act-race", limit, at(1, 0, 0, 0))
	must(t, db.CreateActivation(ctx, act))
	errs := make([]error, callers)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range callers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			in := newInstance(i, act)
			<-start
			errs[i] = db.RegisterInstance(ctx, in, act.CodeHash, regTime)
		}()
	}
	began := time.Now()
	close(start)
	wg.Wait()
	t.Logf("%d concurrent registrations against a limit of %d on %s: %v", callers, limit, db.Engine(), time.Since(began))

	won, refused := 0, 0
	for i, err := range errs {
		switch {
		case err == nil:
			won++
		case errors.Is(err, awserr.LimitExceeded):
			refused++
		default:
			t.Errorf("RegisterInstance(%s) error = %v, want nil or LimitExceeded", instanceID(i), err)
		}
	}
	if won != limit || refused != callers-limit {
		t.Errorf("concurrent RegisterInstance: %d succeeded, %d LimitExceeded; want %d and %d", won, refused, limit, callers-limit)
	}
	if n := registrations(t, db, act.ID); n != limit {
		t.Errorf("RegistrationsCount after the race = %d, want %d", n, limit)
	}
	f := fleet.InstanceFilter{ActivationIDs: []string{act.ID}}
	if n, err := db.CountInstances(ctx, acct, f); err != nil || n != limit {
		t.Errorf("CountInstances(activation) after the race = %d, %v; want %d", n, err, limit)
	}
	ins, err := db.ListInstances(ctx, acct, f)
	must(t, err)
	for _, in := range ins {
		var i int
		fmt.Sscanf(string(in.ID), "mi-%x", &i)
		if errs[i] != nil {
			t.Errorf("instance %s is stored, but its registration failed: %v", in.ID, errs[i])
		}
	}
}

func testFleetListInstances(t *testing.T, db *store.DB) {
	ctx := context.Background()
	a := newActivation("act-a", 10, at(1, 0, 0, 0))
	b := newActivation("act-b", 10, at(1, 0, 0, 0))
	b.IAMRole = "OtherRole"
	o := newActivation("act-o", 10, at(1, 0, 0, 0))
	o.Account = other
	for _, act := range []*fleet.Activation{a, b, o} {
		must(t, db.CreateActivation(ctx, act))
	}
	set := func(in *fleet.Instance, platform, version string, ping time.Time, tags map[string]string) *fleet.Instance {
		in.PlatformType, in.AgentVersion, in.LastPing, in.Tags = platform, version, ping, tags
		return in
	}
	ins := []*fleet.Instance{
		set(newInstance(1, a), "Linux", "3.0", at(10, 0, 0, 0), map[string]string{"env": "prod", "team": "web"}),
		set(newInstance(2, a), "Windows", "3.1", at(9, 0, 0, 0), map[string]string{"env": "dev"}),
		set(newInstance(3, b), "Linux", "3.1", at(10, 0, 0, 500), nil),
		set(newInstance(4, b), "MacOS", "3.0", at(8, 0, 0, 0), map[string]string{"team": "ops", "env": ""}),
		set(newInstance(5, a), "Linux", "3.0", time.Time{}, map[string]string{"team": "web"}), // never pinged
	}
	// Registered out of ID order.
	register(t, db, a, ins[4], ins[0], ins[1])
	register(t, db, b, ins[3], ins[2])
	register(t, db, o, set(newInstance(6, o), "Linux", "3.0", at(10, 0, 0, 0), map[string]string{"env": "prod"}))

	all, err := db.ListInstances(ctx, acct, fleet.InstanceFilter{})
	must(t, err)
	if diff := cmp.Diff(ins, all); diff != "" {
		t.Errorf("ListInstances(all) mismatch (-want +got):\n%s", diff)
	}
	ids := func(ns ...int) []string {
		var out []string
		for _, n := range ns {
			out = append(out, string(instanceID(n)))
		}
		return out
	}
	online := at(9, 30, 0, 0)
	tests := []struct {
		name    string
		account string
		f       fleet.InstanceFilter
		want    []string
	}{
		{"all", acct, fleet.InstanceFilter{}, ids(1, 2, 3, 4, 5)},
		{"other account", other, fleet.InstanceFilter{}, ids(6)},
		{"other account's ID", acct, fleet.InstanceFilter{IDs: []fleet.InstanceID{instanceID(6)}}, nil},
		{"IDs", acct, fleet.InstanceFilter{IDs: []fleet.InstanceID{instanceID(3), instanceID(1), "mi-nope"}}, ids(1, 3)},
		{"empty IDs", acct, fleet.InstanceFilter{IDs: []fleet.InstanceID{}}, ids(1, 2, 3, 4, 5)},
		{"activation", acct, fleet.InstanceFilter{ActivationIDs: []string{b.ID}}, ids(3, 4)},
		{"role", acct, fleet.InstanceFilter{IAMRoles: []string{a.IAMRole, "NoRole"}}, ids(1, 2, 5)},
		{"platforms", acct, fleet.InstanceFilter{PlatformTypes: []string{"Linux", "MacOS"}}, ids(1, 3, 4, 5)},
		{"agent version", acct, fleet.InstanceFilter{AgentVersions: []string{"3.1"}}, ids(2, 3)},
		{"online", acct, fleet.InstanceFilter{PingOnline: true, OnlineSince: online}, ids(1, 3)},
		{"online since a ping", acct, fleet.InstanceFilter{PingOnline: true, OnlineSince: at(10, 0, 0, 0)}, ids(1, 3)},
		{"online after a ping", acct, fleet.InstanceFilter{PingOnline: true, OnlineSince: at(10, 0, 0, 1)}, ids(3)},
		{"lost", acct, fleet.InstanceFilter{PingLost: true, OnlineSince: online}, ids(2, 4, 5)},
		{"online or lost", acct, fleet.InstanceFilter{PingOnline: true, PingLost: true, OnlineSince: online}, ids(1, 2, 3, 4, 5)},
		{"tag key", acct, fleet.InstanceFilter{Tags: []fleet.TagFilter{{Key: "env"}}}, ids(1, 2, 4)},
		{"tag values", acct, fleet.InstanceFilter{Tags: []fleet.TagFilter{{Key: "env", Values: []string{"prod", "dev"}}}}, ids(1, 2)},
		{"empty tag value", acct, fleet.InstanceFilter{Tags: []fleet.TagFilter{{Key: "env", Values: []string{""}}}}, ids(4)},
		{"tag key case", acct, fleet.InstanceFilter{Tags: []fleet.TagFilter{{Key: "ENV"}}}, nil},
		{"two tags", acct, fleet.InstanceFilter{Tags: []fleet.TagFilter{{Key: "env", Values: []string{"prod", "dev"}}, {Key: "team", Values: []string{"web"}}}}, ids(1)},
		{"tag and key", acct, fleet.InstanceFilter{Tags: []fleet.TagFilter{{Key: "team", Values: []string{"web", "ops"}}, {Key: "env"}}}, ids(1, 4)},
		{"combined", acct, fleet.InstanceFilter{IAMRoles: []string{a.IAMRole}, PlatformTypes: []string{"Linux"}, PingLost: true, OnlineSince: online}, ids(5)},
		{"nothing", acct, fleet.InstanceFilter{PlatformTypes: []string{"Solaris"}}, nil},
	}
	for _, tt := range tests {
		got, err := db.ListInstances(ctx, tt.account, tt.f)
		must(t, err)
		if diff := cmp.Diff(tt.want, names(got, instanceIDOf)); diff != "" {
			t.Errorf("ListInstances(%s) mismatch (-want +got):\n%s", tt.name, diff)
		}
		n, err := db.CountInstances(ctx, tt.account, tt.f)
		if err != nil || n != len(tt.want) {
			t.Errorf("CountInstances(%s) = %d, %v; want %d", tt.name, n, err, len(tt.want))
		}
	}

	pages := []struct {
		f    fleet.InstanceFilter
		want []string
	}{
		{fleet.InstanceFilter{Limit: 1}, ids(1)},
		{fleet.InstanceFilter{After: instanceID(2)}, ids(3, 4, 5)},
		{fleet.InstanceFilter{After: instanceID(2), Limit: 2}, ids(3, 4)},
		{fleet.InstanceFilter{After: instanceID(5)}, nil},
		{fleet.InstanceFilter{After: "mi-0", Limit: 10}, ids(1, 2, 3, 4, 5)},
		{fleet.InstanceFilter{After: instanceID(1), Limit: 2, PlatformTypes: []string{"Linux"}}, ids(3, 5)},
	}
	for _, tt := range pages {
		got, err := db.ListInstances(ctx, acct, tt.f)
		must(t, err)
		if diff := cmp.Diff(tt.want, names(got, instanceIDOf)); diff != "" {
			t.Errorf("ListInstances(After %q, Limit %d) mismatch (-want +got):\n%s", tt.f.After, tt.f.Limit, diff)
		}
	}
	// A count ignores paging.
	if n, err := db.CountInstances(ctx, acct, fleet.InstanceFilter{After: instanceID(2), Limit: 1}); err != nil || n != 5 {
		t.Errorf("CountInstances(After, Limit) = %d, %v; want 5", n, err)
	}
	page, err := db.ListInstances(ctx, acct, fleet.InstanceFilter{After: instanceID(3), Limit: 1})
	must(t, err)
	if diff := cmp.Diff(ins[3:4], page); diff != "" {
		t.Errorf("ListInstances(one page) with tags mismatch (-want +got):\n%s", diff)
	}
}

// testFleetManyInstances lists, counts and touches thousands of instances
// at once: more than one batch of every batched statement.
func testFleetManyInstances(t *testing.T, db *store.DB) {
	ctx := context.Background()
	const registered, asked = 1200, 5000
	act := newActivation("act-many", registered, at(1, 0, 0, 0))
	must(t, db.CreateActivation(ctx, act))
	registerMany(t, db, act, 0, registered)

	// Every fourth ID asked for is registered (in reverse), the rest not.
	var ids []fleet.InstanceID
	var want []string
	for i := range asked {
		if i%4 == 0 && i/4 < registered {
			ids = append(ids, instanceID(registered-1-i/4))
		} else {
			ids = append(ids, fleet.InstanceID(fmt.Sprintf("mi-f%016x", i)))
		}
	}
	for i := range registered {
		want = append(want, string(instanceID(i)))
	}
	f := fleet.InstanceFilter{IDs: ids}
	began := time.Now()
	got, err := db.ListInstances(ctx, acct, f)
	must(t, err)
	t.Logf("ListInstances(%d IDs) on %s: %d instances in %v", len(ids), db.Engine(), len(got), time.Since(began))
	if diff := cmp.Diff(want, names(got, instanceIDOf)); diff != "" {
		t.Errorf("ListInstances(%d IDs) mismatch (-want +got):\n%s", len(ids), diff)
	}
	for i, in := range got {
		if diff := cmp.Diff(map[string]string{"n": strconv.Itoa(i)}, in.Tags); diff != "" {
			t.Fatalf("ListInstances(%d IDs): %s tags mismatch (-want +got):\n%s", len(ids), in.ID, diff)
		}
	}
	if n, err := db.CountInstances(ctx, acct, f); err != nil || n != registered {
		t.Errorf("CountInstances(%d IDs) = %d, %v; want %d", len(ids), n, err, registered)
	}
	tooMany := make([]fleet.InstanceID, 40000)
	for i := range tooMany {
		tooMany[i] = instanceID(i)
	}
	_, err = db.ListInstances(ctx, acct, fleet.InstanceFilter{IDs: tooMany})
	wantKind(t, "ListInstances(40,000 IDs)", err, awserr.Invalid)
	_, err = db.CountInstances(ctx, acct, fleet.InstanceFilter{IDs: tooMany})
	wantKind(t, "CountInstances(40,000 IDs)", err, awserr.Invalid)

	// Pings of every ID asked for: even instances newer, odd ones older
	// than their last ping, which they keep.
	pings := map[fleet.InstanceID]time.Time{}
	for _, id := range ids {
		pings[id] = at(5, 0, 0, 0)
	}
	wantPing := map[fleet.InstanceID]time.Time{}
	for i := range registered {
		id := instanceID(i)
		if i%2 == 0 {
			pings[id], wantPing[id] = at(3, 0, 0, i%1000), at(3, 0, 0, i%1000)
		} else {
			pings[id], wantPing[id] = at(1, 0, 0, 0), regTime
		}
	}
	began = time.Now()
	must(t, db.TouchInstances(ctx, pings))
	t.Logf("TouchInstances(%d pings) on %s: %v", len(pings), db.Engine(), time.Since(began))
	got, err = db.ListInstances(ctx, acct, fleet.InstanceFilter{})
	must(t, err)
	gotPing := map[fleet.InstanceID]time.Time{}
	for _, in := range got {
		gotPing[in.ID] = in.LastPing
	}
	if diff := cmp.Diff(wantPing, gotPing); diff != "" {
		t.Errorf("LastPing after TouchInstances(%d pings) mismatch (-want +got):\n%s", len(pings), diff)
	}
}

func testFleetInstanceUpdates(t *testing.T, db *store.DB) {
	ctx := context.Background()
	act := newActivation("act-1", 10, at(1, 0, 0, 0))
	must(t, db.CreateActivation(ctx, act))
	one, two := newInstance(1, act), newInstance(2, act)
	one.Tags = map[string]string{"env": "prod", "team": "web"}
	two.Tags = map[string]string{"env": "dev"}
	register(t, db, act, one, two)
	get := func(id fleet.InstanceID) *fleet.Instance {
		t.Helper()
		in, err := db.GetInstance(ctx, id)
		must(t, err)
		return in
	}

	// Facts: only what the agent reports changes.
	facts := *one
	facts.AgentVersion, facts.PlatformType, facts.PlatformName, facts.PlatformVersion = "3.4.0", "Windows", "Windows Server", "2025"
	facts.Architecture, facts.IPAddress, facts.ComputerName = "arm64", "192.0.2.7", "WIN-1"
	reported := facts
	reported.Name, reported.IAMRole, reported.PublicKey, reported.Tags = "renamed", "OtherRole", "UOTHER", nil
	reported.LastPing, reported.RegisteredAt = at(20, 0, 0, 0), at(20, 0, 0, 0)
	must(t, db.UpdateInstanceFacts(ctx, &reported))
	if diff := cmp.Diff(&facts, get(one.ID)); diff != "" {
		t.Errorf("GetInstance after UpdateInstanceFacts mismatch (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(two, get(two.ID)); diff != "" {
		t.Errorf("GetInstance(other instance) after UpdateInstanceFacts mismatch (-want +got):\n%s", diff)
	}
	missing := newInstance(9, act)
	wantKind(t, "UpdateInstanceFacts(missing)", db.UpdateInstanceFacts(ctx, missing), awserr.NotFound)

	// Tags are replaced as a whole.
	tagSets := []map[string]string{
		{"env": "staging", "owner": "ann", "": "empty key"},
		nil,
		{"k": ""},
	}
	for _, tags := range tagSets {
		must(t, db.SetInstanceTags(ctx, one.ID, tags))
		if diff := cmp.Diff(tags, get(one.ID).Tags); diff != "" {
			t.Errorf("Tags after SetInstanceTags(%v) mismatch (-want +got):\n%s", tags, diff)
		}
	}
	if diff := cmp.Diff(two.Tags, get(two.ID).Tags); diff != "" {
		t.Errorf("Tags of the other instance after SetInstanceTags mismatch (-want +got):\n%s", diff)
	}
	wantKind(t, "SetInstanceTags(missing)", db.SetInstanceTags(ctx, missing.ID, map[string]string{"a": "b"}), awserr.NotFound)
	// Concurrent replacements: each succeeds and one of them is left.
	var wg sync.WaitGroup
	errs := make([]error, 20)
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = db.SetInstanceTags(ctx, two.ID, map[string]string{"writer": strconv.Itoa(i), "shared": "x"})
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("concurrent SetInstanceTags %d: %v", i, err)
		}
	}
	if tags := get(two.ID).Tags; len(tags) != 2 || tags["shared"] != "x" {
		t.Errorf("Tags after concurrent SetInstanceTags = %v, want one writer's two tags", tags)
	}

	// Pings: a newer one moves, an older or equal one does not; missing
	// instances are skipped.
	touches := []struct {
		ping, want time.Time
	}{
		{at(3, 0, 0, 1), at(3, 0, 0, 1)},
		{at(2, 59, 0, 0), at(3, 0, 0, 1)},
		{at(3, 0, 0, 1), at(3, 0, 0, 1)},
		{at(3, 0, 0, 2), at(3, 0, 0, 2)},
	}
	for _, tt := range touches {
		must(t, db.TouchInstances(ctx, map[fleet.InstanceID]time.Time{one.ID: tt.ping, missing.ID: tt.ping}))
		if got := get(one.ID).LastPing; !got.Equal(tt.want) {
			t.Errorf("LastPing after TouchInstances(%v) = %v, want %v", tt.ping, got, tt.want)
		}
	}
	if got := get(two.ID).LastPing; !got.Equal(regTime) {
		t.Errorf("LastPing of the untouched instance = %v, want %v", got, regTime)
	}
	must(t, db.TouchInstances(ctx, nil))
}

func testFleetDeregister(t *testing.T, db *store.DB) {
	ctx := context.Background()
	act := newActivation("act-1", 10, at(1, 0, 0, 0))
	must(t, db.CreateActivation(ctx, act))
	one, two := newInstance(1, act), newInstance(2, act)
	one.Tags = map[string]string{"env": "prod"}
	register(t, db, act, one, two)
	if keys, err := db.RevokedKeys(ctx); err != nil || len(keys) != 0 {
		t.Errorf("RevokedKeys() before any deregistration = %v, %v; want none", keys, err)
	}

	gone := at(4, 0, 0, 7)
	must(t, db.DeregisterInstance(ctx, one.ID, gone))
	_, err := db.GetInstance(ctx, one.ID)
	wantKind(t, "GetInstance(deregistered)", err, awserr.NotFound)
	_, err = db.GetInstanceByKey(ctx, one.PublicKey)
	wantKind(t, "GetInstanceByKey(deregistered)", err, awserr.NotFound)
	wantKind(t, "DeregisterInstance(deregistered)", db.DeregisterInstance(ctx, one.ID, gone), awserr.NotFound)
	keys, err := db.RevokedKeys(ctx)
	must(t, err)
	if diff := cmp.Diff(map[string]time.Time{one.PublicKey: gone}, keys); diff != "" {
		t.Errorf("RevokedKeys() mismatch (-want +got):\n%s", diff)
	}
	if n, err := db.CountInstances(ctx, acct, fleet.InstanceFilter{Tags: []fleet.TagFilter{{Key: "env"}}}); err != nil || n != 0 {
		t.Errorf("CountInstances(tag env) after deregistration = %d, %v; want 0", n, err)
	}
	if n := registrations(t, db, act.ID); n != 2 {
		t.Errorf("RegistrationsCount after deregistration = %d, want 2", n)
	}

	// The revoked key cannot register again; the ID, with a new key, can,
	// and gets none of the old tags.
	again := newInstance(1, act)
	again.ID = instanceID(3)
	wantKind(t, "RegisterInstance(revoked key)", db.RegisterInstance(ctx, again, act.CodeHash, regTime), awserr.Exists)
	again = newInstance(3, act)
	again.ID = one.ID
	register(t, db, act, again)
	if got, err := db.GetInstance(ctx, one.ID); err != nil || got.Tags != nil {
		t.Errorf("GetInstance(re-registered ID) = %+v, %v; want no tags", got, err)
	}

	// Concurrent deregistrations of one instance: one succeeds.
	errs := make([]error, 10)
	var wg sync.WaitGroup
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = db.DeregisterInstance(ctx, two.ID, at(5, 0, 0, i))
		}()
	}
	wg.Wait()
	won := 0
	for i, err := range errs {
		switch {
		case err == nil:
			won++
		case !errors.Is(err, awserr.NotFound):
			t.Errorf("concurrent DeregisterInstance %d error = %v, want nil or NotFound", i, err)
		}
	}
	if won != 1 {
		t.Errorf("concurrent DeregisterInstance: %d succeeded, want 1", won)
	}
	keys, err = db.RevokedKeys(ctx)
	must(t, err)
	if len(keys) != 2 || keys[one.PublicKey] != gone || keys[two.PublicKey].IsZero() {
		t.Errorf("RevokedKeys() after two deregistrations = %v, want both keys", keys)
	}
}

func testFleetVending(t *testing.T, db *store.DB) {
	ctx := context.Background()
	_, _, err := db.Vending(ctx, "default")
	wantKind(t, "Vending(none yet)", err, awserr.NotFound)

	a1 := newActivation("vend-1", 10, at(1, 0, 0, 0))
	a1.Tags = map[string]string{"vended": "true"}
	a2 := newActivation("vend-2", 10, at(2, 0, 0, 0))
	a3 := newActivation("vend-3", 10, at(3, 0, 0, 0))
	sealed1, sealed2 := []byte{0, 1, 2, 255}, []byte("sealed two")
	swaps := []struct {
		name, prev string
		next       *fleet.Activation
		sealed     []byte
		want       bool
	}{
		{"default", "", a1, sealed1, true},
		{"default", "", a2, sealed2, false},
		{"default", "vend-0", a2, sealed2, false},
		{"default", a1.ID, a2, sealed2, true},
		{"default", a1.ID, a3, sealed2, false},
		{"other", "", a3, sealed1, true},
	}
	for _, tt := range swaps {
		won, err := db.SwapVending(ctx, tt.name, tt.prev, tt.next, tt.sealed, regTime)
		if err != nil || won != tt.want {
			t.Errorf("SwapVending(%s, %q, %s) = %v, %v; want %v", tt.name, tt.prev, tt.next.ID, won, err, tt.want)
		}
	}
	current := []struct {
		name   string
		id     string
		sealed []byte
	}{
		{"default", a2.ID, sealed2},
		{"other", a3.ID, sealed1},
	}
	for _, tt := range current {
		id, sealed, err := db.Vending(ctx, tt.name)
		if err != nil || id != tt.id || !cmp.Equal(sealed, tt.sealed) {
			t.Errorf("Vending(%s) = %s, %v, %v; want %s, %v", tt.name, id, sealed, err, tt.id, tt.sealed)
		}
	}
	for _, want := range []*fleet.Activation{a1, a2, a3} {
		got, err := db.GetActivation(ctx, want.ID)
		must(t, err)
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("GetActivation(vended %s) mismatch (-want +got):\n%s", want.ID, diff)
		}
	}
	// Losers create no activation.
	all, err := db.ListActivations(ctx, acct, "", 0)
	must(t, err)
	if diff := cmp.Diff([]string{"vend-3", "vend-2", "vend-1"}, names(all, activationID)); diff != "" {
		t.Errorf("ListActivations after swaps mismatch (-want +got):\n%s", diff)
	}
	// A next activation whose ID is taken changes nothing.
	won, err := db.SwapVending(ctx, "default", a2.ID, newActivation(a1.ID, 1, at(4, 0, 0, 0)), sealed1, regTime)
	if won || !errors.Is(err, awserr.Exists) {
		t.Errorf("SwapVending(next with a taken ID) = %v, %v; want false, Exists", won, err)
	}
	if id, _, err := db.Vending(ctx, "default"); err != nil || id != a2.ID {
		t.Errorf("Vending(default) after a refused swap = %s, %v; want %s", id, err, a2.ID)
	}
}

// testFleetVendingConcurrent races 200 servers to make the first vended
// activation, then 200 to replace it: one wins each race, and only its
// activation is created.
func testFleetVendingConcurrent(t *testing.T, db *store.DB) {
	ctx := context.Background()
	const callers = 200
	prev := ""
	for round := range 2 {
		won := make([]bool, callers)
		errs := make([]error, callers)
		var wg sync.WaitGroup
		start := make(chan struct{})
		for i := range callers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				next := newActivation(fmt.Sprintf("vend-%d-%03d", round, i), 10, at(round+1, 0, 0, 0))
				<-start
				won[i], errs[i] = db.SwapVending(ctx, "default", prev, next, []byte(next.ID), regTime)
			}()
		}
		close(start)
		wg.Wait()
		var winners []string
		for i := range callers {
			if errs[i] != nil {
				t.Errorf("round %d: SwapVending %d: %v", round, i, errs[i])
			}
			if won[i] {
				winners = append(winners, fmt.Sprintf("vend-%d-%03d", round, i))
			}
		}
		if len(winners) != 1 {
			t.Fatalf("round %d: SwapVending(prev %q) winners = %v, want exactly one", round, prev, winners)
		}
		id, sealed, err := db.Vending(ctx, "default")
		if err != nil || id != winners[0] || string(sealed) != winners[0] {
			t.Errorf("round %d: Vending(default) = %s, %q, %v; want %s and its code", round, id, sealed, err, winners[0])
		}
		prev = winners[0]
	}
	all, err := db.ListActivations(ctx, acct, "", 0)
	must(t, err)
	if n := len(all); n != 2 {
		t.Errorf("ListActivations after two vending races = %d activations, want 2: %v", n, names(all, activationID))
	}
}
