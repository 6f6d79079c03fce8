// Copyright 2026 The kanri Authors
// SPDX-License-Identifier: Apache-2.0

package policy

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"unique"

	"github.com/kanri-dev/kanri/internal/arn"
	"github.com/kanri-dev/kanri/internal/awserr"
)

// ErrorCode is the AWS error code of every error Parse returns.
const ErrorCode = "MalformedPolicyDocument"

// The values of the Version element.
const (
	Version2012 = "2012-10-17" // the current language: policy variables are substituted
	Version2008 = "2008-10-17" // the original language, also assumed when Version is absent
)

// Kind is the type of a policy document, which decides the elements it must
// and must not have.
type Kind uint8

const (
	// Identity is a policy attached to a user, group or role, and also a
	// permissions boundary or session policy: it must not have Principal or
	// NotPrincipal, and every statement needs Resource or NotResource.
	Identity Kind = iota
	// Resource is a policy attached to a resource (a key or parameter
	// policy, a bucket or queue policy): every statement needs Principal or
	// NotPrincipal; Resource and NotResource are optional.
	Resource
	// Trust is a role's trust policy, a resource-based policy whose
	// resource is the role itself: every statement needs Principal or
	// NotPrincipal, and Resource and NotResource are prohibited.
	Trust
)

// String returns the kind's name.
func (k Kind) String() string {
	switch k {
	case Identity:
		return "identity"
	case Resource:
		return "resource"
	case Trust:
		return "trust"
	}
	return fmt.Sprintf("Kind(%d)", uint8(k))
}

// Effect is a statement's effect.
type Effect uint8

// The effects.
const (
	Allow Effect = iota + 1
	Deny
)

// String returns "Allow" or "Deny".
func (e Effect) String() string {
	switch e {
	case Allow:
		return "Allow"
	case Deny:
		return "Deny"
	}
	return fmt.Sprintf("Effect(%d)", uint8(e))
}

// Position is a place in a policy document: 1-based line and column, the
// column counted in characters.
type Position struct {
	Line   int
	Column int
}

// Policy is a parsed, validated and compiled policy document. It is
// immutable after Parse, except for ID, and safe for concurrent use by any
// number of evaluations.
type Policy struct {
	// ID identifies the policy in evaluation results (Match.Policy); the
	// caller sets it, e.g. to the policy's ARN or "inline:role/x/name".
	ID string
	// Kind is the kind the document was parsed as.
	Kind Kind
	// Version is the Version element, Version2008 if it was absent.
	Version string
	// DocumentID is the Id element, if any.
	DocumentID string
	// Statements are the statements in document order.
	Statements []Statement

	// filters[i] has the bits of Statements[i].services, or all bits if
	// it has NotAction; kept apart so that rejecting statements by service
	// reads one small array.
	filters     []uint64
	contextKeys []string
}

// Statement is one compiled statement of a policy.
type Statement struct {
	Sid    string
	Effect Effect
	// Start and End are the positions of the statement's opening and
	// closing braces, which SimulatePrincipalPolicy reports.
	Start, End Position

	principals   *principalSet // nil when the statement has neither Principal nor NotPrincipal
	notPrincipal bool
	actions      []actionPattern
	notAction    bool
	services     uint64 // a bit per service of actions, all bits for "*": a filter that rejects most statements at once
	resources    []arnPattern
	hasResource  bool // Resource or NotResource is present
	notResource  bool
	conds        []condition
}

// actionPattern is a compiled element of Action or NotAction.
type actionPattern struct {
	any     bool                  // "*"
	service string                // lower-cased; never has wildcards
	svcBit  uint64                // serviceBit(service)
	svcKey  unique.Handle[string] // service interned
	name    pattern
}

// ContextKeys returns the condition keys the policy tests and the keys of
// the policy variables it uses, in the spelling of their first use, sorted
// and without duplicates (compared case-insensitively), as
// GetContextKeysForPrincipalPolicy reports them.
func (p *Policy) ContextKeys() []string {
	return slices.Clone(p.contextKeys)
}

// malformed returns the error Parse reports.
func malformed(msg string) *awserr.Error {
	return awserr.New(awserr.Invalid, ErrorCode, msg)
}

