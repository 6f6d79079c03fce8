// Copyright 2026 The kanri Authors
// SPDX-License-Identifier: Apache-2.0

// Package blob stores objects — command output now, inventory exports and
// session recordings later — by bucket and key, either in a local directory
// (the default) or in any S3-compatible object store. Open chooses the
// implementation; both keep the same contract (Store), which one test suite
// checks on both.
//
// Objects are streamed in both directions: no implementation holds a whole
// object in memory, so outputs of hundreds of megabytes cost a bounded
// buffer (at most one multipart part, 8 MiB or more, for S3; 32 KiB for
// the local directory).
//
// Bucket names follow S3's rules (3 to 63 characters of a-z, 0-9, '.' and
// '-', beginning and ending with a letter or digit, no "..", not an IP
// address). Keys are 1 to 1024 bytes of UTF-8 without NUL whose
// '/'-separated segments are neither empty, "." nor ".." nor longer than
// 255 bytes: S3 would take more, but then a key could not be a path under
// a local directory, and a key one implementation accepts must work on
// the other.
package blob

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/kanri-dev/kanri/internal/awserr"
)

// Store keeps objects by bucket and key. Implementations are safe for
// concurrent use; writers of one key do not see each other's partial
// objects, and the last Put to complete wins.
//
// Every method refuses an invalid bucket name or key with an *awserr.Error
// of kind awserr.Invalid (code InvalidBucketName or InvalidArgument) before
// touching storage.
type Store interface {
	// Put stores the object read from body under bucket and key,
	// replacing any object there. size is body's length, or -1 when
	// unknown; a body shorter or longer than a size given fails with kind
	// awserr.Invalid (code IncompleteBody). The object becomes visible
	// only once complete: a Put that fails, for any reason, leaves the
	// previous object (or none) in place. Put reads body until EOF (at
	// most size+1 bytes when size is known), an error, or ctx is done,
	// and does not close it. contentType (may be empty) is kept by S3
	// and ignored by the local directory.
	Put(ctx context.Context, bucket, key string, body io.Reader, size int64, contentType string) error

	// Get returns the object's content; the caller must close it. Reading
	// it may fail once ctx is done. A missing object (or bucket) is an
	// error of kind awserr.NotFound (code NoSuchKey or NoSuchBucket).
	Get(ctx context.Context, bucket, key string) (io.ReadCloser, error)

	// Delete removes the object. Deleting a missing object is not an
	// error; deleting from a missing bucket is on S3 (NotFound,
	// NoSuchBucket).
	Delete(ctx context.Context, bucket, key string) error

	// List returns the objects whose keys begin with prefix (every
	// object when prefix is empty), sorted by key in byte order. A bucket
	// with no objects has none; a missing bucket is empty in a local
	// directory and of kind awserr.NotFound (code NoSuchBucket) on S3.
	// Objects put by other tools under keys this package refuses are
	// left out.
	List(ctx context.Context, bucket, prefix string) ([]Object, error)

	// URL returns where a user finds the object, as SSM's
	// StandardOutputUrl and StandardErrorUrl do. It does not check that
	// the object exists. For S3 it is the https (or http) URL the SDK
	// itself addresses the object with; for a local directory it is
	// kanri://<bucket>/<key>. See Config for why.
	URL(bucket, key string) string
}

// Object describes a stored object.
type Object struct {
	Key      string
	Size     int64     // in bytes
	Modified time.Time // when the object was last put, in UTC
}

// Config chooses and configures a Store.
//
// With S3 nil the objects live in files under Dir/<bucket>/<key>, written
// to Dir/.tmp and renamed into place, with mode 0600 (directories 0700).
// Buckets are directories made by the first Put. Unlike S3, a directory
// cannot hold both a/b and a: the second Put fails with kind
// awserr.Conflict.
//
// Such a store's URLs are kanri://<bucket>/<key>: a file:// URL would
// disclose the server's file system layout to API callers and mean nothing
// on their machines, and an s3:// URL would send `aws s3 cp` to a real AWS
// bucket of the same name, possibly someone else's. kanri://<bucket>/<key>
// names the object stably (it survives moving Dir and is the same on every
// server sharing it), says which system holds it, and parses with net/url
// like s3://<bucket>/<key> (host = bucket, path = "/" + escaped key), so
// that kanri's tools and API can map it back to the object.
//
// With S3 set the objects live in that store and Dir is ignored.
type Config struct {
	Dir string    // local directory; created (mode 0700) if missing
	S3  *S3Config // if set, use an S3-compatible store instead of Dir
}

// S3Config configures an S3-compatible store. The zero value is Amazon S3
// with the default AWS credential chain and region (environment, shared
// config files, instance role), with us-east-1 when no region is found.
//
// Open makes no request: an unreachable store or a wrong key shows in the
// first call that uses it.
type S3Config struct {
	// Endpoint is the store's base URL, such as http://127.0.0.1:9000;
	// empty means Amazon S3 (or AWS_ENDPOINT_URL_S3).
	Endpoint string
	Region   string

	// AccessKeyID and SecretAccessKey, both or neither, are static
	// credentials, with SessionToken if they are temporary. Neither means
	// the default AWS credential chain.
	AccessKeyID     string
	SecretAccessKey string
	SessionToken    string

	// PathStyle addresses objects as <endpoint>/<bucket>/<key> rather
	// than <bucket>.<endpoint-host>/<key>; most self-hosted stores (MinIO,
	// Ceph, moto) need it.
	PathStyle bool

	// HTTPClient sends the requests; nil means the SDK's default.
	HTTPClient *http.Client
}

