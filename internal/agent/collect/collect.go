// Copyright 2026 The kanri Authors
// SPDX-License-Identifier: Apache-2.0

package collect

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/kanri-dev/kanri/internal/awserr"
)

// The inventory type names this package collects, as AWS spells them.
// Custom inventory types are named by their files ("Custom:RackInfo").
const (
	TypeInstanceInformation         = "AWS:InstanceInformation"
	TypeApplication                 = "AWS:Application"
	TypeAWSComponent                = "AWS:AWSComponent"
	TypeNetwork                     = "AWS:Network"
	TypeService                     = "AWS:Service"
	TypeFile                        = "AWS:File"
	TypeInstanceDetailedInformation = "AWS:InstanceDetailedInformation"
)

// CaptureTimeLayout is the time layout PutInventory requires of
// InventoryItem.CaptureTime (always UTC).
const CaptureTimeLayout = "2006-01-02T15:04:05Z"

// PutInventory's limits on one item, which Collect enforces before sending.
const (
	maxEntries     = 10000
	maxValueLength = 4096
	maxItemBytes   = 3 << 20 // the SSM agent's per-type limit (3072 KB)
)

// schemaVersion returns the schema version the SSM agent sends for an AWS
// inventory type.
func schemaVersion(typeName string) string {
	if typeName == TypeApplication {
		return "1.1"
	}
	return "1.0"
}

// Item is one inventory type's data as PutInventory sends it (the
// InventoryItem shape of the SSM API, without Context). Content is never nil
// in items returned by Collect, so it marshals as [] when empty.
type Item struct {
	TypeName      string              `json:"TypeName"`
	SchemaVersion string              `json:"SchemaVersion"`
	CaptureTime   string              `json:"CaptureTime"` // CaptureTimeLayout, UTC
	Content       []map[string]string `json:"Content"`
	ContentHash   string              `json:"ContentHash"` // ContentHash(Content)
}

// Set says which inventory types Collect gathers, as the parameters of the
// AWS-GatherSoftwareInventory document do. AWS:InstanceInformation is always
// gathered. The zero value gathers only AWS:InstanceInformation.
type Set struct {
	Applications                bool // AWS:Application ("applications")
	AWSComponents               bool // AWS:AWSComponent ("awsComponents")
	NetworkConfig               bool // AWS:Network ("networkConfig")
	Services                    bool // AWS:Service ("services")
	Files                       bool // AWS:File ("files"), from Config.FilePaths
	InstanceDetailedInformation bool // AWS:InstanceDetailedInformation ("instanceDetailedInformation")
	CustomInventory             bool // Custom:* ("customInventory"), from Config.CustomInventoryDir
}

// Config configures Collect. The zero value collects from the running
// machine with no instance identity, no files and no custom inventory.
type Config struct {
	// Root is the filesystem root the collectors read: every absolute path
	// they open, including those in JavaSearchPaths, FilePaths and
	// CustomInventoryDir, is taken under Root, and symbolic links are
	// resolved inside it, so that tests can point the collectors at a
	// fixture tree. "" means "/". Under another Root, services come from
	// the unit files rather than from the running systemd, rpm (if the tree
	// has an rpm database) is run with --root, and Java launchers found in
	// the tree are run to identify them. Network interfaces, the primary
	// IP address, the host name and, on Windows, the registry and the
	// service manager always come from the running machine.
	Root string

	// InstanceID is the managed instance's ID ("mi-0123456789abcdef0"),
	// reported in AWS:InstanceInformation.
	InstanceID string
	// AgentType is reported as AWS:InstanceInformation's AgentType;
	// "" means "kanri-agent".
	AgentType string
	// AgentVersion is the agent's version, reported in
	// AWS:InstanceInformation.
	AgentVersion string
	// Hostname is reported as ComputerName; "" means os.Hostname.
	Hostname string

	// JavaSearchPaths are directories searched for Java installations in
	// addition to the default ones; each is searched two levels deep.
	JavaSearchPaths []string
	// FilePaths says which files AWS:File reports (the "files" parameter
	// of AWS-GatherSoftwareInventory; see ParseFileSpecs).
	FilePaths []FileSpec
	// CustomInventoryDir is the directory whose *.json files hold custom
	// inventory. "" means no custom inventory.
	CustomInventoryDir string

	// Getenv reads the agent's environment (JAVA_HOME, PATH, and the
	// variables in FilePaths); nil means os.Getenv.
	Getenv func(key string) string
	// Now is the clock that stamps CaptureTime; nil means time.Now.
	Now func() time.Time
}

