// Copyright 2026 The kanri Authors
// SPDX-License-Identifier: Apache-2.0

// Package awsrest is the AWS REST-JSON protocol (rest-json): requests
// routed by method and path to the operation whose request URI they match,
// inputs decoded from the JSON body and from the members the model binds
// to the URI path, the query string and headers, and outputs and errors
// encoded as the AWS SDKs read them. Members outside the body are tagged
// location:"uri|querystring|header|headers|statusCode" and
// locationName:"…" by the generated wire shapes, and json:"-". It is the
// one place that turns an error into a REST-JSON answer.
package awsrest

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/kanri-dev/kanri/internal/api/awsjson"
	"github.com/kanri-dev/kanri/internal/awserr"
	"github.com/kanri-dev/kanri/internal/timestamp"
)

// ContentType is the media type of REST-JSON answers.
const ContentType = "application/json"

// The locations of members outside the JSON body.
const (
	locURI         = "uri"
	locQuery       = "querystring"
	locHeader      = "header"
	locHeaders     = "headers"
	locStatusCode  = "statusCode"
	presignPrefix  = "X-Amz-" // query parameters of presigned URLs
	serialization  = "SerializationException"
	httpDateFormat = http.TimeFormat
)

// binding is a struct field bound to a location.
type binding struct {
	index    int
	location string
	name     string // locationName: parameter, header or header prefix
}

var bindingCache sync.Map // reflect.Type → []binding

// bindingsOf returns the fields of struct type t bound outside the body.
func bindingsOf(t reflect.Type) []binding {
	if b, ok := bindingCache.Load(t); ok {
		return b.([]binding)
	}
	var bs []binding
	for i := 0; i < t.NumField(); i++ {
		sf := t.Field(i)
		if loc := sf.Tag.Get("location"); loc != "" && sf.IsExported() {
			bs = append(bs, binding{index: i, location: loc, name: sf.Tag.Get("locationName")})
		}
	}
	bindingCache.Store(t, bs)
	return bs
}

// Decode fills v, a pointer to an input struct, from a request: its JSON
// body (strictly: unknown members and values of the wrong type are a
// SerializationException naming them; an empty body is an empty object),
// the path parameters params that the route matched, the query string and
// the headers. A query parameter that no member binds is refused, except
// those of presigned URLs (X-Amz-…).
func Decode(r *http.Request, params map[string]string, body []byte, v any) error {
	if err := awsjson.Decode(body, v); err != nil {
		return err
	}
	rv := reflect.ValueOf(v).Elem()
	query := r.URL.Query()
	used := map[string]bool{}
	var queryMap *binding
	bs := bindingsOf(rv.Type())
	for i := range bs {
		b := &bs[i]
		f := rv.Field(b.index)
		switch b.location {
		case locURI:
			s, ok := params[b.name]
			if !ok {
				continue
			}
			if err := setScalar(f, s, false); err != nil {
				return memberError("path parameter", b.name, s, err)
			}
		case locQuery:
			if f.Kind() == reflect.Map {
				queryMap = b // takes the parameters no other member binds
				continue
			}
			vals, ok := query[b.name]
			if !ok {
				continue
			}
			used[b.name] = true
			if f.Kind() == reflect.Slice && f.Type().Elem().Kind() == reflect.String {
				f.Set(reflect.ValueOf(slices.Clone(vals)).Convert(f.Type()))
				continue
			}
			if len(vals) > 1 {
				return awserr.Errorf(awserr.Invalid, serialization, "query parameter %s: expected one value, got %d", b.name, len(vals))
			}
			if err := setScalar(f, vals[0], false); err != nil {
				return memberError("query parameter", b.name, vals[0], err)
			}
		case locHeader:
			vals := r.Header.Values(b.name)
			if len(vals) == 0 {
				continue
			}
			if f.Kind() == reflect.Slice && f.Type().Elem().Kind() == reflect.String {
				var items []string
				for _, v := range vals {
					for _, item := range strings.Split(v, ",") {
						items = append(items, strings.TrimSpace(item))
					}
				}
				f.Set(reflect.ValueOf(items).Convert(f.Type()))
				continue
			}
			if err := setScalar(f, vals[0], true); err != nil {
				return memberError("header", b.name, vals[0], err)
			}
		case locHeaders:
			m := reflect.MakeMap(f.Type())
			for k, vals := range r.Header {
				if len(k) > len(b.name) && strings.EqualFold(k[:len(b.name)], b.name) {
					m.SetMapIndex(reflect.ValueOf(strings.ToLower(k[len(b.name):])), reflect.ValueOf(strings.Join(vals, ",")))
				}
			}
			if m.Len() > 0 {
				f.Set(m)
			}
		}
	}
	var unknown []string
	for k, vals := range query {
		if used[k] || strings.HasPrefix(k, presignPrefix) {
			continue
		}
		if queryMap == nil {
			unknown = append(unknown, k)
			continue
		}
		f := rv.Field(queryMap.index)
		if f.IsNil() {
			f.Set(reflect.MakeMap(f.Type()))
		}
		val := reflect.ValueOf(vals[0])
		if f.Type().Elem().Kind() == reflect.Slice {
			val = reflect.ValueOf(slices.Clone(vals))
		}
		f.SetMapIndex(reflect.ValueOf(k), val.Convert(f.Type().Elem()))
	}
	if len(unknown) > 0 {
		slices.Sort(unknown)
		return awserr.Errorf(awserr.Invalid, serialization, "unknown query parameter(s) %s", strings.Join(unknown, ", "))
	}
	return nil
}

