// Copyright 2026 The kanri Authors
// SPDX-License-Identifier: Apache-2.0

package store

import (
	"context"
	"slices"

	"github.com/kanri-dev/kanri/internal/command"
)

// UpdateInvocations applies change to the named invocations of a command
// that are not terminal (each once, in instance ID order), stores those
// it changed and recomputes the command's counters and status (see
// recount), in one transaction serialized on the command. It returns the
// IDs of the instances whose invocations changed. Instances with no
// invocation of the command are left out; a missing command is an error
// of kind NotFound.
func (db *DB) UpdateInvocations(ctx context.Context, commandID string, instanceIDs []string, change func(inv *command.Invocation) bool,
	decide func(c *command.Command, counts map[string]int) (status, details string)) ([]string, error) {
	ids := slices.Clone(instanceIDs)
	slices.Sort(ids)
	ids = slices.Compact(ids)
	var changedIDs []string
	err := db.inTx(ctx, func(tx *Tx) error {
		changedIDs = nil
		c, err := tx.lockCommand(ctx, commandID, "dispatch_seq = dispatch_seq")
		if err != nil {
			return err
		}
		var changed []*command.Invocation
		for chunk := range slices.Chunk(ids, claimBatch) {
			invs, err := tx.invocations(ctx, "SELECT "+invocationColumns+" FROM cmd_invocations i WHERE i.command_id = ? AND i.instance_id IN ("+
				placeholders(len(chunk))+") ORDER BY i.instance_id", append([]any{commandID}, stringArgs(chunk)...)...)
			if err != nil {
				return err
			}
			for _, inv := range invs {
				id := inv.InstanceID
				if !command.Terminal(inv.Status) && change(inv) {
					inv.CommandID, inv.InstanceID = commandID, id
					changed = append(changed, inv)
					changedIDs = append(changedIDs, id)
				}
			}
		}
		if len(changed) == 0 {
			return nil
		}
		if err := tx.writeInvocations(ctx, changed); err != nil {
			return err
		}
		return tx.recount(ctx, c, decide)
	})
	if err != nil {
		return nil, err
	}
	return changedIDs, nil
}
