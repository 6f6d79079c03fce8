// Copyright 2026 The kanri Authors
// SPDX-License-Identifier: Apache-2.0

package blob

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"syscall"

	"github.com/kanri-dev/kanri/internal/awserr"
)

// tmpDir is the directory under the store's root where Put writes objects
// before renaming them into place. It is not a valid bucket name, so it
// never collides with a bucket, and it is on the same file system as the
// buckets, so the rename is atomic. Files left there by a crash may be
// deleted while no Put is running.
const tmpDir = ".tmp"

// File modes of objects and of the directories holding them: the outputs
// of commands may hold secrets, so only kanri's user may read them.
const (
	fileMode = 0o600
	dirMode  = 0o700
)

// local is the Store of a local directory. Every operation goes through an
// os.Root, so that even a symbolic link planted under the directory cannot
// make it read or write outside; checkName refuses escaping names before.
type local struct {
	dir string // absolute
}

// openLocal returns the Store of dir, creating dir if needed.
func openLocal(dir string) (*local, error) {
	if dir == "" {
		return nil, awserr.New(awserr.Invalid, "InvalidArgument", "The object store needs a directory or an S3 configuration.")
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("blob directory %s: %w", dir, err)
	}
	if err := os.MkdirAll(abs, dirMode); err != nil {
		return nil, fmt.Errorf("blob directory: %w", err)
	}
	return &local{dir: abs}, nil
}

// root opens the store's directory; the caller closes it.
func (l *local) root() (*os.Root, error) {
	r, err := os.OpenRoot(l.dir)
	if err != nil {
		return nil, fmt.Errorf("blob directory: %w", err)
	}
	return r, nil
}

// name returns the object's file name relative to the root.
func name(bucket, key string) string {
	return filepath.Join(bucket, filepath.FromSlash(key))
}

// Put writes the object to a temporary file, syncs it, and renames it into
// place, so readers see the old object or the new one, never a part.
func (l *local) Put(ctx context.Context, bucket, key string, body io.Reader, size int64, contentType string) error {
	if err := checkName(bucket, key); err != nil {
		return err
	}
	if err := checkSize(size); err != nil {
		return err
	}
	r, err := l.root()
	if err != nil {
		return err
	}
	defer r.Close()
	if err := r.MkdirAll(tmpDir, dirMode); err != nil {
		return fmt.Errorf("put %s/%s: %w", bucket, key, err)
	}
	tmp := filepath.Join(tmpDir, rand.Text())
	f, err := r.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, fileMode)
	if err != nil {
		return fmt.Errorf("put %s/%s: %w", bucket, key, err)
	}
	renamed := false
	defer func() {
		if !renamed {
			f.Close()
			r.Remove(tmp)
		}
	}()
	n, err := io.Copy(f, withContext(ctx, limit(body, size)))
	if err != nil {
		return fmt.Errorf("put %s/%s: %w", bucket, key, err)
	}
	if err := sizeMismatch(n, size); err != nil {
		return err
	}
	// Sync before the rename, so a crash cannot leave an empty or
	// partial file under the object's name.
	if err := f.Sync(); err != nil {
		return fmt.Errorf("put %s/%s: %w", bucket, key, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("put %s/%s: %w", bucket, key, err)
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("put %s/%s: %w", bucket, key, err)
	}
	if err := rename(r, tmp, bucket, key); err != nil {
		return err
	}
	renamed = true
	return nil
}

// rename moves tmp to the object's name, creating its directories.
func rename(r *os.Root, tmp, bucket, key string) error {
	dst := name(bucket, key)
	// A concurrent Delete may remove a directory that MkdirAll has just
	// made or found, as it prunes empty ones; then MkdirAll fails with
	// "exists" or Rename with "not exist", and trying again succeeds.
	for range 10 {
		err := r.MkdirAll(filepath.Dir(dst), dirMode)
		if err == nil {
			err = r.Rename(tmp, dst)
		}
		if err == nil {
			return nil
		}
		if conflict(r, bucket, key) {
			return awserr.Errorf(awserr.Conflict, "InvalidArgument",
				"The object key %q conflicts with another key in bucket %s: a local object store cannot hold both a/b and a.", key, bucket)
		}
		if !errors.Is(err, fs.ErrNotExist) && !errors.Is(err, fs.ErrExist) {
			return fmt.Errorf("put %s/%s: %w", bucket, key, err)
		}
	}
	return fmt.Errorf("put %s/%s: directory removed repeatedly while writing", bucket, key)
}

