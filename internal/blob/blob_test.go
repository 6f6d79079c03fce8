// Copyright 2026 The kanri Authors
// SPDX-License-Identifier: Apache-2.0

package blob_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"runtime"
	"strings"
	"sync"
	"testing"
	"testing/iotest"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/kanri-dev/kanri/internal/awserr"
	"github.com/kanri-dev/kanri/internal/blob"
)

// storeOpts says what testStore needs to know of the store under test.
type storeOpts struct {
	// serverInProcess says that the store's server runs in the test's
	// process, whose allocations, which testLarge bounds, then include
	// the server's as well as the client's.
	serverInProcess bool
}

// testStore runs the blob.Store contract on s, whose bucket exists and is
// empty. Each subtest works under its own key prefix.
func testStore(t *testing.T, s blob.Store, bucket string, opts storeOpts) {
	tests := []struct {
		name string
		fn   func(t *testing.T, s blob.Store, bucket string)
	}{
		{"RoundTrip", testRoundTrip},
		{"Large", func(t *testing.T, s blob.Store, bucket string) { testLarge(t, s, bucket, opts) }},
		{"Overwrite", testOverwrite},
		{"GetMissing", testGetMissing},
		{"List", testList},
		{"Delete", testDelete},
		{"InvalidNames", testInvalidNames},
		{"SizeMismatch", testSizeMismatch},
		{"ReadError", testReadError},
		{"Canceled", testCanceled},
		{"ConcurrentPut", testConcurrentPut},
		{"ConcurrentPutDelete", testConcurrentPutDelete},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { tt.fn(t, s, bucket) })
	}
}

func testRoundTrip(t *testing.T, s blob.Store, bucket string) {
	tests := []struct {
		name, key, body string
		size            int64
		contentType     string
	}{
		{"Text", "rt/text", "hello, world\n", 13, "text/plain; charset=utf-8"},
		{"UnknownSize", "rt/unknown", "hello, world\n", -1, ""},
		{"Empty", "rt/empty", "", 0, ""},
		{"EmptyUnknownSize", "rt/empty-unknown", "", -1, ""},
		{"Binary", "rt/binary", "\x00\xff\x01\xfe", 4, "application/octet-stream"},
		{"OddKey", "rt/dir/ファイル name+x=y&z?#%.txt", "odd", 3, ""},
		{"DeepKey", "rt/a/b/c/d/e/f/g", "deep", -1, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := s.Put(t.Context(), bucket, tt.key, strings.NewReader(tt.body), tt.size, tt.contentType)
			if err != nil {
				t.Fatalf("Put(%q) = %v", tt.key, err)
			}
			if got := get(t, s, bucket, tt.key); got != tt.body {
				t.Errorf("Get(%q) = %q, want %q", tt.key, got, tt.body)
			}
			objs := list(t, s, bucket, tt.key)
			if len(objs) != 1 || objs[0].Key != tt.key || objs[0].Size != int64(len(tt.body)) || objs[0].Modified.IsZero() {
				t.Errorf("List(%q) = %+v, want one object of %d bytes", tt.key, objs, len(tt.body))
			}
		})
	}
}

// largeSize is the size of the large objects: more than several parts of
// a multipart upload.
const largeSize = 50 << 20

