// Copyright 2026 The kanri Authors
// SPDX-License-Identifier: Apache-2.0

package iam

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"github.com/kanri-dev/kanri/internal/awserr"
	iamapi "github.com/kanri-dev/kanri/internal/wire/iam"
)

// User is an IAM user.
type User struct {
	Account             string
	Name                string
	ID                  string // AIDA…
	Path                string
	PermissionsBoundary string
	Tags                []Tag
	CreateDate          time.Time
}

// ARN returns the user's ARN.
func (u *User) ARN() string { return iamARN(u.Account, "user"+u.Path+u.Name) }

// Access key statuses.
const (
	KeyActive   = "Active"
	KeyInactive = "Inactive"
)

// AccessKey is a long-term access key as stored: its secret sealed under
// the master key.
type AccessKey struct {
	ID           string // AKIA…
	Account      string
	UserName     string
	SealedSecret []byte
	Status       string
	CreateDate   time.Time
	LastUsed     time.Time // zero if never used
	LastService  string
	LastRegion   string
}

// Credentials is an access key pair in the clear, returned only when it is
// made.
type Credentials struct {
	AccessKeyID     string
	SecretAccessKey string
}

// LogValue keeps the secret out of logs.
func (c Credentials) LogValue() slog.Value {
	return slog.GroupValue(slog.String("access_key_id", c.AccessKeyID), slog.String("secret_access_key", "REDACTED"))
}

// maxAccessKeys is how many access keys a user may have, as IAM.
const maxAccessKeys = 2

// metaAdmin names the meta row holding the administrator's user name.
const metaAdmin = "admin_user"

// AdminName is the name of the administrator user created at bootstrap.
const AdminName = "admin"

// AdminPolicyARN is the policy attached to the administrator.
const AdminPolicyARN = "arn:aws:iam::aws:policy/AdministratorAccess"

// Bootstrap makes sure the administrator user exists, with
// AdministratorAccess attached. When it creates the administrator it also
// creates an access key and returns it with created true; otherwise it
// returns created false and no key. Concurrent calls on several replicas
// create exactly one administrator.
func (s *Service) Bootstrap(ctx context.Context) (creds Credentials, created bool, err error) {
	name, err := s.store.SetMetaIfAbsent(ctx, metaAdmin, AdminName)
	if err != nil {
		return Credentials{}, false, fmt.Errorf("bootstrap: %w", err)
	}
	u := &User{Account: s.account, Name: name, ID: NewID("AIDA"), Path: "/", CreateDate: s.now().UTC()}
	err = s.store.CreateUser(ctx, u)
	if errors.Is(err, awserr.Exists) {
		return Credentials{}, false, nil
	}
	if err != nil {
		return Credentials{}, false, fmt.Errorf("bootstrap: %w", err)
	}
	if err := s.store.AttachPolicy(ctx, &Attachment{Account: s.account, OwnerKind: KindUser, Owner: name, PolicyARN: AdminPolicyARN}); err != nil {
		return Credentials{}, false, fmt.Errorf("bootstrap: %w", err)
	}
	creds, err = s.newAccessKey(ctx, name)
	if err != nil {
		return Credentials{}, false, fmt.Errorf("bootstrap: %w", err)
	}
	s.changed()
	return creds, true, nil
}

// AdminUser returns the administrator, or an error of kind NotFound before
// Bootstrap.
func (s *Service) AdminUser(ctx context.Context) (*User, error) {
	name, err := s.store.GetMeta(ctx, metaAdmin)
	if err != nil {
		return nil, err
	}
	return s.store.GetUser(ctx, s.account, name)
}

// NewAccessKey makes a new active access key for the named user, outside
// any API call (for bootstrap and `kanri dev`).
func (s *Service) NewAccessKey(ctx context.Context, userName string) (Credentials, error) {
	return s.newAccessKey(ctx, userName)
}

func (s *Service) newAccessKey(ctx context.Context, userName string) (Credentials, error) {
	if _, err := s.store.GetUser(ctx, s.account, userName); err != nil {
		return Credentials{}, storeErr(err, "user", userName)
	}
	keys, err := s.store.ListAccessKeys(ctx, s.account, userName)
	if err != nil {
		return Credentials{}, err
	}
	if len(keys) >= maxAccessKeys {
		return Credentials{}, iamapi.NewLimitExceededException("Cannot exceed quota for AccessKeysPerUser: %d", maxAccessKeys)
	}
	c := Credentials{AccessKeyID: NewID("AKIA"), SecretAccessKey: NewSecret()}
	sealed, err := s.sealer.Seal([]byte(c.SecretAccessKey), keyAAD(c.AccessKeyID))
	if err != nil {
		return Credentials{}, fmt.Errorf("seal secret: %w", err)
	}
	k := &AccessKey{ID: c.AccessKeyID, Account: s.account, UserName: userName, SealedSecret: sealed, Status: KeyActive, CreateDate: s.now().UTC()}
	if err := s.store.CreateAccessKey(ctx, k); err != nil {
		return Credentials{}, err
	}
	return c, nil
}

