// Copyright 2026 The kanri Authors
// SPDX-License-Identifier: Apache-2.0

package collect

import (
	"errors"
	"io/fs"
	"os"
	"path"
	"sort"
	"strings"
	"time"
)

// The dpkg database, read directly rather than through dpkg-query.
const (
	dpkgStatusFile  = "/var/lib/dpkg/status"
	dpkgUpdatesDir  = "/var/lib/dpkg/updates" // journal of status changes not yet merged
	dpkgInfoDir     = "/var/lib/dpkg/info"
	dpkgInstalledOK = "installed"
)

// dpkgPackage is the part of a dpkg status record that AWS:Application
// reports.
type dpkgPackage struct {
	Package      string
	Status       string // "want eflag state", e.g. "install ok installed"
	Architecture string
	MultiArch    string // "same" if several architectures may be installed at once
	Version      string
	Maintainer   string
	Section      string
	Homepage     string
	Description  string // the first line: the short description
}

// installed reports whether the package is installed: dpkg's state is
// "installed", whatever is wanted of it next (install, hold, deinstall).
func (p *dpkgPackage) installed() bool {
	f := strings.Fields(p.Status)
	return len(f) == 3 && f[2] == dpkgInstalledOK
}

// parseDpkgStatus parses records in the format of dpkg's status file and
// stores each in pkgs under "package:architecture", replacing any record
// already there, which is how dpkg applies its update journal.
func parseDpkgStatus(data string, pkgs map[string]*dpkgPackage) {
	var p *dpkgPackage
	flush := func() {
		if p != nil && p.Package != "" {
			pkgs[p.Package+":"+p.Architecture] = p
		}
		p = nil
	}
	for len(data) > 0 {
		var line string
		if i := strings.IndexByte(data, '\n'); i >= 0 {
			line, data = data[:i], data[i+1:]
		} else {
			line, data = data, ""
		}
		line = strings.TrimSuffix(line, "\r")
		if line == "" {
			flush()
			continue
		}
		if line[0] == ' ' || line[0] == '\t' {
			continue // continuation: only first lines are reported
		}
		colon := strings.IndexByte(line, ':')
		if colon < 0 {
			continue
		}
		if p == nil {
			p = &dpkgPackage{}
		}
		value := strings.TrimSpace(line[colon+1:])
		switch line[:colon] {
		case "Package":
			p.Package = value
		case "Status":
			p.Status = value
		case "Architecture":
			p.Architecture = value
		case "Multi-Arch":
			p.MultiArch = value
		case "Version":
			p.Version = value
		case "Maintainer":
			p.Maintainer = value
		case "Section":
			p.Section = value
		case "Homepage":
			p.Homepage = value
		case "Description":
			p.Description = value
		}
	}
	flush()
}

// dpkgApplications returns the installed dpkg packages as AWS:Application
// entries, or nil if the machine has no dpkg database. Version is dpkg's
// version verbatim (see the package documentation); InstalledTime is when
// the package's file list was last written, that is when it was last
// installed or upgraded.
func (c *collector) dpkgApplications() ([]map[string]string, error) {
	status, err := os.ReadFile(c.hostPath(dpkgStatusFile))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	pkgs := make(map[string]*dpkgPackage, 1024)
	parseDpkgStatus(string(status), pkgs)
	if err := c.applyDpkgUpdates(pkgs); err != nil {
		return nil, err
	}

	apps := make([]map[string]string, 0, len(pkgs))
	for _, p := range pkgs {
		if !p.installed() {
			continue
		}
		apps = append(apps, entry(
			"Name", p.Package,
			"Publisher", p.Maintainer,
			"Version", p.Version,
			"ApplicationType", p.Section,
			"Architecture", formatArchitecture(p.Architecture),
			"URL", p.Homepage,
			"Summary", summary(p.Description),
			"PackageId", p.Package+"_"+p.Version+"_"+p.Architecture+".deb",
			"InstalledTime", c.dpkgInstalledTime(p),
		))
	}
	return apps, nil
}

// applyDpkgUpdates applies dpkg's journal of status changes, the files
// named by digits in the updates directory, in order, as dpkg-query does.
func (c *collector) applyDpkgUpdates(pkgs map[string]*dpkgPackage) error {
	ents, err := os.ReadDir(c.hostPath(dpkgUpdatesDir))
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	var names []string
	for _, e := range ents {
		if n := e.Name(); n != "" && strings.Trim(n, "0123456789") == "" && e.Type().IsRegular() {
			names = append(names, n)
		}
	}
	sort.Slice(names, func(i, j int) bool {
		if len(names[i]) != len(names[j]) {
			return len(names[i]) < len(names[j])
		}
		return names[i] < names[j]
	})
	for _, n := range names {
		b, err := os.ReadFile(c.hostPath(path.Join(dpkgUpdatesDir, n)))
		if err != nil {
			return err
		}
		parseDpkgStatus(string(b), pkgs)
	}
	return nil
}

// dpkgInstalledTime returns when p's file list (info/<name>:<arch>.list for
// Multi-Arch: same packages, info/<name>.list otherwise) was last written,
// or "" if it has none.
func (c *collector) dpkgInstalledTime(p *dpkgPackage) string {
	names := []string{p.Package + ".list", p.Package + ":" + p.Architecture + ".list"}
	if p.MultiArch == "same" {
		names[0], names[1] = names[1], names[0]
	}
	for _, n := range names {
		if fi, err := os.Stat(c.hostPath(path.Join(dpkgInfoDir, n))); err == nil {
			return fi.ModTime().UTC().Format(time.RFC3339)
		}
	}
	return ""
}
