// Copyright 2026 The kanri Authors
// SPDX-License-Identifier: Apache-2.0

package params

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/kanri-dev/kanri/internal/awserr"
	"github.com/kanri-dev/kanri/internal/iam"
	ssm "github.com/kanri-dev/kanri/internal/wire/ssm"
)

// maxPutAttempts bounds how often PutParameter starts over when another
// request changed the parameter between its read and its write.
const maxPutAttempts = 5

// maxPolicies is how many policies a parameter can have.
const maxPolicies = 10

// The policy types Parameter Store knows.
const (
	policyExpiration             = "Expiration"
	policyExpirationNotification = "ExpirationNotification"
	policyNoChangeNotification   = "NoChangeNotification"
)

func formatInt(n int64) string { return strconv.FormatInt(n, 10) }

// compilePattern compiles an AllowedPattern, which a value must match
// whole.
func compilePattern(pattern string) (*regexp.Regexp, error) {
	if _, err := regexp.Compile(pattern); err != nil {
		return nil, ssm.NewInvalidAllowedPatternException("The allowed pattern %s is not a valid regular expression: %v", pattern, err)
	}
	return regexp.Compile(`^(?:` + pattern + `)$`)
}

// checkValue applies the rules of values that do not depend on the tier:
// no nested parameter reference, and the allowed pattern, if any. Its
// errors never show the value.
func checkValue(value, pattern string) error {
	if i := strings.Index(value, "{{"); i >= 0 && strings.Contains(value[i+2:], "}}") {
		return ssm.NewValidationException(`Parameter value can't nest another parameter. Do not use "{{}}" in the value.`)
	}
	if pattern == "" {
		return nil
	}
	re, err := compilePattern(pattern)
	if err != nil {
		return err
	}
	if !re.MatchString(value) {
		return ssm.NewParameterPatternMismatchException("Parameter value, cannot be validated against allowedPattern: %s", pattern)
	}
	return nil
}

// policy is one parameter policy as PutParameter takes it.
type policy struct {
	Type       string          `json:"Type"`
	Version    string          `json:"Version"`
	Attributes json.RawMessage `json:"Attributes"`
}

// parsePolicies checks the Policies of a request, a JSON array of
// policies, and returns them as given, one JSON text each.
func parsePolicies(text string) ([]json.RawMessage, error) {
	var raw []json.RawMessage
	if err := json.Unmarshal([]byte(text), &raw); err != nil {
		return nil, ssm.NewInvalidPolicyAttributeException("Policies must be a JSON array of policies, each with Type, Version and Attributes.")
	}
	if len(raw) > maxPolicies {
		return nil, ssm.NewPoliciesLimitExceededException("A parameter can have at most %d policies, not %d.", maxPolicies, len(raw))
	}
	seen := map[string]bool{}
	for _, r := range raw {
		var p policy
		if err := json.Unmarshal(r, &p); err != nil {
			return nil, ssm.NewInvalidPolicyAttributeException("Policies must be a JSON array of policies, each with Type, Version and Attributes.")
		}
		switch p.Type {
		case policyExpiration, policyExpirationNotification, policyNoChangeNotification:
		default:
			return nil, ssm.NewInvalidPolicyTypeException("The policy type %q isn't supported. Parameter Store supports the following policy types: "+
				"Expiration, ExpirationNotification, and NoChangeNotification.", p.Type)
		}
		if seen[p.Type] {
			return nil, ssm.NewIncompatiblePolicyException("There is a conflict in the policies specified for this parameter: "+
				"there are two %s policies. Review your policies, and try again.", p.Type)
		}
		seen[p.Type] = true
		if p.Version != "1.0" {
			return nil, ssm.NewInvalidPolicyAttributeException("The %s policy's Version %q is not valid: use 1.0.", p.Type, p.Version)
		}
		if err := checkPolicyAttributes(p); err != nil {
			return nil, err
		}
	}
	return raw, nil
}

