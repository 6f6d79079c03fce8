// Copyright 2026 The kanri Authors
// SPDX-License-Identifier: Apache-2.0

package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"runtime"
	"slices"
	"strings"

	"github.com/kanri-dev/kanri/internal/audit"
	"github.com/kanri-dev/kanri/internal/jsonenc"
)

// auditDetail is the part of an audit event kept as JSON in the detail
// column: everything LookupEvents does not filter on.
type auditDetail struct {
	RequestID     string           `json:"requestId"`
	Account       string           `json:"account"`
	Region        string           `json:"region"`
	PrincipalARN  string           `json:"principalArn,omitempty"`
	PrincipalID   string           `json:"principalId,omitempty"`
	PrincipalType string           `json:"principalType,omitempty"`
	SourceIP      string           `json:"sourceIp"`
	UserAgent     string           `json:"userAgent,omitempty"`
	Outcome       string           `json:"outcome"`
	ErrorCode     string           `json:"errorCode,omitempty"`
	ErrorMessage  string           `json:"errorMessage,omitempty"`
	Resources     []audit.Resource `json:"resources,omitempty"`
}

// appendAuditDetail appends e's detail column: the JSON encoding/json
// writes for its auditDetail, without reflection.
func appendAuditDetail(dst []byte, e *audit.Event) []byte {
	dst = append(dst, '{')
	dst = jsonenc.Field(dst, "requestId", e.RequestID)
	dst = jsonenc.Field(dst, "account", e.Account)
	dst = jsonenc.Field(dst, "region", e.Region)
	for _, f := range [...]struct{ name, value string }{
		{"principalArn", e.PrincipalARN}, {"principalId", e.PrincipalID}, {"principalType", e.PrincipalType},
	} {
		if f.value != "" {
			dst = jsonenc.Field(dst, f.name, f.value)
		}
	}
	dst = jsonenc.Field(dst, "sourceIp", e.SourceIP)
	if e.UserAgent != "" {
		dst = jsonenc.Field(dst, "userAgent", e.UserAgent)
	}
	dst = jsonenc.Field(dst, "outcome", e.Outcome)
	if e.ErrorCode != "" {
		dst = jsonenc.Field(dst, "errorCode", e.ErrorCode)
	}
	if e.ErrorMessage != "" {
		dst = jsonenc.Field(dst, "errorMessage", e.ErrorMessage)
	}
	if len(e.Resources) > 0 {
		dst = jsonenc.Key(dst, "resources")
		dst = audit.AppendResourcesJSON(dst, e.Resources)
	}
	return append(dst, '}')
}

// AppendEvents stores events in one transaction, with one prepared
// statement executed per event (parsing one large multi-row statement
// costs more on SQLite than executing a prepared one many times). An
// event already stored (same ID) is left as it is, so that a journal can
// store its events again after a crash.
//
// A large batch takes a core for milliseconds, so AppendEvents lets other
// goroutines run every yieldEvery events: requests waiting for a core go
// first, rather than waiting for the whole batch.
func (db *DB) AppendEvents(ctx context.Context, events []audit.Event) error {
	return db.inTx(ctx, func(tx *Tx) error {
		ins, err := tx.prepare(ctx, `INSERT INTO audit_events
			(event_id, event_time, event_source, event_name, read_only, user_name, access_key_id, detail)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (event_id) DO NOTHING`)
		if err != nil {
			return fmt.Errorf("insert audit events: %w", err)
		}
		defer ins.Close()
		var insRes *sql.Stmt
		var detail []byte
		for i := range events {
			if i > 0 && i%yieldEvery == 0 {
				runtime.Gosched()
			}
			e := &events[i]
			detail = appendAuditDetail(detail[:0], e)
			res, err := ins.ExecContext(ctx, e.ID, millis(e.Time), e.Source, e.Name, e.ReadOnly, e.UserName, e.AccessKeyID, string(detail))
			if err != nil {
				return fmt.Errorf("insert audit event: %w", err)
			}
			if len(e.Resources) == 0 {
				continue
			}
			if n, err := res.RowsAffected(); err != nil || n == 0 {
				continue // stored before, with its resources
			}
			for i, r := range e.Resources {
				if slices.ContainsFunc(e.Resources[:i], func(o audit.Resource) bool { return o.ARN == r.ARN }) {
					continue
				}
				if insRes == nil {
					insRes, err = tx.prepare(ctx, `INSERT INTO audit_event_resources (event_id, resource_arn, resource_type)
						VALUES (?, ?, ?)`)
					if err != nil {
						return fmt.Errorf("insert audit event resources: %w", err)
					}
					defer insRes.Close()
				}
				if _, err := insRes.ExecContext(ctx, e.ID, r.ARN, r.Type); err != nil {
					return fmt.Errorf("insert audit event resource: %w", err)
				}
			}
		}
		return nil
	})
}

// yieldEvery is how many audit events AppendEvents stores between yields
// of its core: about half a millisecond of work on SQLite.
const yieldEvery = 32

// LookupEvents returns events matching q, newest first. Time bounds are
// applied through the time-ordered event IDs, so every lookup is a range
// scan of an index.
func (db *DB) LookupEvents(ctx context.Context, q audit.Query) ([]audit.Event, error) {
	lo, hi := audit.IDBounds(q.Start, q.End)
	if q.AfterID != "" && q.AfterID < hi {
		hi = q.AfterID
	}
	where := []string{"e.event_id >= ?", "e.event_id < ?"}
	args := []any{lo, hi}
	if q.AfterID == "" {
		where[1] = "e.event_id <= ?"
	}
	if !q.Start.IsZero() {
		where = append(where, "e.event_time >= ?")
		args = append(args, millis(q.Start))
	}
	if !q.End.IsZero() {
		where = append(where, "e.event_time <= ?")
		args = append(args, millis(q.End))
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
	case "ResourceName", "ResourceType":
		from = "audit_event_resources r JOIN audit_events e ON e.event_id = r.event_id"
		where[0], where[1] = strings.Replace(where[0], "e.", "r.", 1), strings.Replace(where[1], "e.", "r.", 1)
		col := "r.resource_arn"
		if q.Attribute == "ResourceType" {
			col = "r.resource_type"
		}
		where = append(where, col+" = ?")
		args = append(args, q.Value)
	default:
		return nil, fmt.Errorf("lookup events: unknown attribute %q", q.Attribute)
	}
	query := `SELECT DISTINCT e.event_id, e.event_time, e.event_source, e.event_name, e.read_only, e.user_name, e.access_key_id, e.detail
		FROM ` + from + " WHERE " + strings.Join(where, " AND ") + " ORDER BY e.event_id DESC LIMIT ?"
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
		var detail string
		if err := rows.Scan(&e.ID, &t, &e.Source, &e.Name, &e.ReadOnly, &e.UserName, &e.AccessKeyID, &detail); err != nil {
			return nil, err
		}
		e.Time = fromMillis(t)
		var d auditDetail
		if err := json.Unmarshal([]byte(detail), &d); err != nil {
			return nil, fmt.Errorf("event %s detail: %w", e.ID, err)
		}
		e.RequestID, e.Account, e.Region = d.RequestID, d.Account, d.Region
		e.PrincipalARN, e.PrincipalID, e.PrincipalType = d.PrincipalARN, d.PrincipalID, d.PrincipalType
		e.SourceIP, e.UserAgent, e.Outcome = d.SourceIP, d.UserAgent, d.Outcome
		e.ErrorCode, e.ErrorMessage, e.Resources = d.ErrorCode, d.ErrorMessage, d.Resources
		out = append(out, e)
	}
	return out, rows.Err()
}
