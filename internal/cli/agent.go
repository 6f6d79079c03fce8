// Copyright 2026 The kanri Authors
// SPDX-License-Identifier: Apache-2.0

package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/kanri-dev/kanri/internal/agent"
)

func newAgentCmd(env *Env) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "agent",
		Short: "Run the kanri agent: register this server and keep it connected",
		Long: `Run the kanri agent on a managed server. The agent only dials out: HTTPS to
the kanri server, and NATS to the agent bus.

Without a subcommand, the agent registers this server with the activation in
--url, --id and --code unless it is registered already, and then runs (as
'kanri agent run' does). The agent's key and registration live in
--state-dir (mode 0700); the key never leaves it.

The agent exits with an error when the servers no longer know the instance
(it was deregistered); register again with 'kanri agent register --force'.

Every flag may also be set with its KANRI_* environment variable (--code is
KANRI_CODE) or in the YAML file given by --config; flags win over the
environment, and the environment over the file.`,
		Example: `  kanri agent --url https://kanri.example.com:8470 --id 3b0c7d6e-… --code Vx9…
  KANRI_ID=3b0c7d6e-… KANRI_CODE=Vx9… kanri agent --url https://kanri.example.com:8470 --name web-1`,
	}
	f := cmd.Flags()
	addRegisterFlags(f)
	addAgentFlags(cmd)
	f.String("log-file", "", "append the log to this file instead of stderr")
	cmd.RunE = func(cmd *cobra.Command, args []string) error {
		if err := applySettings(cmd, env); err != nil {
			return err
		}
		a, closeLog, err := newAgent(cmd, env)
		if err != nil {
			return err
		}
		defer closeLog()
		st, err := a.Status()
		if err != nil {
			return err
		}
		if !st.Registered {
			o, err := registerOptions(f)
			if err != nil {
				return usageError{fmt.Errorf("agent: not registered yet: %w", err)}
			}
			if err := register(cmd.Context(), env, a, o); err != nil {
				return err
			}
		} else if u, _ := f.GetString("url"); u != "" {
			fmt.Fprintf(env.Stderr, "kanri: already registered as %s; ignoring the registration flags\n", st.InstanceID)
		}
		return runAgent(cmd.Context(), a)
	}
	cmd.AddCommand(
		newAgentRegisterCmd(env),
		newAgentRunCmd(env),
		newAgentStatusCmd(env),
		newAgentInstallServiceCmd(env),
	)
	return cmd
}

func newAgentRegisterCmd(env *Env) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "register",
		Short: "Register this server with an activation",
		Long: `Register this server as a managed instance with an activation (made with
'aws ssm create-activation' or vended by the server). The agent makes its
own key pair, sends the public half and this server's facts, and stores the
key and the registration in --state-dir.

A registered agent refuses to register again unless --force, which makes a
new key (the old instance stays registered until it is deregistered).`,
		Example: `  kanri agent register --url https://kanri.example.com:8470 --id 3b0c7d6e-… --code Vx9…
  kanri agent register --url https://kanri.example.com:8470 --id 3b0c7d6e-… --code Vx9… \
      --name web-1 --tags env=prod,role=web --force`,
	}
	f := cmd.Flags()
	addRegisterFlags(f)
	f.Bool("force", false, "register again, with a new key, if already registered")
	addAgentFlags(cmd)
	cmd.RunE = func(cmd *cobra.Command, args []string) error {
		if err := applySettings(cmd, env); err != nil {
			return err
		}
		o, err := registerOptions(f)
		if err != nil {
			return usageError{fmt.Errorf("agent register: %w", err)}
		}
		o.Force, _ = f.GetBool("force")
		a, closeLog, err := newAgent(cmd, env)
		if err != nil {
			return err
		}
		defer closeLog()
		return register(cmd.Context(), env, a, o)
	}
	return cmd
}

