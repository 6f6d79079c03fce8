// Copyright 2026 The kanri Authors
// SPDX-License-Identifier: Apache-2.0

package document

import (
	_ "embed" // for the built-in documents' content
	"slices"
)

// Builtin is a document kanri ships, under the name and with the
// parameters of the AWS document it stands in for; its content is
// kanri's own.
type Builtin struct {
	Name          string
	DocumentType  DocumentType
	Format        Format
	Content       string
	PlatformTypes []PlatformType
	Description   string
}

var (
	//go:embed builtin/AWS-RunShellScript.json
	runShellScript string
	//go:embed builtin/AWS-RunPowerShellScript.json
	runPowerShellScript string
	//go:embed builtin/AWS-GatherSoftwareInventory.yaml
	gatherSoftwareInventory string
	//go:embed builtin/SSM-SessionManagerRunShell.json
	sessionManagerRunShell string
)

// Builtins returns the built-in documents, sorted by name. Each call
// returns a fresh slice the caller may modify.
func Builtins() []Builtin {
	return []Builtin{
		{
			Name:          "AWS-GatherSoftwareInventory",
			DocumentType:  Command,
			Format:        YAML,
			Content:       gatherSoftwareInventory,
			PlatformTypes: slices.Clone(allPlatforms),
			Description:   "Collect the software inventory of managed nodes.",
		},
		{
			Name:          "AWS-RunPowerShellScript",
			DocumentType:  Command,
			Format:        JSON,
			Content:       runPowerShellScript,
			PlatformTypes: slices.Clone(allPlatforms),
			Description:   "Run a PowerShell script or a list of PowerShell commands on managed nodes.",
		},
		{
			Name:          "AWS-RunShellScript",
			DocumentType:  Command,
			Format:        JSON,
			Content:       runShellScript,
			PlatformTypes: []PlatformType{Linux, MacOS},
			Description:   "Run a shell script or a list of commands on Linux and macOS managed nodes.",
		},
		{
			Name:          "SSM-SessionManagerRunShell",
			DocumentType:  Session,
			Format:        JSON,
			Content:       sessionManagerRunShell,
			PlatformTypes: slices.Clone(allPlatforms),
			Description:   "Session Manager preferences of the account and Region: session logging, encryption, run-as user, timeouts and shell profile.",
		},
	}
}
