// Copyright 2026 The kanri Authors
// SPDX-License-Identifier: Apache-2.0

// Package awsquery is the AWS Query protocol of IAM and STS: form-encoded
// requests (Action=…&Version=…) decoded into input shapes, and XML answers
// and errors. Shapes are described by their json tags; lists travel as
// Name.member.N and maps as Name.entry.N.key/value, as the AWS SDKs send
// them. It is the one place that turns an error into a Query answer.
package awsquery

import (
	"bytes"
	"encoding/base64"
	"encoding/xml"
	"fmt"
	"net/http"
	"net/url"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/kanri-dev/kanri/internal/awserr"
	"github.com/kanri-dev/kanri/internal/timestamp"
)

// reserved are form keys that belong to the protocol or the signature, not
// to the input shape.
func reserved(k string) bool {
	return k == "Action" || k == "Version" || strings.HasPrefix(k, "X-Amz-")
}

// Decode fills v (a pointer to an input struct) from form. It refuses keys
// the shape does not have, values of the wrong type, and characters that
// XML cannot carry, with a ValidationError naming the member.
func Decode(form url.Values, v any) error {
	used := make(map[string]bool, len(form))
	if _, err := decodeValue(form, "", reflect.ValueOf(v).Elem(), used); err != nil {
		return err
	}
	var unknown []string
	for k := range form {
		if !used[k] && !reserved(k) {
			unknown = append(unknown, k)
		}
	}
	if len(unknown) > 0 {
		sort.Strings(unknown)
		return awserr.Errorf(awserr.Invalid, "ValidationError", "Unknown parameter(s) in the request: %s", strings.Join(unknown, ", "))
	}
	return nil
}

var timeType = reflect.TypeOf(timestamp.Time{})

// field is a struct field's wire name and index.
type field struct {
	name  string
	index int
}

var fieldCache sync.Map // reflect.Type → []field

func fieldsOf(t reflect.Type) []field {
	if f, ok := fieldCache.Load(t); ok {
		return f.([]field)
	}
	var fs []field
	for i := 0; i < t.NumField(); i++ {
		sf := t.Field(i)
		if !sf.IsExported() {
			continue
		}
		name, _, _ := strings.Cut(sf.Tag.Get("json"), ",")
		if name == "-" {
			continue
		}
		if name == "" {
			name = sf.Name
		}
		fs = append(fs, field{name: name, index: i})
	}
	fieldCache.Store(t, fs)
	return fs
}

func join(prefix, name string) string {
	if prefix == "" {
		return name
	}
	return prefix + "." + name
}

// decodeValue decodes the member at key into v and reports whether the
// form held anything for it.
func decodeValue(form url.Values, key string, v reflect.Value, used map[string]bool) (bool, error) {
	t := v.Type()
	if t == timeType {
		s, ok := scalar(form, key, used)
		if !ok {
			return false, nil
		}
		var ts timestamp.Time
		if err := ts.UnmarshalText([]byte(s)); err != nil {
			return true, invalid(key, s, "must be an ISO 8601 timestamp")
		}
		v.Set(reflect.ValueOf(ts))
		return true, nil
	}
	switch t.Kind() {
	case reflect.Pointer:
		nv := reflect.New(t.Elem())
		ok, err := decodeValue(form, key, nv.Elem(), used)
		if ok && err == nil {
			v.Set(nv)
		}
		return ok, err
	case reflect.Struct:
		any := false
		for _, f := range fieldsOf(t) {
			ok, err := decodeValue(form, join(key, f.name), v.Field(f.index), used)
			if err != nil {
				return true, err
			}
			any = any || ok
		}
		return any, nil
	case reflect.Slice:
		if t.Elem().Kind() == reflect.Uint8 { // blob
			s, ok := scalar(form, key, used)
			if !ok {
				return false, nil
			}
			b, err := base64.StdEncoding.DecodeString(s)
			if err != nil {
				return true, invalid(key, s, "must be base64-encoded")
			}
			v.SetBytes(b)
			return true, nil
		}
		// An empty list is sent as "Name=" with no members.
		_, empty := form[key]
		if empty {
			used[key] = true
		}
		out := reflect.MakeSlice(t, 0, 0)
		for i := 1; ; i++ {
			ev := reflect.New(t.Elem()).Elem()
			ok, err := decodeValue(form, key+".member."+strconv.Itoa(i), ev, used)
			if err != nil {
				return true, err
			}
			if !ok {
				break
			}
			out = reflect.Append(out, ev)
		}
		if out.Len() == 0 && !empty {
			return false, nil
		}
		v.Set(out)
		return true, nil
	case reflect.Map:
		_, empty := form[key]
		if empty {
			used[key] = true
		}
		out := reflect.MakeMap(t)
		for i := 1; ; i++ {
			p := key + ".entry." + strconv.Itoa(i)
			kv := reflect.New(t.Key()).Elem()
			ok, err := decodeValue(form, p+".key", kv, used)
			if err != nil {
				return true, err
			}
			if !ok {
				break
			}
			vv := reflect.New(t.Elem()).Elem()
			if _, err := decodeValue(form, p+".value", vv, used); err != nil {
				return true, err
			}
			out.SetMapIndex(kv, vv)
		}
		if out.Len() == 0 && !empty {
			return false, nil
		}
		v.Set(out)
		return true, nil
	}
	s, ok := scalar(form, key, used)
	if !ok {
		return false, nil
	}
	switch t.Kind() {
	case reflect.String:
		v.SetString(s)
	case reflect.Bool:
		b, err := strconv.ParseBool(s)
		if err != nil {
			return true, invalid(key, s, "must be true or false")
		}
		v.SetBool(b)
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		n, err := strconv.ParseInt(s, 10, t.Bits())
		if err != nil {
			return true, invalid(key, s, "must be an integer")
		}
		v.SetInt(n)
	case reflect.Float32, reflect.Float64:
		f, err := strconv.ParseFloat(s, t.Bits())
		if err != nil {
			return true, invalid(key, s, "must be a number")
		}
		v.SetFloat(f)
	default:
		return true, fmt.Errorf("awsquery: cannot decode into %s", t)
	}
	return true, nil
}

