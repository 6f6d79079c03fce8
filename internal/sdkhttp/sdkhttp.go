// Copyright 2026 The kanri Authors
// SPDX-License-Identifier: Apache-2.0

// Package sdkhttp provides the HTTP client that kanri's AWS SDK clients
// use. The SDK closes a request's body as soon as the answer's headers
// arrive; when the server answers quickly (as kanri does on loopback), Go's
// transport may still be checking that body for extra bytes, finds it
// closed, and tears the connection down under the answer being read
// ("use of closed network connection", aws/aws-sdk-go-v2#2737). Reading the
// body into memory first gives the transport a body it never has to wait
// on.
package sdkhttp

import (
	"bytes"
	"io"
	"net/http"
)

// Client returns an HTTP client for AWS SDK configurations.
func Client() *http.Client {
	return &http.Client{Transport: &bufferedBody{next: http.DefaultTransport.(*http.Transport).Clone()}}
}

// bufferedBody reads request bodies into memory before sending them.
type bufferedBody struct{ next http.RoundTripper }

// RoundTrip sends r with its body read into memory.
func (b *bufferedBody) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.Body == nil || r.Body == http.NoBody {
		return b.next.RoundTrip(r)
	}
	body, err := io.ReadAll(r.Body)
	r.Body.Close()
	if err != nil {
		return nil, err
	}
	r2 := r.Clone(r.Context())
	r2.Body = io.NopCloser(bytes.NewReader(body))
	r2.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(body)), nil }
	r2.ContentLength = int64(len(body))
	return b.next.RoundTrip(r2)
}
