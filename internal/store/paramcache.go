// Copyright 2026 The kanri Authors
// SPDX-License-Identifier: Apache-2.0

package store

import (
	"maps"
	"slices"
	"sync"
	"sync/atomic"

	"github.com/kanri-dev/kanri/internal/params"
)

// paramCache keeps the parameters GetParameter read, on SQLite only: there
// the server's own process makes every write, so each write can make what
// was read before it unusable. Replicas sharing PostgreSQL write behind
// each other's backs; there every read goes to the database.
//
// An entry is usable while no parameter write has finished since the read
// that filled it began: the generation is taken before the read and
// advanced after every write's transaction ends, so a read that may have
// seen the state before a write never serves after it. A SecureString is
// kept as its ciphertext; it is decrypted on every read, as before.
type paramCache struct {
	gen atomic.Uint64
	mu  sync.Mutex
	m   map[paramCacheKey]paramCacheEntry
}

// maxCachedParams bounds the cache; when full it starts again empty.
const maxCachedParams = 10_000

type paramCacheKey struct {
	account, key string
	sel          params.Selector
}

type paramCacheEntry struct {
	gen uint64
	p   *params.Parameter
}

// get returns a copy of the cached parameter, or nil.
func (c *paramCache) get(k paramCacheKey) *params.Parameter {
	c.mu.Lock()
	e, ok := c.m[k]
	c.mu.Unlock()
	if !ok || e.gen != c.gen.Load() {
		return nil
	}
	return cloneParameter(e.p)
}

// put keeps a copy of p, read by a read that began at generation gen,
// unless a write has finished since.
func (c *paramCache) put(k paramCacheKey, gen uint64, p *params.Parameter) {
	if gen != c.gen.Load() {
		return
	}
	p = cloneParameter(p)
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil || len(c.m) >= maxCachedParams {
		c.m = make(map[paramCacheKey]paramCacheEntry)
	}
	c.m[k] = paramCacheEntry{gen: gen, p: p}
}

// wrote makes every entry unusable; called when a parameter write's
// transaction has ended, committed or not.
func (c *paramCache) wrote() {
	c.gen.Add(1)
}

// cloneParameter copies p deeply enough that changing the copy leaves p
// alone.
func cloneParameter(p *params.Parameter) *params.Parameter {
	c := *p
	c.Tags = maps.Clone(p.Tags)
	if p.Version != nil {
		v := *p.Version
		v.Labels = slices.Clone(v.Labels)
		c.Version = &v
	}
	return &c
}
