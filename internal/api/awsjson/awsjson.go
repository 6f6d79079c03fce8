// Copyright 2026 The kanri Authors
// SPDX-License-Identifier: Apache-2.0

// Package awsjson is the AWS JSON 1.1 protocol: request bodies decoded into
// input shapes, output shapes and errors encoded as the AWS SDKs expect.
// It is the one place that turns an error into a JSON-protocol answer.
package awsjson

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/kanri-dev/kanri/internal/awserr"
)

// ContentType is the media type of JSON 1.1 requests and answers.
const ContentType = "application/x-amz-json-1.1"

// Decode decodes body into v, refusing unknown members and values of the
// wrong type with a SerializationException that names them. An empty body
// is an empty object.
func Decode(body []byte, v any) error {
	if len(bytes.TrimSpace(body)) == 0 {
		return nil
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return serializationError(body, err)
	}
	if dec.More() {
		off := dec.InputOffset()
		line, col := position(body, off)
		return awserr.Errorf(awserr.Invalid, "SerializationException",
			"invalid JSON at line %d, column %d: unexpected data after the top-level value", line, col)
	}
	return nil
}

func serializationError(body []byte, err error) error {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syn):
		// Offset counts the bytes read, including the offending one.
		line, col := position(body, max(syn.Offset-1, 0))
		return awserr.Errorf(awserr.Invalid, "SerializationException", "invalid JSON at line %d, column %d: %s", line, col,
			strings.TrimPrefix(syn.Error(), "json: "))
	case errors.As(err, &typ):
		field := typ.Field
		if field == "" {
			return awserr.Errorf(awserr.Invalid, "SerializationException",
				"the request body must be a JSON object, got %s", typ.Value)
		}
		return awserr.Errorf(awserr.Invalid, "SerializationException",
			"member %s: expected %s, got %s", field, jsonKind(typ.Type.String()), typ.Value)
	case errors.Is(err, io.ErrUnexpectedEOF):
		return awserr.New(awserr.Invalid, "SerializationException", "invalid JSON: unexpected end of input")
	}
	msg := strings.TrimPrefix(err.Error(), "json: ")
	if f, ok := strings.CutPrefix(msg, "unknown field "); ok {
		return awserr.Errorf(awserr.Invalid, "SerializationException", "unknown member %s in the request body", f)
	}
	return awserr.Errorf(awserr.Invalid, "SerializationException", "invalid request body: %s", msg)
}

// jsonKind names a Go type as the JSON kind it decodes from.
func jsonKind(goType string) string {
	t := strings.TrimLeft(goType, "*")
	switch {
	case strings.HasPrefix(t, "int"), strings.HasPrefix(t, "uint"):
		return "an integer"
	case strings.HasPrefix(t, "float"):
		return "a number"
	case t == "bool":
		return "a boolean"
	case t == "string":
		return "a string"
	case strings.HasPrefix(t, "[]uint8"):
		return "a base64 string"
	case strings.HasPrefix(t, "[]"):
		return "a list"
	case strings.HasPrefix(t, "map["):
		return "a map"
	case strings.HasSuffix(t, "timestamp.Time"):
		return "a timestamp"
	}
	return "an object"
}

// position converts a byte offset in body into a 1-based line and column.
func position(body []byte, off int64) (line, col int) {
	if off > int64(len(body)) {
		off = int64(len(body))
	}
	line = 1 + bytes.Count(body[:off], []byte{'\n'})
	col = int(off) - bytes.LastIndexByte(body[:off], '\n')
	return line, col
}

// WriteResponse writes a 200 answer with v as its JSON body.
func WriteResponse(w http.ResponseWriter, v any) error {
	b := []byte("{}")
	if v != nil {
		var err error
		if b, err = json.Marshal(v); err != nil {
			return fmt.Errorf("encode response: %w", err)
		}
	}
	h := w.Header()
	h.Set("Content-Type", ContentType)
	h.Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(http.StatusOK)
	_, err := w.Write(b)
	return err
}

// jsonCodes renames the errors that every protocol shares (authentication,
// authorization, throttling) to the JSON services' spelling and status.
var jsonCodes = map[string]struct {
	code   string
	status int
}{
	"MissingAuthenticationToken": {"MissingAuthenticationTokenException", http.StatusForbidden},
	"InvalidClientTokenId":       {"UnrecognizedClientException", http.StatusBadRequest},
	"SignatureDoesNotMatch":      {"InvalidSignatureException", http.StatusBadRequest},
	"IncompleteSignature":        {"IncompleteSignatureException", http.StatusBadRequest},
	"ExpiredToken":               {"ExpiredTokenException", http.StatusBadRequest},
	"AccessDenied":               {"AccessDeniedException", http.StatusBadRequest},
	"Throttling":                 {"ThrottlingException", http.StatusBadRequest},
	"RequestEntityTooLarge":      {"RequestEntityTooLargeException", http.StatusRequestEntityTooLarge},
}

// Code returns the JSON protocol's spelling of an error code.
func Code(code string) string {
	if c, ok := jsonCodes[code]; ok {
		return c.code
	}
	return code
}

// WriteError writes e as a JSON 1.1 error answer.
func WriteError(w http.ResponseWriter, e *awserr.Error) error {
	status := e.HTTPStatus()
	code := e.Code
	if c, ok := jsonCodes[code]; ok {
		code, status = c.code, c.status
	}
	b, err := json.Marshal(struct {
		Type    string `json:"__type"`
		Message string `json:"message,omitempty"`
	}{code, e.Message})
	if err != nil {
		return err
	}
	h := w.Header()
	h.Set("Content-Type", ContentType)
	h.Set("Content-Length", strconv.Itoa(len(b)))
	h.Set("X-Amzn-ErrorType", code)
	w.WriteHeader(status)
	_, err = w.Write(b)
	return err
}
