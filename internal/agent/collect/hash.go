// Copyright 2026 The kanri Authors
// SPDX-License-Identifier: Apache-2.0

package collect

import (
	"crypto/md5"
	"encoding/base64"
	"encoding/json"
	"sort"
	"strings"
)

// ContentHash returns the hash PutInventory's ContentHash carries for
// content: the base64 MD5 (as the SSM agent computes it) of content's
// canonical JSON, in which each entry's attributes are sorted by name and
// the entries are sorted by their encoding. It therefore depends only on
// what content holds, never on the order of its entries, and is the same on
// every run and every machine for the same content.
func ContentHash(content []map[string]string) string {
	enc := make([]string, len(content))
	for i, e := range content {
		enc[i] = canonical(e)
	}
	sort.Strings(enc)
	sum := md5.Sum([]byte("[" + strings.Join(enc, ",") + "]"))
	return base64.StdEncoding.EncodeToString(sum[:])
}

// canonical returns e's JSON with its keys sorted, which is how
// encoding/json writes maps.
func canonical(e map[string]string) string {
	b, err := json.Marshal(e)
	if err != nil { // a map[string]string always marshals
		return ""
	}
	return string(b)
}

// Changed returns the items whose ContentHash differs from prev[TypeName],
// the hashes last sent (see Hashes); a type absent from prev has changed.
// The agent sends only these, so an unchanged type is not sent again.
func Changed(prev map[string]string, items []Item) []Item {
	var changed []Item
	for _, it := range items {
		if h, ok := prev[it.TypeName]; !ok || h != it.ContentHash {
			changed = append(changed, it)
		}
	}
	return changed
}

// Hashes returns each item's ContentHash by TypeName: what to keep as prev
// for the next Changed once the items were sent.
func Hashes(items []Item) map[string]string {
	m := make(map[string]string, len(items))
	for _, it := range items {
		m[it.TypeName] = it.ContentHash
	}
	return m
}
