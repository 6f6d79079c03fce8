// Copyright 2026 The kanri Authors
// SPDX-License-Identifier: Apache-2.0

package audit

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"time"

	"github.com/kanri-dev/kanri/internal/arn"
	"github.com/kanri-dev/kanri/internal/timestamp"
	"github.com/kanri-dev/kanri/internal/wire/cloudtrail"
)

// maxLookupResults is LookupEvents' page size limit, as CloudTrail's.
const maxLookupResults = 50

// pageToken is the decoded NextToken of LookupEvents: where the last page
// ended.
type pageToken struct {
	ID string `json:"i"`
}

// LookupEvents answers CloudTrail's LookupEvents: events newest first,
// filtered by at most one lookup attribute and a time range.
func (t *Trail) LookupEvents(ctx context.Context, in *cloudtrail.LookupEventsInput) (*cloudtrail.LookupEventsOutput, error) {
	q := Query{Limit: maxLookupResults}
	if in.MaxResults != nil {
		if *in.MaxResults < 1 || *in.MaxResults > maxLookupResults {
			return nil, cloudtrail.NewInvalidMaxResultsException("MaxResults must be between 1 and 50, got %d.", *in.MaxResults)
		}
		q.Limit = int(*in.MaxResults)
	}
	if len(in.LookupAttributes) > 1 {
		return nil, cloudtrail.NewInvalidLookupAttributesException("You can specify only one lookup attribute, got %d.", len(in.LookupAttributes))
	}
	if len(in.LookupAttributes) == 1 {
		a := in.LookupAttributes[0]
		q.Attribute, q.Value = a.AttributeKey, a.AttributeValue
		if q.Attribute == "ReadOnly" && q.Value != "true" && q.Value != "false" {
			return nil, cloudtrail.NewInvalidLookupAttributesException("The ReadOnly attribute value must be true or false, got '%s'.", q.Value)
		}
	}
	if in.StartTime != nil {
		q.Start = in.StartTime.Time()
	}
	if in.EndTime != nil {
		q.End = in.EndTime.Time()
	}
	if !q.Start.IsZero() && !q.End.IsZero() && q.Start.After(q.End) {
		return nil, cloudtrail.NewInvalidTimeRangeException("The start time %s is after the end time %s.",
			q.Start.Format(time.RFC3339), q.End.Format(time.RFC3339))
	}
	if in.EventCategory != "" {
		// Insights events are not produced; the answer is empty.
		return &cloudtrail.LookupEventsOutput{Events: []*cloudtrail.Event{}}, nil
	}
	if in.NextToken != "" {
		tok, err := decodeToken(in.NextToken)
		if err != nil {
			return nil, err
		}
		q.AfterID = tok.ID
	}
	// Ask for one more than a page to learn whether another page follows.
	q.Limit++
	evs, err := t.Lookup(ctx, q)
	if err != nil {
		return nil, err
	}
	out := &cloudtrail.LookupEventsOutput{Events: make([]*cloudtrail.Event, 0, len(evs))}
	if len(evs) == q.Limit {
		evs = evs[:q.Limit-1]
		last := evs[len(evs)-1]
		out.NextToken = encodeToken(pageToken{ID: last.ID})
	}
	for i := range evs {
		out.Events = append(out.Events, toCloudTrail(&evs[i]))
	}
	return out, nil
}

func encodeToken(p pageToken) string {
	b, _ := json.Marshal(p)
	return base64.RawURLEncoding.EncodeToString(b)
}

func decodeToken(s string) (pageToken, error) {
	var p pageToken
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err == nil {
		err = json.Unmarshal(b, &p)
	}
	if err != nil || p.ID == "" {
		return pageToken{}, cloudtrail.NewInvalidNextTokenException("The NextToken is not valid.")
	}
	return p, nil
}

// toCloudTrail converts an event to CloudTrail's shape, with the full
// record in CloudTrailEvent as CloudTrail's JSON.
func toCloudTrail(e *Event) *cloudtrail.Event {
	ce := &cloudtrail.Event{
		EventId:         e.ID,
		EventName:       e.Name,
		ReadOnly:        boolString(e.ReadOnly),
		AccessKeyId:     e.AccessKeyID,
		EventTime:       timestamp.Ptr(e.Time),
		EventSource:     e.Source,
		Username:        e.UserName,
		Resources:       []*cloudtrail.Resource{},
		CloudTrailEvent: recordJSON(e),
	}
	for _, r := range e.Resources {
		ce.Resources = append(ce.Resources, &cloudtrail.Resource{ResourceType: r.Type, ResourceName: r.ARN})
	}
	return ce
}

