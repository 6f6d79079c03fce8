// Copyright 2026 The kanri Authors
// SPDX-License-Identifier: Apache-2.0

package storetest

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/kanri-dev/kanri/internal/awserr"
	"github.com/kanri-dev/kanri/internal/command"
	"github.com/kanri-dev/kanri/internal/fleet"
	"github.com/kanri-dev/kanri/internal/store"
)

// testCommands runs the Run Command store tests, each on a fresh
// database.
func testCommands(t *testing.T, fresh func(t testing.TB) store.Config) {
	tests := []struct {
		name string
		fn   func(t *testing.T, db *store.DB)
	}{
		{"Documents", testCommandDocuments},
		{"DocumentVersions", testCommandDocumentVersions},
		{"DocumentVersionsConcurrent", testCommandDocumentVersionsConcurrent},
		{"Commands", testCommandCommands},
		{"ListCommands", testCommandListCommands},
		{"ListInvocations", testCommandListInvocations},
		{"ManyInvocations", testCommandManyInvocations},
		{"Claim", testCommandClaim},
		{"ClaimOnline", testCommandClaimOnline},
		{"ClaimDelayed", testCommandClaimDelayed},
		{"ClaimConcurrent", testCommandClaimConcurrent},
		{"UpdateInvocation", testCommandUpdateInvocation},
		{"FinishInvocations", testCommandFinishInvocations},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { tt.fn(t, Open(t, fresh(t))) })
	}
}

// newDocumentVersion returns a version of the account's document name
// with the content.
func newDocumentVersion(account, name, content string) *command.DocumentVersion {
	sum := sha256.Sum256([]byte(content))
	return &command.DocumentVersion{
		Account: account, Name: name, Format: "JSON", Content: content, Hash: hex.EncodeToString(sum[:]),
		Description: "runs " + content, SchemaVersion: "2.2", PlatformTypes: []string{"Linux", "MacOS"},
		Parameters: `[{"Name":"commands","Type":"StringList"}]`, CreateDate: at(1, 0, 0, 0),
	}
}

// newDocument returns a document of acct created at a time, with its
// first version.
func newDocument(name string, created time.Time) (*command.Document, *command.DocumentVersion) {
	d := &command.Document{
		Account: acct, Name: name, DocumentType: "Command", TargetType: "/AWS::EC2::Instance",
		LatestVersion: 1, DefaultVersion: 1, CreateDate: created,
	}
	v := newDocumentVersion(acct, name, `{"schemaVersion":"2.2","name":"`+name+`"}`)
	v.Version, v.CreateDate = 1, created
	return d, v
}

func documentName(d *command.Document) string         { return d.Name }
func versionNumber(v *command.DocumentVersion) string { return fmt.Sprint(v.Version) }
func commandID(c *command.Command) string             { return c.ID }
func invocationKey(inv *command.Invocation) string {
	return inv.CommandID + "/" + inv.InstanceID
}

// newCommand returns a Pending command of acct requested at a time, with
// Pending invocations on the instances.
func newCommand(id string, requested time.Time, instances ...string) (*command.Command, []*command.Invocation) {
	c := &command.Command{
		ID: id, Account: acct, DocumentName: "AWS-RunShellScript", DocumentVersion: "1", DocumentHash: "0123abcd",
		Comment: "command " + id, Parameters: map[string][]string{"commands": {"echo hi", "uname -a"}, "empty": {}},
		Targets: `[{"Key":"InstanceIds","Values":["mi-1"]}]`, RequestedAt: requested, ExpiresAt: requested.Add(time.Hour),
		TimeoutSeconds: 3600, MaxConcurrency: "50", MaxErrors: "0", OutputBucket: "bucket", OutputPrefix: "out/" + id,
		ServiceRole: "arn:aws:iam::123456789012:role/sns", Notification: `{"NotificationArn":""}`,
		RequestedBy: "arn:aws:iam::123456789012:user/admin", Status: command.StatusPending,
		StatusDetails: command.DetailPending, TargetCount: len(instances),
	}
	var invs []*command.Invocation
	for _, in := range instances {
		invs = append(invs, &command.Invocation{
			CommandID: id, InstanceID: in, InstanceName: "host-" + in, Status: command.StatusPending,
			StatusDetails: command.DetailPending, RequestedAt: requested,
		})
	}
	return c, invs
}

// createCommand stores c and its invocations.
func createCommand(t testing.TB, db *store.DB, c *command.Command, invs []*command.Invocation) {
	t.Helper()
	if err := db.CreateCommand(context.Background(), c, invs); err != nil {
		t.Fatalf("CreateCommand(%s): %v", c.ID, err)
	}
}

// getCommand returns the stored command id.
func getCommand(t testing.TB, db *store.DB, id string) *command.Command {
	t.Helper()
	c, err := db.GetCommand(context.Background(), id)
	must(t, err)
	return c
}

// getInvocation returns the stored invocation of the command on the
// instance.
func getInvocation(t testing.TB, db *store.DB, commandID, instanceID string) *command.Invocation {
	t.Helper()
	inv, err := db.GetInvocation(context.Background(), commandID, instanceID)
	must(t, err)
	return inv
}

// The times of the command tests' pings: instances registered at
// regTime are online since cmdOnline once pinged at cmdPing.
var (
	cmdPing   = at(3, 0, 0, 0)
	cmdOnline = at(2, 30, 0, 0)
)

// onlineInstances registers n instances numbered from 1, pings them at
// cmdPing and returns their IDs.
func onlineInstances(t testing.TB, db *store.DB, n int) []string {
	t.Helper()
	a := newActivation("act-cmd", n, at(1, 0, 0, 0))
	must(t, db.CreateActivation(context.Background(), a))
	ins := registerMany(t, db, a, 1, n)
	pings := map[fleet.InstanceID]time.Time{}
	var ids []string
	for _, in := range ins {
		pings[in.ID] = cmdPing
		ids = append(ids, string(in.ID))
	}
	must(t, db.TouchInstances(context.Background(), pings))
	return ids
}

// keep is a decide that keeps the command's status.
func keep(*command.Command, map[string]int) (string, string) { return "", "" }

// allDone is a decide that makes a command whose every target completed
// Success, or Failed with errors.
func allDone(c *command.Command, _ map[string]int) (string, string) {
	switch {
	case c.CompletedCount < c.TargetCount:
		return "", ""
	case c.ErrorCount > 0:
		return command.StatusFailed, command.DetailFailed
	}
	return command.StatusSuccess, command.DetailSuccess
}

// setState returns a change that sets an invocation's status and
// details.
func setState(status, details string) func(*command.Invocation) bool {
	return func(inv *command.Invocation) bool {
		inv.Status, inv.StatusDetails = status, details
		return true
	}
}

// capacityOf returns a capacity that allows max invocations in flight.
func capacityOf(max int) func(*command.Command, int) int {
	return func(_ *command.Command, inFlight int) int { return max - inFlight }
}

// claim claims the command's invocations at now, retrying those Delayed
// before retryBefore, of instances online since cmdOnline, and returns
// the IDs of the instances claimed.
func claim(t testing.TB, db *store.DB, id string, now, retryBefore time.Time, capacity func(*command.Command, int) int) (*command.Claim, []string) {
	t.Helper()
	cl, err := db.ClaimInvocations(context.Background(), id, now, retryBefore, cmdOnline, capacity)
	must(t, err)
	var ids []string
	for _, inv := range cl.Invocations {
		ids = append(ids, inv.InstanceID)
	}
	return cl, ids
}