// keyAAD binds a sealed secret to its access key ID, so a sealed secret
// copied to another row does not open.
func keyAAD(id string) []byte { return []byte("iam:access-key:" + id) }

// ErrUnknownKey is returned by Credentials for an access key that does not
// exist or is not active.
var ErrUnknownKey = awserr.New(awserr.Unauthenticated, "InvalidClientTokenId", "The security token included in the request is invalid.")

// Credentials returns the secret and principal of an active long-term
// access key. Results are cached for the configured TTL. Temporary
// credentials are resolved by the sts package.
func (s *Service) Credentials(ctx context.Context, accessKeyID, sessionToken, service string) (secret string, p Principal, err error) {
	if sessionToken != "" || !strings.HasPrefix(accessKeyID, "AKIA") {
		return "", Principal{}, ErrUnknownKey
	}
	now := s.now()
	s.mu.Lock()
	c, ok := s.keys[accessKeyID]
	s.mu.Unlock()
	if ok && now.Before(c.expires) && (c.service == service || service == "") {
		return c.secret, c.principal, nil
	}
	gen := s.keyGen.Load()
	v, err, _ := s.keyLookups.Do(accessKeyID+"\x00"+service+"\x00"+strconv.FormatUint(gen, 10), func() (any, error) {
		// Shared by the requests that join it: one leaving does not end it.
		return s.lookupKey(context.WithoutCancel(ctx), accessKeyID, service, now, gen)
	})
	if err != nil {
		return "", Principal{}, err
	}
	c = v.(cachedKey)
	return c.secret, c.principal, nil
}

// lookupKey reads an active access key and its user from the store,
// opens the secret, and caches the result unless forgetKey was called
// since gen was read.
func (s *Service) lookupKey(ctx context.Context, accessKeyID, service string, now time.Time, gen uint64) (cachedKey, error) {
	k, err := s.store.GetAccessKey(ctx, accessKeyID)
	if errors.Is(err, awserr.NotFound) {
		return cachedKey{}, ErrUnknownKey
	}
	if err != nil {
		return cachedKey{}, err
	}
	if k.Status != KeyActive {
		return cachedKey{}, ErrUnknownKey
	}
	u, err := s.store.GetUser(ctx, k.Account, k.UserName)
	if errors.Is(err, awserr.NotFound) {
		return cachedKey{}, ErrUnknownKey
	}
	if err != nil {
		return cachedKey{}, err
	}
	pt, err := s.sealer.Open(k.SealedSecret, keyAAD(k.ID))
	if err != nil {
		return cachedKey{}, fmt.Errorf("open secret of %s: %w", k.ID, err)
	}
	p := Principal{Type: TypeUser, ARN: u.ARN(), ID: u.ID, Account: u.Account, UserName: u.Name, AccessKeyID: k.ID}
	c := cachedKey{secret: string(pt), principal: p, service: service, expires: now.Add(s.keyTTL)}
	s.mu.Lock()
	if s.keyGen.Load() == gen {
		if len(s.keys) > 100_000 {
			clear(s.keys)
		}
		s.keys[accessKeyID] = c
	}
	s.mu.Unlock()
	if service != "" && (k.LastUsed.IsZero() || now.Sub(k.LastUsed) > time.Minute || k.LastService != service) {
		// Last use is kept to the minute (and per service), so the hot
		// path notes at most once a minute a key; it is written in the
		// background (see keyUses).
		s.noteKeyUse(k.ID, now.UTC(), service)
	}
	return c, nil
}

// forgetKey drops a key from the cache after a change through this Service.
func (s *Service) forgetKey(id string) {
	s.mu.Lock()
	s.keyGen.Add(1)
	delete(s.keys, id)
	s.mu.Unlock()
}

// --- API: users ---

func (s *Service) userShape(u *User) *iamapi.User {
	out := &iamapi.User{Path: u.Path, UserName: u.Name, UserId: u.ID, Arn: u.ARN(), CreateDate: ts(u.CreateDate), Tags: toWireTags(u.Tags)}
	if u.PermissionsBoundary != "" {
		out.PermissionsBoundary = &iamapi.AttachedPermissionsBoundary{PermissionsBoundaryType: iamapi.PermissionsBoundaryAttachmentTypePermissionsBoundaryPolicy, PermissionsBoundaryArn: u.PermissionsBoundary}
	}
	return out
}

