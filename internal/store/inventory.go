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
	"strings"
	"time"

	"github.com/kanri-dev/kanri/internal/awserr"
	"github.com/kanri-dev/kanri/internal/inventory"
)

// DB implements the storage inventory needs.
var _ inventory.Store = (*DB)(nil)

// entryBatch is the number of entries inserted by one statement: 7
// arguments each, well under both engines' limits on arguments.
const entryBatch = 200

// PutInventoryItems writes an instance's items in one transaction. Each
// item's first statement locks its row (when it exists), so writers of one
// instance and type take turns on every engine; a new custom type is
// added under the lock of its account's inv_accounts row, so that the
// count of custom types stays within limits.CustomTypes. It returns the
// types whose content it replaced, decided under those locks, so that two
// reports of one instance at once cannot both take the other's write for
// their own.
func (db *DB) PutInventoryItems(ctx context.Context, account, instanceID string, items []*inventory.Item, limits inventory.Limits, now time.Time) ([]string, error) {
	var changed []string
	err := db.inTx(ctx, func(tx *Tx) error {
		changed = nil
		for _, it := range items {
			replaced, err := tx.putInventoryItem(ctx, account, instanceID, it, limits, now)
			if err != nil {
				return err
			}
			if replaced {
				changed = append(changed, it.TypeName)
			}
		}
		return tx.markPendingExports(ctx, account, instanceID, changed, now)
	})
	if err != nil {
		return nil, fmt.Errorf("put inventory of %s: %w", instanceID, err)
	}
	return changed, nil
}

// putInventoryItem writes an item and reports whether it replaced the
// stored content.
func (tx *Tx) putInventoryItem(ctx context.Context, account, instanceID string, it *inventory.Item, limits inventory.Limits, now time.Time) (bool, error) {
	key := []any{account, instanceID, it.TypeName}
	if _, err := tx.exec(ctx, "UPDATE inv_items SET entry_count = entry_count WHERE account_id = ? AND instance_id = ? AND type_name = ?", key...); err != nil {
		return false, err
	}
	var hash, version string
	err := tx.queryRow(ctx, "SELECT content_hash, schema_version FROM inv_items WHERE account_id = ? AND instance_id = ? AND type_name = ?",
		key...).Scan(&hash, &version)
	exists := err == nil
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return false, err
	}
	unchanged := exists && it.ContentHash != "" && hash == it.ContentHash
	if it.Content == nil && it.ContentHash != "" && !unchanged {
		return false, &inventory.ContentMismatchError{TypeName: it.TypeName}
	}
	if unchanged && (it.Content == nil || version == it.SchemaVersion) {
		_, err := tx.exec(ctx, "UPDATE inv_items SET capture_time = ?, updated_at = ? WHERE account_id = ? AND instance_id = ? AND type_name = ?",
			append([]any{it.CaptureTime, millis(now)}, key...)...)
		return false, err
	}
	if strings.HasPrefix(it.TypeName, "Custom:") {
		if err := tx.putCustomType(ctx, account, it, limits, now); err != nil {
			return false, err
		}
	}
	if _, err := tx.exec(ctx, `INSERT INTO inv_items (account_id, instance_id, type_name, schema_version, capture_time, content_hash, entry_count, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (account_id, instance_id, type_name) DO UPDATE SET schema_version = excluded.schema_version,
			capture_time = excluded.capture_time, content_hash = excluded.content_hash, entry_count = excluded.entry_count,
			updated_at = excluded.updated_at`,
		account, instanceID, it.TypeName, it.SchemaVersion, it.CaptureTime, it.ContentHash, len(it.Content), millis(now)); err != nil {
		return false, err
	}
	if exists {
		if _, err := tx.exec(ctx, "DELETE FROM inv_entries WHERE account_id = ? AND instance_id = ? AND type_name = ?", key...); err != nil {
			return false, err
		}
	}
	for start := 0; start < len(it.Content); start += entryBatch {
		batch := it.Content[start:min(start+entryBatch, len(it.Content))]
		args := make([]any, 0, len(batch)*7)
		for i, e := range batch {
			content, err := json.Marshal(e)
			if err != nil {
				return false, err
			}
			args = append(args, account, instanceID, it.TypeName, start+i, attrBytes(e, inventory.ColumnName), attrBytes(e, inventory.ColumnVersion),
				string(content))
		}
		if _, err := tx.exec(ctx, "INSERT INTO inv_entries (account_id, instance_id, type_name, seq, name, version, content) VALUES "+
			rowsOf(len(batch), "?, ?, ?, ?, ?, ?, ?"), args...); err != nil {
			return false, err
		}
	}
	return true, nil
}

