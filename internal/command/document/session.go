// Copyright 2026 The kanri Authors
// SPDX-License-Identifier: Apache-2.0

package document

import (
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/kanri-dev/kanri/internal/awserr"
)

// SessionType is the kind of session a Session document starts.
type SessionType string

// The session types of Session documents.
const (
	StandardStream         SessionType = "Standard_Stream"
	InteractiveCommands    SessionType = "InteractiveCommands"
	NonInteractiveCommands SessionType = "NonInteractiveCommands"
	Port                   SessionType = "Port"
)

var sessionTypes = []SessionType{StandardStream, InteractiveCommands, NonInteractiveCommands, Port}

// SessionSpec is the body of a Session document.
type SessionSpec struct {
	// Type is the document's sessionType.
	Type SessionType
	// Inputs are the session preferences.
	Inputs SessionInputs
	// Commands are the properties of an InteractiveCommands or
	// NonInteractiveCommands document: what to run on each platform.
	Commands map[PlatformType]SessionCommands
	// Port is the properties of a Port document.
	Port *PortForwarding
}

// SessionInputs are the preferences of a Session document's inputs.
type SessionInputs struct {
	S3BucketName                string
	S3KeyPrefix                 string
	S3EncryptionEnabled         bool
	CloudWatchLogGroupName      string
	CloudWatchEncryptionEnabled bool
	CloudWatchStreamingEnabled  bool
	KMSKeyID                    string
	// RunAsEnabled starts sessions as RunAsDefaultUser rather than
	// ssm-user, on Linux and macOS.
	RunAsEnabled     bool
	RunAsDefaultUser string
	// IdleSessionTimeout is in minutes (1 to 60); 0 when unset, which
	// Session Manager takes as 20.
	IdleSessionTimeout int
	// MaxSessionDuration is in minutes (1 to 1440); 0 when unset, for no
	// limit.
	MaxSessionDuration int
	// ShellProfile holds commands run when a session starts.
	ShellProfile ShellProfile
}

// ShellProfile holds the commands a session's shell runs first, per
// platform.
type ShellProfile struct {
	Windows string
	Linux   string
}

// SessionCommands is what an InteractiveCommands or NonInteractiveCommands
// session runs on one platform.
type SessionCommands struct {
	Commands              string
	RunAsElevated         bool
	SeparateOutputStream  bool
	StdOutSeparatorPrefix string
	StdErrSeparatorPrefix string
}

// PortForwarding is the properties of a Port session.
type PortForwarding struct {
	// PortNumber is the port on the managed node (or on Host).
	PortNumber string
	// LocalPortNumber is the port on the client; "" lets it choose.
	LocalPortNumber string
	// Host is the remote host to forward to; "" is the node itself.
	Host string
	// Type is "LocalPortForwarding" or "".
	Type string
}

// platformKeys maps properties keys to platforms.
var platformKeys = map[string]PlatformType{"windows": Windows, "linux": Linux, "macos": MacOS}

// session reads a Session document.
func (p *parser) session(root *node) error {
	if err := checkKeys(root, "", "schemaVersion", "description", "sessionType", "inputs", "parameters", "properties"); err != nil {
		return err
	}
	if err := p.header(root); err != nil {
		return err
	}
	st, stn, err := str(root, "", "sessionType", true)
	if err != nil {
		return err
	}
	spec := &SessionSpec{Type: SessionType(st)}
	if !slices.Contains(sessionTypes, spec.Type) {
		return invalidAt(stn, "sessionType", "unsupported session type %q; use Standard_Stream, InteractiveCommands, NonInteractiveCommands or Port", st)
	}
	if in := root.get("inputs"); in != nil {
		if spec.Inputs, err = sessionInputs(in); err != nil {
			return err
		}
	}
	props := root.get("properties")
	switch spec.Type {
	case StandardStream:
		if props != nil {
			return invalidAt(props, "properties", "Standard_Stream sessions take no properties")
		}
	case InteractiveCommands, NonInteractiveCommands:
		if props == nil {
			return invalidAt(root, "properties", "required for %s sessions", spec.Type)
		}
		if spec.Commands, err = p.sessionCommands(props); err != nil {
			return err
		}
	case Port:
		if props == nil {
			return invalidAt(root, "properties", "required for Port sessions")
		}
		if spec.Port, err = p.portForwarding(props); err != nil {
			return err
		}
	}
	p.doc.Session = spec
	return nil
}