func testCommandDocuments(t *testing.T, db *store.DB) {
	ctx := context.Background()
	zeta, zetaV := newDocument("Zeta", at(1, 0, 0, 1))
	zeta.Tags = map[string]string{"env": "prod", "blank": ""}
	alpha, alphaV := newDocument("Alpha", at(1, 0, 0, 2))
	alpha.DocumentType, alpha.TargetType = "Session", ""
	mid, midV := newDocument("Mid", at(1, 0, 0, 3))
	elsewhere, elsewhereV := newDocument("Alpha", at(1, 0, 0, 4))
	elsewhere.Account, elsewhereV.Account = other, other
	for _, d := range []struct {
		d *command.Document
		v *command.DocumentVersion
	}{{zeta, zetaV}, {alpha, alphaV}, {mid, midV}, {elsewhere, elsewhereV}} {
		must(t, db.CreateDocument(ctx, d.d, d.v))
	}
	dup, dupV := newDocument("Alpha", at(1, 0, 0, 9))
	wantKind(t, "CreateDocument(Alpha again)", db.CreateDocument(ctx, dup, dupV), awserr.Exists)
	odd, _ := newDocument("Odd", at(1, 0, 0, 9))
	wantKind(t, "CreateDocument(with another document's version)", db.CreateDocument(ctx, odd, zetaV), awserr.Invalid)
	_, err := db.GetDocument(ctx, acct, "Odd")
	wantKind(t, "GetDocument(refused)", err, awserr.NotFound)

	for _, want := range []*command.Document{zeta, alpha, mid, elsewhere} {
		got, err := db.GetDocument(ctx, want.Account, want.Name)
		must(t, err)
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("GetDocument(%s, %s) mismatch (-want +got):\n%s", want.Account, want.Name, diff)
		}
	}
	for _, want := range []*command.DocumentVersion{zetaV, alphaV, elsewhereV} {
		got, err := db.GetDocumentVersion(ctx, want.Account, want.Name, 1)
		must(t, err)
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("GetDocumentVersion(%s, %s, 1) mismatch (-want +got):\n%s", want.Account, want.Name, diff)
		}
	}
	_, err = db.GetDocument(ctx, other, "Mid")
	wantKind(t, "GetDocument(other account's)", err, awserr.NotFound)
	_, err = db.GetDocumentVersion(ctx, acct, "Mid", 2)
	wantKind(t, "GetDocumentVersion(missing version)", err, awserr.NotFound)

	lists := []struct {
		account, after string
		limit          int
		want           []string
	}{
		{acct, "", 0, []string{"Alpha", "Mid", "Zeta"}},
		{acct, "", 2, []string{"Alpha", "Mid"}},
		{acct, "Alpha", 1, []string{"Mid"}},
		{acct, "B", 0, []string{"Mid", "Zeta"}},
		{acct, "Zeta", 0, nil},
		{other, "", 0, []string{"Alpha"}},
		{"999999999999", "", 0, nil},
	}
	for _, tt := range lists {
		got, err := db.ListDocuments(ctx, tt.account, tt.after, tt.limit)
		must(t, err)
		if diff := cmp.Diff(tt.want, names(got, documentName)); diff != "" {
			t.Errorf("ListDocuments(%s, %q, %d) mismatch (-want +got):\n%s", tt.account, tt.after, tt.limit, diff)
		}
	}
	all, err := db.ListDocuments(ctx, acct, "", 0)
	must(t, err)
	if diff := cmp.Diff([]*command.Document{alpha, mid, zeta}, all); diff != "" {
		t.Errorf("ListDocuments(all) mismatch (-want +got):\n%s", diff)
	}

	// Tags are replaced as a whole.
	for _, tags := range []map[string]string{{"team": "ops"}, nil, {"k": ""}} {
		must(t, db.SetDocumentTags(ctx, acct, "Mid", tags))
		got, err := db.GetDocument(ctx, acct, "Mid")
		must(t, err)
		if diff := cmp.Diff(tags, got.Tags); diff != "" {
			t.Errorf("Tags after SetDocumentTags(%v) mismatch (-want +got):\n%s", tags, diff)
		}
	}
	if got, err := db.GetDocument(ctx, acct, "Zeta"); err != nil || !cmp.Equal(zeta.Tags, got.Tags) {
		t.Errorf("GetDocument(Zeta) after tagging Mid = %+v, %v; want tags %v", got, err, zeta.Tags)
	}
	wantKind(t, "SetDocumentTags(missing)", db.SetDocumentTags(ctx, acct, "Nope", nil), awserr.NotFound)

	// Deletion takes the document and its versions, of its account only.
	_, err = db.AddDocumentVersion(ctx, newDocumentVersion(acct, "Alpha", "second"))
	must(t, err)
	must(t, db.DeleteDocument(ctx, acct, "Alpha"))
	_, err = db.GetDocument(ctx, acct, "Alpha")
	wantKind(t, "GetDocument(deleted)", err, awserr.NotFound)
	for _, v := range []int{1, 2} {
		_, err = db.GetDocumentVersion(ctx, acct, "Alpha", v)
		wantKind(t, fmt.Sprintf("GetDocumentVersion(deleted, %d)", v), err, awserr.NotFound)
	}
	_, err = db.ListDocumentVersions(ctx, acct, "Alpha")
	wantKind(t, "ListDocumentVersions(deleted)", err, awserr.NotFound)
	wantKind(t, "DeleteDocument(deleted)", db.DeleteDocument(ctx, acct, "Alpha"), awserr.NotFound)
	if got, err := db.GetDocument(ctx, other, "Alpha"); err != nil || !cmp.Equal(elsewhere, got) {
		t.Errorf("GetDocument(other account's Alpha) after deletion = %+v, %v; want it unchanged", got, err)
	}
	// A new document of the name starts afresh.
	again, againV := newDocument("Alpha", at(5, 0, 0, 0))
	must(t, db.CreateDocument(ctx, again, againV))
	vs, err := db.ListDocumentVersions(ctx, acct, "Alpha")
	must(t, err)
	if diff := cmp.Diff([]*command.DocumentVersion{againV}, vs); diff != "" {
		t.Errorf("ListDocumentVersions(recreated) mismatch (-want +got):\n%s", diff)
	}
}

