// Copyright 2026 The kanri Authors
// SPDX-License-Identifier: Apache-2.0

package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/kanri-dev/kanri/internal/awserr"
	"github.com/kanri-dev/kanri/internal/compliance"
	ssm "github.com/kanri-dev/kanri/internal/wire/ssm"
)

// DB implements the storage compliance needs.
var _ compliance.Store = (*DB)(nil)

// complianceBatch is how many compliance items one multi-row INSERT (15
// arguments each) or IN list writes.
const complianceBatch = 200

const inventoryRuleColumns = "account_id, name, type_name, spec, version, created_at, updated_at, sweep_after, sweep_done, sweep_lease"

func scanInventoryRule(row rowScanner) (*compliance.Rule, error) {
	r := &compliance.Rule{}
	var spec string
	var created, updated, lease int64
	var done int
	if err := row.Scan(&r.Account, &r.Name, &r.TypeName, &spec, &r.Version, &created, &updated, &r.Sweep.After, &done, &lease); err != nil {
		return nil, err
	}
	typeName := r.TypeName
	if err := json.Unmarshal([]byte(spec), &r.Spec); err != nil {
		return nil, fmt.Errorf("inventory rule %s spec: %w", r.Name, err)
	}
	r.TypeName = typeName
	r.CreatedAt, r.UpdatedAt = fromMillis(created), fromMillis(updated)
	r.Sweep.Done, r.Sweep.LeaseUntil = done != 0, fromMillisOrZero(lease)
	return r, nil
}

// PutInventoryRule creates r or replaces the rule of its name with the
// next version, and starts its sweep anew. A new rule is added under the
// lock of its account's cmp_accounts row, so that the count of rules stays
// within limit.
func (db *DB) PutInventoryRule(ctx context.Context, r *compliance.Rule, limit int) error {
	spec, err := json.Marshal(&r.Spec)
	if err != nil {
		return err
	}
	err = db.inTx(ctx, func(tx *Tx) error {
		// replace makes the next version of an existing rule.
		replace := func() (bool, error) {
			var version int
			var created int64
			err := tx.queryRow(ctx, "UPDATE cmp_rules SET version = version + 1 WHERE account_id = ? AND name = ? RETURNING version, created_at",
				r.Account, r.Name).Scan(&version, &created)
			if errors.Is(err, sql.ErrNoRows) {
				return false, nil
			}
			if err != nil {
				return false, err
			}
			r.Version, r.CreatedAt = version, fromMillis(created)
			_, err = tx.exec(ctx, `UPDATE cmp_rules SET type_name = ?, spec = ?, updated_at = ?, sweep_after = '', sweep_done = 0, sweep_lease = 0
				WHERE account_id = ? AND name = ?`, r.TypeName, string(spec), millis(r.UpdatedAt), r.Account, r.Name)
			return true, err
		}
		if ok, err := replace(); ok || err != nil {
			return err
		}
		if _, err := tx.exec(ctx, "INSERT INTO cmp_accounts (account_id) VALUES (?) ON CONFLICT (account_id) DO NOTHING", r.Account); err != nil {
			return err
		}
		if _, err := tx.exec(ctx, "UPDATE cmp_accounts SET account_id = account_id WHERE account_id = ?", r.Account); err != nil {
			return err
		}
		// Another transaction may have created the rule while this one
		// waited for the account's lock.
		if ok, err := replace(); ok || err != nil {
			return err
		}
		var n int
		if err := tx.queryRow(ctx, "SELECT COUNT(*) FROM cmp_rules WHERE account_id = ?", r.Account).Scan(&n); err != nil {
			return err
		}
		if n >= limit {
			return fmt.Errorf("%d inventory rules: %w", n, awserr.LimitExceeded)
		}
		r.Version = 1
		_, err := tx.exec(ctx, "INSERT INTO cmp_rules ("+inventoryRuleColumns+") VALUES (?, ?, ?, ?, 1, ?, ?, '', 0, 0)",
			r.Account, r.Name, r.TypeName, string(spec), millis(r.CreatedAt), millis(r.UpdatedAt))
		return err
	})
	if err != nil {
		return fmt.Errorf("put inventory rule %s: %w", r.Name, err)
	}
	r.Sweep = compliance.Sweep{}
	return nil
}

