// Copyright 2026 The kanri Authors
// SPDX-License-Identifier: Apache-2.0

package groups

import (
	"bytes"
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"unicode/utf8"

	rg "github.com/kanri-dev/kanri/internal/wire/resourcegroups"
)

// Resource types, as Resource Groups names them.
const (
	// ResourceTypeManagedInstance is the type of managed instances, the
	// resources kanri groups.
	ResourceTypeManagedInstance = "AWS::SSM::ManagedInstance"
	// ResourceTypeAllSupported stands for every type a query can select.
	ResourceTypeAllSupported = "AWS::AllSupported"
)

// The limits of a tag query, as AWS's.
const (
	maxTagFilters     = 50
	maxTagValues      = 20
	maxTagFilterKey   = 128
	maxTagFilterValue = 256
)

// resourceTypePattern is the form of a resource type in a query.
var resourceTypePattern = regexp.MustCompile(`^AWS::[a-zA-Z0-9]+::[a-zA-Z0-9]+$`)

// TagQuery is the query document of a TAG_FILTERS_1_0 resource query:
// resources of one of ResourceTypeFilters whose tags match every one of
// TagFilters.
type TagQuery struct {
	ResourceTypeFilters []string
	TagFilters          []TagFilter
}

// tagQueryJSON is a TagQuery as its document spells it.
type tagQueryJSON struct {
	ResourceTypeFilters []string `json:"ResourceTypeFilters"`
	TagFilters          []struct {
		Key    *string  `json:"Key"`
		Values []string `json:"Values"`
	} `json:"TagFilters"`
}

func invalidQuery(format string, args ...any) error {
	return rg.NewBadRequestException("Query not valid: %s", fmt.Sprintf(format, args...))
}

// ParseQuery checks a resource query and returns its tag query. Only
// TAG_FILTERS_1_0 queries are supported; a CloudFormation stack query, or
// a query that breaks the rules of its type, is a BadRequestException.
func ParseQuery(q ResourceQuery) (*TagQuery, error) {
	switch q.Type {
	case rg.QueryTypeTagFilters10:
	case rg.QueryTypeCloudformationStack10:
		return nil, rg.NewBadRequestException("Resource queries of type %s are not supported: kanri has no CloudFormation stacks. Use a %s query.",
			q.Type, rg.QueryTypeTagFilters10)
	default:
		return nil, rg.NewBadRequestException("Query type %s is not valid; use %s.", q.Type, rg.QueryTypeTagFilters10)
	}
	dec := json.NewDecoder(strings.NewReader(q.Query))
	dec.DisallowUnknownFields()
	var doc tagQueryJSON
	if err := dec.Decode(&doc); err != nil {
		return nil, invalidQuery("the query must be a JSON object with ResourceTypeFilters and TagFilters: %s",
			strings.TrimPrefix(err.Error(), "json: "))
	}
	if dec.More() {
		return nil, invalidQuery("unexpected data after the JSON object")
	}
	if bytes.TrimSpace([]byte(q.Query))[0] != '{' {
		return nil, invalidQuery("the query must be a JSON object")
	}
	tq := &TagQuery{}
	if len(doc.ResourceTypeFilters) == 0 {
		return nil, invalidQuery("ResourceTypeFilters must name at least one resource type, such as %s or %s",
			ResourceTypeManagedInstance, ResourceTypeAllSupported)
	}
	for _, t := range doc.ResourceTypeFilters {
		switch {
		case t == ResourceTypeAllSupported:
			if len(doc.ResourceTypeFilters) > 1 {
				return nil, invalidQuery("%s cannot be combined with other resource types", ResourceTypeAllSupported)
			}
		case !resourceTypePattern.MatchString(t):
			return nil, invalidQuery("resource type %q is not valid; resource types look like %s", t, ResourceTypeManagedInstance)
		}
		if !slices.Contains(tq.ResourceTypeFilters, t) {
			tq.ResourceTypeFilters = append(tq.ResourceTypeFilters, t)
		}
	}
	if len(doc.TagFilters) == 0 {
		return nil, invalidQuery("TagFilters must hold at least one tag filter")
	}
	if len(doc.TagFilters) > maxTagFilters {
		return nil, invalidQuery("TagFilters can hold at most %d tag filters, not %d", maxTagFilters, len(doc.TagFilters))
	}
	for i, f := range doc.TagFilters {
		if f.Key == nil || *f.Key == "" {
			return nil, invalidQuery("tag filter %d has no Key", i+1)
		}
		if n := utf8.RuneCountInString(*f.Key); n > maxTagFilterKey {
			return nil, invalidQuery("tag filter key %.20q… is longer than %d characters", *f.Key, maxTagFilterKey)
		}
		if len(f.Values) > maxTagValues {
			return nil, invalidQuery("tag filter %s can have at most %d values, not %d", *f.Key, maxTagValues, len(f.Values))
		}
		for _, v := range f.Values {
			if utf8.RuneCountInString(v) > maxTagFilterValue {
				return nil, invalidQuery("a value of tag filter %s is longer than %d characters", *f.Key, maxTagFilterValue)
			}
		}
		tq.TagFilters = append(tq.TagFilters, TagFilter{Key: *f.Key, Values: f.Values})
	}
	return tq, nil
}

// selects reports whether the query selects resources of type t.
func (q *TagQuery) selects(t string) bool {
	return slices.Contains(q.ResourceTypeFilters, t) || slices.Contains(q.ResourceTypeFilters, ResourceTypeAllSupported)
}

// unsupported returns the query's resource types of which kanri has no
// resources.
func (q *TagQuery) unsupported() []string {
	var out []string
	for _, t := range q.ResourceTypeFilters {
		if t != ResourceTypeManagedInstance && t != ResourceTypeAllSupported {
			out = append(out, t)
		}
	}
	return out
}
