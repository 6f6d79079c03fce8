// Copyright 2026 The kanri Authors
// SPDX-License-Identifier: Apache-2.0

package policy

import (
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/kanri-dev/kanri/internal/awserr"
)

func TestParseValid(t *testing.T) {
	tests := []struct {
		name    string
		kind    Kind
		doc     string
		version string
		sids    []string
		effects []Effect
	}{
		{
			name:    "statement as an object, strings for lists",
			doc:     `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}}`,
			version: Version2012, sids: []string{""}, effects: []Effect{Allow},
		},
		{
			name: "statement as an array, arrays for lists",
			doc: `{"Version":"2012-10-17","Statement":[
				{"Sid":"A1","Effect":"Allow","Action":["s3:GetObject","s3:PutObject"],"Resource":["arn:aws:s3:::b/*","arn:aws:s3:::b"]},
				{"Sid":"D1","Effect":"Deny","NotAction":["iam:*"],"NotResource":"arn:aws:iam::111122223333:user/x"}]}`,
			version: Version2012, sids: []string{"A1", "D1"}, effects: []Effect{Allow, Deny},
		},
		{
			name:    "absent Version means 2008-10-17",
			doc:     `{"Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}`,
			version: Version2008, sids: []string{""}, effects: []Effect{Allow},
		},
		{
			name:    "explicit 2008-10-17 and an Id",
			doc:     `{"Version":"2008-10-17","Id":"my policy","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}`,
			version: Version2008, sids: []string{""}, effects: []Effect{Allow},
		},
		{
			name: "condition values as string, number, boolean and arrays of them",
			doc: `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:ListBucket","Resource":"*","Condition":{
				"NumericLessThanEquals":{"s3:max-keys":10},
				"Bool":{"aws:SecureTransport":true},
				"StringLike":{"s3:prefix":["","home/","home/${aws:username}/"]},
				"ForAnyValue:StringEquals":{"aws:TagKeys":["a",1,false]}}}]}`,
			version: Version2012, sids: []string{""}, effects: []Effect{Allow},
		},
		{
			name: "every operator with IfExists and set qualifiers",
			doc: `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*","Condition":{
				"StringEqualsIfExists":{"a:b":"c"},"StringNotEqualsIgnoreCaseIfExists":{"a:b":"c"},
				"ForAllValues:StringLikeIfExists":{"a:b":"c*"},"ForAnyValue:NumericGreaterThan":{"a:n":"1.5"},
				"DateLessThanEquals":{"aws:CurrentTime":["2020-01-01","1577836800","2020-01-01T00:00:00.5+09:00"]},
				"BinaryEquals":{"a:bin":"QmluYXJ5VmFsdWVJbkJhc2U2NA=="},
				"IpAddress":{"aws:SourceIp":["203.0.113.0/24","2001:DB8:1234:5678::/64","198.51.100.7"]},
				"NotIpAddressIfExists":{"aws:SourceIp":"10.0.0.0/8"},
				"ArnLike":{"aws:SourceArn":"arn:aws:sns:*:111122223333:*"},"ArnNotEquals":{"aws:PrincipalArn":"not an arn"},
				"Null":{"aws:TokenIssueTime":"true"}}}]}`,
			version: Version2012, sids: []string{""}, effects: []Effect{Allow},
		},
		{
			name:    "empty Sid, as Terraform writes it",
			kind:    Trust,
			doc:     `{"Version":"2012-10-17","Statement":[{"Action":"sts:AssumeRole","Principal":{"Service":"ec2.amazonaws.com"},"Effect":"Allow","Sid":""}]}`,
			version: Version2012, sids: []string{""}, effects: []Effect{Allow},
		},
		{
			name: "OIDC trust policy",
			kind: Trust,
			doc: `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Federated":"arn:aws:iam::123456789012:oidc-provider/oidc.example.com/abc"},` +
				`"Action":"sts:AssumeRoleWithWebIdentity","Condition":{"StringEquals":{"oidc.example.com/abc:sub":"system:serviceaccount:ostoy:ostoy-sa"}}}]}`,
			version: Version2012, sids: []string{""}, effects: []Effect{Allow},
		},
		{
			name: "every principal form",
			kind: Resource,
			doc: `{"Version":"2012-10-17","Statement":[
				{"Sid":"a b","Effect":"Allow","Principal":"*","Action":"kms:*","Resource":"*"},
				{"Sid":"a b","Effect":"Allow","Principal":{"AWS":["123456789012","arn:aws:iam::123456789012:root","arn:aws:iam::123456789012:user/p/u",
					"arn:aws:iam::123456789012:role/r","arn:aws:sts::123456789012:assumed-role/r/s","arn:aws:sts::123456789012:federated-user/f",
					"AIDAJQABLZS4A3QDU576Q","*"],"Service":["ssm.amazonaws.com"],"Federated":"cognito-identity.amazonaws.com",
					"CanonicalUser":"79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be"},"Action":"kms:*"},
				{"Effect":"Deny","NotPrincipal":{"AWS":"arn:aws:iam::123456789012:root"},"Action":"kms:*","Resource":"*"}]}`,
			version: Version2012, sids: []string{"a b", "a b", ""}, effects: []Effect{Allow, Allow, Deny},
		},
		{
			name: "resource policies allow any Sid characters and duplicates",
			kind: Resource,
			doc: `{"Statement":[{"Sid":"Allow use of the key","Effect":"Allow","Principal":{"AWS":"123456789012"},"Action":"kms:*","Resource":"*"},` +
				`{"Sid":"Allow use of the key","Effect":"Allow","Principal":{"AWS":"123456789012"},"Action":"kms:*","Resource":"*"}]}`,
			version: Version2008, sids: []string{"Allow use of the key", "Allow use of the key"}, effects: []Effect{Allow, Allow},
		},
		{
			name:    "escapes and unicode in strings",
			doc:     "\ufeff{\"Statement\":[{\"Sid\":\"\",\"Effect\":\"Allow\",\"Action\":\"s3:Get\\u002a\",\"Resource\":\"arn:aws:s3:::b/\\u00e9t\\u00e9/\\ud83d\\ude00\\/x\"}]}",
			version: Version2008, sids: []string{""}, effects: []Effect{Allow},
		},
		{
			name:    "white space everywhere",
			doc:     " \r\n\t{ \"Statement\" :\n[ {\"Effect\" : \"Allow\" , \"Action\" : [ \"a:b\" ] , \"Resource\" : \"*\" } ] }\n ",
			version: Version2008, sids: []string{""}, effects: []Effect{Allow},
		},
		{
			name:    "resource with wildcards in every field",
			doc:     `{"Statement":{"Effect":"Allow","Action":"*","Resource":["arn:*:*:*:*:*","arn:aws:s3:::*","arn:aws:ssm:us-?-1:*:document/*"]}}`,
			version: Version2008, sids: []string{""}, effects: []Effect{Allow},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := Parse(tt.doc, tt.kind)
			if err != nil {
				t.Fatalf("Parse() error = %v, want nil", err)
			}
			if p.Version != tt.version {
				t.Errorf("Version = %q, want %q", p.Version, tt.version)
			}
			if p.Kind != tt.kind {
				t.Errorf("Kind = %v, want %v", p.Kind, tt.kind)
			}
			var sids []string
			var effects []Effect
			for _, st := range p.Statements {
				sids = append(sids, st.Sid)
				effects = append(effects, st.Effect)
			}
			if diff := cmp.Diff(tt.sids, sids); diff != "" {
				t.Errorf("Sids mismatch (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.effects, effects); diff != "" {
				t.Errorf("Effects mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		name string
		kind Kind
		doc  string
		want string
	}{
		// Invalid JSON: the line and column of the offending character.
		{
			name: "trailing comma in an array",
			doc:  "{\n  \"Version\": \"2012-10-17\",\n  \"Statement\": [\n    {\n      \"Effect\": \"Allow\",\n      \"Action\": [\"s3:GetObject\",\n    ]\n    }\n  ]\n}",
			want: `invalid JSON at line 7, column 5: unexpected ']' after ',' (trailing comma in array)`,
		},
		{
			name: "trailing comma in an object",
			doc:  "{\"Statement\": {\"Effect\": \"Allow\",\n}}",
			want: `invalid JSON at line 2, column 1: unexpected '}' after ',' (trailing comma in object)`,
		},
		{name: "empty document", doc: "", want: `invalid JSON at line 1, column 1: unexpected end of input, expected a value`},
		{name: "unterminated object", doc: `{"Statement": []`, want: `invalid JSON at line 1, column 17: unexpected end of input, expected ',' or '}'`},
		{name: "unterminated string", doc: `{"Statement`, want: `invalid JSON at line 1, column 12: unterminated string`},
		{name: "single quotes", doc: `{'Statement': []}`, want: `invalid JSON at line 1, column 2: unexpected '\'', expected a quoted key`},
		{name: "missing colon", doc: `{"Statement" []}`, want: `invalid JSON at line 1, column 14: unexpected '[', expected ':' after key "Statement"`},
		{name: "missing comma", doc: `{"Version": "2012-10-17" "Statement": []}`, want: `invalid JSON at line 1, column 26: unexpected '"', expected ',' or '}'`},
		{name: "garbage after the document", doc: `{"Statement": []} x`, want: `invalid JSON at line 1, column 19: unexpected 'x' after the top-level value`},
		{name: "bad literal", doc: `{"Statement": tru}`, want: `invalid JSON at line 1, column 15: unexpected 't', expected a value`},
		{name: "bad number", doc: `{"Statement": 01}`, want: `invalid JSON at line 1, column 16: unexpected '1', expected ',' or '}'`},
		{name: "bad escape", doc: `{"Statement": "\x"}`, want: `invalid JSON at line 1, column 16: invalid escape "\\x" in string`},
		{name: "control character in a string", doc: "{\"Sid\": \"a\tb\"}", want: `invalid JSON at line 1, column 11: invalid control character '\t' in string`},
		{name: "invalid UTF-8", doc: "{\"Sid\": \"a\xffb\"}", want: `invalid JSON at line 1, column 11: invalid UTF-8 in string`},
		{name: "column counts characters", doc: "{\"Id\": \"\u00e9\u00e9\", x}", want: `invalid JSON at line 1, column 14: unexpected 'x', expected a quoted key`},
		{name: "too long", doc: `{"Id":"` + strings.Repeat("x", 1<<20) + `"}`, want: `the policy document is longer than 1048576 bytes`},
		{name: "nesting too deep", doc: strings.Repeat("[", 100), want: `invalid JSON at line 1, column 65: nesting deeper than 64 levels`},
		{
			name: "duplicate key in a statement",
			doc:  "{\"Statement\": [{\n  \"Effect\": \"Allow\",\n  \"Effect\": \"Deny\"}]}",
			want: `invalid JSON at line 3, column 3: duplicate key "Effect"`,
		},
		{
			name: "duplicate key in a condition",
			doc:  `{"Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*", "Condition": {"StringEquals": {"a:b": "1", "a:b": "2"}}}]}`,
			want: `invalid JSON at line 1, column 111: duplicate key "a:b"`,
		},

		// The document's structure.
		{name: "not an object", doc: `[]`, want: `the policy document must be a JSON object, not a array`},
		{name: "missing Statement", doc: `{"Version": "2012-10-17"}`, want: `missing required field Statement`},
		{name: "empty Statement", doc: `{"Statement": []}`, want: `Statement: must contain at least one statement`},
		{name: "Statement of the wrong type", doc: `{"Statement": "x"}`, want: `Statement: must be an object or an array of objects, not a string`},
		{name: "unknown top-level element", doc: `{"Statement": {"Effect":"Allow","Action":"*","Resource":"*"}, "Foo": 1}`, want: `Foo: unknown policy element (want Version, Id or Statement)`},
		{name: "elements are case-sensitive", doc: `{"statement": {"Effect":"Allow","Action":"*","Resource":"*"}}`, want: `statement: unknown policy element (want Version, Id or Statement)`},
		{name: "unsupported Version", doc: `{"Version": "2012-10-18", "Statement": {}}`, want: `Version: unsupported version "2012-10-18" (want "2012-10-17" or "2008-10-17")`},
		{name: "Version not a string", doc: `{"Version": 2012, "Statement": {}}`, want: `Version: must be a string, not a number`},
		{name: "Id not a string", doc: `{"Id": [], "Statement": {}}`, want: `Id: must be a string, not a array`},
		{name: "statement not an object", doc: `{"Statement": [{"Effect":"Allow","Action":"*","Resource":"*"}, "x"]}`, want: `Statement[1]: must be a JSON object, not a string`},
		{name: "unknown statement element", doc: `{"Statement": [{"Effect":"Allow","Action":"*","Resource":"*","Resources":"*"}]}`, want: `Statement[0]: unknown statement element "Resources"`},
		{name: "missing Effect", doc: `{"Statement": [{"Action":"*","Resource":"*"}]}`, want: `Statement[0]: missing required field Effect`},
		{name: "invalid Effect", doc: `{"Statement": [{"Effect":"allow","Action":"*","Resource":"*"}]}`, want: `Statement[0].Effect: invalid effect "allow" (want "Allow" or "Deny")`},
		{name: "Effect not a string", doc: `{"Statement": [{"Effect":true,"Action":"*","Resource":"*"}]}`, want: `Statement[0].Effect: must be a string, not a boolean`},
		{name: "Sid not alphanumeric", doc: `{"Statement": [{"Sid":"my sid","Effect":"Allow","Action":"*","Resource":"*"}]}`, want: `Statement[0].Sid: invalid Sid "my sid": statement IDs (SID) must be alpha-numeric ([0-9A-Za-z]*)`},
		{name: "Sid not a string", doc: `{"Statement": [{"Sid":1,"Effect":"Allow","Action":"*","Resource":"*"}]}`, want: `Statement[0].Sid: must be a string, not a number`},
		{
			name: "duplicate Sid",
			doc:  `{"Statement": [{"Sid":"A","Effect":"Allow","Action":"*","Resource":"*"},{"Sid":"B","Effect":"Allow","Action":"*","Resource":"*"},{"Sid":"A","Effect":"Allow","Action":"*","Resource":"*"}]}`,
			want: `Statement[2].Sid: duplicate Sid "A" (also Statement[0]): statement IDs (SID) in a single policy must be unique`,
		},
		{name: "missing Action", doc: `{"Statement": [{"Effect":"Allow","Resource":"*"}]}`, want: `Statement[0]: Policy statement must contain actions.`},
		{name: "Action and NotAction", doc: `{"Statement": [{"Effect":"Allow","Action":"*","NotAction":"*","Resource":"*"}]}`, want: `Statement[0]: cannot have both Action and NotAction`},
		{name: "empty Action", doc: `{"Statement": [{"Effect":"Allow","Action":[],"Resource":"*"}]}`, want: `Statement[0].Action: must not be an empty array`},
		{name: "Action of the wrong type", doc: `{"Statement": [{"Effect":"Allow","Action":{"a":"b"},"Resource":"*"}]}`, want: `Statement[0].Action: must be a string or an array of strings, not a object`},
		{name: "Action element of the wrong type", doc: `{"Statement": [{"Effect":"Allow","Action":["a:b",3],"Resource":"*"}]}`, want: `Statement[0].Action[1]: must be a string, not a number`},
		{name: "action without vendor", doc: `{"Statement": [{"Effect":"Allow","Action":["s3:GetObject","GetObject"],"Resource":"*"}]}`, want: `Statement[0].Action[1]: invalid action "GetObject": actions must be prefaced by a vendor, e.g. "iam:GetUser", or be "*"`},
		{name: "action with two colons", doc: `{"Statement": [{"Effect":"Allow","NotAction":"s3:Get:Object","Resource":"*"}]}`, want: `Statement[0].NotAction[0]: invalid action "s3:Get:Object": an action can contain only one colon`},
		{name: "wildcard in the vendor", doc: `{"Statement": [{"Effect":"Allow","Action":"*:Untag*","Resource":"*"}]}`, want: `Statement[0].Action[0]: invalid action "*:Untag*": action vendors (e.g. iam, ec2) must not contain wildcards`},
		{name: "empty action name", doc: `{"Statement": [{"Effect":"Allow","Action":"s3:","Resource":"*"}]}`, want: `Statement[0].Action[0]: invalid action "s3:": missing the action name after the colon`},
		{name: "invalid character in the vendor", doc: `{"Statement": [{"Effect":"Allow","Action":"s_3:Get","Resource":"*"}]}`, want: `Statement[0].Action[0]: invalid action "s_3:Get": invalid character '_' in the vendor`},
		{name: "missing Resource in an identity policy", doc: `{"Statement": [{"Effect":"Allow","Action":"*"}]}`, want: `Statement[0]: Policy statement must contain resources.`},
		{name: "Resource and NotResource", doc: `{"Statement": [{"Effect":"Allow","Action":"*","Resource":"*","NotResource":"*"}]}`, want: `Statement[0]: cannot have both Resource and NotResource`},
		{name: "resource not an ARN", doc: `{"Statement": [{"Effect":"Allow","Action":"*","Resource":["*","mybucket"]}]}`, want: `Statement[0].Resource[1]: invalid resource "mybucket": must be "*" or an ARN (arn:partition:service:region:account:resource)`},
		{name: "resource with too few fields", doc: `{"Statement": [{"Effect":"Allow","Action":"*","NotResource":"arn:aws:s3::b"}]}`, want: `Statement[0].NotResource[0]: invalid resource "arn:aws:s3::b": must be "*" or an ARN (arn:partition:service:region:account:resource)`},
		{name: "resource with empty service", doc: `{"Statement": [{"Effect":"Allow","Action":"*","Resource":"arn:aws::::x"}]}`, want: `Statement[0].Resource[0]: invalid resource "arn:aws::::x": the partition and service must not be empty`},
		{name: "other partition", doc: `{"Statement": [{"Effect":"Allow","Action":"*","Resource":"arn:aws-cn:ssm:*:*:parameter/aws/service/*"}]}`, want: `Statement[0].Resource[0]: Partition "aws-cn" is not valid for resource "arn:aws-cn:ssm:*:*:parameter/aws/service/*".`},
		{name: "IAM resource with a region", doc: `{"Statement": [{"Effect":"Allow","Action":"*","Resource":["arn:aws:iam::111122223333:role/*","arn:aws:iam:us-east-1:111122223333:role/*"]}]}`, want: `Statement[0].Resource[1]: IAM resource arn:aws:iam:us-east-1:111122223333:role/* cannot contain region information.`},
		{name: "Principal in an identity policy", doc: `{"Statement": [{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*"}]}`, want: `Statement[0].Principal: Policy document should not specify a principal.`},
		{name: "NotPrincipal in an identity policy", doc: `{"Statement": [{"Effect":"Deny","NotPrincipal":"*","Action":"*","Resource":"*"}]}`, want: `Statement[0].NotPrincipal: Policy document should not specify a principal.`},
		{name: "missing Principal in a resource policy", kind: Resource, doc: `{"Statement": [{"Effect":"Allow","Action":"*","Resource":"*"}]}`, want: `Statement[0]: missing required field Principal`},
		{name: "missing Principal in a trust policy", kind: Trust, doc: `{"Statement": [{"Effect":"Allow","Action":"sts:AssumeRole"}]}`, want: `Statement[0]: missing required field Principal`},
		{name: "Principal and NotPrincipal", kind: Resource, doc: `{"Statement": [{"Effect":"Allow","Principal":"*","NotPrincipal":"*","Action":"*"}]}`, want: `Statement[0]: cannot have both Principal and NotPrincipal`},
		{name: "Resource in a trust policy", kind: Trust, doc: `{"Statement": [{"Effect":"Allow","Principal":"*","Action":"sts:AssumeRole","Resource":"*"}]}`, want: `Statement[0].Resource: trust policies must not specify a resource (has prohibited field Resource)`},
		{name: "principal string other than *", kind: Resource, doc: `{"Statement": [{"Effect":"Allow","Principal":"123456789012","Action":"*"}]}`, want: `Statement[0].Principal: Invalid principal in policy: "123456789012" (want "*" or an object such as {"AWS": ...})`},
		{name: "unknown principal type", kind: Resource, doc: `{"Statement": [{"Effect":"Allow","Principal":{"IAM":"x"},"Action":"*"}]}`, want: `Statement[0].Principal: Invalid principal in policy: unknown principal type "IAM" (want AWS, Service, Federated or CanonicalUser)`},
		{name: "empty principal object", kind: Resource, doc: `{"Statement": [{"Effect":"Allow","Principal":{},"Action":"*"}]}`, want: `Statement[0].Principal: must name at least one principal`},
		{name: "principal of the wrong type", kind: Resource, doc: `{"Statement": [{"Effect":"Allow","Principal":["*"],"Action":"*"}]}`, want: `Statement[0].Principal: must be "*" or a JSON object, not a array`},
		{name: "invalid AWS principal", kind: Resource, doc: `{"Statement": [{"Effect":"Allow","Principal":{"AWS":["123456789012","bob"]},"Action":"*"}]}`, want: `Statement[0].Principal.AWS: Invalid principal in policy: "bob" is not an account ID or the ARN of an account, user, role or session`},
		{name: "wildcard in a principal ARN", kind: Resource, doc: `{"Statement": [{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:user/*"},"Action":"*"}]}`, want: `Statement[0].Principal.AWS: Invalid principal in policy: "arn:aws:iam::123456789012:user/*" is not an account ID or the ARN of an account, user, role or session`},
		{name: "short account ID", kind: Resource, doc: `{"Statement": [{"Effect":"Allow","Principal":{"AWS":"12345"},"Action":"*"}]}`, want: `Statement[0].Principal.AWS: Invalid principal in policy: "12345" is not an account ID or the ARN of an account, user, role or session`},
		{name: "principal ARN of another service", kind: Resource, doc: `{"Statement": [{"Effect":"Allow","Principal":{"AWS":"arn:aws:s3:::bucket"},"Action":"*"}]}`, want: `Statement[0].Principal.AWS: Invalid principal in policy: "arn:aws:s3:::bucket" is not an account ID or the ARN of an account, user, role or session`},
		{name: "wildcard service principal", kind: Trust, doc: `{"Statement": [{"Effect":"Allow","Principal":{"Service":"*.amazonaws.com"},"Action":"sts:AssumeRole"}]}`, want: `Statement[0].Principal.Service: Invalid principal in policy: invalid service principal "*.amazonaws.com"`},
		{name: "empty federated principal", kind: Trust, doc: `{"Statement": [{"Effect":"Allow","Principal":{"Federated":""},"Action":"sts:AssumeRoleWithWebIdentity"}]}`, want: `Statement[0].Principal.Federated: Invalid principal in policy: invalid federated principal ""`},
		{name: "principal values of the wrong type", kind: Resource, doc: `{"Statement": [{"Effect":"Allow","Principal":{"AWS":123456789012},"Action":"*"}]}`, want: `Statement[0].Principal.AWS: must be a string or an array of strings, not a number`},

		// Conditions.
		{name: "unknown operator", doc: `{"Statement":[{"Effect":"Allow","Action":"*","Resource":"*"},{"Effect":"Allow","Action":"*","Resource":"*"},{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"StringEqualz":{"a:b":"c"}}}]}`, want: `Statement[2].Condition: unknown operator "StringEqualz"`},
		{name: "operators are case-sensitive", doc: `{"Statement":[{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"stringequals":{"a:b":"c"}}}]}`, want: `Statement[0].Condition: unknown operator "stringequals"`},
		{name: "unknown set qualifier", doc: `{"Statement":[{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"ForSomeValues:StringEquals":{"a:b":"c"}}}]}`, want: `Statement[0].Condition: unknown operator "ForSomeValues:StringEquals"`},
		{name: "NullIfExists", doc: `{"Statement":[{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"NullIfExists":{"a:b":"true"}}}]}`, want: `Statement[0].Condition: invalid operator "NullIfExists": Null takes no IfExists suffix or set qualifier`},
		{name: "ForAllValues:Null", doc: `{"Statement":[{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"ForAllValues:Null":{"a:b":"true"}}}]}`, want: `Statement[0].Condition: invalid operator "ForAllValues:Null": Null takes no IfExists suffix or set qualifier`},
		{name: "Condition not an object", doc: `{"Statement":[{"Effect":"Allow","Action":"*","Resource":"*","Condition":[]}]}`, want: `Statement[0].Condition: must be a JSON object, not a array`},
		{name: "operator value not an object", doc: `{"Statement":[{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"StringEquals":"x"}}]}`, want: `Statement[0].Condition.StringEquals: must be a JSON object of condition keys, not a string`},
		{name: "condition key without vendor", doc: `{"Statement":[{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"StringEquals":{"username":"x"}}}]}`, want: `Statement[0].Condition.StringEquals["username"]: invalid condition key "username": condition keys must be prefaced by a vendor, e.g. "aws:SourceIp"`},
		{name: "empty condition values", doc: `{"Statement":[{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"StringEquals":{"aws:username":[]}}}]}`, want: `Statement[0].Condition.StringEquals["aws:username"]: must not be an empty array`},
		{name: "null condition value", doc: `{"Statement":[{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"StringEquals":{"aws:username":null}}}]}`, want: `Statement[0].Condition.StringEquals["aws:username"]: must be a string, number or boolean or an array of them, not a null`},
		{name: "nested condition value", doc: `{"Statement":[{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"StringEquals":{"aws:username":["a",["b"]]}}}]}`, want: `Statement[0].Condition.StringEquals["aws:username"][1]: must be a string, number or boolean, not a array`},
		{name: "invalid number", doc: `{"Statement":[{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"NumericLessThan":{"s3:max-keys":"ten"}}}]}`, want: `Statement[0].Condition.NumericLessThan["s3:max-keys"]: invalid number "ten"`},
		{name: "hexadecimal number", doc: `{"Statement":[{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"NumericEquals":{"s3:max-keys":"0x10"}}}]}`, want: `Statement[0].Condition.NumericEquals["s3:max-keys"]: invalid number "0x10"`},
		{name: "invalid date", doc: `{"Statement":[{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"DateGreaterThan":{"aws:CurrentTime":"2020-13-01"}}}]}`, want: `Statement[0].Condition.DateGreaterThan["aws:CurrentTime"]: invalid date "2020-13-01": want an ISO 8601 date or epoch seconds`},
		{name: "invalid boolean", doc: `{"Statement":[{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"Bool":{"aws:SecureTransport":"yes"}}}]}`, want: `Statement[0].Condition.Bool["aws:SecureTransport"]: invalid boolean "yes": want "true" or "false"`},
		{name: "invalid base64", doc: `{"Statement":[{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"BinaryEquals":{"a:b":"not base64!"}}}]}`, want: `Statement[0].Condition.BinaryEquals["a:b"]: invalid base64 value "not base64!"`},
		{name: "invalid CIDR", doc: `{"Statement":[{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"IpAddress":{"aws:SourceIp":["10.0.0.0/8","10.0.0.300/24"]}}}]}`, want: `Statement[0].Condition.IpAddress["aws:SourceIp"]: invalid IP address or CIDR block "10.0.0.300/24"`},
		{name: "invalid Null value", doc: `{"Statement":[{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"Null":{"aws:TokenIssueTime":"maybe"}}}]}`, want: `Statement[0].Condition.Null["aws:TokenIssueTime"]: invalid Null value "maybe": want "true" or "false"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := Parse(tt.doc, tt.kind)
			if err == nil {
				t.Fatalf("Parse() = %+v, want error %q", p, tt.want)
			}
			ae := awserr.As(err)
			if ae == nil {
				t.Fatalf("Parse() error = %T %v, want *awserr.Error", err, err)
			}
			if ae.Code != "MalformedPolicyDocument" || !errors.Is(err, awserr.Invalid) {
				t.Errorf("Parse() error code, kind = %q, %v, want MalformedPolicyDocument, invalid", ae.Code, ae.Kind)
			}
			if ae.Message != tt.want {
				t.Errorf("Parse() error message = %q, want %q", ae.Message, tt.want)
			}
		})
	}
}

// TestParseCloudFormationTrailingComma parses a policy cut from a
// CloudFormation template that, like many written by hand, has a comma
// after the last element of a list.
func TestParseCloudFormationTrailingComma(t *testing.T) {
	doc := `{
                    "Statement":
                   [
                        {
                            "Action":
                           [
                                "aws-marketplace:Subscribe",
                                "aws-marketplace:Unsubscribe",
                                "aws-marketplace:ViewSubscriptions",
                            ],
                            "Effect": "Allow",
                            "Resource": "*"
                        }
                    ],
                    "Version": "2012-10-17"
}`
	_, err := Parse(doc, Identity)
	want := `MalformedPolicyDocument: invalid JSON at line 10, column 29: unexpected ']' after ',' (trailing comma in array)`
	if err == nil || err.Error() != want {
		t.Fatalf("Parse() error = %v, want %s", err, want)
	}
	fixed := strings.Replace(doc, `"aws-marketplace:ViewSubscriptions",`, `"aws-marketplace:ViewSubscriptions"`, 1)
	p, err := Parse(fixed, Identity)
	if err != nil {
		t.Fatalf("Parse(fixed) error = %v", err)
	}
	if got := len(p.Statements[0].actions); got != 3 {
		t.Errorf("Parse(fixed) has %d actions, want 3", got)
	}
}

func TestStatementPositions(t *testing.T) {
	// Columns count characters: "é" is one column though two bytes.
	doc := "{\n  \"Version\": \"2012-10-17\",\n  \"Statement\": [\n    {\"Effect\": \"Allow\", \"Action\": \"*\", \"Resource\": \"arn:aws:s3:::\u00e9\"},\n" +
		"    {\n      \"Sid\": \"E\",\n      \"Effect\": \"Deny\", \"Action\": \"*\", \"Resource\": \"*\"\n    }\n  ]\n}"
	p, err := Parse(doc, Identity)
	if err != nil {
		t.Fatalf("Parse() error = %v", err)
	}
	type span struct{ Start, End Position }
	var got []span
	for _, st := range p.Statements {
		got = append(got, span{st.Start, st.End})
	}
	want := []span{
		{Position{4, 5}, Position{4, 68}},
		{Position{5, 5}, Position{8, 5}},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("statement positions mismatch (-want +got):\n%s", diff)
	}
}

func TestContextKeys(t *testing.T) {
	doc := `{"Version":"2012-10-17","Statement":[
		{"Effect":"Allow","Action":"s3:*","Resource":"arn:aws:s3:::b/${aws:username}/*","Condition":{"StringEquals":{"aws:PrincipalTag/team":"${aws:PrincipalTag/team}"}}},
		{"Effect":"Deny","Action":"*","Resource":"*","Condition":{"NotIpAddress":{"aws:SourceIp":"10.0.0.0/8"},"Bool":{"AWS:SecureTransport":"false","aws:securetransport":"false"}}}]}`
	p, err := Parse(doc, Identity)
	if err != nil {
		t.Fatalf("Parse() error = %v", err)
	}
	want := []string{"aws:PrincipalTag/team", "AWS:SecureTransport", "aws:SourceIp", "aws:username"}
	if diff := cmp.Diff(want, p.ContextKeys()); diff != "" {
		t.Errorf("ContextKeys() mismatch (-want +got):\n%s", diff)
	}
	// Version 2008-10-17 has no variables.
	p, err = Parse(strings.Replace(doc, `"Version":"2012-10-17",`, "", 1), Identity)
	if err != nil {
		t.Fatalf("Parse() error = %v", err)
	}
	want = []string{"aws:PrincipalTag/team", "AWS:SecureTransport", "aws:SourceIp"}
	if diff := cmp.Diff(want, p.ContextKeys()); diff != "" {
		t.Errorf("ContextKeys() of 2008-10-17 mismatch (-want +got):\n%s", diff)
	}
}
