// Copyright 2026 The kanri Authors
// SPDX-License-Identifier: Apache-2.0

package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"github.com/kanri-dev/kanri/internal/association"
	"github.com/kanri-dev/kanri/internal/awserr"
)

// DB implements the storage State Manager needs.
var _ association.Store = (*DB)(nil)

// targetBatch is how many targets one multi-row INSERT (6 arguments
// each) or IN list writes.
const targetBatch = 500

// doneStatuses are the final execution statuses, for SQL IN lists.
var doneStatuses = []string{association.ExecSuccess, association.ExecFailed, association.ExecTimedOut, association.ExecCancelled}

const associationColumns = `a.association_id, a.account_id, a.version, a.spec, a.tags, a.created_at, a.updated_at,
	a.next_run_at, a.run_once_at, a.check_targets_at, a.last_execution_at, a.last_success_at, a.target_counts`

func scanAssociation(row rowScanner) (*association.Association, error) {
	a := &association.Association{}
	var spec, tags, counts string
	var created, updated, next, once, check, last, success int64
	if err := row.Scan(&a.ID, &a.Account, &a.Version, &spec, &tags, &created, &updated, &next, &once, &check, &last, &success, &counts); err != nil {
		return nil, err
	}
	if err := json.Unmarshal([]byte(spec), &a.Spec); err != nil {
		return nil, fmt.Errorf("association %s spec: %w", a.ID, err)
	}
	var err error
	if a.Tags, err = parseMap(tags); err != nil {
		return nil, fmt.Errorf("association %s tags: %w", a.ID, err)
	}
	if a.TargetCounts, err = parseCounts(counts); err != nil {
		return nil, fmt.Errorf("association %s counts: %w", a.ID, err)
	}
	a.CreatedAt, a.UpdatedAt = fromMillis(created), fromMillis(updated)
	a.NextRunAt, a.RunOnceAt, a.CheckTargetsAt = fromMillisOrZero(next), fromMillisOrZero(once), fromMillisOrZero(check)
	a.LastExecutionAt, a.LastSuccessAt = fromMillisOrZero(last), fromMillisOrZero(success)
	return a, nil
}

// jsonSpec encodes an association's spec for a JSON text column; a spec
// (strings, maps and lists of them) always encodes.
func jsonSpec(sp *association.Spec) string {
	b, _ := json.Marshal(sp)
	return string(b)
}

// jsonCounts and parseCounts encode counts by status for a JSON text
// column; none is "{}" and reads back as nil.
func jsonCounts(m map[string]int) string {
	if len(m) == 0 {
		return "{}"
	}
	b, _ := json.Marshal(m)
	return string(b)
}

func parseCounts(s string) (map[string]int, error) {
	var m map[string]int
	if err := json.Unmarshal([]byte(s), &m); err != nil {
		return nil, err
	}
	if len(m) == 0 {
		return nil, nil
	}
	return m, nil
}