// attrBytes returns an entry's attribute as bytes for an indexed column,
// or nil (NULL) when the entry does not have it.
func attrBytes(e map[string]string, col inventory.Column) any {
	v, ok := e[string(col)]
	if !ok {
		return nil
	}
	return append([]byte{}, v...)
}

// putCustomType records a custom type's schema version and the attribute
// names of an item's entries, adding the type under its account's lock
// when it is new.
func (tx *Tx) putCustomType(ctx context.Context, account string, it *inventory.Item, limits inventory.Limits, now time.Time) error {
	attrs := map[string]bool{}
	for _, e := range it.Content {
		for k := range e {
			attrs[k] = true
		}
	}
	lock := func() (bool, error) {
		res, err := tx.exec(ctx, "UPDATE inv_types SET attributes = attributes WHERE account_id = ? AND type_name = ?", account, it.TypeName)
		if err != nil {
			return false, err
		}
		n, err := res.RowsAffected()
		return n > 0, err
	}
	found, err := lock()
	if err != nil {
		return err
	}
	if !found {
		if _, err := tx.exec(ctx, "INSERT INTO inv_accounts (account_id) VALUES (?) ON CONFLICT (account_id) DO NOTHING", account); err != nil {
			return err
		}
		if _, err := tx.exec(ctx, "UPDATE inv_accounts SET account_id = account_id WHERE account_id = ?", account); err != nil {
			return err
		}
		// Another transaction may have added the type while this one
		// waited for the account's lock.
		if found, err = lock(); err != nil {
			return err
		}
	}
	if !found {
		var n int
		if err := tx.queryRow(ctx, "SELECT COUNT(*) FROM inv_types WHERE account_id = ?", account).Scan(&n); err != nil {
			return err
		}
		if n >= limits.CustomTypes {
			return fmt.Errorf("custom type %s: %d custom types: %w", it.TypeName, n, awserr.LimitExceeded)
		}
		if len(attrs) > limits.Attributes {
			return fmt.Errorf("custom type %s: %d attributes: %w", it.TypeName, len(attrs), awserr.Invalid)
		}
		_, err := tx.exec(ctx, `INSERT INTO inv_types (account_id, type_name, schema_version, attributes, disabled_version, created_at)
			VALUES (?, ?, ?, ?, '', ?)`, account, it.TypeName, it.SchemaVersion, jsonList(sortedSet(attrs)), millis(now))
		return err
	}
	var text, version, disabled string
	if err := tx.queryRow(ctx, "SELECT attributes, schema_version, disabled_version FROM inv_types WHERE account_id = ? AND type_name = ?",
		account, it.TypeName).Scan(&text, &version, &disabled); err != nil {
		return err
	}
	var old []string
	if err := json.Unmarshal([]byte(text), &old); err != nil {
		return fmt.Errorf("custom type %s attributes: %w", it.TypeName, err)
	}
	for _, a := range old {
		attrs[a] = true
	}
	if len(attrs) > limits.Attributes {
		return fmt.Errorf("custom type %s: %d attributes: %w", it.TypeName, len(attrs), awserr.Invalid)
	}
	if inventory.CompareValues(it.SchemaVersion, version) > 0 {
		version = it.SchemaVersion
	}
	if disabled != "" && inventory.CompareValues(it.SchemaVersion, disabled) > 0 {
		disabled = ""
	}
	_, err = tx.exec(ctx, "UPDATE inv_types SET attributes = ?, schema_version = ?, disabled_version = ? WHERE account_id = ? AND type_name = ?",
		jsonList(sortedSet(attrs)), version, disabled, account, it.TypeName)
	return err
}

// sortedSet returns a set's members in order.
func sortedSet(set map[string]bool) []string {
	list := make([]string, 0, len(set))
	for k := range set {
		list = append(list, k)
	}
	slices.Sort(list)
	return list
}

// in adds the condition that col is one of values.
func (w *where) in(col string, values []string) {
	args := make([]any, len(values))
	for i, v := range values {
		args[i] = v
	}
	w.add(col+" IN ("+placeholders(len(values))+")", args...)
}

