// Copyright 2026 The kanri Authors
// SPDX-License-Identifier: Apache-2.0

package cli

import (
	"fmt"
	"runtime"

	"github.com/spf13/cobra"

	"github.com/kanri-dev/kanri/internal/buildinfo"
)

func newVersionCmd(env *Env) *cobra.Command {
	return &cobra.Command{
		Use:     "version",
		Short:   "Print the version of kanri",
		Example: `  kanri version`,
		RunE: func(cmd *cobra.Command, args []string) error {
			fmt.Fprintf(env.Stdout, "kanri %s %s/%s %s\n", buildinfo.Version(), runtime.GOOS, runtime.GOARCH, runtime.Version())
			return nil
		},
	}
}
