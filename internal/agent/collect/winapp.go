// Copyright 2026 The kanri Authors
// SPDX-License-Identifier: Apache-2.0

package collect

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// This file maps Windows' Uninstall registry keys to AWS:Application. It
// builds on every platform, so that the mapping is tested on captured
// registry contents anywhere; application_windows.go reads the registry.

// registryHive names a registry root key.
type registryHive string

// The registry roots applications are read from.
const (
	hiveLocalMachine registryHive = "HKLM"
	hiveUsers        registryHive = "HKU"
)

// The registry keys Windows keeps installed programs in.
const (
	uninstallKey       = `SOFTWARE\Microsoft\Windows\CurrentVersion\Uninstall`
	uninstallKeyWOW64  = `SOFTWARE\WOW6432Node\Microsoft\Windows\CurrentVersion\Uninstall`
	userUninstallKey   = `Software\Microsoft\Windows\CurrentVersion\Uninstall`
	machineProductsKey = `SOFTWARE\Classes\Installer\Products`
	userProductsKey    = `Software\Microsoft\Installer\Products`
)

// registryReader reads the registry, as the application collector needs
// it. A key that does not exist has no subkeys and no values, and is not an
// error. Values are strings (REG_SZ, REG_EXPAND_SZ), []string (REG_MULTI_SZ)
// or integers (REG_DWORD, REG_QWORD; any Go integer or float64 type).
type registryReader interface {
	SubKeyNames(hive registryHive, path string) ([]string, error)
	Values(hive registryHive, path string) (map[string]any, error)
}

// uninstallSource is one registry key whose subkeys are installed programs,
// and the architecture of the programs it lists ("" if unknown).
type uninstallSource struct {
	hive registryHive
	path string
	arch string
}

