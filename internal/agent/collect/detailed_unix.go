// Copyright 2026 The kanri Authors
// SPDX-License-Identifier: Apache-2.0

//go:build !windows

package collect

import (
	"context"
	"os"
)

// instanceDetailedInformation returns AWS:InstanceDetailedInformation's
// content from /proc/cpuinfo and cpufreq.
func (c *collector) instanceDetailedInformation(ctx context.Context) ([]map[string]string, error) {
	data, err := os.ReadFile(c.hostPath("/proc/cpuinfo"))
	if err != nil {
		return nil, err
	}
	maxFreq, _ := os.ReadFile(c.hostPath("/sys/devices/system/cpu/cpu0/cpufreq/cpuinfo_max_freq"))
	return []map[string]string{parseCPUInfo(string(data), string(maxFreq)).entry()}, nil
}
