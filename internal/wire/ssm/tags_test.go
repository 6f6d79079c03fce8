// Copyright 2026 The kanri Authors
// SPDX-License-Identifier: Apache-2.0

package ssm

import (
	"reflect"
	"testing"
)

func TestTags(t *testing.T) {
	m := TagMap([]*Tag{{Key: "b", Value: "1"}, {Key: "a", Value: "2"}, {Key: "b", Value: "3"}})
	if !reflect.DeepEqual(m, map[string]string{"a": "2", "b": "3"}) {
		t.Errorf("TagMap = %v", m)
	}
	if TagMap(nil) != nil {
		t.Error("TagMap(nil) is not nil")
	}
	l := TagList(m)
	if len(l) != 2 || *l[0] != (Tag{Key: "a", Value: "2"}) || *l[1] != (Tag{Key: "b", Value: "3"}) {
		t.Errorf("TagList = %v, want a=2, b=3 in order", l)
	}
	if l := TagList(nil); l == nil || len(l) != 0 {
		t.Errorf("TagList(nil) = %#v, want an empty list", l)
	}
}