func testCommandDocumentVersions(t *testing.T, db *store.DB) {
	ctx := context.Background()
	d, v1 := newDocument("Deploy", at(1, 0, 0, 0))
	must(t, db.CreateDocument(ctx, d, v1))
	elsewhere, elsewhereV := newDocument("Deploy", at(1, 0, 0, 0))
	elsewhere.Account, elsewhereV.Account = other, other
	must(t, db.CreateDocument(ctx, elsewhere, elsewhereV))

	v2 := newDocumentVersion(acct, "Deploy", "second")
	v2.VersionName, v2.Format, v2.PlatformTypes, v2.CreateDate = "release-1", "YAML", nil, at(2, 0, 0, 0)
	v2.Version = 7 // ignored
	got, err := db.AddDocumentVersion(ctx, v2)
	must(t, err)
	want := *d
	want.LatestVersion = 2
	if diff := cmp.Diff(&want, got); diff != "" {
		t.Errorf("AddDocumentVersion(second) mismatch (-want +got):\n%s", diff)
	}
	if v2.Version != 2 {
		t.Errorf("AddDocumentVersion(second) set Version = %d, want 2", v2.Version)
	}

	refused := []struct {
		name string
		v    *command.DocumentVersion
		kind awserr.Kind
	}{
		{"content of the latest", newDocumentVersion(acct, "Deploy", "second"), awserr.Exists},
		{"version name in use", func() *command.DocumentVersion {
			v := newDocumentVersion(acct, "Deploy", "third")
			v.VersionName = "release-1"
			return v
		}(), awserr.Exists},
		{"missing document", newDocumentVersion(acct, "Nope", "x"), awserr.NotFound},
		{"other account's", newDocumentVersion("999999999999", "Deploy", "x"), awserr.NotFound},
	}
	for _, tt := range refused {
		d, err := db.AddDocumentVersion(ctx, tt.v)
		if d != nil || !errors.Is(err, tt.kind) {
			t.Errorf("AddDocumentVersion(%s) = %+v, %v; want nil, %v", tt.name, d, err, tt.kind)
		}
	}
	if got, err := db.GetDocument(ctx, acct, "Deploy"); err != nil || got.LatestVersion != 2 {
		t.Errorf("GetDocument after refused versions = %+v, %v; want LatestVersion 2", got, err)
	}
	// The content of an older version is no duplicate.
	v3 := newDocumentVersion(acct, "Deploy", v1.Content)
	v3.CreateDate = at(3, 0, 0, 0)
	got, err = db.AddDocumentVersion(ctx, v3)
	must(t, err)
	if got.LatestVersion != 3 || got.DefaultVersion != 1 || v3.Version != 3 {
		t.Errorf("AddDocumentVersion(first content again) = %+v, Version %d; want LatestVersion 3, DefaultVersion 1", got, v3.Version)
	}

	for _, tt := range []struct {
		version int
		want    *command.DocumentVersion
	}{{1, v1}, {2, v2}, {3, v3}} {
		got, err := db.GetDocumentVersion(ctx, acct, "Deploy", tt.version)
		must(t, err)
		if diff := cmp.Diff(tt.want, got); diff != "" {
			t.Errorf("GetDocumentVersion(%d) mismatch (-want +got):\n%s", tt.version, diff)
		}
	}
	byName, err := db.GetDocumentVersionByName(ctx, acct, "Deploy", "release-1")
	must(t, err)
	if diff := cmp.Diff(v2, byName); diff != "" {
		t.Errorf("GetDocumentVersionByName(release-1) mismatch (-want +got):\n%s", diff)
	}
	for _, tt := range []struct{ account, name, versionName string }{
		{acct, "Deploy", "release-2"},
		{acct, "Deploy", ""},
		{other, "Deploy", "release-1"},
		{acct, "Nope", "release-1"},
	} {
		_, err := db.GetDocumentVersionByName(ctx, tt.account, tt.name, tt.versionName)
		wantKind(t, fmt.Sprintf("GetDocumentVersionByName(%s, %s, %q)", tt.account, tt.name, tt.versionName), err, awserr.NotFound)
	}
	vs, err := db.ListDocumentVersions(ctx, acct, "Deploy")
	must(t, err)
	if diff := cmp.Diff([]*command.DocumentVersion{v3, v2, v1}, vs); diff != "" {
		t.Errorf("ListDocumentVersions mismatch (-want +got):\n%s", diff)
	}
	_, err = db.ListDocumentVersions(ctx, acct, "Nope")
	wantKind(t, "ListDocumentVersions(missing)", err, awserr.NotFound)

	must(t, db.SetDefaultDocumentVersion(ctx, acct, "Deploy", 2))
	wantKind(t, "SetDefaultDocumentVersion(missing version)", db.SetDefaultDocumentVersion(ctx, acct, "Deploy", 4), awserr.NotFound)
	wantKind(t, "SetDefaultDocumentVersion(missing document)", db.SetDefaultDocumentVersion(ctx, acct, "Nope", 1), awserr.NotFound)
	got, err = db.GetDocument(ctx, acct, "Deploy")
	must(t, err)
	want.LatestVersion, want.DefaultVersion = 3, 2
	if diff := cmp.Diff(&want, got); diff != "" {
		t.Errorf("GetDocument after SetDefaultDocumentVersion mismatch (-want +got):\n%s", diff)
	}
	if got, err := db.GetDocument(ctx, other, "Deploy"); err != nil || !cmp.Equal(elsewhere, got) {
		t.Errorf("GetDocument(other account's) = %+v, %v; want it unchanged", got, err)
	}

	// Deleting a version: neither the default nor the latest one.
	wantKind(t, "DeleteDocumentVersion(default)", db.DeleteDocumentVersion(ctx, acct, "Deploy", 2), awserr.Conflict)
	wantKind(t, "DeleteDocumentVersion(latest)", db.DeleteDocumentVersion(ctx, acct, "Deploy", 3), awserr.Conflict)
	wantKind(t, "DeleteDocumentVersion(missing version)", db.DeleteDocumentVersion(ctx, acct, "Deploy", 4), awserr.NotFound)
	wantKind(t, "DeleteDocumentVersion(missing document)", db.DeleteDocumentVersion(ctx, acct, "Nope", 1), awserr.NotFound)
	must(t, db.DeleteDocumentVersion(ctx, acct, "Deploy", 1))
	wantKind(t, "DeleteDocumentVersion(deleted)", db.DeleteDocumentVersion(ctx, acct, "Deploy", 1), awserr.NotFound)
	_, err = db.GetDocumentVersion(ctx, acct, "Deploy", 1)
	wantKind(t, "GetDocumentVersion(deleted)", err, awserr.NotFound)
	vs, err = db.ListDocumentVersions(ctx, acct, "Deploy")
	must(t, err)
	if diff := cmp.Diff([]*command.DocumentVersion{v3, v2}, vs); diff != "" {
		t.Errorf("ListDocumentVersions after DeleteDocumentVersion mismatch (-want +got):\n%s", diff)
	}
	if got, err := db.GetDocument(ctx, acct, "Deploy"); err != nil || !cmp.Equal(&want, got) {
		t.Errorf("GetDocument after DeleteDocumentVersion = %+v, %v; want %+v", got, err, &want)
	}
	_, err = db.AddDocumentVersion(ctx, newDocumentVersion(acct, "Deploy", v3.Content))
	wantKind(t, "AddDocumentVersion(content of the latest, after a deletion)", err, awserr.Exists)
}

func testCommandDocumentVersionsConcurrent(t *testing.T, db *store.DB) {
	ctx := context.Background()
	const callers = 10
	for _, same := range []bool{false, true} {
		name := fmt.Sprintf("Doc-same-%v", same)
		d, v := newDocument(name, at(1, 0, 0, 0))
		must(t, db.CreateDocument(ctx, d, v))
		vs := make([]*command.DocumentVersion, callers)
		errs := make([]error, callers)
		var wg sync.WaitGroup
		start := make(chan struct{})
		for i := range callers {
			content := fmt.Sprintf("content %d", i)
			if same {
				content = "same content"
			}
			vs[i] = newDocumentVersion(acct, name, content)
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				_, errs[i] = db.AddDocumentVersion(ctx, vs[i])
			}()
		}
		close(start)
		wg.Wait()
		var numbers []int
		for i, err := range errs {
			switch {
			case err == nil:
				numbers = append(numbers, vs[i].Version)
			case !same || !errors.Is(err, awserr.Exists):
				t.Errorf("concurrent AddDocumentVersion(%s, %d) error = %v", name, i, err)
			}
		}
		slices.Sort(numbers)
		wantNumbers := []int{2}
		if !same {
			wantNumbers = []int{2, 3, 4, 5, 6, 7, 8, 9, 10, 11}
		}
		if diff := cmp.Diff(wantNumbers, numbers); diff != "" {
			t.Errorf("versions added at once to %s mismatch (-want +got):\n%s", name, diff)
		}
		stored, err := db.ListDocumentVersions(ctx, acct, name)
		must(t, err)
		if len(stored) != len(wantNumbers)+1 || stored[0].Version != len(wantNumbers)+1 {
			t.Errorf("ListDocumentVersions(%s) = %v, want versions %d to 1", name, names(stored, versionNumber), len(wantNumbers)+1)
		}
	}
}

func testCommandCommands(t *testing.T, db *store.DB) {
	ctx := context.Background()
	c, invs := newCommand("c-1", at(1, 0, 0, 1), "mi-1", "mi-2")
	invs[1].Status, invs[1].StatusDetails, invs[1].DispatchedAt, invs[1].Attempts = command.StatusSuccess, command.DetailSuccess, at(1, 0, 1, 0), 2
	invs[1].StartedAt, invs[1].EndedAt, invs[1].ResponseCode, invs[1].Plugins = at(1, 0, 2, 0), at(1, 0, 3, 5), 3, `[{"Name":"run"}]`
	c.CompletedCount, c.ErrorCount, c.DeliveryTimedOutCount = 1, 2, 3
	createCommand(t, db, c, invs)
	if diff := cmp.Diff(c, getCommand(t, db, c.ID)); diff != "" {
		t.Errorf("GetCommand mismatch (-want +got):\n%s", diff)
	}
	for _, want := range invs {
		if diff := cmp.Diff(want, getInvocation(t, db, c.ID, want.InstanceID)); diff != "" {
			t.Errorf("GetInvocation(%s) mismatch (-want +got):\n%s", want.InstanceID, diff)
		}
	}

	// An existing ID: nothing of the second command is stored.
	dup, dupInvs := newCommand("c-1", at(2, 0, 0, 0), "mi-9")
	wantKind(t, "CreateCommand(c-1 again)", db.CreateCommand(ctx, dup, dupInvs), awserr.Exists)
	_, err := db.GetInvocation(ctx, "c-1", "mi-9")
	wantKind(t, "GetInvocation(of the refused command)", err, awserr.NotFound)
	twice, twiceInvs := newCommand("c-2", at(2, 0, 0, 0), "mi-1", "mi-2", "mi-1")
	wantKind(t, "CreateCommand(an instance twice)", db.CreateCommand(ctx, twice, twiceInvs), awserr.Exists)
	_, err = db.GetCommand(ctx, "c-2")
	wantKind(t, "GetCommand(refused)", err, awserr.NotFound)

	// No parameters, no invocations; the invocations' CommandID is the
	// command's.
	bare, _ := newCommand("c-3", at(3, 0, 0, 0))
	bare.Parameters, bare.ExpiresAt = nil, time.Time{}
	createCommand(t, db, bare, nil)
	if diff := cmp.Diff(bare, getCommand(t, db, "c-3")); diff != "" {
		t.Errorf("GetCommand(bare) mismatch (-want +got):\n%s", diff)
	}
	c4, c4Invs := newCommand("c-4", at(4, 0, 0, 0), "mi-1")
	c4Invs[0].CommandID = "c-other"
	createCommand(t, db, c4, c4Invs)
	if got := getInvocation(t, db, "c-4", "mi-1"); got.CommandID != "c-4" {
		t.Errorf("GetInvocation(c-4, mi-1).CommandID = %s, want c-4", got.CommandID)
	}

	_, err = db.GetCommand(ctx, "c-nope")
	wantKind(t, "GetCommand(missing)", err, awserr.NotFound)
	for _, key := range [][2]string{{"c-nope", "mi-1"}, {"c-1", "mi-3"}} {
		_, err = db.GetInvocation(ctx, key[0], key[1])
		wantKind(t, "GetInvocation("+key[0]+", "+key[1]+")", err, awserr.NotFound)
	}

	// Active commands are those not terminal, oldest first.
	active, err := db.ActiveCommands(ctx)
	must(t, err)
	if diff := cmp.Diff([]string{"c-1", "c-3", "c-4"}, active); diff != "" {
		t.Errorf("ActiveCommands mismatch (-want +got):\n%s", diff)
	}
	for i, status := range []string{command.StatusInProgress, command.StatusSuccess, command.StatusCancelling,
		command.StatusCancelled, command.StatusTimedOut, command.StatusFailed} {
		s, _ := newCommand(fmt.Sprintf("s-%d-%s", i, status), at(5, 0, 0, i))
		s.Account, s.Status = other, status
		createCommand(t, db, s, nil)
	}
	active, err = db.ActiveCommands(ctx)
	must(t, err)
	if diff := cmp.Diff([]string{"c-1", "c-3", "c-4", "s-0-InProgress", "s-2-Cancelling"}, active); diff != "" {
		t.Errorf("ActiveCommands after more mismatch (-want +got):\n%s", diff)
	}
}