// LogValue redacts the secrets, so an S3Config may be logged.
func (c S3Config) LogValue() slog.Value {
	redact := func(s string) string {
		if s == "" {
			return ""
		}
		return "REDACTED"
	}
	return slog.GroupValue(
		slog.String("endpoint", c.Endpoint),
		slog.String("region", c.Region),
		slog.String("access_key_id", c.AccessKeyID),
		slog.String("secret_access_key", redact(c.SecretAccessKey)),
		slog.String("session_token", redact(c.SessionToken)),
		slog.Bool("path_style", c.PathStyle),
	)
}

// Open returns the Store cfg describes: S3 when cfg.S3 is set, else the
// local directory cfg.Dir. An unusable configuration (no Dir, a malformed
// endpoint, half a key pair) is an error of kind awserr.Invalid.
func Open(ctx context.Context, cfg Config) (Store, error) {
	// Each branch checks err itself, so that a failed Open returns a nil
	// Store rather than a non-nil one holding a nil pointer.
	if cfg.S3 != nil {
		s, err := openS3(ctx, *cfg.S3)
		if err != nil {
			return nil, err
		}
		return s, nil
	}
	l, err := openLocal(cfg.Dir)
	if err != nil {
		return nil, err
	}
	return l, nil
}

// Limits on keys, in bytes: S3's on a key, and common file systems' on a
// file name (NAME_MAX), which a segment of a key is in a local directory.
const (
	maxKeyLen     = 1024
	maxSegmentLen = 255
)

// checkName returns the error for an invalid bucket name or key, or nil.
func checkName(bucket, key string) error {
	if err := checkBucket(bucket); err != nil {
		return err
	}
	return checkKey(key)
}

// checkBucket returns an InvalidBucketName error unless bucket follows S3's
// naming rules.
func checkBucket(bucket string) error {
	if !ValidBucketName(bucket) {
		return awserr.Errorf(awserr.Invalid, "InvalidBucketName", "The specified bucket is not valid: %q.", bucket)
	}
	return nil
}

// ValidBucketName reports whether b follows S3's rules for bucket names:
// 3 to 63 characters of a-z, 0-9, '.' and '-', beginning and ending with
// a letter or digit, no "..", not an IP address.
func ValidBucketName(b string) bool {
	if len(b) < 3 || len(b) > 63 || strings.Contains(b, "..") {
		return false
	}
	for i := 0; i < len(b); i++ {
		switch c := b[i]; {
		case 'a' <= c && c <= 'z', '0' <= c && c <= '9':
		case c == '.' || c == '-':
			if i == 0 || i == len(b)-1 {
				return false
			}
		default:
			return false
		}
	}
	_, err := netip.ParseAddr(b)
	return err != nil
}

// checkKey returns an InvalidArgument error unless key is a valid key:
// 1 to 1024 bytes of UTF-8 without NUL, its segments neither empty, "."
// nor ".." nor longer than 255 bytes. Such a key is a relative path that
// stays inside a directory.
func checkKey(key string) error {
	var why string
	switch {
	case key == "":
		why = "it is empty"
	case len(key) > maxKeyLen:
		why = fmt.Sprintf("it is longer than %d bytes", maxKeyLen)
	case !utf8.ValidString(key):
		why = "it is not valid UTF-8"
	case strings.ContainsRune(key, 0):
		why = "it contains NUL"
	default:
		for seg := range strings.SplitSeq(key, "/") {
			if seg == "" || seg == "." || seg == ".." {
				why = `its "/"-separated segments must not be empty, "." or ".."`
				break
			}
			if len(seg) > maxSegmentLen {
				why = fmt.Sprintf(`its "/"-separated segments must not be longer than %d bytes`, maxSegmentLen)
				break
			}
		}
	}
	if why != "" {
		return awserr.Errorf(awserr.Invalid, "InvalidArgument", "The object key %q is not valid: %s.", key, why)
	}
	return nil
}

// checkSize returns an error unless size is a length or -1 (unknown).
func checkSize(size int64) error {
	if size < -1 {
		return awserr.Errorf(awserr.Invalid, "InvalidArgument", "The object size %d is not valid.", size)
	}
	return nil
}

// sizeMismatch returns the error for a body of n bytes (n = size+1 when it
// is longer than size) put with the given size, or nil if they agree.
func sizeMismatch(n, size int64) error {
	switch {
	case size < 0 || n == size:
		return nil
	case n > size:
		return awserr.Errorf(awserr.Invalid, "IncompleteBody", "The body is longer than the object size %d.", size)
	default:
		return awserr.Errorf(awserr.Invalid, "IncompleteBody", "The body has %d bytes, not the object size %d.", n, size)
	}
}

// limit returns body, limited to size+1 bytes when size is known, so that
// a longer body is detected without reading all of it.
func limit(body io.Reader, size int64) io.Reader {
	if size < 0 {
		return body
	}
	return io.LimitReader(body, size+1)
}

// noSuchKey returns the NotFound error of a missing object.
func noSuchKey(bucket, key string) error {
	return awserr.Errorf(awserr.NotFound, "NoSuchKey", "The specified key does not exist: %s/%s.", bucket, key)
}

// escapeKey escapes key for a URL path, keeping its slashes.
func escapeKey(key string) string {
	segs := strings.Split(key, "/")
	for i, s := range segs {
		segs[i] = url.PathEscape(s)
	}
	return strings.Join(segs, "/")
}

// readerFunc is a Reader made of its Read method.
type readerFunc func(p []byte) (int, error)

func (f readerFunc) Read(p []byte) (int, error) { return f(p) }

// withContext returns a Reader of r that fails once ctx is done, so that
// copying a long body stops when its caller gives up.
func withContext(ctx context.Context, r io.Reader) io.Reader {
	return readerFunc(func(p []byte) (int, error) {
		if err := ctx.Err(); err != nil {
			return 0, err
		}
		return r.Read(p)
	})
}
