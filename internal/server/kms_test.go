// Copyright 2026 The kanri Authors
// SPDX-License-Identifier: Apache-2.0

package server_test

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	kmstypes "github.com/aws/aws-sdk-go-v2/service/kms/types"

	"github.com/kanri-dev/kanri/internal/awserr"
	"github.com/kanri-dev/kanri/internal/iam"
)

// TestKMSKeys drives keys, aliases and encryption through the SDK: a
// round trip bound to its encryption context, rotation that keeps old
// ciphertexts readable, disabled and pending-deletion keys, and the
// errors of each.
func TestKMSKeys(t *testing.T) {
	k := startKanri(t)
	ctx, c := k.ctx, kms.NewFromConfig(k.k.Config())

	created, err := c.CreateKey(ctx, &kms.CreateKeyInput{Description: aws.String("activation codes"),
		Tags: []kmstypes.Tag{{TagKey: aws.String("team"), TagValue: aws.String("ops")}}})
	wantOK(t, "CreateKey", err)
	md := created.KeyMetadata
	keyID, keyARN := aws.ToString(md.KeyId), aws.ToString(md.Arn)
	if keyARN != fmt.Sprintf("arn:aws:kms:us-east-1:%s:key/%s", k.acct, keyID) || md.KeyState != kmstypes.KeyStateEnabled || !md.Enabled ||
		md.KeyManager != kmstypes.KeyManagerTypeCustomer || md.KeySpec != kmstypes.KeySpecSymmetricDefault || aws.ToString(md.Description) != "activation codes" {
		t.Errorf("CreateKey = %+v", md)
	}
	wantOK(t, "CreateAlias", mustErr(c.CreateAlias(ctx, &kms.CreateAliasInput{AliasName: aws.String("alias/hybrid"), TargetKeyId: aws.String(keyID)})))
	_, err = c.CreateAlias(ctx, &kms.CreateAliasInput{AliasName: aws.String("alias/hybrid"), TargetKeyId: aws.String(keyID)})
	wantErr(t, "CreateAlias twice", err, "AlreadyExistsException")
	_, err = c.CreateAlias(ctx, &kms.CreateAliasInput{AliasName: aws.String("alias/aws/mine"), TargetKeyId: aws.String(keyID)})
	wantErr(t, "CreateAlias under alias/aws/", err, "InvalidAliasNameException", "reserved")
	_, err = c.CreateAlias(ctx, &kms.CreateAliasInput{AliasName: aws.String("alias/bad name"), TargetKeyId: aws.String(keyID)})
	wantErr(t, "CreateAlias with a space", err, "ValidationException", "aliasName")

	// The key is found by ID, ARN, alias and alias ARN.
	for _, ref := range []string{keyID, keyARN, "alias/hybrid", fmt.Sprintf("arn:aws:kms:us-east-1:%s:alias/hybrid", k.acct)} {
		d, err := c.DescribeKey(ctx, &kms.DescribeKeyInput{KeyId: aws.String(ref)})
		if err != nil || aws.ToString(d.KeyMetadata.KeyId) != keyID {
			t.Errorf("DescribeKey(%s) = %v, want key %s", ref, err, keyID)
		}
	}
	_, err = c.DescribeKey(ctx, &kms.DescribeKeyInput{KeyId: aws.String("alias/none")})
	wantErr(t, "DescribeKey(unknown alias)", err, "NotFoundException", "alias/none")
	_, err = c.DescribeKey(ctx, &kms.DescribeKeyInput{KeyId: aws.String("00000000-0000-4000-8000-000000000000")})
	wantErr(t, "DescribeKey(unknown key)", err, "NotFoundException", "does not exist")

	secret := []byte("code-1234567890")
	encCtx := map[string]string{"PARAMETER_ARN": "arn:aws:ssm:us-east-1:" + k.acct + ":parameter/hybrid/code"}
	enc, err := c.Encrypt(ctx, &kms.EncryptInput{KeyId: aws.String("alias/hybrid"), Plaintext: secret, EncryptionContext: encCtx})
	wantOK(t, "Encrypt", err)
	if aws.ToString(enc.KeyId) != keyARN || bytes.Contains(enc.CiphertextBlob, secret) {
		t.Errorf("Encrypt = key %s, blob containing the plaintext: %v", aws.ToString(enc.KeyId), bytes.Contains(enc.CiphertextBlob, secret))
	}
	decrypt := func(what string, blob []byte, ec map[string]string) ([]byte, error) {
		t.Helper()
		out, err := c.Decrypt(ctx, &kms.DecryptInput{CiphertextBlob: blob, EncryptionContext: ec})
		if err != nil {
			return nil, err
		}
		if aws.ToString(out.KeyId) != keyARN {
			t.Errorf("%s: Decrypt key = %s, want %s", what, aws.ToString(out.KeyId), keyARN)
		}
		return out.Plaintext, nil
	}
	if got, err := decrypt("round trip", enc.CiphertextBlob, encCtx); err != nil || !bytes.Equal(got, secret) {
		t.Errorf("Decrypt = %q, %v; want %q", got, err, secret)
	}
	_, err = decrypt("wrong context", enc.CiphertextBlob, map[string]string{"PARAMETER_ARN": "other"})
	wantErr(t, "Decrypt with another encryption context", err, "InvalidCiphertextException")
	_, err = decrypt("no context", enc.CiphertextBlob, nil)
	wantErr(t, "Decrypt without the encryption context", err, "InvalidCiphertextException")
	damaged := bytes.Clone(enc.CiphertextBlob)
	damaged[len(damaged)-1] ^= 1
	_, err = decrypt("damaged", damaged, encCtx)
	wantErr(t, "Decrypt of a damaged blob", err, "InvalidCiphertextException")
	_, err = decrypt("garbage", []byte("not a ciphertext at all, not at all......................"), nil)
	wantErr(t, "Decrypt of garbage", err, "InvalidCiphertextException")
	other, err := c.CreateKey(ctx, &kms.CreateKeyInput{})
	wantOK(t, "CreateKey(other)", err)
	_, err = c.Decrypt(ctx, &kms.DecryptInput{CiphertextBlob: enc.CiphertextBlob, EncryptionContext: encCtx, KeyId: other.KeyMetadata.KeyId})
	wantErr(t, "Decrypt naming another key", err, "IncorrectKeyException")
	_, err = c.Encrypt(ctx, &kms.EncryptInput{KeyId: aws.String(keyID), Plaintext: make([]byte, 4097)})
	wantErr(t, "Encrypt of 4097 bytes", err, "ValidationException")

	// Rotation: new material encrypts, the old still decrypts.
	_, err = c.EnableKeyRotation(ctx, &kms.EnableKeyRotationInput{KeyId: aws.String(keyID), RotationPeriodInDays: aws.Int32(89)})
	wantErr(t, "EnableKeyRotation(89 days)", err, "ValidationException", "rotationPeriodInDays")
	_, err = c.EnableKeyRotation(ctx, &kms.EnableKeyRotationInput{KeyId: aws.String(keyID), RotationPeriodInDays: aws.Int32(90)})
	wantOK(t, "EnableKeyRotation", err)
	st, err := c.GetKeyRotationStatus(ctx, &kms.GetKeyRotationStatusInput{KeyId: aws.String(keyID)})
	if err != nil || !st.KeyRotationEnabled || aws.ToInt32(st.RotationPeriodInDays) != 90 || st.NextRotationDate == nil {
		t.Errorf("GetKeyRotationStatus = %+v, %v", st, err)
	}
	_, err = c.RotateKeyOnDemand(ctx, &kms.RotateKeyOnDemandInput{KeyId: aws.String(keyID)})
	wantOK(t, "RotateKeyOnDemand", err)
	after, err := c.Encrypt(ctx, &kms.EncryptInput{KeyId: aws.String(keyID), Plaintext: secret})
	wantOK(t, "Encrypt after rotation", err)
	if got, err := decrypt("before rotation", enc.CiphertextBlob, encCtx); err != nil || !bytes.Equal(got, secret) {
		t.Errorf("Decrypt of a ciphertext from before the rotation = %q, %v", got, err)
	}
	if got, err := decrypt("after rotation", after.CiphertextBlob, nil); err != nil || !bytes.Equal(got, secret) {
		t.Errorf("Decrypt of a ciphertext from after the rotation = %q, %v", got, err)
	}
	rot, err := c.ListKeyRotations(ctx, &kms.ListKeyRotationsInput{KeyId: aws.String(keyID)})
	if err != nil || len(rot.Rotations) != 1 || rot.Rotations[0].RotationType != kmstypes.RotationTypeOnDemand {
		t.Errorf("ListKeyRotations = %+v, %v; want one on-demand rotation", rot, err)
	}

	// Data keys.
	dk, err := c.GenerateDataKey(ctx, &kms.GenerateDataKeyInput{KeyId: aws.String(keyID), KeySpec: kmstypes.DataKeySpecAes256})
	wantOK(t, "GenerateDataKey", err)
	if len(dk.Plaintext) != 32 {
		t.Errorf("GenerateDataKey plaintext = %d bytes, want 32", len(dk.Plaintext))
	}
	if got, err := decrypt("data key", dk.CiphertextBlob, nil); err != nil || !bytes.Equal(got, dk.Plaintext) {
		t.Errorf("Decrypt of a data key = %v, want the data key", err)
	}
	_, err = c.GenerateDataKey(ctx, &kms.GenerateDataKeyInput{KeyId: aws.String(keyID), KeySpec: kmstypes.DataKeySpecAes256, NumberOfBytes: aws.Int32(16)})
	wantErr(t, "GenerateDataKey with KeySpec and NumberOfBytes", err, "ValidationException")
	wp, err := c.GenerateDataKeyWithoutPlaintext(ctx, &kms.GenerateDataKeyWithoutPlaintextInput{KeyId: aws.String(keyID), NumberOfBytes: aws.Int32(64)})
	wantOK(t, "GenerateDataKeyWithoutPlaintext", err)
	if got, err := decrypt("data key without plaintext", wp.CiphertextBlob, nil); err != nil || len(got) != 64 {
		t.Errorf("Decrypt of a data key made without plaintext = %d bytes, %v; want 64", len(got), err)
	}

	// Disabled keys neither encrypt nor decrypt; enabled again, they do.
	wantOK(t, "DisableKey", mustErr(c.DisableKey(ctx, &kms.DisableKeyInput{KeyId: aws.String(keyID)})))
	_, err = c.Encrypt(ctx, &kms.EncryptInput{KeyId: aws.String(keyID), Plaintext: secret})
	wantErr(t, "Encrypt under a disabled key", err, "DisabledException")
	_, err = decrypt("disabled", enc.CiphertextBlob, encCtx)
	wantErr(t, "Decrypt under a disabled key", err, "DisabledException")
	wantOK(t, "EnableKey", mustErr(c.EnableKey(ctx, &kms.EnableKeyInput{KeyId: aws.String(keyID)})))

	// Deletion: 7 to 30 days, cancelled to Disabled.
	_, err = c.ScheduleKeyDeletion(ctx, &kms.ScheduleKeyDeletionInput{KeyId: aws.String(keyID), PendingWindowInDays: aws.Int32(6)})
	wantErr(t, "ScheduleKeyDeletion(6 days)", err, "ValidationException", "7 to 30")
	sd, err := c.ScheduleKeyDeletion(ctx, &kms.ScheduleKeyDeletionInput{KeyId: aws.String(keyID), PendingWindowInDays: aws.Int32(7)})
	if err != nil || sd.KeyState != kmstypes.KeyStatePendingDeletion || aws.ToInt32(sd.PendingWindowInDays) != 7 || sd.DeletionDate == nil {
		t.Errorf("ScheduleKeyDeletion = %+v, %v", sd, err)
	}
	_, err = decrypt("pending deletion", enc.CiphertextBlob, encCtx)
	wantErr(t, "Decrypt under a key pending deletion", err, "KMSInvalidStateException", "pending deletion")
	_, err = c.CancelKeyDeletion(ctx, &kms.CancelKeyDeletionInput{KeyId: aws.String(keyID)})
	wantOK(t, "CancelKeyDeletion", err)
	d, err := c.DescribeKey(ctx, &kms.DescribeKeyInput{KeyId: aws.String(keyID)})
	if err != nil || d.KeyMetadata.KeyState != kmstypes.KeyStateDisabled {
		t.Errorf("key after CancelKeyDeletion = %v, %v; want Disabled", d.KeyMetadata.KeyState, err)
	}

	// The AWS managed key alias/aws/ssm is listed before its first use and
	// made by it.
	aliases, err := c.ListAliases(ctx, &kms.ListAliasesInput{})
	wantOK(t, "ListAliases", err)
	var names []string
	for _, a := range aliases.Aliases {
		names = append(names, aws.ToString(a.AliasName)+"="+aws.ToString(a.TargetKeyId))
	}
	if fmt.Sprint(names) != fmt.Sprintf("[alias/aws/ssm= alias/hybrid=%s]", keyID) {
		t.Errorf("ListAliases = %v", names)
	}
	ssmKey, err := c.DescribeKey(ctx, &kms.DescribeKeyInput{KeyId: aws.String("alias/aws/ssm")})
	if err != nil || ssmKey.KeyMetadata.KeyManager != kmstypes.KeyManagerTypeAws {
		t.Fatalf("DescribeKey(alias/aws/ssm) = %v; want an AWS managed key", err)
	}
	_, err = c.DisableKey(ctx, &kms.DisableKeyInput{KeyId: ssmKey.KeyMetadata.KeyId})
	wantErr(t, "DisableKey of an AWS managed key (its policy allows no changes)", err, "AccessDeniedException", "no resource-based policy allows")
	keys, err := c.ListKeys(ctx, &kms.ListKeysInput{Limit: aws.Int32(2)})
	if err != nil || len(keys.Keys) != 2 || !keys.Truncated || keys.NextMarker == nil {
		t.Fatalf("ListKeys(Limit 2) = %+v, %v; want 2 of 3, truncated", keys, err)
	}
	rest, err := c.ListKeys(ctx, &kms.ListKeysInput{Marker: keys.NextMarker})
	if err != nil || len(rest.Keys) != 1 || rest.Truncated {
		t.Errorf("ListKeys(Marker) = %+v, %v; want the third", rest, err)
	}
	_, err = c.ListKeys(ctx, &kms.ListKeysInput{Marker: aws.String("%%%")})
	wantErr(t, "ListKeys(bad marker)", err, "InvalidMarkerException")
	_, err = c.CreateKey(ctx, &kms.CreateKeyInput{Policy: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow",}]}`)})
	wantErr(t, "CreateKey(malformed policy)", err, "MalformedPolicyDocumentException")
	_, err = c.CreateKey(ctx, &kms.CreateKeyInput{KeySpec: kmstypes.KeySpecRsa2048})
	wantErr(t, "CreateKey(RSA)", err, "UnsupportedOperationException")
}

// TestKMSKeyPolicy checks that a key's policy governs its use with the
// caller's identity policies, as KMS evaluates them: the default policy
// delegates to IAM; a policy that names a user lets it in without IAM; a
// policy that names neither keeps everyone out, even an administrator's
// IAM policy.
func TestKMSKeyPolicy(t *testing.T) {
	k := startKanri(t)
	ctx, admin := k.ctx, kms.NewFromConfig(k.k.Config())
	withIAM := k.newUser(t, "with-iam", policyDoc(allow("kms:Encrypt,kms:Decrypt", "*")))
	without := k.newUser(t, "without-iam", policyDoc(allow("kms:DescribeKey", "*")))
	clientOf := func(c *creds) *kms.Client { return kms.NewFromConfig(c.cfg) }

	def, err := admin.CreateKey(ctx, &kms.CreateKeyInput{})
	wantOK(t, "CreateKey(default policy)", err)
	defID := def.KeyMetadata.KeyId
	_, err = clientOf(withIAM).Encrypt(ctx, &kms.EncryptInput{KeyId: defID, Plaintext: []byte("x")})
	wantOK(t, "Encrypt by a user IAM allows, under the default policy", err)
	_, err = clientOf(without).Encrypt(ctx, &kms.EncryptInput{KeyId: defID, Plaintext: []byte("x")})
	wantErr(t, "Encrypt by a user IAM does not allow", err, "AccessDeniedException", "kms:Encrypt")

	// A policy that names only the user without-iam.
	named := policyDoc(`{"Effect":"Allow","Principal":{"AWS":"`+k.arn("user/without-iam")+`"},"Action":["kms:Encrypt","kms:Decrypt"],"Resource":"*"}`,
		`{"Effect":"Allow","Principal":{"AWS":"`+k.arn("root")+`"},"Action":["kms:DescribeKey","kms:GetKeyPolicy","kms:PutKeyPolicy"],"Resource":"*"}`)
	own, err := admin.CreateKey(ctx, &kms.CreateKeyInput{Policy: aws.String(named)})
	wantOK(t, "CreateKey(named policy)", err)
	ownID := own.KeyMetadata.KeyId
	enc, err := clientOf(without).Encrypt(ctx, &kms.EncryptInput{KeyId: ownID, Plaintext: []byte("x")})
	wantOK(t, "Encrypt by the user the key policy names", err)
	_, err = clientOf(withIAM).Decrypt(ctx, &kms.DecryptInput{CiphertextBlob: enc.CiphertextBlob})
	wantErr(t, "Decrypt by a user only IAM allows, under a policy that delegates no use to IAM", err, "AccessDeniedException")
	_, err = admin.Encrypt(ctx, &kms.EncryptInput{KeyId: ownID, Plaintext: []byte("x")})
	wantErr(t, "Encrypt by the administrator, under a policy that delegates no use to IAM", err, "AccessDeniedException")
	got, err := admin.GetKeyPolicy(ctx, &kms.GetKeyPolicyInput{KeyId: ownID, PolicyName: aws.String("default")})
	if err != nil || aws.ToString(got.Policy) != named {
		t.Errorf("GetKeyPolicy = %v; want the policy given", err)
	}

	// An explicit deny in the key policy beats IAM's allow.
	denyDoc := policyDoc(`{"Effect":"Allow","Principal":{"AWS":"`+k.arn("root")+`"},"Action":"kms:*","Resource":"*"}`,
		`{"Effect":"Deny","Principal":{"AWS":"`+k.arn("user/with-iam")+`"},"Action":"kms:Decrypt","Resource":"*"}`)
	_, err = admin.PutKeyPolicy(ctx, &kms.PutKeyPolicyInput{KeyId: defID, PolicyName: aws.String("default"), Policy: aws.String(denyDoc)})
	wantOK(t, "PutKeyPolicy", err)
	enc, err = clientOf(withIAM).Encrypt(ctx, &kms.EncryptInput{KeyId: defID, Plaintext: []byte("x")})
	wantOK(t, "Encrypt after PutKeyPolicy", err)
	_, err = clientOf(withIAM).Decrypt(ctx, &kms.DecryptInput{CiphertextBlob: enc.CiphertextBlob})
	wantErr(t, "Decrypt denied by the key policy", err, "AccessDeniedException", "explicit deny")
	_, err = admin.PutKeyPolicy(ctx, &kms.PutKeyPolicyInput{KeyId: defID, PolicyName: aws.String("other"), Policy: aws.String(denyDoc)})
	wantErr(t, "PutKeyPolicy(policy name other)", err, "NotFoundException")

	// Encryption context conditions in an identity policy.
	ctxUser := k.newUser(t, "ctx-user", policyDoc(allow("kms:Encrypt", "*", `{"StringEquals":{"kms:EncryptionContext:app":"web"}}`)))
	_, err = clientOf(ctxUser).Encrypt(ctx, &kms.EncryptInput{KeyId: ownID, Plaintext: []byte("x"), EncryptionContext: map[string]string{"app": "web"}})
	wantErr(t, "Encrypt under a key whose policy does not delegate to IAM", err, "AccessDeniedException")
	def2, err := admin.CreateKey(ctx, &kms.CreateKeyInput{})
	wantOK(t, "CreateKey", err)
	_, err = clientOf(ctxUser).Encrypt(ctx, &kms.EncryptInput{KeyId: def2.KeyMetadata.KeyId, Plaintext: []byte("x"), EncryptionContext: map[string]string{"app": "web"}})
	wantOK(t, "Encrypt with the encryption context the condition asks", err)
	_, err = clientOf(ctxUser).Encrypt(ctx, &kms.EncryptInput{KeyId: def2.KeyMetadata.KeyId, Plaintext: []byte("x"), EncryptionContext: map[string]string{"app": "db"}})
	wantErr(t, "Encrypt with another encryption context", err, "AccessDeniedException")
}

// TestKMSServiceKeys checks envelopes made for Parameter Store: the AWS
// managed key alias/aws/ssm serves any principal of the account through
// SSM, and a customer key needs kms:Decrypt for the caller.
func TestKMSServiceKeys(t *testing.T) {
	k := startKanri(t)
	keys := k.k.Server.Keys().For("ssm")
	noKMS := k.newUser(t, "no-kms", policyDoc(allow("ssm:GetParameter", "*")))
	_, p, err := k.k.Server.IAM.Credentials(k.ctx, noKMS.ak, "", "ssm")
	if err != nil {
		t.Fatal(err)
	}
	ctx := iam.WithCaller(context.Background(), &iam.Caller{Principal: p})
	encCtx := map[string]string{"PARAMETER_ARN": "arn:aws:ssm:us-east-1:" + k.acct + ":parameter/a"}
	env, arn, err := keys.Encrypt(ctx, "", []byte("value"), encCtx)
	wantOK(t, "Encrypt under alias/aws/ssm", err)
	got, arn2, err := keys.Decrypt(ctx, env, encCtx)
	if err != nil || string(got) != "value" || arn2 != arn {
		t.Errorf("Decrypt = %q %s, %v; want value under %s", got, arn2, err, arn)
	}
	if _, _, err := keys.Decrypt(ctx, env, map[string]string{"PARAMETER_ARN": "other"}); awsCode(err) != "InvalidCiphertextException" {
		t.Errorf("Decrypt with another context = %v, want InvalidCiphertextException", err)
	}
	custom, err := kms.NewFromConfig(k.k.Config()).CreateKey(k.ctx, &kms.CreateKeyInput{})
	wantOK(t, "CreateKey", err)
	_, _, err = keys.Encrypt(ctx, aws.ToString(custom.KeyMetadata.KeyId), []byte("value"), encCtx)
	if e := awserr.As(err); e == nil || e.Code != "AccessDenied" || !strings.Contains(e.Message, "kms:GenerateDataKey") {
		t.Errorf("Encrypt under a customer key without kms:GenerateDataKey = %v, want AccessDenied", err)
	}
	// With kms:GenerateDataKey and kms:Decrypt through SSM, the same user
	// may.
	k.putUserPolicy(t, "no-kms", "kms", policyDoc(allow("kms:GenerateDataKey,kms:Decrypt", "*", `{"StringEquals":{"kms:ViaService":"ssm.us-east-1.amazonaws.com"}}`)))
	env, _, err = keys.Encrypt(ctx, aws.ToString(custom.KeyMetadata.KeyId), []byte("value"), encCtx)
	wantOK(t, "Encrypt under a customer key with kms:GenerateDataKey via SSM", err)
	if got, _, err := keys.Decrypt(ctx, env, encCtx); err != nil || string(got) != "value" {
		t.Errorf("Decrypt under a customer key = %q, %v", got, err)
	}
}

// awsCode returns the code of a kanri error, "" for none.
func awsCode(err error) string {
	if e := awserr.As(err); e != nil {
		return e.Code
	}
	return ""
}

// mustErr returns the error of a call whose output the test does not
// need.
func mustErr[O any](_ O, err error) error { return err }