// CreateUser creates an IAM user.
func (s *Service) CreateUser(ctx context.Context, in *iamapi.CreateUserInput) (*iamapi.CreateUserOutput, error) {
	p, err := path(in.Path)
	if err != nil {
		return nil, err
	}
	tags := fromWireTags(in.Tags)
	if err := checkTags(tags); err != nil {
		return nil, err
	}
	if in.PermissionsBoundary != "" {
		if err := s.checkBoundary(ctx, in.PermissionsBoundary); err != nil {
			return nil, err
		}
	}
	u := &User{Account: s.account, Name: in.UserName, ID: NewID("AIDA"), Path: p, PermissionsBoundary: in.PermissionsBoundary, Tags: tags, CreateDate: s.ctxNow(ctx)}
	if err := s.store.CreateUser(ctx, u); err != nil {
		return nil, storeErr(err, "user", u.Name)
	}
	s.changed()
	return &iamapi.CreateUserOutput{User: s.userShape(u)}, nil
}

// user returns the named user, or the caller itself when name is empty
// (as GetUser and the access-key operations do).
func (s *Service) user(ctx context.Context, name string) (*User, error) {
	if name == "" {
		c := CallerFrom(ctx)
		if c == nil || c.Principal.Type != TypeUser {
			return nil, awserr.New(awserr.Invalid, "ValidationError", "Must specify userName when calling with non-User credentials")
		}
		name = c.Principal.UserName
	}
	u, err := s.store.GetUser(ctx, s.account, name)
	if err != nil {
		return nil, storeErr(err, "user", name)
	}
	return u, nil
}

// GetUser returns a user.
func (s *Service) GetUser(ctx context.Context, in *iamapi.GetUserInput) (*iamapi.GetUserOutput, error) {
	u, err := s.user(ctx, in.UserName)
	if err != nil {
		return nil, err
	}
	return &iamapi.GetUserOutput{User: s.userShape(u)}, nil
}

// ListUsers lists users by name.
func (s *Service) ListUsers(ctx context.Context, in *iamapi.ListUsersInput) (*iamapi.ListUsersOutput, error) {
	opt, limit, err := page(in.Marker, in.MaxItems, in.PathPrefix)
	if err != nil {
		return nil, err
	}
	us, err := s.store.ListUsers(ctx, s.account, opt)
	if err != nil {
		return nil, err
	}
	us, more, m := truncate(us, limit, func(u *User) string { return strings.ToLower(u.Name) })
	out := &iamapi.ListUsersOutput{Users: []*iamapi.User{}, IsTruncated: more, Marker: m}
	for _, u := range us {
		sh := s.userShape(u)
		sh.Tags = nil // ListUsers does not return tags
		out.Users = append(out.Users, sh)
	}
	return out, nil
}

// UpdateUser renames a user or changes its path.
func (s *Service) UpdateUser(ctx context.Context, in *iamapi.UpdateUserInput) (*iamapi.UpdateUserOutput, error) {
	var p string
	if in.NewPath != "" {
		var err error
		if p, err = path(in.NewPath); err != nil {
			return nil, err
		}
	}
	if admin, _ := s.store.GetMeta(ctx, metaAdmin); in.NewUserName != "" && strings.EqualFold(admin, in.UserName) {
		return nil, iamapi.NewUnmodifiableEntityException("The administrator %s, kanri's bootstrap user, cannot be renamed.", in.UserName)
	}
	if err := s.store.UpdateUser(ctx, s.account, in.UserName, in.NewUserName, p); err != nil {
		if errors.Is(err, awserr.Exists) {
			return nil, already("User", in.NewUserName)
		}
		return nil, storeErr(err, "user", in.UserName)
	}
	s.changed()
	s.clearKeys()
	return &iamapi.UpdateUserOutput{}, nil
}

// clearKeys empties the access key cache (after a rename or deletion that
// changes what keys resolve to).
func (s *Service) clearKeys() {
	s.mu.Lock()
	clear(s.keys)
	s.mu.Unlock()
}

