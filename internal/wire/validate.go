// Copyright 2026 The kanri Authors
// SPDX-License-Identifier: Apache-2.0

package wire

import (
	"fmt"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/kanri-dev/kanri/internal/awserr"
	"github.com/kanri-dev/kanri/internal/timestamp"
)

// Validator collects the violations of a model's constraints found while
// checking one input, and turns them into the error AWS answers with:
//
//	2 validation errors detected: Value null at 'name' failed to satisfy
//	constraint: Member must not be null; Value 'x' at 'tier' failed to
//	satisfy constraint: Member must satisfy enum value set: [Standard, Advanced]
//
// Paths name members as AWS does: the member name with a lower-case first
// letter, nested with dots, list members as "<list>.<N>.member" counting
// from 1, map values as "<map>.<key>". A nil *Validator records nothing,
// so that checks can also serve as predicates. A Validator is not safe for
// concurrent use.
type Validator struct {
	code string
	msgs []string
}

// NewValidator returns a Validator whose error has the given code:
// "ValidationException" for JSON services, "ValidationError" for Query
// services.
func NewValidator(code string) *Validator {
	return &Validator{code: code}
}

// Null records that the required member at path is missing.
func (v *Validator) Null(path string) {
	if v == nil {
		return
	}
	v.msgs = append(v.msgs, "Value null at '"+path+"' failed to satisfy constraint: Member must not be null")
}

// Fail records that value, at path, breaks constraint (a statement such as
// "Member must have length less than or equal to 50"). If hide is set, as
// it is for sensitive members, the value is left out of the message the
// way AWS leaves it out: "Value at 'password' failed to satisfy …".
func (v *Validator) Fail(path string, value any, hide bool, constraint string) {
	if v == nil {
		return
	}
	var msg string
	if hide {
		msg = "Value at '" + path + "' failed to satisfy constraint: " + constraint
	} else {
		msg = "Value '" + Format(value) + "' at '" + path + "' failed to satisfy constraint: " + constraint
	}
	v.msgs = append(v.msgs, msg)
}

// Err returns nil if nothing was recorded, else an *awserr.Error of kind
// awserr.Invalid listing every violation in the order they were found.
func (v *Validator) Err() error {
	if v == nil {
		return nil
	}
	switch len(v.msgs) {
	case 0:
		return nil
	case 1:
		return awserr.New(awserr.Invalid, v.code, "1 validation error detected: "+v.msgs[0])
	default:
		return awserr.New(awserr.Invalid, v.code,
			strconv.Itoa(len(v.msgs))+" validation errors detected: "+strings.Join(v.msgs, "; "))
	}
}

// Join returns the path of member name inside the structure at path.
func Join(path, name string) string {
	if path == "" {
		return name
	}
	return path + "." + name
}

// Item returns the path of the i'th (from 0) member of the list at path,
// as AWS spells it: "targets.1.member".
func Item(path string, i int) string {
	return path + "." + strconv.Itoa(i+1) + ".member"
}

// Key returns the path of the value of key in the map at path.
func Key(path, key string) string {
	return path + "." + key
}

var timeType = reflect.TypeFor[timestamp.Time]()

// Format returns value as AWS's validation messages show it, which is how
// Java prints it: strings as they are, lists as "[a, b]", maps as
// "{k=v}", structures as "Shape(member=value, …)", absent values as
// "null", blobs as "java.nio.HeapByteBuffer[pos=0 lim=N cap=N]". Members
// tagged sensitive:"true" show as "***".
func Format(value any) string {
	var b strings.Builder
	format(&b, reflect.ValueOf(value))
	return b.String()
}

func format(b *strings.Builder, v reflect.Value) {
	if !v.IsValid() {
		b.WriteString("null")
		return
	}
	if v.Type() == timeType {
		// java.util.Date's toString, in UTC.
		b.WriteString(v.Interface().(timestamp.Time).Time().UTC().Format("Mon Jan 02 15:04:05 MST 2006"))
		return
	}
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		if v.IsNil() {
			b.WriteString("null")
			return
		}
		format(b, v.Elem())
	case reflect.String:
		b.WriteString(v.String())
	case reflect.Bool:
		b.WriteString(strconv.FormatBool(v.Bool()))
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		b.WriteString(strconv.FormatInt(v.Int(), 10))
	case reflect.Float32, reflect.Float64:
		s := strconv.FormatFloat(v.Float(), 'f', -1, 64)
		if !strings.ContainsAny(s, ".eEnN") {
			s += ".0" // as Java's Double.toString
		}
		b.WriteString(s)
	case reflect.Slice:
		if v.IsNil() {
			b.WriteString("null")
			return
		}
		if v.Type().Elem().Kind() == reflect.Uint8 {
			fmt.Fprintf(b, "java.nio.HeapByteBuffer[pos=0 lim=%d cap=%d]", v.Len(), v.Len())
			return
		}
		b.WriteByte('[')
		for i := range v.Len() {
			if i > 0 {
				b.WriteString(", ")
			}
			format(b, v.Index(i))
		}
		b.WriteByte(']')
	case reflect.Map:
		if v.IsNil() {
			b.WriteString("null")
			return
		}
		keys := v.MapKeys()
		slices.SortFunc(keys, func(a, c reflect.Value) int { return strings.Compare(a.String(), c.String()) })
		b.WriteByte('{')
		for i, k := range keys {
			if i > 0 {
				b.WriteString(", ")
			}
			format(b, k)
			b.WriteByte('=')
			format(b, v.MapIndex(k))
		}
		b.WriteByte('}')
	case reflect.Struct:
		t := v.Type()
		b.WriteString(t.Name())
		b.WriteByte('(')
		for i := range t.NumField() {
			sf := t.Field(i)
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(lowerFirst(sf.Name))
			b.WriteByte('=')
			if sf.Tag.Get("sensitive") == "true" {
				b.WriteString("***")
				continue
			}
			f := v.Field(i)
			if f.Kind() == reflect.String && f.String() == "" {
				b.WriteString("null") // an absent string member
				continue
			}
			format(b, f)
		}
		b.WriteByte(')')
	default:
		fmt.Fprint(b, v.Interface())
	}
}

func lowerFirst(s string) string {
	r, n := utf8.DecodeRuneInString(s)
	return string(unicode.ToLower(r)) + s[n:]
}
