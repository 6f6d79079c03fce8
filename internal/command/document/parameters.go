// Copyright 2026 The kanri Authors
// SPDX-License-Identifier: Apache-2.0

package document

import (
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"
)

// ParameterType is the type of a document parameter.
type ParameterType string

// The parameter types of SSM documents.
const (
	String     ParameterType = "String"
	StringList ParameterType = "StringList"
	Integer    ParameterType = "Integer"
	Boolean    ParameterType = "Boolean"
	StringMap  ParameterType = "StringMap"
	MapList    ParameterType = "MapList"
)

var parameterTypes = []ParameterType{String, StringList, Integer, Boolean, StringMap, MapList}

// Parameter is a parameter a document declares.
type Parameter struct {
	Name        string
	Type        ParameterType
	Description string
	// Default is the value used when the caller passes none; nil means
	// the parameter is required.
	Default *Value
	// AllowedValues, when not empty, lists the values (or, for a
	// StringList, the elements) the parameter accepts.
	AllowedValues []string
	// AllowedPattern, when not empty, is a regular expression each value
	// (or element) must match as a whole. It is written in AWS's (Java)
	// syntax and must also be valid Go RE2 syntax.
	AllowedPattern string
	// DisplayType is "textarea" or "textfield", a hint for consoles.
	DisplayType string
	// MinItems and MaxItems bound the number of elements of a StringList
	// or MapList; nil means unbounded.
	MinItems, MaxItems *int
	// MinChars and MaxChars bound the length in characters of a String or
	// of each element of a StringList; nil means unbounded.
	MinChars, MaxChars *int
	// InterpolationType is "ENV_VAR" when the value is also passed to
	// steps as the environment variable SSM_<Name>, or "".
	InterpolationType string
}

// Value is a parameter's value, in the form SendCommand's Parameters carry
// it.
type Value struct {
	Type ParameterType
	// Strings holds the single value of a String, Integer or Boolean
	// (normalized: "42", "true"), the compact JSON of a StringMap or
	// MapList, or one string per element of a StringList.
	Strings []string
}

// Text returns the value as it is written into a longer string: the
// single value of a String, Integer, Boolean, StringMap or MapList, or the
// compact JSON array of a StringList's elements.
func (v Value) Text() string {
	if v.Type == StringList {
		s := v.Strings
		if s == nil {
			s = []string{}
		}
		text, _ := compactJSON(s) // a []string always encodes
		return text
	}
	if len(v.Strings) == 0 {
		return ""
	}
	return v.Strings[0]
}

func (v Value) clone() Value {
	return Value{Type: v.Type, Strings: slices.Clone(v.Strings)}
}

// parameters reads the parameters section.
func (p *parser) parameters(n *node) error {
	if n.kind != mapNode {
		return invalidAt(n, "parameters", "must be an object, not %s", n.kind)
	}
	for i, k := range n.keys {
		path := join("parameters", k.text)
		if !paramNamePattern.MatchString(k.text) {
			return invalidAt(k, path, "parameter name %q must match [a-zA-Z0-9]+", k.text)
		}
		param, err := parameter(k.text, n.values[i], path)
		if err != nil {
			return err
		}
		p.doc.Parameters = append(p.doc.Parameters, param)
	}
	return nil
}