// testLarge streams an object of largeSize bytes through Put and Get, and
// checks that neither allocated memory near its size.
func testLarge(t *testing.T, s blob.Store, bucket string, opts storeOpts) {
	for _, known := range []bool{false, true} {
		t.Run(fmt.Sprintf("KnownSize=%v", known), func(t *testing.T) {
			key := fmt.Sprintf("large/%v", known)
			size := int64(-1)
			if known {
				size = largeSize
			}
			sent := sha256.New()
			body := io.TeeReader(io.LimitReader(generator(1), largeSize), sent)
			before := allocated()
			if err := s.Put(t.Context(), bucket, key, body, size, "application/octet-stream"); err != nil {
				t.Fatalf("Put = %v", err)
			}
			putAlloc := allocated() - before

			before = allocated()
			rc, err := s.Get(t.Context(), bucket, key)
			if err != nil {
				t.Fatalf("Get = %v", err)
			}
			got := sha256.New()
			n, err := io.Copy(got, rc)
			rc.Close()
			if err != nil {
				t.Fatalf("read: %v", err)
			}
			getAlloc := allocated() - before
			t.Logf("allocated %d bytes in Put, %d in Get", putAlloc, getAlloc)
			// A server in the process adds its copies of the object
			// to putAlloc: gofakes3 reads each part whole, joins
			// them when the upload completes and stores a copy of
			// that, over 4 times the object. It copies nothing for
			// Get: it serves the slice it stored.
			if putAlloc > largeSize/2 && !opts.serverInProcess {
				t.Errorf("Put allocated %d bytes for an object of %d; want less than half", putAlloc, largeSize)
			}
			if getAlloc > largeSize/2 {
				t.Errorf("Get allocated %d bytes for an object of %d; want less than half", getAlloc, largeSize)
			}
			if n != largeSize || !bytes.Equal(got.Sum(nil), sent.Sum(nil)) {
				t.Errorf("Get returned %d bytes with SHA-256 %x, want %d with %x", n, got.Sum(nil), largeSize, sent.Sum(nil))
			}
			if objs := list(t, s, bucket, key); len(objs) != 1 || objs[0].Size != largeSize {
				t.Errorf("List = %+v, want one object of %d bytes", objs, largeSize)
			}
			del(t, s, bucket, key)
		})
	}
}

// generator returns an endless deterministic stream of pseudo-random
// bytes, which never exists in memory as a whole.
func generator(seed byte) io.Reader {
	return rand.NewChaCha8([32]byte{seed})
}

// allocated returns the bytes the process has allocated so far.
func allocated() uint64 {
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.TotalAlloc
}

func testOverwrite(t *testing.T, s blob.Store, bucket string) {
	put(t, s, bucket, "ow/k", "the first, longer version")
	put(t, s, bucket, "ow/k", "second")
	if got := get(t, s, bucket, "ow/k"); got != "second" {
		t.Errorf("Get after overwrite = %q, want %q", got, "second")
	}
	if objs := list(t, s, bucket, "ow/"); len(objs) != 1 || objs[0].Size != 6 {
		t.Errorf("List after overwrite = %+v, want one object of 6 bytes", objs)
	}
}

func testGetMissing(t *testing.T, s blob.Store, bucket string) {
	put(t, s, bucket, "gm/dir/k", "x")
	tests := []struct{ bucket, key string }{
		{bucket, "gm/missing"},
		{bucket, "gm/dir"},            // a prefix of a key, not a key
		{bucket, "gm/dir/k/more"},     // a key is not a prefix
		{"kanri-no-such-bucket", "k"}, // a bucket never made
	}
	for _, tt := range tests {
		rc, err := s.Get(t.Context(), tt.bucket, tt.key)
		if err == nil {
			rc.Close()
		}
		if !errors.Is(err, awserr.NotFound) {
			t.Errorf("Get(%s, %s) = %v, want kind NotFound", tt.bucket, tt.key, err)
		}
		if e := awserr.As(err); e == nil || e.Code != "NoSuchKey" && e.Code != "NoSuchBucket" {
			t.Errorf("Get(%s, %s) = %#v, want code NoSuchKey or NoSuchBucket", tt.bucket, tt.key, e)
		}
	}
}

