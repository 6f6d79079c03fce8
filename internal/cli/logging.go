// Copyright 2026 The kanri Authors
// SPDX-License-Identifier: Apache-2.0

package cli

import (
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"time"

	"github.com/spf13/cobra"
)

// addLogFlags adds --log-level, --log-format and --debug-addr to a role
// command.
func addLogFlags(cmd *cobra.Command) {
	cmd.Flags().String("log-level", "info", "log level: debug, info, warn or error")
	cmd.Flags().String("log-format", "text", "log format: text or json")
	cmd.Flags().String("debug-addr", "", "serve Go's profiles (/debug/pprof/) on this address; off by default, never expose it")
}

// newLogger builds the logger the flags ask for, writing to w, and starts
// the profiling listener when --debug-addr asks for one.
func newLogger(cmd *cobra.Command, w io.Writer) (*slog.Logger, error) {
	log, err := buildLogger(cmd, w)
	if err != nil {
		return nil, err
	}
	if addr, _ := cmd.Flags().GetString("debug-addr"); addr != "" {
		l, err := net.Listen("tcp", addr)
		if err != nil {
			return nil, fmt.Errorf("--debug-addr: %w", err)
		}
		mux := http.NewServeMux()
		mux.HandleFunc("/debug/pprof/", pprof.Index)
		mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
		mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
		mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
		mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
		log.Warn("profiling endpoints served", "addr", l.Addr().String())
		go (&http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}).Serve(l)
	}
	return log, nil
}

// buildLogger builds the logger the flags ask for, writing to w.
func buildLogger(cmd *cobra.Command, w io.Writer) (*slog.Logger, error) {
	levelName, _ := cmd.Flags().GetString("log-level")
	format, _ := cmd.Flags().GetString("log-format")
	var level slog.Level
	if err := level.UnmarshalText([]byte(levelName)); err != nil {
		return nil, usageError{fmt.Errorf("--log-level %q: want debug, info, warn or error", levelName)}
	}
	opts := &slog.HandlerOptions{Level: level}
	switch format {
	case "text":
		return slog.New(slog.NewTextHandler(w, opts)), nil
	case "json":
		return slog.New(slog.NewJSONHandler(w, opts)), nil
	}
	return nil, usageError{fmt.Errorf("--log-format %q: want text or json", format)}
}
