// Copyright 2026 The kanri Authors
// SPDX-License-Identifier: Apache-2.0

package document

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"

	"gopkg.in/yaml.v3"
)

// Format is the syntax a document's content is written in, with AWS's
// DocumentFormat names.
type Format string

// The formats Parse reads.
const (
	JSON Format = "JSON"
	YAML Format = "YAML"
)

// DetectFormat guesses the format of content: JSON when its first
// non-blank character opens an object, YAML otherwise.
func DetectFormat(content string) Format {
	if strings.HasPrefix(strings.TrimLeft(content, " \t\r\n\ufeff"), "{") {
		return JSON
	}
	return YAML
}

// kind is the type of a node's value.
type kind uint8

const (
	nullNode kind = iota
	stringNode
	numberNode
	boolNode
	mapNode
	listNode
)

var kindNames = [...]string{
	nullNode:   "null",
	stringNode: "a string",
	numberNode: "a number",
	boolNode:   "a boolean",
	mapNode:    "an object",
	listNode:   "a list",
}

func (k kind) String() string { return kindNames[k] }

// A node is one value of a document's syntax tree, read from JSON or YAML,
// with the place it starts in the source so errors can point at it.
type node struct {
	kind kind
	// text is a scalar's value: the string, the number as written, or
	// "true"/"false".
	text string
	// keys and values are a map's entries in source order; values also
	// holds a list's items.
	keys   []*node
	values []*node
	// line and col are 1-based; col counts characters.
	line, col int
}

// get returns the value of key in a map node, or nil.
func (n *node) get(key string) *node {
	for i, k := range n.keys {
		if k.text == key {
			return n.values[i]
		}
	}
	return nil
}

// isScalar reports whether n is a string, number or boolean.
func (n *node) isScalar() bool {
	return n.kind == stringNode || n.kind == numberNode || n.kind == boolNode
}

// value returns n as plain Go data: string, json.Number, bool, nil,
// []any or map[string]any.
func (n *node) value() any {
	switch n.kind {
	case stringNode:
		return n.text
	case numberNode:
		return json.Number(n.text)
	case boolNode:
		return n.text == "true"
	case mapNode:
		m := make(map[string]any, len(n.keys))
		for i, k := range n.keys {
			m[k.text] = n.values[i].value()
		}
		return m
	case listNode:
		l := make([]any, len(n.values))
		for i, v := range n.values {
			l[i] = v.value()
		}
		return l
	}
	return nil
}

// maxDepth bounds nesting, so that hostile content (or a YAML alias
// referring to its own ancestor) cannot exhaust the stack.
const maxDepth = 64

// parseSource reads content in format into a syntax tree. Errors are
// InvalidDocumentContent naming the line (and for JSON the column).
func parseSource(content string, format Format) (*node, error) {
	if strings.TrimSpace(content) == "" {
		return nil, invalidContent("document content is empty")
	}
	content = strings.TrimPrefix(content, "\ufeff") // a byte order mark, as some editors write
	switch format {
	case JSON:
		return parseJSON(content)
	case YAML:
		return parseYAML(content)
	}
	return nil, invalidContent(fmt.Sprintf("document format %q is not supported; use JSON or YAML", string(format)))
}

// jsonParser builds a syntax tree from json.Decoder's tokens, locating each
// token from the decoder's input offset.
type jsonParser struct {
	src string
	dec *json.Decoder
}

func parseJSON(content string) (*node, error) {
	// Unmarshal's scanner locates syntax errors exactly; the decoder's
	// tokens, read next, locate the values.
	var raw json.RawMessage
	if err := json.Unmarshal([]byte(content), &raw); err != nil {
		var se *json.SyntaxError
		if !errors.As(err, &se) {
			return nil, invalidContent("JSON syntax error: " + err.Error())
		}
		off := int(se.Offset) - 1
		if se.Offset >= int64(len(content)) && strings.HasPrefix(se.Error(), "unexpected end") {
			off = len(content)
		}
		line, col := position(content, max(off, 0))
		return nil, invalidContent(fmt.Sprintf("JSON syntax error at line %d, column %d: %s", line, col, se.Error()))
	}
	dec := json.NewDecoder(strings.NewReader(content))
	dec.UseNumber()
	p := &jsonParser{src: content, dec: dec}
	n, err := p.parse(0)
	if err != nil {
		return nil, err
	}
	off := p.next()
	if _, err := dec.Token(); err != io.EOF {
		if err != nil {
			return nil, p.syntaxError(err)
		}
		return nil, p.errorAt(off, "unexpected content after the document's top-level object")
	}
	return n, nil
}

