// Copyright 2026 The kanri Authors
// SPDX-License-Identifier: Apache-2.0

package collect

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/kanri-dev/kanri/internal/awserr"
)

// The SSM agent's limits on custom inventory, which are PutInventory's.
const (
	customFileLimit      = 20
	customTypeNamePrefix = "Custom:"
	typeNameLengthLimit  = 100
	attributeCountLimit  = 50
	attributeNameLimit   = 64
	attributeValueLimit  = 4096
	customErrorTypeName  = "Custom"
	customFileSuffix     = ".json"
	customFileMaxBytes   = 2 * maxItemBytes // larger files could not make an item
)

// custom adds one item per valid custom inventory file (*.json) in
// Config.CustomInventoryDir, and reports each invalid file, or a second
// file of the same TypeName, without stopping the others. A missing
// directory means no custom inventory; more than 20 files is an error and
// none is read.
func (c *collector) custom(ctx context.Context) {
	dir := c.cfg.CustomInventoryDir
	ents, err := os.ReadDir(c.hostPath(dir))
	if errors.Is(err, fs.ErrNotExist) {
		return
	}
	if err != nil {
		c.fail(customErrorTypeName, dir, err)
		return
	}
	var names []string
	for _, e := range ents {
		if filepath.Ext(e.Name()) == customFileSuffix && !e.IsDir() {
			names = append(names, e.Name())
		}
	}
	// More files than the limit is an error, and none is read.
	if len(names) > customFileLimit {
		c.fail(customErrorTypeName, dir, fmt.Errorf("%d custom inventory files, more than %d: %w", len(names), customFileLimit, awserr.LimitExceeded))
		return
	}
	sort.Strings(names)
	seen := map[string]string{}
	for _, n := range names {
		if ctx.Err() != nil {
			return
		}
		p := filepath.Join(dir, n)
		if fi, err := os.Stat(c.hostPath(p)); err == nil && fi.Size() > customFileMaxBytes {
			c.fail(customErrorTypeName, p, fmt.Errorf("%d bytes, more than %d: %w", fi.Size(), customFileMaxBytes, awserr.LimitExceeded))
			continue
		}
		data, err := os.ReadFile(c.hostPath(p))
		if err != nil {
			c.fail(customErrorTypeName, p, err)
			continue
		}
		typeName, version, content, err := parseCustomInventory(data)
		if err != nil {
			c.fail(customErrorTypeName, p, err)
			continue
		}
		if first, ok := seen[typeName]; ok {
			c.fail(customErrorTypeName, p, fmt.Errorf("type %s is already in %s: %w", typeName, first, awserr.Exists))
			continue
		}
		seen[typeName] = p
		c.addItem(typeName, version, content, false)
	}
}

// parseCustomInventory parses and validates one custom inventory file, as
// the SSM agent reads it:
//
//	{"SchemaVersion": "1.0", "TypeName": "Custom:RackInfo",
//	 "Content": {"RackLocation": "Bay B/Row C"}}
//
// Content is one entry or an array of entries, each an object of at most
// 50 attributes whose names have 1 to 64 characters and whose values are
// strings of at most 4096. Errors are of kind awserr.Invalid.
func parseCustomInventory(data []byte) (typeName, schemaVersion string, content []map[string]string, err error) {
	var f struct {
		TypeName      string
		SchemaVersion string
		Content       json.RawMessage
	}
	if err := json.Unmarshal(data, &f); err != nil {
		return "", "", nil, invalid("not a custom inventory document: %v", err)
	}
	switch {
	case f.TypeName == "":
		return "", "", nil, invalid("no TypeName")
	case len(f.TypeName) > typeNameLengthLimit:
		return "", "", nil, invalid("TypeName %q is longer than %d characters", f.TypeName, typeNameLengthLimit)
	case !strings.HasPrefix(f.TypeName, customTypeNamePrefix):
		return "", "", nil, invalid("TypeName %q does not start with %q", f.TypeName, customTypeNamePrefix)
	case !validSchemaVersion(f.SchemaVersion):
		return "", "", nil, invalid("SchemaVersion %q is not of the form 1.0", f.SchemaVersion)
	}
	raw := bytes.TrimSpace(f.Content)
	if len(raw) == 0 || bytes.Equal(raw, []byte("null")) {
		return "", "", nil, invalid("no Content")
	}
	var entries []map[string]any
	if raw[0] == '[' {
		var list []json.RawMessage
		if err := json.Unmarshal(raw, &list); err != nil {
			return "", "", nil, invalid("Content: %v", err)
		}
		for _, r := range list {
			var e map[string]any
			if err := json.Unmarshal(r, &e); err != nil || e == nil {
				return "", "", nil, invalid("Content entry %s is not an object", truncateUTF8(string(r), 40))
			}
			entries = append(entries, e)
		}
	} else {
		var e map[string]any
		if err := json.Unmarshal(raw, &e); err != nil || e == nil {
			return "", "", nil, invalid("Content is neither an object nor an array of objects")
		}
		entries = append(entries, e)
	}
	content = make([]map[string]string, 0, len(entries))
	for _, e := range entries {
		if len(e) > attributeCountLimit {
			return "", "", nil, invalid("an entry has %d attributes, more than %d", len(e), attributeCountLimit)
		}
		m := make(map[string]string, len(e))
		for k, v := range e {
			s, ok := v.(string)
			switch {
			case k == "" || len(k) > attributeNameLimit:
				return "", "", nil, invalid("attribute name %q is not 1 to %d characters", k, attributeNameLimit)
			case !ok:
				return "", "", nil, invalid("attribute %s is %T, not a string", k, v)
			case len(s) > attributeValueLimit:
				return "", "", nil, invalid("attribute %s is longer than %d characters", k, attributeValueLimit)
			}
			m[k] = s
		}
		content = append(content, m)
	}
	return f.TypeName, f.SchemaVersion, content, nil
}

// validSchemaVersion reports whether v matches ^([0-9]{1,6})(\.[0-9]{1,6})$.
func validSchemaVersion(v string) bool {
	major, minor, ok := strings.Cut(v, ".")
	digits := func(s string) bool {
		return len(s) >= 1 && len(s) <= 6 && strings.Trim(s, "0123456789") == ""
	}
	return ok && digits(major) && digits(minor)
}

// invalid returns an error of kind awserr.Invalid.
func invalid(format string, args ...any) error {
	return fmt.Errorf("%s: %w", fmt.Sprintf(format, args...), awserr.Invalid)
}
