// Copyright 2026 The kanri Authors
// SPDX-License-Identifier: Apache-2.0

package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/kanri-dev/kanri/internal/awserr"
	"github.com/kanri-dev/kanri/internal/command"
)

// DB implements the storage Run Command needs.
var _ command.Store = (*DB)(nil)

// Invocations one statement handles, well below maxArgs.
const (
	// rowBatch is how many invocations one multi-row INSERT or UPDATE …
	// FROM (VALUES …) writes, 12 arguments each. Larger statements cost
	// disproportionately more to plan (PostgreSQL) or run (SQLite): 5,000
	// rows in batches of 1,000 took 2 to 5 times as long as in batches
	// of 200.
	rowBatch = 200
	// claimBatch is how many invocations one claim's UPDATE marks, by an
	// IN list of their instance IDs.
	claimBatch = 1000
)

// statuses are every command and invocation status; terminalStatuses
// and activeStatuses split them by command.Terminal, for SQL IN lists.
var (
	statuses = []string{command.StatusPending, command.StatusInProgress, command.StatusDelayed, command.StatusSuccess,
		command.StatusCancelled, command.StatusTimedOut, command.StatusFailed, command.StatusCancelling}
	terminalStatuses = slices.DeleteFunc(slices.Clone(statuses), func(s string) bool { return !command.Terminal(s) })
	activeStatuses   = slices.DeleteFunc(slices.Clone(statuses), command.Terminal)
)

// stringArgs returns vs as statement arguments.
func stringArgs(vs []string) []any {
	out := make([]any, len(vs))
	for i, v := range vs {
		out[i] = v
	}
	return out
}

// jsonParams encodes a command's parameters for a JSON text column; none
// is "{}". Encoding lists of strings cannot fail.
func jsonParams(m map[string][]string) string {
	if len(m) == 0 {
		return "{}"
	}
	b, _ := json.Marshal(m)
	return string(b)
}

// parseParams decodes a JSON text column written by jsonParams; none is
// nil.
func parseParams(s string) (map[string][]string, error) {
	var m map[string][]string
	if err := json.Unmarshal([]byte(s), &m); err != nil {
		return nil, err
	}
	if len(m) == 0 {
		return nil, nil
	}
	return m, nil
}

const commandColumns = `c.command_id, c.account_id, c.document_name, c.document_version, c.document_hash, c.comment,
	c.parameters, c.targets, c.requested_at, c.expires_at, c.timeout_seconds, c.max_concurrency, c.max_errors,
	c.output_bucket, c.output_prefix, c.service_role, c.notification, c.requested_by, c.status, c.status_details,
	c.target_count, c.completed_count, c.error_count, c.delivery_timed_out`

func scanCommand(row rowScanner) (*command.Command, error) {
	c := &command.Command{}
	var params string
	var requested, expires int64
	if err := row.Scan(&c.ID, &c.Account, &c.DocumentName, &c.DocumentVersion, &c.DocumentHash, &c.Comment,
		&params, &c.Targets, &requested, &expires, &c.TimeoutSeconds, &c.MaxConcurrency, &c.MaxErrors,
		&c.OutputBucket, &c.OutputPrefix, &c.ServiceRole, &c.Notification, &c.RequestedBy, &c.Status, &c.StatusDetails,
		&c.TargetCount, &c.CompletedCount, &c.ErrorCount, &c.DeliveryTimedOutCount); err != nil {
		return nil, err
	}
	c.RequestedAt = fromMillis(requested)
	c.ExpiresAt = fromMillisOrZero(expires)
	var err error
	if c.Parameters, err = parseParams(params); err != nil {
		return nil, fmt.Errorf("command %s parameters: %w", c.ID, err)
	}
	return c, nil
}

// The columns of an invocation: invocationKey, then invocationFields,
// the ones a change may write.
const (
	invocationColumns = "i.command_id, i.instance_id, " + invocationFields
	invocationFields  = `i.instance_name, i.status, i.status_details, i.requested_at, i.dispatched_at, i.attempts,
	i.started_at, i.ended_at, i.response_code, i.plugins`
)

func scanInvocation(row rowScanner) (*command.Invocation, error) {
	inv := &command.Invocation{}
	var requested, dispatched, started, ended int64
	if err := row.Scan(&inv.CommandID, &inv.InstanceID, &inv.InstanceName, &inv.Status, &inv.StatusDetails,
		&requested, &dispatched, &inv.Attempts, &started, &ended, &inv.ResponseCode, &inv.Plugins); err != nil {
		return nil, err
	}
	inv.RequestedAt = fromMillis(requested)
	inv.DispatchedAt = fromMillisOrZero(dispatched)
	inv.StartedAt = fromMillisOrZero(started)
	inv.EndedAt = fromMillisOrZero(ended)
	return inv, nil
}