// InventoryItems returns the stored items of instanceIDs, of types (nil:
// every type), with their content when withContent is set, ordered by
// instance and type.
func (db *DB) InventoryItems(ctx context.Context, account string, instanceIDs, types []string, withContent bool) ([]*inventory.Item, error) {
	if len(instanceIDs) == 0 || types != nil && len(types) == 0 {
		return nil, nil
	}
	var w where
	w.add("account_id = ?", account)
	w.in("instance_id", instanceIDs)
	if types != nil {
		w.in("type_name", types)
	}
	items, err := queryAll(ctx, db, func(row rowScanner) (*inventory.Item, error) {
		it := &inventory.Item{}
		var updated int64
		err := row.Scan(&it.InstanceID, &it.TypeName, &it.SchemaVersion, &it.CaptureTime, &it.ContentHash, &it.Entries, &updated)
		it.UpdatedAt = fromMillis(updated)
		return it, err
	}, "SELECT instance_id, type_name, schema_version, capture_time, content_hash, entry_count, updated_at FROM inv_items"+w.String()+
		" ORDER BY instance_id, type_name", w.args...)
	if err != nil || !withContent || len(items) == 0 {
		return items, err
	}
	byKey := make(map[[2]string]*inventory.Item, len(items))
	for _, it := range items {
		it.Content = make([]map[string]string, 0, it.Entries)
		byKey[[2]string{it.InstanceID, it.TypeName}] = it
	}
	rows, err := db.query(ctx, "SELECT instance_id, type_name, content FROM inv_entries"+w.String()+" ORDER BY instance_id, type_name, seq", w.args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var id, typeName, content string
		if err := rows.Scan(&id, &typeName, &content); err != nil {
			return nil, err
		}
		e, err := parseEntry(content)
		if err != nil {
			return nil, err
		}
		if it := byKey[[2]string{id, typeName}]; it != nil {
			it.Content = append(it.Content, e)
		}
	}
	return items, rows.Err()
}

// parseEntry decodes an entry's content; an entry without attributes is
// an empty map.
func parseEntry(content string) (map[string]string, error) {
	e := map[string]string{}
	if err := json.Unmarshal([]byte(content), &e); err != nil {
		return nil, fmt.Errorf("inventory entry: %w", err)
	}
	return e, nil
}

// InventoryInstances returns the IDs of the account's instances with an
// item of typeName ("": of any type), in order, after the ID after, at
// most limit (0: no limit).
func (db *DB) InventoryInstances(ctx context.Context, account, typeName, after string, n int) ([]string, error) {
	var w where
	w.add("account_id = ?", account)
	query := "SELECT DISTINCT instance_id FROM inv_items"
	if typeName != "" {
		w.add("type_name = ?", typeName)
		query = "SELECT instance_id FROM inv_items"
	}
	if after != "" {
		w.add("instance_id > ?", after)
	}
	return queryAll(ctx, db, scanString, query+w.String()+" ORDER BY instance_id"+limit(n, &w.args), w.args...)
}

func scanString(row rowScanner) (string, error) {
	var s string
	err := row.Scan(&s)
	return s, err
}

// entryWhere returns the conditions of an entry query. A prefix is a
// byte range on the indexed column: [prefix, the next prefix).
func entryWhere(q inventory.EntryQuery) *where {
	w := &where{}
	w.add("account_id = ?", q.Account)
	w.add("type_name = ?", q.TypeName)
	if q.Instances != nil {
		if len(q.Instances) == 0 {
			w.add("1 = 0")
		} else {
			w.in("instance_id", q.Instances)
		}
	}
	for _, c := range q.Conds {
		col := entryColumn(c.Column)
		var ors []string
		var args []any
		for _, v := range c.Values {
			switch {
			case !c.Prefix:
				ors = append(ors, col+" = ?")
				args = append(args, []byte(v))
			case v == "":
				ors = append(ors, col+" IS NOT NULL")
			default:
				if end := prefixEnd([]byte(v)); end != nil {
					ors = append(ors, "("+col+" >= ? AND "+col+" < ?)")
					args = append(args, []byte(v), end)
				} else {
					ors = append(ors, col+" >= ?")
					args = append(args, []byte(v))
				}
			}
		}
		if len(ors) == 0 {
			ors = []string{"1 = 0"}
		}
		w.add("("+strings.Join(ors, " OR ")+")", args...)
	}
	return w
}

// entryColumn returns the column of an indexed attribute.
func entryColumn(c inventory.Column) string {
	if c == inventory.ColumnVersion {
		return "version"
	}
	return "name"
}

