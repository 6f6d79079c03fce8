// Copyright 2026 The kanri Authors
// SPDX-License-Identifier: Apache-2.0

package server

import (
	"context"
	"strings"

	"github.com/kanri-dev/kanri/internal/api"
	"github.com/kanri-dev/kanri/internal/iam"
	"github.com/kanri-dev/kanri/internal/kms"
	kmsapi "github.com/kanri-dev/kanri/internal/wire/kms"
)

// newKeys returns the KMS service of s.
func (s *Server) newKeys() *kms.Service {
	return kms.New(kms.Config{Store: s.db, Sealer: s.keyring, Account: s.account, Region: s.cfg.Region,
		Authorize: s.authorizeKey, Audit: s.recordOwnAction, Logger: s.log.With("component", "kms")})
}

// Keys returns the KMS service.
func (s *Server) Keys() *kms.Service { return s.keys }

// authorizeKey checks that the caller in ctx may perform action on a key,
// for work another service does with it (kms:ViaService in reqCtx).
func (s *Server) authorizeKey(ctx context.Context, action, keyARN string, reqCtx map[string][]string) error {
	c := iam.CallerFrom(ctx)
	if c == nil {
		return nil // the server's own work
	}
	return s.IAM.AuthorizeResources(ctx, c, action, []iam.Resource{{ARN: keyARN}}, withCallerAccount(ctx, reqCtx))
}

// withCallerAccount adds kms:CallerAccount, the caller's account, to a
// request's condition keys.
func withCallerAccount(ctx context.Context, reqCtx map[string][]string) map[string][]string {
	c := iam.CallerFrom(ctx)
	if c == nil {
		return reqCtx
	}
	if reqCtx == nil {
		reqCtx = map[string][]string{}
	}
	reqCtx["kms:CallerAccount"] = []string{c.Principal.Account}
	return reqCtx
}

// encryptionContextKeys returns the condition keys of a request's
// encryption context, with kms:CallerAccount.
func encryptionContextKeys(ctx context.Context, encCtx map[string]string) map[string][]string {
	return withCallerAccount(ctx, kms.EncryptionContextKeys(encCtx))
}

// kmsKeyID returns the key ID of a KMS key ARN of this server, false for
// any other ARN.
func (s *Server) kmsKeyID(resourceARN string) (string, bool) {
	prefix := "arn:aws:kms:" + s.cfg.Region + ":" + s.account + ":key/"
	return strings.CutPrefix(resourceARN, prefix)
}

// resourcePolicy returns the key policy of a KMS key, which governs every
// use of the key together with the caller's identity policies.
func (s *Server) resourcePolicy(ctx context.Context, resourceARN string) (string, bool) {
	id, ok := s.kmsKeyID(resourceARN)
	if !ok || s.keys == nil {
		return "", false
	}
	return s.keys.Policy(ctx, id)
}

// kmsKeyOp binds a KMS operation on the key its input names (by key ID or
// ARN, alias name or ARN), authorized on the key's ARN with
// kms:CallerAccount.
func kmsKeyOp[I, O any](k *kms.Service, name string, call func(context.Context, *I) (*O, error), keyID func(*I) string) *api.Operation {
	op := api.Resources(api.Op(name, call), func(ctx context.Context, in *I) []string {
		return []string{k.KeyARN(ctx, keyID(in))}
	})
	return api.Context(op, func(ctx context.Context, in *I) map[string][]string { return withCallerAccount(ctx, nil) })
}

