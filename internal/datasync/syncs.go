// Copyright 2026 The kanri Authors
// SPDX-License-Identifier: Apache-2.0

package datasync

import (
	"context"
	"encoding/base64"
	"errors"
	"strings"
	"time"

	"github.com/kanri-dev/kanri/internal/awserr"
	"github.com/kanri-dev/kanri/internal/blob"
	"github.com/kanri-dev/kanri/internal/timestamp"
	ssm "github.com/kanri-dev/kanri/internal/wire/ssm"
)

// defaultMaxResults is ListResourceDataSync's page size without
// MaxResults: the most it takes.
const defaultMaxResults = 50

// CreateResourceDataSync makes a sync that exports the account's
// inventory to S3Destination: at once, in whole (the call answers before
// that export ends; ListResourceDataSync tells how it went), and then as
// the inventory changes. SyncType defaults to SyncToDestination, as on
// AWS. AWSKMSKeyARN and DestinationDataSharing are kept and listed.
//
// Errors: ResourceDataSyncInvalidConfigurationException for SyncFromSource
// (Explorer's OpsData syncs are not supported), another type, a missing
// S3Destination, a SyncSource, a bucket name S3 refuses or a prefix that
// cannot begin object keys; ResourceDataSyncAlreadyExistsException for a
// name in use; ResourceDataSyncCountExceededException past MaxSyncs.
func (s *Service) CreateResourceDataSync(ctx context.Context, in *ssm.CreateResourceDataSyncInput) (*ssm.CreateResourceDataSyncOutput, error) {
	syncType := in.SyncType
	if syncType == "" {
		syncType = TypeToDestination
	}
	if err := checkType(syncType); err != nil {
		return nil, err
	}
	if in.SyncSource != nil {
		return nil, ssm.NewResourceDataSyncInvalidConfigurationException("A %s sync takes no SyncSource: it exports this account's inventory.", syncType)
	}
	if in.S3Destination == nil {
		return nil, ssm.NewResourceDataSyncInvalidConfigurationException("A %s sync needs an S3Destination.", syncType)
	}
	if err := checkDestination(in.S3Destination); err != nil {
		return nil, err
	}
	now := s.now().UTC()
	sy := &Sync{Account: s.account, Name: in.SyncName, Type: syncType, Destination: *in.S3Destination, CreatedAt: now,
		LastStatus: ssm.LastResourceDataSyncStatusInProgress, FullDue: now}
	err := s.store.CreateResourceDataSync(ctx, sy, MaxSyncs)
	switch {
	case errors.Is(err, awserr.Exists):
		return nil, ssm.NewResourceDataSyncAlreadyExistsException("A resource data sync named %s already exists.", in.SyncName)
	case errors.Is(err, awserr.LimitExceeded):
		return nil, ssm.NewResourceDataSyncCountExceededException(
			"The account already has %d resource data syncs, the most it can have: delete one first.", MaxSyncs)
	case err != nil:
		return nil, err
	}
	s.log.Info("resource data sync created", "sync_name", sy.Name, "bucket", sy.Destination.BucketName, "prefix", sy.Destination.Prefix)
	s.wake()
	return &ssm.CreateResourceDataSyncOutput{}, nil
}

// checkType returns the error of a sync type other than SyncToDestination.
func checkType(syncType string) error {
	switch syncType {
	case TypeToDestination:
		return nil
	case TypeFromSource:
		return ssm.NewResourceDataSyncInvalidConfigurationException(
			"The sync type SyncFromSource (OpsData for Explorer) is not supported: only SyncToDestination, which exports inventory to a bucket.")
	default:
		return ssm.NewResourceDataSyncInvalidConfigurationException("The sync type %s is not valid: use SyncToDestination.", syncType)
	}
}

// checkDestination returns the error of a bucket name S3 would refuse, or
// of a prefix that cannot begin object keys.
func checkDestination(d *ssm.ResourceDataSyncS3Destination) error {
	if !blob.ValidBucketName(d.BucketName) {
		return ssm.NewResourceDataSyncInvalidConfigurationException(
			"The bucket name %s is not valid: 3 to 63 characters of a-z, 0-9, '.' and '-', beginning and ending with a letter or digit.", d.BucketName)
	}
	if base := keyBase(d.Prefix); base != "" {
		for seg := range strings.SplitSeq(base, "/") {
			if seg == "" || seg == "." || seg == ".." || strings.ContainsRune(seg, 0) {
				return ssm.NewResourceDataSyncInvalidConfigurationException(
					`The prefix %s is not valid: its "/"-separated parts must not be empty, "." or "..".`, d.Prefix)
			}
		}
	}
	if ds := d.DestinationDataSharing; ds != nil && ds.DestinationDataSharingType != "" && ds.DestinationDataSharingType != "Organization" {
		return ssm.NewResourceDataSyncInvalidConfigurationException(
			"The destination data sharing type %s is not valid: only Organization is supported.", ds.DestinationDataSharingType)
	}
	return nil
}

