// Copyright 2026 The kanri Authors
// SPDX-License-Identifier: Apache-2.0

package wiregen

import (
	"bytes"
	"fmt"
	"go/format"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// Config says how to generate a service's package.
type Config struct {
	// Package is the Go package name, e.g. "ssm".
	Package string
	// Module is the Go module path; the generated code imports its
	// internal/wire, internal/awserr and internal/timestamp packages.
	Module string
	// Source names the model in the first line of each generated file,
	// e.g. "botocore 1.43.11 data/ssm/2014-11-06/service-2.json.gz".
	Source string
}

// File is a generated Go source file.
type File struct {
	Name string
	Data []byte
}

// SkippedPattern is a model pattern that Go's regexp cannot compile; the
// generated validation does not check it.
type SkippedPattern struct {
	Shape   string // the model shape with the pattern
	Pattern string // the pattern as the model spells it (Java syntax)
	Err     string // why Go refused it
}

// Result is what Generate produces for one model.
type Result struct {
	Files []File
	// Skipped lists the patterns left unchecked, by shape name.
	Skipped []SkippedPattern
	// QueryEncodings lists the members of a Query-protocol model whose
	// list or map encoding is not the default (Name.member.N,
	// Name.entry.N.key/value), as "Shape.Member: tag".
	QueryEncodings []string
}

// Generate returns the Go files that declare the wire shapes of m: the
// service metadata and operations (api_gen.go), the structures
// (types_gen.go), the enum values (enums_gen.go), the errors
// (errors_gen.go) and the validation of operation inputs
// (validate_gen.go). The output is gofmt'ed and depends only on m and cfg.
func Generate(m *Model, cfg Config) (*Result, error) {
	g := &gen{
		m:        m,
		cfg:      cfg,
		query:    m.Metadata.Protocol == "query",
		rest:     m.Metadata.Protocol == "rest-json",
		typeOf:   map[string]string{},
		refName:  map[string]string{},
		aliases:  map[string][]string{},
		taken:    map[string]bool{},
		checkFn:  map[string]string{},
		patVar:   map[string]string{},
		needs:    map[string]bool{},
		reach:    map[string]bool{},
		inputOf:  map[string]string{},
		outputOf: map[string]string{},
	}
	switch m.Metadata.Protocol {
	case "json", "query", "rest-json":
	default:
		return nil, fmt.Errorf("generate %s: protocol %q is not supported", cfg.Package, m.Metadata.Protocol)
	}
	for name := range m.Shapes {
		g.shapes = append(g.shapes, name)
	}
	slices.Sort(g.shapes)
	for name := range m.Operations {
		g.ops = append(g.ops, name)
	}
	slices.Sort(g.ops)
	if err := g.check(); err != nil {
		return nil, fmt.Errorf("generate %s: %w", cfg.Package, err)
	}
	if err := g.name(); err != nil {
		return nil, fmt.Errorf("generate %s: %w", cfg.Package, err)
	}
	g.analyze()

	res := &Result{}
	for _, f := range []struct {
		name string
		emit func(*file)
	}{
		{"api_gen.go", g.emitAPI},
		{"types_gen.go", g.emitTypes},
		{"enums_gen.go", g.emitEnums},
		{"errors_gen.go", g.emitErrors},
		{"validate_gen.go", g.emitValidate},
	} {
		out := &file{imports: map[string]bool{}}
		f.emit(out)
		if out.body.Len() == 0 {
			continue
		}
		src, err := g.assemble(f.name, out)
		if err != nil {
			return nil, fmt.Errorf("generate %s: %w", cfg.Package, err)
		}
		res.Files = append(res.Files, File{Name: f.name, Data: src})
	}
	res.Skipped = g.skipped
	res.QueryEncodings = g.queryEncodings
	return res, nil
}

type gen struct {
	m     *Model
	cfg   Config
	query bool
	rest  bool // rest-json: operations have HTTP bindings, members locations

	shapes []string // shape names, sorted
	ops    []string // operation names, sorted

	typeOf   map[string]string   // structure shape → Go type name
	refName  map[string]string   // input or output shape → the alias members use
	aliases  map[string][]string // Go type → aliases declared for it
	inputOf  map[string]string   // shape → first operation taking it as input
	outputOf map[string]string   // shape → first operation returning it
	taken    map[string]bool     // package-level identifiers
	checkFn  map[string]string   // non-structure shape → its check function
	patVar   map[string]string   // Go pattern → its variable
	patOrder []string            // Go patterns in order of first use

	needs map[string]bool // shape has constraints, itself or below
	reach map[string]bool // shape is validated as part of an input

	skipped        []SkippedPattern
	queryEncodings []string
}

// file is a generated file being written.
type file struct {
	body    bytes.Buffer
	imports map[string]bool
}

func (f *file) printf(format string, args ...any) { fmt.Fprintf(&f.body, format, args...) }

func (f *file) use(path string) { f.imports[path] = true }

func (g *gen) shape(name string) *Shape { return g.m.Shapes[name] }

// check verifies that the model only uses what the generator supports.
func (g *gen) check() error {
	for _, name := range g.shapes {
		s := g.shape(name)
		refs := []*Ref{s.Member, s.Key, s.Value}
		for _, m := range s.Members {
			refs = append(refs, m.Ref)
		}
		for _, r := range refs {
			if r != nil && g.shape(r.Shape) == nil {
				return fmt.Errorf("shape %s refers to unknown shape %s", name, r.Shape)
			}
		}
		if s.Payload != "" {
			return fmt.Errorf("structure %s has a payload member (%s), which is not supported", name, s.Payload)
		}
		for _, m := range s.Members {
			if err := g.checkLocation(name, m); err != nil {
				return err
			}
		}
		switch s.Type {
		case "string", "integer", "long", "boolean", "double", "float", "timestamp", "blob", "structure":
		case "list":
			if s.Member == nil {
				return fmt.Errorf("list %s has no member", name)
			}
		case "map":
			if s.Key == nil || s.Value == nil {
				return fmt.Errorf("map %s has no key or value", name)
			}
			if g.shape(s.Key.Shape).Type != "string" {
				return fmt.Errorf("map %s has non-string keys", name)
			}
		default:
			return fmt.Errorf("shape %s has unsupported type %q", name, s.Type)
		}
	}
	for _, op := range g.ops {
		o := g.m.Operations[op]
		for _, r := range append([]*Ref{o.Input, o.Output}, o.Errors...) {
			if r != nil && g.shape(r.Shape) == nil {
				return fmt.Errorf("operation %s refers to unknown shape %s", op, r.Shape)
			}
		}
		if g.rest && (o.HTTP.Method == "" || !strings.HasPrefix(o.HTTP.RequestURI, "/")) {
			return fmt.Errorf("operation %s has no HTTP method and request URI", op)
		}
	}
	return nil
}

// checkLocation verifies that a member's location, if any, is one a REST
// protocol defines and fits the member's type.
func (g *gen) checkLocation(shape string, m Member) error {
	if m.Location == "" {
		return nil
	}
	if !g.rest {
		return fmt.Errorf("member %s.%s has location %q in a %s model", shape, m.Name, m.Location, g.m.Metadata.Protocol)
	}
	t := g.shape(m.Shape)
	if t == nil {
		return nil // reported as an unknown shape
	}
	scalar := t.Type != "structure" && t.Type != "list" && t.Type != "map"
	var ok bool
	switch m.Location {
	case "uri":
		ok = scalar && m.LocationName != ""
	case "querystring":
		switch t.Type {
		case "list":
			ok = g.shape(t.Member.Shape) != nil && g.shape(t.Member.Shape).Type == "string"
		case "map":
			v := g.shape(t.Value.Shape)
			ok = v != nil && (v.Type == "string" || v.Type == "list" && g.shape(v.Member.Shape) != nil && g.shape(v.Member.Shape).Type == "string")
		default:
			ok = scalar
		}
		ok = ok && (m.LocationName != "" || t.Type == "map")
	case "header":
		ok = m.LocationName != "" && (scalar || t.Type == "list" && g.shape(t.Member.Shape) != nil && g.shape(t.Member.Shape).Type == "string")
	case "headers":
		ok = t.Type == "map" && g.shape(t.Value.Shape) != nil && g.shape(t.Value.Shape).Type == "string"
	case "statusCode":
		ok = t.Type == "integer"
	default:
		return fmt.Errorf("member %s.%s has unsupported location %q", shape, m.Name, m.Location)
	}
	if !ok {
		return fmt.Errorf("member %s.%s of type %s cannot have location %q", shape, m.Name, t.Type, m.Location)
	}
	return nil
}

// name assigns Go names to the structures and reserves every exported
// identifier, failing on a collision.
func (g *gen) name() error {
	reserve := func(id, what string) error {
		if g.taken[id] {
			return fmt.Errorf("identifier %s (%s) is declared twice", id, what)
		}
		g.taken[id] = true
		return nil
	}
	for _, id := range []string{"ServiceID", "APIVersion", "Protocol", "TargetPrefix", "JSONVersion",
		"SigningName", "EndpointPrefix", "XMLNamespace", "Operations", "validationCode"} {
		g.taken[id] = true
	}
	// Operation inputs and outputs are named after the operation; a shape
	// serving several operations is declared once, for the first, and
	// aliased for the others.
	for _, op := range g.ops {
		o := g.m.Operations[op]
		in, out := op+"Input", op+"Output"
		if err := reserve(in, "input of "+op); err != nil {
			return err
		}
		if err := reserve(out, "output of "+op); err != nil {
			return err
		}
		if o.Input != nil {
			if first, ok := g.inputOf[o.Input.Shape]; ok {
				g.aliases[first+"Input"] = append(g.aliases[first+"Input"], in)
			} else {
				g.inputOf[o.Input.Shape] = op
				g.typeOf[o.Input.Shape] = in
			}
		}
		if o.Output != nil {
			if first, ok := g.outputOf[o.Output.Shape]; ok {
				g.aliases[first+"Output"] = append(g.aliases[first+"Output"], out)
			} else if _, ok := g.inputOf[o.Output.Shape]; ok {
				return fmt.Errorf("shape %s is both an input and an output", o.Output.Shape)
			} else {
				g.outputOf[o.Output.Shape] = op
				g.typeOf[o.Output.Shape] = out
			}
		}
	}
	for _, name := range g.shapes {
		s := g.shape(name)
		switch {
		case s.Type == "structure":
			if _, ok := g.typeOf[name]; ok {
				continue
			}
			g.typeOf[name] = exported(name)
			if err := reserve(exported(name), "structure "+name); err != nil {
				return err
			}
			if s.Exception {
				if err := reserve("ErrCode"+exported(name), "error code of "+name); err != nil {
					return err
				}
				if err := reserve("New"+exported(name), "constructor of "+name); err != nil {
					return err
				}
			}
		case len(s.Enum) > 0:
			if err := reserve(exported(name)+"Values", "values of "+name); err != nil {
				return err
			}
			for _, v := range s.Enum {
				if err := reserve(exported(name)+enumName(v), fmt.Sprintf("enum value %s %q", name, v)); err != nil {
					return err
				}
			}
		}
	}
	// An input or output shape that is also contained in a shape keeps its
	// model name as an alias, which the containing shape refers to.
	for _, name := range g.shapes {
		for _, c := range children(g.shape(name)) {
			_, in := g.inputOf[c]
			_, out := g.outputOf[c]
			if _, done := g.refName[c]; done || !in && !out {
				continue
			}
			t := g.typeOf[c]
			if err := reserve(exported(c), "alias of "+t); err != nil {
				return err
			}
			g.aliases[t] = append(g.aliases[t], exported(c))
			g.refName[c] = exported(c)
		}
	}
	return nil
}

// own reports whether s has constraints of its own.
func own(s *Shape) bool {
	switch s.Type {
	case "structure":
		return len(s.Required) > 0
	case "string":
		return s.Min != "" || s.Max != "" || s.Pattern != "" || len(s.Enum) > 0
	case "blob", "list", "map", "integer", "long", "double", "float":
		return s.Min != "" || s.Max != ""
	}
	return false
}

// children returns the shapes s contains.
func children(s *Shape) []string {
	var c []string
	for _, m := range s.Members {
		c = append(c, m.Shape)
	}
	for _, r := range []*Ref{s.Member, s.Key, s.Value} {
		if r != nil {
			c = append(c, r.Shape)
		}
	}
	return c
}

// analyze finds the shapes that need validation and those that the
// validation of operation inputs reaches.
func (g *gen) analyze() {
	for _, name := range g.shapes {
		g.needs[name] = own(g.shape(name))
	}
	for changed := true; changed; {
		changed = false
		for _, name := range g.shapes {
			if g.needs[name] {
				continue
			}
			for _, c := range children(g.shape(name)) {
				if g.needs[c] {
					g.needs[name], changed = true, true
					break
				}
			}
		}
	}
	var visit func(string)
	visit = func(name string) {
		if g.reach[name] || !g.needs[name] {
			return
		}
		g.reach[name] = true
		for _, c := range children(g.shape(name)) {
			visit(c)
		}
	}
	for _, op := range g.ops {
		if in := g.m.Operations[op].Input; in != nil {
			visit(in.Shape)
		}
	}
	// Helper names are allocated in a fixed order so output is stable.
	for _, name := range g.shapes {
		if g.reach[name] && g.shape(name).Type != "structure" {
			g.checkFn[name] = g.alloc("check" + exported(name))
		}
	}
}

// alloc returns an unused package-level identifier based on base.
func (g *gen) alloc(base string) string {
	id := base
	for i := 2; g.taken[id]; i++ {
		id = base + strconv.Itoa(i)
	}
	g.taken[id] = true
	return id
}

// goType returns the Go type of a value of shape name as a list element,
// map value or (with member set) structure member.
func (g *gen) goType(name string, member bool) string {
	s := g.shape(name)
	ptr := ""
	if member {
		ptr = "*"
	}
	switch s.Type {
	case "string":
		return "string"
	case "integer":
		return ptr + "int32"
	case "long":
		return ptr + "int64"
	case "boolean":
		return ptr + "bool"
	case "double", "float":
		return ptr + "float64"
	case "timestamp":
		return ptr + "timestamp.Time"
	case "blob":
		return "[]byte"
	case "list":
		return "[]" + g.goType(s.Member.Shape, false)
	case "map":
		return "map[string]" + g.goType(s.Value.Shape, false)
	case "structure":
		if alias, ok := g.refName[name]; ok {
			return "*" + alias
		}
		return "*" + g.typeOf[name]
	}
	return "any" // not reached: check refuses other types
}

// usesTimestamp reports whether the Go type of shape name mentions
// timestamp.Time.
func (g *gen) usesTimestamp(name string) bool {
	return strings.Contains(g.goType(name, true), "timestamp.")
}

// header returns the first lines of every generated file.
func (g *gen) header() string {
	return fmt.Sprintf("// Code generated by wiregen from %s. DO NOT EDIT.\n\n"+
		"// Copyright 2026 The kanri Authors\n// SPDX-License-Identifier: Apache-2.0\n\n", g.cfg.Source)
}

func (g *gen) assemble(name string, f *file) ([]byte, error) {
	var b bytes.Buffer
	b.WriteString(g.header())
	if name == "api_gen.go" {
		b.WriteString(wrap("", fmt.Sprintf("Package %s declares the wire shapes of %s (API version %s) "+
			"as its model defines them: the operations' inputs and outputs, the structures they contain, "+
			"enum values, error codes and constructors, and the validation of inputs against the model's constraints.",
			g.cfg.Package, g.m.Metadata.ServiceFullName, g.m.Metadata.APIVersion)))
		b.WriteString("//\n")
		b.WriteString(wrap("", "Go names are AWS's names: each structure is named after its shape (operation inputs "+
			"and outputs after the operation, as aws-sdk-go-v2 names them) and each field after its member, "+
			"tagged with the member's serialized name."))
	}
	fmt.Fprintf(&b, "package %s\n\n", g.cfg.Package)
	if len(f.imports) > 0 {
		paths := make([]string, 0, len(f.imports))
		for p := range f.imports {
			paths = append(paths, p)
		}
		slices.Sort(paths)
		b.WriteString("import (\n")
		for _, p := range paths {
			if !strings.Contains(p, ".") {
				fmt.Fprintf(&b, "\t%q\n", p)
			}
		}
		b.WriteString("\n")
		for _, p := range paths {
			if strings.Contains(p, ".") {
				fmt.Fprintf(&b, "\t%q\n", p)
			}
		}
		b.WriteString(")\n\n")
	}
	b.Write(f.body.Bytes())
	src, err := format.Source(b.Bytes())
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return src, nil
}

func (g *gen) importPath(pkg string) string { return g.cfg.Module + "/internal/" + pkg }

// emitAPI writes the service metadata, the operations and their inputs
// and outputs.
func (g *gen) emitAPI(f *file) {
	md := &g.m.Metadata
	f.use(g.importPath("wire"))
	signing := md.SigningName
	if signing == "" {
		signing = md.EndpointPrefix
	}
	targetPrefix, jsonVersion, ns := md.TargetPrefix, md.JSONVersion, md.Namespace()
	if g.query {
		targetPrefix, jsonVersion = "", ""
	} else {
		ns = ""
	}
	f.printf("// The service's identity, as its model declares it.\nconst (\n")
	f.printf("// ServiceID is the service's ID in the AWS SDKs.\nServiceID = %q\n", md.ServiceID)
	f.printf("// APIVersion is the model's API version, the Version parameter of Query requests.\nAPIVersion = %q\n", md.APIVersion)
	if g.rest {
		f.printf("// Protocol is the service's wire protocol: \"rest-json\" (REST with JSON bodies).\nProtocol = %q\n", md.Protocol)
	} else {
		f.printf("// Protocol is the service's wire protocol: \"json\" (JSON 1.1) or \"query\".\nProtocol = %q\n", md.Protocol)
	}
	empty := "Query services"
	if g.rest {
		empty = "Query and REST services"
	}
	f.printf("// TargetPrefix precedes the operation name in the X-Amz-Target header of JSON requests (empty for %s).\nTargetPrefix = %q\n", empty, targetPrefix)
	f.printf("// JSONVersion is the JSON protocol version of the Content-Type application/x-amz-json-<version> (empty for %s).\nJSONVersion = %q\n", empty, jsonVersion)
	f.printf("// SigningName is the service name in SigV4 credential scopes.\nSigningName = %q\n", signing)
	f.printf("// EndpointPrefix is the first label of the service's AWS endpoints.\nEndpointPrefix = %q\n", md.EndpointPrefix)
	f.printf("// XMLNamespace is the namespace of Query answers (empty for JSON services).\nXMLNamespace = %q\n", ns)
	f.printf(")\n\n")

	f.printf("// validationCode is the error code of input validation failures.\nconst validationCode = %q\n\n", g.validationCode())

	f.printf("// Operations describes the service's operations by name.\nvar Operations = map[string]wire.OperationInfo{\n")
	for _, op := range g.ops {
		o := g.m.Operations[op]
		f.printf("%q: {\nName: %q,\n", op, op)
		if o.Output != nil && o.Output.ResultWrapper != "" {
			f.printf("ResultWrapper: %q,\n", o.Output.ResultWrapper)
		}
		if g.rest {
			f.printf("HTTPMethod: %q,\nRequestURI: %q,\n", o.HTTP.Method, o.HTTP.RequestURI)
			if o.HTTP.ResponseCode != 0 {
				f.printf("ResponseCode: %d,\n", o.HTTP.ResponseCode)
			}
		}
		if o.Input != nil {
			f.printf("HasInput: true,\n")
		}
		if o.Output != nil {
			f.printf("HasOutput: true,\n")
		}
		f.printf("NewInput: func() any { return new(%sInput) },\n", op)
		f.printf("NewOutput: func() any { return new(%sOutput) },\n", op)
		if len(o.Errors) > 0 {
			f.printf("Errors: []string{")
			for i, e := range o.Errors {
				if i > 0 {
					f.printf(", ")
				}
				f.printf("ErrCode%s", exported(e.Shape))
			}
			f.printf("},\n")
		}
		f.printf("},\n")
	}
	f.printf("}\n\n")

	for _, op := range g.ops {
		o := g.m.Operations[op]
		g.emitIO(f, op, "Input", o.Input, g.inputOf)
		g.emitIO(f, op, "Output", o.Output, g.outputOf)
	}
}

// emitIO writes an operation's input or output type: the structure, an
// alias of the first operation's if the shape is shared, or an empty
// structure if the operation has none.
func (g *gen) emitIO(f *file, op, kind string, ref *Ref, firstOf map[string]string) {
	name := op + kind
	o := g.m.Operations[op]
	var doc string
	if kind == "Input" {
		doc = name + " is the input of " + op + "."
		if s := firstSentence(o.Documentation); s != "" {
			if first, rest, _ := strings.Cut(s, " "); verbs[first] {
				doc = name + " is the input of " + op + ", which " + strings.ToLower(first[:1]) + first[1:] + " " + rest
			} else {
				doc += " " + s
			}
		}
	} else {
		doc = name + " is the output of " + op + "."
	}
	if ref == nil {
		f.printf("%s", wrap("", doc+" The operation has no "+strings.ToLower(kind)+" members."))
		f.printf("type %s struct{}\n\n", name)
		return
	}
	if first := firstOf[ref.Shape]; first != op {
		f.printf("%s", wrap("", fmt.Sprintf("%s It is the same shape (%s) as %s%s.", doc, ref.Shape, first, kind)))
		f.printf("type %s = %s%s\n\n", name, first, kind)
		return
	}
	if s := firstSentence(g.shape(ref.Shape).Documentation); s != "" && kind == "Output" {
		doc += " " + s
	}
	g.emitStruct(f, ref.Shape, doc)
	for _, a := range g.aliases[name] {
		if strings.HasSuffix(a, kind) && g.m.Operations[strings.TrimSuffix(a, kind)] != nil {
			continue // declared by its own operation
		}
		f.printf("%s", wrap("", fmt.Sprintf("%s is the %s shape, declared as %s.", a, ref.Shape, name)))
		f.printf("type %s = %s\n\n", a, name)
	}
}

// emitStruct writes the structure declaration of shape name.
func (g *gen) emitStruct(f *file, name, doc string) {
	s := g.shape(name)
	goName := g.typeOf[name]
	if doc == "" {
		doc = describe(goName, firstSentence(s.Documentation))
	}
	if doc == "" {
		doc = fmt.Sprintf("%s is the %s structure of the %s API.", goName, name, g.m.Metadata.ServiceID)
	}
	f.printf("%s", wrap("", doc))
	if len(s.Members) == 0 {
		f.printf("type %s struct{}\n\n", goName)
		return
	}
	f.printf("type %s struct {\n", goName)
	for _, m := range s.Members {
		field := exported(m.Name)
		t := g.shape(m.Shape)
		fdoc := firstSentence(m.Documentation)
		if fdoc == "" {
			fdoc = firstSentence(t.Documentation)
		}
		line := describe(field, fdoc)
		if line == "" {
			line = fmt.Sprintf("%s is the %s member of %s.", field, m.Name, name)
		}
		if slices.Contains(s.Required, m.Name) {
			line += " Required."
		}
		if g.usesTimestamp(m.Shape) {
			f.use(g.importPath("timestamp"))
		}
		wireName := m.Name
		if m.LocationName != "" {
			wireName = m.LocationName
		}
		tag := fmt.Sprintf(`json:"%s,omitzero"`, wireName)
		if m.Location != "" {
			// A REST member bound to the URI, the query string, headers
			// or the status is not part of the JSON body.
			tag = fmt.Sprintf(`json:"-" location:"%s"`, m.Location)
			if m.LocationName != "" {
				tag += fmt.Sprintf(` locationName:"%s"`, m.LocationName)
			}
		}
		if q := g.queryTag(m.Shape, m.Ref); q != "" {
			tag += fmt.Sprintf(` query:"%s"`, q)
			g.queryEncodings = append(g.queryEncodings, fmt.Sprintf("%s.%s: %s", name, m.Name, q))
		}
		if m.Sensitive || t.Sensitive {
			tag += ` sensitive:"true"`
		}
		f.printf("%s", wrap("\t", line))
		f.printf("\t%s %s `%s`\n", field, g.goType(m.Shape, true), tag)
	}
	f.printf("}\n\n")
}

// queryTag returns the query struct tag describing a non-default Query
// encoding of a list or map member, or "".
func (g *gen) queryTag(shape string, ref *Ref) string {
	if !g.query {
		return ""
	}
	s := g.shape(shape)
	var parts []string
	switch s.Type {
	case "list":
		if n := s.Member.LocationName; n != "" && n != "member" {
			parts = append(parts, "member="+n)
		}
	case "map":
		if s.LocationName != "" && s.LocationName != "entry" {
			parts = append(parts, "entry="+s.LocationName)
		}
		if n := s.Key.LocationName; n != "" && n != "key" {
			parts = append(parts, "key="+n)
		}
		if n := s.Value.LocationName; n != "" && n != "value" {
			parts = append(parts, "value="+n)
		}
	default:
		return ""
	}
	if s.Flattened || ref.Flattened {
		parts = append(parts, "flat")
	}
	return strings.Join(parts, ",")
}

// emitTypes writes the structures that are neither operation inputs or
// outputs nor errors.
func (g *gen) emitTypes(f *file) {
	for _, name := range g.shapes {
		s := g.shape(name)
		if s.Type != "structure" || s.Exception {
			continue
		}
		if _, ok := g.inputOf[name]; ok {
			continue
		}
		if _, ok := g.outputOf[name]; ok {
			continue
		}
		g.emitStruct(f, name, "")
	}
}

// emitEnums writes the values of every enum shape.
func (g *gen) emitEnums(f *file) {
	for _, name := range g.shapes {
		s := g.shape(name)
		if s.Type != "string" || len(s.Enum) == 0 {
			continue
		}
		prefix := exported(name)
		f.printf("// Values of the %s enum.\nconst (\n", name)
		for _, v := range s.Enum {
			f.printf("%s%s = %q\n", prefix, enumName(v), v)
		}
		f.printf(")\n\n")
		f.printf("// %sValues returns the values of the %s enum in the model's order.\n", prefix, name)
		f.printf("func %sValues() []string {\nreturn []string{\n", prefix)
		for _, v := range s.Enum {
			f.printf("%s%s,\n", prefix, enumName(v))
		}
		f.printf("}\n}\n\n")
	}
}

// errorKind infers an error's awserr kind from its shape's name and traits.
func errorKind(name string, s *Shape) string {
	has := func(subs ...string) bool {
		for _, sub := range subs {
			if strings.Contains(name, sub) {
				return true
			}
		}
		return false
	}
	status := 0
	if s.Error != nil {
		status = s.Error.HTTPStatusCode
	}
	switch {
	case has("NotFound", "NoSuch", "DoesNotExist"):
		return "NotFound"
	case has("AlreadyExists", "Duplicate"):
		return "Exists"
	case has("TooManyRequests", "Throttl") || status == 429:
		return "Throttled"
	case has("LimitExceeded", "QuotaExceeded", "TooMany"):
		return "LimitExceeded"
	case has("ServiceUnavailable") || status == 503:
		return "Unavailable"
	case has("InternalServerError", "InternalFailure") || s.Fault || status >= 500:
		return "Internal"
	case has("AccessDenied", "Forbidden"):
		return "Denied"
	case has("Unauthorized") || status == 401:
		return "Unauthenticated"
	case has("Conflict", "ConcurrentModification"):
		return "Conflict"
	}
	return "Invalid"
}

// emitErrors writes each error shape's code, structure and constructor.
func (g *gen) emitErrors(f *file) {
	for _, name := range g.shapes {
		s := g.shape(name)
		if !s.Exception {
			continue
		}
		f.use("fmt")
		f.use(g.importPath("awserr"))
		id := exported(name)
		code := name
		if s.Error != nil && s.Error.Code != "" {
			code = s.Error.Code
		}
		kind := errorKind(name, s)
		status := 0
		if s.Error != nil {
			status = s.Error.HTTPStatusCode
		}
		f.printf("// ErrCode%s is the error code of %s errors.\nconst ErrCode%s = %q\n\n", id, name, id, code)
		doc := fmt.Sprintf("%s is the body of %s errors.", id, code)
		if sent := firstSentence(s.Documentation); sent != "" {
			doc += " " + sent
		}
		g.emitStruct(f, name, doc)
		doc = fmt.Sprintf("New%s returns a %s error of kind awserr.%s", id, code, kind)
		if status != 0 {
			doc += fmt.Sprintf(" answered with HTTP status %d", status)
		}
		doc += ", its message formatted from format and args."
		if sent := firstSentence(s.Documentation); sent != "" {
			doc += " " + sent
		}
		f.printf("%s", wrap("", doc))
		f.printf("func New%s(format string, args ...any) *awserr.Error {\n", id)
		f.printf("return &awserr.Error{Kind: awserr.%s, Code: ErrCode%s, Message: fmt.Sprintf(format, args...)", kind, id)
		if status != 0 {
			f.printf(", Status: %d", status)
		}
		f.printf("}\n}\n\n")
	}
}

// javaEscape matches the escapes of a Java pattern that Go spells
// differently: \uXXXX (Go: \x{XXXX}); any other escape is kept.
var javaEscape = regexp.MustCompile(`\\(u[0-9a-fA-F]{4}|.)`)

// goPattern translates a Java pattern, which AWS matches against the whole
// value, into an anchored Go pattern.
func goPattern(java string) string {
	var b strings.Builder
	var high rune // a pending high surrogate
	flush := func() {
		if high != 0 {
			fmt.Fprintf(&b, `\x{%X}`, high)
			high = 0
		}
	}
	last := 0
	for _, loc := range javaEscape.FindAllStringIndex(java, -1) {
		if loc[0] > last {
			flush()
			b.WriteString(java[last:loc[0]])
		}
		last = loc[1]
		esc := java[loc[0]:loc[1]]
		if len(esc) != 6 || esc[1] != 'u' {
			flush()
			b.WriteString(esc)
			continue
		}
		n, _ := strconv.ParseUint(esc[2:], 16, 32)
		r := rune(n)
		switch {
		case r >= 0xD800 && r < 0xDC00:
			flush()
			high = r
		case r >= 0xDC00 && r < 0xE000 && high != 0:
			// A surrogate pair stands for one supplementary code point.
			fmt.Fprintf(&b, `\x{%X}`, 0x10000+(high-0xD800)<<10+(r-0xDC00))
			high = 0
		default:
			flush()
			fmt.Fprintf(&b, `\x{%X}`, r)
		}
	}
	flush()
	b.WriteString(java[last:])
	return "^(?:" + b.String() + ")$"
}

// pattern returns the expression that yields the compiled pattern of shape
// name, or "" if Go cannot compile it.
func (g *gen) pattern(name string) string {
	java := g.shape(name).Pattern
	goPat := goPattern(java)
	if _, err := regexp.Compile(goPat); err != nil {
		g.skipped = append(g.skipped, SkippedPattern{Shape: name, Pattern: java, Err: err.Error()})
		return ""
	}
	v, ok := g.patVar[goPat]
	if !ok {
		v = g.alloc("pat" + exported(name))
		g.patVar[goPat] = v
		g.patOrder = append(g.patOrder, goPat)
	}
	return v + "()"
}

// describable reports whether the constraints of shape name can be listed
// in one message, as AWS lists those of list members and map keys and
// values ("Member must satisfy constraint: [...]"): scalars, and lists and
// maps of describable shapes.
func (g *gen) describable(name string) bool {
	s := g.shape(name)
	switch s.Type {
	case "structure":
		return false
	case "list":
		return g.describable(s.Member.Shape)
	case "map":
		return g.describable(s.Key.Shape) && g.describable(s.Value.Shape)
	}
	return true
}

// constraints returns AWS's statements of the constraints of a
// describable shape, in the order they are checked.
func (g *gen) constraints(name string) []string {
	s := g.shape(name)
	var c []string
	switch s.Type {
	case "string", "blob", "list", "map":
		if s.Max != "" {
			c = append(c, "Member must have length less than or equal to "+string(s.Max))
		}
		if s.Min != "" {
			c = append(c, "Member must have length greater than or equal to "+string(s.Min))
		}
	case "integer", "long", "double", "float":
		if s.Max != "" {
			c = append(c, "Member must have value less than or equal to "+string(s.Max))
		}
		if s.Min != "" {
			c = append(c, "Member must have value greater than or equal to "+string(s.Min))
		}
	}
	switch s.Type {
	case "string":
		if s.Pattern != "" {
			c = append(c, "Member must satisfy regular expression pattern: "+s.Pattern)
		}
		if len(s.Enum) > 0 {
			c = append(c, "Member must satisfy enum value set: ["+strings.Join(s.Enum, ", ")+"]")
		}
	case "list":
		if g.needs[s.Member.Shape] {
			c = append(c, "Member must satisfy constraint: ["+strings.Join(g.constraints(s.Member.Shape), ", ")+"]")
		}
	case "map":
		if g.needs[s.Key.Shape] {
			c = append(c, "Map keys must satisfy constraint: ["+strings.Join(g.constraints(s.Key.Shape), ", ")+"]")
		}
		if g.needs[s.Value.Shape] {
			c = append(c, "Map value must satisfy constraint: ["+strings.Join(g.constraints(s.Value.Shape), ", ")+"]")
		}
	}
	return c
}

// literal returns s as a Go string literal, raw when that reads better.
func literal(s string) string {
	if strings.ContainsAny(s, "`\r") || !strings.Contains(s, `\`) {
		return strconv.Quote(s)
	}
	return "`" + s + "`"
}

// emitValidate writes the Validate method of every input and the checks
// of the shapes inputs contain.
func (g *gen) emitValidate(f *file) {
	body := &file{imports: f.imports}
	for _, op := range g.ops {
		o := g.m.Operations[op]
		name := op + "Input"
		if o.Input != nil && g.inputOf[o.Input.Shape] != op {
			continue // an alias: the first operation's type has the method
		}
		var shape string
		if o.Input != nil {
			shape = o.Input.Shape
		}
		code := g.validationCode()
		body.printf("%s", wrap("", fmt.Sprintf("Validate checks s against the constraints of the %s shape, returning an *awserr.Error with code %s "+
			"and kind awserr.Invalid that lists every violation in AWS's words, or nil if there is none.", orDefault(shape, name), code)))
		if shape == "" || !g.reach[shape] {
			body.printf("func (s *%s) Validate() error { return nil }\n\n", name)
			continue
		}
		body.use(g.importPath("wire"))
		body.printf("func (s *%s) Validate() error {\nv := wire.NewValidator(validationCode)\ns.validate(v, \"\", false)\nreturn v.Err()\n}\n\n", name)
	}
	for _, name := range g.shapes {
		if !g.reach[name] {
			continue
		}
		if g.shape(name).Type == "structure" {
			g.emitStructCheck(body, name)
		} else {
			g.emitCheck(body, name)
		}
	}
	if len(g.skipped) > 0 {
		f.printf("// The model's patterns that Go's regexp cannot compile, with the shapes that\n" +
			"// have them. Their checks are skipped; the other constraints of these shapes\n// are checked.\n//\n")
		var order []string
		byPattern := map[string][]string{}
		reason := map[string]string{}
		for _, s := range g.skipped {
			if _, ok := byPattern[s.Pattern]; !ok {
				order = append(order, s.Pattern)
				reason[s.Pattern] = s.Err
			}
			byPattern[s.Pattern] = append(byPattern[s.Pattern], s.Shape)
		}
		for _, p := range order {
			f.printf("//   - %s\n//     %s\n%s", p, reason[p], strings.ReplaceAll(wrap("", strings.Join(byPattern[p], ", ")), "// ", "//     "))
		}
		f.printf("\n")
	}
	if len(g.patOrder) > 0 {
		f.use("regexp")
		f.use("sync")
		f.printf("// The model's patterns, anchored (AWS matches the whole value) and\n// compiled on first use.\nvar (\n")
		for _, p := range g.patOrder {
			f.printf("%s = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(%s) })\n", g.patVar[p], literal(p))
		}
		f.printf(")\n\n")
	}
	f.body.Write(body.body.Bytes())
}

// validationCode returns the error code of input validation failures:
// ValidationError for Query services, ValidationException for JSON ones;
// a REST service answers them with the BadRequestException its model
// declares, unless it declares a ValidationException.
func (g *gen) validationCode() string {
	switch {
	case g.query:
		return "ValidationError"
	case g.rest && g.shape("ValidationException") == nil && g.shape("BadRequestException") != nil:
		return "BadRequestException"
	}
	return "ValidationException"
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// emitStructCheck writes the validate method of a structure shape.
func (g *gen) emitStructCheck(f *file, name string) {
	s := g.shape(name)
	f.use(g.importPath("wire"))
	hide := "hide"
	if s.Sensitive {
		hide = "true"
	}
	f.printf("// validate records in v the violations of the %s shape's constraints by s,\n// found at path; hide withholds values from messages.\n", name)
	f.printf("func (s *%s) validate(v *wire.Validator, path string, hide bool) {\n", g.typeOf[name])
	for _, m := range s.Members {
		t := g.shape(m.Shape)
		// A Go string cannot tell an empty value from a missing one. The
		// model allows an empty value when it sets a minimum length of 0
		// (Tag.Value, UpdateKeyDescription's Description), so there "" is
		// a value, not a missing member.
		required := slices.Contains(s.Required, m.Name) && !(t.Type == "string" && t.Min == "0")
		if !required && !g.needs[m.Shape] {
			continue
		}
		field := "s." + exported(m.Name)
		path := fmt.Sprintf("wire.Join(path, %q)", lowerFirst(m.Name))
		mhide := hide
		if m.Sensitive {
			mhide = "true"
		}
		absent := field + " == nil"
		if t.Type == "string" {
			absent = field + ` == ""`
		}
		var call string
		if g.needs[m.Shape] {
			switch t.Type {
			case "structure":
				call = fmt.Sprintf("%s.validate(v, %s, %s)", field, path, mhide)
			case "string", "blob", "list", "map":
				call = fmt.Sprintf("%s(v, %s, %s, %s)", g.checkFn[m.Shape], path, field, mhide)
			default:
				call = fmt.Sprintf("%s(v, %s, *%s, %s)", g.checkFn[m.Shape], path, field, mhide)
			}
		}
		switch {
		case required && call != "":
			f.printf("if %s {\nv.Null(%s)\n} else {\n%s\n}\n", absent, path, call)
		case required:
			f.printf("if %s {\nv.Null(%s)\n}\n", absent, path)
		default:
			present := strings.Replace(absent, "==", "!=", 1)
			f.printf("if %s {\n%s\n}\n", present, call)
		}
	}
	f.printf("}\n\n")
}

// bound parses a min or max of a numeric shape and reports whether a value
// of Go type goType can break it.
func bound(lit string, goType string, isMax bool) (string, bool) {
	switch goType {
	case "int32", "int64":
		n, err := strconv.ParseInt(lit, 10, 64)
		if err != nil {
			return "", false
		}
		lo, hi := int64(math.MinInt64), int64(math.MaxInt64)
		if goType == "int32" {
			lo, hi = math.MinInt32, math.MaxInt32
		}
		if isMax && n >= hi || !isMax && n <= lo {
			return "", false
		}
		return strconv.FormatInt(n, 10), true
	default:
		x, err := strconv.ParseFloat(lit, 64)
		if err != nil {
			return "", false
		}
		return strconv.FormatFloat(x, 'g', -1, 64), true
	}
}

// emitCheck writes the check function of a non-structure shape.
func (g *gen) emitCheck(f *file, name string) {
	s := g.shape(name)
	f.use(g.importPath("wire"))
	goType := g.goType(name, false)
	if g.usesTimestamp(name) {
		f.use(g.importPath("timestamp"))
	}
	hide := "hide"
	if s.Sensitive {
		hide = "true"
	}
	f.printf("// %s checks x against the constraints of the %s shape, recording each\n", g.checkFn[name], name)
	f.printf("// violation found at path in v unless v is nil, and reports whether x satisfies them all.\n")
	f.printf("func %s(v *wire.Validator, path string, x %s, hide bool) bool {\nok := true\n", g.checkFn[name], goType)
	fail := func(cond, constraint string) {
		f.printf("if %s {\nok = false\nv.Fail(path, x, %s, %s)\n}\n", cond, hide, literal(constraint))
	}
	switch s.Type {
	case "string", "blob", "list", "map":
		length := "len(x)"
		if s.Type == "string" {
			f.use("unicode/utf8")
			length = "utf8.RuneCountInString(x)"
		}
		if s.Max != "" || s.Min != "" && s.Min != "0" {
			f.printf("n := %s\n", length)
		}
		if s.Max != "" {
			fail("n > "+string(s.Max), "Member must have length less than or equal to "+string(s.Max))
		}
		if s.Min != "" && s.Min != "0" {
			fail("n < "+string(s.Min), "Member must have length greater than or equal to "+string(s.Min))
		}
	default:
		if lit, ok := bound(string(s.Max), goType, true); s.Max != "" && ok {
			fail("x > "+lit, "Member must have value less than or equal to "+string(s.Max))
		}
		if lit, ok := bound(string(s.Min), goType, false); s.Min != "" && ok {
			fail("x < "+lit, "Member must have value greater than or equal to "+string(s.Min))
		}
	}
	switch s.Type {
	case "string":
		if s.Pattern != "" {
			if re := g.pattern(name); re != "" {
				fail("!"+re+".MatchString(x)", "Member must satisfy regular expression pattern: "+s.Pattern)
			}
		}
		if len(s.Enum) > 0 {
			f.printf("switch x {\ncase ")
			for i, e := range s.Enum {
				if i > 0 {
					f.printf(", ")
				}
				f.printf("%q", e)
			}
			f.printf(":\ndefault:\nok = false\nv.Fail(path, x, %s, %s)\n}\n", hide,
				literal("Member must satisfy enum value set: ["+strings.Join(s.Enum, ", ")+"]"))
		}
	case "list":
		g.emitElements(f, s.Member.Shape, hide, "Member must satisfy constraint: ", "e", "for _, e := range x", "for i, e := range x", "wire.Item(path, i)")
	case "map":
		if g.needs[s.Key.Shape] {
			f.printf("for k := range x {\nif !%s(nil, \"\", k, false) {\nok = false\nv.Fail(path, x, %s, %s)\nbreak\n}\n}\n",
				g.checkFn[s.Key.Shape], hide, literal("Map keys must satisfy constraint: ["+strings.Join(g.constraints(s.Key.Shape), ", ")+"]"))
		}
		if g.needs[s.Value.Shape] && !g.describable(s.Value.Shape) {
			f.use("maps")
			f.use("slices")
		}
		g.emitElements(f, s.Value.Shape, hide, "Map value must satisfy constraint: ", "x[k]", "for _, e := range x", "for _, k := range slices.Sorted(maps.Keys(x))", "wire.Key(path, k)")
	}
	f.printf("return ok\n}\n\n")
}

// emitElements writes the checks of a list's members or a map's values:
// one message listing the constraints if they are describable, else each
// element checked at its own path.
func (g *gen) emitElements(f *file, elem, hide, prefix, value, rangeAll, rangeEach, path string) {
	if !g.needs[elem] {
		return
	}
	if g.describable(elem) {
		f.printf("%s {\nif !%s(nil, \"\", e, false) {\nok = false\nv.Fail(path, x, %s, %s)\nbreak\n}\n}\n",
			rangeAll, g.checkFn[elem], hide, literal(prefix+"["+strings.Join(g.constraints(elem), ", ")+"]"))
		return
	}
	if value != "e" {
		rangeEach += " {\ne := " + value
	} else {
		rangeEach += " {"
	}
	if g.shape(elem).Type == "structure" {
		f.printf("%s\nif e != nil {\ne.validate(v, %s, %s)\n}\n}\n", rangeEach, path, hide)
		return
	}
	f.printf("%s\n%s(v, %s, e, %s)\n}\n", rangeEach, g.checkFn[elem], path, hide)
}
