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

// Doer sends HTTP requests; *http.Client and the AWS SDK's clients are
// Doers.
type Doer interface {
	Do(*http.Request) (*http.Response, error)
}

// Client returns an HTTP client for AWS SDK configurations.
func Client() Doer { return Wrap(&http.Client{}) }

// Wrap returns next sending every request body from memory. Use it on the
// client the SDK's configuration loader built, which carries settings such
// as a custom CA bundle.
// A nil next means a plain *http.Client.
func Wrap(next Doer) Doer {
	if next == nil {
		next = &http.Client{}
	}
	return &bufferedBody{next: next}
}

// bufferedBody reads request bodies into memory before sending them.
type bufferedBody struct{ next Doer }

// Do sends r with its body read into memory.
func (b *bufferedBody) Do(r *http.Request) (*http.Response, error) {
	if r.Body == nil || r.Body == http.NoBody {
		return b.next.Do(r)
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
	return b.next.Do(r2)
}