// Parse parses, validates and compiles a policy document of the given kind.
// Errors are *awserr.Error of kind awserr.Invalid and code
// MalformedPolicyDocument, whose message says where the problem is: the
// line and column for invalid JSON, or the element's path, such as
// `Statement[2].Condition: unknown operator "StringEqualz"` (statements are
// numbered from 0).
func Parse(doc string, kind Kind) (*Policy, error) {
	if len(doc) > maxDocLen {
		return nil, malformed(fmt.Sprintf("the policy document is longer than %d bytes", maxDocLen))
	}
	root, jdoc, jerr := parseJSON(doc)
	if jerr != nil {
		pos := newLineIndex(doc).position(jerr.off)
		return nil, malformed(fmt.Sprintf("invalid JSON at line %d, column %d: %s", pos.Line, pos.Column, jerr.msg))
	}
	if root.kind != jObject {
		return nil, malformed(fmt.Sprintf("the policy document must be a JSON object, not a %s", root.kind))
	}
	c := compiler{kind: kind, lines: newLineIndex(doc), doc: jdoc}
	p, err := c.policy(root)
	if err != nil {
		return nil, malformed(err.Error())
	}
	return p, nil
}

type compiler struct {
	doc       *jdoc
	kind      Kind
	lines     *lineIndex
	variables bool
	keys      []string
	keyCache  map[string]ckey
}

func (c *compiler) policy(root jvalue) (*Policy, error) {
	p := &Policy{Kind: c.kind, Version: Version2008}
	var stmts *jvalue
	members := c.doc.obj(root)
	for i := range members {
		m := &members[i]
		switch m.key {
		case "Version":
			if m.val.kind != jString {
				return nil, fmt.Errorf("Version: must be a string, not a %s", m.val.kind)
			}
			if m.val.str != Version2012 && m.val.str != Version2008 {
				return nil, fmt.Errorf("Version: unsupported version %q (want %q or %q)", m.val.str, Version2012, Version2008)
			}
			p.Version = m.val.str
		case "Id":
			if m.val.kind != jString {
				return nil, fmt.Errorf("Id: must be a string, not a %s", m.val.kind)
			}
			p.DocumentID = m.val.str
		case "Statement":
			stmts = &m.val
		default:
			return nil, fmt.Errorf("%s: unknown policy element (want Version, Id or Statement)", m.key)
		}
	}
	if stmts == nil {
		return nil, errors.New("missing required field Statement")
	}
	c.variables = p.Version == Version2012
	var list []jvalue
	switch stmts.kind {
	case jObject:
		list = []jvalue{*stmts}
	case jArray:
		list = c.doc.arr(*stmts)
	default:
		return nil, fmt.Errorf("Statement: must be an object or an array of objects, not a %s", stmts.kind)
	}
	if len(list) == 0 {
		return nil, errors.New("Statement: must contain at least one statement")
	}
	p.Statements = make([]Statement, len(list))
	sids := make(map[string]int)
	for i := range list {
		path := "Statement[" + strconv.Itoa(i) + "]"
		if err := c.statement(&p.Statements[i], list[i], path); err != nil {
			return nil, err
		}
		if sid := p.Statements[i].Sid; sid != "" && c.kind != Resource {
			if j, dup := sids[sid]; dup {
				return nil, fmt.Errorf("%s.Sid: duplicate Sid %q (also Statement[%d]): statement IDs (SID) in a single policy must be unique", path, sid, j)
			}
			sids[sid] = i
		}
	}
	p.filters = make([]uint64, len(p.Statements))
	for i := range p.Statements {
		p.filters[i] = p.Statements[i].services
		if p.Statements[i].notAction {
			p.filters[i] = ^uint64(0)
		}
	}
	p.contextKeys = c.keys
	slices.SortFunc(p.contextKeys, func(a, b string) int { return strings.Compare(strings.ToLower(a), strings.ToLower(b)) })
	return p, nil
}