// memberError names the parameter or header whose value did not convert.
func memberError(what, name, value string, err error) error {
	return awserr.Errorf(awserr.Invalid, serialization, "%s %s: expected %s, got %q", what, name, err.Error(), value)
}

var timeType = reflect.TypeOf(timestamp.Time{})

// kindError is the expected kind of a value that did not convert.
type kindError string

func (k kindError) Error() string { return string(k) }

// setScalar sets f, a string, number, boolean, timestamp or blob member
// or a pointer to one, from its text in a path, query string (ISO 8601
// timestamps) or header (HTTP-date timestamps, base64 blobs).
func setScalar(f reflect.Value, s string, header bool) error {
	if f.Kind() == reflect.Pointer {
		nv := reflect.New(f.Type().Elem())
		if err := setScalar(nv.Elem(), s, header); err != nil {
			return err
		}
		f.Set(nv)
		return nil
	}
	if f.Type() == timeType {
		var t time.Time
		var err error
		if header {
			t, err = time.Parse(httpDateFormat, s)
		} else {
			var ts timestamp.Time
			err = ts.UnmarshalText([]byte(s))
			t = ts.Time()
		}
		if err != nil {
			if header {
				return kindError("an HTTP date")
			}
			return kindError("an ISO 8601 timestamp")
		}
		f.Set(reflect.ValueOf(timestamp.New(t)))
		return nil
	}
	switch f.Kind() {
	case reflect.String:
		f.SetString(s)
	case reflect.Int32, reflect.Int64:
		n, err := strconv.ParseInt(s, 10, f.Type().Bits())
		if err != nil {
			return kindError("an integer")
		}
		f.SetInt(n)
	case reflect.Float64:
		x, err := strconv.ParseFloat(s, 64)
		if err != nil {
			return kindError("a number")
		}
		f.SetFloat(x)
	case reflect.Bool:
		b, err := strconv.ParseBool(s)
		if err != nil || (s != "true" && s != "false") {
			return kindError("true or false")
		}
		f.SetBool(b)
	case reflect.Slice:
		if f.Type().Elem().Kind() != reflect.Uint8 {
			return kindError("a scalar")
		}
		b, err := base64.StdEncoding.DecodeString(s)
		if err != nil {
			return kindError("a base64 string")
		}
		f.SetBytes(b)
	default:
		return kindError("a scalar")
	}
	return nil
}

// formatScalar returns the text of a header member's value, and false if
// it has none (a nil pointer, an empty string).
func formatScalar(f reflect.Value) (string, bool) {
	if f.Kind() == reflect.Pointer {
		if f.IsNil() {
			return "", false
		}
		f = f.Elem()
	}
	if f.Type() == timeType {
		return f.Interface().(timestamp.Time).Time().UTC().Format(httpDateFormat), true
	}
	switch f.Kind() {
	case reflect.String:
		return f.String(), f.Len() > 0
	case reflect.Int32, reflect.Int64:
		return strconv.FormatInt(f.Int(), 10), true
	case reflect.Float64:
		return strconv.FormatFloat(f.Float(), 'g', -1, 64), true
	case reflect.Bool:
		return strconv.FormatBool(f.Bool()), true
	case reflect.Slice:
		if f.Len() == 0 {
			return "", false
		}
		if f.Type().Elem().Kind() == reflect.Uint8 {
			return base64.StdEncoding.EncodeToString(f.Bytes()), true
		}
		items := make([]string, f.Len())
		for i := range items {
			items[i] = f.Index(i).String()
		}
		return strings.Join(items, ","), true
	}
	return "", false
}