// prefixEnd returns the least byte string greater than every string with
// prefix p, or nil when there is none (p is all 0xff bytes).
func prefixEnd(p []byte) []byte {
	end := append([]byte{}, p...)
	for i := len(end) - 1; i >= 0; i-- {
		if end[i] < 0xff {
			end[i]++
			return end[:i+1]
		}
	}
	return nil
}

// InventoryEntries returns the entries that q selects, ordered by
// instance and position.
func (db *DB) InventoryEntries(ctx context.Context, q inventory.EntryQuery) ([]*inventory.Entry, error) {
	w := entryWhere(q)
	return queryAll(ctx, db, func(row rowScanner) (*inventory.Entry, error) {
		e := &inventory.Entry{}
		var content string
		if err := row.Scan(&e.InstanceID, &e.Seq, &content); err != nil {
			return nil, err
		}
		var err error
		e.Content, err = parseEntry(content)
		return e, err
	}, "SELECT instance_id, seq, content FROM inv_entries"+w.String()+" ORDER BY instance_id, seq", w.args...)
}

// InventoryEntryInstances returns the IDs of the instances with an entry
// that q selects, in order; with conditions on indexed attributes only,
// it reads inv_entries_name alone.
func (db *DB) InventoryEntryInstances(ctx context.Context, q inventory.EntryQuery) ([]string, error) {
	w := entryWhere(q)
	return queryAll(ctx, db, scanString, "SELECT DISTINCT instance_id FROM inv_entries"+w.String()+" ORDER BY instance_id", w.args...)
}

// CountInventoryEntries returns, for each value of col among the entries
// q selects that have it, the number of instances with such an entry. It
// reads inv_entries_name alone.
func (db *DB) CountInventoryEntries(ctx context.Context, q inventory.EntryQuery, col inventory.Column) (map[string]int, error) {
	w := entryWhere(q)
	c := entryColumn(col)
	w.add(c + " IS NOT NULL")
	rows, err := db.query(ctx, "SELECT "+c+", COUNT(DISTINCT instance_id) FROM inv_entries"+w.String()+" GROUP BY "+c, w.args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]int{}
	for rows.Next() {
		var v []byte
		var n int
		if err := rows.Scan(&v, &n); err != nil {
			return nil, err
		}
		out[string(v)] += n
	}
	return out, rows.Err()
}

const invTypeColumns = "account_id, type_name, schema_version, attributes, disabled_version, created_at"

func scanCustomType(row rowScanner) (*inventory.CustomType, error) {
	ct := &inventory.CustomType{}
	var attrs string
	var created int64
	if err := row.Scan(&ct.Account, &ct.TypeName, &ct.SchemaVersion, &attrs, &ct.DisabledVersion, &created); err != nil {
		return nil, err
	}
	ct.CreatedAt = fromMillis(created)
	if err := json.Unmarshal([]byte(attrs), &ct.Attributes); err != nil {
		return nil, fmt.Errorf("custom type %s attributes: %w", ct.TypeName, err)
	}
	return ct, nil
}

// CustomInventoryTypes returns the account's custom types by name.
func (db *DB) CustomInventoryTypes(ctx context.Context, account string) ([]*inventory.CustomType, error) {
	return queryAll(ctx, db, scanCustomType, "SELECT "+invTypeColumns+" FROM inv_types WHERE account_id = ? ORDER BY type_name", account)
}

// InventoryVersionCounts returns the number of the account's items of
// typeName by schema version, in version order.
func (db *DB) InventoryVersionCounts(ctx context.Context, account, typeName string) ([]inventory.VersionCount, error) {
	return versionCounts(ctx, db.query, account, typeName)
}

