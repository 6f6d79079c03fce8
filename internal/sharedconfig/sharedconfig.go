// Copyright 2026 The kanri Authors
// SPDX-License-Identifier: Apache-2.0

// Package sharedconfig reads and writes the AWS shared credentials and
// config files, so that the AWS CLI, the SDKs and kanri's own CLI find the
// credentials kanri makes.
package sharedconfig

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// Profile is what kanri writes for one profile.
type Profile struct {
	Name            string // "default" when empty
	AccessKeyID     string
	SecretAccessKey string
	Region          string
	EndpointURL     string // optional; honoured by AWS CLI v2 and current SDKs
}

func (p Profile) name() string {
	if p.Name == "" {
		return "default"
	}
	return p.Name
}

// WriteCredentials writes path as a credentials file holding p's keys,
// mode 0600, replacing it atomically.
func WriteCredentials(path string, p Profile) error {
	body := fmt.Sprintf("[%s]\naws_access_key_id = %s\naws_secret_access_key = %s\n", p.name(), p.AccessKeyID, p.SecretAccessKey)
	return writeFile(path, body)
}

// WriteConfig writes path as a config file holding p's region and
// endpoint, mode 0600, replacing it atomically.
func WriteConfig(path string, p Profile) error {
	section := "profile " + p.name()
	if p.name() == "default" {
		section = "default"
	}
	var b strings.Builder
	fmt.Fprintf(&b, "[%s]\nregion = %s\noutput = json\n", section, p.Region)
	if p.EndpointURL != "" {
		fmt.Fprintf(&b, "endpoint_url = %s\n", p.EndpointURL)
	}
	return writeFile(path, b.String())
}

func writeFile(path, body string) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), ".tmp-"+filepath.Base(path))
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if err := tmp.Chmod(0o600); err != nil {
		tmp.Close()
		return err
	}
	if _, err := tmp.WriteString(body); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}

// ErrNoProfile is returned by ReadCredentials when the file lacks the
// profile or its keys.
var ErrNoProfile = errors.New("profile not found")

// ReadCredentials reads the named profile's keys from a credentials file.
func ReadCredentials(path, profile string) (Profile, error) {
	if profile == "" {
		profile = "default"
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return Profile{}, err
	}
	p := Profile{Name: profile}
	in := false
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if strings.HasPrefix(line, "[") && strings.HasSuffix(line, "]") {
			in = strings.TrimSpace(line[1:len(line)-1]) == profile
			continue
		}
		k, v, ok := strings.Cut(line, "=")
		if !in || !ok {
			continue
		}
		switch strings.TrimSpace(k) {
		case "aws_access_key_id":
			p.AccessKeyID = strings.TrimSpace(v)
		case "aws_secret_access_key":
			p.SecretAccessKey = strings.TrimSpace(v)
		}
	}
	if p.AccessKeyID == "" || p.SecretAccessKey == "" {
		return Profile{}, fmt.Errorf("%s: %s: %w", path, profile, ErrNoProfile)
	}
	return p, nil
}