// parameter reads one parameter's definition.
func parameter(name string, n *node, path string) (Parameter, error) {
	prm := Parameter{Name: name}
	if n.kind != mapNode {
		return prm, invalidAt(n, path, "must be an object, not %s", n.kind)
	}
	if err := checkKeys(n, path, "type", "description", "default", "allowedValues", "allowedPattern",
		"displayType", "minItems", "maxItems", "minChars", "maxChars", "interpolationType"); err != nil {
		return prm, err
	}
	typ, tn, err := str(n, path, "type", true)
	if err != nil {
		return prm, err
	}
	prm.Type = ParameterType(typ)
	if !slices.Contains(parameterTypes, prm.Type) {
		return prm, invalidAt(tn, join(path, "type"), "unsupported type %q; use String, StringList, Integer, Boolean, StringMap or MapList", typ)
	}
	if prm.Description, _, err = str(n, path, "description", false); err != nil {
		return prm, err
	}
	dt, dn, err := str(n, path, "displayType", false)
	if err != nil {
		return prm, err
	}
	if dt != "" && dt != "textarea" && dt != "textfield" {
		return prm, invalidAt(dn, join(path, "displayType"), "unsupported displayType %q; use textarea or textfield", dt)
	}
	prm.DisplayType = dt
	it, in, err := str(n, path, "interpolationType", false)
	if err != nil {
		return prm, err
	}
	if it != "" && it != "ENV_VAR" {
		return prm, invalidAt(in, join(path, "interpolationType"), "unsupported interpolationType %q; use ENV_VAR", it)
	}
	if it != "" && prm.Type != String {
		return prm, invalidAt(in, join(path, "interpolationType"), "applies only to String parameters")
	}
	prm.InterpolationType = it

	bounds := []struct {
		key   string
		dst   **int
		types []ParameterType
	}{
		{"minItems", &prm.MinItems, []ParameterType{StringList, MapList}},
		{"maxItems", &prm.MaxItems, []ParameterType{StringList, MapList}},
		{"minChars", &prm.MinChars, []ParameterType{String, StringList}},
		{"maxChars", &prm.MaxChars, []ParameterType{String, StringList}},
	}
	for _, b := range bounds {
		v := n.get(b.key)
		if v == nil {
			continue
		}
		if !slices.Contains(b.types, prm.Type) {
			return prm, invalidAt(v, join(path, b.key), "applies only to %s parameters, not %s", typeList(b.types), prm.Type)
		}
		i, err := strconv.Atoi(v.text)
		if v.kind != numberNode || err != nil || i < 0 {
			return prm, invalidAt(v, join(path, b.key), "must be a non-negative integer")
		}
		*b.dst = &i
	}
	if prm.MinItems != nil && prm.MaxItems != nil && *prm.MinItems > *prm.MaxItems {
		return prm, invalidAt(n.get("maxItems"), join(path, "maxItems"), "must not be less than minItems")
	}
	if prm.MinChars != nil && prm.MaxChars != nil && *prm.MinChars > *prm.MaxChars {
		return prm, invalidAt(n.get("maxChars"), join(path, "maxChars"), "must not be less than minChars")
	}

	if av := n.get("allowedValues"); av != nil {
		apath := join(path, "allowedValues")
		if prm.Type == StringMap || prm.Type == MapList {
			return prm, invalidAt(av, apath, "does not apply to %s parameters", prm.Type)
		}
		if av.kind != listNode || len(av.values) == 0 {
			return prm, invalidAt(av, apath, "must be a non-empty list")
		}
		prm.AllowedValues = []string{}
		for i, v := range av.values {
			if !v.isScalar() {
				return prm, invalidAt(v, index(apath, i), "must be a string, not %s", v.kind)
			}
			s := v.text
			if prm.Type == Integer {
				n, err := strconv.ParseInt(s, 10, 64)
				if err != nil {
					return prm, invalidAt(v, index(apath, i), "must be an integer for an Integer parameter")
				}
				s = strconv.FormatInt(n, 10)
			}
			prm.AllowedValues = append(prm.AllowedValues, s)
		}
	}
	pat, pn, err := str(n, path, "allowedPattern", false)
	if err != nil {
		return prm, err
	}
	if pat != "" {
		if prm.Type == StringMap || prm.Type == MapList {
			return prm, invalidAt(pn, join(path, "allowedPattern"), "does not apply to %s parameters", prm.Type)
		}
		if _, err := compilePattern(pat); err != nil {
			return prm, invalidAt(pn, join(path, "allowedPattern"),
				"kanri cannot compile this pattern with Go's RE2 syntax (lookaround, backreferences and possessive quantifiers are not supported): %v", err)
		}
		prm.AllowedPattern = pat
	}

	if dn := n.get("default"); dn != nil {
		dpath := join(path, "default")
		raw, err := defaultStrings(prm.Type, dn, dpath)
		if err != nil {
			return prm, err
		}
		vals, problem := prm.check(raw)
		if problem != "" {
			return prm, invalidAt(dn, dpath, "%s", problem)
		}
		prm.Default = &Value{Type: prm.Type, Strings: vals}
	}
	return prm, nil
}