// kmsService binds the KMS operations (JSON 1.1, TrentService).
func kmsService(k *kms.Service) *api.Service {
	callerAccount := func(ctx context.Context, _ *kmsapi.CreateKeyInput) map[string][]string {
		return withCallerAccount(ctx, nil)
	}
	ops := []*api.Operation{
		api.Context(api.Op("CreateKey", k.CreateKey), func(ctx context.Context, in *kmsapi.CreateKeyInput) map[string][]string {
			out := callerAccount(ctx, in)
			var keys []string
			for _, t := range in.Tags {
				out["aws:RequestTag/"+t.TagKey] = []string{t.TagValue}
				keys = append(keys, t.TagKey)
			}
			if len(keys) > 0 {
				out["aws:TagKeys"] = keys
			}
			return out
		}),
		api.Op("ListKeys", k.ListKeys).Read(),
		api.Op("ListAliases", k.ListAliases).Read(),
		kmsKeyOp(k, "DescribeKey", k.DescribeKey, func(in *kmsapi.DescribeKeyInput) string { return in.KeyId }).Read(),
		kmsKeyOp(k, "EnableKey", k.EnableKey, func(in *kmsapi.EnableKeyInput) string { return in.KeyId }),
		kmsKeyOp(k, "DisableKey", k.DisableKey, func(in *kmsapi.DisableKeyInput) string { return in.KeyId }),
		kmsKeyOp(k, "UpdateKeyDescription", k.UpdateKeyDescription, func(in *kmsapi.UpdateKeyDescriptionInput) string { return in.KeyId }),
		kmsKeyOp(k, "ScheduleKeyDeletion", k.ScheduleKeyDeletion, func(in *kmsapi.ScheduleKeyDeletionInput) string { return in.KeyId }),
		kmsKeyOp(k, "CancelKeyDeletion", k.CancelKeyDeletion, func(in *kmsapi.CancelKeyDeletionInput) string { return in.KeyId }),
		kmsKeyOp(k, "EnableKeyRotation", k.EnableKeyRotation, func(in *kmsapi.EnableKeyRotationInput) string { return in.KeyId }),
		kmsKeyOp(k, "DisableKeyRotation", k.DisableKeyRotation, func(in *kmsapi.DisableKeyRotationInput) string { return in.KeyId }),
		kmsKeyOp(k, "GetKeyRotationStatus", k.GetKeyRotationStatus, func(in *kmsapi.GetKeyRotationStatusInput) string { return in.KeyId }).Read(),
		kmsKeyOp(k, "RotateKeyOnDemand", k.RotateKeyOnDemand, func(in *kmsapi.RotateKeyOnDemandInput) string { return in.KeyId }),
		kmsKeyOp(k, "ListKeyRotations", k.ListKeyRotations, func(in *kmsapi.ListKeyRotationsInput) string { return in.KeyId }).Read(),
		kmsKeyOp(k, "GetKeyPolicy", k.GetKeyPolicy, func(in *kmsapi.GetKeyPolicyInput) string { return in.KeyId }).Read(),
		kmsKeyOp(k, "PutKeyPolicy", k.PutKeyPolicy, func(in *kmsapi.PutKeyPolicyInput) string { return in.KeyId }),
		kmsKeyOp(k, "ListKeyPolicies", k.ListKeyPolicies, func(in *kmsapi.ListKeyPoliciesInput) string { return in.KeyId }).Read(),
		kmsKeyOp(k, "TagResource", k.TagResource, func(in *kmsapi.TagResourceInput) string { return in.KeyId }),
		kmsKeyOp(k, "UntagResource", k.UntagResource, func(in *kmsapi.UntagResourceInput) string { return in.KeyId }),
		kmsKeyOp(k, "ListResourceTags", k.ListResourceTags, func(in *kmsapi.ListResourceTagsInput) string { return in.KeyId }).Read(),
		// An alias is created, moved and deleted with permission on the
		// alias and on its key, as on AWS.
		api.Resources(api.Op("CreateAlias", k.CreateAlias), func(ctx context.Context, in *kmsapi.CreateAliasInput) []string {
			return []string{k.AliasARN(in.AliasName), k.KeyARN(ctx, in.TargetKeyId)}
		}),
		api.Resources(api.Op("UpdateAlias", k.UpdateAlias), func(ctx context.Context, in *kmsapi.UpdateAliasInput) []string {
			return []string{k.AliasARN(in.AliasName), k.KeyARN(ctx, in.TargetKeyId)}
		}),
		api.Resources(api.Op("DeleteAlias", k.DeleteAlias), func(ctx context.Context, in *kmsapi.DeleteAliasInput) []string {
			return []string{k.AliasARN(in.AliasName), k.KeyARN(ctx, in.AliasName)}
		}),
		api.Context(api.Resources(api.Op("Encrypt", k.Encrypt), func(ctx context.Context, in *kmsapi.EncryptInput) []string {
			return []string{k.KeyARN(ctx, in.KeyId)}
		}), func(ctx context.Context, in *kmsapi.EncryptInput) map[string][]string {
			return encryptionContextKeys(ctx, in.EncryptionContext)
		}),
		api.Context(api.Resources(api.Op("Decrypt", k.Decrypt), func(ctx context.Context, in *kmsapi.DecryptInput) []string {
			if arn := k.CiphertextKeyARN(in.CiphertextBlob); arn != "" {
				return []string{arn}
			}
			return nil
		}), func(ctx context.Context, in *kmsapi.DecryptInput) map[string][]string {
			return encryptionContextKeys(ctx, in.EncryptionContext)
		}),
		api.Context(api.Resources(api.Op("GenerateDataKey", k.GenerateDataKey), func(ctx context.Context, in *kmsapi.GenerateDataKeyInput) []string {
			return []string{k.KeyARN(ctx, in.KeyId)}
		}), func(ctx context.Context, in *kmsapi.GenerateDataKeyInput) map[string][]string {
			return encryptionContextKeys(ctx, in.EncryptionContext)
		}),
		api.Context(api.Resources(api.Op("GenerateDataKeyWithoutPlaintext", k.GenerateDataKeyWithoutPlaintext),
			func(ctx context.Context, in *kmsapi.GenerateDataKeyWithoutPlaintextInput) []string {
				return []string{k.KeyARN(ctx, in.KeyId)}
			}), func(ctx context.Context, in *kmsapi.GenerateDataKeyWithoutPlaintextInput) map[string][]string {
			return encryptionContextKeys(ctx, in.EncryptionContext)
		}),
	}
	return &api.Service{Name: "kms", Protocol: api.JSON, TargetPrefix: kmsapi.TargetPrefix, Operations: ops}
}