// DeleteUser deletes a user that has no keys, policies or groups left.
func (s *Service) DeleteUser(ctx context.Context, in *iamapi.DeleteUserInput) (*iamapi.DeleteUserOutput, error) {
	u, err := s.user(ctx, in.UserName)
	if err != nil {
		return nil, err
	}
	if admin, _ := s.store.GetMeta(ctx, metaAdmin); strings.EqualFold(admin, u.Name) {
		return nil, iamapi.NewDeleteConflictException("Cannot delete the administrator %s: kanri's bootstrap user.", u.Name)
	}
	conflict := func(what string) error {
		return iamapi.NewDeleteConflictException("Cannot delete entity, must %s first.", what)
	}
	if keys, err := s.store.ListAccessKeys(ctx, s.account, u.Name); err != nil {
		return nil, err
	} else if len(keys) > 0 {
		return nil, conflict("delete access keys")
	}
	if ps, err := s.store.ListInlinePolicies(ctx, s.account, KindUser, u.Name); err != nil {
		return nil, err
	} else if len(ps) > 0 {
		return nil, conflict("delete policies")
	}
	if ps, err := s.store.ListAttachedPolicies(ctx, s.account, KindUser, u.Name); err != nil {
		return nil, err
	} else if len(ps) > 0 {
		return nil, conflict("detach all policies")
	}
	if gs, err := s.store.ListUserGroups(ctx, s.account, u.Name); err != nil {
		return nil, err
	} else if len(gs) > 0 {
		return nil, conflict("remove users from group")
	}
	if err := s.store.DeleteUser(ctx, s.account, u.Name); err != nil {
		return nil, storeErr(err, "user", u.Name)
	}
	s.changed()
	s.clearKeys()
	return &iamapi.DeleteUserOutput{}, nil
}

// TagUser adds or replaces tags of a user.
func (s *Service) TagUser(ctx context.Context, in *iamapi.TagUserInput) (*iamapi.TagUserOutput, error) {
	u, err := s.user(ctx, in.UserName)
	if err != nil {
		return nil, err
	}
	tags := mergeTags(u.Tags, fromWireTags(in.Tags))
	if err := checkTags(tags); err != nil {
		return nil, err
	}
	if err := s.store.SetUserTags(ctx, s.account, u.Name, tags); err != nil {
		return nil, storeErr(err, "user", u.Name)
	}
	s.changed()
	return &iamapi.TagUserOutput{}, nil
}

// UntagUser removes tags of a user.
func (s *Service) UntagUser(ctx context.Context, in *iamapi.UntagUserInput) (*iamapi.UntagUserOutput, error) {
	u, err := s.user(ctx, in.UserName)
	if err != nil {
		return nil, err
	}
	if err := s.store.SetUserTags(ctx, s.account, u.Name, removeTags(u.Tags, in.TagKeys)); err != nil {
		return nil, storeErr(err, "user", u.Name)
	}
	s.changed()
	return &iamapi.UntagUserOutput{}, nil
}

// ListUserTags lists a user's tags.
func (s *Service) ListUserTags(ctx context.Context, in *iamapi.ListUserTagsInput) (*iamapi.ListUserTagsOutput, error) {
	u, err := s.user(ctx, in.UserName)
	if err != nil {
		return nil, err
	}
	f := false
	tags := toWireTags(u.Tags)
	if tags == nil {
		tags = []*iamapi.Tag{}
	}
	return &iamapi.ListUserTagsOutput{Tags: tags, IsTruncated: &f}, nil
}

// PutUserPermissionsBoundary sets a user's permissions boundary.
func (s *Service) PutUserPermissionsBoundary(ctx context.Context, in *iamapi.PutUserPermissionsBoundaryInput) (*iamapi.PutUserPermissionsBoundaryOutput, error) {
	if err := s.checkBoundary(ctx, in.PermissionsBoundary); err != nil {
		return nil, err
	}
	if err := s.store.SetUserBoundary(ctx, s.account, in.UserName, in.PermissionsBoundary); err != nil {
		return nil, storeErr(err, "user", in.UserName)
	}
	s.changed()
	return &iamapi.PutUserPermissionsBoundaryOutput{}, nil
}

// DeleteUserPermissionsBoundary removes a user's permissions boundary.
func (s *Service) DeleteUserPermissionsBoundary(ctx context.Context, in *iamapi.DeleteUserPermissionsBoundaryInput) (*iamapi.DeleteUserPermissionsBoundaryOutput, error) {
	if err := s.store.SetUserBoundary(ctx, s.account, in.UserName, ""); err != nil {
		return nil, storeErr(err, "user", in.UserName)
	}
	s.changed()
	return &iamapi.DeleteUserPermissionsBoundaryOutput{}, nil
}