// invocationArgs returns inv's columns in the order of invocationColumns.
func invocationArgs(inv *command.Invocation) []any {
	return []any{inv.CommandID, inv.InstanceID, inv.InstanceName, inv.Status, inv.StatusDetails, millis(inv.RequestedAt),
		millisOrZero(inv.DispatchedAt), inv.Attempts, millisOrZero(inv.StartedAt), millisOrZero(inv.EndedAt),
		inv.ResponseCode, inv.Plugins}
}

// CreateCommand stores the command c and its invocations invs, as they
// are (the caller makes them Pending), in one transaction; each
// invocation belongs to c whatever its CommandID says. The invocations
// are written rowBatch rows a statement. A command with c's ID, or
// two invocations on one instance, is an error of kind Exists.
func (db *DB) CreateCommand(ctx context.Context, c *command.Command, invs []*command.Invocation) error {
	return db.inTx(ctx, func(tx *Tx) error {
		_, err := tx.exec(ctx, `INSERT INTO cmd_commands (command_id, account_id, document_name, document_version,
			document_hash, comment, parameters, targets, requested_at, expires_at, timeout_seconds, max_concurrency,
			max_errors, output_bucket, output_prefix, service_role, notification, requested_by, status, status_details,
			target_count, completed_count, error_count, delivery_timed_out, dispatch_seq)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0)`,
			c.ID, c.Account, c.DocumentName, c.DocumentVersion, c.DocumentHash, c.Comment, jsonParams(c.Parameters),
			c.Targets, millis(c.RequestedAt), millisOrZero(c.ExpiresAt), c.TimeoutSeconds, c.MaxConcurrency, c.MaxErrors,
			c.OutputBucket, c.OutputPrefix, c.ServiceRole, c.Notification, c.RequestedBy, c.Status, c.StatusDetails,
			c.TargetCount, c.CompletedCount, c.ErrorCount, c.DeliveryTimedOutCount)
		if isUniqueViolation(err) {
			return exists("command " + c.ID)
		}
		if err != nil {
			return err
		}
		for chunk := range slices.Chunk(invs, rowBatch) {
			vals := make([]any, 0, 12*len(chunk))
			for _, inv := range chunk {
				a := invocationArgs(inv)
				a[0] = c.ID
				vals = append(vals, a...)
			}
			_, err := tx.exec(ctx, `INSERT INTO cmd_invocations (command_id, instance_id, instance_name, status,
				status_details, requested_at, dispatched_at, attempts, started_at, ended_at, response_code, plugins)
				VALUES `+rowsOf(len(chunk), "?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?"), vals...)
			if isUniqueViolation(err) {
				return exists("invocation of command " + c.ID + " on an instance listed twice")
			}
			if err != nil {
				return fmt.Errorf("command %s invocations: %w", c.ID, err)
			}
		}
		return nil
	})
}

// GetCommand returns the command with the given ID, of any account.
func (db *DB) GetCommand(ctx context.Context, id string) (*command.Command, error) {
	return getOne(ctx, db, scanCommand, "command "+id, "SELECT "+commandColumns+" FROM cmd_commands c WHERE c.command_id = ?", id)
}

// commandPosition returns when the account's command id was requested,
// the position a listing continues after. A command that is not the
// account's (say, deleted while paging) is an error of kind Invalid: its
// position is lost.
func (db *DB) commandPosition(ctx context.Context, account, id string) (int64, error) {
	var requested int64
	err := db.queryRow(ctx, "SELECT requested_at FROM cmd_commands WHERE account_id = ? AND command_id = ?", account, id).Scan(&requested)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, fmt.Errorf("list after command %s: no such command: %w", id, awserr.Invalid)
	}
	return requested, err
}

// commandWhere adds to w the conditions on the commands c that select
// the account's commands with the ID, in the status, of the document
// ("": any), requested from after to before (both included; zero times
// are open ends).
func commandWhere(w *where, account, id, status, document string, after, before time.Time) {
	w.add("c.account_id = ?", account)
	if id != "" {
		w.add("c.command_id = ?", id)
	}
	if status != "" {
		w.add("c.status = ?", status)
	}
	if document != "" {
		w.add("c.document_name = ?", document)
	}
	if !after.IsZero() {
		w.add("c.requested_at >= ?", millis(after))
	}
	if !before.IsZero() {
		w.add("c.requested_at <= ?", millis(before))
	}
}