// listFixture stores commands of acct, newest first c-d, c-c, c-b (c-c
// and c-b requested at once), c-a, and one of other:
//
//	c-a  01:00  AWS-RunShellScript  Success     mi-1 Success, mi-2 Failed
//	c-b  02:00  Custom              InProgress  mi-2 InProgress
//	c-c  02:00  AWS-RunShellScript  Pending     mi-3 Pending
//	c-d  03:00  Custom              Failed      mi-1 Failed
//	c-o  02:00  (other account)                 mi-1 Pending
func listFixture(t testing.TB, db *store.DB) {
	t.Helper()
	type inv struct{ instance, status string }
	fixture := []struct {
		id, document, status string
		requested            time.Time
		invs                 []inv
	}{
		{"c-a", "AWS-RunShellScript", command.StatusSuccess, at(1, 0, 0, 0),
			[]inv{{"mi-2", command.StatusFailed}, {"mi-1", command.StatusSuccess}}},
		{"c-b", "Custom", command.StatusInProgress, at(2, 0, 0, 0), []inv{{"mi-2", command.StatusInProgress}}},
		{"c-c", "AWS-RunShellScript", command.StatusPending, at(2, 0, 0, 0), []inv{{"mi-3", command.StatusPending}}},
		{"c-d", "Custom", command.StatusFailed, at(3, 0, 0, 0), []inv{{"mi-1", command.StatusFailed}}},
		{"c-o", "Custom", command.StatusPending, at(2, 0, 0, 0), []inv{{"mi-1", command.StatusPending}}},
	}
	for _, f := range fixture {
		var ids []string
		for _, inv := range f.invs {
			ids = append(ids, inv.instance)
		}
		c, invs := newCommand(f.id, f.requested, ids...)
		c.DocumentName, c.Status, c.StatusDetails = f.document, f.status, f.status
		if f.id == "c-o" {
			c.Account = other
		}
		for i, inv := range invs {
			inv.Status, inv.StatusDetails = f.invs[i].status, f.invs[i].status
		}
		createCommand(t, db, c, invs)
	}
}

func testCommandListCommands(t *testing.T, db *store.DB) {
	ctx := context.Background()
	listFixture(t, db)
	tests := []struct {
		name    string
		account string
		f       command.CommandFilter
		want    []string
	}{
		{"all", acct, command.CommandFilter{}, []string{"c-d", "c-c", "c-b", "c-a"}},
		{"other account", other, command.CommandFilter{}, []string{"c-o"}},
		{"no account", "999999999999", command.CommandFilter{}, nil},
		{"ID", acct, command.CommandFilter{CommandID: "c-b"}, []string{"c-b"}},
		{"other account's ID", acct, command.CommandFilter{CommandID: "c-o"}, nil},
		{"instance mi-1", acct, command.CommandFilter{InstanceID: "mi-1"}, []string{"c-d", "c-a"}},
		{"instance mi-2", acct, command.CommandFilter{InstanceID: "mi-2"}, []string{"c-b", "c-a"}},
		{"instance mi-9", acct, command.CommandFilter{InstanceID: "mi-9"}, nil},
		{"status", acct, command.CommandFilter{Status: command.StatusInProgress}, []string{"c-b"}},
		{"document", acct, command.CommandFilter{DocumentName: "Custom"}, []string{"c-d", "c-b"}},
		{"invoked after", acct, command.CommandFilter{InvokedAfter: at(2, 0, 0, 0)}, []string{"c-d", "c-c", "c-b"}},
		{"invoked just after", acct, command.CommandFilter{InvokedAfter: at(2, 0, 0, 1)}, []string{"c-d"}},
		{"invoked before", acct, command.CommandFilter{InvokedBefore: at(2, 0, 0, 0)}, []string{"c-c", "c-b", "c-a"}},
		{"invoked between", acct, command.CommandFilter{InvokedAfter: at(2, 0, 0, 0), InvokedBefore: at(2, 0, 0, 0)}, []string{"c-c", "c-b"}},
		{"combined", acct, command.CommandFilter{InstanceID: "mi-2", DocumentName: "AWS-RunShellScript"}, []string{"c-a"}},
		{"limit", acct, command.CommandFilter{Limit: 2}, []string{"c-d", "c-c"}},
		{"after", acct, command.CommandFilter{After: "c-c"}, []string{"c-b", "c-a"}},
		{"after, limit", acct, command.CommandFilter{After: "c-c", Limit: 1}, []string{"c-b"}},
		{"after the last", acct, command.CommandFilter{After: "c-a"}, nil},
		{"after the first", acct, command.CommandFilter{After: "c-d", Limit: 10}, []string{"c-c", "c-b", "c-a"}},
		{"after, filtered", acct, command.CommandFilter{After: "c-d", InstanceID: "mi-2"}, []string{"c-b", "c-a"}},
		{"after a filtered-out one", acct, command.CommandFilter{After: "c-b", Status: command.StatusFailed}, nil},
	}
	for _, tt := range tests {
		got, err := db.ListCommands(ctx, tt.account, tt.f)
		must(t, err)
		if diff := cmp.Diff(tt.want, names(got, commandID)); diff != "" {
			t.Errorf("ListCommands(%s) mismatch (-want +got):\n%s", tt.name, diff)
		}
	}
	for _, after := range []string{"c-nope", "c-o"} {
		_, err := db.ListCommands(ctx, acct, command.CommandFilter{After: after})
		wantKind(t, "ListCommands(After "+after+")", err, awserr.Invalid)
	}
	// Paging one at a time lists each once, in order.
	var paged []string
	f := command.CommandFilter{Limit: 1}
	for range 10 {
		page, err := db.ListCommands(ctx, acct, f)
		must(t, err)
		if len(page) == 0 {
			break
		}
		paged = append(paged, page[0].ID)
		f.After = page[0].ID
	}
	if diff := cmp.Diff([]string{"c-d", "c-c", "c-b", "c-a"}, paged); diff != "" {
		t.Errorf("ListCommands paged mismatch (-want +got):\n%s", diff)
	}
	full, err := db.ListCommands(ctx, acct, command.CommandFilter{CommandID: "c-b"})
	must(t, err)
	if diff := cmp.Diff([]*command.Command{getCommand(t, db, "c-b")}, full); diff != "" {
		t.Errorf("ListCommands(c-b) mismatch (-want +got):\n%s", diff)
	}
}