func typeList(types []ParameterType) string {
	s := make([]string, len(types))
	for i, t := range types {
		s[i] = string(t)
	}
	return strings.Join(s, " and ")
}

// compilePattern compiles an allowedPattern so that it must match the
// whole value, as Java's String.matches does.
func compilePattern(pat string) (*regexp.Regexp, error) {
	if _, err := regexp.Compile(pat); err != nil {
		return nil, err
	}
	return regexp.Compile(`^(?:` + pat + `)$`)
}

// defaultStrings converts a default as written into the strings a caller
// would pass for it.
func defaultStrings(t ParameterType, n *node, path string) ([]string, error) {
	switch t {
	case String, Integer, Boolean:
		if !n.isScalar() {
			return nil, invalidAt(n, path, "must be a single value for a %s parameter, not %s", t, n.kind)
		}
		return []string{n.text}, nil
	case StringList:
		if n.kind == stringNode {
			return []string{n.text}, nil
		}
		if n.kind != listNode {
			return nil, invalidAt(n, path, "must be a list for a StringList parameter, not %s", n.kind)
		}
		out := []string{}
		for i, v := range n.values {
			if !v.isScalar() {
				return nil, invalidAt(v, index(path, i), "must be a string, not %s", v.kind)
			}
			out = append(out, v.text)
		}
		return out, nil
	case StringMap, MapList:
		if n.kind == stringNode {
			return []string{n.text}, nil
		}
		want := mapNode
		if t == MapList {
			want = listNode
		}
		if n.kind != want {
			return nil, invalidAt(n, path, "must be %s for a %s parameter, not %s", want, t, n.kind)
		}
		text, err := compactJSON(n.value())
		if err != nil {
			return nil, invalidAt(n, path, "cannot be written as JSON: %v", err)
		}
		return []string{text}, nil
	}
	return nil, invalidAt(n, path, "unsupported type %s", t)
}