func sessionInputs(n *node) (SessionInputs, error) {
	var in SessionInputs
	const path = "inputs"
	if n.kind != mapNode {
		return in, invalidAt(n, path, "must be an object, not %s", n.kind)
	}
	strs := map[string]*string{
		"s3BucketName":           &in.S3BucketName,
		"s3KeyPrefix":            &in.S3KeyPrefix,
		"cloudWatchLogGroupName": &in.CloudWatchLogGroupName,
		"kmsKeyId":               &in.KMSKeyID,
		"runAsDefaultUser":       &in.RunAsDefaultUser,
	}
	bools := map[string]*bool{
		"s3EncryptionEnabled":         &in.S3EncryptionEnabled,
		"cloudWatchEncryptionEnabled": &in.CloudWatchEncryptionEnabled,
		"cloudWatchStreamingEnabled":  &in.CloudWatchStreamingEnabled,
		"runAsEnabled":                &in.RunAsEnabled,
	}
	minutes := map[string]struct {
		dst *int
		max int
	}{
		"idleSessionTimeout": {&in.IdleSessionTimeout, 60},
		"maxSessionDuration": {&in.MaxSessionDuration, 1440},
	}
	allowed := append(slices.Collect(maps.Keys(strs)), "shellProfile")
	allowed = append(allowed, slices.Collect(maps.Keys(bools))...)
	allowed = append(allowed, slices.Collect(maps.Keys(minutes))...)
	if err := checkKeys(n, path, allowed...); err != nil {
		return in, err
	}
	for i, k := range n.keys {
		v, kpath := n.values[i], join(path, k.text)
		var err error
		switch {
		case strs[k.text] != nil:
			*strs[k.text], err = plainString(v, kpath)
		case bools[k.text] != nil:
			*bools[k.text], err = boolean(v, kpath)
		case minutes[k.text].dst != nil:
			m := minutes[k.text]
			*m.dst, err = minutesValue(v, kpath, m.max)
		case k.text == "shellProfile":
			in.ShellProfile, err = shellProfile(v, kpath)
		}
		if err != nil {
			return in, err
		}
	}
	return in, nil
}

// plainString reads a string; numbers are taken as written.
func plainString(n *node, path string) (string, error) {
	if n.kind != stringNode && n.kind != numberNode {
		return "", invalidAt(n, path, "must be a string, not %s", n.kind)
	}
	return n.text, nil
}

// boolean reads true or false, written as a boolean or a string.
func boolean(n *node, path string) (bool, error) {
	if (n.kind == boolNode || n.kind == stringNode) && (n.text == "true" || n.text == "false") {
		return n.text == "true", nil
	}
	return false, invalidAt(n, path, "must be true or false")
}

// minutesValue reads a number of minutes in [1, max], written as a number
// or a string; "" is 0 (unset).
func minutesValue(n *node, path string, max int) (int, error) {
	if n.kind == stringNode && n.text == "" {
		return 0, nil
	}
	if n.kind == stringNode || n.kind == numberNode {
		if i, err := strconv.Atoi(strings.TrimSpace(n.text)); err == nil && i >= 1 && i <= max {
			return i, nil
		}
	}
	return 0, invalidAt(n, path, "must be a number of minutes between 1 and %d", max)
}

func shellProfile(n *node, path string) (ShellProfile, error) {
	var sp ShellProfile
	if n.kind != mapNode {
		return sp, invalidAt(n, path, "must be an object, not %s", n.kind)
	}
	if err := checkKeys(n, path, "windows", "linux"); err != nil {
		return sp, err
	}
	var err error
	if v := n.get("windows"); v != nil {
		if sp.Windows, err = plainString(v, join(path, "windows")); err != nil {
			return sp, err
		}
	}
	if v := n.get("linux"); v != nil {
		if sp.Linux, err = plainString(v, join(path, "linux")); err != nil {
			return sp, err
		}
	}
	return sp, nil
}

