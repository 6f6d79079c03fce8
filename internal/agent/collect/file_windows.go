// Copyright 2026 The kanri Authors
// SPDX-License-Identifier: Apache-2.0

//go:build windows

package collect

import (
	"fmt"
	"io/fs"
	"syscall"
	"time"
	"unsafe"

	"golang.org/x/sys/windows"
)

// fileDetails adds, as the SSM agent does on Windows, the file's creation
// (InstalledDate) and last access times and the strings of its version
// resource: FileDescription (as Description), FileVersion, ProductName,
// ProductVersion, CompanyName and the language (ProductLanguage).
func fileDetails(path string, fi fs.FileInfo, e map[string]string) {
	if d, ok := fi.Sys().(*syscall.Win32FileAttributeData); ok {
		e["InstalledDate"] = time.Unix(0, d.CreationTime.Nanoseconds()).UTC().Format(time.RFC3339)
		e["LastAccessTime"] = time.Unix(0, d.LastAccessTime.Nanoseconds()).UTC().Format(time.RFC3339)
	}
	size, err := windows.GetFileVersionInfoSize(path, nil)
	if err != nil || size == 0 {
		return
	}
	buf := make([]byte, size)
	block := unsafe.Pointer(&buf[0])
	if err := windows.GetFileVersionInfo(path, 0, size, block); err != nil {
		return
	}
	var p unsafe.Pointer
	var n uint32
	if err := windows.VerQueryValue(block, `\VarFileInfo\Translation`, unsafe.Pointer(&p), &n); err != nil || n < 4 {
		return
	}
	lang := *(*uint16)(p)
	codePage := *(*uint16)(unsafe.Add(p, 2))
	prefix := fmt.Sprintf(`\StringFileInfo\%04x%04x\`, lang, codePage)
	for attr, name := range map[string]string{
		"Description":    "FileDescription",
		"FileVersion":    "FileVersion",
		"ProductName":    "ProductName",
		"ProductVersion": "ProductVersion",
		"CompanyName":    "CompanyName",
	} {
		var v unsafe.Pointer
		var vn uint32
		if err := windows.VerQueryValue(block, prefix+name, unsafe.Pointer(&v), &vn); err == nil && vn > 0 {
			if s := windows.UTF16PtrToString((*uint16)(v)); s != "" {
				e[attr] = s
			}
		}
	}
	if l := languageName(lang); l != "" {
		e["ProductLanguage"] = l
	}
}

// languageName names a language ID as VerLanguageName does ("English
// (United States)").
func languageName(lang uint16) string {
	proc := windows.NewLazySystemDLL("kernel32.dll").NewProc("VerLanguageNameW")
	if proc.Find() != nil {
		return ""
	}
	buf := make([]uint16, 128)
	r, _, _ := proc.Call(uintptr(lang), uintptr(unsafe.Pointer(&buf[0])), uintptr(len(buf)))
	if r == 0 {
		return ""
	}
	return windows.UTF16ToString(buf[:r])
}