func (c *compiler) statement(st *Statement, v jvalue, path string) error {
	if v.kind != jObject {
		return fmt.Errorf("%s: must be a JSON object, not a %s", path, v.kind)
	}
	st.Start = c.lines.position(int(v.start))
	st.End = c.lines.position(int(v.end) - 1)
	var action, notAction, resource, notResource, principal, notPrincipal, cond *jvalue
	hasEffect := false
	members := c.doc.obj(v)
	for i := range members {
		m := &members[i]
		switch m.key {
		case "Sid":
			if m.val.kind != jString {
				return fmt.Errorf("%s.Sid: must be a string, not a %s", path, m.val.kind)
			}
			st.Sid = m.val.str
			if c.kind != Resource && !isAlnum(st.Sid) {
				return fmt.Errorf("%s.Sid: invalid Sid %q: statement IDs (SID) must be alpha-numeric ([0-9A-Za-z]*)", path, st.Sid)
			}
		case "Effect":
			if m.val.kind != jString {
				return fmt.Errorf("%s.Effect: must be a string, not a %s", path, m.val.kind)
			}
			switch m.val.str {
			case "Allow":
				st.Effect = Allow
			case "Deny":
				st.Effect = Deny
			default:
				return fmt.Errorf("%s.Effect: invalid effect %q (want \"Allow\" or \"Deny\")", path, m.val.str)
			}
			hasEffect = true
		case "Action":
			action = &m.val
		case "NotAction":
			notAction = &m.val
		case "Resource":
			resource = &m.val
		case "NotResource":
			notResource = &m.val
		case "Principal":
			principal = &m.val
		case "NotPrincipal":
			notPrincipal = &m.val
		case "Condition":
			cond = &m.val
		default:
			return fmt.Errorf("%s: unknown statement element %q", path, m.key)
		}
	}
	if !hasEffect {
		return fmt.Errorf("%s: missing required field Effect", path)
	}

	// Principal.
	switch {
	case principal != nil && notPrincipal != nil:
		return fmt.Errorf("%s: cannot have both Principal and NotPrincipal", path)
	case c.kind == Identity && (principal != nil || notPrincipal != nil):
		elem := "Principal"
		if notPrincipal != nil {
			elem = "NotPrincipal"
		}
		return fmt.Errorf("%s.%s: Policy document should not specify a principal.", path, elem)
	case c.kind != Identity && principal == nil && notPrincipal == nil:
		return fmt.Errorf("%s: missing required field Principal", path)
	case principal != nil:
		ps, err := compilePrincipal(c.doc, *principal, path+".Principal")
		if err != nil {
			return err
		}
		st.principals = ps
	case notPrincipal != nil:
		ps, err := compilePrincipal(c.doc, *notPrincipal, path+".NotPrincipal")
		if err != nil {
			return err
		}
		st.principals, st.notPrincipal = ps, true
	}

	// Action.
	switch {
	case action != nil && notAction != nil:
		return fmt.Errorf("%s: cannot have both Action and NotAction", path)
	case action == nil && notAction == nil:
		return fmt.Errorf("%s: Policy statement must contain actions.", path)
	}
	elem, av := "Action", action
	if notAction != nil {
		elem, av, st.notAction = "NotAction", notAction, true
	}
	actions, err := stringList(c.doc, *av, path, elem)
	if err != nil {
		return err
	}
	st.actions = make([]actionPattern, 0, actions.len())
	for i := range actions.len() {
		ap, err := compileAction(actions.at(i))
		if err != nil {
			return fmt.Errorf("%s.%s[%d]: %w", path, elem, i, err)
		}
		st.actions = append(st.actions, ap)
		if ap.any {
			st.services = ^uint64(0)
		} else {
			st.services |= ap.svcBit
		}
	}

	// Resource.
	switch {
	case resource != nil && notResource != nil:
		return fmt.Errorf("%s: cannot have both Resource and NotResource", path)
	case c.kind == Trust && (resource != nil || notResource != nil):
		elem := "Resource"
		if notResource != nil {
			elem = "NotResource"
		}
		return fmt.Errorf("%s.%s: trust policies must not specify a resource (has prohibited field %s)", path, elem, elem)
	case c.kind == Identity && resource == nil && notResource == nil:
		return fmt.Errorf("%s: Policy statement must contain resources.", path)
	}
	if resource != nil || notResource != nil {
		elem, rv := "Resource", resource
		if notResource != nil {
			elem, rv, st.notResource = "NotResource", notResource, true
		}
		st.hasResource = true
		res, err := stringList(c.doc, *rv, path, elem)
		if err != nil {
			return err
		}
		st.resources = make([]arnPattern, 0, res.len())
		for i := range res.len() {
			r := res.at(i)
			// Variables are substituted only in the resource part of the
			// ARN, after the fifth colon.
			ap, ok := compileARNPattern(r, c.variables, 5)
			if !ok {
				return fmt.Errorf("%s.%s[%d]: invalid resource %q: must be \"*\" or an ARN (arn:partition:service:region:account:resource)", path, elem, i, r)
			}
			if err := checkResource(r, c.variables); err != nil {
				return fmt.Errorf("%s.%s[%d]: %w", path, elem, i, err)
			}
			st.resources = append(st.resources, ap)
			c.variableKeys(ap.vars)
		}
	}

	// Condition.
	if cond != nil {
		if err := c.conditions(st, *cond, path+".Condition"); err != nil {
			return err
		}
	}
	return nil
}

