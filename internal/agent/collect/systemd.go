// Copyright 2026 The kanri Authors
// SPDX-License-Identifier: Apache-2.0

package collect

import (
	"sort"
	"strings"
)

// This file maps systemd services to AWS:Service. It builds on every
// platform so that its parsers are tested anywhere; service_unix.go runs
// systemctl and reads unit files.

const serviceSuffix = ".service"

// systemdUnit is what AWS:Service reports of one systemd service.
type systemdUnit struct {
	Name          string // "ssh.service"
	Description   string
	Type          string // Type= of [Service]: simple, forking, oneshot, notify, ...
	LoadState     string // loaded, not-found, masked, ...
	ActiveState   string // active, inactive, failed, activating, deactivating, reloading; "" if unknown
	UnitFileState string // enabled, disabled, static, masked, ... ("" if unknown)
	DependsOn     []string
	Dependents    []string
}

// entry returns u as an AWS:Service entry, named as Windows names services
// so that one query reads both: Name is the unit's name without
// ".service", DisplayName its Description, ServiceType its Type=, Status
// and StartType as systemdStatus and systemdStartType say, and
// ServicesDependedOn and DependentServices the services (not targets,
// sockets or other units) it requires or wants and that require or want it,
// comma-separated and sorted.
func (u systemdUnit) entry() map[string]string {
	name := strings.TrimSuffix(u.Name, serviceSuffix)
	display := u.Description
	if display == "" {
		display = name
	}
	return entry(
		"Name", name,
		"DisplayName", display,
		"ServiceType", u.Type,
		"Status", systemdStatus(u.ActiveState),
		"StartType", systemdStartType(u.UnitFileState, u.LoadState),
		"ServicesDependedOn", serviceList(u.DependsOn),
		"DependentServices", serviceList(u.Dependents),
	)
}

// systemdStatus maps systemd's ActiveState to Status in the words of
// Windows' service states: active → Running, inactive → Stopped,
// activating → StartPending, deactivating → StopPending; failed, which
// Windows lacks, is Failed, and an unknown state (systemd not running) is
// Unknown.
func systemdStatus(active string) string {
	switch active {
	case "active", "reloading", "refreshing":
		return "Running"
	case "inactive", "maintenance":
		return "Stopped"
	case "failed":
		return "Failed"
	case "activating":
		return "StartPending"
	case "deactivating":
		return "StopPending"
	}
	return "Unknown"
}

// systemdStartType maps systemd's UnitFileState to StartType in the words
// of Windows' start types: a unit started at boot (enabled, generated) is
// Automatic, one started only on demand or by another (static, indirect,
// disabled) is Manual, and one that cannot be started (masked) is Disabled.
func systemdStartType(fileState, loadState string) string {
	if loadState == "masked" {
		return "Disabled"
	}
	switch fileState {
	case "enabled", "enabled-runtime", "generated", "transient":
		return "Automatic"
	case "static", "indirect", "disabled", "linked", "linked-runtime", "alias":
		return "Manual"
	case "masked", "masked-runtime":
		return "Disabled"
	}
	return ""
}

// serviceList returns the services among units, without ".service",
// sorted, unique and comma-separated.
func serviceList(units []string) string {
	set := map[string]bool{}
	for _, u := range units {
		if strings.HasSuffix(u, serviceSuffix) && !strings.HasSuffix(u, "@"+serviceSuffix) {
			set[strings.TrimSuffix(u, serviceSuffix)] = true
		}
	}
	names := make([]string, 0, len(set))
	for n := range set {
		names = append(names, n)
	}
	sort.Strings(names)
	return strings.Join(names, ", ")
}

// isTemplate reports whether name is a template unit ("getty@.service"),
// which is not a service until instantiated.
func isTemplate(name string) bool {
	return strings.HasSuffix(name, "@"+serviceSuffix)
}

// listedUnit is one line of systemctl list-units.
type listedUnit struct {
	Name, Load, Active, Sub, Description string
}

// parseListUnits parses the output of
// "systemctl list-units --type=service --all --no-legend --plain": lines
// "UNIT LOAD ACTIVE SUB DESCRIPTION...", where failed units may start with
// a "●" (or "*") mark. Lines that do not name a service are skipped.
func parseListUnits(out string) []listedUnit {
	var units []listedUnit
	for _, line := range strings.Split(out, "\n") {
		f := strings.Fields(line)
		if len(f) > 0 && (f[0] == "●" || f[0] == "*") {
			f = f[1:]
		}
		if len(f) < 4 || !strings.HasSuffix(f[0], serviceSuffix) {
			continue
		}
		units = append(units, listedUnit{
			Name: f[0], Load: f[1], Active: f[2], Sub: f[3],
			Description: strings.Join(f[4:], " "),
		})
	}
	return units
}