func (p *parser) sessionCommands(n *node) (map[PlatformType]SessionCommands, error) {
	const path = "properties"
	if n.kind != mapNode || len(n.keys) == 0 {
		return nil, invalidAt(n, path, "must be an object with windows, linux or macos")
	}
	if err := checkKeys(n, path, "windows", "linux", "macos"); err != nil {
		return nil, err
	}
	out := map[PlatformType]SessionCommands{}
	for i, k := range n.keys {
		v, ppath := n.values[i], join(path, k.text)
		if v.kind != mapNode {
			return nil, invalidAt(v, ppath, "must be an object, not %s", v.kind)
		}
		if err := checkKeys(v, ppath, "commands", "runAsElevated", "separateOutputStream", "stdOutSeparatorPrefix", "stdErrSeparatorPrefix"); err != nil {
			return nil, err
		}
		if err := p.checkRefs(v, ppath); err != nil {
			return nil, err
		}
		var sc SessionCommands
		cmd := v.get("commands")
		if cmd == nil {
			return nil, invalidAt(v, join(ppath, "commands"), "required")
		}
		var err error
		if sc.Commands, err = plainString(cmd, join(ppath, "commands")); err != nil {
			return nil, err
		}
		if b := v.get("runAsElevated"); b != nil {
			if sc.RunAsElevated, err = boolean(b, join(ppath, "runAsElevated")); err != nil {
				return nil, err
			}
		}
		if b := v.get("separateOutputStream"); b != nil {
			if sc.SeparateOutputStream, err = boolean(b, join(ppath, "separateOutputStream")); err != nil {
				return nil, err
			}
		}
		if sc.StdOutSeparatorPrefix, _, err = str(v, ppath, "stdOutSeparatorPrefix", false); err != nil {
			return nil, err
		}
		if sc.StdErrSeparatorPrefix, _, err = str(v, ppath, "stdErrSeparatorPrefix", false); err != nil {
			return nil, err
		}
		out[platformKeys[k.text]] = sc
	}
	return out, nil
}

func (p *parser) portForwarding(n *node) (*PortForwarding, error) {
	const path = "properties"
	if n.kind != mapNode {
		return nil, invalidAt(n, path, "must be an object, not %s", n.kind)
	}
	if err := checkKeys(n, path, "portNumber", "localPortNumber", "host", "type"); err != nil {
		return nil, err
	}
	if err := p.checkRefs(n, path); err != nil {
		return nil, err
	}
	pf := &PortForwarding{}
	fields := []struct {
		key string
		dst *string
	}{{"portNumber", &pf.PortNumber}, {"localPortNumber", &pf.LocalPortNumber}, {"host", &pf.Host}, {"type", &pf.Type}}
	for _, f := range fields {
		v := n.get(f.key)
		if v == nil {
			continue
		}
		s, err := plainString(v, join(path, f.key))
		if err != nil {
			return nil, err
		}
		*f.dst = s
	}
	if n.get("portNumber") == nil {
		return nil, invalidAt(n, join(path, "portNumber"), "required")
	}
	if pf.Type != "" && pf.Type != "LocalPortForwarding" {
		return nil, invalidAt(n.get("type"), join(path, "type"), "unsupported type %q; use LocalPortForwarding", pf.Type)
	}
	return pf, nil
}

// templates returns pointers to the session's strings that may hold
// references, in a stable order.
func (s *SessionSpec) templates() []*string {
	var out []*string
	for _, pt := range allPlatforms {
		if c, ok := s.Commands[pt]; ok {
			out = append(out, &c.Commands, &c.StdOutSeparatorPrefix, &c.StdErrSeparatorPrefix)
		}
	}
	if s.Port != nil {
		out = append(out, &s.Port.PortNumber, &s.Port.LocalPortNumber, &s.Port.Host)
	}
	return out
}

// RenderSession interpolates values (as ResolveParameters returns them)
// into a Session document's properties and returns them, with Parameter
// Store references resolved through resolve, as Render does.
//
// Errors are those of Render; InvalidDocument for a Command document.
func (d *Document) RenderSession(values map[string]Value, resolve Resolver) (*SessionSpec, error) {
	if d.Session == nil {
		return nil, awserr.Errorf(awserr.Invalid, codeInvalidDocument, "a %s document does not start sessions", d.Type)
	}
	r, err := d.newRenderer(values, resolve)
	if err != nil {
		return nil, err
	}
	out := *d.Session
	if d.Session.Commands != nil {
		out.Commands = map[PlatformType]SessionCommands{}
		for pt, c := range d.Session.Commands {
			for _, f := range []*string{&c.Commands, &c.StdOutSeparatorPrefix, &c.StdErrSeparatorPrefix} {
				if *f, err = r.text(parseTemplate(*f)); err != nil {
					return nil, err
				}
			}
			out.Commands[pt] = c
		}
	}
	if d.Session.Port != nil {
		pf := *d.Session.Port
		for _, f := range []*string{&pf.PortNumber, &pf.LocalPortNumber, &pf.Host} {
			if *f, err = r.text(parseTemplate(*f)); err != nil {
				return nil, err
			}
		}
		out.Port = &pf
	}
	return &out, nil
}