func testCommandListInvocations(t *testing.T, db *store.DB) {
	ctx := context.Background()
	listFixture(t, db)
	tests := []struct {
		name    string
		account string
		f       command.InvocationFilter
		want    []string
	}{
		{"all", acct, command.InvocationFilter{}, []string{"c-d/mi-1", "c-c/mi-3", "c-b/mi-2", "c-a/mi-1", "c-a/mi-2"}},
		{"other account", other, command.InvocationFilter{}, []string{"c-o/mi-1"}},
		{"no account", "999999999999", command.InvocationFilter{}, nil},
		{"command", acct, command.InvocationFilter{CommandID: "c-a"}, []string{"c-a/mi-1", "c-a/mi-2"}},
		{"other account's command", acct, command.InvocationFilter{CommandID: "c-o"}, nil},
		{"instance", acct, command.InvocationFilter{InstanceID: "mi-2"}, []string{"c-b/mi-2", "c-a/mi-2"}},
		{"command and instance", acct, command.InvocationFilter{CommandID: "c-a", InstanceID: "mi-2"}, []string{"c-a/mi-2"}},
		{"status", acct, command.InvocationFilter{Status: command.StatusFailed}, []string{"c-d/mi-1", "c-a/mi-2"}},
		{"document", acct, command.InvocationFilter{DocumentName: "Custom"}, []string{"c-d/mi-1", "c-b/mi-2"}},
		{"invoked after", acct, command.InvocationFilter{InvokedAfter: at(2, 0, 0, 0)}, []string{"c-d/mi-1", "c-c/mi-3", "c-b/mi-2"}},
		{"invoked before", acct, command.InvocationFilter{InvokedBefore: at(1, 59, 0, 0)}, []string{"c-a/mi-1", "c-a/mi-2"}},
		{"limit", acct, command.InvocationFilter{Limit: 2}, []string{"c-d/mi-1", "c-c/mi-3"}},
		{"after", acct, command.InvocationFilter{AfterCommand: "c-c", AfterInstance: "mi-3"}, []string{"c-b/mi-2", "c-a/mi-1", "c-a/mi-2"}},
		{"after within a command", acct, command.InvocationFilter{AfterCommand: "c-a", AfterInstance: "mi-1"}, []string{"c-a/mi-2"}},
		{"after no instance", acct, command.InvocationFilter{AfterCommand: "c-a"}, []string{"c-a/mi-1", "c-a/mi-2"}},
		{"after the last", acct, command.InvocationFilter{AfterCommand: "c-a", AfterInstance: "mi-2"}, nil},
		{"after, limit", acct, command.InvocationFilter{AfterCommand: "c-b", AfterInstance: "mi-2", Limit: 1}, []string{"c-a/mi-1"}},
		{"after, filtered", acct, command.InvocationFilter{AfterCommand: "c-d", AfterInstance: "mi-1", InstanceID: "mi-1"}, []string{"c-a/mi-1"}},
	}
	for _, tt := range tests {
		got, err := db.ListInvocations(ctx, tt.account, tt.f)
		must(t, err)
		if diff := cmp.Diff(tt.want, names(got, invocationKey)); diff != "" {
			t.Errorf("ListInvocations(%s) mismatch (-want +got):\n%s", tt.name, diff)
		}
	}
	for _, after := range []string{"c-nope", "c-o"} {
		_, err := db.ListInvocations(ctx, acct, command.InvocationFilter{AfterCommand: after, AfterInstance: "mi-1"})
		wantKind(t, "ListInvocations(AfterCommand "+after+")", err, awserr.Invalid)
	}
	// Paging two at a time lists each once, in order.
	var paged []string
	f := command.InvocationFilter{Limit: 2}
	for range 10 {
		page, err := db.ListInvocations(ctx, acct, f)
		must(t, err)
		paged = append(paged, names(page, invocationKey)...)
		if len(page) < f.Limit {
			break
		}
		f.AfterCommand, f.AfterInstance = page[len(page)-1].CommandID, page[len(page)-1].InstanceID
	}
	if diff := cmp.Diff([]string{"c-d/mi-1", "c-c/mi-3", "c-b/mi-2", "c-a/mi-1", "c-a/mi-2"}, paged); diff != "" {
		t.Errorf("ListInvocations paged mismatch (-want +got):\n%s", diff)
	}
	full, err := db.ListInvocations(ctx, acct, command.InvocationFilter{CommandID: "c-a"})
	must(t, err)
	want := []*command.Invocation{getInvocation(t, db, "c-a", "mi-1"), getInvocation(t, db, "c-a", "mi-2")}
	if diff := cmp.Diff(want, full); diff != "" {
		t.Errorf("ListInvocations(c-a) mismatch (-want +got):\n%s", diff)
	}
}

// testCommandManyInvocations stores, claims and finishes a command on
// 5,000 instances: more than one batch of every batched statement.
func testCommandManyInvocations(t *testing.T, db *store.DB) {
	ctx := context.Background()
	const targets, online = 5000, 1200
	ids := onlineInstances(t, db, online)
	for i := online; i < targets; i++ {
		ids = append(ids, fmt.Sprintf("mi-f%016x", i)) // not registered
	}
	c, invs := newCommand("c-many", at(1, 0, 0, 0), ids...)
	began := time.Now()
	createCommand(t, db, c, invs)
	t.Logf("CreateCommand(%d invocations) on %s: %v", targets, db.Engine(), time.Since(began))

	got, err := db.ListInvocations(ctx, acct, command.InvocationFilter{CommandID: c.ID})
	must(t, err)
	slices.SortFunc(invs, func(a, b *command.Invocation) int { return strings.Compare(a.InstanceID, b.InstanceID) })
	if diff := cmp.Diff(invs, got); diff != "" {
		t.Errorf("ListInvocations(%d invocations) mismatch (-want +got):\n%s", targets, diff)
	}

	began = time.Now()
	cl, claimed := claim(t, db, c.ID, at(4, 0, 0, 0), at(4, 0, 0, 0), capacityOf(online-100))
	t.Logf("ClaimInvocations(%d of %d) on %s: %v", len(claimed), targets, db.Engine(), time.Since(began))
	if diff := cmp.Diff(ids[:online-100], claimed); diff != "" {
		t.Errorf("ClaimInvocations(capacity %d) mismatch (-want +got):\n%s", online-100, diff)
	}
	if cl.Command.Status != command.StatusInProgress {
		t.Errorf("ClaimInvocations: command status %s, want InProgress", cl.Command.Status)
	}
	_, claimed = claim(t, db, c.ID, at(4, 0, 0, 0), at(4, 0, 0, 0), capacityOf(targets))
	if diff := cmp.Diff(ids[online-100:online], claimed); diff != "" {
		t.Errorf("ClaimInvocations(the rest online) mismatch (-want +got):\n%s", diff)
	}
	inProgress, err := db.ListInvocations(ctx, acct, command.InvocationFilter{CommandID: c.ID, Status: command.StatusInProgress})
	must(t, err)
	if len(inProgress) != online {
		t.Errorf("ListInvocations(InProgress) after claims = %d invocations, want %d", len(inProgress), online)
	}

	began = time.Now()
	must(t, db.FinishInvocations(ctx, c.ID, func(inv *command.Invocation) bool {
		inv.EndedAt = at(5, 0, 0, 0)
		if inv.Status == command.StatusInProgress {
			inv.Status, inv.StatusDetails = command.StatusTimedOut, command.DetailExecutionTimedOut
		} else {
			inv.Status, inv.StatusDetails = command.StatusTimedOut, command.DetailDeliveryTimedOut
		}
		return true
	}, allDone))
	t.Logf("FinishInvocations(%d invocations) on %s: %v", targets, db.Engine(), time.Since(began))
	want := *cl.Command
	want.Status, want.StatusDetails = command.StatusFailed, command.DetailFailed
	want.CompletedCount, want.ErrorCount, want.DeliveryTimedOutCount = targets, online, targets-online
	if diff := cmp.Diff(&want, getCommand(t, db, c.ID)); diff != "" {
		t.Errorf("GetCommand after FinishInvocations mismatch (-want +got):\n%s", diff)
	}
	last := getInvocation(t, db, c.ID, ids[targets-1])
	if last.Status != command.StatusTimedOut || last.StatusDetails != command.DetailDeliveryTimedOut || !last.EndedAt.Equal(at(5, 0, 0, 0)) {
		t.Errorf("GetInvocation(last) after FinishInvocations = %+v, want TimedOut, DeliveryTimedOut", last)
	}
}

