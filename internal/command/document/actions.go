// Copyright 2026 The kanri Authors
// SPDX-License-Identifier: Apache-2.0

package document

import (
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
)

// inputKind is the type of value an action input takes once parameters
// are interpolated.
type inputKind uint8

const (
	inputString   inputKind = iota // a string
	inputCommands                  // a string or a list of strings: []string
	inputInteger                   // an integer within [min, max], as a number or a string: int64
	inputEnum                      // one of values: string
	inputBool                      // true or false, as a boolean or a string: bool
)

// inputSpec describes one input of an action.
type inputSpec struct {
	kind     inputKind
	required bool
	min, max int64
	values   []string
	// def is the typed value used when the input is absent, or nil.
	def any
}

func (s inputSpec) describe() string {
	switch s.kind {
	case inputCommands:
		return "a string or a list of strings"
	case inputInteger:
		return fmt.Sprintf("an integer between %d and %d", s.min, s.max)
	case inputEnum:
		return "one of " + strings.Join(s.values, ", ")
	case inputBool:
		return "true or false"
	}
	return "a string"
}

// convert turns an input's interpolated value into its typed value, or
// describes why it cannot.
func (s inputSpec) convert(v any) (any, string) {
	switch x := v.(type) {
	case string:
		switch s.kind {
		case inputString, inputEnum:
			if s.kind == inputEnum && !slices.Contains(s.values, x) {
				break
			}
			return x, ""
		case inputCommands:
			return []string{x}, ""
		case inputInteger:
			i, err := strconv.ParseInt(strings.TrimSpace(x), 10, 64)
			if err != nil || i < s.min || i > s.max {
				break
			}
			return i, ""
		case inputBool:
			if x == "true" || x == "false" {
				return x == "true", ""
			}
		}
	case json.Number:
		if s.kind == inputInteger {
			return s.convert(x.String())
		}
	case bool:
		if s.kind == inputBool {
			return x, ""
		}
	case []any:
		if s.kind == inputCommands {
			out := make([]string, 0, len(x))
			for i, e := range x {
				str, ok := e.(string)
				if !ok {
					return nil, fmt.Sprintf("element %d must be a string", i)
				}
				out = append(out, str)
			}
			return out, ""
		}
	}
	return nil, "must be " + s.describe()
}

// fits reports whether a parameter of type t can stand alone for the
// input: "timeoutSeconds": "{{ executionTimeout }}".
func (s inputSpec) fits(t ParameterType) bool {
	switch s.kind {
	case inputString:
		return t != StringList
	case inputInteger:
		return t == String || t == Integer
	case inputEnum:
		return t == String
	case inputBool:
		return t == String || t == Boolean
	}
	return true
}

// actionSpec describes an action (a plugin): the platforms it runs on,
// the inputs it takes and how they fill a PlanStep. Adding an action is
// adding its spec to lookupAction.
type actionSpec struct {
	name      string
	platforms []PlatformType
	inputs    map[string]inputSpec
	// build fills st from the typed inputs; absent inputs without a
	// default are missing from in.
	build func(st *PlanStep, in map[string]any)
}

// The inputs every action takes (SSM Agent 3.0.502 and later).
var sharedInputs = map[string]inputSpec{
	"onFailure":   {kind: inputEnum, values: []string{"exit", "successAndExit"}},
	"onSuccess":   {kind: inputEnum, values: []string{"exit"}},
	"finallyStep": {kind: inputBool},
}

// inventoryCollectors are the aws:softwareInventory inputs that switch a
// collector on ("Enabled") or off ("Disabled"), in the order AWS lists
// them.
var inventoryCollectors = []string{
	"applications", "awsComponents", "networkConfig", "windowsUpdates", "instanceDetailedInformation",
	"services", "windowsRoles", "customInventory", "billingInfo",
}

// lookupAction returns the spec of the action called name.
func lookupAction(name string) (actionSpec, bool) {
	switch name {
	case "aws:runShellScript":
		return scriptAction(name, []PlatformType{Linux, MacOS}), true
	case "aws:runPowerShellScript":
		return scriptAction(name, allPlatforms), true
	case "aws:softwareInventory":
		return inventoryAction(name), true
	}
	return actionSpec{}, false
}

