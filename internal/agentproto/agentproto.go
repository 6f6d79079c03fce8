// Copyright 2026 The kanri Authors
// SPDX-License-Identifier: Apache-2.0

// Package agentproto is the protocol between the kanri agent and the
// servers: the HTTPS endpoints an agent calls (registration, credentials),
// the agent bus's subjects, and the messages on them. Both sides import it;
// it holds no behaviour.
package agentproto

import (
	"strings"
	"time"
)

// HTTP paths served by every kanri server.
const (
	PathRegister    = "/agent/v1/register"    // POST RegisterRequest → RegisterResponse
	PathCredentials = "/agent/v1/credentials" // POST CredentialsRequest → CredentialsResponse
	PathVend        = "/vend/activation"      // GET → VendResponse
	PathInstallSh   = "/install.sh"           // GET: the Linux install script
	PathInstallPs1  = "/install.ps1"          // GET: the Windows install script
	PathDownload    = "/download/"            // GET /download/kanri-<os>-<arch>[.exe][.sha256]
)

// SubjectPrefix starts every subject of an agent: an agent may publish and
// subscribe only under SubjectPrefix + its instance ID + ".".
const SubjectPrefix = "kanri.agent."

// Subjects of an agent, after SubjectPrefix + "<instance-id>.".
const (
	SubjectHeartbeat = "hb"  // agent → servers: Heartbeat
	SubjectCommand   = "cmd" // servers → agent: commands (Run Command)
	SubjectReply     = "rep" // agent → servers: command results
	SubjectSession   = "ses" // both ways: interactive sessions
	SubjectControl   = "ctl" // servers → agent: control messages (e.g. refresh)
)

// Subject returns the subject of kind for an instance, e.g.
// "kanri.agent.mi-0123456789abcdef0.hb".
func Subject(instanceID, kind string) string {
	return SubjectPrefix + instanceID + "." + kind
}

// InstanceOf returns the instance ID in a subject under SubjectPrefix.
func InstanceOf(subject string) (string, bool) {
	rest, ok := strings.CutPrefix(subject, SubjectPrefix)
	if !ok {
		return "", false
	}
	id, _, ok := strings.Cut(rest, ".")
	return id, ok && id != ""
}

// InboxPrefix returns the inbox prefix an agent uses for request/reply, so
// that its replies stay under its own subjects.
func InboxPrefix(instanceID string) string { return SubjectPrefix + instanceID + ".inbox" }

// Platform types, as SSM spells them.
const (
	PlatformLinux   = "Linux"
	PlatformWindows = "Windows"
	PlatformMacOS   = "MacOS"
)

// Facts describe the server an agent runs on.
type Facts struct {
	ComputerName    string `json:"ComputerName"`
	IPAddress       string `json:"IPAddress"`
	PlatformType    string `json:"PlatformType"`    // Linux, Windows, MacOS
	PlatformName    string `json:"PlatformName"`    // e.g. "Debian GNU/Linux"
	PlatformVersion string `json:"PlatformVersion"` // e.g. "12"
	Architecture    string `json:"Architecture"`    // e.g. "x86_64"
	AgentVersion    string `json:"AgentVersion"`
}

// RegisterRequest enrols a server with an activation. PublicKey is the
// agent's own key (an NKEY user public key, "U…"); its private half never
// leaves the server.
type RegisterRequest struct {
	ActivationID   string            `json:"ActivationId"`
	ActivationCode string            `json:"ActivationCode"`
	PublicKey      string            `json:"PublicKey"`
	Name           string            `json:"Name,omitempty"`
	Tags           map[string]string `json:"Tags,omitempty"`
	Facts          Facts             `json:"Facts"`
}

// RegisterResponse tells a registered agent who it is and where to connect.
type RegisterResponse struct {
	InstanceID string `json:"InstanceId"`
	Account    string `json:"Account"`
	Region     string `json:"Region"`
	// BusURLs are the NATS URLs to connect to (nats:// or ws(s)://).
	BusURLs []string `json:"BusURLs"`
	// BusJWT is the agent's NATS user JWT, bound to its PublicKey.
	BusJWT string `json:"BusJWT"`
	// HeartbeatSeconds is how often the agent sends a Heartbeat.
	HeartbeatSeconds int `json:"HeartbeatSeconds"`
}

// CredentialsRequest asks for temporary credentials of the instance's
// role. Signature is the agent key's signature (NKEY, base64url) of
// SignedString(InstanceID, Time).
type CredentialsRequest struct {
	InstanceID string    `json:"InstanceId"`
	Time       time.Time `json:"Time"`
	Signature  string    `json:"Signature"`
}

// SignedString is what an agent signs to prove it holds its key.
func SignedString(instanceID string, t time.Time) string {
	return "kanri-agent-credentials\n" + instanceID + "\n" + t.UTC().Format(time.RFC3339)
}

// CredentialsResponse holds temporary credentials of the instance's role,
// and a fresh bus JWT.
type CredentialsResponse struct {
	AccessKeyID     string    `json:"AccessKeyId"`
	SecretAccessKey string    `json:"SecretAccessKey"`
	SessionToken    string    `json:"SessionToken"`
	Expiration      time.Time `json:"Expiration"`
	BusJWT          string    `json:"BusJWT,omitempty"`
}

// Heartbeat is what an agent publishes every HeartbeatSeconds. Facts are
// sent in the first heartbeat after connecting and whenever they change.
type Heartbeat struct {
	InstanceID string    `json:"InstanceId"`
	Time       time.Time `json:"Time"`
	Facts      *Facts    `json:"Facts,omitempty"`
}

// VendResponse is an activation handed out by the vending endpoint.
type VendResponse struct {
	ActivationID   string `json:"ActivationId"`
	ActivationCode string `json:"ActivationCode"`
	Region         string `json:"Region"`
	// Endpoint is the server's URL, for the agent to register with.
	Endpoint string `json:"Endpoint,omitempty"`
}

// Error is the body of an error answer of the agent endpoints.
type Error struct {
	Code    string `json:"__type"`
	Message string `json:"message"`
}

// Control is a message on an agent's SubjectControl subject.
type Control struct {
	Type string `json:"Type"` // ControlRefresh, …
}

// Control message types.
const (
	// ControlRefresh asks the agent to fetch fresh role credentials (and
	// with them a fresh bus JWT) now.
	ControlRefresh = "refresh"
)

// Error codes (Error.Code) of the agent endpoints that agents act on.
const (
	// CodeInstanceNotRegistered answers a credentials request for an
	// instance that was deregistered (or never existed): the agent stops.
	CodeInstanceNotRegistered = "InstanceNotRegistered"
	// CodeInvalidSignature answers a credentials request whose signature
	// does not match the instance's key.
	CodeInvalidSignature = "InvalidSignature"
	// CodeRequestExpired answers a credentials request whose Time is too
	// far from the server's clock.
	CodeRequestExpired = "RequestExpired"
)
