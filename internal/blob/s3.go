// Copyright 2026 The kanri Authors
// SPDX-License-Identifier: Apache-2.0

package blob

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/smithy-go"

	"github.com/kanri-dev/kanri/internal/awserr"
)

// Multipart limits. A part is held in memory while it is sent (and resent
// on retries), so minPartSize bounds a Put's memory; S3 allows parts of at
// least 5 MiB (but the last) and at most 10,000 of them, which makes the
// largest object of unknown size 78 GiB. A known size raises the part size
// as far as needed.
const (
	minPartSize = 8 << 20
	maxParts    = 10_000
)

// s3Store is the Store of an S3-compatible object store.
type s3Store struct {
	client *s3.Client
}

// openS3 returns the Store c describes. It makes no request.
func openS3(ctx context.Context, c S3Config) (*s3Store, error) {
	if c.Endpoint != "" {
		u, err := url.Parse(c.Endpoint)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return nil, awserr.Errorf(awserr.Invalid, "InvalidArgument", "The S3 endpoint %q is not an http or https URL.", c.Endpoint)
		}
	}
	if (c.AccessKeyID == "") != (c.SecretAccessKey == "") || c.SessionToken != "" && c.AccessKeyID == "" {
		return nil, awserr.New(awserr.Invalid, "InvalidArgument", "S3 credentials need both an access key ID and a secret access key, or neither.")
	}
	var opts []func(*config.LoadOptions) error
	if c.Region != "" {
		opts = append(opts, config.WithRegion(c.Region))
	}
	if c.HTTPClient != nil {
		opts = append(opts, config.WithHTTPClient(c.HTTPClient))
	}
	if c.AccessKeyID != "" {
		opts = append(opts, config.WithCredentialsProvider(
			credentials.NewStaticCredentialsProvider(c.AccessKeyID, c.SecretAccessKey, c.SessionToken)))
	}
	cfg, err := config.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		return nil, fmt.Errorf("s3 config: %w", err)
	}
	if cfg.Region == "" {
		cfg.Region = "us-east-1" // S3-compatible stores mostly ignore it, but SigV4 needs one
	}
	client := s3.NewFromConfig(cfg, func(o *s3.Options) {
		if c.Endpoint != "" {
			o.BaseEndpoint = aws.String(c.Endpoint)
		}
		o.UsePathStyle = c.PathStyle
		// Objects put in parts have no whole-object checksum to check on
		// Get; that is expected, not worth a warning on every read.
		o.DisableLogOutputChecksumValidationSkipped = true
	})
	return &s3Store{client: client}, nil
}

// Put sends an object that fits in one part with PutObject and a larger one
// as a multipart upload, one part in memory at a time. Each part is sent
// from memory rather than streamed from body, so that the SDK can sign
// and checksum it over plain http and resend it when a request fails.
func (s *s3Store) Put(ctx context.Context, bucket, key string, body io.Reader, size int64, contentType string) error {
	if err := checkName(bucket, key); err != nil {
		return err
	}
	if err := checkSize(size); err != nil {
		return err
	}
	r := withContext(ctx, limit(body, size))
	partSize := int64(minPartSize)
	if size > partSize*maxParts {
		partSize = (size + maxParts - 1) / maxParts
	}
	// The first read tells one part from several; with a known size of
	// at most one part it also reads the byte past size, if any.
	first := partSize
	if size >= 0 && size <= partSize {
		first = size + 1
	}
	var buf []byte
	if size >= 0 {
		buf = make([]byte, 0, first) // else fill grows it as it reads
	}
	buf, eof, err := fill(r, buf, first)
	if err != nil {
		return fmt.Errorf("put %s/%s: read body: %w", bucket, key, err)
	}
	if eof || size >= 0 && int64(len(buf)) > size {
		if err := sizeMismatch(int64(len(buf)), size); err != nil {
			return err
		}
		_, err := s.client.PutObject(ctx, &s3.PutObjectInput{
			Bucket:        aws.String(bucket),
			Key:           aws.String(key),
			Body:          bytes.NewReader(buf),
			ContentLength: aws.Int64(int64(len(buf))),
			ContentType:   optional(contentType),
		})
		return s3Error("put", bucket, key, err)
	}
	return s.putParts(ctx, bucket, key, r, buf, partSize, size, contentType)
}