func testList(t *testing.T, s blob.Store, bucket string) {
	keys := []string{"ls/b", "ls/a/2", "ls/a-c", "ls/a/1", "ls/a/b/3", "ls/ab", "ls/a.x"}
	for i, k := range keys {
		put(t, s, bucket, k, strings.Repeat("x", i))
	}
	tests := []struct {
		prefix string
		want   []string
	}{
		// Byte order: '-' < '.' < '/' < 'b'.
		{"ls/", []string{"ls/a-c", "ls/a.x", "ls/a/1", "ls/a/2", "ls/a/b/3", "ls/ab", "ls/b"}},
		{"ls/a", []string{"ls/a-c", "ls/a.x", "ls/a/1", "ls/a/2", "ls/a/b/3", "ls/ab"}},
		{"ls/a/", []string{"ls/a/1", "ls/a/2", "ls/a/b/3"}},
		{"ls/a/b", []string{"ls/a/b/3"}},
		{"ls/a/b/3", []string{"ls/a/b/3"}},
		{"ls/a/b/3/", nil},
		{"ls/zz", nil},
		{"ls/zz/", nil},
		{"ls//", nil},
		{"ls/../", nil},
		{"nothing", nil},
	}
	for _, tt := range tests {
		var got []string
		for _, o := range list(t, s, bucket, tt.prefix) {
			got = append(got, o.Key)
		}
		if diff := cmp.Diff(tt.want, got, cmpopts.EquateEmpty()); diff != "" {
			t.Errorf("List(%q) keys (-want +got):\n%s", tt.prefix, diff)
		}
	}
	sizes := map[string]int64{}
	for _, o := range list(t, s, bucket, "ls/") {
		sizes[o.Key] = o.Size
		if o.Modified.IsZero() || o.Modified.Location().String() != "UTC" {
			t.Errorf("List: %s modified %v, want a time in UTC", o.Key, o.Modified)
		}
	}
	for i, k := range keys {
		if sizes[k] != int64(i) {
			t.Errorf("List: %s has size %d, want %d", k, sizes[k], i)
		}
	}
}

func testDelete(t *testing.T, s blob.Store, bucket string) {
	put(t, s, bucket, "del/a/b/c", "1")
	put(t, s, bucket, "del/keep", "2")
	del(t, s, bucket, "del/a/b/c")
	if _, err := s.Get(t.Context(), bucket, "del/a/b/c"); !errors.Is(err, awserr.NotFound) {
		t.Errorf("Get after Delete = %v, want kind NotFound", err)
	}
	del(t, s, bucket, "del/a/b/c") // again
	del(t, s, bucket, "del/never")
	del(t, s, bucket, "del/a") // a prefix, not an object
	if got := get(t, s, bucket, "del/keep"); got != "2" {
		t.Errorf("Get(del/keep) = %q, want %q", got, "2")
	}
	if objs := list(t, s, bucket, "del/"); len(objs) != 1 || objs[0].Key != "del/keep" {
		t.Errorf("List after Delete = %+v, want del/keep only", objs)
	}
	// The key space of the deleted object's prefixes is free again.
	put(t, s, bucket, "del/a", "3")
	if got := get(t, s, bucket, "del/a"); got != "3" {
		t.Errorf("Get(del/a) = %q, want %q", got, "3")
	}
}

func testInvalidNames(t *testing.T, s blob.Store, bucket string) {
	badBuckets := []string{
		"", "ab", strings.Repeat("a", 64), "Upper", "under_score", "-dash", "dash-", ".dot", "dot.",
		"a..b", "..", "../" + bucket, bucket + "/x", "/abs", "a\x00b", "192.168.1.1", ".tmp",
	}
	for _, b := range badBuckets {
		checkInvalid(t, s, b, "k", "InvalidBucketName")
		if _, err := s.List(t.Context(), b, ""); !errors.Is(err, awserr.Invalid) {
			t.Errorf("List(%q) = %v, want kind Invalid", b, err)
		}
	}
	badKeys := []string{
		"", "..", ".", "../x", "a/../../x", "a/..", "./a", "a/./b", "/abs", "/", "a//b", "a/", "a\x00b",
		"\xff", strings.Repeat("k/", 512) + "k", strings.Repeat("k", 256), "../../../../../../../../../../../../etc/passwd",
	}
	for _, k := range badKeys {
		checkInvalid(t, s, bucket, k, "InvalidArgument")
	}
	// Names that look odd but are fine.
	for _, k := range []string{"inv/..a", "inv/a..", "inv/.hidden", "inv/a\\b", "inv/" + strings.Repeat("k", 255), "inv/" + strings.Repeat("k/", 509) + "kk"} {
		put(t, s, bucket, k, "ok")
		del(t, s, bucket, k)
	}
}

// checkInvalid checks that every method refuses bucket and key with kind
// Invalid and the given code, and that Put stored nothing.
func checkInvalid(t *testing.T, s blob.Store, bucket, key, code string) {
	t.Helper()
	ctx := t.Context()
	check := func(op string, err error) {
		t.Helper()
		if e := awserr.As(err); !errors.Is(err, awserr.Invalid) || e == nil || e.Code != code {
			t.Errorf("%s(%q, %q) = %v, want kind Invalid, code %s", op, bucket, key, err, code)
		}
	}
	check("Put", s.Put(ctx, bucket, key, strings.NewReader("escaped"), 7, ""))
	rc, err := s.Get(ctx, bucket, key)
	if err == nil {
		rc.Close()
	}
	check("Get", err)
	check("Delete", s.Delete(ctx, bucket, key))
}

