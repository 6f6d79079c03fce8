// Copyright 2026 The kanri Authors
// SPDX-License-Identifier: Apache-2.0

package bus

import (
	"errors"
	"fmt"
	"strings"
)

// ServerConfig returns a nats-server configuration snippet that makes an
// external server (or every server of a cluster) trust this Authority:
// the operator JWT, the system account, a "full" account resolver that
// keeps account JWTs in resolverDir, and both accounts preloaded. Include
// it in the server's configuration (after "include", or pasted); listen
// addresses, cluster routes, TLS and JetStream stay the operator's.
//
// The full resolver is the one that accepts account JWTs pushed over the
// system account ($SYS.REQ.CLAIMS.UPDATE, see PushAccount) on nats-server
// 2.2 and later, including 2.9: it stores them in resolverDir, so a
// revocation survives restarts (preloads never replace a newer stored
// JWT), and servers of a cluster sync their stores every minute, so a server
// that missed a push catches up. The MEMORY resolver accepts no
// $SYS.REQ.CLAIMS.UPDATE and forgets updates on restart.
//
// The preloaded KANRI account has no revocations: after starting servers,
// PushAccount the current AccountJWT. resolverDir must be a directory the
// server may write; each server of a cluster needs its own.
func (a *Authority) ServerConfig(resolverDir string) (string, error) {
	if resolverDir == "" {
		return "", errors.New("server config: no resolver directory")
	}
	dir, err := confString(resolverDir)
	if err != nil {
		return "", fmt.Errorf("server config: resolver directory: %w", err)
	}
	op, err := a.OperatorJWT()
	if err != nil {
		return "", err
	}
	sys, err := a.SystemAccountJWT()
	if err != nil {
		return "", err
	}
	acc, err := a.AccountJWT(nil)
	if err != nil {
		return "", err
	}
	var b strings.Builder
	fmt.Fprintf(&b, "# kanri agent bus: decentralized JWT auth (operator mode).\n")
	fmt.Fprintf(&b, "operator: %q\n", op)
	fmt.Fprintf(&b, "system_account: %q\n", a.systemPub)
	fmt.Fprintf(&b, "resolver: {\n")
	fmt.Fprintf(&b, "  type: full\n")
	fmt.Fprintf(&b, "  dir: %s\n", dir)
	fmt.Fprintf(&b, "  allow_delete: false\n")
	fmt.Fprintf(&b, "  interval: \"1m\"\n")
	fmt.Fprintf(&b, "}\n")
	fmt.Fprintf(&b, "resolver_preload: {\n")
	fmt.Fprintf(&b, "  %s: %q\n", a.systemPub, sys)
	fmt.Fprintf(&b, "  %s: %q\n", a.accountPub, acc)
	fmt.Fprintf(&b, "}\n")
	return b.String(), nil
}

// confString quotes s for a nats-server configuration file, whose quoted
// strings know only the escapes \\, \", \t, \n, \r and \xXX.
func confString(s string) (string, error) {
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		switch {
		case r == '\\' || r == '"':
			b.WriteByte('\\')
			b.WriteRune(r)
		case r < ' ' || r == 0x7f:
			return "", fmt.Errorf("%q: control character", s)
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
	return b.String(), nil
}
