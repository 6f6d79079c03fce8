// Copyright 2026 The kanri Authors
// SPDX-License-Identifier: Apache-2.0

package kanritest

import (
	"bufio"
	"io"
	"os/exec"
	"regexp"
	"strings"
	"testing"
	"time"
)

// StartMoto starts moto_server, an AWS emulator, on a port of its choosing
// and returns its endpoint; it stops the server when t ends. It skips t
// when moto_server is not installed.
func StartMoto(t testing.TB) string {
	t.Helper()
	bin, err := exec.LookPath("moto_server")
	if err != nil {
		t.Skip("moto_server not installed")
	}
	cmd := exec.Command(bin, "-H", "127.0.0.1", "-p", "0")
	out, w := io.Pipe()
	cmd.Stdout, cmd.Stderr = w, w
	if err := cmd.Start(); err != nil {
		t.Fatalf("start moto_server: %v", err)
	}
	// The server prints its address once it listens; the scanner keeps
	// draining its output until it exits, so it never blocks on a pipe.
	endpoint := make(chan string, 1)
	drained := make(chan struct{})
	var log strings.Builder
	go func() {
		defer close(drained)
		defer close(endpoint)
		running := regexp.MustCompile(`Running on (http://127\.0\.0\.1:\d+)`)
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			if m := running.FindStringSubmatch(sc.Text()); m != nil {
				endpoint <- m[1]
				continue
			}
			if len(endpoint) == 0 && log.Len() < 4096 {
				log.WriteString(sc.Text() + "\n")
			}
		}
		io.Copy(io.Discard, out)
	}()
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
		w.Close()
		<-drained
	})
	timeout := time.NewTimer(30 * time.Second)
	defer timeout.Stop()
	select {
	case ep, ok := <-endpoint:
		if !ok {
			t.Fatalf("moto_server exited before listening: %v\n%s", cmd.Wait(), log.String())
		}
		return ep
	case <-timeout.C:
		t.Fatalf("moto_server did not listen within 30s")
	}
	return ""
}