// checkPolicyAttributes checks a policy's Attributes: Timestamp for
// Expiration; Before or After, and Unit (Days or Hours), for the
// notifications.
func checkPolicyAttributes(p policy) error {
	var attrs map[string]string
	if err := json.Unmarshal(p.Attributes, &attrs); err != nil || attrs == nil {
		return ssm.NewInvalidPolicyAttributeException("The %s policy's Attributes must be an object of strings.", p.Type)
	}
	number := func(name string) error {
		if n, err := strconv.Atoi(attrs[name]); err != nil || n < 1 {
			return ssm.NewInvalidPolicyAttributeException("The %s policy's %s attribute must be a positive whole number, not %q.", p.Type, name, attrs[name])
		}
		if u := attrs["Unit"]; u != "Days" && u != "Hours" {
			return ssm.NewInvalidPolicyAttributeException("The %s policy's Unit attribute must be Days or Hours, not %q.", p.Type, u)
		}
		return nil
	}
	switch p.Type {
	case policyExpiration:
		if _, err := policyTime(attrs["Timestamp"]); err != nil {
			return ssm.NewInvalidPolicyAttributeException("The Expiration policy's Timestamp attribute must be an ISO 8601 time, "+
				"such as 2030-12-02T21:34:33.000Z, not %q.", attrs["Timestamp"])
		}
	case policyExpirationNotification:
		return number("Before")
	case policyNoChangeNotification:
		return number("After")
	}
	return nil
}

// policyTime parses an Expiration policy's Timestamp, which AWS takes in
// Java's ISO_INSTANT or ISO_OFFSET_DATE_TIME form: RFC 3339, or with an
// offset that has seconds too (2019-11-01T22:13:48.87+10:30:00, AWS's own
// example).
func policyTime(s string) (time.Time, error) {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		if t2, err2 := time.Parse("2006-01-02T15:04:05.999999999-07:00:00", s); err2 == nil {
			return t2, nil
		}
	}
	return t, err
}

// expiration returns when a parameter with policies (as parsePolicies
// accepted them) expires: its Expiration policy's Timestamp, or the zero
// time for none.
func expiration(policies string) time.Time {
	var raw []policy
	if policies == "" || json.Unmarshal([]byte(policies), &raw) != nil {
		return time.Time{}
	}
	for _, p := range raw {
		if p.Type != policyExpiration {
			continue
		}
		var attrs map[string]string
		json.Unmarshal(p.Attributes, &attrs)
		if t, err := policyTime(attrs["Timestamp"]); err == nil {
			return t.UTC()
		}
	}
	return time.Time{}
}

// policyShapes returns a parameter's stored policies as the API shows
// them. Each is Pending: an Expiration policy until the parameter is
// deleted (see ExpireDue), the notifications always, for kanri sends
// none.
func policyShapes(text string) []*ssm.ParameterInlinePolicy {
	if text == "" {
		return nil
	}
	var raw []json.RawMessage
	if json.Unmarshal([]byte(text), &raw) != nil {
		return nil
	}
	out := make([]*ssm.ParameterInlinePolicy, 0, len(raw))
	for _, r := range raw {
		var p policy
		json.Unmarshal(r, &p)
		out = append(out, &ssm.ParameterInlinePolicy{PolicyText: string(r), PolicyType: p.Type, PolicyStatus: "Pending"})
	}
	return out
}

