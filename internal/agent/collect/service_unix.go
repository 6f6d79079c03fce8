// Copyright 2026 The kanri Authors
// SPDX-License-Identifier: Apache-2.0

//go:build !windows

package collect

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path"
	"sort"
	"strings"
)

// systemctlBatch is how many units one systemctl show is asked about.
const systemctlBatch = 200

// services returns AWS:Service's content: systemd's services. When systemd
// runs the machine (and Root is "/") they come from systemctl, with their
// state; otherwise from the unit files, with Status Unknown.
func (c *collector) services(ctx context.Context) ([]map[string]string, error) {
	var units []systemdUnit
	if fi, err := os.Stat("/run/systemd/system"); err == nil && fi.IsDir() && c.root == "" {
		bin, err := exec.LookPath("systemctl")
		if err != nil {
			return nil, err
		}
		if units, err = systemctlUnits(ctx, bin); err != nil {
			return nil, err
		}
	} else {
		units = c.unitFileUnits()
	}
	content := make([]map[string]string, 0, len(units))
	for _, u := range units {
		content = append(content, u.entry())
	}
	sortEntries(content, "Name")
	return content, nil
}

// systemctlUnits asks systemd for every service it has loaded or has a
// unit file for.
func systemctlUnits(ctx context.Context, bin string) ([]systemdUnit, error) {
	run := func(args ...string) (string, error) {
		var stderr bytes.Buffer
		cmd := exec.CommandContext(ctx, bin, append([]string{"--no-pager"}, args...)...)
		cmd.Stderr = &stderr
		out, err := cmd.Output()
		if err != nil {
			return "", fmt.Errorf("systemctl %s: %s: %w", args[0], firstLine(stderr.String()), err)
		}
		return string(out), nil
	}
	listed, err := run("list-units", "--type=service", "--all", "--no-legend", "--plain")
	if err != nil {
		return nil, err
	}
	files, err := run("list-unit-files", "--type=service", "--no-legend")
	if err != nil {
		return nil, err
	}
	names := map[string]bool{}
	for _, u := range parseListUnits(listed) {
		if u.Load != "not-found" {
			names[u.Name] = true
		}
	}
	for n := range parseListUnitFiles(files) {
		if !isTemplate(n) {
			names[n] = true
		}
	}
	sorted := make([]string, 0, len(names))
	for n := range names {
		sorted = append(sorted, n)
	}
	sort.Strings(sorted)

	var units []systemdUnit
	seen := map[string]bool{}
	for len(sorted) > 0 {
		batch := sorted[:min(systemctlBatch, len(sorted))]
		sorted = sorted[len(batch):]
		out, err := run(append([]string{"show", "--property=" + systemctlShowProperties, "--"}, batch...)...)
		if err != nil {
			return nil, err
		}
		for _, u := range parseSystemctlShow(out) {
			if u.LoadState == "not-found" || seen[u.Name] { // aliases show their unit again
				continue
			}
			seen[u.Name] = true
			units = append(units, u)
		}
	}
	return units, nil
}

// unitFileUnits reads the services from the systemd unit directories,
// highest precedence first, as systemd would load them: a unit linked to
// /dev/null is masked, one linked from a .wants or .requires directory in
// /etc or /run is enabled, one whose [Install] section does nothing is
// static, and the others are disabled. Drop-in files (unit.d/*.conf) and
// instances of template units are not read.
func (c *collector) unitFileUnits() []systemdUnit {
	dirs := []string{
		"/etc/systemd/system", "/run/systemd/system", // where enabling links go
		"/usr/local/lib/systemd/system", "/usr/lib/systemd/system", "/lib/systemd/system",
	}
	units := map[string]*systemdUnit{}
	installable := map[string]bool{}
	masked := map[string]bool{}
	enabled := map[string]bool{}
	wants := map[string][]string{} // unit → units linked in its .wants/.requires
	for i, dir := range dirs {
		ents, err := os.ReadDir(c.hostPath(dir))
		if err != nil {
			continue
		}
		for _, e := range ents {
			name := e.Name()
			if owner, ok := strings.CutSuffix(name, ".wants"); ok || strings.HasSuffix(name, ".requires") {
				if !ok {
					owner = strings.TrimSuffix(name, ".requires")
				}
				subs, err := os.ReadDir(c.hostPath(path.Join(dir, name)))
				if err != nil {
					continue
				}
				for _, s := range subs {
					if strings.HasSuffix(s.Name(), serviceSuffix) {
						wants[owner] = append(wants[owner], s.Name())
						if i < 2 {
							enabled[s.Name()] = true
						}
					}
				}
				continue
			}
			if !strings.HasSuffix(name, serviceSuffix) || strings.Contains(name, "@") || units[name] != nil {
				continue
			}
			full := path.Join(dir, name)
			if e.Type()&os.ModeSymlink != 0 {
				target, err := os.Readlink(c.hostPath(full))
				if err != nil {
					continue
				}
				if target == os.DevNull {
					masked[name] = true // a lower unit file may still describe it
					continue
				}
				if path.Base(target) != name {
					continue // an alias: the unit is reported under its own name
				}
			}
			real, err := c.realPath(full)
			if err != nil {
				continue
			}
			data, err := os.ReadFile(c.hostPath(real))
			if err != nil {
				continue
			}
			uf := parseUnitFile(string(data))
			units[name] = &systemdUnit{Name: name, Description: uf.Description, Type: uf.Type, LoadState: "loaded", DependsOn: uf.DependsOn}
			installable[name] = uf.Installable
		}
	}
	for name := range masked {
		if units[name] == nil {
			units[name] = &systemdUnit{Name: name}
		}
	}

	for name, u := range units {
		u.DependsOn = append(u.DependsOn, wants[name]...)
		switch {
		case masked[name]:
			u.LoadState, u.UnitFileState = "masked", "masked"
		case enabled[name]:
			u.UnitFileState = "enabled"
		case !installable[name]:
			u.UnitFileState = "static"
		default:
			u.UnitFileState = "disabled"
		}
	}
	for name, u := range units {
		for _, d := range u.DependsOn {
			if dep := units[d]; dep != nil {
				dep.Dependents = append(dep.Dependents, name)
			}
		}
	}
	out := make([]systemdUnit, 0, len(units))
	for _, u := range units {
		out = append(out, *u)
	}
	return out
}
