// Copyright 2026 The kanri Authors
// SPDX-License-Identifier: Apache-2.0

package iam

import (
	"context"
	"errors"
	"strings"

	"github.com/kanri-dev/kanri/internal/awserr"
	iamapi "github.com/kanri-dev/kanri/internal/wire/iam"
)

func groupShape(g *Group) *iamapi.Group {
	return &iamapi.Group{Path: g.Path, GroupName: g.Name, GroupId: g.ID, Arn: g.ARN(), CreateDate: ts(g.CreateDate)}
}

// CreateGroup creates a group.
func (s *Service) CreateGroup(ctx context.Context, in *iamapi.CreateGroupInput) (*iamapi.CreateGroupOutput, error) {
	p, err := path(in.Path)
	if err != nil {
		return nil, err
	}
	g := &Group{Account: s.account, Name: in.GroupName, ID: NewID("AGPA"), Path: p, CreateDate: s.ctxNow(ctx)}
	if err := s.store.CreateGroup(ctx, g); err != nil {
		return nil, storeErr(err, "group", g.Name)
	}
	return &iamapi.CreateGroupOutput{Group: groupShape(g)}, nil
}

// GetGroup returns a group and its users.
func (s *Service) GetGroup(ctx context.Context, in *iamapi.GetGroupInput) (*iamapi.GetGroupOutput, error) {
	g, err := s.store.GetGroup(ctx, s.account, in.GroupName)
	if err != nil {
		return nil, storeErr(err, "group", in.GroupName)
	}
	us, err := s.store.ListGroupUsers(ctx, s.account, g.Name)
	if err != nil {
		return nil, err
	}
	f := false
	out := &iamapi.GetGroupOutput{Group: groupShape(g), Users: []*iamapi.User{}, IsTruncated: &f}
	for _, u := range us {
		sh := s.userShape(u)
		sh.Tags = nil
		out.Users = append(out.Users, sh)
	}
	return out, nil
}

// ListGroups lists groups by name.
func (s *Service) ListGroups(ctx context.Context, in *iamapi.ListGroupsInput) (*iamapi.ListGroupsOutput, error) {
	opt, limit, err := page(in.Marker, in.MaxItems, in.PathPrefix)
	if err != nil {
		return nil, err
	}
	gs, err := s.store.ListGroups(ctx, s.account, opt)
	if err != nil {
		return nil, err
	}
	gs, more, m := truncate(gs, limit, func(g *Group) string { return strings.ToLower(g.Name) })
	out := &iamapi.ListGroupsOutput{Groups: []*iamapi.Group{}, IsTruncated: more, Marker: m}
	for _, g := range gs {
		out.Groups = append(out.Groups, groupShape(g))
	}
	return out, nil
}

// ListGroupsForUser lists the groups a user belongs to.
func (s *Service) ListGroupsForUser(ctx context.Context, in *iamapi.ListGroupsForUserInput) (*iamapi.ListGroupsForUserOutput, error) {
	u, err := s.user(ctx, in.UserName)
	if err != nil {
		return nil, err
	}
	gs, err := s.store.ListUserGroups(ctx, s.account, u.Name)
	if err != nil {
		return nil, err
	}
	f := false
	out := &iamapi.ListGroupsForUserOutput{Groups: []*iamapi.Group{}, IsTruncated: &f}
	for _, g := range gs {
		out.Groups = append(out.Groups, groupShape(g))
	}
	return out, nil
}

// UpdateGroup renames a group or changes its path.
func (s *Service) UpdateGroup(ctx context.Context, in *iamapi.UpdateGroupInput) (*iamapi.UpdateGroupOutput, error) {
	var p string
	if in.NewPath != "" {
		var err error
		if p, err = path(in.NewPath); err != nil {
			return nil, err
		}
	}
	if err := s.store.UpdateGroup(ctx, s.account, in.GroupName, in.NewGroupName, p); err != nil {
		if errors.Is(err, awserr.Exists) {
			return nil, already("Group", in.NewGroupName)
		}
		return nil, storeErr(err, "group", in.GroupName)
	}
	s.changed()
	return &iamapi.UpdateGroupOutput{}, nil
}

// DeleteGroup deletes a group without members or policies.
func (s *Service) DeleteGroup(ctx context.Context, in *iamapi.DeleteGroupInput) (*iamapi.DeleteGroupOutput, error) {
	g, err := s.store.GetGroup(ctx, s.account, in.GroupName)
	if err != nil {
		return nil, storeErr(err, "group", in.GroupName)
	}
	if us, err := s.store.ListGroupUsers(ctx, s.account, g.Name); err != nil {
		return nil, err
	} else if len(us) > 0 {
		return nil, iamapi.NewDeleteConflictException("Cannot delete entity, must remove users from group first.")
	}
	if ps, err := s.store.ListInlinePolicies(ctx, s.account, KindGroup, g.Name); err != nil {
		return nil, err
	} else if len(ps) > 0 {
		return nil, iamapi.NewDeleteConflictException("Cannot delete entity, must delete policies first.")
	}
	if ps, err := s.store.ListAttachedPolicies(ctx, s.account, KindGroup, g.Name); err != nil {
		return nil, err
	} else if len(ps) > 0 {
		return nil, iamapi.NewDeleteConflictException("Cannot delete entity, must detach all policies first.")
	}
	if err := s.store.DeleteGroup(ctx, s.account, g.Name); err != nil {
		return nil, storeErr(err, "group", g.Name)
	}
	s.changed()
	return &iamapi.DeleteGroupOutput{}, nil
}

// AddUserToGroup adds a user to a group.
func (s *Service) AddUserToGroup(ctx context.Context, in *iamapi.AddUserToGroupInput) (*iamapi.AddUserToGroupOutput, error) {
	if _, err := s.store.GetGroup(ctx, s.account, in.GroupName); err != nil {
		return nil, storeErr(err, "group", in.GroupName)
	}
	if _, err := s.store.GetUser(ctx, s.account, in.UserName); err != nil {
		return nil, storeErr(err, "user", in.UserName)
	}
	if err := s.store.AddUserToGroup(ctx, s.account, in.GroupName, in.UserName); err != nil && !errors.Is(err, awserr.Exists) {
		return nil, err
	}
	s.changed()
	return &iamapi.AddUserToGroupOutput{}, nil
}

// RemoveUserFromGroup removes a user from a group.
func (s *Service) RemoveUserFromGroup(ctx context.Context, in *iamapi.RemoveUserFromGroupInput) (*iamapi.RemoveUserFromGroupOutput, error) {
	if err := s.store.RemoveUserFromGroup(ctx, s.account, in.GroupName, in.UserName); err != nil {
		return nil, storeErr(err, "user", in.UserName)
	}
	s.changed()
	return &iamapi.RemoveUserFromGroupOutput{}, nil
}