// tier returns the tier a version is stored in: the one asked for, or
// with Intelligent-Tiering the one it needs, never going back from
// Advanced to Standard. It checks the value's size and policies against
// the tier.
func tier(asked string, cur *Parameter, size int, policies bool) (string, error) {
	wasAdvanced := cur != nil && cur.Version.Tier == TierAdvanced
	t := TierStandard
	switch asked {
	case TierAdvanced:
		t = TierAdvanced
	case TierIntelligent:
		if wasAdvanced || size > MaxStandardValue || policies {
			t = TierAdvanced
		}
	case TierStandard:
		if wasAdvanced {
			return "", ssm.NewValidationException("This parameter uses the advanced-parameter tier. You can't downgrade a parameter from the " +
				"advanced-parameter tier to the standard-parameter tier. If necessary, you can delete the advanced parameter and " +
				"recreate it as a standard parameter.")
		}
	default: // not asked: the default tier, Standard, unless it was Advanced
		if wasAdvanced {
			t = TierAdvanced
		}
	}
	switch {
	case t == TierStandard && size > MaxStandardValue:
		return "", ssm.NewValidationException("Standard tier parameters support a maximum parameter value of %d characters. To create a larger "+
			"parameter value, upgrade the parameter to use the advanced-parameter tier. For more information, see "+
			"https://docs.aws.amazon.com/systems-manager/latest/userguide/parameter-store-advanced-parameters.html", MaxStandardValue)
	case t == TierAdvanced && size > MaxAdvancedValue:
		return "", ssm.NewValidationException("The specified parameter value is too large. Advanced-tier parameters support a maximum "+
			"parameter value of %d characters.", MaxAdvancedValue)
	case t == TierStandard && policies:
		return "", ssm.NewValidationException("You can't assign parameter policies to a standard-parameter tier. " +
			"Use the advanced-parameter tier (Tier Advanced or Intelligent-Tiering).")
	}
	return t, nil
}

// checkTags checks the tags of a request and returns them as a map.
func checkTags(tags []*ssm.Tag) (map[string]string, error) {
	if len(tags) == 0 {
		return nil, nil
	}
	m := make(map[string]string, len(tags))
	for _, t := range tags {
		if strings.HasPrefix(strings.ToLower(t.Key), "aws:") {
			return nil, ssm.NewInvalidTag("Tag keys starting with aws: are reserved.")
		}
		m[t.Key] = t.Value
	}
	if len(m) > MaxTags {
		return nil, ssm.NewTooManyTagsError("A parameter can have at most %d tags, not %d.", MaxTags, len(m))
	}
	return m, nil
}

// checkDataType refuses data types other than text: kanri has no EC2
// images to check aws:ec2:image values against.
func checkDataType(dataType string) error {
	switch dataType {
	case "", DataTypeText:
		return nil
	case "aws:ec2:image", "aws:ssm:integration":
		return ssm.NewValidationException("The data type %s is not supported by kanri: it stores text parameters only. "+
			"Use the data type text.", dataType)
	}
	return ssm.NewValidationException("The following data type is not supported: %s (Data type names are all lowercase.)", dataType)
}

