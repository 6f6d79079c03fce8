// Copyright 2026 The kanri Authors
// SPDX-License-Identifier: Apache-2.0

package collect

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/kanri-dev/kanri/internal/awserr"
)

// The SSM agent's limits on AWS:File, which keep the item small and the
// scan short.
const (
	// FileCountLimit is the most files AWS:File reports, over all paths.
	FileCountLimit = 500
	// DefaultDirScanLimit is the most directories one recursive FileSpec
	// scans unless its DirScanLimit says otherwise.
	DefaultDirScanLimit = 5000
)

// FileSpec is one entry of the "files" parameter of
// AWS-GatherSoftwareInventory: {"Path":"/etc","Pattern":["*.conf"],
// "Recursive":false}. Path may name environment variables ($HOME, or
// %ProgramFiles% on Windows). A file is reported if its name matches one
// of Pattern (filepath.Match syntax); a spec without patterns reports
// nothing, as in the SSM agent.
type FileSpec struct {
	Path         string   `json:"Path"`
	Pattern      []string `json:"Pattern"`
	Recursive    bool     `json:"Recursive"`
	DirScanLimit *int     `json:"DirScanLimit,omitempty"` // nil means DefaultDirScanLimit
}

// ParseFileSpecs parses the "files" parameter, a JSON array of FileSpec.
// As the SSM agent does, it reads every backslash as a path separator, so
// Windows paths need no escaping: [{"Path":"C:\Program Files",...}].
func ParseFileSpecs(s string) ([]FileSpec, error) {
	var specs []FileSpec
	if err := json.Unmarshal([]byte(strings.ReplaceAll(s, `\`, `/`)), &specs); err != nil {
		return nil, fmt.Errorf("files parameter: %w: %w", err, awserr.Invalid)
	}
	return specs, nil
}

// files returns AWS:File's content. A path that does not exist or cannot be
// read is reported and skipped; passing FileCountLimit or a DirScanLimit
// fails the type as a whole, as in the SSM agent.
func (c *collector) files(ctx context.Context) ([]map[string]string, error) {
	var paths []string
	seen := map[string]bool{}
	for _, spec := range c.cfg.FilePaths {
		dir := filepath.Clean(expandEnv(spec.Path, c.getenv, runtime.GOOS == "windows"))
		if !filepath.IsAbs(dir) {
			c.fail(TypeFile, spec.Path, fmt.Errorf("path is not absolute: %w", awserr.Invalid))
			continue
		}
		var patterns []string
		for _, p := range spec.Pattern {
			if _, err := filepath.Match(p, ""); err != nil {
				c.fail(TypeFile, spec.Path, fmt.Errorf("pattern %q: %w: %w", p, err, awserr.Invalid))
				continue
			}
			patterns = append(patterns, p)
		}
		dirLimit := DefaultDirScanLimit
		if spec.DirScanLimit != nil {
			dirLimit = *spec.DirScanLimit
		}
		found, err := c.findFiles(ctx, dir, patterns, spec.Recursive, FileCountLimit-len(paths), dirLimit)
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		if errors.Is(err, awserr.LimitExceeded) {
			return nil, fmt.Errorf("%s: %w", dir, err)
		}
		if err != nil {
			c.fail(TypeFile, dir, err)
			continue
		}
		for _, f := range found {
			if !seen[f] {
				seen[f] = true
				paths = append(paths, f)
			}
		}
	}

	content := make([]map[string]string, 0, len(paths))
	for _, p := range paths {
		fi, err := os.Stat(c.hostPath(p))
		if err != nil || fi.IsDir() {
			continue // gone since it was listed, or a link to a directory
		}
		e := entry(
			"Name", fi.Name(),
			"Size", strconv.FormatInt(fi.Size(), 10),
			"ModificationTime", fi.ModTime().UTC().Format(time.RFC3339),
			"InstalledDir", filepath.Dir(p),
		)
		fileDetails(c.hostPath(p), fi, e)
		content = append(content, e)
	}
	sortEntries(content, "InstalledDir", "Name")
	return content, nil
}

// findFiles lists the files in dir (the machine's path) whose names match a
// pattern, and in its subdirectories if recursive. It fails with
// awserr.LimitExceeded past fileLimit files or dirLimit directories.
func (c *collector) findFiles(ctx context.Context, dir string, patterns []string, recursive bool, fileLimit, dirLimit int) ([]string, error) {
	root := c.hostPath(dir)
	fi, err := os.Stat(root)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("%w: %w", err, awserr.NotFound)
	}
	if err != nil {
		return nil, err
	}
	if !fi.IsDir() {
		return nil, fmt.Errorf("not a directory: %w", awserr.Invalid)
	}
	var found []string
	dirs := 0
	match := func(name string) bool {
		if runtime.GOOS == "windows" {
			name = strings.ToLower(name)
		}
		for _, p := range patterns {
			if runtime.GOOS == "windows" {
				p = strings.ToLower(p)
			}
			if ok, _ := filepath.Match(p, name); ok {
				return true
			}
		}
		return false
	}
	visit := func(host string, d fs.DirEntry) error {
		if d.IsDir() {
			if dirs++; dirs > dirLimit {
				return fmt.Errorf("more than %d directories scanned: %w", dirLimit, awserr.LimitExceeded)
			}
			if dirs%64 == 0 && ctx.Err() != nil {
				return ctx.Err()
			}
			return nil
		}
		if match(d.Name()) {
			if found = append(found, c.machinePath(host)); len(found) > fileLimit {
				return fmt.Errorf("more than %d files found: %w", FileCountLimit, awserr.LimitExceeded)
			}
		}
		return nil
	}
	if recursive {
		err = filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				if p == root {
					return err
				}
				return nil // an unreadable subdirectory is skipped, as in the SSM agent
			}
			return visit(p, d)
		})
		return found, err
	}
	ents, err := os.ReadDir(root)
	if err != nil {
		return nil, err
	}
	dirs = 1
	for _, e := range ents {
		if e.IsDir() {
			continue
		}
		if err := visit(filepath.Join(root, e.Name()), e); err != nil {
			return found, err
		}
	}
	return found, nil
}

// expandEnv replaces the environment variables in s: %NAME% on Windows,
// $NAME and ${NAME} elsewhere.
func expandEnv(s string, getenv func(string) string, windows bool) string {
	if !windows {
		return os.Expand(s, getenv)
	}
	var b strings.Builder
	for {
		i := strings.IndexByte(s, '%')
		if i < 0 {
			break
		}
		j := strings.IndexByte(s[i+1:], '%')
		if j < 0 {
			break
		}
		b.WriteString(s[:i])
		b.WriteString(getenv(s[i+1 : i+1+j]))
		s = s[i+j+2:]
	}
	b.WriteString(s)
	return b.String()
}