// InventoryRules returns the rules q selects, by name.
func (db *DB) InventoryRules(ctx context.Context, q compliance.RuleQuery) ([]*compliance.Rule, error) {
	var w where
	w.add("account_id = ?", q.Account)
	if q.Names != nil {
		if len(q.Names) == 0 {
			return nil, nil
		}
		w.in("name", q.Names)
	}
	if q.TypeNames != nil {
		if len(q.TypeNames) == 0 {
			return nil, nil
		}
		w.in("type_name", q.TypeNames)
	}
	if q.After != "" {
		w.add("name > ?", q.After)
	}
	return queryAll(ctx, db, scanInventoryRule, "SELECT "+inventoryRuleColumns+" FROM cmp_rules"+w.String()+" ORDER BY name"+limit(q.Limit, &w.args), w.args...)
}

// DeleteInventoryRule deletes a rule and its compliance items in one
// transaction, which waits for evaluations of the rule in progress.
func (db *DB) DeleteInventoryRule(ctx context.Context, account, name string) error {
	return db.inTx(ctx, func(tx *Tx) error {
		res, err := tx.exec(ctx, "DELETE FROM cmp_rules WHERE account_id = ? AND name = ?", account, name)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n == 0 {
			if err == nil {
				err = notFound("inventory rule " + name)
			}
			return err
		}
		_, err = tx.exec(ctx, "DELETE FROM cmp_items WHERE account_id = ? AND compliance_type = ? AND item_id = ?",
			account, compliance.TypeInventoryRule, name)
		return err
	})
}

// InventoryRuleCounts returns, by rule name, the number of instances of
// each compliance status.
func (db *DB) InventoryRuleCounts(ctx context.Context, account string) (map[string]map[string]int, error) {
	rows, err := db.query(ctx, `SELECT item_id, status, COUNT(*) FROM cmp_items WHERE account_id = ? AND compliance_type = ?
		GROUP BY item_id, status`, account, compliance.TypeInventoryRule)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]map[string]int{}
	for rows.Next() {
		var name, status string
		var n int
		if err := rows.Scan(&name, &status, &n); err != nil {
			return nil, err
		}
		if out[name] == nil {
			out[name] = map[string]int{}
		}
		out[name][status] = n
	}
	return out, rows.Err()
}

// DueSweeps returns the rules whose sweep is not done and whose lease
// ended at now, the longest waiting first.
func (db *DB) DueSweeps(ctx context.Context, now time.Time, n int) ([]*compliance.Rule, error) {
	args := []any{millis(now)}
	return queryAll(ctx, db, scanInventoryRule, "SELECT "+inventoryRuleColumns+" FROM cmp_rules WHERE sweep_done = 0 AND sweep_lease <= ? ORDER BY sweep_lease, account_id, name"+
		limit(n, &args), args...)
}

// ClaimSweep takes over a sweep with a compare-and-set on its lease.
func (db *DB) ClaimSweep(ctx context.Context, account, name string, version int, lease, until time.Time) (bool, error) {
	res, err := db.exec(ctx, `UPDATE cmp_rules SET sweep_lease = ?
		WHERE account_id = ? AND name = ? AND version = ? AND sweep_done = 0 AND sweep_lease = ?`,
		millis(until), account, name, version, millisOrZero(lease))
	if err != nil {
		return false, fmt.Errorf("claim sweep of %s: %w", name, err)
	}
	n, err := res.RowsAffected()
	return n > 0, err
}

