// Copyright 2026 The kanri Authors
// SPDX-License-Identifier: Apache-2.0

//go:build !windows

package collect

import (
	"context"
	"fmt"
)

// platformApplications returns the packages of every package manager the
// machine has: dpkg, rpm and apk.
func (c *collector) platformApplications(ctx context.Context) ([]map[string]string, error) {
	deb, err := c.dpkgApplications()
	if err != nil {
		return nil, fmt.Errorf("dpkg: %w", err)
	}
	rpm, err := c.rpmApplications(ctx)
	if err != nil {
		return nil, err
	}
	apk, err := c.apkApplications()
	if err != nil {
		return nil, fmt.Errorf("apk: %w", err)
	}
	apps := make([]map[string]string, 0, len(deb)+len(rpm)+len(apk))
	apps = append(apps, deb...)
	apps = append(apps, rpm...)
	return append(apps, apk...), nil
}