func testCommandClaim(t *testing.T, db *store.DB) {
	ctx := context.Background()
	ids := onlineInstances(t, db, 4)
	cl, err := db.ClaimInvocations(ctx, "c-nope", cmdPing, cmdPing, cmdOnline, capacityOf(5))
	must(t, err)
	if diff := cmp.Diff(&command.Claim{}, cl); diff != "" {
		t.Errorf("ClaimInvocations(missing) mismatch (-want +got):\n%s", diff)
	}

	c, invs := newCommand("c-1", at(1, 0, 0, 0), ids[3], ids[1], ids[0], ids[2])
	createCommand(t, db, c, invs)
	now := at(4, 0, 0, 7)
	var seen []int
	cl, claimed := claim(t, db, c.ID, now, now, func(got *command.Command, inFlight int) int {
		if got.ID != c.ID {
			t.Errorf("capacity called with command %s, want %s", got.ID, c.ID)
		}
		seen = append(seen, inFlight)
		return 2
	})
	wantCmd := *c
	wantCmd.Status, wantCmd.StatusDetails = command.StatusInProgress, command.DetailInProgress
	var wantInvs []*command.Invocation
	for _, id := range ids[:2] {
		inv := &command.Invocation{
			CommandID: c.ID, InstanceID: id, InstanceName: "host-" + id, Status: command.StatusInProgress,
			StatusDetails: command.DetailInProgress, RequestedAt: c.RequestedAt, DispatchedAt: now, Attempts: 1,
		}
		wantInvs = append(wantInvs, inv)
	}
	if diff := cmp.Diff(&command.Claim{Command: &wantCmd, Invocations: wantInvs}, cl); diff != "" {
		t.Errorf("ClaimInvocations(capacity 2) mismatch (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(&wantCmd, getCommand(t, db, c.ID)); diff != "" {
		t.Errorf("GetCommand after a claim mismatch (-want +got):\n%s", diff)
	}
	for _, want := range wantInvs {
		if diff := cmp.Diff(want, getInvocation(t, db, c.ID, want.InstanceID)); diff != "" {
			t.Errorf("GetInvocation(%s) after a claim mismatch (-want +got):\n%s", want.InstanceID, diff)
		}
	}

	_, claimed = claim(t, db, c.ID, now, now, func(_ *command.Command, inFlight int) int {
		seen = append(seen, inFlight)
		return 3 - inFlight
	})
	if diff := cmp.Diff(ids[2:3], claimed); diff != "" {
		t.Errorf("ClaimInvocations(capacity 3 - in flight) mismatch (-want +got):\n%s", diff)
	}
	for _, capacity := range []int{0, -2} {
		cl, claimed = claim(t, db, c.ID, now, now, func(_ *command.Command, inFlight int) int {
			seen = append(seen, inFlight)
			return capacity
		})
		if claimed != nil || cl.Command == nil || cl.Command.Status != command.StatusInProgress {
			t.Errorf("ClaimInvocations(capacity %d) = %+v, %v; want the command and no invocations", capacity, cl.Command, claimed)
		}
	}
	if diff := cmp.Diff([]int{0, 2, 3, 3}, seen); diff != "" {
		t.Errorf("in flight given to capacity mismatch (-want +got):\n%s", diff)
	}
	if got := getInvocation(t, db, c.ID, ids[3]); got.Status != command.StatusPending || got.Attempts != 0 {
		t.Errorf("GetInvocation(unclaimed) = %+v, want Pending", got)
	}

	// A command that claims nothing stays Pending.
	idle, idleInvs := newCommand("c-idle", at(1, 0, 0, 0), ids[0])
	createCommand(t, db, idle, idleInvs)
	cl, _ = claim(t, db, idle.ID, now, now, capacityOf(0))
	if diff := cmp.Diff(idle, cl.Command); diff != "" {
		t.Errorf("ClaimInvocations(nothing to claim) command mismatch (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(idle, getCommand(t, db, idle.ID)); diff != "" {
		t.Errorf("GetCommand after claiming nothing mismatch (-want +got):\n%s", diff)
	}

	// A terminal command yields nothing.
	done, doneInvs := newCommand("c-done", at(1, 0, 0, 0), ids...)
	done.Status, done.StatusDetails = command.StatusCancelled, command.DetailCancelled
	createCommand(t, db, done, doneInvs)
	cl, err = db.ClaimInvocations(ctx, done.ID, now, now, cmdOnline, func(*command.Command, int) int {
		t.Error("capacity called for a terminal command")
		return 5
	})
	must(t, err)
	if diff := cmp.Diff(&command.Claim{}, cl); diff != "" {
		t.Errorf("ClaimInvocations(terminal) mismatch (-want +got):\n%s", diff)
	}
	if got := getInvocation(t, db, done.ID, ids[0]); got.Status != command.StatusPending {
		t.Errorf("GetInvocation(of a terminal command) after a claim = %s, want Pending", got.Status)
	}
}

func testCommandClaimOnline(t *testing.T, db *store.DB) {
	ctx := context.Background()
	ids := onlineInstances(t, db, 7)
	// Of the late instances, the first pinged exactly at cmdOnline, the
	// second just before, the third not since registering; instance 7 is
	// deregistered, mi-nope never registered.
	a := newActivation("act-late", 10, at(1, 0, 0, 0))
	must(t, db.CreateActivation(ctx, a))
	late := []*fleet.Instance{newInstance(100, a), newInstance(101, a), newInstance(102, a)}
	register(t, db, a, late...)
	must(t, db.TouchInstances(ctx, map[fleet.InstanceID]time.Time{
		late[0].ID: cmdOnline,
		late[1].ID: cmdOnline.Add(-time.Millisecond),
	}))
	must(t, db.DeregisterInstance(ctx, fleet.InstanceID(ids[6]), at(3, 30, 0, 0)))
	targets := append(slices.Clone(ids), string(late[0].ID), string(late[1].ID), string(late[2].ID), "mi-nope")
	c, invs := newCommand("c-1", at(1, 0, 0, 0), targets...)
	createCommand(t, db, c, invs)

	_, claimed := claim(t, db, c.ID, cmdPing, cmdPing, capacityOf(100))
	want := append(slices.Clone(ids[:6]), string(late[0].ID))
	if diff := cmp.Diff(want, claimed); diff != "" {
		t.Errorf("ClaimInvocations(online only) mismatch (-want +got):\n%s", diff)
	}
	_, claimed = claim(t, db, c.ID, cmdPing, cmdPing, capacityOf(100))
	if claimed != nil {
		t.Errorf("ClaimInvocations(again) = %v, want none: the rest are offline", claimed)
	}
	// A ping brings one online.
	must(t, db.TouchInstances(ctx, map[fleet.InstanceID]time.Time{late[2].ID: at(4, 0, 0, 0)}))
	_, claimed = claim(t, db, c.ID, cmdPing, cmdPing, capacityOf(100))
	if diff := cmp.Diff([]string{string(late[2].ID)}, claimed); diff != "" {
		t.Errorf("ClaimInvocations(after a ping) mismatch (-want +got):\n%s", diff)
	}
	for _, id := range []string{ids[6], string(late[1].ID), "mi-nope"} {
		if got := getInvocation(t, db, c.ID, id); got.Status != command.StatusPending {
			t.Errorf("GetInvocation(offline %s) = %s, want Pending", id, got.Status)
		}
	}
}

func testCommandClaimDelayed(t *testing.T, db *store.DB) {
	ctx := context.Background()
	ids := onlineInstances(t, db, 4)
	c, invs := newCommand("c-1", at(1, 0, 0, 0), ids[:3]...)
	createCommand(t, db, c, invs)
	t1, t2, t3 := at(4, 0, 0, 0), at(4, 1, 0, 0), at(4, 2, 0, 0)
	_, claimed := claim(t, db, c.ID, t1, t1, capacityOf(3))
	if diff := cmp.Diff(ids[:3], claimed); diff != "" {
		t.Fatalf("ClaimInvocations(first) mismatch (-want +got):\n%s", diff)
	}
	for _, id := range ids[:2] {
		if ok, err := db.UpdateInvocation(ctx, c.ID, id, setState(command.StatusDelayed, command.DetailDelayed), keep); !ok || err != nil {
			t.Fatalf("UpdateInvocation(%s to Delayed) = %v, %v; want true", id, ok, err)
		}
	}

	// Delayed invocations are in flight, and are retried only when last
	// sent before retryBefore.
	var inFlight int
	_, claimed = claim(t, db, c.ID, t2, t1, func(_ *command.Command, n int) int {
		inFlight = n
		return 3 - n
	})
	if claimed != nil || inFlight != 3 {
		t.Errorf("ClaimInvocations(retry before their dispatch) = %v, in flight %d; want none, 3", claimed, inFlight)
	}
	// They are retried whatever the capacity: they hold their slots.
	// Instance 1 is no longer online.
	must(t, db.TouchInstances(ctx, map[fleet.InstanceID]time.Time{fleet.InstanceID(ids[1]): t2}))
	cl, err := db.ClaimInvocations(ctx, c.ID, t2, t1.Add(time.Millisecond), at(3, 30, 0, 0), capacityOf(0))
	must(t, err)
	want := getInvocation(t, db, c.ID, ids[1])
	if diff := cmp.Diff([]*command.Invocation{want}, cl.Invocations); diff != "" {
		t.Errorf("ClaimInvocations(retry) mismatch (-want +got):\n%s", diff)
	}
	if want.Status != command.StatusInProgress || want.Attempts != 2 || !want.DispatchedAt.Equal(t2) {
		t.Errorf("GetInvocation(retried) = %+v, want InProgress, 2 attempts, dispatched at %v", want, t2)
	}
	if got := getInvocation(t, db, c.ID, ids[0]); got.Status != command.StatusDelayed || got.Attempts != 1 {
		t.Errorf("GetInvocation(Delayed, offline) = %+v, want Delayed after 1 attempt", got)
	}

	// Pending invocations need capacity that Delayed ones take.
	c2, invs2 := newCommand("c-2", at(1, 0, 0, 0), ids...)
	createCommand(t, db, c2, invs2)
	_, claimed = claim(t, db, c2.ID, t1, t1, capacityOf(2))
	if diff := cmp.Diff(ids[:2], claimed); diff != "" {
		t.Errorf("ClaimInvocations(c-2, capacity 2) mismatch (-want +got):\n%s", diff)
	}
	if ok, err := db.UpdateInvocation(ctx, c2.ID, ids[0], setState(command.StatusDelayed, command.DetailDelayed), keep); !ok || err != nil {
		t.Fatalf("UpdateInvocation(c-2 %s to Delayed) = %v, %v; want true", ids[0], ok, err)
	}
	_, claimed = claim(t, db, c2.ID, t2, t2, capacityOf(2))
	if diff := cmp.Diff(ids[:1], claimed); diff != "" {
		t.Errorf("ClaimInvocations(c-2, retry with no capacity left) mismatch (-want +got):\n%s", diff)
	}
	if ok, err := db.UpdateInvocation(ctx, c2.ID, ids[1], setState(command.StatusSuccess, command.DetailSuccess), keep); !ok || err != nil {
		t.Fatalf("UpdateInvocation(c-2 %s to Success) = %v, %v; want true", ids[1], ok, err)
	}
	_, claimed = claim(t, db, c2.ID, t3, t3, capacityOf(2))
	if diff := cmp.Diff(ids[2:3], claimed); diff != "" {
		t.Errorf("ClaimInvocations(c-2, a slot freed) mismatch (-want +got):\n%s", diff)
	}
}

// testCommandClaimConcurrent has 10 dispatchers claim one command's 100
// invocations at once with a concurrency of 5: there are never more than
// 5 in flight, and each invocation is claimed once.
func testCommandClaimConcurrent(t *testing.T, db *store.DB) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	const targets, workers, concurrency = 100, 10, 5
	ids := onlineInstances(t, db, targets)
	c, invs := newCommand("c-1", at(1, 0, 0, 0), ids...)
	createCommand(t, db, c, invs)
	capacity := func(_ *command.Command, inFlight int) int { return max(0, concurrency-inFlight) }
	now := at(4, 0, 0, 0)

	// All at once on an idle command: 5 claimed in all.
	claims := make([]*command.Claim, workers)
	errs := make([]error, workers)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			claims[i], errs[i] = db.ClaimInvocations(ctx, c.ID, now, now, cmdOnline, capacity)
		}()
	}
	close(start)
	wg.Wait()
	var first []string
	for i := range workers {
		must(t, errs[i])
		for _, inv := range claims[i].Invocations {
			first = append(first, inv.InstanceID)
		}
	}
	slices.Sort(first)
	if diff := cmp.Diff(ids[:concurrency], first); diff != "" {
		t.Fatalf("%d claims at once mismatch (-want +got):\n%s", workers, diff)
	}
	for _, id := range first {
		if ok, err := db.UpdateInvocation(ctx, c.ID, id, setState(command.StatusSuccess, command.DetailSuccess), allDone); !ok || err != nil {
			t.Fatalf("UpdateInvocation(%s) = %v, %v; want true", id, ok, err)
		}
	}

	// Then claiming and finishing freely. inFlight counts what a claim
	// returned, less what is about to finish: never more than the
	// store holds in flight.
	var inFlight, most, finished atomic.Int64
	finished.Store(concurrency)
	claimed := make([]atomic.Int64, targets)
	for _, id := range first {
		claimed[slices.Index(ids, id)].Add(1)
	}
	began := time.Now()
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for finished.Load() < targets && ctx.Err() == nil {
				cl, err := db.ClaimInvocations(ctx, c.ID, now, now, cmdOnline, capacity)
				if err != nil {
					t.Errorf("ClaimInvocations: %v", err)
					return
				}
				n := inFlight.Add(int64(len(cl.Invocations)))
				for m := most.Load(); n > m && !most.CompareAndSwap(m, n); m = most.Load() {
				}
				for _, inv := range cl.Invocations {
					claimed[slices.Index(ids, inv.InstanceID)].Add(1)
					inFlight.Add(-1)
					ok, err := db.UpdateInvocation(ctx, c.ID, inv.InstanceID, setState(command.StatusSuccess, command.DetailSuccess), allDone)
					if !ok || err != nil {
						t.Errorf("UpdateInvocation(%s) = %v, %v; want true", inv.InstanceID, ok, err)
						return
					}
					finished.Add(1)
				}
			}
		}()
	}
	wg.Wait()
	t.Logf("%d dispatchers claimed %d invocations, %d at most at once, on %s: %v", workers, targets, concurrency, db.Engine(), time.Since(began))
	must(t, ctx.Err())
	if n := most.Load(); n > concurrency {
		t.Errorf("%d invocations in flight at once, want at most %d", n, concurrency)
	}
	for i := range claimed {
		if n := claimed[i].Load(); n != 1 {
			t.Errorf("invocation on %s claimed %d times, want once", ids[i], n)
		}
	}
	got := getCommand(t, db, c.ID)
	if got.Status != command.StatusSuccess || got.CompletedCount != targets {
		t.Errorf("GetCommand after every claim = %s, %d completed; want Success, %d", got.Status, got.CompletedCount, targets)
	}
}

