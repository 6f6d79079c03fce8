// Copyright 2026 The kanri Authors
// SPDX-License-Identifier: Apache-2.0

package collect

import (
	"encoding/binary"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestParseCPUInfo(t *testing.T) {
	tests := []struct {
		name, file, maxFreq string
		want                map[string]string
	}{
		{
			name: "two sockets with hyper-threading, rated speed from cpufreq",
			file: "cpuinfo/x86-ht.txt", maxFreq: "3500000\n",
			want: map[string]string{
				"CPUModel": "Intel(R) Xeon(R) CPU E5-2676 v3 @ 2.40GHz", "CPUSpeedMHz": "3500", "CPUs": "8",
				"CPUSockets": "2", "CPUCores": "4", "CPUHyperThreadEnabled": "true",
			},
		},
		{
			name: "speed from the model name, not the changing cpu MHz",
			file: "cpuinfo/x86-ht.txt",
			want: map[string]string{
				"CPUModel": "Intel(R) Xeon(R) CPU E5-2676 v3 @ 2.40GHz", "CPUSpeedMHz": "2400", "CPUs": "8",
				"CPUSockets": "2", "CPUCores": "4", "CPUHyperThreadEnabled": "true",
			},
		},
		{
			name: "speed from cpu MHz",
			file: "cpuinfo/amd-1core-ht.txt",
			want: map[string]string{
				"CPUModel": "AMD EPYC 7R13 Processor", "CPUSpeedMHz": "2649", "CPUs": "2",
				"CPUSockets": "1", "CPUCores": "1", "CPUHyperThreadEnabled": "true",
			},
		},
		{
			name: "arm64 without model name or topology",
			file: "cpuinfo/arm64.txt",
			want: map[string]string{"CPUs": "4", "CPUSockets": "1", "CPUCores": "4", "CPUHyperThreadEnabled": "false"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := parseCPUInfo(readTestdata(t, tt.file), tt.maxFreq).entry()
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("parseCPUInfo() mismatch (-want +got):\n%s", diff)
			}
		})
	}
	if got := parseCPUInfo("", "").entry(); len(got) != 0 {
		t.Errorf("parseCPUInfo(\"\") = %v, want no attributes", got)
	}
}

func TestRatedMHz(t *testing.T) {
	tests := map[string]int{
		"Intel(R) Xeon(R) CPU E5-2676 v3 @ 2.40GHz": 2400,
		"Intel(R) Core(TM) i7-8650U CPU @ 1.90GHz":  1900,
		"Some CPU @ 800MHz":                         800,
		"AMD EPYC 7R13 Processor":                   0,
		"Odd @ fast":                                0,
	}
	for in, want := range tests {
		if got := ratedMHz(in); got != want {
			t.Errorf("ratedMHz(%q) = %d, want %d", in, got, want)
		}
	}
}

func TestCountProcessorRelations(t *testing.T) {
	record := func(rel uint32, size int) []byte {
		b := make([]byte, size)
		binary.LittleEndian.PutUint32(b[0:], rel)
		binary.LittleEndian.PutUint32(b[4:], uint32(size))
		return b
	}
	var buf []byte
	for _, r := range []struct {
		rel  uint32
		size int
	}{{0, 48}, {0, 48}, {2, 80}, {0, 48}, {3, 48}, {0, 48}, {1, 24}, {3, 48}} {
		buf = append(buf, record(r.rel, r.size)...)
	}
	cores, packages := countProcessorRelations(append(buf, 1, 2, 3)) // a torn tail is ignored
	if cores != 4 || packages != 2 {
		t.Errorf("countProcessorRelations() = %d, %d; want 4, 2", cores, packages)
	}
	bad := make([]byte, 8) // a record claiming to be smaller than its header
	binary.LittleEndian.PutUint32(bad[4:], 4)
	if c, p := countProcessorRelations(bad); c != 0 || p != 0 {
		t.Errorf("countProcessorRelations(bad size) = %d, %d; want 0, 0", c, p)
	}
}
