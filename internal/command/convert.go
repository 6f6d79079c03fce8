// Copyright 2026 The kanri Authors
// SPDX-License-Identifier: Apache-2.0

package command

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/kanri-dev/kanri/internal/awserr"
	"github.com/kanri-dev/kanri/internal/command/document"
)

// convertContent rewrites a document's content from one format to the
// other, keeping the order of its keys, as GetDocument's DocumentFormat
// asks.
func convertContent(content string, from, to document.Format) (string, error) {
	if to != document.JSON && to != document.YAML {
		return "", awserr.Validation("DocumentFormat", string(to), "must be JSON or YAML")
	}
	var root yaml.Node
	if err := yaml.Unmarshal([]byte(content), &root); err != nil {
		return "", fmt.Errorf("convert stored %s document: %w", from, err)
	}
	if to == document.YAML {
		plain(&root)
		var b bytes.Buffer
		enc := yaml.NewEncoder(&b)
		enc.SetIndent(2)
		if err := enc.Encode(&root); err != nil {
			return "", fmt.Errorf("convert document to YAML: %w", err)
		}
		return b.String(), nil
	}
	var b bytes.Buffer
	if err := writeJSON(&b, &root, ""); err != nil {
		return "", err
	}
	return b.String(), nil
}

// plain makes every node block style with plain scalars; the encoder
// quotes the strings that would otherwise read as another type, and
// writes multi-line strings as literal blocks. Strings that YAML 1.1
// readers take for booleans (yes, off…) are quoted as well.
func plain(n *yaml.Node) {
	n.Style = 0
	if n.Kind == yaml.ScalarNode && n.ShortTag() == "!!str" && yaml11Bools[n.Value] {
		n.Style = yaml.DoubleQuotedStyle
	}
	for _, c := range n.Content {
		plain(c)
	}
}

// yaml11Bools are the plain scalars YAML 1.1 reads as booleans.
var yaml11Bools = map[string]bool{}

func init() {
	for _, w := range []string{"y", "yes", "n", "no", "on", "off"} {
		for _, v := range []string{w, strings.ToUpper(w[:1]) + w[1:], strings.ToUpper(w)} {
			yaml11Bools[v] = true
		}
	}
}

// writeJSON writes a YAML node tree as indented JSON.
func writeJSON(b *bytes.Buffer, n *yaml.Node, indent string) error {
	switch n.Kind {
	case yaml.DocumentNode:
		for _, c := range n.Content {
			if err := writeJSON(b, c, indent); err != nil {
				return err
			}
		}
		return nil
	case yaml.AliasNode:
		return writeJSON(b, n.Alias, indent)
	case yaml.MappingNode:
		if len(n.Content) == 0 {
			b.WriteString("{}")
			return nil
		}
		b.WriteString("{\n")
		for i := 0; i+1 < len(n.Content); i += 2 {
			key, _ := json.Marshal(n.Content[i].Value)
			b.WriteString(indent + "  ")
			b.Write(key)
			b.WriteString(": ")
			if err := writeJSON(b, n.Content[i+1], indent+"  "); err != nil {
				return err
			}
			if i+2 < len(n.Content) {
				b.WriteByte(',')
			}
			b.WriteByte('\n')
		}
		b.WriteString(indent + "}")
		return nil
	case yaml.SequenceNode:
		if len(n.Content) == 0 {
			b.WriteString("[]")
			return nil
		}
		b.WriteString("[\n")
		for i, c := range n.Content {
			b.WriteString(indent + "  ")
			if err := writeJSON(b, c, indent+"  "); err != nil {
				return err
			}
			if i+1 < len(n.Content) {
				b.WriteByte(',')
			}
			b.WriteByte('\n')
		}
		b.WriteString(indent + "]")
		return nil
	case yaml.ScalarNode:
		var v any
		switch n.Tag {
		case "!!str", "!!binary", "!!timestamp":
			v = n.Value
		default:
			if err := n.Decode(&v); err != nil {
				return fmt.Errorf("convert document to JSON: %w", err)
			}
		}
		enc, err := json.Marshal(v)
		if err != nil {
			return fmt.Errorf("convert document to JSON: %w", err)
		}
		b.Write(enc)
		return nil
	}
	return fmt.Errorf("convert document to JSON: unexpected YAML node kind %d", n.Kind)
}