// next returns the offset where the next token starts: the decoder's
// offset is the end of the previous token, before any blank, comma or
// colon.
func (p *jsonParser) next() int {
	off := int(p.dec.InputOffset())
	for off < len(p.src) && strings.IndexByte(" \t\r\n,:", p.src[off]) >= 0 {
		off++
	}
	return off
}

func (p *jsonParser) parse(depth int) (*node, error) {
	off := p.next()
	tok, err := p.dec.Token()
	if err != nil {
		return nil, p.syntaxError(err)
	}
	line, col := position(p.src, off)
	n := &node{line: line, col: col}
	switch t := tok.(type) {
	case json.Delim:
		if depth >= maxDepth {
			return nil, p.errorAt(off, "document is nested too deeply")
		}
		switch t {
		case '{':
			n.kind = mapNode
			for p.dec.More() {
				koff := p.next()
				ktok, err := p.dec.Token()
				if err != nil {
					return nil, p.syntaxError(err)
				}
				key, ok := ktok.(string)
				if !ok {
					return nil, p.errorAt(koff, "object key must be a string")
				}
				if n.get(key) != nil {
					return nil, p.errorAt(koff, fmt.Sprintf("duplicate key %q", key))
				}
				kl, kc := position(p.src, koff)
				v, err := p.parse(depth + 1)
				if err != nil {
					return nil, err
				}
				n.keys = append(n.keys, &node{kind: stringNode, text: key, line: kl, col: kc})
				n.values = append(n.values, v)
			}
		case '[':
			n.kind = listNode
			for p.dec.More() {
				v, err := p.parse(depth + 1)
				if err != nil {
					return nil, err
				}
				n.values = append(n.values, v)
			}
		}
		// The closing delimiter.
		if _, err := p.dec.Token(); err != nil {
			return nil, p.syntaxError(err)
		}
	case string:
		n.kind, n.text = stringNode, t
	case json.Number:
		n.kind, n.text = numberNode, t.String()
	case bool:
		n.kind, n.text = boolNode, strconv.FormatBool(t)
	case nil:
		n.kind = nullNode
	}
	return n, nil
}

// syntaxError turns a decoder error into InvalidDocumentContent naming the
// line and column of the offending character.
func (p *jsonParser) syntaxError(err error) error {
	var se *json.SyntaxError
	switch {
	case errors.As(err, &se):
		off := int(se.Offset) - 1
		if off < 0 {
			off = 0
		}
		return p.errorAt(off, se.Error())
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return p.errorAt(len(p.src), "unexpected end of JSON input")
	}
	return p.errorAt(int(p.dec.InputOffset()), err.Error())
}

func (p *jsonParser) errorAt(off int, msg string) error {
	line, col := position(p.src, off)
	return invalidContent(fmt.Sprintf("JSON syntax error at line %d, column %d: %s", line, col, msg))
}

// position returns the 1-based line and column (in characters) of byte
// offset off in src.
func position(src string, off int) (line, col int) {
	if off > len(src) {
		off = len(src)
	}
	before := src[:off]
	line = 1 + strings.Count(before, "\n")
	start := strings.LastIndexByte(before, '\n') + 1
	return line, 1 + utf8.RuneCountInString(before[start:])
}

var yamlLineError = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)

func parseYAML(content string) (*node, error) {
	dec := yaml.NewDecoder(strings.NewReader(content))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, invalidContent("document content is empty")
		}
		return nil, yamlError(err)
	}
	var extra yaml.Node
	switch err := dec.Decode(&extra); {
	case errors.Is(err, io.EOF):
	case err != nil:
		return nil, yamlError(err)
	default:
		return nil, invalidContent(fmt.Sprintf("YAML error at line %d: a document holds one YAML document; found another", extra.Line))
	}
	root := &doc
	if root.Kind == yaml.DocumentNode {
		if len(root.Content) == 0 {
			return nil, invalidContent("document content is empty")
		}
		root = root.Content[0]
	}
	c := &yamlConverter{}
	return c.convert(root, 0)
}