// compileAction compiles "*" or "service:action", whose action may have
// wildcards.
func compileAction(a string) (actionPattern, error) {
	if a == "*" {
		return actionPattern{any: true}, nil
	}
	svc, name, ok := strings.Cut(a, ":")
	switch {
	case !ok || svc == "":
		return actionPattern{}, fmt.Errorf("invalid action %q: actions must be prefaced by a vendor, e.g. \"iam:GetUser\", or be \"*\"", a)
	case strings.Contains(name, ":"):
		return actionPattern{}, fmt.Errorf("invalid action %q: an action can contain only one colon", a)
	case strings.ContainsAny(svc, "*?"):
		return actionPattern{}, fmt.Errorf("invalid action %q: action vendors (e.g. iam, ec2) must not contain wildcards", a)
	case name == "":
		return actionPattern{}, fmt.Errorf("invalid action %q: missing the action name after the colon", a)
	case strings.ContainsAny(a, " \t\r\n"):
		return actionPattern{}, fmt.Errorf("invalid action %q: actions must not contain white space", a)
	}
	for i := 0; i < len(svc); i++ {
		if c := svc[i]; !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '.') {
			return actionPattern{}, fmt.Errorf("invalid action %q: invalid character %q in the vendor", a, c)
		}
	}
	lsvc := lowerASCII(svc)
	return actionPattern{
		service: lsvc,
		svcKey:  unique.Make(lsvc),
		svcBit:  serviceBit(svc),
		name:    compilePattern(name, patternOpts{wildcards: true, fold: true}, nil),
	}, nil
}

func (c *compiler) conditions(st *Statement, v jvalue, path string) error {
	if v.kind != jObject {
		return fmt.Errorf("%s: must be a JSON object, not a %s", path, v.kind)
	}
	n := 0
	for _, om := range c.doc.obj(v) {
		n += int(om.val.n)
	}
	st.conds = make([]condition, 0, n)
	for _, om := range c.doc.obj(v) {
		op, set, ifExists, ok := parseOperator(om.key)
		if !ok {
			if strings.HasPrefix(om.key, "Null") || strings.HasSuffix(om.key, ":Null") {
				return fmt.Errorf("%s: invalid operator %q: Null takes no IfExists suffix or set qualifier", path, om.key)
			}
			return fmt.Errorf("%s: unknown operator %q", path, om.key)
		}
		if om.val.kind != jObject {
			return fmt.Errorf("%s.%s: must be a JSON object of condition keys, not a %s", path, om.key, om.val.kind)
		}
		for _, km := range c.doc.obj(om.val) {
			// The path of the key, built only for an error.
			keyPath := func() string { return fmt.Sprintf("%s.%s[%q]", path, om.key, km.key) }
			if err := checkConditionKey(km.key); err != nil {
				return fmt.Errorf("%s: %w", keyPath(), err)
			}
			raws, err := valueList(c.doc, km.val)
			if err != nil {
				return fmt.Errorf("%s%w", keyPath(), err)
			}
			cd := condition{op: op, set: set, ifExists: ifExists, key: c.key(km.key)}
			cd.values = make([]condValue, raws.len())
			for i := range cd.values {
				cv, err := compileValue(op, raws.at(i), c.variables)
				if err != nil {
					return fmt.Errorf("%s: %w", keyPath(), err)
				}
				cd.values[i] = cv
				c.variableKeys(cv.vars)
				if cv.arn != nil {
					c.variableKeys(cv.arn.vars)
				}
			}
			c.addKey(km.key)
			st.conds = append(st.conds, cd)
		}
	}
	return nil
}

