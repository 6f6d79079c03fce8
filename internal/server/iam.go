// Copyright 2026 The kanri Authors
// SPDX-License-Identifier: Apache-2.0

package server

import (
	"context"
	"strings"

	"github.com/kanri-dev/kanri/internal/api"
	"github.com/kanri-dev/kanri/internal/iam"
	iamapi "github.com/kanri-dev/kanri/internal/wire/iam"
)

// tagContext returns the condition keys of tags a request sets.
func tagContext(tags []*iamapi.Tag) map[string][]string {
	if len(tags) == 0 {
		return nil
	}
	out := map[string][]string{}
	var keys []string
	for _, t := range tags {
		out["aws:RequestTag/"+t.Key] = []string{t.Value}
		keys = append(keys, t.Key)
	}
	out["aws:TagKeys"] = keys
	return out
}

// iamService binds the IAM operations, each with the ARNs it acts on.
func iamService(s *iam.Service) *api.Service {
	user := func(ctx context.Context, name string) []string {
		if name == "" {
			if c := iam.CallerFrom(ctx); c != nil {
				return []string{c.Principal.ARN}
			}
		}
		return []string{s.EntityARN(ctx, iam.KindUser, name)}
	}
	group := func(ctx context.Context, name string) []string {
		return []string{s.EntityARN(ctx, iam.KindGroup, name)}
	}
	role := func(ctx context.Context, name string) []string { return []string{s.EntityARN(ctx, iam.KindRole, name)} }
	profile := func(ctx context.Context, name string) []string {
		return []string{s.EntityARN(ctx, "instance-profile", name)}
	}
	one := func(arn string) []string { return []string{arn} }

	ops := []*api.Operation{
		// Users
		api.Context(api.Resources(api.Op("CreateUser", s.CreateUser), func(ctx context.Context, in *iamapi.CreateUserInput) []string {
			return one(s.NewEntityARN(iam.KindUser, in.Path, in.UserName))
		}), func(ctx context.Context, in *iamapi.CreateUserInput) map[string][]string {
			return boundaryContext(tagContext(in.Tags), in.PermissionsBoundary)
		}),
		api.Resources(api.Op("GetUser", s.GetUser).Read(), func(ctx context.Context, in *iamapi.GetUserInput) []string { return user(ctx, in.UserName) }),
		api.Op("ListUsers", s.ListUsers).Read(),
		api.Resources(api.Op("UpdateUser", s.UpdateUser), func(ctx context.Context, in *iamapi.UpdateUserInput) []string { return user(ctx, in.UserName) }),
		api.Resources(api.Op("DeleteUser", s.DeleteUser), func(ctx context.Context, in *iamapi.DeleteUserInput) []string { return user(ctx, in.UserName) }),
		api.Context(api.Resources(api.Op("TagUser", s.TagUser), func(ctx context.Context, in *iamapi.TagUserInput) []string { return user(ctx, in.UserName) }),
			func(ctx context.Context, in *iamapi.TagUserInput) map[string][]string { return tagContext(in.Tags) }),
		api.Resources(api.Op("UntagUser", s.UntagUser), func(ctx context.Context, in *iamapi.UntagUserInput) []string { return user(ctx, in.UserName) }),
		api.Resources(api.Op("ListUserTags", s.ListUserTags).Read(), func(ctx context.Context, in *iamapi.ListUserTagsInput) []string { return user(ctx, in.UserName) }),
		api.Context(api.Resources(api.Op("PutUserPermissionsBoundary", s.PutUserPermissionsBoundary), func(ctx context.Context, in *iamapi.PutUserPermissionsBoundaryInput) []string {
			return user(ctx, in.UserName)
		}), func(ctx context.Context, in *iamapi.PutUserPermissionsBoundaryInput) map[string][]string {
			return boundaryContext(nil, in.PermissionsBoundary)
		}),
		api.Resources(api.Op("DeleteUserPermissionsBoundary", s.DeleteUserPermissionsBoundary), func(ctx context.Context, in *iamapi.DeleteUserPermissionsBoundaryInput) []string {
			return user(ctx, in.UserName)
		}),

		// Access keys
		api.Resources(api.Op("CreateAccessKey", s.CreateAccessKey), func(ctx context.Context, in *iamapi.CreateAccessKeyInput) []string { return user(ctx, in.UserName) }),
		api.Resources(api.Op("ListAccessKeys", s.ListAccessKeys).Read(), func(ctx context.Context, in *iamapi.ListAccessKeysInput) []string { return user(ctx, in.UserName) }),
		api.Resources(api.Op("UpdateAccessKey", s.UpdateAccessKey), func(ctx context.Context, in *iamapi.UpdateAccessKeyInput) []string { return user(ctx, in.UserName) }),
		api.Resources(api.Op("DeleteAccessKey", s.DeleteAccessKey), func(ctx context.Context, in *iamapi.DeleteAccessKeyInput) []string { return user(ctx, in.UserName) }),
		api.Op("GetAccessKeyLastUsed", s.GetAccessKeyLastUsed).Read(),

		// Groups
		api.Resources(api.Op("CreateGroup", s.CreateGroup), func(ctx context.Context, in *iamapi.CreateGroupInput) []string {
			return one(s.NewEntityARN(iam.KindGroup, in.Path, in.GroupName))
		}),
		api.Resources(api.Op("GetGroup", s.GetGroup).Read(), func(ctx context.Context, in *iamapi.GetGroupInput) []string { return group(ctx, in.GroupName) }),
		api.Op("ListGroups", s.ListGroups).Read(),
		api.Resources(api.Op("ListGroupsForUser", s.ListGroupsForUser).Read(), func(ctx context.Context, in *iamapi.ListGroupsForUserInput) []string { return user(ctx, in.UserName) }),
		api.Resources(api.Op("UpdateGroup", s.UpdateGroup), func(ctx context.Context, in *iamapi.UpdateGroupInput) []string { return group(ctx, in.GroupName) }),
		api.Resources(api.Op("DeleteGroup", s.DeleteGroup), func(ctx context.Context, in *iamapi.DeleteGroupInput) []string { return group(ctx, in.GroupName) }),
		api.Resources(api.Op("AddUserToGroup", s.AddUserToGroup), func(ctx context.Context, in *iamapi.AddUserToGroupInput) []string { return group(ctx, in.GroupName) }),
		api.Resources(api.Op("RemoveUserFromGroup", s.RemoveUserFromGroup), func(ctx context.Context, in *iamapi.RemoveUserFromGroupInput) []string {
			return group(ctx, in.GroupName)
		}),

		// Roles
		api.Context(api.Resources(api.Op("CreateRole", s.CreateRole), func(ctx context.Context, in *iamapi.CreateRoleInput) []string {
			return one(s.NewEntityARN(iam.KindRole, in.Path, in.RoleName))
		}), func(ctx context.Context, in *iamapi.CreateRoleInput) map[string][]string {
			return boundaryContext(tagContext(in.Tags), in.PermissionsBoundary)
		}),
		api.Resources(api.Op("GetRole", s.GetRole).Read(), func(ctx context.Context, in *iamapi.GetRoleInput) []string { return role(ctx, in.RoleName) }),
		api.Op("ListRoles", s.ListRoles).Read(),
		api.Resources(api.Op("UpdateRole", s.UpdateRole), func(ctx context.Context, in *iamapi.UpdateRoleInput) []string { return role(ctx, in.RoleName) }),
		api.Resources(api.Op("UpdateRoleDescription", s.UpdateRoleDescription), func(ctx context.Context, in *iamapi.UpdateRoleDescriptionInput) []string {
			return role(ctx, in.RoleName)
		}),
		api.Resources(api.Op("UpdateAssumeRolePolicy", s.UpdateAssumeRolePolicy), func(ctx context.Context, in *iamapi.UpdateAssumeRolePolicyInput) []string {
			return role(ctx, in.RoleName)
		}),
		api.Context(api.Resources(api.Op("PutRolePermissionsBoundary", s.PutRolePermissionsBoundary), func(ctx context.Context, in *iamapi.PutRolePermissionsBoundaryInput) []string {
			return role(ctx, in.RoleName)
		}), func(ctx context.Context, in *iamapi.PutRolePermissionsBoundaryInput) map[string][]string {
			return boundaryContext(nil, in.PermissionsBoundary)
		}),
		api.Resources(api.Op("DeleteRolePermissionsBoundary", s.DeleteRolePermissionsBoundary), func(ctx context.Context, in *iamapi.DeleteRolePermissionsBoundaryInput) []string {
			return role(ctx, in.RoleName)
		}),
		api.Context(api.Resources(api.Op("TagRole", s.TagRole), func(ctx context.Context, in *iamapi.TagRoleInput) []string { return role(ctx, in.RoleName) }),
			func(ctx context.Context, in *iamapi.TagRoleInput) map[string][]string { return tagContext(in.Tags) }),
		api.Resources(api.Op("UntagRole", s.UntagRole), func(ctx context.Context, in *iamapi.UntagRoleInput) []string { return role(ctx, in.RoleName) }),
		api.Resources(api.Op("ListRoleTags", s.ListRoleTags).Read(), func(ctx context.Context, in *iamapi.ListRoleTagsInput) []string { return role(ctx, in.RoleName) }),
		api.Resources(api.Op("DeleteRole", s.DeleteRole), func(ctx context.Context, in *iamapi.DeleteRoleInput) []string { return role(ctx, in.RoleName) }),

		// Inline policies
		api.Resources(api.Op("PutUserPolicy", s.PutUserPolicy), func(ctx context.Context, in *iamapi.PutUserPolicyInput) []string { return user(ctx, in.UserName) }),
		api.Resources(api.Op("GetUserPolicy", s.GetUserPolicy).Read(), func(ctx context.Context, in *iamapi.GetUserPolicyInput) []string { return user(ctx, in.UserName) }),
		api.Resources(api.Op("ListUserPolicies", s.ListUserPolicies).Read(), func(ctx context.Context, in *iamapi.ListUserPoliciesInput) []string { return user(ctx, in.UserName) }),
		api.Resources(api.Op("DeleteUserPolicy", s.DeleteUserPolicy), func(ctx context.Context, in *iamapi.DeleteUserPolicyInput) []string { return user(ctx, in.UserName) }),
		api.Resources(api.Op("PutGroupPolicy", s.PutGroupPolicy), func(ctx context.Context, in *iamapi.PutGroupPolicyInput) []string { return group(ctx, in.GroupName) }),
		api.Resources(api.Op("GetGroupPolicy", s.GetGroupPolicy).Read(), func(ctx context.Context, in *iamapi.GetGroupPolicyInput) []string { return group(ctx, in.GroupName) }),
		api.Resources(api.Op("ListGroupPolicies", s.ListGroupPolicies).Read(), func(ctx context.Context, in *iamapi.ListGroupPoliciesInput) []string { return group(ctx, in.GroupName) }),
		api.Resources(api.Op("DeleteGroupPolicy", s.DeleteGroupPolicy), func(ctx context.Context, in *iamapi.DeleteGroupPolicyInput) []string { return group(ctx, in.GroupName) }),
		api.Resources(api.Op("PutRolePolicy", s.PutRolePolicy), func(ctx context.Context, in *iamapi.PutRolePolicyInput) []string { return role(ctx, in.RoleName) }),
		api.Resources(api.Op("GetRolePolicy", s.GetRolePolicy).Read(), func(ctx context.Context, in *iamapi.GetRolePolicyInput) []string { return role(ctx, in.RoleName) }),
		api.Resources(api.Op("ListRolePolicies", s.ListRolePolicies).Read(), func(ctx context.Context, in *iamapi.ListRolePoliciesInput) []string { return role(ctx, in.RoleName) }),
		api.Resources(api.Op("DeleteRolePolicy", s.DeleteRolePolicy), func(ctx context.Context, in *iamapi.DeleteRolePolicyInput) []string { return role(ctx, in.RoleName) }),

		// Managed policies
		api.Context(api.Resources(api.Op("CreatePolicy", s.CreatePolicy), func(ctx context.Context, in *iamapi.CreatePolicyInput) []string {
			return one(s.NewEntityARN("policy", in.Path, in.PolicyName))
		}), func(ctx context.Context, in *iamapi.CreatePolicyInput) map[string][]string {
			return tagContext(in.Tags)
		}),
		api.Resources(api.Op("GetPolicy", s.GetPolicy).Read(), func(ctx context.Context, in *iamapi.GetPolicyInput) []string { return one(in.PolicyArn) }),
		api.Op("ListPolicies", s.ListPolicies).Read(),
		api.Resources(api.Op("DeletePolicy", s.DeletePolicy), func(ctx context.Context, in *iamapi.DeletePolicyInput) []string { return one(in.PolicyArn) }),
		api.Resources(api.Op("CreatePolicyVersion", s.CreatePolicyVersion), func(ctx context.Context, in *iamapi.CreatePolicyVersionInput) []string { return one(in.PolicyArn) }),
		api.Resources(api.Op("GetPolicyVersion", s.GetPolicyVersion).Read(), func(ctx context.Context, in *iamapi.GetPolicyVersionInput) []string { return one(in.PolicyArn) }),
		api.Resources(api.Op("ListPolicyVersions", s.ListPolicyVersions).Read(), func(ctx context.Context, in *iamapi.ListPolicyVersionsInput) []string { return one(in.PolicyArn) }),
		api.Resources(api.Op("SetDefaultPolicyVersion", s.SetDefaultPolicyVersion), func(ctx context.Context, in *iamapi.SetDefaultPolicyVersionInput) []string { return one(in.PolicyArn) }),
		api.Resources(api.Op("DeletePolicyVersion", s.DeletePolicyVersion), func(ctx context.Context, in *iamapi.DeletePolicyVersionInput) []string { return one(in.PolicyArn) }),
		api.Context(api.Resources(api.Op("TagPolicy", s.TagPolicy), func(ctx context.Context, in *iamapi.TagPolicyInput) []string { return one(in.PolicyArn) }),
			func(ctx context.Context, in *iamapi.TagPolicyInput) map[string][]string { return tagContext(in.Tags) }),
		api.Resources(api.Op("UntagPolicy", s.UntagPolicy), func(ctx context.Context, in *iamapi.UntagPolicyInput) []string { return one(in.PolicyArn) }),
		api.Resources(api.Op("ListPolicyTags", s.ListPolicyTags).Read(), func(ctx context.Context, in *iamapi.ListPolicyTagsInput) []string { return one(in.PolicyArn) }),
		api.Resources(api.Op("ListEntitiesForPolicy", s.ListEntitiesForPolicy).Read(), func(ctx context.Context, in *iamapi.ListEntitiesForPolicyInput) []string { return one(in.PolicyArn) }),

		// Attachments: the action acts on the identity (iam:PolicyARN is the
		// condition key naming the policy).
		api.Context(api.Resources(api.Op("AttachUserPolicy", s.AttachUserPolicy), func(ctx context.Context, in *iamapi.AttachUserPolicyInput) []string { return user(ctx, in.UserName) }),
			func(ctx context.Context, in *iamapi.AttachUserPolicyInput) map[string][]string {
				return policyARNContext(in.PolicyArn)
			}),
		api.Context(api.Resources(api.Op("AttachGroupPolicy", s.AttachGroupPolicy), func(ctx context.Context, in *iamapi.AttachGroupPolicyInput) []string { return group(ctx, in.GroupName) }),
			func(ctx context.Context, in *iamapi.AttachGroupPolicyInput) map[string][]string {
				return policyARNContext(in.PolicyArn)
			}),
		api.Context(api.Resources(api.Op("AttachRolePolicy", s.AttachRolePolicy), func(ctx context.Context, in *iamapi.AttachRolePolicyInput) []string { return role(ctx, in.RoleName) }),
			func(ctx context.Context, in *iamapi.AttachRolePolicyInput) map[string][]string {
				return policyARNContext(in.PolicyArn)
			}),
		api.Context(api.Resources(api.Op("DetachUserPolicy", s.DetachUserPolicy), func(ctx context.Context, in *iamapi.DetachUserPolicyInput) []string { return user(ctx, in.UserName) }),
			func(ctx context.Context, in *iamapi.DetachUserPolicyInput) map[string][]string {
				return policyARNContext(in.PolicyArn)
			}),
		api.Context(api.Resources(api.Op("DetachGroupPolicy", s.DetachGroupPolicy), func(ctx context.Context, in *iamapi.DetachGroupPolicyInput) []string { return group(ctx, in.GroupName) }),
			func(ctx context.Context, in *iamapi.DetachGroupPolicyInput) map[string][]string {
				return policyARNContext(in.PolicyArn)
			}),
		api.Context(api.Resources(api.Op("DetachRolePolicy", s.DetachRolePolicy), func(ctx context.Context, in *iamapi.DetachRolePolicyInput) []string { return role(ctx, in.RoleName) }),
			func(ctx context.Context, in *iamapi.DetachRolePolicyInput) map[string][]string {
				return policyARNContext(in.PolicyArn)
			}),
		api.Resources(api.Op("ListAttachedUserPolicies", s.ListAttachedUserPolicies).Read(), func(ctx context.Context, in *iamapi.ListAttachedUserPoliciesInput) []string {
			return user(ctx, in.UserName)
		}),
		api.Resources(api.Op("ListAttachedGroupPolicies", s.ListAttachedGroupPolicies).Read(), func(ctx context.Context, in *iamapi.ListAttachedGroupPoliciesInput) []string {
			return group(ctx, in.GroupName)
		}),
		api.Resources(api.Op("ListAttachedRolePolicies", s.ListAttachedRolePolicies).Read(), func(ctx context.Context, in *iamapi.ListAttachedRolePoliciesInput) []string {
			return role(ctx, in.RoleName)
		}),

		// Instance profiles
		api.Resources(api.Op("CreateInstanceProfile", s.CreateInstanceProfile), func(ctx context.Context, in *iamapi.CreateInstanceProfileInput) []string {
			return one(s.NewEntityARN("instance-profile", in.Path, in.InstanceProfileName))
		}),
		api.Resources(api.Op("GetInstanceProfile", s.GetInstanceProfile).Read(), func(ctx context.Context, in *iamapi.GetInstanceProfileInput) []string {
			return profile(ctx, in.InstanceProfileName)
		}),
		api.Op("ListInstanceProfiles", s.ListInstanceProfiles).Read(),
		api.Resources(api.Op("ListInstanceProfilesForRole", s.ListInstanceProfilesForRole).Read(), func(ctx context.Context, in *iamapi.ListInstanceProfilesForRoleInput) []string {
			return role(ctx, in.RoleName)
		}),
		api.Resources(api.Op("AddRoleToInstanceProfile", s.AddRoleToInstanceProfile), func(ctx context.Context, in *iamapi.AddRoleToInstanceProfileInput) []string {
			return profile(ctx, in.InstanceProfileName)
		}),
		api.Resources(api.Op("RemoveRoleFromInstanceProfile", s.RemoveRoleFromInstanceProfile), func(ctx context.Context, in *iamapi.RemoveRoleFromInstanceProfileInput) []string {
			return profile(ctx, in.InstanceProfileName)
		}),
		api.Resources(api.Op("DeleteInstanceProfile", s.DeleteInstanceProfile), func(ctx context.Context, in *iamapi.DeleteInstanceProfileInput) []string {
			return profile(ctx, in.InstanceProfileName)
		}),

		// OpenID Connect providers
		api.Context(api.Op("CreateOpenIDConnectProvider", s.CreateOpenIDConnectProvider),
			func(ctx context.Context, in *iamapi.CreateOpenIDConnectProviderInput) map[string][]string {
				return tagContext(in.Tags)
			}),
		api.Resources(api.Op("GetOpenIDConnectProvider", s.GetOpenIDConnectProvider).Read(), func(ctx context.Context, in *iamapi.GetOpenIDConnectProviderInput) []string {
			return one(in.OpenIDConnectProviderArn)
		}),
		api.Op("ListOpenIDConnectProviders", s.ListOpenIDConnectProviders).Read(),
		api.Resources(api.Op("AddClientIDToOpenIDConnectProvider", s.AddClientIDToOpenIDConnectProvider), func(ctx context.Context, in *iamapi.AddClientIDToOpenIDConnectProviderInput) []string {
			return one(in.OpenIDConnectProviderArn)
		}),
		api.Resources(api.Op("RemoveClientIDFromOpenIDConnectProvider", s.RemoveClientIDFromOpenIDConnectProvider), func(ctx context.Context, in *iamapi.RemoveClientIDFromOpenIDConnectProviderInput) []string {
			return one(in.OpenIDConnectProviderArn)
		}),
		api.Resources(api.Op("UpdateOpenIDConnectProviderThumbprint", s.UpdateOpenIDConnectProviderThumbprint), func(ctx context.Context, in *iamapi.UpdateOpenIDConnectProviderThumbprintInput) []string {
			return one(in.OpenIDConnectProviderArn)
		}),
		api.Resources(api.Op("DeleteOpenIDConnectProvider", s.DeleteOpenIDConnectProvider), func(ctx context.Context, in *iamapi.DeleteOpenIDConnectProviderInput) []string {
			return one(in.OpenIDConnectProviderArn)
		}),

		// Simulation
		api.Resources(api.Op("SimulatePrincipalPolicy", s.SimulatePrincipalPolicy).Read(), func(ctx context.Context, in *iamapi.SimulatePrincipalPolicyInput) []string {
			return one(in.PolicySourceArn)
		}),
		api.Op("SimulateCustomPolicy", s.SimulateCustomPolicy).Read(),
	}
	return &api.Service{Name: "iam", Protocol: api.Query, Version: iamapi.APIVersion, XMLNamespace: iamapi.XMLNamespace, Operations: ops}
}

// boundaryContext adds iam:PermissionsBoundary, the boundary a request
// sets, to keys.
func boundaryContext(keys map[string][]string, boundary string) map[string][]string {
	if boundary == "" {
		return keys
	}
	if keys == nil {
		keys = map[string][]string{}
	}
	keys["iam:PermissionsBoundary"] = []string{boundary}
	return keys
}

// policyARNContext is the iam:PolicyARN condition key of an attachment.
func policyARNContext(arn string) map[string][]string {
	return map[string][]string{"iam:PolicyARN": {strings.TrimSpace(arn)}}
}