// conflict reports whether the object's file name is a directory (there are
// objects under key + "/") or one of its parents is not (there is an object
// named like a prefix of key).
func conflict(r *os.Root, bucket, key string) bool {
	if fi, err := r.Lstat(name(bucket, key)); err == nil && fi.IsDir() {
		return true
	}
	for i := range len(key) {
		if key[i] != '/' {
			continue
		}
		if fi, err := r.Lstat(name(bucket, key[:i])); err == nil && !fi.IsDir() {
			return true
		}
	}
	return false
}

// Get opens the object's file.
func (l *local) Get(ctx context.Context, bucket, key string) (io.ReadCloser, error) {
	if err := checkName(bucket, key); err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("get %s/%s: %w", bucket, key, err)
	}
	r, err := l.root()
	if err != nil {
		return nil, err
	}
	defer r.Close()
	f, err := r.Open(name(bucket, key))
	if missing(err) {
		return nil, noSuchKey(bucket, key)
	}
	if err != nil {
		return nil, fmt.Errorf("get %s/%s: %w", bucket, key, err)
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("get %s/%s: %w", bucket, key, err)
	}
	if !fi.Mode().IsRegular() {
		// A directory holds objects under key + "/"; it is not one.
		f.Close()
		return nil, noSuchKey(bucket, key)
	}
	return f, nil
}

// missing reports whether err says that a file does not exist, or that a
// parent of it is a file (so it cannot exist).
func missing(err error) bool {
	return errors.Is(err, fs.ErrNotExist) || errors.Is(err, syscall.ENOTDIR)
}

// Delete removes the object's file and then the directories it leaves
// empty, up to the bucket's, so that the key space they held is free for
// an object (a/b gone, a may be put).
func (l *local) Delete(ctx context.Context, bucket, key string) error {
	if err := checkName(bucket, key); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("delete %s/%s: %w", bucket, key, err)
	}
	r, err := l.root()
	if err != nil {
		return err
	}
	defer r.Close()
	file := name(bucket, key)
	fi, err := r.Lstat(file)
	if missing(err) || err == nil && fi.IsDir() {
		return nil
	}
	if err != nil {
		return fmt.Errorf("delete %s/%s: %w", bucket, key, err)
	}
	if err := r.Remove(file); err != nil && !missing(err) {
		return fmt.Errorf("delete %s/%s: %w", bucket, key, err)
	}
	for dir := filepath.Dir(file); dir != bucket && dir != "."; dir = filepath.Dir(dir) {
		if r.Remove(dir) != nil {
			break // not empty, or already gone
		}
	}
	return nil
}

// List walks the bucket's directory, from the deepest directory that the
// prefix names entirely.
func (l *local) List(ctx context.Context, bucket, prefix string) ([]Object, error) {
	if err := checkBucket(bucket); err != nil {
		return nil, err
	}
	start := bucket
	if i := strings.LastIndexByte(prefix, '/'); i >= 0 {
		if checkKey(prefix[:i]) != nil {
			return nil, nil // no valid key begins with prefix
		}
		start = path.Join(bucket, prefix[:i])
	}
	r, err := l.root()
	if err != nil {
		return nil, err
	}
	defer r.Close()
	var objs []Object
	err = fs.WalkDir(r.FS(), start, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if p == start && missing(err) {
				return fs.SkipAll
			}
			return err
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		if p == bucket {
			return nil
		}
		key := p[len(bucket)+1:]
		if d.IsDir() {
			if !strings.HasPrefix(key+"/", prefix) && !strings.HasPrefix(prefix, key+"/") {
				return fs.SkipDir
			}
			return nil
		}
		if !d.Type().IsRegular() || !strings.HasPrefix(key, prefix) || checkKey(key) != nil {
			return nil
		}
		fi, err := d.Info()
		if errors.Is(err, fs.ErrNotExist) {
			return nil // deleted meanwhile
		}
		if err != nil {
			return err
		}
		objs = append(objs, Object{Key: key, Size: fi.Size(), Modified: fi.ModTime().UTC()})
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("list %s/%s: %w", bucket, prefix, err)
	}
	// WalkDir visits a/b before a-c; keys sort the other way ('-' < '/').
	slices.SortFunc(objs, func(a, b Object) int { return strings.Compare(a.Key, b.Key) })
	return objs, nil
}

// URL returns kanri://<bucket>/<key>; Config says why.
func (l *local) URL(bucket, key string) string {
	return "kanri://" + bucket + "/" + escapeKey(key)
}