// maxNodes bounds the values a YAML document may expand to through its
// aliases (a "billion laughs" document expands exponentially).
const maxNodes = 100000

// yamlConverter turns yaml.v3's nodes into a syntax tree, counting the
// values it creates.
type yamlConverter struct {
	nodes int
}

func yamlError(err error) error {
	msg := err.Error()
	if m := yamlLineError.FindStringSubmatch(msg); m != nil {
		return invalidContent(fmt.Sprintf("YAML syntax error at line %s: %s", m[1], m[2]))
	}
	return invalidContent("YAML syntax error: " + strings.TrimPrefix(msg, "yaml: "))
}

func (c *yamlConverter) convert(y *yaml.Node, depth int) (*node, error) {
	n := &node{line: y.Line, col: y.Column}
	if depth >= maxDepth {
		return nil, yamlAt(y, "document is nested too deeply")
	}
	if c.nodes++; c.nodes > maxNodes {
		// The node reached is deep inside some alias: no line helps.
		return nil, invalidContent(fmt.Sprintf("YAML error: the document expands to more than %d values through its aliases", maxNodes))
	}
	switch y.Kind {
	case yaml.AliasNode:
		if y.Alias == nil {
			return nil, yamlAt(y, "unknown alias")
		}
		a, err := c.convert(y.Alias, depth+1)
		if err != nil {
			return nil, err
		}
		a.line, a.col = y.Line, y.Column
		return a, nil
	case yaml.MappingNode:
		n.kind = mapNode
		for i := 0; i+1 < len(y.Content); i += 2 {
			k := y.Content[i]
			if k.Kind != yaml.ScalarNode || k.ShortTag() == "!!merge" {
				return nil, yamlAt(k, "keys must be plain strings (merge keys and complex keys are not supported)")
			}
			if n.get(k.Value) != nil {
				return nil, yamlAt(k, fmt.Sprintf("duplicate key %q", k.Value))
			}
			v, err := c.convert(y.Content[i+1], depth+1)
			if err != nil {
				return nil, err
			}
			n.keys = append(n.keys, &node{kind: stringNode, text: k.Value, line: k.Line, col: k.Column})
			n.values = append(n.values, v)
		}
	case yaml.SequenceNode:
		n.kind = listNode
		for _, item := range y.Content {
			v, err := c.convert(item, depth+1)
			if err != nil {
				return nil, err
			}
			n.values = append(n.values, v)
		}
	case yaml.ScalarNode:
		switch y.ShortTag() {
		case "!!null":
			n.kind = nullNode
		case "!!bool":
			var b bool
			if err := y.Decode(&b); err != nil {
				return nil, yamlAt(y, err.Error())
			}
			n.kind, n.text = boolNode, strconv.FormatBool(b)
		case "!!int":
			var i int64
			if err := y.Decode(&i); err != nil {
				return nil, yamlAt(y, fmt.Sprintf("integer %s is out of range", y.Value))
			}
			n.kind, n.text = numberNode, strconv.FormatInt(i, 10)
		case "!!float":
			if _, err := strconv.ParseFloat(y.Value, 64); err != nil {
				return nil, yamlAt(y, fmt.Sprintf("number %s cannot be written in JSON", y.Value))
			}
			n.kind, n.text = numberNode, y.Value
		case "!!str", "!!timestamp", "!!binary":
			n.kind, n.text = stringNode, y.Value
		default:
			return nil, yamlAt(y, fmt.Sprintf("unsupported YAML tag %s", y.Tag))
		}
	default:
		return nil, yamlAt(y, "unsupported YAML node")
	}
	return n, nil
}

func yamlAt(y *yaml.Node, msg string) error {
	return invalidContent(fmt.Sprintf("YAML error at line %d, column %d: %s", y.Line, y.Column, msg))
}

// compactJSON writes v as JSON without HTML escaping and without a
// trailing newline.
func compactJSON(v any) (string, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return "", err
	}
	return strings.TrimSuffix(b.String(), "\n"), nil
}