// WriteResponse writes v as a successful answer: its members tagged
// location:"header" and "headers" as headers, the JSON of the others as
// the body. The status is the member tagged location:"statusCode" when
// set, else status, else 200.
func WriteResponse(w http.ResponseWriter, status int, v any) error {
	if status == 0 {
		status = http.StatusOK
	}
	b := []byte("{}")
	if v != nil {
		var err error
		if b, err = json.Marshal(v); err != nil {
			return fmt.Errorf("encode response: %w", err)
		}
		rv := reflect.ValueOf(v)
		if rv.Kind() == reflect.Pointer && !rv.IsNil() {
			rv = rv.Elem()
		}
		if rv.Kind() == reflect.Struct {
			for _, bd := range bindingsOf(rv.Type()) {
				f := rv.Field(bd.index)
				switch bd.location {
				case locHeader:
					if s, ok := formatScalar(f); ok {
						w.Header().Set(bd.name, s)
					}
				case locHeaders:
					iter := f.MapRange()
					for iter.Next() {
						w.Header().Set(bd.name+iter.Key().String(), iter.Value().String())
					}
				case locStatusCode:
					if f.Kind() == reflect.Pointer && !f.IsNil() {
						status = int(f.Elem().Int())
					}
				}
			}
		}
	}
	h := w.Header()
	h.Set("Content-Type", ContentType)
	h.Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(status)
	_, err := w.Write(b)
	return err
}

// restCodes renames the errors that every protocol shares
// (authentication, authorization, throttling, routing) to the spelling and
// status with which AWS's REST-JSON services answer them.
var restCodes = map[string]struct {
	code   string
	status int
}{
	"MissingAuthenticationToken": {"MissingAuthenticationTokenException", http.StatusForbidden},
	"InvalidClientTokenId":       {"UnrecognizedClientException", http.StatusForbidden},
	"SignatureDoesNotMatch":      {"InvalidSignatureException", http.StatusForbidden},
	"IncompleteSignature":        {"IncompleteSignatureException", http.StatusForbidden},
	"ExpiredToken":               {"ExpiredTokenException", http.StatusForbidden},
	"AccessDenied":               {"AccessDeniedException", http.StatusForbidden},
	"Throttling":                 {"ThrottlingException", http.StatusTooManyRequests},
	"RequestEntityTooLarge":      {"RequestEntityTooLargeException", http.StatusRequestEntityTooLarge},
}

// Code returns the REST-JSON protocol's spelling of an error code.
func Code(code string) string {
	if c, ok := restCodes[code]; ok {
		return c.code
	}
	return code
}

