// Copyright 2026 The kanri Authors
// SPDX-License-Identifier: Apache-2.0

package collect

import (
	"encoding/binary"
	"strconv"
	"strings"
)

// cpuInfo is what AWS:InstanceDetailedInformation reports of the
// processors.
type cpuInfo struct {
	Model         string
	SpeedMHz      int // 0 if unknown
	CPUs          int // logical processors
	Sockets       int
	Cores         int // physical cores
	OSServicePack string
	HaveTopology  bool // Sockets and Cores are known
}

// entry returns the AWS:InstanceDetailedInformation entry.
func (ci cpuInfo) entry() map[string]string {
	num := func(n int) string {
		if n <= 0 {
			return ""
		}
		return strconv.Itoa(n)
	}
	ht := ""
	if ci.HaveTopology && ci.Cores > 0 && ci.CPUs > 0 {
		ht = strconv.FormatBool(ci.CPUs > ci.Cores)
	}
	return entry(
		"CPUModel", ci.Model,
		"CPUSpeedMHz", num(ci.SpeedMHz),
		"CPUs", num(ci.CPUs),
		"CPUSockets", num(ci.Sockets),
		"CPUCores", num(ci.Cores),
		"CPUHyperThreadEnabled", ht,
		"OSServicePack", ci.OSServicePack,
	)
}

// parseCPUInfo reads Linux's /proc/cpuinfo. maxFreqKHz is cpufreq's
// cpuinfo_max_freq, if the machine has it: the processor's rated speed is
// reported rather than the current one, which changes from one read to
// the next and would change the content hash with it. Without it, the
// speed comes from the model name ("@ 2.40GHz") or else from "cpu MHz".
func parseCPUInfo(data, maxFreqKHz string) cpuInfo {
	var ci cpuInfo
	sockets := map[string]bool{}
	cores := map[string]bool{}
	physical, coresPerSocket := "", 0
	curMHz := 0.0
	modelKeys := map[string]int{"model name": 0, "Processor": 1, "cpu model": 2, "cpu": 3, "Hardware": 4}
	modelRank := len(modelKeys)
	for _, line := range strings.Split(data, "\n") {
		k, v, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		k, v = strings.TrimSpace(k), strings.TrimSpace(v)
		switch k {
		case "processor":
			ci.CPUs++
		case "physical id":
			physical = v
			sockets[v] = true
		case "core id":
			cores[physical+"/"+v] = true
		case "cpu cores":
			coresPerSocket, _ = strconv.Atoi(v)
		case "cpu MHz":
			if curMHz == 0 {
				curMHz, _ = strconv.ParseFloat(v, 64)
			}
		}
		if r, ok := modelKeys[k]; ok && r < modelRank && v != "" {
			ci.Model, modelRank = v, r
		}
	}
	if ci.CPUs == 0 {
		return ci
	}
	ci.HaveTopology = true
	ci.Sockets = max(len(sockets), 1)
	switch {
	case len(cores) > 0:
		ci.Cores = len(cores)
	case coresPerSocket > 0:
		ci.Cores = coresPerSocket * ci.Sockets
	default:
		ci.Cores = ci.CPUs
	}
	if khz, err := strconv.Atoi(strings.TrimSpace(maxFreqKHz)); err == nil && khz > 0 {
		ci.SpeedMHz = khz / 1000
	} else if mhz := ratedMHz(ci.Model); mhz > 0 {
		ci.SpeedMHz = mhz
	} else {
		ci.SpeedMHz = int(curMHz)
	}
	return ci
}

// ratedMHz returns the speed a processor's model name states
// ("Intel(R) Xeon(R) CPU E5-2676 v3 @ 2.40GHz" is 2400), or 0.
func ratedMHz(model string) int {
	_, s, ok := strings.Cut(model, "@")
	if !ok {
		return 0
	}
	s = strings.TrimSpace(s)
	unit := 1000.0
	if v, ok := strings.CutSuffix(s, "GHz"); ok {
		s = v
	} else if v, ok := strings.CutSuffix(s, "MHz"); ok {
		s, unit = v, 1
	} else {
		return 0
	}
	f, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
	if err != nil {
		return 0
	}
	return int(f*unit + 0.5)
}

// countProcessorRelations counts the records of a
// SYSTEM_LOGICAL_PROCESSOR_INFORMATION_EX buffer, as Windows'
// GetLogicalProcessorInformationEx fills it: each record starts with its
// relationship (0 a processor core, 3 a processor package, that is a
// socket) and its size, little-endian.
func countProcessorRelations(buf []byte) (cores, packages int) {
	for len(buf) >= 8 {
		rel := binary.LittleEndian.Uint32(buf[0:4])
		size := binary.LittleEndian.Uint32(buf[4:8])
		if size < 8 || int(size) > len(buf) {
			break
		}
		switch rel {
		case 0:
			cores++
		case 3:
			packages++
		}
		buf = buf[size:]
	}
	return cores, packages
}