// actionNames lists the supported actions, for error messages.
func actionNames() []string {
	return []string{"aws:runPowerShellScript", "aws:runShellScript", "aws:softwareInventory"}
}

func scriptAction(name string, platforms []PlatformType) actionSpec {
	return actionSpec{
		name:      name,
		platforms: platforms,
		inputs: map[string]inputSpec{
			"runCommand":       {kind: inputCommands, required: true},
			"workingDirectory": {kind: inputString},
			"timeoutSeconds":   {kind: inputInteger, min: 1, max: 172800, def: int64(3600)},
		},
		build: func(st *PlanStep, in map[string]any) {
			st.Commands, _ = in["runCommand"].([]string)
			st.WorkingDirectory, _ = in["workingDirectory"].(string)
			timeout, _ := in["timeoutSeconds"].(int64)
			st.TimeoutSeconds = int(timeout)
		},
	}
}

func inventoryAction(name string) actionSpec {
	inputs := map[string]inputSpec{
		"files":           {kind: inputString},
		"windowsRegistry": {kind: inputString},
	}
	for _, c := range inventoryCollectors {
		inputs[c] = inputSpec{kind: inputEnum, values: []string{"Enabled", "Disabled"}}
	}
	return actionSpec{
		name:      name,
		platforms: allPlatforms,
		inputs:    inputs,
		build: func(st *PlanStep, in map[string]any) {
			inv := &Inventory{Collectors: []string{}}
			for _, c := range inventoryCollectors {
				if in[c] == "Enabled" {
					inv.Collectors = append(inv.Collectors, c)
				}
			}
			inv.Files, _ = in["files"].(string)
			inv.WindowsRegistry, _ = in["windowsRegistry"].(string)
			st.Inventory = inv
		},
	}
}

// input returns the spec of an input of the action, shared inputs
// included.
func (a actionSpec) input(name string) (inputSpec, bool) {
	if s, ok := a.inputs[name]; ok {
		return s, true
	}
	s, ok := sharedInputs[name]
	return s, ok
}

// inputNames lists the action's inputs, sorted, for error messages.
func (a actionSpec) inputNames() []string {
	var names []string
	for n := range a.inputs {
		names = append(names, n)
	}
	for n := range sharedInputs {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// checkInputs validates a step's inputs as written: every input known,
// required ones present, literals of the right type, parameter
// references to declared parameters of a fitting type. What depends on
// parameter values is checked by Render.
func (p *parser) checkInputs(a actionSpec, in *node, path string) error {
	if in.kind != mapNode {
		return invalidAt(in, path, "must be an object, not %s", in.kind)
	}
	for i, k := range in.keys {
		spec, ok := a.input(k.text)
		if !ok {
			return invalidAt(k, path, "unknown input %q for %s; its inputs are %s", k.text, a.name, strings.Join(a.inputNames(), ", "))
		}
		if err := p.checkInput(spec, in.values[i], join(path, k.text)); err != nil {
			return err
		}
	}
	var required []string
	for name, s := range a.inputs {
		if s.required && in.get(name) == nil {
			required = append(required, name)
		}
	}
	if len(required) > 0 {
		sort.Strings(required)
		return invalidAt(in, join(path, required[0]), "required input of %s is missing", a.name)
	}
	return nil
}

func (p *parser) checkInput(s inputSpec, n *node, path string) error {
	if err := p.checkRefs(n, path); err != nil {
		return err
	}
	switch n.kind {
	case stringNode:
		t := parseTemplate(n.text)
		if seg, ok := t.whole(); ok && seg.param != "" {
			prm, _ := p.doc.Parameter(seg.param)
			if !s.fits(prm.Type) {
				return invalidAt(n, path, "parameter %q is a %s; this input must be %s", seg.param, prm.Type, s.describe())
			}
			return nil
		}
		if t.hasRefs() {
			return nil
		}
	case listNode:
		if s.kind != inputCommands {
			break
		}
		for i, e := range n.values {
			if e.kind != stringNode {
				return invalidAt(e, index(path, i), "must be a string, not %s", e.kind)
			}
		}
		return nil
	}
	if _, problem := s.convert(n.value()); problem != "" {
		return invalidAt(n, path, "%s", problem)
	}
	return nil
}
