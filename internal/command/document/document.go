// Copyright 2026 The kanri Authors
// SPDX-License-Identifier: Apache-2.0

package document

import (
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strings"

	"github.com/kanri-dev/kanri/internal/awserr"
)

// DocumentType is the kind of an SSM document, with AWS's DocumentType
// names. This package reads Command and Session documents.
type DocumentType string

// The document types Parse reads.
const (
	Command DocumentType = "Command"
	Session DocumentType = "Session"
)

// PlatformType is an operating system family, with AWS's PlatformType
// names.
type PlatformType string

// The platform types.
const (
	Linux   PlatformType = "Linux"
	MacOS   PlatformType = "MacOS"
	Windows PlatformType = "Windows"
)

// allPlatforms is every platform, in the order AWS lists them.
var allPlatforms = []PlatformType{Windows, Linux, MacOS}

// Document is a parsed and validated SSM document. Parse returns it; it is
// not modified afterwards, so it is safe for concurrent use.
type Document struct {
	// SchemaVersion is the document's schemaVersion: "2.2", "2.0" or
	// "1.2" for Command documents, "1.0" for Session documents.
	SchemaVersion string
	// Type is Command or Session, inferred from the schema version.
	Type DocumentType
	// Description is the document's description, if any.
	Description string
	// Parameters are the declared parameters, in document order.
	Parameters []Parameter
	// Steps are a Command document's steps (mainSteps, or the plugins of
	// a 1.2 document's runtimeConfig), in order.
	Steps []Step
	// Session is a Session document's body; nil for Command documents.
	Session *SessionSpec
}

// Step is one step of a Command document as written, before parameters
// are interpolated.
type Step struct {
	// Action is the plugin the step runs, such as "aws:runShellScript".
	Action string
	// Name identifies the step, unique within the document.
	Name string
	// Platform is the platform the step's precondition restricts it to,
	// or "" when the step has no precondition.
	Platform PlatformType
	// Inputs are the step's inputs as written: strings, json.Number,
	// bool, nil, []any and map[string]any.
	Inputs map[string]any
}

// Parameter returns the parameter called name.
func (d *Document) Parameter(name string) (Parameter, bool) {
	for _, p := range d.Parameters {
		if p.Name == name {
			return p, true
		}
	}
	return Parameter{}, false
}

// PlatformTypes returns the platforms the document runs on, in AWS's
// order (Windows, Linux, MacOS): for a Command document the union over
// its steps of the platforms each step's action supports, narrowed by the
// step's precondition; for a Session document the platforms its
// properties name, or all of them.
func (d *Document) PlatformTypes() []PlatformType {
	seen := map[PlatformType]bool{}
	for _, s := range d.Steps {
		if s.Platform != "" {
			seen[s.Platform] = true
			continue
		}
		a, _ := lookupAction(s.Action)
		for _, p := range a.platforms {
			seen[p] = true
		}
	}
	if d.Session != nil {
		if len(d.Session.Commands) == 0 {
			return slices.Clone(allPlatforms)
		}
		for p := range d.Session.Commands {
			seen[p] = true
		}
	}
	var out []PlatformType
	for _, p := range allPlatforms {
		if seen[p] {
			out = append(out, p)
		}
	}
	return out
}

var (
	stepNamePattern  = regexp.MustCompile(`^[a-zA-Z0-9_.-]+$`)
	paramNamePattern = regexp.MustCompile(`^[a-zA-Z0-9]+$`)
)

// Parse reads and validates a Command or Session document written in
// format. The document type follows from schemaVersion: "2.2", "2.0" and
// "1.2" are Command documents, "1.0" Session documents.
//
// Errors are *awserr.Error: InvalidDocumentSchemaVersion for a schema
// version this package does not read, InvalidDocumentContent for anything
// else, with the path of the offending element and its line and column.
func Parse(content string, format Format) (*Document, error) {
	root, err := parseSource(content, format)
	if err != nil {
		return nil, err
	}
	if root.kind != mapNode {
		return nil, invalidAt(root, "", "a document must be an object, not %s", root.kind)
	}
	sv := root.get("schemaVersion")
	if sv == nil {
		return nil, invalidAt(root, "schemaVersion", "required")
	}
	if sv.kind != stringNode && sv.kind != numberNode {
		return nil, invalidAt(sv, "schemaVersion", "must be a string, not %s", sv.kind)
	}
	p := &parser{doc: &Document{SchemaVersion: sv.text}}
	switch sv.text {
	case "2.2", "2.0":
		p.doc.Type = Command
		err = p.command(root)
	case "1.2":
		p.doc.Type = Command
		err = p.runtimeConfig(root)
	case "1.0":
		p.doc.Type = Session
		err = p.session(root)
	default:
		return nil, awserr.Errorf(awserr.Invalid, codeInvalidDocumentSchemaVersion,
			"schemaVersion %q is not supported: Command documents use 2.2, 2.0 or 1.2, Session documents use 1.0 (line %d, column %d)",
			sv.text, sv.line, sv.col)
	}
	if err != nil {
		return nil, err
	}
	return p.doc, nil
}