// key compiles a context key, once per spelling in the document.
func (c *compiler) key(k string) ckey {
	if ck, ok := c.keyCache[k]; ok {
		return ck
	}
	ck := newKey(k)
	if c.keyCache == nil {
		c.keyCache = make(map[string]ckey)
	}
	c.keyCache[k] = ck
	return ck
}

// checkResource applies IAM's checks to a resource ARN pattern that has the
// form of an ARN.
func checkResource(r string, variables bool) error {
	if r == "*" {
		return nil
	}
	f, _ := splitARNPattern(r, variables)
	switch {
	case f[1] == "" || f[2] == "":
		return fmt.Errorf("invalid resource %q: the partition and service must not be empty", r)
	case f[1] != arn.DefaultPartition && !strings.ContainsAny(f[1], "*?"):
		// kanri is one partition, as an AWS endpoint is.
		return fmt.Errorf("Partition %q is not valid for resource %q.", f[1], r)
	case f[2] == "iam" && f[3] != "":
		return fmt.Errorf("IAM resource %s cannot contain region information.", r)
	}
	return nil
}

// serviceBit returns the bit of a service prefix, ignoring case, in
// Statement.services.
func serviceBit(svc string) uint64 {
	h := uint32(2166136261) // FNV-1a
	for i := 0; i < len(svc); i++ {
		c := svc[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		h = (h ^ uint32(c)) * 16777619
	}
	return 1 << (h % 64)
}

// checkConditionKey checks that a condition key names its vendor:
// "aws:SourceIp", "ssm:resourceTag/env", "oidc.example.com/id:sub".
func checkConditionKey(k string) error {
	i := strings.IndexByte(k, ':')
	if i <= 0 || i == len(k)-1 {
		return fmt.Errorf("invalid condition key %q: condition keys must be prefaced by a vendor, e.g. \"aws:SourceIp\"", k)
	}
	if strings.ContainsAny(k, " \t\r\n") {
		return fmt.Errorf("invalid condition key %q: condition keys must not contain white space", k)
	}
	return nil
}

func (c *compiler) variableKeys(vars []variable) {
	for i := range vars {
		c.addKey(vars[i].name)
	}
}

func (c *compiler) addKey(k string) {
	for _, have := range c.keys {
		if strings.EqualFold(have, k) {
			return
		}
	}
	c.keys = append(c.keys, k)
}

// strs is the strings of an element written as a string or as an array,
// without copying them.
type strs struct {
	one string
	arr []jvalue
}

func (l strs) len() int {
	if l.arr != nil {
		return len(l.arr)
	}
	return 1
}

func (l strs) at(i int) string {
	if l.arr != nil {
		return l.arr[i].str
	}
	return l.one
}

// stringList returns a string or a non-empty array of strings, as Action,
// Resource and principals are written. path and elem name the element in
// error messages: path + "." + elem.
func stringList(d *jdoc, v jvalue, path, elem string) (strs, error) {
	switch v.kind {
	case jString:
		return strs{one: v.str}, nil
	case jArray:
		arr := d.arr(v)
		if len(arr) == 0 {
			return strs{}, fmt.Errorf("%s.%s: must not be an empty array", path, elem)
		}
		for i, e := range arr {
			if e.kind != jString {
				return strs{}, fmt.Errorf("%s.%s[%d]: must be a string, not a %s", path, elem, i, e.kind)
			}
		}
		return strs{arr: arr}, nil
	}
	return strs{}, fmt.Errorf("%s.%s: must be a string or an array of strings, not a %s", path, elem, v.kind)
}

// valueList returns the values of a condition key: a string, number or
// boolean, or a non-empty array of them, each kept as its text. An error's
// message continues the key's path.
func valueList(d *jdoc, v jvalue) (strs, error) {
	switch v.kind {
	case jString, jNumber, jBool:
		return strs{one: v.str}, nil
	case jArray:
		arr := d.arr(v)
		if len(arr) == 0 {
			return strs{}, errors.New(": must not be an empty array")
		}
		for i, e := range arr {
			switch e.kind {
			case jString, jNumber, jBool:
			default:
				return strs{}, fmt.Errorf("[%d]: must be a string, number or boolean, not a %s", i, e.kind)
			}
		}
		return strs{arr: arr}, nil
	}
	return strs{}, fmt.Errorf(": must be a string, number or boolean or an array of them, not a %s", v.kind)
}

func isAlnum(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9') {
			return false
		}
	}
	return true
}