// scalar returns the first value of key and marks it used.
func scalar(form url.Values, key string, used map[string]bool) (string, bool) {
	vs, ok := form[key]
	if !ok {
		return "", false
	}
	used[key] = true
	return vs[0], true
}

func invalid(key, value, rule string) error {
	return awserr.Errorf(awserr.Invalid, "ValidationError", "Value '%s' at '%s' failed to satisfy constraint: Member %s", value, lowerFirst(key), rule)
}

func lowerFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToLower(s[:1]) + s[1:]
}

// CheckXMLSafe refuses form values that are not valid UTF-8 or hold
// characters XML 1.0 cannot carry, naming the parameter.
func CheckXMLSafe(form url.Values) error {
	keys := make([]string, 0, len(form))
	for k := range form {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		for _, s := range append([]string{k}, form[k]...) {
			if !utf8.ValidString(s) {
				return awserr.Errorf(awserr.Invalid, "ValidationError", "Parameter '%s' is not valid UTF-8", strings.ToValidUTF8(k, "?"))
			}
			for _, r := range s {
				if !xmlChar(r) {
					return awserr.Errorf(awserr.Invalid, "ValidationError",
						"Parameter '%s' contains the character U+%04X, which is not allowed in XML", strings.ToValidUTF8(k, "?"), r)
				}
			}
		}
	}
	return nil
}

// xmlChar reports whether r is allowed by XML 1.0's Char production.
func xmlChar(r rune) bool {
	return r == 0x9 || r == 0xA || r == 0xD ||
		r >= 0x20 && r <= 0xD7FF || r >= 0xE000 && r <= 0xFFFD || r >= 0x10000 && r <= 0x10FFFF
}

// WriteResponse writes the XML answer to action: v (an output struct, or
// nil) inside <ActionResult>, and the request ID in <ResponseMetadata>.
func WriteResponse(w http.ResponseWriter, namespace, action, requestID string, v any) error {
	b := responseBuffers.Get().(*bytes.Buffer)
	defer func() {
		if b.Cap() <= 64<<10 {
			b.Reset()
			responseBuffers.Put(b)
		}
	}()
	b.WriteString(`<?xml version="1.0" encoding="UTF-8"?>` + "\n")
	openTag(b, action+`Response xmlns="`+namespace+`"`)
	if v != nil {
		openTag(b, action+"Result")
		rv := reflect.ValueOf(v)
		if rv.Kind() == reflect.Pointer {
			rv = rv.Elem()
		}
		encodeFields(b, rv)
		closeTag(b, action+"Result")
	}
	b.WriteString("<ResponseMetadata><RequestId>")
	b.WriteString(requestID)
	b.WriteString("</RequestId></ResponseMetadata>")
	closeTag(b, action+"Response")
	h := w.Header()
	h.Set("Content-Type", "text/xml")
	h.Set("Content-Length", strconv.Itoa(b.Len()))
	w.WriteHeader(http.StatusOK)
	_, err := w.Write(b.Bytes())
	return err
}

