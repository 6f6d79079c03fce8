// Copyright 2026 The kanri Authors
// SPDX-License-Identifier: Apache-2.0

package cli

import (
	"fmt"
	"os"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
	"gopkg.in/yaml.v3"
)

// envName returns the environment variable of a flag: --http-addr →
// KANRI_HTTP_ADDR.
func envName(flag string) string {
	return "KANRI_" + strings.ToUpper(strings.ReplaceAll(flag, "-", "_"))
}

// applySettings fills every flag the user did not set from, in order, its
// KANRI_* environment variable and the config file (--config or
// KANRI_CONFIG), so that flags win over the environment and the
// environment over the file.
func applySettings(cmd *cobra.Command, env *Env) error {
	file := map[string]any{}
	path, _ := cmd.Flags().GetString("config")
	if path == "" {
		path = env.getenv("KANRI_CONFIG")
	}
	if path != "" {
		b, err := os.ReadFile(path)
		if err != nil {
			return fmt.Errorf("config file: %w", err)
		}
		if err := yaml.Unmarshal(b, &file); err != nil {
			return fmt.Errorf("config file %s: %w", path, err)
		}
		known := map[string]bool{}
		cmd.Flags().VisitAll(func(f *pflag.Flag) { known[f.Name] = true })
		for k := range file {
			if !known[k] || k == "config" {
				return usageError{fmt.Errorf("config file %s: unknown setting %q for %s", path, k, cmd.CommandPath())}
			}
		}
	}
	var err error
	cmd.Flags().VisitAll(func(f *pflag.Flag) {
		if err != nil || f.Changed || f.Name == "config" || f.Name == "help" {
			return
		}
		if v := env.getenv(envName(f.Name)); v != "" {
			if serr := f.Value.Set(v); serr != nil {
				err = usageError{fmt.Errorf("%s=%q: %v", envName(f.Name), v, serr)}
			}
			return
		}
		if v, ok := file[f.Name]; ok {
			if serr := f.Value.Set(fmt.Sprint(v)); serr != nil {
				err = usageError{fmt.Errorf("config file %s: %s: %v", path, f.Name, serr)}
			}
		}
	})
	return err
}

// addConfigFlag adds --config to a role command.
func addConfigFlag(cmd *cobra.Command) {
	cmd.Flags().String("config", "", "read settings from this YAML file (flag names as keys); env KANRI_CONFIG")
}
