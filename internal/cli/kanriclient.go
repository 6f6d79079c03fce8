// Copyright 2026 The kanri Authors
// SPDX-License-Identifier: Apache-2.0

package cli

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"

	"github.com/kanri-dev/kanri/internal/wire/kanri"
)

// kanriClient calls kanri's own API, the operations AWS has no API for
// (internal/wire/kanri), with an AWS SDK configuration's endpoint,
// credentials and HTTP client, signed as the SDKs sign (SigV4, signing
// name kanri).
type kanriClient struct{ cfg aws.Config }

// kanriAPIError is an error answer of kanri's API, shown as the AWS SDK
// shows the others.
type kanriAPIError struct {
	Operation string
	Status    int
	Code      string `json:"__type"`
	Message   string `json:"message"`
}

func (e *kanriAPIError) Error() string {
	return fmt.Sprintf("operation error kanri: %s, https response error StatusCode: %d, api error %s: %s", e.Operation, e.Status, e.Code, e.Message)
}

// call sends op with input in and decodes its output into out.
func (c kanriClient) call(ctx context.Context, op string, in, out any) error {
	body, err := json.Marshal(in)
	if err != nil {
		return err
	}
	endpoint := strings.TrimSuffix(aws.ToString(c.cfg.BaseEndpoint), "/")
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, endpoint+"/", bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("X-Amz-Target", kanri.TargetPrefix+"."+op)
	req.Header.Set("Content-Type", "application/x-amz-json-"+kanri.JSONVersion)
	creds, err := c.cfg.Credentials.Retrieve(ctx)
	if err != nil {
		return fmt.Errorf("credentials: %w", err)
	}
	sum := sha256.Sum256(body)
	if err := v4.NewSigner().SignHTTP(ctx, creds, req, hex.EncodeToString(sum[:]), kanri.SigningName, c.cfg.Region, time.Now()); err != nil {
		return err
	}
	client := c.cfg.HTTPClient
	if client == nil {
		client = http.DefaultClient
	}
	resp, err := client.Do(req)
	if err != nil {
		return fmt.Errorf("operation error kanri: %s: %w", op, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return fmt.Errorf("operation error kanri: %s: %w", op, err)
	}
	if resp.StatusCode != http.StatusOK {
		e := &kanriAPIError{Operation: op, Status: resp.StatusCode}
		if json.Unmarshal(b, e) != nil || e.Code == "" {
			e.Code, e.Message = http.StatusText(resp.StatusCode), strings.TrimSpace(string(b))
		}
		return e
	}
	if err := json.Unmarshal(b, out); err != nil {
		return fmt.Errorf("operation error kanri: %s: answer: %w", op, err)
	}
	return nil
}