// parser holds the document being built, so that step inputs can be
// checked against the declared parameters.
type parser struct {
	doc *Document
}

// checkKeys rejects any key of the map n not in allowed.
func checkKeys(n *node, path string, allowed ...string) error {
	for _, k := range n.keys {
		if !slices.Contains(allowed, k.text) {
			sorted := slices.Clone(allowed)
			sort.Strings(sorted)
			where := path
			if where == "" {
				where = "document"
			}
			return invalidAt(k, where, "unknown key %q; allowed keys are %s", k.text, strings.Join(sorted, ", "))
		}
	}
	return nil
}

// str returns the string at key of the map n, "" if absent. A present
// value must be a string.
func str(n *node, path, key string, required bool) (string, *node, error) {
	v := n.get(key)
	if v == nil {
		if required {
			return "", nil, invalidAt(n, join(path, key), "required")
		}
		return "", nil, nil
	}
	if v.kind != stringNode {
		return "", v, invalidAt(v, join(path, key), "must be a string, not %s", v.kind)
	}
	return v.text, v, nil
}

// header reads the keys every document has besides schemaVersion.
func (p *parser) header(root *node) error {
	desc, _, err := str(root, "", "description", false)
	if err != nil {
		return err
	}
	p.doc.Description = desc
	if params := root.get("parameters"); params != nil {
		return p.parameters(params)
	}
	return nil
}

// command reads a schema 2.x Command document.
func (p *parser) command(root *node) error {
	if err := checkKeys(root, "", "schemaVersion", "description", "parameters", "mainSteps"); err != nil {
		return err
	}
	if err := p.header(root); err != nil {
		return err
	}
	steps := root.get("mainSteps")
	if steps == nil {
		return invalidAt(root, "mainSteps", "required")
	}
	if steps.kind != listNode {
		return invalidAt(steps, "mainSteps", "must be a list, not %s", steps.kind)
	}
	if len(steps.values) == 0 {
		return invalidAt(steps, "mainSteps", "must have at least one step")
	}
	names := map[string]int{}
	for i, sn := range steps.values {
		path := index("mainSteps", i)
		if sn.kind != mapNode {
			return invalidAt(sn, path, "a step must be an object, not %s", sn.kind)
		}
		allowed := []string{"action", "name", "inputs"}
		if p.doc.SchemaVersion == "2.2" {
			allowed = append(allowed, "precondition")
		}
		if err := checkKeys(sn, path, allowed...); err != nil {
			return err
		}
		action, an, err := str(sn, path, "action", true)
		if err != nil {
			return err
		}
		name, nn, err := str(sn, path, "name", true)
		if err != nil {
			return err
		}
		if !stepNamePattern.MatchString(name) {
			return invalidAt(nn, join(path, "name"), "step name %q must match [a-zA-Z0-9_.-]+", name)
		}
		if first, ok := names[name]; ok {
			return invalidAt(nn, join(path, "name"), "duplicate step name %q (also mainSteps[%d])", name, first)
		}
		names[name] = i
		var platform PlatformType
		if pre := sn.get("precondition"); pre != nil {
			if platform, err = precondition(pre, join(path, "precondition")); err != nil {
				return err
			}
		}
		step, err := p.step(action, an, join(path, "action"), name, platform, sn, sn.get("inputs"), join(path, "inputs"))
		if err != nil {
			return err
		}
		p.doc.Steps = append(p.doc.Steps, step)
	}
	return nil
}

// step validates one step's action and inputs. owner is the node that
// holds the inputs, for errors about missing ones; actionPath is where
// the action is named.
func (p *parser) step(action string, an *node, actionPath, name string, platform PlatformType, owner, inputs *node, path string) (Step, error) {
	spec, ok := lookupAction(action)
	if !ok {
		return Step{}, invalidAt(an, actionPath,
			"unsupported action %q; kanri runs %s", action, strings.Join(actionNames(), ", "))
	}
	if inputs == nil {
		inputs = &node{kind: mapNode, line: owner.line, col: owner.col}
	}
	if err := p.checkInputs(spec, inputs, path); err != nil {
		return Step{}, err
	}
	return Step{Action: action, Name: name, Platform: platform, Inputs: inputs.value().(map[string]any)}, nil
}