// CreateAssociation stores a new association with its first version,
// counting it against the account's limit in the same transaction (an
// error of kind LimitExceeded beyond max). A second legacy association of
// one document and instance is an error of kind Exists.
func (db *DB) CreateAssociation(ctx context.Context, a *association.Association, max int) error {
	return db.inTx(ctx, func(tx *Tx) error {
		if _, err := tx.exec(ctx, "INSERT INTO assoc_counts (account_id, associations) VALUES (?, 0) ON CONFLICT (account_id) DO NOTHING", a.Account); err != nil {
			return err
		}
		res, err := tx.exec(ctx, "UPDATE assoc_counts SET associations = associations + 1 WHERE account_id = ? AND associations < ?", a.Account, max)
		n, err := affected(res, err)
		if err != nil {
			return err
		}
		if n == 0 {
			return fmt.Errorf("associations of %s: %w", a.Account, awserr.LimitExceeded)
		}
		_, err = tx.exec(ctx, `INSERT INTO assoc_associations (association_id, account_id, name, instance_id, association_name, version, spec,
			tags, created_at, updated_at, next_run_at, run_once_at, check_targets_at, last_execution_at, last_success_at, target_counts)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			a.ID, a.Account, a.Name, a.InstanceID, a.AssociationName, a.Version, jsonSpec(&a.Spec), jsonMap(a.Tags), millis(a.CreatedAt),
			millis(a.UpdatedAt), millisOrZero(a.NextRunAt), millisOrZero(a.RunOnceAt), millisOrZero(a.CheckTargetsAt),
			millisOrZero(a.LastExecutionAt), millisOrZero(a.LastSuccessAt), jsonCounts(a.TargetCounts))
		if isUniqueViolation(err) {
			return exists("association of " + a.Name + " with " + a.InstanceID)
		}
		if err != nil {
			return err
		}
		_, err = tx.exec(ctx, "INSERT INTO assoc_versions (association_id, version, spec, created_at) VALUES (?, ?, ?, ?)",
			a.ID, a.Version, jsonSpec(&a.Spec), millis(a.UpdatedAt))
		return err
	})
}

// GetAssociation returns an association of the account.
func (db *DB) GetAssociation(ctx context.Context, account, id string) (*association.Association, error) {
	return getOne(ctx, db, scanAssociation, "association "+id,
		"SELECT "+associationColumns+" FROM assoc_associations a WHERE a.account_id = ? AND a.association_id = ?", account, id)
}

// GetLegacyAssociation returns the account's association of a document
// made for one instance.
func (db *DB) GetLegacyAssociation(ctx context.Context, account, name, instanceID string) (*association.Association, error) {
	return getOne(ctx, db, scanAssociation, "association of "+name+" with "+instanceID,
		"SELECT "+associationColumns+" FROM assoc_associations a WHERE a.account_id = ? AND a.name = ? AND a.instance_id = ?",
		account, name, instanceID)
}

// ListAssociations returns the account's associations, oldest first.
func (db *DB) ListAssociations(ctx context.Context, account string) ([]*association.Association, error) {
	return queryAll(ctx, db, scanAssociation, "SELECT "+associationColumns+
		" FROM assoc_associations a WHERE a.account_id = ? ORDER BY a.created_at, a.association_id", account)
}

// UpdateAssociation stores a.Spec as version prev+1 with a's scheduling
// times, if the association's version is still prev: of concurrent
// updates from one version, one succeeds and the others are errors of
// kind Conflict.
func (db *DB) UpdateAssociation(ctx context.Context, a *association.Association, prev, maxVersions int) error {
	if prev+1 > maxVersions {
		return fmt.Errorf("association %s versions: %w", a.ID, awserr.LimitExceeded)
	}
	next := prev + 1
	err := db.inTx(ctx, func(tx *Tx) error {
		res, err := tx.exec(ctx, `UPDATE assoc_associations SET version = ?, name = ?, association_name = ?, spec = ?, updated_at = ?,
			next_run_at = ?, check_targets_at = ? WHERE account_id = ? AND association_id = ? AND version = ?`,
			next, a.Name, a.AssociationName, jsonSpec(&a.Spec), millis(a.UpdatedAt), millisOrZero(a.NextRunAt), millisOrZero(a.CheckTargetsAt),
			a.Account, a.ID, prev)
		n, err := affected(res, err)
		if err != nil {
			return err
		}
		if n == 0 {
			ok, err := db.has(ctx, tx.tx, "SELECT 1 FROM assoc_associations WHERE account_id = ? AND association_id = ?", a.Account, a.ID)
			if err != nil {
				return err
			}
			if !ok {
				return notFound("association " + a.ID)
			}
			return fmt.Errorf("association %s: version is no longer %d: %w", a.ID, prev, awserr.Conflict)
		}
		_, err = tx.exec(ctx, "INSERT INTO assoc_versions (association_id, version, spec, created_at) VALUES (?, ?, ?, ?)",
			a.ID, next, jsonSpec(&a.Spec), millis(a.UpdatedAt))
		return err
	})
	if err == nil {
		a.Version = next
	}
	return err
}

// DeleteAssociation deletes an association with its versions, executions
// and targets, and counts it off its account.
func (db *DB) DeleteAssociation(ctx context.Context, account, id string) error {
	return db.inTx(ctx, func(tx *Tx) error {
		res, err := tx.exec(ctx, "DELETE FROM assoc_associations WHERE account_id = ? AND association_id = ?", account, id)
		if err := mustAffect(res, err, "association "+id); err != nil {
			return err
		}
		for _, table := range []string{"assoc_versions", "assoc_executions", "assoc_targets"} {
			if _, err := tx.exec(ctx, "DELETE FROM "+table+" WHERE association_id = ?", id); err != nil {
				return err
			}
		}
		_, err = tx.exec(ctx, "UPDATE assoc_counts SET associations = associations - 1 WHERE account_id = ?", account)
		return err
	})
}

// SetAssociationTags replaces an association's tags.
func (db *DB) SetAssociationTags(ctx context.Context, account, id string, tags map[string]string) error {
	res, err := db.exec(ctx, "UPDATE assoc_associations SET tags = ? WHERE account_id = ? AND association_id = ?", jsonMap(tags), account, id)
	return mustAffect(res, err, "association "+id)
}

// RequestRun asks for a run of an association at at.
func (db *DB) RequestRun(ctx context.Context, account, id string, at time.Time) error {
	res, err := db.exec(ctx, "UPDATE assoc_associations SET run_once_at = ? WHERE account_id = ? AND association_id = ?", millis(at), account, id)
	return mustAffect(res, err, "association "+id)
}

func scanAssociationVersion(row rowScanner) (*association.Version, error) {
	v := &association.Version{}
	var spec string
	var created int64
	if err := row.Scan(&v.AssociationID, &v.Number, &spec, &created); err != nil {
		return nil, err
	}
	if err := json.Unmarshal([]byte(spec), &v.Spec); err != nil {
		return nil, fmt.Errorf("association %s version %d: %w", v.AssociationID, v.Number, err)
	}
	v.CreatedAt = fromMillis(created)
	return v, nil
}

const associationVersionQuery = `SELECT v.association_id, v.version, v.spec, v.created_at FROM assoc_versions v
	JOIN assoc_associations a ON a.association_id = v.association_id WHERE a.account_id = ? AND v.association_id = ?`

// GetAssociationVersion returns a version of an association of the
// account.
func (db *DB) GetAssociationVersion(ctx context.Context, account, id string, version int) (*association.Version, error) {
	return getOne(ctx, db, scanAssociationVersion, fmt.Sprintf("association %s version %d", id, version),
		associationVersionQuery+" AND v.version = ?", account, id, version)
}

// ListAssociationVersions returns an association's versions, oldest
// first.
func (db *DB) ListAssociationVersions(ctx context.Context, account, id string) ([]*association.Version, error) {
	return queryAll(ctx, db, scanAssociationVersion, associationVersionQuery+" ORDER BY v.version", account, id)
}

// DueAssociations returns, oldest first, at most limit associations of
// any account with a run or a targets check due at now.
func (db *DB) DueAssociations(ctx context.Context, now time.Time, limit int) ([]*association.Association, error) {
	t := millis(now)
	return queryAll(ctx, db, scanAssociation, "SELECT "+associationColumns+` FROM assoc_associations a
		WHERE (a.next_run_at > 0 AND a.next_run_at <= ?) OR (a.run_once_at > 0 AND a.run_once_at <= ?)
		OR (a.check_targets_at > 0 AND a.check_targets_at <= ?) ORDER BY a.created_at, a.association_id LIMIT ?`, t, t, t, limit)
}

// ClaimTargetsCheck moves an association's check_targets_at from prev to
// next: a compare-and-set, so of servers racing for one check exactly
// one wins.
func (db *DB) ClaimTargetsCheck(ctx context.Context, id string, prev, next time.Time) (bool, error) {
	res, err := db.exec(ctx, "UPDATE assoc_associations SET check_targets_at = ? WHERE association_id = ? AND check_targets_at = ?",
		millisOrZero(next), id, millisOrZero(prev))
	n, err := affected(res, err)
	return n == 1, err
}

// StartExecution claims a run and records its execution, in one
// transaction. The claim is a compare-and-set on the association's row —
// next_run_at or run_once_at moves on only from the due time the server
// read — which both engines serialize (PostgreSQL's row lock, SQLite's
// single writer), so of servers racing for one run exactly one records
// it. A run for new targets inserts the targets first, each only if it is
// not one yet, and runs on those it inserted.
func (db *DB) StartExecution(ctx context.Context, e *association.Execution, claim association.Claim, instances []string) (bool, error) {
	ids := slices.Clone(instances)
	slices.Sort(ids)
	ids = slices.Compact(ids)
	var started bool
	err := db.inTx(ctx, func(tx *Tx) error {
		started = false
		var res sql.Result
		var err error
		switch claim.Kind {
		case association.ClaimSchedule:
			res, err = tx.exec(ctx, "UPDATE assoc_associations SET next_run_at = ? WHERE association_id = ? AND next_run_at = ?",
				millisOrZero(claim.Next), e.AssociationID, millisOrZero(claim.Due))
		case association.ClaimOnce:
			res, err = tx.exec(ctx, "UPDATE assoc_associations SET run_once_at = 0 WHERE association_id = ? AND run_once_at = ?",
				e.AssociationID, millisOrZero(claim.Due))
		case association.ClaimTargets:
			// Locks the row, so that the targets do not outlive an
			// association being deleted.
			res, err = tx.exec(ctx, "UPDATE assoc_associations SET check_targets_at = check_targets_at WHERE association_id = ?", e.AssociationID)
		default:
			return fmt.Errorf("association claim kind %d: %w", claim.Kind, awserr.Invalid)
		}
		n, err := affected(res, err)
		if err != nil || n == 0 {
			return err
		}
		if claim.Kind == association.ClaimTargets {
			if ids, err = tx.addNewTargets(ctx, e, ids); err != nil {
				return err
			}
		} else if len(ids) > 0 {
			if err := tx.setTargets(ctx, e, ids); err != nil {
				return err
			}
		}
		if len(ids) == 0 {
			return nil
		}
		e.Instances = ids
		e.ResourceCounts = map[string]int{association.TargetPending: len(ids)}
		instancesJSON, _ := json.Marshal(ids)
		if _, err := tx.exec(ctx, `INSERT INTO assoc_executions (association_id, execution_id, account_id, version, cause, instances,
			command_id, lease_until, status, detailed_status, resource_counts, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, '', ?, ?, ?, ?, ?, ?)`,
			e.AssociationID, e.ID, e.Account, e.Version, e.Trigger, string(instancesJSON), millisOrZero(e.LeaseUntil), e.Status,
			e.DetailedStatus, jsonCounts(e.ResourceCounts), millis(e.CreatedAt), millis(e.UpdatedAt)); err != nil {
			return err
		}
		if _, err := tx.exec(ctx, "UPDATE assoc_associations SET last_execution_at = ? WHERE association_id = ?", millis(e.CreatedAt), e.AssociationID); err != nil {
			return err
		}
		started = true
		return tx.recountTargets(ctx, e.AssociationID)
	})
	return started, err
}

// addNewTargets adds the instances that are not targets of e's
// association yet, with e as their latest execution, and returns them.
func (t *Tx) addNewTargets(ctx context.Context, e *association.Execution, ids []string) ([]string, error) {
	var added []string
	for chunk := range slices.Chunk(ids, targetBatch) {
		rows, err := t.query(ctx, `INSERT INTO assoc_targets (association_id, instance_id, execution_id, status, detailed_status, applied_at)
			VALUES `+rowsOf(len(chunk), "?, ?, ?, ?, ?, ?")+` ON CONFLICT (association_id, instance_id) DO NOTHING RETURNING instance_id`,
			targetArgs(e, chunk)...)
		if err != nil {
			return nil, err
		}
		got, err := scanAll(rows, func(r rowScanner) (string, error) {
			var id string
			err := r.Scan(&id)
			return id, err
		})
		if err != nil {
			return nil, err
		}
		added = append(added, got...)
	}
	slices.Sort(added)
	return added, nil
}

// setTargets makes e the latest execution of the instances, adding those
// that are not targets of its association yet.
func (t *Tx) setTargets(ctx context.Context, e *association.Execution, ids []string) error {
	for chunk := range slices.Chunk(ids, targetBatch) {
		if _, err := t.exec(ctx, `INSERT INTO assoc_targets (association_id, instance_id, execution_id, status, detailed_status, applied_at)
			VALUES `+rowsOf(len(chunk), "?, ?, ?, ?, ?, ?")+` ON CONFLICT (association_id, instance_id) DO UPDATE SET
			execution_id = excluded.execution_id, status = excluded.status, detailed_status = excluded.detailed_status,
			applied_at = excluded.applied_at`, targetArgs(e, chunk)...); err != nil {
			return err
		}
	}
	return nil
}

func targetArgs(e *association.Execution, ids []string) []any {
	args := make([]any, 0, 6*len(ids))
	for _, id := range ids {
		args = append(args, e.AssociationID, id, e.ID, association.TargetPending, association.TargetPending, millis(e.CreatedAt))
	}
	return args
}

// recountTargets writes an association's counts of targets by status.
func (t *Tx) recountTargets(ctx context.Context, id string) error {
	rows, err := t.query(ctx, "SELECT status, COUNT(*) FROM assoc_targets WHERE association_id = ? GROUP BY status", id)
	if err != nil {
		return err
	}
	counts := map[string]int{}
	defer rows.Close()
	for rows.Next() {
		var status string
		var n int
		if err := rows.Scan(&status, &n); err != nil {
			return err
		}
		counts[status] = n
	}
	if err := rows.Err(); err != nil {
		return err
	}
	rows.Close()
	_, err = t.exec(ctx, "UPDATE assoc_associations SET target_counts = ? WHERE association_id = ?", jsonCounts(counts), id)
	return err
}

const executionColumns = `e.association_id, e.execution_id, e.account_id, e.version, e.cause, e.instances, e.command_id, e.lease_until,
	e.status, e.detailed_status, e.resource_counts, e.created_at, e.updated_at`

func scanExecution(row rowScanner) (*association.Execution, error) {
	e := &association.Execution{}
	var instances, counts string
	var lease, created, updated int64
	if err := row.Scan(&e.AssociationID, &e.ID, &e.Account, &e.Version, &e.Trigger, &instances, &e.CommandID, &lease,
		&e.Status, &e.DetailedStatus, &counts, &created, &updated); err != nil {
		return nil, err
	}
	if err := json.Unmarshal([]byte(instances), &e.Instances); err != nil {
		return nil, fmt.Errorf("association execution %s instances: %w", e.ID, err)
	}
	var err error
	if e.ResourceCounts, err = parseCounts(counts); err != nil {
		return nil, fmt.Errorf("association execution %s counts: %w", e.ID, err)
	}
	e.LeaseUntil, e.CreatedAt, e.UpdatedAt = fromMillisOrZero(lease), fromMillis(created), fromMillis(updated)
	return e, nil
}

// SetExecutionCommand records the command of an execution that has none.
func (db *DB) SetExecutionCommand(ctx context.Context, associationID, executionID, commandID string) error {
	res, err := db.exec(ctx, "UPDATE assoc_executions SET command_id = ?, lease_until = 0 WHERE association_id = ? AND execution_id = ? AND command_id = ''",
		commandID, associationID, executionID)
	return mustAffect(res, err, "unsent association execution "+executionID)
}

// ClaimExecution moves the lease of an execution with no command from
// prev to next: a compare-and-set, so one server takes over its sending.
func (db *DB) ClaimExecution(ctx context.Context, associationID, executionID string, prev, next time.Time) (bool, error) {
	res, err := db.exec(ctx, `UPDATE assoc_executions SET lease_until = ? WHERE association_id = ? AND execution_id = ?
		AND command_id = '' AND lease_until = ?`, millisOrZero(next), associationID, executionID, millisOrZero(prev))
	n, err := affected(res, err)
	return n == 1, err
}

// UnsentExecutions returns the unfinished executions with no command
// whose lease ended before now, oldest first.
func (db *DB) UnsentExecutions(ctx context.Context, now time.Time) ([]*association.Execution, error) {
	return queryAll(ctx, db, scanExecution, "SELECT "+executionColumns+" FROM assoc_executions e WHERE e.command_id = '' AND e.status NOT IN ("+
		placeholders(len(doneStatuses))+") AND e.lease_until < ? ORDER BY e.created_at", append(stringArgs(doneStatuses), millis(now))...)
}

// ActiveExecutions returns the unfinished executions with a command,
// oldest first.
func (db *DB) ActiveExecutions(ctx context.Context) ([]*association.Execution, error) {
	return queryAll(ctx, db, scanExecution, "SELECT "+executionColumns+" FROM assoc_executions e WHERE e.status NOT IN ("+
		placeholders(len(doneStatuses))+") AND e.command_id <> '' ORDER BY e.created_at", stringArgs(doneStatuses)...)
}

// UpdateExecution writes an execution's status and the status of the
// targets whose latest execution it is, and recounts its association's
// targets, in one transaction.
func (db *DB) UpdateExecution(ctx context.Context, e *association.Execution, targets []association.TargetStatus) error {
	type statusPair struct{ status, detail string }
	byStatus := map[statusPair][]string{}
	for _, t := range targets {
		k := statusPair{t.Status, t.DetailedStatus}
		byStatus[k] = append(byStatus[k], t.InstanceID)
	}
	return db.inTx(ctx, func(tx *Tx) error {
		res, err := tx.exec(ctx, `UPDATE assoc_executions SET status = ?, detailed_status = ?, resource_counts = ?, updated_at = ?
			WHERE association_id = ? AND execution_id = ?`, e.Status, e.DetailedStatus, jsonCounts(e.ResourceCounts), millis(e.UpdatedAt),
			e.AssociationID, e.ID)
		if err := mustAffect(res, err, "association execution "+e.ID); err != nil {
			return err
		}
		for k, ids := range byStatus {
			for chunk := range slices.Chunk(ids, targetBatch) {
				if _, err := tx.exec(ctx, "UPDATE assoc_targets SET status = ?, detailed_status = ? WHERE association_id = ? AND execution_id = ? AND instance_id IN ("+
					placeholders(len(chunk))+")", append([]any{k.status, k.detail, e.AssociationID, e.ID}, stringArgs(chunk)...)...); err != nil {
					return err
				}
			}
		}
		if e.Status == association.ExecSuccess {
			if _, err := tx.exec(ctx, "UPDATE assoc_associations SET last_success_at = ? WHERE association_id = ? AND last_success_at < ?",
				millis(e.CreatedAt), e.AssociationID, millis(e.CreatedAt)); err != nil {
				return err
			}
		}
		return tx.recountTargets(ctx, e.AssociationID)
	})
}

// GetExecution returns an execution of an association.
func (db *DB) GetExecution(ctx context.Context, associationID, executionID string) (*association.Execution, error) {
	return getOne(ctx, db, scanExecution, "association execution "+executionID,
		"SELECT "+executionColumns+" FROM assoc_executions e WHERE e.association_id = ? AND e.execution_id = ?", associationID, executionID)
}

// ListExecutions returns an association's executions, newest first.
func (db *DB) ListExecutions(ctx context.Context, associationID string) ([]*association.Execution, error) {
	return queryAll(ctx, db, scanExecution, "SELECT "+executionColumns+
		" FROM assoc_executions e WHERE e.association_id = ? ORDER BY e.created_at DESC, e.execution_id DESC", associationID)
}

func scanTarget(row rowScanner) (*association.Target, error) {
	t := &association.Target{}
	var applied int64
	if err := row.Scan(&t.AssociationID, &t.InstanceID, &t.ExecutionID, &t.Status, &t.DetailedStatus, &applied); err != nil {
		return nil, err
	}
	t.AppliedAt = fromMillis(applied)
	return t, nil
}

// ListTargets returns an association's targets, ordered by instance.
func (db *DB) ListTargets(ctx context.Context, associationID string) ([]*association.Target, error) {
	return queryAll(ctx, db, scanTarget, `SELECT association_id, instance_id, execution_id, status, detailed_status, applied_at
		FROM assoc_targets WHERE association_id = ? ORDER BY instance_id`, associationID)
}

// InstanceTargets returns the targets on instances of the account's
// associations, ordered by instance, then association; nil instanceIDs
// means every instance.
func (db *DB) InstanceTargets(ctx context.Context, account string, instanceIDs []string) ([]*association.Target, error) {
	if instanceIDs != nil && len(instanceIDs) == 0 {
		return nil, nil
	}
	var w where
	w.add("a.account_id = ?", account)
	if instanceIDs != nil {
		w.in("t.instance_id", instanceIDs)
	}
	return queryAll(ctx, db, scanTarget, `SELECT t.association_id, t.instance_id, t.execution_id, t.status, t.detailed_status, t.applied_at
		FROM assoc_targets t JOIN assoc_associations a ON a.association_id = t.association_id`+w.String()+
		" ORDER BY t.instance_id, t.association_id", w.args...)
}

// DeleteTargets removes instances from an association's targets if
// their latest run started before before — a run started since then,
// by another server, keeps its target — and recounts the targets.
func (db *DB) DeleteTargets(ctx context.Context, associationID string, instanceIDs []string, before time.Time) error {
	return db.inTx(ctx, func(tx *Tx) error {
		for chunk := range slices.Chunk(instanceIDs, targetBatch) {
			if _, err := tx.exec(ctx, "DELETE FROM assoc_targets WHERE association_id = ? AND applied_at < ? AND instance_id IN ("+placeholders(len(chunk))+")",
				append([]any{associationID, millis(before)}, stringArgs(chunk)...)...); err != nil {
				return err
			}
		}
		return tx.recountTargets(ctx, associationID)
	})
}