func boolString(b bool) string {
	if b {
		return "true"
	}
	return "false"
}

// record is a CloudTrail event record (the CloudTrailEvent JSON).
type record struct {
	EventVersion        string            `json:"eventVersion"`
	UserIdentity        userIdentity      `json:"userIdentity"`
	EventTime           string            `json:"eventTime"`
	EventSource         string            `json:"eventSource"`
	EventName           string            `json:"eventName"`
	AWSRegion           string            `json:"awsRegion"`
	SourceIPAddress     string            `json:"sourceIPAddress"`
	UserAgent           string            `json:"userAgent"`
	ErrorCode           string            `json:"errorCode,omitempty"`
	ErrorMessage        string            `json:"errorMessage,omitempty"`
	RequestParameters   any               `json:"requestParameters"`
	ResponseElements    any               `json:"responseElements"`
	AdditionalEventData map[string]string `json:"additionalEventData"`
	RequestID           string            `json:"requestID"`
	EventID             string            `json:"eventID"`
	ReadOnly            bool              `json:"readOnly"`
	Resources           []recordResource  `json:"resources,omitempty"`
	EventType           string            `json:"eventType"`
	ManagementEvent     bool              `json:"managementEvent"`
	RecipientAccountID  string            `json:"recipientAccountId"`
	EventCategory       string            `json:"eventCategory"`
}

type userIdentity struct {
	Type        string `json:"type,omitempty"`
	PrincipalID string `json:"principalId,omitempty"`
	ARN         string `json:"arn,omitempty"`
	AccountID   string `json:"accountId,omitempty"`
	AccessKeyID string `json:"accessKeyId,omitempty"`
	UserName    string `json:"userName,omitempty"`
	InvokedBy   string `json:"invokedBy,omitempty"`
}

type recordResource struct {
	ARN       string `json:"ARN"`
	AccountID string `json:"accountId,omitempty"`
	Type      string `json:"type,omitempty"`
}

func recordJSON(e *Event) string {
	r := record{
		EventVersion: "1.08",
		UserIdentity: userIdentity{Type: e.PrincipalType, PrincipalID: e.PrincipalID, ARN: e.PrincipalARN,
			AccessKeyID: e.AccessKeyID, UserName: e.UserName},
		EventTime:           e.Time.UTC().Format("2006-01-02T15:04:05Z"),
		EventSource:         e.Source,
		EventName:           e.Name,
		AWSRegion:           e.Region,
		SourceIPAddress:     e.SourceIP,
		UserAgent:           e.UserAgent,
		ErrorCode:           e.ErrorCode,
		ErrorMessage:        e.ErrorMessage,
		AdditionalEventData: map[string]string{"outcome": e.Outcome},
		RequestID:           e.RequestID,
		EventID:             e.ID,
		ReadOnly:            e.ReadOnly,
		EventType:           "AwsApiCall",
		ManagementEvent:     true,
		RecipientAccountID:  e.Account,
		EventCategory:       "Management",
	}
	if e.PrincipalARN != "" {
		r.UserIdentity.AccountID = accountOf(e.PrincipalARN)
	}
	if e.PrincipalType == PrincipalService {
		// As CloudTrail shows a service's own action: the account and the
		// service that acted.
		r.EventType = "AwsServiceEvent"
		r.UserIdentity = userIdentity{AccountID: e.Account, InvokedBy: e.PrincipalID}
	}
	for _, res := range e.Resources {
		r.Resources = append(r.Resources, recordResource{ARN: res.ARN, AccountID: accountOf(res.ARN), Type: res.Type})
	}
	b, _ := json.Marshal(r)
	return string(b)
}

// accountOf returns the account field of an ARN, or "".
func accountOf(s string) string {
	a, err := arn.Parse(s)
	if err != nil {
		return ""
	}
	return a.Account
}