// WriteError writes e as a REST-JSON error answer: the error's HTTP
// status, its code in the X-Amzn-ErrorType header (which both
// aws-sdk-go-v2 and botocore read first) and {"message": …} as the body.
func WriteError(w http.ResponseWriter, e *awserr.Error) error {
	status := e.HTTPStatus()
	code := e.Code
	if c, ok := restCodes[code]; ok {
		code, status = c.code, c.status
	}
	b, err := json.Marshal(struct {
		Message string `json:"message"`
	}{e.Message})
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

// segment is one segment of a request URI's path: a literal, or a label
// that captures a path segment (greedy: the rest of the path).
type segment struct {
	literal string
	label   string
	greedy  bool
}

// rank orders segments by specificity: a literal before a label before a
// greedy label.
func (s segment) rank() int {
	switch {
	case s.label == "":
		return 2
	case !s.greedy:
		return 1
	}
	return 0
}

// pattern is a compiled request URI.
type pattern struct {
	method string
	segs   []segment
	query  url.Values // literal query parameters the URI requires
}

// compile parses a model's request URI: "/resources/{Arn}/tags",
// "/{Bucket}/{Key+}?tagging".
func compile(method, uri string) (*pattern, error) {
	path, rawQuery, _ := strings.Cut(uri, "?")
	if !strings.HasPrefix(path, "/") {
		return nil, fmt.Errorf("request URI %q does not start with /", uri)
	}
	q, err := url.ParseQuery(rawQuery)
	if err != nil {
		return nil, fmt.Errorf("request URI %q: %w", uri, err)
	}
	p := &pattern{method: method, query: q}
	parts := strings.Split(path[1:], "/")
	if path == "/" {
		parts = nil
	}
	for i, part := range parts {
		if !strings.HasPrefix(part, "{") {
			p.segs = append(p.segs, segment{literal: part})
			continue
		}
		label, ok := strings.CutSuffix(part[1:], "}")
		if !ok || label == "" || strings.ContainsAny(label, "{}") {
			return nil, fmt.Errorf("request URI %q: malformed label %q", uri, part)
		}
		s := segment{label: label}
		if s.label, s.greedy = strings.CutSuffix(label, "+"); s.greedy && i != len(parts)-1 {
			return nil, fmt.Errorf("request URI %q: greedy label %q is not last", uri, part)
		}
		p.segs = append(p.segs, s)
	}
	return p, nil
}

// match reports whether the escaped path and query match p, and returns
// the unescaped values of its labels.
func (p *pattern) match(escapedPath string, query url.Values) (map[string]string, bool) {
	for k, vals := range p.query {
		got, ok := query[k]
		if !ok || vals[0] != "" && !slices.Contains(got, vals[0]) {
			return nil, false
		}
	}
	if !strings.HasPrefix(escapedPath, "/") {
		return nil, false
	}
	parts := strings.Split(escapedPath[1:], "/")
	if escapedPath == "/" {
		parts = nil
	}
	params := map[string]string{}
	for i, s := range p.segs {
		if i >= len(parts) {
			return nil, false
		}
		if s.greedy {
			rest := make([]string, 0, len(parts)-i)
			for _, part := range parts[i:] {
				u, err := url.PathUnescape(part)
				if err != nil {
					return nil, false
				}
				rest = append(rest, u)
			}
			v := strings.Join(rest, "/")
			if v == "" {
				return nil, false
			}
			params[s.label] = v
			return params, true
		}
		u, err := url.PathUnescape(parts[i])
		if err != nil {
			return nil, false
		}
		if s.label == "" {
			if u != s.literal {
				return nil, false
			}
			continue
		}
		if u == "" {
			return nil, false
		}
		params[s.label] = u
	}
	return params, len(parts) == len(p.segs)
}

// moreSpecific reports whether p should win over q when both match.
func (p *pattern) moreSpecific(q *pattern) bool {
	for i := 0; i < len(p.segs) && i < len(q.segs); i++ {
		if a, b := p.segs[i].rank(), q.segs[i].rank(); a != b {
			return a > b
		}
	}
	if len(p.segs) != len(q.segs) {
		return len(p.segs) > len(q.segs)
	}
	return len(p.query) > len(q.query)
}

// Router finds the operation of a request by its method and path. Add
// routes before use; Match is then safe for concurrent use.
type Router[T any] struct {
	routes []route[T]
}

type route[T any] struct {
	p *pattern
	v T
}

// Add routes requests for method and the model's request URI uri to v.
func (rt *Router[T]) Add(method, uri string, v T) error {
	p, err := compile(method, uri)
	if err != nil {
		return err
	}
	rt.routes = append(rt.routes, route[T]{p, v})
	return nil
}

// Len returns the number of routes.
func (rt *Router[T]) Len() int { return len(rt.routes) }

// Match returns the value of the most specific route that r's method and
// path match, with the values of the path's labels. A path that only
// other methods' routes match is a MethodNotAllowedException (405); one no
// route matches is an UnknownOperationException (404).
func (rt *Router[T]) Match(r *http.Request) (T, map[string]string, error) {
	var best *route[T]
	var bestParams map[string]string
	pathMatched := false
	query := r.URL.Query()
	path := r.URL.EscapedPath()
	for i := range rt.routes {
		c := &rt.routes[i]
		params, ok := c.p.match(path, query)
		if !ok {
			continue
		}
		pathMatched = true
		if c.p.method != r.Method {
			continue
		}
		if best == nil || c.p.moreSpecific(best.p) {
			best, bestParams = c, params
		}
	}
	if best == nil {
		var zero T
		if pathMatched {
			return zero, nil, awserr.Errorf(awserr.Invalid, "MethodNotAllowedException",
				"The method %s is not allowed for the resource %s", r.Method, path).WithStatus(http.StatusMethodNotAllowed)
		}
		return zero, nil, awserr.Errorf(awserr.Invalid, "UnknownOperationException",
			"No operation matches %s %s", r.Method, path).WithStatus(http.StatusNotFound)
	}
	return best.v, bestParams, nil
}