// ListCommands returns the account's commands that f selects, newest
// first (by request time, then ID descending): those after the command
// f.After when it is not "", at most f.Limit (0: no limit). Status and
// StatusDetails select the command's status and status details; InvokedAfter and InvokedBefore include
// commands requested at those times. An f.After that is not a command of
// the account is an error of kind Invalid.
func (db *DB) ListCommands(ctx context.Context, account string, f command.CommandFilter) ([]*command.Command, error) {
	var w where
	commandWhere(&w, account, f.CommandID, f.Status, f.DocumentName, f.InvokedAfter, f.InvokedBefore)
	if f.StatusDetails != "" {
		w.add("c.status_details = ?", f.StatusDetails)
	}
	if f.InstanceID != "" {
		w.add("EXISTS (SELECT 1 FROM cmd_invocations i WHERE i.command_id = c.command_id AND i.instance_id = ?)", f.InstanceID)
	}
	if f.After != "" {
		requested, err := db.commandPosition(ctx, account, f.After)
		if err != nil {
			return nil, err
		}
		w.add("(c.requested_at < ? OR (c.requested_at = ? AND c.command_id < ?))", requested, requested, f.After)
	}
	query := "SELECT " + commandColumns + " FROM cmd_commands c" + w.String() +
		" ORDER BY c.requested_at DESC, c.command_id DESC" + limit(f.Limit, &w.args)
	return queryAll(ctx, db, scanCommand, query, w.args...)
}

// GetInvocation returns the invocation of a command on an instance.
func (db *DB) GetInvocation(ctx context.Context, commandID, instanceID string) (*command.Invocation, error) {
	return getOne(ctx, db, scanInvocation, "invocation of command "+commandID+" on "+instanceID,
		"SELECT "+invocationColumns+" FROM cmd_invocations i WHERE i.command_id = ? AND i.instance_id = ?", commandID, instanceID)
}

// ListInvocations returns the invocations of the account's commands that
// f selects, ordered by command as ListCommands orders them, then by
// instance ID: those after the position (f.AfterCommand,
// f.AfterInstance) when f.AfterCommand is not "", at most f.Limit (0: no
// limit). An AfterInstance of "" continues with the first invocation of
// AfterCommand. Status and StatusDetails select the invocation's;
// DocumentName and
// the time range select its command's. An AfterCommand that is not a
// command of the account is an error of kind Invalid.
func (db *DB) ListInvocations(ctx context.Context, account string, f command.InvocationFilter) ([]*command.Invocation, error) {
	var w where
	commandWhere(&w, account, f.CommandID, "", f.DocumentName, f.InvokedAfter, f.InvokedBefore)
	if f.InstanceID != "" {
		w.add("i.instance_id = ?", f.InstanceID)
	}
	if f.Status != "" {
		w.add("i.status = ?", f.Status)
	}
	if f.StatusDetails != "" {
		w.add("i.status_details = ?", f.StatusDetails)
	}
	if f.AfterCommand != "" {
		requested, err := db.commandPosition(ctx, account, f.AfterCommand)
		if err != nil {
			return nil, err
		}
		w.add("(c.requested_at < ? OR (c.requested_at = ? AND (c.command_id < ? OR (c.command_id = ? AND i.instance_id > ?))))",
			requested, requested, f.AfterCommand, f.AfterCommand, f.AfterInstance)
	}
	query := "SELECT " + invocationColumns + " FROM cmd_invocations i JOIN cmd_commands c ON c.command_id = i.command_id" + w.String() +
		" ORDER BY c.requested_at DESC, c.command_id DESC, i.instance_id" + limit(f.Limit, &w.args)
	return queryAll(ctx, db, scanInvocation, query, w.args...)
}

// ActiveCommands returns the IDs of every command whose status is not
// terminal, of any account, oldest first.
func (db *DB) ActiveCommands(ctx context.Context) ([]string, error) {
	return queryAll(ctx, db, func(row rowScanner) (string, error) {
		var id string
		err := row.Scan(&id)
		return id, err
	}, "SELECT command_id FROM cmd_commands WHERE status IN ("+placeholders(len(activeStatuses))+
		") ORDER BY requested_at, command_id", stringArgs(activeStatuses)...)
}