// Error reports one problem met while collecting: a type that could not be
// collected at all, or a part of one (a custom inventory file, a path of
// AWS:File) that was left out. Where the problem has a kind, errors.Is(err,
// awserr.Invalid), awserr.NotFound or awserr.LimitExceeded reports it.
type Error struct {
	TypeName string // the inventory type, or "Custom" for a custom inventory file
	Path     string // the file or directory concerned, if any
	Err      error
}

// Error returns "collect TypeName[ path]: err".
func (e *Error) Error() string {
	if e.Path != "" {
		return fmt.Sprintf("collect %s %s: %v", e.TypeName, e.Path, e.Err)
	}
	return fmt.Sprintf("collect %s: %v", e.TypeName, e.Err)
}

// Unwrap returns the underlying error.
func (e *Error) Unwrap() error { return e.Err }

// Collect gathers the inventory types in enabled and returns one Item per
// type, in a fixed order, all stamped with the same CaptureTime and each
// with its ContentHash.
//
// A failure in one type never stops the others: Collect returns every item
// it could build and, if anything went wrong, a non-nil error joining one
// *Error per problem. A type that failed as a whole has no item (so a partial
// list never replaces a complete one), while a type with a part left out (a
// custom inventory file that is invalid, a configured path that does not
// exist) still has its item. Collect returns ctx's error, and no items, if
// ctx ends first. It is safe to call concurrently.
func Collect(ctx context.Context, cfg Config, enabled Set) ([]Item, error) {
	c := newCollector(cfg)

	c.add(ctx, TypeInstanceInformation, c.instanceInformation)
	if enabled.Applications || enabled.AWSComponents {
		apps, err := c.applications(ctx)
		if enabled.Applications {
			c.add(ctx, TypeApplication, func(context.Context) ([]map[string]string, error) { return apps, err })
		}
		if enabled.AWSComponents {
			c.add(ctx, TypeAWSComponent, func(context.Context) ([]map[string]string, error) {
				if err != nil {
					return nil, err
				}
				return awsComponents(apps), nil
			})
		}
	}
	if enabled.NetworkConfig {
		c.add(ctx, TypeNetwork, c.network)
	}
	if enabled.Services {
		c.add(ctx, TypeService, c.services)
	}
	if enabled.Files {
		c.add(ctx, TypeFile, c.files)
	}
	if enabled.InstanceDetailedInformation {
		c.add(ctx, TypeInstanceDetailedInformation, c.instanceDetailedInformation)
	}
	if enabled.CustomInventory && cfg.CustomInventoryDir != "" {
		c.custom(ctx)
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return c.items, errors.Join(c.errs...)
}

// collector holds one Collect call's configuration and results.
type collector struct {
	cfg         Config
	root        string // "" for the real root
	getenv      func(string) string
	captureTime string
	items       []Item
	errs        []error
}

func newCollector(cfg Config) *collector {
	c := &collector{cfg: cfg, getenv: cfg.Getenv}
	if cfg.Root != "" && filepath.Clean(cfg.Root) != string(filepath.Separator) {
		c.root = filepath.Clean(cfg.Root)
	}
	if c.getenv == nil {
		c.getenv = os.Getenv
	}
	now := time.Now
	if cfg.Now != nil {
		now = cfg.Now
	}
	c.captureTime = now().UTC().Format(CaptureTimeLayout)
	return c
}

// add runs one type's collector and records its item or its error. A
// collector returns an error only when its type failed as a whole; it
// reports lesser problems with warn.
func (c *collector) add(ctx context.Context, typeName string, collect func(context.Context) ([]map[string]string, error)) {
	if ctx.Err() != nil {
		return
	}
	content, err := collect(ctx)
	if err != nil {
		c.fail(typeName, "", err)
		return
	}
	c.addItem(typeName, schemaVersion(typeName), content, true)
}

// addItem checks content against PutInventory's limits and records it as an
// item. Values of AWS types are truncated to the value limit; custom
// inventory was validated when read.
func (c *collector) addItem(typeName, version string, content []map[string]string, truncate bool) {
	if content == nil {
		content = []map[string]string{}
	}
	if len(content) > maxEntries {
		c.fail(typeName, "", fmt.Errorf("%d entries, more than %d: %w", len(content), maxEntries, awserr.LimitExceeded))
		return
	}
	if truncate {
		for _, e := range content {
			for k, v := range e {
				if len(v) > maxValueLength {
					e[k] = truncateUTF8(v, maxValueLength)
				}
			}
		}
	}
	if b, err := json.Marshal(content); err != nil {
		c.fail(typeName, "", err)
		return
	} else if len(b) > maxItemBytes {
		c.fail(typeName, "", fmt.Errorf("%d bytes of content, more than %d: %w", len(b), maxItemBytes, awserr.LimitExceeded))
		return
	}
	c.items = append(c.items, Item{
		TypeName:      typeName,
		SchemaVersion: version,
		CaptureTime:   c.captureTime,
		Content:       content,
		ContentHash:   ContentHash(content),
	})
}

// fail records that typeName (or the part of it at path) was not collected.
func (c *collector) fail(typeName, path string, err error) {
	c.errs = append(c.errs, &Error{TypeName: typeName, Path: path, Err: err})
}

// hostPath returns the name under which the collector opens the machine's
// absolute path p.
func (c *collector) hostPath(p string) string {
	if c.root == "" {
		return p
	}
	return filepath.Join(c.root, p)
}

// machinePath turns a name returned by hostPath back into the machine's path.
func (c *collector) machinePath(p string) string {
	if c.root == "" {
		return p
	}
	rel, err := filepath.Rel(c.root, p)
	if err != nil || strings.HasPrefix(rel, "..") {
		return p
	}
	return string(filepath.Separator) + rel
}

// realPath resolves every symbolic link in the machine's absolute path p,
// keeping absolute link targets inside Root, and returns the machine's path
// of the result.
func (c *collector) realPath(p string) (string, error) {
	if c.root == "" {
		return filepath.EvalSymlinks(p)
	}
	const maxLinks = 64
	links := 0
	todo := strings.Split(strings.TrimPrefix(filepath.ToSlash(filepath.Clean(p)), "/"), "/")
	cur := "/"
	for len(todo) > 0 {
		name := todo[0]
		todo = todo[1:]
		switch name {
		case "", ".":
			continue
		case "..":
			cur = filepath.Dir(cur)
			continue
		}
		next := filepath.Join(cur, name)
		fi, err := os.Lstat(c.hostPath(next))
		if err != nil {
			return "", err
		}
		if fi.Mode()&os.ModeSymlink == 0 {
			cur = next
			continue
		}
		if links++; links > maxLinks {
			return "", fmt.Errorf("resolve %s: too many links", p)
		}
		target, err := os.Readlink(c.hostPath(next))
		if err != nil {
			return "", err
		}
		if filepath.IsAbs(target) {
			cur = "/"
		}
		todo = append(strings.Split(filepath.ToSlash(target), "/"), todo...)
	}
	return cur, nil
}

// entry builds a content entry from attribute name/value pairs, leaving out
// empty values.
func entry(kv ...string) map[string]string {
	m := make(map[string]string, len(kv)/2)
	for i := 0; i+1 < len(kv); i += 2 {
		if kv[i+1] != "" {
			m[kv[i]] = kv[i+1]
		}
	}
	return m
}

// sortEntries sorts content by the given attributes in turn, comparing the
// first case-insensitively, and then by every attribute for a total order.
func sortEntries(content []map[string]string, keys ...string) {
	sort.SliceStable(content, func(i, j int) bool {
		a, b := content[i], content[j]
		for n, k := range keys {
			x, y := a[k], b[k]
			if n == 0 {
				if lx, ly := strings.ToLower(x), strings.ToLower(y); lx != ly {
					return lx < ly
				}
			}
			if x != y {
				return x < y
			}
		}
		return canonical(a) < canonical(b)
	})
}

// truncateUTF8 cuts s to at most n bytes without splitting a character.
func truncateUTF8(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

// firstLine returns s up to its first line break, trimmed.
func firstLine(s string) string {
	if i := strings.IndexAny(s, "\r\n"); i >= 0 {
		s = s[:i]
	}
	return strings.TrimSpace(s)
}