func testSizeMismatch(t *testing.T, s blob.Store, bucket string) {
	tests := []struct {
		name string
		body string
		size int64
	}{
		{"Shorter", "12345", 10},
		{"Longer", "12345", 3},
		{"LongerThanZero", "1", 0},
		{"ShorterThanOnePart", "12345", blob.MinPartSize},
		{"Negative", "12345", -2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			key := "sm/" + tt.name
			err := s.Put(t.Context(), bucket, key, strings.NewReader(tt.body), tt.size, "")
			if !errors.Is(err, awserr.Invalid) {
				t.Errorf("Put(%d bytes, size %d) = %v, want kind Invalid", len(tt.body), tt.size, err)
			}
			checkMissing(t, s, bucket, key)
			put(t, s, bucket, key, "old")
			s.Put(t.Context(), bucket, key, strings.NewReader(tt.body), tt.size, "")
			if got := get(t, s, bucket, key); got != "old" {
				t.Errorf("Get after failed Put = %q, want the previous %q", got, "old")
			}
		})
	}
	t.Run("LongerThanParts", func(t *testing.T) {
		// A known size past one part, and a body one byte longer.
		const size = blob.MinPartSize + 1<<20
		err := s.Put(t.Context(), bucket, "sm/parts", io.LimitReader(generator(2), size+1), size, "")
		if !errors.Is(err, awserr.Invalid) {
			t.Errorf("Put(%d bytes, size %d) = %v, want kind Invalid", size+1, size, err)
		}
		checkMissing(t, s, bucket, "sm/parts")
	})
}

var errBoom = errors.New("boom")

// testReadError checks that a body failing midway fails Put with its
// error and stores nothing, both within the first part and after it.
func testReadError(t *testing.T, s blob.Store, bucket string) {
	for _, n := range []int64{0, 100, blob.MinPartSize + 1<<20} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			key := fmt.Sprintf("re/%d", n)
			body := io.MultiReader(io.LimitReader(generator(3), n), iotest.ErrReader(errBoom))
			if err := s.Put(t.Context(), bucket, key, body, -1, ""); !errors.Is(err, errBoom) {
				t.Errorf("Put = %v, want %v", err, errBoom)
			}
			checkMissing(t, s, bucket, key)
			put(t, s, bucket, key, "old")
			body = io.MultiReader(io.LimitReader(generator(3), n), iotest.ErrReader(errBoom))
			s.Put(t.Context(), bucket, key, body, -1, "")
			if got := get(t, s, bucket, key); got != "old" {
				t.Errorf("Get after failed Put = %q, want the previous %q", got, "old")
			}
		})
	}
}

// testCanceled checks that Put fails once its context is done, before or
// while it reads the body, and stores nothing.
func testCanceled(t *testing.T, s blob.Store, bucket string) {
	t.Run("Before", func(t *testing.T) {
		ctx, cancel := context.WithCancel(t.Context())
		cancel()
		if err := s.Put(ctx, bucket, "cx/before", strings.NewReader("x"), 1, ""); !errors.Is(err, context.Canceled) {
			t.Errorf("Put = %v, want %v", err, context.Canceled)
		}
		checkMissing(t, s, bucket, "cx/before")
		if _, err := s.Get(ctx, bucket, "cx/before"); err == nil {
			t.Errorf("Get with a canceled context succeeded")
		}
	})
	t.Run("During", func(t *testing.T) {
		ctx, cancel := context.WithCancel(t.Context())
		defer cancel()
		// The body cancels ctx after 3 parts' worth, then goes on.
		const cancelAt = 3 * blob.MinPartSize
		read := int64(0)
		body := readerFunc(func(p []byte) (int, error) {
			n, err := generator(4).Read(p)
			if read += int64(n); read >= cancelAt {
				cancel()
			}
			return n, err
		})
		err := s.Put(ctx, bucket, "cx/during", io.LimitReader(body, largeSize), -1, "")
		if !errors.Is(err, context.Canceled) {
			t.Errorf("Put = %v, want %v", err, context.Canceled)
		}
		if read >= largeSize {
			t.Errorf("Put read all %d bytes of the body after ctx was canceled at %d", read, cancelAt)
		}
		checkMissing(t, s, bucket, "cx/during")
	})
}

