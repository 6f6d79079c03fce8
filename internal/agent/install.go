// Copyright 2026 The kanri Authors
// SPDX-License-Identifier: Apache-2.0

package agent

import (
	"bytes"
	"embed"
	"fmt"
	"net/url"
	"strings"
)

//go:embed install/install.sh install/install.ps1
var installScripts embed.FS

// Kinds of install script, for InstallScript.
const (
	ScriptSh  = "sh"  // install.sh: Linux, POSIX sh
	ScriptPs1 = "ps1" // install.ps1: Windows, PowerShell
)

// endpointPlaceholder is replaced by the server's endpoint in the scripts.
const endpointPlaceholder = "__KANRI_ENDPOINT__"

// InstallScript returns the install script of kind (ScriptSh or ScriptPs1)
// with endpoint, the URL agents reach the kanri server at, as its default
// endpoint. The script vends an activation from the endpoint, downloads and
// verifies the kanri binary, registers the agent and installs its service;
// run it with --help (-Help) for its options. The endpoint must be an
// http(s) URL without quotes, spaces or shell metacharacters, since it is
// written into the script.
func InstallScript(kind, endpoint string) ([]byte, error) {
	var name string
	switch kind {
	case ScriptSh:
		name = "install/install.sh"
	case ScriptPs1:
		name = "install/install.ps1"
	default:
		return nil, fmt.Errorf("install script: unknown kind %q: want %q or %q", kind, ScriptSh, ScriptPs1)
	}
	u, err := url.Parse(endpoint)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" ||
		strings.ContainsAny(endpoint, " \t\r\n\"'`$\\;&|<>(){}*?!#~") {
		return nil, fmt.Errorf("install script: endpoint %q: want http(s)://host[:port][/path] without quotes, spaces or shell metacharacters", endpoint)
	}
	b, err := installScripts.ReadFile(name)
	if err != nil {
		return nil, err
	}
	return bytes.ReplaceAll(b, []byte(endpointPlaceholder), []byte(strings.TrimRight(endpoint, "/"))), nil
}
