// Copyright 2026 The kanri Authors
// SPDX-License-Identifier: Apache-2.0

//go:build windows

package agent

import "golang.org/x/sys/windows"

// stateDirSDDL grants full control to SYSTEM and Administrators only, and
// breaks inheritance: %ProgramData% is readable by every user by default,
// and the state dir holds the agent's key.
const stateDirSDDL = "D:P(A;OICI;FA;;;SY)(A;OICI;FA;;;BA)"

// restrictDir makes dir (and what it holds) accessible to SYSTEM and
// Administrators only.
func restrictDir(dir string) error {
	sd, err := windows.SecurityDescriptorFromString(stateDirSDDL)
	if err != nil {
		return err
	}
	dacl, _, err := sd.DACL()
	if err != nil {
		return err
	}
	return windows.SetNamedSecurityInfo(dir, windows.SE_FILE_OBJECT,
		windows.DACL_SECURITY_INFORMATION|windows.PROTECTED_DACL_SECURITY_INFORMATION, nil, nil, dacl, nil)
}