// precondition reads {"StringEquals": ["platformType", "Linux"]}.
func precondition(n *node, path string) (PlatformType, error) {
	const want = `must be {"StringEquals": ["platformType", "Linux" | "Windows" | "MacOS"]}`
	if n.kind != mapNode {
		return "", invalidAt(n, path, want)
	}
	if err := checkKeys(n, path, "StringEquals"); err != nil {
		return "", err
	}
	eq := n.get("StringEquals")
	if eq == nil {
		return "", invalidAt(n, path, want)
	}
	if eq.kind != listNode || len(eq.values) != 2 || eq.values[0].kind != stringNode || eq.values[1].kind != stringNode {
		return "", invalidAt(eq, join(path, "StringEquals"), want)
	}
	if eq.values[0].text != "platformType" {
		return "", invalidAt(eq.values[0], join(path, "StringEquals")+"[0]", "unsupported variable %q; only platformType is supported", eq.values[0].text)
	}
	pt := PlatformType(eq.values[1].text)
	if !slices.Contains(allPlatforms, pt) {
		return "", invalidAt(eq.values[1], join(path, "StringEquals")+"[1]", "unsupported platform type %q; use Linux, Windows or MacOS", pt)
	}
	return pt, nil
}

// runtimeConfig reads a schema 1.2 Command document: each plugin of
// runtimeConfig, in order, with its properties, becomes a step whose name
// is the property's id (or the plugin's name).
func (p *parser) runtimeConfig(root *node) error {
	if err := checkKeys(root, "", "schemaVersion", "description", "parameters", "runtimeConfig"); err != nil {
		return err
	}
	if err := p.header(root); err != nil {
		return err
	}
	rc := root.get("runtimeConfig")
	if rc == nil {
		return invalidAt(root, "runtimeConfig", "required")
	}
	if rc.kind != mapNode || len(rc.keys) == 0 {
		return invalidAt(rc, "runtimeConfig", "must be an object with at least one plugin")
	}
	names := map[string]bool{}
	for i, k := range rc.keys {
		plugin := k.text
		path := join("runtimeConfig", plugin)
		pn := rc.values[i]
		if pn.kind != mapNode {
			return invalidAt(pn, path, "must be an object, not %s", pn.kind)
		}
		if err := checkKeys(pn, path, "properties", "description"); err != nil {
			return err
		}
		if _, _, err := str(pn, path, "description", false); err != nil {
			return err
		}
		props := pn.get("properties")
		if props == nil {
			return invalidAt(pn, join(path, "properties"), "required")
		}
		list := []*node{props}
		listed := props.kind == listNode
		if listed {
			list = props.values
		}
		for j, prop := range list {
			ppath := join(path, "properties")
			if listed {
				ppath = index(ppath, j)
			}
			if prop.kind != mapNode {
				return invalidAt(prop, ppath, "must be an object, not %s", prop.kind)
			}
			name, _, err := str(prop, ppath, "id", false)
			if err != nil {
				return err
			}
			if name == "" {
				name = plugin
				if len(list) > 1 {
					name = fmt.Sprintf("%s.%d", plugin, j)
				}
			}
			if names[name] {
				return invalidAt(prop, ppath, "duplicate step id %q", name)
			}
			names[name] = true
			inputs := &node{kind: mapNode, line: prop.line, col: prop.col}
			for m, pk := range prop.keys {
				if pk.text != "id" {
					inputs.keys = append(inputs.keys, pk)
					inputs.values = append(inputs.values, prop.values[m])
				}
			}
			step, err := p.step(plugin, k, path, name, "", prop, inputs, ppath)
			if err != nil {
				return err
			}
			p.doc.Steps = append(p.doc.Steps, step)
		}
	}
	return nil
}

// checkRefs checks that every parameter reference in the strings under n
// names a declared parameter.
func (p *parser) checkRefs(n *node, path string) error {
	switch n.kind {
	case stringNode:
		for _, s := range parseTemplate(n.text) {
			if s.param == "" {
				continue
			}
			if _, ok := p.doc.Parameter(s.param); !ok {
				return invalidAt(n, path, "references undefined parameter %q", s.param)
			}
		}
	case mapNode:
		for i, k := range n.keys {
			if err := p.checkRefs(n.values[i], join(path, k.text)); err != nil {
				return err
			}
		}
	case listNode:
		for i, v := range n.values {
			if err := p.checkRefs(v, index(path, i)); err != nil {
				return err
			}
		}
	}
	return nil
}