func newAgentRunCmd(env *Env) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "run",
		Short: "Run the registered agent",
		Long: `Run the registered agent until it is stopped: connect to the agent bus,
send heartbeats, and keep the instance role's credentials fresh. It
reconnects forever, and exits with an error only when the instance was
deregistered or its state is unusable.

Started by the Windows service manager, it runs as the kanri-agent service
and logs to --log-file, by default agent.log in the state dir.`,
		Example: `  kanri agent run
  kanri agent run --state-dir /srv/kanri-agent --log-level debug`,
	}
	addAgentFlags(cmd)
	cmd.Flags().String("log-file", "", "append the log to this file instead of stderr")
	cmd.RunE = func(cmd *cobra.Command, args []string) error {
		if err := applySettings(cmd, env); err != nil {
			return err
		}
		a, closeLog, err := newAgent(cmd, env)
		if err != nil {
			return err
		}
		defer closeLog()
		return runAgent(cmd.Context(), a)
	}
	return cmd
}

func newAgentStatusCmd(env *Env) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "status",
		Short: "Show whether the agent is registered and connected",
		Long: `Show the agent's instance ID, whether it is registered, and, as reported by
the running agent, whether it is connected to the agent bus and when it
last sent a heartbeat.`,
		Example: `  kanri agent status
  kanri agent status --output json`,
	}
	addAgentFlags(cmd)
	cmd.Flags().String("output", "text", "output format: text or json")
	cmd.RunE = func(cmd *cobra.Command, args []string) error {
		if err := applySettings(cmd, env); err != nil {
			return err
		}
		output, _ := cmd.Flags().GetString("output")
		if output != "text" && output != "json" {
			return usageError{fmt.Errorf("--output %q: want text or json", output)}
		}
		a, closeLog, err := newAgent(cmd, env)
		if err != nil {
			return err
		}
		defer closeLog()
		st, err := a.Status()
		if err != nil {
			return err
		}
		if output == "json" {
			e := json.NewEncoder(env.Stdout)
			e.SetIndent("", "  ")
			return e.Encode(struct {
				InstanceID    string     `json:"InstanceId,omitempty"`
				Registered    bool       `json:"Registered"`
				Connected     bool       `json:"Connected"`
				LastHeartbeat *time.Time `json:"LastHeartbeat,omitempty"`
			}{st.InstanceID, st.Registered, st.Connected, timeOrNil(st.LastHeartbeat)})
		}
		writeAgentStatus(env.Stdout, st, time.Now())
		return nil
	}
	return cmd
}

func newAgentInstallServiceCmd(env *Env) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "install-service",
		Short: "Install the agent as a systemd or Windows service and start it",
		Long: `Install or update the kanri-agent service and start it. On Linux it writes
the systemd unit /etc/systemd/system/kanri-agent.service (under --root if
given) and runs systemctl daemon-reload and enable --now; under another
--root it only enables the unit there. On Windows it creates or updates the
kanri-agent service, restarted by the service manager after any failure.

A service that is running is restarted when its unit or configuration
changed, or with --restart (after installing a new binary).`,
		Example: `  kanri agent install-service
  kanri agent install-service --binary /usr/local/bin/kanri --no-start
  kanri agent install-service --root /mnt/image --binary /usr/local/bin/kanri`,
	}
	f := cmd.Flags()
	addAgentFlags(cmd)
	f.String("binary", "", "the kanri binary the service runs, as an absolute path (default: this one)")
	f.String("root", "", "write the systemd unit into the file system rooted here (Linux)")
	f.Bool("no-start", false, "install the service without enabling or starting it")
	f.Bool("restart", false, "restart the service if it runs")
	cmd.RunE = func(cmd *cobra.Command, args []string) error {
		if err := applySettings(cmd, env); err != nil {
			return err
		}
		log, err := newLogger(cmd, env.Stderr)
		if err != nil {
			return err
		}
		var o agent.ServiceOptions
		o.StateDir, _ = f.GetString("state-dir")
		o.Binary, _ = f.GetString("binary")
		o.Root, _ = f.GetString("root")
		o.NoStart, _ = f.GetBool("no-start")
		o.Restart, _ = f.GetBool("restart")
		o.Logger = log
		if o.Binary != "" && !filepath.IsAbs(o.Binary) {
			return usageError{fmt.Errorf("agent install-service: --binary %q is not an absolute path", o.Binary)}
		}
		if err := agent.InstallService(cmd.Context(), o); err != nil {
			return err
		}
		fmt.Fprintf(env.Stdout, "installed the %s service\n", agent.ServiceName)
		return nil
	}
	return cmd
}