func testCommandUpdateInvocation(t *testing.T, db *store.DB) {
	ctx := context.Background()
	c, invs := newCommand("c-1", at(1, 0, 0, 0), "mi-1", "mi-2", "mi-3")
	createCommand(t, db, c, invs)
	type call struct {
		counters [3]int
		counts   map[string]int
	}
	var calls []call
	decide := func(c *command.Command, counts map[string]int) (string, string) {
		calls = append(calls, call{[3]int{c.CompletedCount, c.ErrorCount, c.DeliveryTimedOutCount}, counts})
		return allDone(c, counts)
	}
	changed := false
	noChange := func(inv *command.Invocation) bool {
		changed = true
		inv.Status = command.StatusFailed
		return false
	}
	for _, key := range [][2]string{{"c-nope", "mi-1"}, {"c-1", "mi-9"}} {
		ok, err := db.UpdateInvocation(ctx, key[0], key[1], noChange, decide)
		if ok || !errors.Is(err, awserr.NotFound) {
			t.Errorf("UpdateInvocation(%s, %s) = %v, %v; want false, NotFound", key[0], key[1], ok, err)
		}
	}
	if ok, err := db.UpdateInvocation(ctx, c.ID, "mi-1", noChange, decide); ok || err != nil || !changed {
		t.Errorf("UpdateInvocation(no change) = %v, %v, change called %v; want false, nil, true", ok, err, changed)
	}
	if diff := cmp.Diff(invs[0], getInvocation(t, db, c.ID, "mi-1")); diff != "" {
		t.Errorf("GetInvocation after no change mismatch (-want +got):\n%s", diff)
	}

	started := func(inv *command.Invocation) bool {
		inv.Status, inv.StatusDetails, inv.StartedAt = command.StatusInProgress, command.DetailInProgress, at(2, 0, 0, 0)
		return true
	}
	succeeded := func(inv *command.Invocation) bool {
		inv.Status, inv.StatusDetails, inv.EndedAt, inv.Plugins = command.StatusSuccess, command.DetailSuccess, at(2, 0, 5, 0), `[{"Name":"run"}]`
		return true
	}
	failed := func(inv *command.Invocation) bool {
		inv.Status, inv.StatusDetails, inv.ResponseCode = command.StatusFailed, command.DetailFailed, 2
		inv.InstanceID, inv.CommandID = "mi-moved", "c-moved" // not moved
		return true
	}
	updates := []struct {
		instance string
		change   func(*command.Invocation) bool
		counts   map[string]int
		counters [3]int
	}{
		{"mi-1", started, map[string]int{command.DetailPending: 2, command.DetailInProgress: 1}, [3]int{0, 0, 0}},
		{"mi-1", succeeded, map[string]int{command.DetailPending: 2, command.DetailSuccess: 1}, [3]int{1, 0, 0}},
		{"mi-2", failed, map[string]int{command.DetailPending: 1, command.DetailSuccess: 1, command.DetailFailed: 1}, [3]int{2, 1, 0}},
		{"mi-3", setState(command.StatusTimedOut, command.DetailDeliveryTimedOut),
			map[string]int{command.DetailSuccess: 1, command.DetailFailed: 1, command.DetailDeliveryTimedOut: 1}, [3]int{3, 1, 1}},
	}
	for i, tt := range updates {
		want := getInvocation(t, db, c.ID, tt.instance)
		tt.change(want)
		want.CommandID, want.InstanceID = c.ID, tt.instance
		calls = nil
		if ok, err := db.UpdateInvocation(ctx, c.ID, tt.instance, tt.change, decide); !ok || err != nil {
			t.Fatalf("UpdateInvocation %d (%s) = %v, %v; want true", i, tt.instance, ok, err)
		}
		if diff := cmp.Diff(want, getInvocation(t, db, c.ID, tt.instance)); diff != "" {
			t.Errorf("GetInvocation after update %d mismatch (-want +got):\n%s", i, diff)
		}
		if diff := cmp.Diff([]call{{tt.counters, tt.counts}}, calls, cmp.AllowUnexported(call{})); diff != "" {
			t.Errorf("decide calls of update %d mismatch (-want +got):\n%s", i, diff)
		}
		got := getCommand(t, db, c.ID)
		if counters := [3]int{got.CompletedCount, got.ErrorCount, got.DeliveryTimedOutCount}; counters != tt.counters {
			t.Errorf("command counters after update %d = %v, want %v", i, counters, tt.counters)
		}
		if i < len(updates)-1 && got.Status != command.StatusPending {
			t.Errorf("command status after update %d = %s, want Pending kept", i, got.Status)
		}
	}
	_, err := db.GetInvocation(ctx, c.ID, "mi-moved")
	wantKind(t, "GetInvocation(moved by a change)", err, awserr.NotFound)
	want := *c
	want.Status, want.StatusDetails = command.StatusFailed, command.DetailFailed
	want.CompletedCount, want.ErrorCount, want.DeliveryTimedOutCount = 3, 1, 1
	if diff := cmp.Diff(&want, getCommand(t, db, c.ID)); diff != "" {
		t.Errorf("GetCommand after every update mismatch (-want +got):\n%s", diff)
	}

	// Terminal invocations are left alone.
	changed, calls = false, nil
	before := getInvocation(t, db, c.ID, "mi-1")
	if ok, err := db.UpdateInvocation(ctx, c.ID, "mi-1", func(inv *command.Invocation) bool {
		changed = true
		return started(inv)
	}, decide); ok || err != nil || changed || calls != nil {
		t.Errorf("UpdateInvocation(terminal) = %v, %v, change called %v, decide called %d times; want false, nil, none", ok, err, changed, len(calls))
	}
	if diff := cmp.Diff(before, getInvocation(t, db, c.ID, "mi-1")); diff != "" {
		t.Errorf("GetInvocation(terminal) after an update mismatch (-want +got):\n%s", diff)
	}
}

