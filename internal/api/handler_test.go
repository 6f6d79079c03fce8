// Copyright 2026 The kanri Authors
// SPDX-License-Identifier: Apache-2.0

package api

import (
	"context"
	"log/slog"
	"net/http/httptest"
	"strings"
	"testing"

	rg "github.com/kanri-dev/kanri/internal/wire/resourcegroups"
)

func TestProtocolOf(t *testing.T) {
	get := func(ctx context.Context, in *rg.GetGroupInput) (*rg.GetGroupOutput, error) { return nil, nil }
	rest := &Service{Name: "resource-groups", Protocol: REST, Bindings: rg.Operations, Operations: []*Operation{Op("GetGroup", get)}}
	quiet := slog.New(slog.DiscardHandler)
	tests := []struct {
		method, target, contentType, amzTarget string
		rest                                   bool // a REST service is served
		want                                   Protocol
	}{
		{"POST", "/", "application/x-amz-json-1.1", "AmazonSSM.SendCommand", true, JSON},
		{"POST", "/get-group", "application/x-amz-json-1.1", "AmazonSSM.SendCommand", true, JSON},
		{"POST", "/", "application/x-www-form-urlencoded; charset=utf-8", "", true, Query},
		{"GET", "/?Action=GetCallerIdentity&Version=2011-06-15", "", "", true, Query},
		{"POST", "/", "", "", true, Query},
		{"POST", "/get-group", "application/x-www-form-urlencoded", "", true, Query},
		{"GET", "/sts?Action=GetCallerIdentity", "", "", true, Query},
		{"POST", "/get-group", "application/json", "", true, REST},
		{"POST", "/get-group", "", "", true, REST},
		{"GET", "/resources/x/tags", "", "", true, REST},
		{"POST", "/nope", "application/json", "", true, REST},
		// Without a REST service, everything but JSON 1.1 is Query, as before.
		{"POST", "/get-group", "application/json", "", false, Query},
	}
	for _, tt := range tests {
		cfg := Config{Logger: quiet}
		if tt.rest {
			cfg.Services = []*Service{rest}
		}
		h := New(cfg)
		r := httptest.NewRequest(tt.method, tt.target, strings.NewReader(""))
		if tt.contentType != "" {
			r.Header.Set("Content-Type", tt.contentType)
		}
		if tt.amzTarget != "" {
			r.Header.Set("X-Amz-Target", tt.amzTarget)
		}
		if got := h.protocolOf(r); got != tt.want {
			t.Errorf("protocolOf(%s %s, %q, %q, rest=%v) = %d, want %d", tt.method, tt.target, tt.contentType, tt.amzTarget, tt.rest, got, tt.want)
		}
	}
}