// addRegisterFlags adds the flags that say what to register with.
func addRegisterFlags(f *pflag.FlagSet) {
	f.String("url", "", "URL of the kanri server to register with")
	f.String("id", "", "activation ID")
	f.String("code", "", "activation code (better in KANRI_CODE: command lines are visible to other users)")
	f.String("name", "", "instance name (default: the activation's)")
	f.StringToString("tags", nil, "instance tags: key=value,key2=value2")
}

// registerOptions reads the registration flags.
func registerOptions(f *pflag.FlagSet) (agent.RegisterOptions, error) {
	var o agent.RegisterOptions
	o.URL, _ = f.GetString("url")
	o.ActivationID, _ = f.GetString("id")
	o.ActivationCode, _ = f.GetString("code")
	o.Name, _ = f.GetString("name")
	o.Tags, _ = f.GetStringToString("tags")
	if o.URL == "" || o.ActivationID == "" || o.ActivationCode == "" {
		return o, errors.New("--url, --id and --code are required")
	}
	return o, nil
}

// addAgentFlags adds the flags of every agent command.
func addAgentFlags(cmd *cobra.Command) {
	cmd.Flags().String("state-dir", agent.DefaultStateDir(), "directory of the agent's key and registration")
	addConfigFlag(cmd)
	addLogFlags(cmd)
}

// newAgent builds the agent the flags describe, logging to --log-file if
// the command has it and it is set (or, in a Windows service, to
// agent.log in the state dir), else to stderr. closeLog closes the log file.
func newAgent(cmd *cobra.Command, env *Env) (a *agent.Agent, closeLog func(), err error) {
	dir, _ := cmd.Flags().GetString("state-dir")
	if dir == "" {
		return nil, nil, usageError{errors.New("--state-dir must not be empty")}
	}
	var w io.Writer = env.Stderr
	closeLog = func() {}
	logFile, _ := cmd.Flags().GetString("log-file")
	if logFile == "" && cmd.Flags().Lookup("log-file") != nil {
		if inService, _ := agent.IsWindowsService(); inService {
			logFile = filepath.Join(dir, "agent.log")
		}
	}
	if logFile != "" {
		file, err := os.OpenFile(logFile, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o600)
		if err != nil {
			return nil, nil, fmt.Errorf("log file: %w", err)
		}
		w, closeLog = file, func() { file.Close() }
	}
	log, err := newLogger(cmd, w)
	if err != nil {
		closeLog()
		return nil, nil, err
	}
	// The process runs only the agent: give back what start-up touched.
	return agent.New(agent.Config{StateDir: dir, Logger: log, TrimMemory: true}), closeLog, nil
}

// register registers the agent and says so.
func register(ctx context.Context, env *Env, a *agent.Agent, o agent.RegisterOptions) error {
	st, err := a.Register(ctx, o)
	if err != nil {
		return err
	}
	fmt.Fprintf(env.Stdout, "registered as %s (account %s, region %s); state in %s\n", st.InstanceID, st.Account, st.Region, a.StateDir())
	return nil
}

// runAgent runs the agent, as a Windows service when the service manager
// started the process.
func runAgent(ctx context.Context, a *agent.Agent) error {
	inService, err := agent.IsWindowsService()
	if err != nil {
		return fmt.Errorf("agent: detect the Windows service manager: %w", err)
	}
	if inService {
		err = agent.RunService(ctx, a.Run)
	} else {
		err = a.Run(ctx)
	}
	if errors.Is(err, agent.ErrDeregistered) {
		return fmt.Errorf("%w; to enrol this server again: kanri agent register --force", err)
	}
	return err
}

// writeAgentStatus prints an agent's status for people.
func writeAgentStatus(w io.Writer, st agent.Status, now time.Time) {
	if !st.Registered {
		fmt.Fprintln(w, "registered:      no")
		return
	}
	yesNo := map[bool]string{true: "yes", false: "no"}
	fmt.Fprintf(w, "instance:        %s\n", st.InstanceID)
	fmt.Fprintln(w, "registered:      yes")
	fmt.Fprintf(w, "connected:       %s\n", yesNo[st.Connected])
	if st.LastHeartbeat.IsZero() {
		fmt.Fprintln(w, "last heartbeat:  never")
	} else {
		fmt.Fprintf(w, "last heartbeat:  %s (%s ago)\n", st.LastHeartbeat.UTC().Format(time.RFC3339), now.Sub(st.LastHeartbeat).Round(time.Second))
	}
}

func timeOrNil(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}
