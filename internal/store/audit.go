// Copyright 2026 The kanri Authors
// SPDX-License-Identifier: Apache-2.0

package store

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/kanri-dev/kanri/internal/audit"
)

const auditColumns = `event_id, event_time, request_id, account_id, region, event_source, event_name, read_only,
	principal_arn, principal_id, principal_type, user_name, access_key_id, source_ip, user_agent,
	outcome, error_code, error_message, resources`

// auditRowsPerInsert keeps one INSERT's parameters well under both
// engines' limits (SQLite 32766, PostgreSQL 65535).
const auditRowsPerInsert = 500

// AppendEvents stores events in one transaction.
func (db *DB) AppendEvents(ctx context.Context, events []audit.Event) error {
	return db.inTx(ctx, func(tx *Tx) error {
		for start := 0; start < len(events); start += auditRowsPerInsert {
			chunk := events[start:min(start+auditRowsPerInsert, len(events))]
			if err := insertEvents(ctx, tx, chunk); err != nil {
				return err
			}
		}
		return nil
	})
}

func insertEvents(ctx context.Context, tx *Tx, events []audit.Event) error {
	var b strings.Builder
	b.WriteString("INSERT INTO audit_events (" + auditColumns + ") VALUES ")
	args := make([]any, 0, len(events)*19)
	var res []any
	nres := 0
	for i, e := range events {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString("(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)")
		rj, err := json.Marshal(e.Resources)
		if err != nil {
			return err
		}
		args = append(args, e.ID, millis(e.Time), e.RequestID, e.Account, e.Region, e.Source, e.Name, e.ReadOnly,
			e.PrincipalARN, e.PrincipalID, e.PrincipalType, e.UserName, e.AccessKeyID, e.SourceIP, e.UserAgent,
			e.Outcome, e.ErrorCode, e.ErrorMessage, string(rj))
		for _, r := range e.Resources {
			res = append(res, e.ID, r.ARN, r.Type, millis(e.Time))
			nres++
		}
	}
	if _, err := tx.exec(ctx, b.String(), args...); err != nil {
		return fmt.Errorf("insert audit events: %w", err)
	}
	if nres == 0 {
		return nil
	}
	b.Reset()
	b.WriteString("INSERT INTO audit_event_resources (event_id, resource_arn, resource_type, event_time) VALUES ")
	for i := 0; i < nres; i++ {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString("(?,?,?,?)")
	}
	b.WriteString(" ON CONFLICT (event_id, resource_arn) DO NOTHING")
	if _, err := tx.exec(ctx, b.String(), res...); err != nil {
		return fmt.Errorf("insert audit event resources: %w", err)
	}
	return nil
}

// LookupEvents returns events matching q, newest first.
func (db *DB) LookupEvents(ctx context.Context, q audit.Query) ([]audit.Event, error) {
	var where []string
	var args []any
	if !q.Start.IsZero() {
		where = append(where, "e.event_time >= ?")
		args = append(args, millis(q.Start))
	}
	if !q.End.IsZero() {
		where = append(where, "e.event_time <= ?")
		args = append(args, millis(q.End))
	}
	if !q.AfterTime.IsZero() {
		where = append(where, "(e.event_time < ? OR (e.event_time = ? AND e.event_id < ?))")
		args = append(args, millis(q.AfterTime), millis(q.AfterTime), q.AfterID)
	}
	from := "audit_events e"
	switch q.Attribute {
	case "":
	case "EventId":
		where = append(where, "e.event_id = ?")
		args = append(args, q.Value)
	case "EventName":
		where = append(where, "e.event_name = ?")
		args = append(args, q.Value)
	case "EventSource":
		where = append(where, "e.event_source = ?")
		args = append(args, q.Value)
	case "Username":
		where = append(where, "e.user_name = ?")
		args = append(args, q.Value)
	case "AccessKeyId":
		where = append(where, "e.access_key_id = ?")
		args = append(args, q.Value)
	case "ReadOnly":
		where = append(where, "e.read_only = ?")
		args = append(args, q.Value == "true")
	case "ResourceName":
		from = "audit_events e JOIN audit_event_resources r ON r.event_id = e.event_id"
		where = append(where, "r.resource_arn = ?")
		args = append(args, q.Value)
	case "ResourceType":
		from = "audit_events e JOIN audit_event_resources r ON r.event_id = e.event_id"
		where = append(where, "r.resource_type = ?")
		args = append(args, q.Value)
	default:
		return nil, fmt.Errorf("lookup events: unknown attribute %q", q.Attribute)
	}
	query := "SELECT DISTINCT " + prefixColumns("e.", auditColumns) + " FROM " + from
	if len(where) > 0 {
		query += " WHERE " + strings.Join(where, " AND ")
	}
	query += " ORDER BY e.event_time DESC, e.event_id DESC LIMIT ?"
	args = append(args, q.Limit)
	rows, err := db.query(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("lookup events: %w", err)
	}
	defer rows.Close()
	var out []audit.Event
	for rows.Next() {
		var e audit.Event
		var t int64
		var rj string
		if err := rows.Scan(&e.ID, &t, &e.RequestID, &e.Account, &e.Region, &e.Source, &e.Name, &e.ReadOnly,
			&e.PrincipalARN, &e.PrincipalID, &e.PrincipalType, &e.UserName, &e.AccessKeyID, &e.SourceIP, &e.UserAgent,
			&e.Outcome, &e.ErrorCode, &e.ErrorMessage, &rj); err != nil {
			return nil, err
		}
		e.Time = fromMillis(t)
		if err := json.Unmarshal([]byte(rj), &e.Resources); err != nil {
			return nil, fmt.Errorf("event %s resources: %w", e.ID, err)
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

// prefixColumns qualifies each column of a comma-separated list.
func prefixColumns(prefix, cols string) string {
	parts := strings.Split(cols, ",")
	for i, p := range parts {
		parts[i] = prefix + strings.TrimSpace(p)
	}
	return strings.Join(parts, ", ")
}