// PutParameter creates a parameter, or with Overwrite adds a version to
// one; creating one with Tags also needs ssm:AddTagsToResource. The
// attributes an overwrite leaves out (type, description, allowed pattern,
// key, data type, policies) keep their value; the tier never goes back
// from Advanced to Standard. A SecureString value is encrypted under its
// key, with the parameter's ARN as encryption context, before it is
// stored. Once a parameter has 100 versions, a new one deletes the
// oldest, unless it has a label (ParameterMaxVersionLimitExceeded).
// Concurrent puts of one parameter that keep colliding end in
// TooManyUpdates.
func (s *Service) PutParameter(ctx context.Context, in *ssm.PutParameterInput) (*ssm.PutParameterOutput, error) {
	name := strings.TrimSpace(in.Name)
	if err := s.checkNewName(name); err != nil {
		return nil, err
	}
	overwrite := in.Overwrite != nil && *in.Overwrite
	if overwrite && len(in.Tags) > 0 {
		return nil, ssm.NewValidationException("Invalid request: tags and overwrite can't be used together. To create a parameter with " +
			"tags, please remove overwrite flag. To update tags for an existing parameter, please use AddTagsToResource or " +
			"RemoveTagsFromResource.")
	}
	if err := checkDataType(in.DataType); err != nil {
		return nil, err
	}
	tags, err := checkTags(in.Tags)
	if err != nil {
		return nil, err
	}
	if len(tags) > 0 {
		// As on AWS, tagging a new parameter needs the tagging permission.
		if err := s.authorize(ctx, "ssm:AddTagsToResource", []iam.Resource{{ARN: s.ARN(name)}}); err != nil {
			return nil, err
		}
	}
	policies := ""
	if in.Policies != "" {
		ps, err := parsePolicies(in.Policies)
		if err != nil {
			return nil, err
		}
		if len(ps) > 0 {
			policies = in.Policies
		}
	}
	if in.AllowedPattern != "" {
		if _, err := compilePattern(in.AllowedPattern); err != nil {
			return nil, err
		}
	}
	key := Key(name)
	for range maxPutAttempts {
		cur, err := s.store.GetParameter(ctx, s.account, key, Selector{})
		switch {
		case errors.Is(err, awserr.NotFound):
			cur = nil
		case err != nil:
			return nil, err
		case !overwrite:
			return nil, ssm.NewParameterAlreadyExists("The parameter already exists. To overwrite this value, set the overwrite option in the request to true.")
		}
		v, err := s.newVersion(ctx, name, cur, in, policies)
		if err != nil {
			return nil, err
		}
		var prev int64
		if cur != nil {
			prev = cur.Latest
		}
		p := &Parameter{Account: s.account, Name: name, Tags: tags, ExpiresAt: expiration(v.Policies), Version: v}
		err = s.store.PutParameter(ctx, p, prev, MaxVersions)
		switch {
		case err == nil:
			return &ssm.PutParameterOutput{Version: &v.Number, Tier: v.Tier}, nil
		case errors.Is(err, awserr.Exists) && !overwrite:
			return nil, ssm.NewParameterAlreadyExists("The parameter already exists. To overwrite this value, set the overwrite option in the request to true.")
		case errors.Is(err, awserr.Exists), errors.Is(err, awserr.Conflict):
			continue // another request changed it first: start over from what it made
		case errors.Is(err, awserr.LimitExceeded):
			return nil, ssm.NewParameterMaxVersionLimitExceeded("You attempted to create a new version of %s by calling the PutParameter API "+
				"with the overwrite flag. Version %d, the oldest version, can't be deleted because it has a label associated with it. "+
				"Move the label to another version of the parameter, and try again.", name, prev-MaxVersions+1)
		default:
			return nil, err
		}
	}
	return nil, ssm.NewTooManyUpdates("There are concurrent updates for the parameter %s. Try again.", name)
}

// newVersion makes the version PutParameter stores: in's attributes,
// those it leaves out taken from cur (nil for a new parameter), its value
// checked and, for a SecureString, encrypted.
func (s *Service) newVersion(ctx context.Context, name string, cur *Parameter, in *ssm.PutParameterInput, policies string) (*Version, error) {
	v := &Version{Type: in.Type, Description: in.Description, AllowedPattern: in.AllowedPattern, DataType: in.DataType,
		Policies: policies, ModifiedAt: s.now().UTC().Truncate(time.Millisecond), ModifiedBy: caller(ctx)}
	if cur != nil {
		old := cur.Version
		if v.Type == "" {
			v.Type = old.Type
		}
		if v.Description == "" {
			v.Description = old.Description
		}
		if v.AllowedPattern == "" {
			v.AllowedPattern = old.AllowedPattern
		}
		if v.DataType == "" {
			v.DataType = old.DataType
		}
		if in.Policies == "" {
			v.Policies = old.Policies
		}
		if v.Type == TypeSecureString && old.Type == TypeSecureString {
			v.KeyID = old.KeyID
		}
	}
	switch {
	case v.Type == "":
		return nil, ssm.NewValidationException("A parameter type is required when you create a parameter.")
	case v.Type != TypeString && v.Type != TypeStringList && v.Type != TypeSecureString:
		return nil, ssm.NewUnsupportedParameterType("The parameter type %s is not supported: use String, StringList or SecureString.", v.Type)
	case in.KeyId != "" && v.Type != TypeSecureString:
		return nil, ssm.NewValidationException("KeyId is required for SecureString type parameter only.")
	}
	if v.DataType == "" {
		v.DataType = DataTypeText
	}
	if err := checkValue(in.Value, v.AllowedPattern); err != nil {
		return nil, err
	}
	var err error
	if v.Tier, err = tier(in.Tier, cur, len(in.Value), v.Policies != ""); err != nil {
		return nil, err
	}
	v.Value = in.Value
	if v.Type == TypeSecureString {
		if in.KeyId != "" {
			v.KeyID = in.KeyId
		}
		if v.KeyID == "" {
			v.KeyID = DefaultKeyID
		}
		if v.Value, err = s.encrypt(ctx, v.KeyID, s.ARN(name), in.Value); err != nil {
			return nil, err
		}
	}
	return v, nil
}

