// Copyright 2026 The kanri Authors
// SPDX-License-Identifier: Apache-2.0

package document

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/kanri-dev/kanri/internal/awserr"
)

// Resolver returns the value of a Parameter Store reference as References
// returns it: "ssm:name", "ssm:/path/name:3" (a version or label selector
// follows the last colon, as GetParameter's Name takes it) or
// "ssm-secure:name" for a SecureString. The caller enforces the
// requester's permissions; an error it returns is returned by Render,
// wrapped, so an *awserr.Error keeps its code.
type Resolver func(ref string) (string, error)

// Plan is a Command document rendered for one command: its steps with
// every reference replaced by its value.
type Plan struct {
	Steps []PlanStep
}

// PlanStep is one concrete step of a Plan.
type PlanStep struct {
	// Action is the plugin that runs the step, such as
	// "aws:runShellScript".
	Action string
	// Name is the step's name.
	Name string
	// Platform is the only platform the step runs on, from its
	// precondition, or "" when the agent runs it wherever the action is
	// supported.
	Platform PlatformType
	// Commands are the lines of the script of aws:runShellScript and
	// aws:runPowerShellScript, written to the script file one per line.
	Commands []string
	// WorkingDirectory is the directory the script runs in; "" means the
	// agent's default.
	WorkingDirectory string
	// TimeoutSeconds bounds the script's run time (1 to 172800, default
	// 3600); 0 for actions without a timeout.
	TimeoutSeconds int
	// Inventory is the configuration of aws:softwareInventory, nil for
	// other actions.
	Inventory *Inventory
	// Env holds the environment variables SSM_<name> of the document's
	// parameters whose interpolationType is ENV_VAR; nil when none.
	Env map[string]string
	// OnFailure ("exit", "successAndExit"), OnSuccess ("exit") and
	// FinallyStep are the step's exit behaviour, from the inputs every
	// action takes.
	OnFailure   string
	OnSuccess   string
	FinallyStep bool
}

// Inventory is what an aws:softwareInventory step collects.
type Inventory struct {
	// Collectors are the enabled collectors, by input name
	// ("applications", "awsComponents", ...), in AWS's order.
	Collectors []string
	// Files and WindowsRegistry are the JSON criteria of the files and
	// Windows registry collectors; "" when they do not run.
	Files           string
	WindowsRegistry string
}

// References returns the Parameter Store references ("ssm:name",
// "ssm-secure:name") in values (as ResolveParameters returns them) and in
// the document's steps or session properties, each once, in order of
// first appearance. The caller can check the requester's access to them
// before dispatching.
func (d *Document) References(values map[string]Value) []string {
	refs := []string{}
	seen := map[string]bool{}
	for _, p := range d.Parameters {
		for _, s := range values[p.Name].Strings {
			refs = storeRefs(refs, seen, s)
		}
	}
	for _, st := range d.Steps {
		for _, s := range treeStrings(st.Inputs, nil) {
			refs = storeRefs(refs, seen, s)
		}
	}
	if d.Session != nil {
		for _, s := range d.Session.templates() {
			refs = storeRefs(refs, seen, *s)
		}
	}
	return refs
}

// treeStrings appends the strings in an input tree to out, in a stable
// order.
func treeStrings(v any, out []string) []string {
	switch x := v.(type) {
	case string:
		out = append(out, x)
	case []any:
		for _, e := range x {
			out = treeStrings(e, out)
		}
	case map[string]any:
		for _, k := range slices.Sorted(maps.Keys(x)) {
			out = treeStrings(x[k], out)
		}
	}
	return out
}

// Render interpolates values (as ResolveParameters returns them) into a
// Command document's steps and returns the Plan. Parameter Store
// references in the values and in the steps are resolved through resolve,
// each once; resolve may be nil when the document and values hold none
// (References is empty).
//
// Errors are InvalidParameters when a value is missing, when a resolved
// value breaks its parameter's rules or when an interpolated input is not
// what its action takes (a timeoutSeconds out of range); InvalidDocument
// for a Session document; or the resolver's error, wrapped.
func (d *Document) Render(values map[string]Value, resolve Resolver) (*Plan, error) {
	if d.Type != Command {
		return nil, awserr.Errorf(awserr.Invalid, codeInvalidDocument, "a %s document cannot be rendered as a command", d.Type)
	}
	r, err := d.newRenderer(values, resolve)
	if err != nil {
		return nil, err
	}
	plan := &Plan{Steps: make([]PlanStep, 0, len(d.Steps))}
	for i, s := range d.Steps {
		path := join(index("mainSteps", i), "inputs")
		if d.SchemaVersion == "1.2" {
			path = join("runtimeConfig", s.Action) + fmt.Sprintf("(%s)", s.Name)
		}
		spec, ok := lookupAction(s.Action)
		if !ok {
			return nil, invalidParameters("%s: unsupported action %q", path, s.Action)
		}
		in := map[string]any{}
		names := slices.Sorted(maps.Keys(s.Inputs))
		for _, name := range names {
			is, _ := spec.input(name)
			v, err := r.interpolate(s.Inputs[name])
			if err != nil {
				return nil, err
			}
			typed, problem := is.convert(v)
			if problem != "" {
				return nil, invalidParameters("%s: %s", join(path, name), problem)
			}
			in[name] = typed
		}
		for name, is := range spec.inputs {
			if _, ok := in[name]; !ok && is.def != nil {
				in[name] = is.def
			}
		}
		st := PlanStep{Action: s.Action, Name: s.Name, Platform: s.Platform, Env: r.env()}
		st.OnFailure, _ = in["onFailure"].(string)
		st.OnSuccess, _ = in["onSuccess"].(string)
		st.FinallyStep, _ = in["finallyStep"].(bool)
		spec.build(&st, in)
		plan.Steps = append(plan.Steps, st)
	}
	return plan, nil
}