// check validates the strings a caller passes for p and returns them
// normalized, or a description of the first rule they break. Strings that
// hold a Parameter Store reference are checked only for their number; the
// rest of their checks run once the reference is resolved. Descriptions
// never quote the value, which may be secret.
func (p *Parameter) check(raw []string) ([]string, string) {
	switch p.Type {
	case String, Integer, Boolean, StringMap:
		if len(raw) != 1 {
			return nil, fmt.Sprintf("a %s parameter takes exactly one value, got %d", p.Type, len(raw))
		}
	case MapList:
		if len(raw) == 0 {
			return nil, "a MapList parameter takes a JSON list of objects, got no value"
		}
	}
	out := slices.Clone(raw)
	if out == nil {
		out = []string{}
	}
	items := len(out)
	switch p.Type {
	case Integer:
		if !hasStoreRef(out[0]) {
			i, err := strconv.ParseInt(strings.TrimSpace(out[0]), 10, 64)
			if err != nil {
				return nil, "value must be an integer"
			}
			out[0] = strconv.FormatInt(i, 10)
		}
	case Boolean:
		if !hasStoreRef(out[0]) && out[0] != "true" && out[0] != "false" {
			return nil, "value must be true or false"
		}
	case StringMap:
		if !hasStoreRef(out[0]) {
			var m map[string]any
			if err := decodeJSON(out[0], &m); err != nil || m == nil {
				return nil, "value must be a JSON object"
			}
			out[0], _ = compactJSON(m)
		}
	case MapList:
		if slices.ContainsFunc(out, hasStoreRef) {
			break
		}
		var list []map[string]any
		if len(out) == 1 && strings.HasPrefix(strings.TrimSpace(out[0]), "[") {
			if err := decodeJSON(out[0], &list); err != nil || slices.ContainsFunc(list, func(m map[string]any) bool { return m == nil }) {
				return nil, "value must be a JSON list of objects"
			}
		} else {
			for i, s := range out {
				var m map[string]any
				if err := decodeJSON(s, &m); err != nil || m == nil {
					return nil, fmt.Sprintf("element %d must be a JSON object", i)
				}
				list = append(list, m)
			}
		}
		if list == nil {
			list = []map[string]any{}
		}
		text, _ := compactJSON(list)
		out, items = []string{text}, len(list)
	}
	if p.Type == StringList || p.Type == MapList {
		if p.MinItems != nil && items < *p.MinItems {
			return nil, fmt.Sprintf("has %d items; minItems is %d", items, *p.MinItems)
		}
		if p.MaxItems != nil && items > *p.MaxItems {
			return nil, fmt.Sprintf("has %d items; maxItems is %d", items, *p.MaxItems)
		}
	}
	if p.Type == StringMap || p.Type == MapList {
		return out, ""
	}
	for i, s := range out {
		if hasStoreRef(s) {
			continue
		}
		what := "value"
		if p.Type == StringList {
			what = fmt.Sprintf("element %d", i)
		}
		chars := utf8.RuneCountInString(s)
		if p.MinChars != nil && chars < *p.MinChars {
			return nil, fmt.Sprintf("%s has %d characters; minChars is %d", what, chars, *p.MinChars)
		}
		if p.MaxChars != nil && chars > *p.MaxChars {
			return nil, fmt.Sprintf("%s has %d characters; maxChars is %d", what, chars, *p.MaxChars)
		}
		if len(p.AllowedValues) > 0 && !slices.Contains(p.AllowedValues, s) {
			return nil, fmt.Sprintf("%s is not one of allowedValues [%s]", what, strings.Join(p.AllowedValues, ", "))
		}
		if p.AllowedPattern != "" {
			re, err := compilePattern(p.AllowedPattern)
			if err != nil || !re.MatchString(s) {
				return nil, fmt.Sprintf("%s does not match allowedPattern %s", what, p.AllowedPattern)
			}
		}
	}
	return out, ""
}

// decodeJSON decodes exactly one JSON value from s into v.
func decodeJSON(s string, v any) error {
	dec := json.NewDecoder(strings.NewReader(s))
	dec.UseNumber()
	if err := dec.Decode(v); err != nil {
		return err
	}
	if dec.More() {
		return fmt.Errorf("unexpected data after JSON value")
	}
	return nil
}

// ResolveParameters checks the parameters a caller passes (SendCommand's
// Parameters) against the document and returns the value of every
// declared parameter: the given one, normalized, or the default.
//
// Errors are InvalidParameters naming the parameter and the rule it
// breaks: a name the document does not declare, a required parameter
// missing, a value of the wrong type, or one outside allowedValues,
// allowedPattern, minItems, maxItems, minChars or maxChars. Values holding
// a Parameter Store reference ({{ssm:name}}) are fully checked by Render,
// once the reference is resolved.
func (d *Document) ResolveParameters(given map[string][]string) (map[string]Value, error) {
	names := make([]string, 0, len(given))
	for name := range given {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		if _, ok := d.Parameter(name); !ok {
			return nil, invalidParameters("parameter %q is not defined in the document", name)
		}
	}
	out := make(map[string]Value, len(d.Parameters))
	for i := range d.Parameters {
		p := &d.Parameters[i]
		raw, ok := given[p.Name]
		if !ok {
			if p.Default == nil {
				return nil, invalidParameters("parameter %q is required: it has no default value", p.Name)
			}
			out[p.Name] = p.Default.clone()
			continue
		}
		vals, problem := p.check(raw)
		if problem != "" {
			return nil, invalidParameters("parameter %q: %s", p.Name, problem)
		}
		out[p.Name] = Value{Type: p.Type, Strings: vals}
	}
	return out, nil
}