// encCtx is the encryption context of a parameter's SecureString
// values, as AWS binds them.
func encCtx(parameterARN string) map[string]string {
	return map[string]string{"PARAMETER_ARN": parameterARN}
}

// errNoKeys is the error of a SecureString operation without KMS.
func errNoKeys() error {
	return ssm.NewInvalidKeyId("KMS is not available: SecureString parameters cannot be encrypted or decrypted.")
}

// keyError turns an error of the Keys into Parameter Store's: a key that
// is missing, disabled or otherwise unusable is InvalidKeyId; a refusal
// (AccessDeniedException) and faults stay as they are.
func keyError(err error) error {
	ae := awserr.As(err)
	if ae == nil {
		return err
	}
	switch ae.Kind {
	case awserr.Invalid, awserr.NotFound, awserr.Conflict:
		return ssm.NewInvalidKeyId("%s", ae.Message)
	}
	return err
}

// encrypt encrypts a SecureString value for the parameter parameterARN
// and returns the base64 of the ciphertext.
func (s *Service) encrypt(ctx context.Context, keyID, parameterARN, value string) (string, error) {
	if s.keys == nil {
		return "", errNoKeys()
	}
	blob, _, err := s.keys.Encrypt(ctx, keyID, []byte(value), encCtx(parameterARN))
	if err != nil {
		return "", keyError(err)
	}
	return base64.StdEncoding.EncodeToString(blob), nil
}

// decrypt decrypts a stored SecureString value of the parameter
// parameterARN for the caller in ctx.
func (s *Service) decrypt(ctx context.Context, parameterARN, stored string) (string, error) {
	if s.keys == nil {
		return "", errNoKeys()
	}
	blob, err := base64.StdEncoding.DecodeString(stored)
	if err != nil {
		return "", errors.New("stored SecureString value is not base64")
	}
	plain, _, err := s.keys.Decrypt(ctx, blob, encCtx(parameterARN))
	if err != nil {
		return "", keyError(err)
	}
	return string(plain), nil
}

// DeleteParameter deletes a parameter with all its versions.
func (s *Service) DeleteParameter(ctx context.Context, in *ssm.DeleteParameterInput) (*ssm.DeleteParameterOutput, error) {
	name, err := plainName(in.Name)
	if err != nil {
		return nil, err
	}
	err = s.store.DeleteParameter(ctx, s.account, Key(name))
	if errors.Is(err, awserr.NotFound) {
		return nil, ssm.NewParameterNotFound("") // AWS says no more
	}
	if err != nil {
		return nil, err
	}
	return &ssm.DeleteParameterOutput{}, nil
}

// DeleteParameters deletes up to 10 parameters. It answers the names it
// deleted, and in InvalidParameters those that are malformed or name no
// parameter, as given.
func (s *Service) DeleteParameters(ctx context.Context, in *ssm.DeleteParametersInput) (*ssm.DeleteParametersOutput, error) {
	out := &ssm.DeleteParametersOutput{}
	seen := map[string]bool{}
	for _, raw := range in.Names {
		name, err := plainName(raw)
		if err != nil {
			out.InvalidParameters = append(out.InvalidParameters, raw)
			continue
		}
		if seen[Key(name)] {
			continue // deleted, or found missing, once
		}
		seen[Key(name)] = true
		err = s.store.DeleteParameter(ctx, s.account, Key(name))
		switch {
		case errors.Is(err, awserr.NotFound):
			out.InvalidParameters = append(out.InvalidParameters, raw)
		case err != nil:
			return nil, err
		default:
			out.DeletedParameters = append(out.DeletedParameters, raw)
		}
	}
	return out, nil
}