// windowsApplications returns the programs Add/Remove Programs lists, as
// AWS:Application entries, reading the 64-bit and 32-bit (WOW6432Node)
// Uninstall keys of the machine and the Uninstall key of every loaded user
// hive, which includes the agent's own HKCU. osArch is the architecture of
// the operating system as formatArchitecture spells it; programs under a
// user's key, which Windows does not split by bitness, have none.
//
// A program is listed under the rules the SSM agent applies: it has a
// DisplayName that does not start with "KB" and a digit (an update) and an
// UninstallString; SystemComponent is absent or 0; it has no ParentKeyName;
// its ReleaseType is not "Security Update", "Update Rollup" or "Hotfix";
// and if WindowsInstaller is 1, Windows Installer knows its product code.
// Name is DisplayName, Version DisplayVersion, InstalledTime InstallDate
// (a date, reported as midnight UTC), URL URLInfoAbout, and PackageId the
// key's name (the product code of an MSI install).
func windowsApplications(reg registryReader, osArch string) ([]map[string]string, error) {
	sources := []uninstallSource{{hiveLocalMachine, uninstallKey, osArch}}
	if osArch != "i386" {
		sources = append(sources, uninstallSource{hiveLocalMachine, uninstallKeyWOW64, "i386"})
	}
	productKeys := []uninstallSource{{hive: hiveLocalMachine, path: machineProductsKey}}
	users, err := reg.SubKeyNames(hiveUsers, "")
	if err != nil {
		return nil, fmt.Errorf(`read HKU: %w`, err)
	}
	for _, sid := range users {
		if strings.HasSuffix(sid, "_Classes") {
			continue
		}
		sources = append(sources, uninstallSource{hiveUsers, sid + `\` + userUninstallKey, ""})
		productKeys = append(productKeys, uninstallSource{hive: hiveUsers, path: sid + `\` + userProductsKey})
	}

	products := map[string]bool{}
	for _, pk := range productKeys {
		names, err := reg.SubKeyNames(pk.hive, pk.path)
		if err != nil {
			return nil, fmt.Errorf(`read %s\%s: %w`, pk.hive, pk.path, err)
		}
		for _, n := range names {
			products[strings.ToUpper(n)] = true
		}
	}

	seen := map[string]bool{}
	var apps []map[string]string
	for _, src := range sources {
		names, err := reg.SubKeyNames(src.hive, src.path)
		if err != nil {
			return nil, fmt.Errorf(`read %s\%s: %w`, src.hive, src.path, err)
		}
		for _, name := range names {
			vals, err := reg.Values(src.hive, src.path+`\`+name)
			if err != nil {
				return nil, fmt.Errorf(`read %s\%s\%s: %w`, src.hive, src.path, name, err)
			}
			if !listedProgram(name, vals, products) {
				continue
			}
			e := entry(
				"Name", strings.TrimSpace(regString(vals["DisplayName"])),
				"Version", strings.TrimSpace(regString(vals["DisplayVersion"])),
				"Publisher", strings.TrimSpace(regString(vals["Publisher"])),
				"InstalledTime", installDate(regString(vals["InstallDate"])),
				"URL", strings.TrimSpace(regString(vals["URLInfoAbout"])),
				"Architecture", src.arch,
				"PackageId", name,
			)
			if k := canonical(e); !seen[k] {
				seen[k] = true
				apps = append(apps, e)
			}
		}
	}
	return apps, nil
}

// listedProgram reports whether the Uninstall subkey name with values vals
// is a program Add/Remove Programs lists (see windowsApplications).
func listedProgram(name string, vals map[string]any, products map[string]bool) bool {
	dn := strings.TrimSpace(regString(vals["DisplayName"]))
	if dn == "" || (len(dn) > 2 && strings.EqualFold(dn[:2], "KB") && dn[2] >= '0' && dn[2] <= '9') {
		return false
	}
	if strings.TrimSpace(regString(vals["UninstallString"])) == "" {
		return false
	}
	if v, ok := vals["SystemComponent"]; ok && regInt(v) != 0 {
		return false
	}
	if _, ok := vals["ParentKeyName"]; ok {
		return false
	}
	switch regString(vals["ReleaseType"]) {
	case "Security Update", "Update Rollup", "Hotfix":
		return false
	}
	if v, ok := vals["WindowsInstaller"]; ok && regInt(v) == 1 {
		return products[compressedGUID(name)]
	}
	return true
}

// compressedGUID returns the form in which Windows Installer keeps the
// product code guid under Installer\Products: the first three groups
// reversed and each byte of the last two swapped, without punctuation:
// {2BE0FA87-5B36-43CF-95C8-C68D6673FB94} is 78AF0EB263B5FC34598C6CD86637BF49.
// It returns "" if guid is not a guid.
func compressedGUID(guid string) string {
	g := strings.ToUpper(strings.NewReplacer("{", "", "}", "", "-", "").Replace(guid))
	if len(g) != 32 || strings.Trim(g, "0123456789ABCDEF") != "" {
		return ""
	}
	rev := func(s string) string {
		b := []byte(s)
		for i, j := 0, len(b)-1; i < j; i, j = i+1, j-1 {
			b[i], b[j] = b[j], b[i]
		}
		return string(b)
	}
	var sb strings.Builder
	sb.WriteString(rev(g[0:8]))
	sb.WriteString(rev(g[8:12]))
	sb.WriteString(rev(g[12:16]))
	for i := 16; i < 32; i += 2 {
		sb.WriteByte(g[i+1])
		sb.WriteByte(g[i])
	}
	return sb.String()
}

// installDate turns an Uninstall key's InstallDate, which should be
// yyyyMMdd but is not always, into an InstalledTime; "" if it is neither
// that nor another common date form.
func installDate(s string) string {
	s = strings.TrimSpace(s)
	for _, layout := range []string{"20060102", "2006-01-02", "1/2/2006", "2006/01/02"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC().Format(time.RFC3339)
		}
	}
	return ""
}

// regString returns a registry value as a string.
func regString(v any) string {
	switch v := v.(type) {
	case nil:
		return ""
	case string:
		return v
	case []string:
		return strings.Join(v, " ")
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64)
	}
	return fmt.Sprint(v)
}

// regInt returns a registry value as an integer, -1 if it is not one.
func regInt(v any) int64 {
	switch v := v.(type) {
	case uint64:
		return int64(v)
	case uint32:
		return int64(v)
	case int:
		return int64(v)
	case int64:
		return v
	case float64:
		return int64(v)
	case string:
		if n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64); err == nil {
			return n
		}
	}
	return -1
}