// RestartSweeps starts anew the sweeps of the account's rules of a type.
func (db *DB) RestartSweeps(ctx context.Context, account, typeName string) error {
	_, err := db.exec(ctx, "UPDATE cmp_rules SET sweep_after = '', sweep_done = 0, sweep_lease = 0 WHERE account_id = ? AND type_name = ?",
		account, typeName)
	return err
}

// RecordEvaluations records a batch of a rule's evaluation. Its first
// statement locks the rule's row at the version evaluated (and, for a
// sweep, moves the sweep on from where the batch began), so that every
// transaction writing the rule's items takes its turn, a rule put or
// deleted meanwhile makes it a Conflict, and the read of each item's
// previous status below is the one the write replaces: of any number of
// servers evaluating an instance at once, exactly one makes it
// non-compliant and claims the action.
func (db *DB) RecordEvaluations(ctx context.Context, b *compliance.Batch) ([]string, error) {
	r := b.Rule
	var claimed []string
	err := db.inTx(ctx, func(tx *Tx) error {
		claimed = nil
		var res sql.Result
		var err error
		if st := b.Step; st != nil {
			done := 0
			if st.Done {
				done = 1
			}
			res, err = tx.exec(ctx, `UPDATE cmp_rules SET sweep_after = ?, sweep_done = ?, sweep_lease = ?
				WHERE account_id = ? AND name = ? AND version = ? AND sweep_after = ? AND sweep_done = 0`,
				st.Through, done, millis(st.LeaseUntil), r.Account, r.Name, r.Version, st.After)
		} else {
			res, err = tx.exec(ctx, "UPDATE cmp_rules SET version = version WHERE account_id = ? AND name = ? AND version = ?",
				r.Account, r.Name, r.Version)
		}
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n == 0 {
			if err == nil {
				err = fmt.Errorf("inventory rule %s version %d changed: %w", r.Name, r.Version, awserr.Conflict)
			}
			return err
		}
		var keep []string // instances whose items stay (in the sweep's range)
		for start := 0; start < len(b.Results); start += complianceBatch {
			chunk := b.Results[start:min(start+complianceBatch, len(b.Results))]
			got, err := tx.recordResults(ctx, r, chunk, b.ActionCommand)
			if err != nil {
				return err
			}
			claimed = append(claimed, got...)
			for _, res := range chunk {
				keep = append(keep, res.Item.ResourceID)
			}
		}
		for start := 0; start < len(b.Remove); start += complianceBatch {
			chunk := b.Remove[start:min(start+complianceBatch, len(b.Remove))]
			var w where
			w.add("account_id = ? AND resource_type = ? AND compliance_type = ? AND item_id = ?",
				r.Account, compliance.ResourceTypeManagedInstance, compliance.TypeInventoryRule, r.Name)
			w.in("resource_id", chunk)
			if _, err := tx.exec(ctx, "DELETE FROM cmp_items"+w.String(), w.args...); err != nil {
				return err
			}
		}
		if st := b.Step; st != nil {
			// Items in the step's range of instances that no longer hold
			// inventory of the rule's type. An instance whose inventory
			// arrived after the sweep listed the range keeps the item its
			// own evaluation recorded.
			var w where
			w.add("account_id = ? AND resource_type = ? AND compliance_type = ? AND item_id = ? AND resource_id > ?",
				r.Account, compliance.ResourceTypeManagedInstance, compliance.TypeInventoryRule, r.Name, st.After)
			w.add(`NOT EXISTS (SELECT 1 FROM inv_items WHERE inv_items.account_id = cmp_items.account_id
				AND inv_items.type_name = ? AND inv_items.instance_id = cmp_items.resource_id)`, r.TypeName)
			if st.Through != "" {
				w.add("resource_id <= ?", st.Through)
			}
			if len(keep) > 0 {
				args := make([]any, len(keep))
				for i, id := range keep {
					args[i] = id
				}
				w.add("resource_id NOT IN ("+placeholders(len(keep))+")", args...)
			}
			if _, err := tx.exec(ctx, "DELETE FROM cmp_items"+w.String(), w.args...); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("record inventory rule %s: %w", r.Name, err)
	}
	return claimed, nil
}

// recordResults writes a rule's results on instances whose inventory item
// is still the one evaluated, and returns those whose action it claims.
func (tx *Tx) recordResults(ctx context.Context, r *compliance.Rule, results []*compliance.Result, actionCommand string) ([]string, error) {
	ids := make([]string, len(results))
	for i, res := range results {
		ids[i] = res.Item.ResourceID
	}
	// The inventory items evaluated, as they are now.
	var w where
	w.add("account_id = ? AND type_name = ?", r.Account, r.TypeName)
	w.in("instance_id", ids)
	basis := map[string]int64{}
	if err := tx.eachRow(ctx, func(row rowScanner) error {
		var id string
		var at int64
		err := row.Scan(&id, &at)
		basis[id] = at
		return err
	}, "SELECT instance_id, updated_at FROM inv_items"+w.String(), w.args...); err != nil {
		return nil, err
	}
	// The items the results replace.
	type prev struct{ status, action, command string }
	old := map[string]prev{}
	w = where{}
	w.add("account_id = ? AND resource_type = ? AND compliance_type = ? AND item_id = ?",
		r.Account, compliance.ResourceTypeManagedInstance, compliance.TypeInventoryRule, r.Name)
	w.in("resource_id", ids)
	if err := tx.eachRow(ctx, func(row rowScanner) error {
		var id string
		var p prev
		err := row.Scan(&id, &p.status, &p.action, &p.command)
		old[id] = p
		return err
	}, "SELECT resource_id, status, action_state, action_command FROM cmp_items"+w.String(), w.args...); err != nil {
		return nil, err
	}
	var claimed []string
	var items []*compliance.Item
	for _, res := range results {
		it := res.Item
		if at, ok := basis[it.ResourceID]; !ok || at != millis(res.Basis) {
			continue // changed since: its own evaluation records it
		}
		p, had := old[it.ResourceID]
		it.Action, it.ActionCommand = "", ""
		if it.Status == ssm.ComplianceStatusNonCompliant {
			switch {
			case r.Action != nil && (!had || p.status != ssm.ComplianceStatusNonCompliant || p.action == ""):
				it.Action, it.ActionCommand = compliance.ActionPending, actionCommand
				claimed = append(claimed, it.ResourceID)
			case had && p.status == ssm.ComplianceStatusNonCompliant:
				it.Action, it.ActionCommand = p.action, p.command
			}
		}
		items = append(items, it)
	}
	return claimed, tx.upsertItems(ctx, items)
}

// upsertItems writes compliance items, each replacing the item of its key.
func (tx *Tx) upsertItems(ctx context.Context, items []*compliance.Item) error {
	for start := 0; start < len(items); start += complianceBatch {
		chunk := items[start:min(start+complianceBatch, len(items))]
		args := make([]any, 0, len(chunk)*15)
		for _, it := range chunk {
			args = append(args, it.Account, it.ResourceType, it.ResourceID, it.ComplianceType, it.ID, it.Title, it.Status, it.Severity,
				jsonMap(it.Details), it.ExecutionID, it.ExecutionType, millisOrZero(it.ExecutionTime), it.Action, it.ActionCommand,
				millis(tx.db.now()))
		}
		if _, err := tx.exec(ctx, `INSERT INTO cmp_items (account_id, resource_type, resource_id, compliance_type, item_id, title, status,
			severity, details, execution_id, execution_type, execution_time, action_state, action_command, updated_at)
			VALUES `+rowsOf(len(chunk), "?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?")+`
			ON CONFLICT (account_id, resource_type, resource_id, compliance_type, item_id) DO UPDATE SET title = excluded.title,
				status = excluded.status, severity = excluded.severity, details = excluded.details, execution_id = excluded.execution_id,
				execution_type = excluded.execution_type, execution_time = excluded.execution_time, action_state = excluded.action_state,
				action_command = excluded.action_command, updated_at = excluded.updated_at`, args...); err != nil {
			return err
		}
	}
	return nil
}

// SetActionResults records how the action claimed as claim went on a
// rule's items of instances, where that claim is still Pending: a result
// that comes late, after the instance was claimed again, leaves the new
// claim Pending for its own send.
func (db *DB) SetActionResults(ctx context.Context, account, rule string, instanceIDs []string, claim, state, ref string) error {
	for start := 0; start < len(instanceIDs); start += complianceBatch {
		chunk := instanceIDs[start:min(start+complianceBatch, len(instanceIDs))]
		var w where
		w.add("account_id = ? AND resource_type = ? AND compliance_type = ? AND item_id = ? AND action_state = ? AND action_command = ?",
			account, compliance.ResourceTypeManagedInstance, compliance.TypeInventoryRule, rule, compliance.ActionPending, claim)
		w.in("resource_id", chunk)
		if _, err := db.exec(ctx, "UPDATE cmp_items SET action_state = ?, action_command = ?"+w.String(),
			append([]any{state, ref}, w.args...)...); err != nil {
			return fmt.Errorf("record action of %s: %w", rule, err)
		}
	}
	return nil
}

// PendingActions returns up to limit instances' inventory rule actions of
// the account that are Pending with a command ID and whose items were last
// written before before, grouped by rule and command ID. The state is
// written into the query, so that both engines use the partial index of
// Pending items.
func (db *DB) PendingActions(ctx context.Context, account string, before time.Time, limit int) ([]*compliance.PendingAction, error) {
	var out []*compliance.PendingAction
	index := map[[2]string]*compliance.PendingAction{}
	rows, err := db.query(ctx, `SELECT item_id, action_command, resource_id FROM cmp_items
		WHERE account_id = ? AND action_state = '`+compliance.ActionPending+`' AND updated_at < ? AND resource_type = ?
		AND compliance_type = ? AND action_command <> '' ORDER BY item_id, action_command, resource_id LIMIT ?`,
		account, millis(before), compliance.ResourceTypeManagedInstance, compliance.TypeInventoryRule, limit)
	if err != nil {
		return nil, fmt.Errorf("pending inventory rule actions: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var rule, command, instance string
		if err := rows.Scan(&rule, &command, &instance); err != nil {
			return nil, fmt.Errorf("pending inventory rule actions: %w", err)
		}
		k := [2]string{rule, command}
		p := index[k]
		if p == nil {
			p = &compliance.PendingAction{Rule: rule, Command: command}
			index[k] = p
			out = append(out, p)
		}
		p.InstanceIDs = append(p.InstanceIDs, instance)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("pending inventory rule actions: %w", err)
	}
	return out, nil
}

const complianceItemColumns = `account_id, resource_type, resource_id, compliance_type, item_id, title, status, severity, details,
	execution_id, execution_type, execution_time, action_state, action_command`

func scanComplianceItem(row rowScanner) (*compliance.Item, error) {
	it := &compliance.Item{}
	var details string
	var exec int64
	if err := row.Scan(&it.Account, &it.ResourceType, &it.ResourceID, &it.ComplianceType, &it.ID, &it.Title, &it.Status, &it.Severity,
		&details, &it.ExecutionID, &it.ExecutionType, &exec, &it.Action, &it.ActionCommand); err != nil {
		return nil, err
	}
	var err error
	if it.Details, err = parseMap(details); err != nil {
		return nil, fmt.Errorf("compliance item %s details: %w", it.ID, err)
	}
	it.ExecutionTime = fromMillisOrZero(exec)
	return it, nil
}

// ComplianceItems returns the items q selects, in key order.
func (db *DB) ComplianceItems(ctx context.Context, q compliance.ItemQuery) ([]*compliance.Item, error) {
	var w where
	w.add("account_id = ?", q.Account)
	if q.ResourceType != "" {
		w.add("resource_type = ?", q.ResourceType)
	}
	if q.ResourceIDs != nil {
		if len(q.ResourceIDs) == 0 {
			return nil, nil
		}
		w.in("resource_id", q.ResourceIDs)
	}
	if a := q.After; a != (compliance.ItemKey{}) {
		w.add("(resource_type, resource_id, compliance_type, item_id) > (?, ?, ?, ?)", a.ResourceType, a.ResourceID, a.ComplianceType, a.ID)
	}
	return queryAll(ctx, db, scanComplianceItem, "SELECT "+complianceItemColumns+" FROM cmp_items"+w.String()+
		" ORDER BY resource_type, resource_id, compliance_type, item_id"+limit(q.Limit, &w.args), w.args...)
}

// ComplianceCounts returns the counts of items by status and severity of
// the first n resource and compliance type pairs after after.
func (db *DB) ComplianceCounts(ctx context.Context, account string, after compliance.ItemKey, n int) ([]*compliance.Count, error) {
	args := []any{account, after.ResourceType, after.ResourceID, after.ComplianceType}
	keys, err := queryAll(ctx, db, func(row rowScanner) (compliance.ItemKey, error) {
		var k compliance.ItemKey
		err := row.Scan(&k.ResourceType, &k.ResourceID, &k.ComplianceType)
		return k, err
	}, `SELECT DISTINCT resource_type, resource_id, compliance_type FROM cmp_items
		WHERE account_id = ? AND (resource_type, resource_id, compliance_type) > (?, ?, ?)
		ORDER BY resource_type, resource_id, compliance_type`+limit(n, &args), args...)
	if err != nil || len(keys) == 0 {
		return nil, err
	}
	last := keys[len(keys)-1]
	return queryAll(ctx, db, func(row rowScanner) (*compliance.Count, error) {
		c := &compliance.Count{}
		var exec int64
		err := row.Scan(&c.ResourceType, &c.ResourceID, &c.ComplianceType, &c.Status, &c.Severity, &c.Items, &exec)
		c.LastExecution = fromMillisOrZero(exec)
		return c, err
	}, `SELECT resource_type, resource_id, compliance_type, status, severity, COUNT(*), MAX(execution_time) FROM cmp_items
		WHERE account_id = ? AND (resource_type, resource_id, compliance_type) > (?, ?, ?)
			AND (resource_type, resource_id, compliance_type) <= (?, ?, ?)
		GROUP BY resource_type, resource_id, compliance_type, status, severity
		ORDER BY resource_type, resource_id, compliance_type, status, severity`,
		account, after.ResourceType, after.ResourceID, after.ComplianceType, last.ResourceType, last.ResourceID, last.ComplianceType)
}

// PutComplianceItems records a resource's items of a compliance type in
// one transaction.
func (db *DB) PutComplianceItems(ctx context.Context, account, resourceType, resourceID, complianceType string, items []*compliance.Item, complete bool) error {
	err := db.inTx(ctx, func(tx *Tx) error {
		if complete {
			if _, err := tx.exec(ctx, "DELETE FROM cmp_items WHERE account_id = ? AND resource_type = ? AND resource_id = ? AND compliance_type = ?",
				account, resourceType, resourceID, complianceType); err != nil {
				return err
			}
		}
		keyed := make([]*compliance.Item, len(items))
		for i, it := range items {
			c := *it
			c.Account, c.ResourceType, c.ResourceID, c.ComplianceType = account, resourceType, resourceID, complianceType
			keyed[i] = &c
		}
		return tx.upsertItems(ctx, keyed)
	})
	if err != nil {
		return fmt.Errorf("put compliance items of %s: %w", resourceID, err)
	}
	return nil
}

// eachRow runs query in the transaction and calls fn with each row.
func (tx *Tx) eachRow(ctx context.Context, fn func(rowScanner) error, query string, args ...any) error {
	rows, err := tx.query(ctx, query, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		if err := fn(rows); err != nil {
			return err
		}
	}
	return rows.Err()
}