// testConcurrentPut checks that concurrent Puts of one key leave one of
// the objects whole, never a mix.
func testConcurrentPut(t *testing.T, s blob.Store, bucket string) {
	const writers, size = 4, 1 << 20
	var wg sync.WaitGroup
	errs := make([]error, writers)
	for i := range writers {
		wg.Go(func() {
			body := bytes.Repeat([]byte{'a' + byte(i)}, size)
			errs[i] = s.Put(context.Background(), bucket, "cp/k", bytes.NewReader(body), -1, "")
		})
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("Put %d = %v", i, err)
		}
	}
	got := get(t, s, bucket, "cp/k")
	if len(got) != size || strings.Count(got, got[:1]) != size {
		t.Errorf("Get after concurrent Puts = %d bytes, not %d of one writer's byte", len(got), size)
	}
}

// testConcurrentPutDelete puts and deletes keys under one prefix at once,
// so that a Delete removing what it leaves empty races with Puts that
// need it.
func testConcurrentPutDelete(t *testing.T, s blob.Store, bucket string) {
	const workers, rounds = 4, 25
	var wg sync.WaitGroup
	errs := make([]error, workers)
	for w := range workers {
		wg.Go(func() {
			for r := range rounds {
				key := fmt.Sprintf("cpd/shared/dir/%d-%d", w, r)
				if err := s.Put(context.Background(), bucket, key, strings.NewReader("x"), 1, ""); err != nil {
					errs[w] = err
					return
				}
				if err := s.Delete(context.Background(), bucket, key); err != nil {
					errs[w] = err
					return
				}
			}
		})
	}
	wg.Wait()
	for w, err := range errs {
		if err != nil {
			t.Errorf("worker %d: %v", w, err)
		}
	}
	if objs := list(t, s, bucket, "cpd/"); len(objs) != 0 {
		t.Errorf("List after deleting all = %+v, want none", objs)
	}
}

func put(t testing.TB, s blob.Store, bucket, key, body string) {
	t.Helper()
	if err := s.Put(context.Background(), bucket, key, strings.NewReader(body), int64(len(body)), "text/plain"); err != nil {
		t.Fatalf("Put(%s, %s) = %v", bucket, key, err)
	}
}

func get(t testing.TB, s blob.Store, bucket, key string) string {
	t.Helper()
	rc, err := s.Get(context.Background(), bucket, key)
	if err != nil {
		t.Fatalf("Get(%s, %s) = %v", bucket, key, err)
	}
	defer rc.Close()
	b, err := io.ReadAll(rc)
	if err != nil {
		t.Fatalf("Get(%s, %s): read: %v", bucket, key, err)
	}
	return string(b)
}

func del(t testing.TB, s blob.Store, bucket, key string) {
	t.Helper()
	if err := s.Delete(context.Background(), bucket, key); err != nil {
		t.Fatalf("Delete(%s, %s) = %v", bucket, key, err)
	}
}

func list(t testing.TB, s blob.Store, bucket, prefix string) []blob.Object {
	t.Helper()
	objs, err := s.List(context.Background(), bucket, prefix)
	if err != nil {
		t.Fatalf("List(%s, %q) = %v", bucket, prefix, err)
	}
	return objs
}

// checkMissing checks that Get finds no object under key.
func checkMissing(t testing.TB, s blob.Store, bucket, key string) {
	t.Helper()
	rc, err := s.Get(context.Background(), bucket, key)
	if err == nil {
		rc.Close()
		t.Errorf("Get(%s) found an object, want none", key)
	} else if !errors.Is(err, awserr.NotFound) {
		t.Errorf("Get(%s) = %v, want kind NotFound", key, err)
	}
}

// readerFunc is a Reader made of its Read method.
type readerFunc func(p []byte) (int, error)

func (f readerFunc) Read(p []byte) (int, error) { return f(p) }