func versionCounts(ctx context.Context, query func(ctx context.Context, q string, args ...any) (*sql.Rows, error), account, typeName string) ([]inventory.VersionCount, error) {
	rows, err := query(ctx, "SELECT schema_version, COUNT(*) FROM inv_items WHERE account_id = ? AND type_name = ? GROUP BY schema_version",
		account, typeName)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []inventory.VersionCount
	for rows.Next() {
		var c inventory.VersionCount
		if err := rows.Scan(&c.Version, &c.Count); err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	slices.SortFunc(out, func(a, b inventory.VersionCount) int { return inventory.CompareValues(a.Version, b.Version) })
	return out, rows.Err()
}

// DeleteInventoryType deletes every item of d's custom type, records what
// it deleted in d.Summary, applies d.Option and records d, in one
// transaction that first locks the type's row.
func (db *DB) DeleteInventoryType(ctx context.Context, d *inventory.Deletion) error {
	err := db.inTx(ctx, func(tx *Tx) error {
		if d.ClientToken != "" {
			var n int
			if err := tx.queryRow(ctx, "SELECT COUNT(*) FROM inv_deletions WHERE account_id = ? AND client_token = ?", d.Account, d.ClientToken).Scan(&n); err != nil {
				return err
			}
			if n > 0 {
				return exists("deletion with client token " + d.ClientToken)
			}
		}
		res, err := tx.exec(ctx, "UPDATE inv_types SET attributes = attributes WHERE account_id = ? AND type_name = ?", d.Account, d.TypeName)
		if err := mustAffect(res, err, "custom type "+d.TypeName); err != nil {
			return err
		}
		if d.Summary, err = versionCounts(ctx, tx.query, d.Account, d.TypeName); err != nil {
			return err
		}
		for _, table := range []string{"inv_entries", "inv_items"} {
			if _, err := tx.exec(ctx, "DELETE FROM "+table+" WHERE account_id = ? AND type_name = ?", d.Account, d.TypeName); err != nil {
				return err
			}
		}
		switch d.Option {
		case "DisableSchema":
			_, err = tx.exec(ctx, "UPDATE inv_types SET disabled_version = schema_version WHERE account_id = ? AND type_name = ?", d.Account, d.TypeName)
		case "DeleteSchema":
			_, err = tx.exec(ctx, "DELETE FROM inv_types WHERE account_id = ? AND type_name = ?", d.Account, d.TypeName)
		}
		if err != nil {
			return err
		}
		summary, _ := json.Marshal(d.Summary)
		_, err = tx.exec(ctx, `INSERT INTO inv_deletions (deletion_id, account_id, type_name, client_token, schema_option, summary, started_at)
			VALUES (?, ?, ?, ?, ?, ?, ?)`, d.ID, d.Account, d.TypeName, d.ClientToken, d.Option, string(summary), millis(d.StartedAt))
		if isUniqueViolation(err) {
			return exists("deletion with client token " + d.ClientToken)
		}
		return err
	})
	if err != nil {
		return fmt.Errorf("delete inventory %s: %w", d.TypeName, err)
	}
	return nil
}

const invDeletionColumns = "deletion_id, account_id, type_name, client_token, schema_option, summary, started_at"

func scanDeletion(row rowScanner) (*inventory.Deletion, error) {
	d := &inventory.Deletion{}
	var summary string
	var started int64
	if err := row.Scan(&d.ID, &d.Account, &d.TypeName, &d.ClientToken, &d.Option, &summary, &started); err != nil {
		return nil, err
	}
	d.StartedAt = fromMillis(started)
	if err := json.Unmarshal([]byte(summary), &d.Summary); err != nil {
		return nil, fmt.Errorf("deletion %s summary: %w", d.ID, err)
	}
	return d, nil
}

// InventoryDeletions returns the account's deletions, newest first, after
// the one with ID after ("": from the newest), at most n (0: no limit).
func (db *DB) InventoryDeletions(ctx context.Context, account, after string, n int) ([]*inventory.Deletion, error) {
	var w where
	w.add("account_id = ?", account)
	if after != "" {
		w.add(`(started_at < (SELECT started_at FROM inv_deletions WHERE deletion_id = ?)
			OR started_at = (SELECT started_at FROM inv_deletions WHERE deletion_id = ?) AND deletion_id < ?)`, after, after, after)
	}
	return queryAll(ctx, db, scanDeletion, "SELECT "+invDeletionColumns+" FROM inv_deletions"+w.String()+
		" ORDER BY started_at DESC, deletion_id DESC"+limit(n, &w.args), w.args...)
}

// InventoryDeletion returns a deletion of the account by its ID, or by its
// client token when byToken is set; none is an error of kind NotFound.
func (db *DB) InventoryDeletion(ctx context.Context, account, key string, byToken bool) (*inventory.Deletion, error) {
	col := "deletion_id"
	if byToken {
		col = "client_token"
	}
	return getOne(ctx, db, scanDeletion, "inventory deletion "+key,
		"SELECT "+invDeletionColumns+" FROM inv_deletions WHERE account_id = ? AND "+col+" = ?", account, key)
}