// putParts uploads buf, then the rest of r in parts of partSize bytes,
// reusing buf; it completes the upload only when r ended with the size
// expected, and aborts it otherwise.
func (s *s3Store) putParts(ctx context.Context, bucket, key string, r io.Reader, buf []byte, partSize, size int64, contentType string) (err error) {
	up, err := s.client.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{
		Bucket:            aws.String(bucket),
		Key:               aws.String(key),
		ContentType:       optional(contentType),
		ChecksumAlgorithm: types.ChecksumAlgorithmCrc32,
	})
	if err != nil {
		return s3Error("put", bucket, key, err)
	}
	defer func() {
		if err == nil {
			return
		}
		// Abort even when ctx is done, else the parts stay stored (and
		// billed) until a lifecycle rule removes them.
		actx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Minute)
		defer cancel()
		s.client.AbortMultipartUpload(actx, &s3.AbortMultipartUploadInput{
			Bucket: aws.String(bucket), Key: aws.String(key), UploadId: up.UploadId,
		})
	}()
	var parts []types.CompletedPart
	n := int64(0)
	for eof := false; len(buf) > 0; {
		if len(parts) == maxParts {
			return awserr.Errorf(awserr.Invalid, "EntityTooLarge", "The object is larger than %d parts of %d bytes.", maxParts, partSize)
		}
		num := aws.Int32(int32(len(parts) + 1))
		out, err := s.client.UploadPart(ctx, &s3.UploadPartInput{
			Bucket:            aws.String(bucket),
			Key:               aws.String(key),
			UploadId:          up.UploadId,
			PartNumber:        num,
			Body:              bytes.NewReader(buf),
			ContentLength:     aws.Int64(int64(len(buf))),
			ChecksumAlgorithm: types.ChecksumAlgorithmCrc32,
		})
		if err != nil {
			return s3Error("put", bucket, key, err)
		}
		parts = append(parts, types.CompletedPart{PartNumber: num, ETag: out.ETag, ChecksumCRC32: out.ChecksumCRC32})
		n += int64(len(buf))
		if eof {
			break
		}
		if buf, eof, err = fill(r, buf, partSize); err != nil {
			return fmt.Errorf("put %s/%s: read body: %w", bucket, key, err)
		}
	}
	if err := sizeMismatch(n, size); err != nil {
		return err
	}
	_, err = s.client.CompleteMultipartUpload(ctx, &s3.CompleteMultipartUploadInput{
		Bucket:          aws.String(bucket),
		Key:             aws.String(key),
		UploadId:        up.UploadId,
		MultipartUpload: &types.CompletedMultipartUpload{Parts: parts},
	})
	return s3Error("put", bucket, key, err)
}

// fill reads r into buf (reusing its array) until it holds upTo bytes or
// r ends, and reports whether r ended. It doubles buf from 64 KiB as
// needed, so that a small object of unknown size takes a small buffer.
func fill(r io.Reader, buf []byte, upTo int64) ([]byte, bool, error) {
	buf = buf[:0]
	for int64(len(buf)) < upTo {
		if len(buf) == cap(buf) {
			c := min(upTo, max(2*int64(cap(buf)), 64<<10))
			buf = append(make([]byte, 0, c), buf...)
		}
		n, err := r.Read(buf[len(buf):min(int64(cap(buf)), upTo)])
		buf = buf[:len(buf)+n]
		if err == io.EOF {
			return buf, true, nil
		}
		if err != nil {
			return buf, false, err
		}
	}
	return buf, false, nil
}

// optional returns nil for "", else a pointer to s.
func optional(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// Get returns the body of GetObject.
func (s *s3Store) Get(ctx context.Context, bucket, key string) (io.ReadCloser, error) {
	if err := checkName(bucket, key); err != nil {
		return nil, err
	}
	out, err := s.client.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String(key)})
	if err != nil {
		return nil, s3Error("get", bucket, key, err)
	}
	return out.Body, nil
}

