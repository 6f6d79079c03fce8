// Copyright 2026 The kanri Authors
// SPDX-License-Identifier: Apache-2.0

package wiregen

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"io"
)

// Model is an AWS service model in botocore's JSON form
// (service-2.json): the service metadata, its operations and its shapes.
type Model struct {
	Metadata   Metadata              `json:"metadata"`
	Operations map[string]*Operation `json:"operations"`
	Shapes     map[string]*Shape     `json:"shapes"`
}

// Metadata is the service-wide part of a model.
type Metadata struct {
	APIVersion      string          `json:"apiVersion"`
	EndpointPrefix  string          `json:"endpointPrefix"`
	JSONVersion     string          `json:"jsonVersion"`
	Protocol        string          `json:"protocol"`
	ServiceFullName string          `json:"serviceFullName"`
	ServiceID       string          `json:"serviceId"`
	SigningName     string          `json:"signingName"`
	TargetPrefix    string          `json:"targetPrefix"`
	XMLNamespace    json.RawMessage `json:"xmlNamespace"` // a string, or {"uri": …}
}

// Namespace returns the XML namespace of Query answers, whether the model
// spells it as a string or as an object with a uri.
func (md *Metadata) Namespace() string {
	if len(md.XMLNamespace) == 0 {
		return ""
	}
	var s string
	if json.Unmarshal(md.XMLNamespace, &s) == nil {
		return s
	}
	var o struct {
		URI string `json:"uri"`
	}
	if json.Unmarshal(md.XMLNamespace, &o) == nil {
		return o.URI
	}
	return ""
}

// Operation is one operation of a model.
type Operation struct {
	Name          string `json:"name"`
	HTTP          HTTP   `json:"http"`
	Input         *Ref   `json:"input"`
	Output        *Ref   `json:"output"`
	Errors        []*Ref `json:"errors"`
	Documentation string `json:"documentation"`
}

// HTTP is an operation's HTTP binding, which REST protocols route by: the
// method, the request URI with {Label} (or greedy {Label+}) path segments,
// and the status of a successful answer (0: 200).
type HTTP struct {
	Method       string `json:"method"`
	RequestURI   string `json:"requestUri"`
	ResponseCode int    `json:"responseCode"`
}

// Ref is a reference to a shape, with the traits the reference adds: an
// operation's input or output, a structure member, a list member, a map
// key or value.
type Ref struct {
	Shape string `json:"shape"`
	// Location is where a REST protocol carries a member outside the
	// body: "uri", "querystring", "header", "headers" (a map of headers
	// sharing the prefix LocationName) or "statusCode".
	Location         string `json:"location"`
	LocationName     string `json:"locationName"`
	Flattened        bool   `json:"flattened"`
	ResultWrapper    string `json:"resultWrapper"`
	Documentation    string `json:"documentation"`
	Sensitive        bool   `json:"sensitive"`
	IdempotencyToken bool   `json:"idempotencyToken"`
}

// Member is a named member of a structure.
type Member struct {
	Name string
	*Ref
}

// Members are a structure's members in the model's order.
type Members []Member

// UnmarshalJSON decodes a members object keeping the order of its keys,
// which a Go map would lose.
func (ms *Members) UnmarshalJSON(b []byte) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return fmt.Errorf("members: not an object")
	}
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return fmt.Errorf("members: %w", err)
		}
		name, _ := t.(string)
		r := new(Ref)
		if err := dec.Decode(r); err != nil {
			return fmt.Errorf("member %s: %w", name, err)
		}
		*ms = append(*ms, Member{Name: name, Ref: r})
	}
	return nil
}

// ErrorInfo is the error trait of an exception shape.
type ErrorInfo struct {
	Code           string `json:"code"`
	HTTPStatusCode int    `json:"httpStatusCode"`
	SenderFault    bool   `json:"senderFault"`
}

// Shape is a named shape of a model.
type Shape struct {
	Type          string      `json:"type"`
	Members       Members     `json:"members"`
	Required      []string    `json:"required"`
	Member        *Ref        `json:"member"`
	Key           *Ref        `json:"key"`
	Value         *Ref        `json:"value"`
	Flattened     bool        `json:"flattened"`
	LocationName  string      `json:"locationName"`
	Min           json.Number `json:"min"`
	Max           json.Number `json:"max"`
	Pattern       string      `json:"pattern"`
	Enum          []string    `json:"enum"`
	Sensitive     bool        `json:"sensitive"`
	Exception     bool        `json:"exception"`
	Fault         bool        `json:"fault"`
	Error         *ErrorInfo  `json:"error"`
	Union         bool        `json:"union"`
	Payload       string      `json:"payload"`
	Documentation string      `json:"documentation"`
}

// Load reads a model from r, which holds botocore's service-2.json,
// gzip-compressed or not.
func Load(r io.Reader) (*Model, error) {
	br := bufio.NewReader(r)
	if magic, _ := br.Peek(2); len(magic) == 2 && magic[0] == 0x1f && magic[1] == 0x8b {
		zr, err := gzip.NewReader(br)
		if err != nil {
			return nil, fmt.Errorf("load model: %w", err)
		}
		defer zr.Close()
		r = zr
	} else {
		r = br
	}
	m := new(Model)
	if err := json.NewDecoder(r).Decode(m); err != nil {
		return nil, fmt.Errorf("load model: %w", err)
	}
	for name, op := range m.Operations {
		if op.Name == "" {
			op.Name = name
		}
	}
	return m, nil
}