func testCommandFinishInvocations(t *testing.T, db *store.DB) {
	ctx := context.Background()
	c, invs := newCommand("c-1", at(1, 0, 0, 0), "mi-1", "mi-2", "mi-3", "mi-4", "mi-5", "mi-6")
	for i, status := range []string{command.StatusSuccess, command.StatusInProgress, command.StatusPending,
		command.StatusDelayed, command.StatusCancelling, command.StatusPending} {
		invs[i].Status, invs[i].StatusDetails = status, status
	}
	createCommand(t, db, c, invs)
	var called []string
	end := at(6, 0, 0, 0)
	change := func(inv *command.Invocation) bool {
		called = append(called, inv.InstanceID)
		switch inv.Status {
		case command.StatusInProgress:
			inv.Status, inv.StatusDetails = command.StatusTimedOut, command.DetailExecutionTimedOut
		case command.StatusDelayed:
			inv.Status, inv.StatusDetails = command.StatusTimedOut, command.DetailDeliveryTimedOut
		default:
			if inv.InstanceID == "mi-6" {
				return false
			}
			inv.Status, inv.StatusDetails = command.StatusCancelled, command.DetailCancelled
		}
		inv.EndedAt = end
		inv.InstanceID = "mi-moved" // not moved
		return true
	}
	var counts map[string]int
	decide := func(c *command.Command, n map[string]int) (string, string) {
		counts = n
		return command.StatusCancelled, command.DetailIncomplete
	}
	must(t, db.FinishInvocations(ctx, c.ID, change, decide))
	if diff := cmp.Diff([]string{"mi-2", "mi-3", "mi-4", "mi-5", "mi-6"}, called); diff != "" {
		t.Errorf("FinishInvocations changed invocations mismatch (-want +got):\n%s", diff)
	}
	finished := map[string][2]string{
		"mi-1": {command.StatusSuccess, command.DetailSuccess},
		"mi-2": {command.StatusTimedOut, command.DetailExecutionTimedOut},
		"mi-3": {command.StatusCancelled, command.DetailCancelled},
		"mi-4": {command.StatusTimedOut, command.DetailDeliveryTimedOut},
		"mi-5": {command.StatusCancelled, command.DetailCancelled},
		"mi-6": {command.StatusPending, command.StatusPending},
	}
	for _, inv := range invs {
		want := *inv
		want.Status, want.StatusDetails = finished[inv.InstanceID][0], finished[inv.InstanceID][1]
		if inv.InstanceID != "mi-1" && inv.InstanceID != "mi-6" {
			want.EndedAt = end
		}
		if diff := cmp.Diff(&want, getInvocation(t, db, c.ID, inv.InstanceID)); diff != "" {
			t.Errorf("GetInvocation(%s) after FinishInvocations mismatch (-want +got):\n%s", inv.InstanceID, diff)
		}
	}
	wantCounts := map[string]int{command.DetailSuccess: 1, command.DetailExecutionTimedOut: 1, command.DetailCancelled: 2,
		command.DetailDeliveryTimedOut: 1, command.DetailPending: 1}
	if diff := cmp.Diff(wantCounts, counts); diff != "" {
		t.Errorf("counts given to decide mismatch (-want +got):\n%s", diff)
	}
	want := *c
	want.Status, want.StatusDetails = command.StatusCancelled, command.DetailIncomplete
	want.CompletedCount, want.ErrorCount, want.DeliveryTimedOutCount = 5, 1, 1
	if diff := cmp.Diff(&want, getCommand(t, db, c.ID)); diff != "" {
		t.Errorf("GetCommand after FinishInvocations mismatch (-want +got):\n%s", diff)
	}

	// Again: only the one left is changed. With none left, the command
	// is recounted still.
	called = nil
	must(t, db.FinishInvocations(ctx, c.ID, setState(command.StatusCancelled, command.DetailCancelled), func(c *command.Command, n map[string]int) (string, string) {
		counts = n
		return "", ""
	}))
	if got := getInvocation(t, db, c.ID, "mi-6"); got.Status != command.StatusCancelled {
		t.Errorf("GetInvocation(mi-6) after FinishInvocations again = %s, want Cancelled", got.Status)
	}
	want.CompletedCount = 6
	if diff := cmp.Diff(&want, getCommand(t, db, c.ID)); diff != "" {
		t.Errorf("GetCommand after FinishInvocations again mismatch (-want +got):\n%s", diff)
	}
	must(t, db.FinishInvocations(ctx, c.ID, func(inv *command.Invocation) bool {
		t.Errorf("change called for %s, which is terminal", inv.InstanceID)
		return false
	}, allDone))
	want.Status, want.StatusDetails = command.StatusFailed, command.DetailFailed // all done, one error
	if diff := cmp.Diff(&want, getCommand(t, db, c.ID)); diff != "" {
		t.Errorf("GetCommand after FinishInvocations with none left mismatch (-want +got):\n%s", diff)
	}
	wantKind(t, "FinishInvocations(missing)", db.FinishInvocations(ctx, "c-nope", change, decide), awserr.NotFound)
}