// checkBoundary checks that a permissions boundary names an existing
// managed policy.
func (s *Service) checkBoundary(ctx context.Context, policyARN string) error {
	if _, err := s.store.GetPolicy(ctx, policyARN); err != nil {
		if errors.Is(err, awserr.NotFound) {
			return iamapi.NewNoSuchEntityException("Scope ARN: %s does not exist or is not attachable.", policyARN)
		}
		return err
	}
	return nil
}

// --- API: access keys ---

// CreateAccessKey makes a new access key for a user (the caller when no
// user is named).
func (s *Service) CreateAccessKey(ctx context.Context, in *iamapi.CreateAccessKeyInput) (*iamapi.CreateAccessKeyOutput, error) {
	u, err := s.user(ctx, in.UserName)
	if err != nil {
		return nil, err
	}
	c, err := s.newAccessKey(ctx, u.Name)
	if err != nil {
		return nil, err
	}
	return &iamapi.CreateAccessKeyOutput{AccessKey: &iamapi.AccessKey{
		UserName: u.Name, AccessKeyId: c.AccessKeyID, SecretAccessKey: c.SecretAccessKey, Status: KeyActive, CreateDate: ts(s.now()),
	}}, nil
}

// ListAccessKeys lists a user's access keys, without secrets.
func (s *Service) ListAccessKeys(ctx context.Context, in *iamapi.ListAccessKeysInput) (*iamapi.ListAccessKeysOutput, error) {
	u, err := s.user(ctx, in.UserName)
	if err != nil {
		return nil, err
	}
	keys, err := s.store.ListAccessKeys(ctx, s.account, u.Name)
	if err != nil {
		return nil, err
	}
	f := false
	out := &iamapi.ListAccessKeysOutput{AccessKeyMetadata: []*iamapi.AccessKeyMetadata{}, IsTruncated: &f}
	for _, k := range keys {
		out.AccessKeyMetadata = append(out.AccessKeyMetadata, &iamapi.AccessKeyMetadata{
			UserName: u.Name, AccessKeyId: k.ID, Status: k.Status, CreateDate: ts(k.CreateDate)})
	}
	return out, nil
}

// UpdateAccessKey activates or deactivates an access key.
func (s *Service) UpdateAccessKey(ctx context.Context, in *iamapi.UpdateAccessKeyInput) (*iamapi.UpdateAccessKeyOutput, error) {
	u, err := s.user(ctx, in.UserName)
	if err != nil {
		return nil, err
	}
	if err := s.store.UpdateAccessKeyStatus(ctx, s.account, u.Name, in.AccessKeyId, in.Status); err != nil {
		return nil, storeErr(err, "access key", in.AccessKeyId)
	}
	s.forgetKey(in.AccessKeyId)
	return &iamapi.UpdateAccessKeyOutput{}, nil
}

// DeleteAccessKey deletes an access key.
func (s *Service) DeleteAccessKey(ctx context.Context, in *iamapi.DeleteAccessKeyInput) (*iamapi.DeleteAccessKeyOutput, error) {
	u, err := s.user(ctx, in.UserName)
	if err != nil {
		return nil, err
	}
	if err := s.store.DeleteAccessKey(ctx, s.account, u.Name, in.AccessKeyId); err != nil {
		return nil, storeErr(err, "access key", in.AccessKeyId)
	}
	s.forgetKey(in.AccessKeyId)
	return &iamapi.DeleteAccessKeyOutput{}, nil
}

// GetAccessKeyLastUsed says when and where an access key was last used.
func (s *Service) GetAccessKeyLastUsed(ctx context.Context, in *iamapi.GetAccessKeyLastUsedInput) (*iamapi.GetAccessKeyLastUsedOutput, error) {
	k, err := s.store.GetAccessKey(ctx, in.AccessKeyId)
	if err != nil || k.Account != s.account {
		return nil, iamapi.NewNoSuchEntityException("The Access Key with id %s cannot be found.", in.AccessKeyId)
	}
	if use, ok := s.pendingKeyUse(k.ID); ok && use.at.After(k.LastUsed) {
		k.LastUsed, k.LastService, k.LastRegion = use.at, use.service, s.region
	}
	lu := &iamapi.AccessKeyLastUsed{ServiceName: "N/A", Region: "N/A"}
	if !k.LastUsed.IsZero() {
		lu.LastUsedDate = ts(k.LastUsed)
		if k.LastService != "" {
			lu.ServiceName = k.LastService
		}
		if k.LastRegion != "" {
			lu.Region = k.LastRegion
		}
	}
	return &iamapi.GetAccessKeyLastUsedOutput{UserName: k.UserName, AccessKeyLastUsed: lu}, nil
}