// ListResourceDataSync lists the account's syncs in name order, each with
// how its last export went, up to MaxResults (default 50) a page.
// SyncFromSource lists none (there are none); another SyncType is a
// ResourceDataSyncInvalidConfigurationException.
func (s *Service) ListResourceDataSync(ctx context.Context, in *ssm.ListResourceDataSyncInput) (*ssm.ListResourceDataSyncOutput, error) {
	if in.SyncType != "" && in.SyncType != TypeFromSource {
		if err := checkType(in.SyncType); err != nil {
			return nil, err
		}
	}
	limit := defaultMaxResults
	if in.MaxResults != nil {
		limit = int(*in.MaxResults)
	}
	after, err := decodeToken(in.NextToken)
	if err != nil {
		return nil, err
	}
	syncs, err := s.store.ResourceDataSyncs(ctx, s.account, in.SyncType, after, limit+1)
	if err != nil {
		return nil, err
	}
	out := &ssm.ListResourceDataSyncOutput{ResourceDataSyncItems: []*ssm.ResourceDataSyncItem{}}
	if len(syncs) > limit {
		syncs = syncs[:limit]
		out.NextToken = encodeToken(syncs[limit-1].Name)
	}
	for _, sy := range syncs {
		out.ResourceDataSyncItems = append(out.ResourceDataSyncItems, itemShape(sy))
	}
	return out, nil
}

// itemShape returns a sync as ListResourceDataSync lists it.
func itemShape(sy *Sync) *ssm.ResourceDataSyncItem {
	dest := sy.Destination
	return &ssm.ResourceDataSyncItem{SyncName: sy.Name, SyncType: sy.Type, S3Destination: &dest, LastSyncTime: timeOrNil(sy.LastSyncAt),
		LastSuccessfulSyncTime: timeOrNil(sy.LastSuccessAt), SyncLastModifiedTime: timestamp.Ptr(sy.CreatedAt), LastStatus: sy.LastStatus,
		SyncCreatedTime: timestamp.Ptr(sy.CreatedAt), LastSyncStatusMessage: sy.LastMessage}
}

func timeOrNil(t time.Time) *timestamp.Time {
	if t.IsZero() {
		return nil
	}
	return timestamp.Ptr(t)
}

// DeleteResourceDataSync deletes a sync (of SyncType, when given). Its
// exports stay in the bucket, as on AWS. A sync that does not exist is a
// ResourceDataSyncNotFoundException.
func (s *Service) DeleteResourceDataSync(ctx context.Context, in *ssm.DeleteResourceDataSyncInput) (*ssm.DeleteResourceDataSyncOutput, error) {
	if in.SyncType != "" && in.SyncType != TypeFromSource {
		if err := checkType(in.SyncType); err != nil {
			return nil, err
		}
	}
	err := s.store.DeleteResourceDataSync(ctx, s.account, in.SyncName, in.SyncType)
	if errors.Is(err, awserr.NotFound) {
		return nil, notFound(in.SyncName)
	}
	if err != nil {
		return nil, err
	}
	s.log.Info("resource data sync deleted", "sync_name", in.SyncName)
	return &ssm.DeleteResourceDataSyncOutput{}, nil
}

// UpdateResourceDataSync changes the source of a SyncFromSource sync, the
// only kind AWS updates; as there are none, it answers
// ResourceDataSyncNotFoundException for a name no sync has and
// ResourceDataSyncInvalidConfigurationException otherwise.
func (s *Service) UpdateResourceDataSync(ctx context.Context, in *ssm.UpdateResourceDataSyncInput) (*ssm.UpdateResourceDataSyncOutput, error) {
	if in.SyncType != TypeFromSource {
		return nil, ssm.NewResourceDataSyncInvalidConfigurationException(
			"The sync type %s cannot be updated: only SyncFromSource syncs can. Delete the sync and create it again instead.", in.SyncType)
	}
	sy, err := s.store.ResourceDataSync(ctx, s.account, in.SyncName)
	if errors.Is(err, awserr.NotFound) {
		return nil, notFound(in.SyncName)
	}
	if err != nil {
		return nil, err
	}
	return nil, ssm.NewResourceDataSyncInvalidConfigurationException(
		"The resource data sync %s is a %s sync, which cannot be updated: delete it and create it again instead.", sy.Name, sy.Type)
}

func notFound(name string) error {
	return ssm.NewResourceDataSyncNotFoundException("The resource data sync %s was not found.", name)
}

// A page token is the name of the last sync of the page before.

func encodeToken(name string) string {
	return base64.RawURLEncoding.EncodeToString([]byte("k:" + name))
}

func decodeToken(token string) (string, error) {
	if token == "" {
		return "", nil
	}
	b, err := base64.RawURLEncoding.DecodeString(token)
	if name, ok := strings.CutPrefix(string(b), "k:"); err == nil && ok && name != "" {
		return name, nil
	}
	return "", ssm.NewInvalidNextToken("The specified token is not valid.")
}
