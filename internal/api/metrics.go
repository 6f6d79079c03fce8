// Copyright 2026 The kanri Authors
// SPDX-License-Identifier: Apache-2.0

package api

import (
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Metrics are the front door's Prometheus metrics: requests by service,
// operation and answer code, and latency by operation.
type Metrics struct {
	requests *prometheus.CounterVec
	latency  *prometheus.HistogramVec

	mu    sync.RWMutex
	cache map[[3]string]prometheus.Counter // guarded by mu
}

// NewMetrics returns Metrics registered with reg.
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "kanri_api_requests_total", Help: "API requests by service, operation and answer code.",
		}, []string{"service", "operation", "code"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "kanri_api_request_duration_seconds", Help: "API request latency by service and operation.",
			Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5},
		}, []string{"service", "operation"}),
		cache: map[[3]string]prometheus.Counter{},
	}
	reg.MustRegister(m.requests, m.latency)
	return m
}

func (m *Metrics) observe(service, op, code string, d time.Duration) {
	key := [3]string{service, op, code}
	m.mu.RLock()
	c, ok := m.cache[key]
	m.mu.RUnlock()
	if !ok {
		c = m.requests.WithLabelValues(service, op, code)
		m.mu.Lock()
		m.cache[key] = c
		m.mu.Unlock()
	}
	c.Inc()
	m.latency.WithLabelValues(service, op).Observe(d.Seconds())
}