// responseBuffers holds the buffers WriteResponse builds answers in.
var responseBuffers = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// openTag writes <name>.
func openTag(b *bytes.Buffer, name string) {
	b.WriteByte('<')
	b.WriteString(name)
	b.WriteByte('>')
}

// closeTag writes </name>.
func closeTag(b *bytes.Buffer, name string) {
	b.WriteString("</")
	b.WriteString(name)
	b.WriteByte('>')
}

// element writes <name>text</name>, text being already escaped.
func element(b *bytes.Buffer, name, text string) {
	openTag(b, name)
	b.WriteString(text)
	closeTag(b, name)
}

// escapeText writes s escaped as xml.EscapeText does, without copying s
// when nothing in it needs escaping.
func escapeText(b *bytes.Buffer, s string) {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c > 0x7e || c == '"' || c == '\'' || c == '&' || c == '<' || c == '>' {
			xml.EscapeText(b, []byte(s))
			return
		}
	}
	b.WriteString(s)
}

func encodeFields(b *bytes.Buffer, v reflect.Value) {
	for _, f := range fieldsOf(v.Type()) {
		encodeMember(b, f.name, v.Field(f.index))
	}
}

// encodeMember writes <name>value</name>, or nothing for an absent member.
func encodeMember(b *bytes.Buffer, name string, v reflect.Value) {
	t := v.Type()
	if t == timeType {
		element(b, name, v.Interface().(timestamp.Time).ISO8601())
		return
	}
	switch t.Kind() {
	case reflect.Pointer, reflect.Interface:
		if v.IsNil() {
			return
		}
		encodeMember(b, name, v.Elem())
		return
	case reflect.Struct:
		openTag(b, name)
		encodeFields(b, v)
		closeTag(b, name)
		return
	case reflect.Slice:
		if v.IsNil() {
			return
		}
		if t.Elem().Kind() == reflect.Uint8 {
			element(b, name, base64.StdEncoding.EncodeToString(v.Bytes()))
			return
		}
		openTag(b, name)
		for i := 0; i < v.Len(); i++ {
			encodeMember(b, "member", v.Index(i))
		}
		closeTag(b, name)
		return
	case reflect.Map:
		if v.IsNil() {
			return
		}
		keys := v.MapKeys()
		sort.Slice(keys, func(i, j int) bool { return keys[i].String() < keys[j].String() })
		openTag(b, name)
		for _, k := range keys {
			b.WriteString("<entry>")
			encodeMember(b, "key", k)
			encodeMember(b, "value", v.MapIndex(k))
			b.WriteString("</entry>")
		}
		closeTag(b, name)
		return
	case reflect.String:
		if v.Len() == 0 {
			return
		}
		openTag(b, name)
		escapeText(b, v.String())
		closeTag(b, name)
		return
	case reflect.Bool:
		element(b, name, strconv.FormatBool(v.Bool()))
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		openTag(b, name)
		b.Write(strconv.AppendInt(b.AvailableBuffer(), v.Int(), 10))
		closeTag(b, name)
	case reflect.Float32, reflect.Float64:
		openTag(b, name)
		b.Write(strconv.AppendFloat(b.AvailableBuffer(), v.Float(), 'f', -1, 64))
		closeTag(b, name)
	}
}

// WriteError writes e as a Query error answer.
func WriteError(w http.ResponseWriter, namespace, requestID string, e *awserr.Error) error {
	var b bytes.Buffer
	b.WriteString(`<?xml version="1.0" encoding="UTF-8"?>` + "\n")
	b.WriteString(`<ErrorResponse xmlns="` + namespace + `"><Error><Type>` + e.Fault() + "</Type><Code>")
	xml.EscapeText(&b, []byte(e.Code))
	b.WriteString("</Code><Message>")
	xml.EscapeText(&b, []byte(e.Message))
	b.WriteString("</Message></Error><RequestId>" + requestID + "</RequestId></ErrorResponse>")
	h := w.Header()
	h.Set("Content-Type", "text/xml")
	h.Set("Content-Length", strconv.Itoa(b.Len()))
	w.WriteHeader(e.HTTPStatus())
	_, err := w.Write(b.Bytes())
	return err
}
