// Copyright 2026 The kanri Authors
// SPDX-License-Identifier: Apache-2.0

package store

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/kanri-dev/kanri/internal/awserr"
	"github.com/kanri-dev/kanri/internal/command"
)

// The dispatch methods serialize on the command's row: each first
// updates it (ClaimInvocations bumps dispatch_seq, the others write it
// unchanged), which on PostgreSQL holds off every other of them for the
// command until the transaction ends, and each statement after it sees
// what they committed; SQLite has one writer anyway. They then lock the
// command's invocations' rows, always in that order, so they cannot
// deadlock. Their callbacks (capacity, change, decide) run inside the
// transaction, may run more than once when it is retried, and must have
// no other effects.

// lockCommand takes the command's row lock with the assignment set and
// returns the command as it is then. A missing command is an error of
// kind NotFound.
func (t *Tx) lockCommand(ctx context.Context, id, set string) (*command.Command, error) {
	res, err := t.exec(ctx, "UPDATE cmd_commands SET "+set+" WHERE command_id = ?", id)
	if err := mustAffect(res, err, "command "+id); err != nil {
		return nil, err
	}
	return scanCommand(t.queryRow(ctx, "SELECT "+commandColumns+" FROM cmd_commands c WHERE c.command_id = ?", id))
}

// invocations returns the invocations query selects.
func (t *Tx) invocations(ctx context.Context, query string, args ...any) ([]*command.Invocation, error) {
	rows, err := t.query(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	return scanAll(rows, scanInvocation)
}

// ClaimInvocations takes, for one command, the invocations that may be
// sent now, marks them InProgress (details InProgress, DispatchedAt now,
// Attempts+1) and moves the command from Pending to InProgress when it
// claims any. It returns the command and the invocations, as stored
// after that. A missing or terminal command yields a Claim with neither.
//
// Only invocations on instances whose last ping is at or after
// onlineSince are claimed, in instance ID order. In flight are the
// command's InProgress and Delayed invocations; capacity(command, in
// flight) says how many more may be: that many Pending invocations at
// most are claimed. Delayed invocations last dispatched before
// retryBefore are claimed as well, whatever the capacity: each holds its
// slot in flight already, and re-sending it does not add to the number
// in flight, so the concurrency holds; were they bound by the capacity,
// a command whose every slot is Delayed could never retry. A command to
// stop (say, past its error threshold or its delivery deadline) is
// stopped by finishing its invocations, not by a capacity of 0.
//
// Claims of a command are serialized on its row, so servers claiming at
// once never take it past its concurrency.
func (db *DB) ClaimInvocations(ctx context.Context, commandID string, now, retryBefore, onlineSince time.Time,
	capacity func(c *command.Command, inFlight int) int) (*command.Claim, error) {
	var claim *command.Claim
	err := db.inTx(ctx, func(tx *Tx) error {
		claim = &command.Claim{}
		c, err := tx.lockCommand(ctx, commandID, "dispatch_seq = dispatch_seq + 1")
		if errors.Is(err, awserr.NotFound) {
			return nil
		}
		if err != nil {
			return err
		}
		if command.Terminal(c.Status) {
			return nil
		}
		var inFlight int
		if err := tx.queryRow(ctx, "SELECT COUNT(*) FROM cmd_invocations WHERE command_id = ? AND status IN (?, ?)",
			commandID, command.StatusInProgress, command.StatusDelayed).Scan(&inFlight); err != nil {
			return err
		}
		const online = "SELECT " + invocationColumns + ` FROM cmd_invocations i
			JOIN fleet_instances f ON f.instance_id = i.instance_id
			WHERE i.command_id = ? AND f.last_ping_at >= ? AND `
		invs, err := tx.invocations(ctx, online+"i.status = ? AND i.dispatched_at < ? ORDER BY i.instance_id",
			commandID, millis(onlineSince), command.StatusDelayed, millis(retryBefore))
		if err != nil {
			return err
		}
		if n := capacity(c, inFlight); n > 0 {
			pending, err := tx.invocations(ctx, online+"i.status = ? ORDER BY i.instance_id LIMIT ?",
				commandID, millis(onlineSince), command.StatusPending, n)
			if err != nil {
				return err
			}
			invs = append(invs, pending...)
		}
		claim.Command = c
		if len(invs) == 0 {
			return nil
		}
		slices.SortFunc(invs, func(a, b *command.Invocation) int { return cmp.Compare(a.InstanceID, b.InstanceID) })
		for chunk := range slices.Chunk(invs, claimBatch) {
			vals := []any{command.StatusInProgress, command.DetailInProgress, millis(now), commandID}
			for _, inv := range chunk {
				vals = append(vals, inv.InstanceID)
			}
			if _, err := tx.exec(ctx, `UPDATE cmd_invocations SET status = ?, status_details = ?, dispatched_at = ?,
				attempts = attempts + 1 WHERE command_id = ? AND instance_id IN (`+placeholders(len(chunk))+")", vals...); err != nil {
				return err
			}
		}
		for _, inv := range invs {
			inv.Status, inv.StatusDetails = command.StatusInProgress, command.DetailInProgress
			inv.DispatchedAt = fromMillis(millis(now))
			inv.Attempts++
		}
		claim.Invocations = invs
		if c.Status != command.StatusPending {
			return nil
		}
		c.Status, c.StatusDetails = command.StatusInProgress, command.DetailInProgress
		_, err = tx.exec(ctx, "UPDATE cmd_commands SET status = ?, status_details = ? WHERE command_id = ?",
			c.Status, c.StatusDetails, commandID)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("claim invocations of command %s: %w", commandID, err)
	}
	return claim, nil
}

// UpdateInvocation applies change to the invocation of a command on an
// instance and, when change reports a change, stores it and recomputes
// the command's counters and status (see recount), in one transaction
// serialized on the command. It reports whether it changed anything: an
// invocation already terminal is left as it is, without calling change.
// A missing command or invocation is an error of kind NotFound. change
// cannot move the invocation: its CommandID and InstanceID are kept.
func (db *DB) UpdateInvocation(ctx context.Context, commandID, instanceID string, change func(inv *command.Invocation) bool,
	decide func(c *command.Command, counts map[string]int) (status, details string)) (bool, error) {
	var changed bool
	err := db.inTx(ctx, func(tx *Tx) error {
		changed = false
		c, err := tx.lockCommand(ctx, commandID, "dispatch_seq = dispatch_seq")
		if err != nil {
			return err
		}
		inv, err := scanInvocation(tx.queryRow(ctx, "SELECT "+invocationColumns+
			" FROM cmd_invocations i WHERE i.command_id = ? AND i.instance_id = ?", commandID, instanceID))
		if errors.Is(err, sql.ErrNoRows) {
			return notFound("invocation of command " + commandID + " on " + instanceID)
		}
		if err != nil {
			return err
		}
		if command.Terminal(inv.Status) || !change(inv) {
			return nil
		}
		inv.CommandID, inv.InstanceID = commandID, instanceID
		if err := tx.writeInvocations(ctx, []*command.Invocation{inv}); err != nil {
			return err
		}
		changed = true
		return tx.recount(ctx, c, decide)
	})
	if err != nil {
		return false, err
	}
	return changed, nil
}

// FinishInvocations applies change to every invocation of the command
// that is not terminal, stores those it changed, rowBatch a
// statement, and recomputes the command's counters and status (see
// recount) even when none changed, in one transaction serialized on the
// command. A missing command is an error of kind NotFound. change
// cannot move an invocation: its CommandID and InstanceID are kept.
func (db *DB) FinishInvocations(ctx context.Context, commandID string, change func(inv *command.Invocation) bool,
	decide func(c *command.Command, counts map[string]int) (status, details string)) error {
	return db.inTx(ctx, func(tx *Tx) error {
		c, err := tx.lockCommand(ctx, commandID, "dispatch_seq = dispatch_seq")
		if err != nil {
			return err
		}
		invs, err := tx.invocations(ctx, "SELECT "+invocationColumns+" FROM cmd_invocations i WHERE i.command_id = ? AND i.status NOT IN ("+
			placeholders(len(terminalStatuses))+") ORDER BY i.instance_id", append([]any{commandID}, stringArgs(terminalStatuses)...)...)
		if err != nil {
			return err
		}
		var changed []*command.Invocation
		for _, inv := range invs {
			id := inv.InstanceID
			if !command.Terminal(inv.Status) && change(inv) {
				inv.CommandID, inv.InstanceID = commandID, id
				changed = append(changed, inv)
			}
		}
		if err := tx.writeInvocations(ctx, changed); err != nil {
			return err
		}
		return tx.recount(ctx, c, decide)
	})
}

// writeInvocations stores the invocations invs, rowBatch a
// statement.
func (t *Tx) writeInvocations(ctx context.Context, invs []*command.Invocation) error {
	for chunk := range slices.Chunk(invs, rowBatch) {
		vals := make([]any, 0, 12*len(chunk))
		for _, inv := range chunk {
			vals = append(vals, invocationArgs(inv)...)
		}
		// VALUES columns are named column1, column2, … in both engines;
		// the casts give PostgreSQL their types.
		if _, err := t.exec(ctx, `UPDATE cmd_invocations SET instance_name = v.column3, status = v.column4,
			status_details = v.column5, requested_at = v.column6, dispatched_at = v.column7, attempts = v.column8,
			started_at = v.column9, ended_at = v.column10, response_code = v.column11, plugins = v.column12
			FROM (VALUES `+rowsOf(len(chunk), `CAST(? AS TEXT), CAST(? AS TEXT), CAST(? AS TEXT), CAST(? AS TEXT),
				CAST(? AS TEXT), CAST(? AS BIGINT), CAST(? AS BIGINT), CAST(? AS BIGINT), CAST(? AS BIGINT),
				CAST(? AS BIGINT), CAST(? AS BIGINT), CAST(? AS TEXT)`)+`) AS v
			WHERE cmd_invocations.command_id = v.column1 AND cmd_invocations.instance_id = v.column2`, vals...); err != nil {
			return fmt.Errorf("write invocations: %w", err)
		}
	}
	return nil
}

// recount sets the counters of the command c, whose row this
// transaction holds, from the number of its invocations by
// StatusDetails (command.Counters), then its status and details to what
// decide returns for c so counted and those numbers, unless decide
// returns a status of "", which keeps both; and stores them.
func (t *Tx) recount(ctx context.Context, c *command.Command,
	decide func(c *command.Command, counts map[string]int) (status, details string)) error {
	rows, err := t.query(ctx, "SELECT status_details, COUNT(*) FROM cmd_invocations WHERE command_id = ? GROUP BY status_details", c.ID)
	if err != nil {
		return err
	}
	counts := map[string]int{}
	if _, err := scanAll(rows, func(row rowScanner) (struct{}, error) {
		var details string
		var n int
		err := row.Scan(&details, &n)
		counts[details] = n
		return struct{}{}, err
	}); err != nil {
		return err
	}
	c.CompletedCount, c.ErrorCount, c.DeliveryTimedOutCount = command.Counters(counts)
	if status, details := decide(c, counts); status != "" {
		c.Status, c.StatusDetails = status, details
	}
	_, err = t.exec(ctx, `UPDATE cmd_commands SET status = ?, status_details = ?, completed_count = ?, error_count = ?,
		delivery_timed_out = ? WHERE command_id = ?`,
		c.Status, c.StatusDetails, c.CompletedCount, c.ErrorCount, c.DeliveryTimedOutCount, c.ID)
	return err
}