// parseListUnitFiles parses the output of
// "systemctl list-unit-files --type=service --no-legend": lines
// "UNIT STATE [PRESET]". It returns each service's state.
func parseListUnitFiles(out string) map[string]string {
	states := map[string]string{}
	for _, line := range strings.Split(out, "\n") {
		f := strings.Fields(line)
		if len(f) >= 2 && strings.HasSuffix(f[0], serviceSuffix) {
			states[f[0]] = f[1]
		}
	}
	return states
}

// systemctlShowProperties are the properties services asks systemctl show
// for.
const systemctlShowProperties = "Id,Description,Type,LoadState,ActiveState,SubState,UnitFileState," +
	"Requires,Requisite,Wants,BindsTo,RequiredBy,RequisiteOf,WantedBy,BoundBy"

// parseSystemctlShow parses the output of "systemctl show
// --property=systemctlShowProperties UNIT...": one block of KEY=VALUE lines
// per unit, blocks separated by blank lines.
func parseSystemctlShow(out string) []systemdUnit {
	var units []systemdUnit
	props := map[string]string{}
	flush := func() {
		if id := props["Id"]; id != "" {
			units = append(units, systemdUnit{
				Name:          id,
				Description:   props["Description"],
				Type:          props["Type"],
				LoadState:     props["LoadState"],
				ActiveState:   props["ActiveState"],
				UnitFileState: props["UnitFileState"],
				DependsOn:     fieldsOf(props, "Requires", "Requisite", "Wants", "BindsTo"),
				Dependents:    fieldsOf(props, "RequiredBy", "RequisiteOf", "WantedBy", "BoundBy"),
			})
		}
		clear(props)
	}
	for _, line := range strings.Split(out, "\n") {
		line = strings.TrimRight(line, "\r")
		if line == "" {
			flush()
			continue
		}
		if k, v, ok := strings.Cut(line, "="); ok {
			props[k] = v
		}
	}
	flush()
	return units
}

// fieldsOf returns the space-separated words of the given properties.
func fieldsOf(props map[string]string, keys ...string) []string {
	var words []string
	for _, k := range keys {
		words = append(words, strings.Fields(props[k])...)
	}
	return words
}

// unitFile is what a systemd unit file says about the unit.
type unitFile struct {
	Description string
	Type        string
	DependsOn   []string // Requires=, Requisite=, Wants=, BindsTo=
	Installable bool     // [Install] has WantedBy=, RequiredBy=, Alias= or Also=
}

// parseUnitFile parses a systemd unit file. Of [Unit] it reads
// Description= and the dependencies, of [Service] Type= (default
// "simple"), and of [Install] only whether it has any effect. A list
// assignment with an empty value clears the list, as in systemd.
func parseUnitFile(data string) unitFile {
	u := unitFile{Type: "simple"}
	deps := map[string][]string{}
	section := ""
	var cont string // a line continued with a backslash
	for _, line := range strings.Split(data, "\n") {
		line = strings.TrimSpace(line)
		if cont != "" {
			line = cont + " " + line
			cont = ""
		}
		if strings.HasSuffix(line, `\`) {
			cont = strings.TrimSpace(strings.TrimSuffix(line, `\`))
			continue
		}
		if line == "" || line[0] == '#' || line[0] == ';' {
			continue
		}
		if line[0] == '[' {
			section = strings.Trim(line, "[]")
			continue
		}
		k, v, ok := strings.Cut(line, "=")
		if !ok {
			continue
		}
		k, v = strings.TrimSpace(k), strings.TrimSpace(v)
		switch section + "." + k {
		case "Unit.Description":
			u.Description = v
		case "Unit.Requires", "Unit.Requisite", "Unit.Wants", "Unit.BindsTo":
			if v == "" {
				deps[k] = nil
			} else {
				deps[k] = append(deps[k], strings.Fields(v)...)
			}
		case "Service.Type":
			if v != "" {
				u.Type = v
			}
		case "Install.WantedBy", "Install.RequiredBy", "Install.Alias", "Install.Also", "Install.UpheldBy":
			if v != "" {
				u.Installable = true
			}
		}
	}
	for _, k := range []string{"Requires", "Requisite", "Wants", "BindsTo"} {
		u.DependsOn = append(u.DependsOn, deps[k]...)
	}
	return u
}