// Delete calls DeleteObject, which succeeds for a missing key.
func (s *s3Store) Delete(ctx context.Context, bucket, key string) error {
	if err := checkName(bucket, key); err != nil {
		return err
	}
	_, err := s.client.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String(bucket), Key: aws.String(key)})
	if isCode(err, "NoSuchKey") {
		return nil // S3 does not answer it, but some S3-compatible stores do
	}
	return s3Error("delete", bucket, key, err)
}

// List pages through ListObjectsV2.
func (s *s3Store) List(ctx context.Context, bucket, prefix string) ([]Object, error) {
	if err := checkBucket(bucket); err != nil {
		return nil, err
	}
	var objs []Object
	p := s3.NewListObjectsV2Paginator(s.client, &s3.ListObjectsV2Input{Bucket: aws.String(bucket), Prefix: optional(prefix)})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, s3Error("list", bucket, prefix, err)
		}
		for _, o := range page.Contents {
			key := aws.ToString(o.Key)
			if checkKey(key) != nil {
				continue
			}
			objs = append(objs, Object{Key: key, Size: aws.ToInt64(o.Size), Modified: aws.ToTime(o.LastModified).UTC()})
		}
	}
	// S3 lists in byte order already; S3-compatible stores may not.
	slices.SortFunc(objs, func(a, b Object) int { return strings.Compare(a.Key, b.Key) })
	return objs, nil
}

// URL returns the URL the SDK sends the object's requests to: path style
// (<endpoint>/<bucket>/<key>) or virtual-hosted (<bucket>.<host>/<key>),
// with the endpoint's scheme, as the client's options and the bucket's
// name decide (a bucket name with dots, or an endpoint that is an IP
// address, forces path style). Should the SDK find no endpoint for the
// bucket, URL returns s3://<bucket>/<key>, the form the AWS CLI reads.
func (s *s3Store) URL(bucket, key string) string {
	o := s.client.Options()
	ep, err := o.EndpointResolverV2.ResolveEndpoint(context.Background(), s3.EndpointParameters{
		Bucket:         aws.String(bucket),
		Region:         aws.String(o.Region),
		Endpoint:       o.BaseEndpoint,
		ForcePathStyle: aws.Bool(o.UsePathStyle),
		UseFIPS:        aws.Bool(o.EndpointOptions.UseFIPSEndpoint == aws.FIPSEndpointStateEnabled),
		UseDualStack:   aws.Bool(o.EndpointOptions.UseDualStackEndpoint == aws.DualStackEndpointStateEnabled),
	})
	if err != nil {
		return "s3://" + bucket + "/" + escapeKey(key)
	}
	return strings.TrimSuffix(ep.URI.String(), "/") + "/" + escapeKey(key)
}

// s3Error returns nil for nil, a NotFound or Invalid *awserr.Error for the S3
// errors that mean one, and otherwise err wrapped with the operation.
func s3Error(op, bucket, key string, err error) error {
	if err == nil {
		return nil
	}
	var nsk *types.NoSuchKey
	var nf *types.NotFound
	switch {
	case errors.As(err, &nsk), errors.As(err, &nf), isCode(err, "NoSuchKey"), isCode(err, "NotFound"):
		return noSuchKey(bucket, key)
	case isCode(err, "NoSuchBucket"):
		return awserr.Errorf(awserr.NotFound, "NoSuchBucket", "The specified bucket does not exist: %s.", bucket)
	case isCode(err, "InvalidBucketName"):
		return awserr.Errorf(awserr.Invalid, "InvalidBucketName", "The specified bucket is not valid: %q.", bucket)
	}
	return fmt.Errorf("%s %s/%s: %w", op, bucket, key, err)
}

// isCode reports whether err is an S3 error with the given code.
func isCode(err error, code string) bool {
	var ae smithy.APIError
	return errors.As(err, &ae) && ae.ErrorCode() == code
}