// renderer interpolates for one Render call.
type renderer struct {
	doc     *Document
	values  map[string]Value
	resolve Resolver
	// resolved caches Parameter Store values, so each is read once.
	resolved map[string]string
}

// newRenderer checks values against the document and resolves the
// Parameter Store references they hold.
func (d *Document) newRenderer(values map[string]Value, resolve Resolver) (*renderer, error) {
	r := &renderer{doc: d, values: map[string]Value{}, resolve: resolve, resolved: map[string]string{}}
	for _, name := range slices.Sorted(maps.Keys(values)) {
		if _, ok := d.Parameter(name); !ok {
			return nil, invalidParameters("parameter %q is not defined in the document", name)
		}
	}
	for i := range d.Parameters {
		p := &d.Parameters[i]
		v, ok := values[p.Name]
		if !ok {
			return nil, invalidParameters("parameter %q has no value", p.Name)
		}
		if v.Type != p.Type {
			return nil, invalidParameters("parameter %q is a %s, not a %s", p.Name, p.Type, v.Type)
		}
		if slices.ContainsFunc(v.Strings, hasStoreRef) {
			raw := make([]string, len(v.Strings))
			for j, s := range v.Strings {
				text, err := r.resolveStore(s)
				if err != nil {
					return nil, err
				}
				raw[j] = text
			}
			vals, problem := p.check(raw)
			if problem != "" {
				return nil, invalidParameters("parameter %q: %s", p.Name, problem)
			}
			v = Value{Type: p.Type, Strings: vals}
		}
		r.values[p.Name] = v
	}
	return r, nil
}

// lookup resolves one Parameter Store reference.
func (r *renderer) lookup(ref string) (string, error) {
	if v, ok := r.resolved[ref]; ok {
		return v, nil
	}
	if r.resolve == nil {
		return "", invalidParameters("Parameter Store reference {{%s}} cannot be resolved", ref)
	}
	v, err := r.resolve(ref)
	if err != nil {
		return "", fmt.Errorf("resolve {{%s}}: %w", ref, err)
	}
	r.resolved[ref] = v
	return v, nil
}

// resolveStore replaces the Parameter Store references in s, leaving
// anything else as written.
func (r *renderer) resolveStore(s string) (string, error) {
	var b strings.Builder
	for _, seg := range parseTemplate(s) {
		if seg.ref == "" {
			b.WriteString(seg.text)
			continue
		}
		v, err := r.lookup(seg.ref)
		if err != nil {
			return "", err
		}
		b.WriteString(v)
	}
	return b.String(), nil
}

// interpolate replaces the references in an input tree. A string that is
// exactly a reference to a StringList becomes the list; in a list, its
// elements are spliced in.
func (r *renderer) interpolate(v any) (any, error) {
	switch x := v.(type) {
	case string:
		return r.str(x)
	case []any:
		out := make([]any, 0, len(x))
		for _, e := range x {
			iv, err := r.interpolate(e)
			if err != nil {
				return nil, err
			}
			if list, ok := iv.([]any); ok && isWholeList(e) {
				out = append(out, list...)
				continue
			}
			out = append(out, iv)
		}
		return out, nil
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			iv, err := r.interpolate(e)
			if err != nil {
				return nil, err
			}
			out[k] = iv
		}
		return out, nil
	}
	return v, nil
}

// isWholeList reports whether v is a string that is exactly one
// parameter reference, the only strings interpolate turns into lists.
func isWholeList(v any) bool {
	s, ok := v.(string)
	if !ok {
		return false
	}
	seg, ok := parseTemplate(s).whole()
	return ok && seg.param != ""
}

// str interpolates one string.
func (r *renderer) str(s string) (any, error) {
	t := parseTemplate(s)
	if seg, ok := t.whole(); ok && seg.param != "" {
		v := r.values[seg.param]
		if v.Type == StringList {
			list := make([]any, len(v.Strings))
			for i, e := range v.Strings {
				list[i] = e
			}
			return list, nil
		}
		return v.Text(), nil
	}
	return r.text(t)
}

// text interpolates a template into a string.
func (r *renderer) text(t template) (string, error) {
	var b strings.Builder
	for _, seg := range t {
		switch {
		case seg.param != "":
			b.WriteString(r.values[seg.param].Text())
		case seg.ref != "":
			v, err := r.lookup(seg.ref)
			if err != nil {
				return "", err
			}
			b.WriteString(v)
		default:
			b.WriteString(seg.text)
		}
	}
	return b.String(), nil
}

// env returns the SSM_<name> variables of ENV_VAR parameters.
func (r *renderer) env() map[string]string {
	var env map[string]string
	for _, p := range r.doc.Parameters {
		if p.InterpolationType != "ENV_VAR" {
			continue
		}
		if env == nil {
			env = map[string]string{}
		}
		env["SSM_"+p.Name] = r.values[p.Name].Text()
	}
	return env
}
