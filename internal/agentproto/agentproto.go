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

// Subjects of Run Command, after SubjectPrefix + "<instance-id>.". The
// servers send a Command as a request on SubjectCommand and the agent
// answers it with a CommandAck; results and output come back on
// SubjectResult and SubjectOutput, which every server listens to (a queue
// group), so any server records them.
const (
	SubjectResult = "res" // agent → servers: InvocationResult
	SubjectOutput = "out" // agent → servers: OutputChunk
	SubjectCancel = "can" // servers → agent: Cancel
)

// Command asks an agent to run one invocation of a command: the document
// already rendered into steps (parameters substituted, Parameter Store
// references resolved).
type Command struct {
	CommandID    string `json:"CommandId"`
	InvocationID string `json:"InvocationId"` // unique per command and instance
	DocumentName string `json:"DocumentName"`
	Steps        []Step `json:"Steps"`
	// Deadline is the delivery deadline: an agent that gets the command
	// after it does not run it (DeliveryTimedOut).
	Deadline time.Time `json:"Deadline"`
	// OutputS3BucketName/KeyPrefix say where the full output goes; the
	// agent streams it as OutputChunks and the servers store it.
	OutputS3BucketName string `json:"OutputS3BucketName,omitempty"`
	OutputS3KeyPrefix  string `json:"OutputS3KeyPrefix,omitempty"`
}

// Step is one step of a command: a script run by a shell.
type Step struct {
	Name   string `json:"Name"`
	Action string `json:"Action"` // ActionRunShellScript, ActionRunPowerShellScript, …
	// Platform is the step's precondition: "" (any), Linux, Windows,
	// MacOS. A step for another platform is skipped.
	Platform         string   `json:"Platform,omitempty"`
	Commands         []string `json:"Commands"`
	WorkingDirectory string   `json:"WorkingDirectory,omitempty"`
	TimeoutSeconds   int      `json:"TimeoutSeconds"`
	// OnFailure, OnSuccess and FinallyStep are the step's SSM control
	// flow inputs (schema 2.2). By default a failed step does not stop the
	// next ones. OnFailure StepExit or StepSuccessAndExit, and OnSuccess
	// StepExit, skip the remaining steps after this one, except a last
	// step that is a FinallyStep; so does a step exiting with
	// ExitCodeSuccessAndExit or ExitCodeFailAndExit.
	OnFailure   string `json:"OnFailure,omitempty"`
	OnSuccess   string `json:"OnSuccess,omitempty"`
	FinallyStep bool   `json:"FinallyStep,omitempty"`
	// Env holds environment variables for the step's process, such as
	// the SSM_<name> variables of ENV_VAR parameters.
	Env map[string]string `json:"Env,omitempty"`
	// Inventory configures an ActionSoftwareInventory step.
	Inventory *InventoryStep `json:"Inventory,omitempty"`
}

// InventoryStep is what an aws:softwareInventory step gathers.
type InventoryStep struct {
	// Collectors are the enabled collectors by input name
	// ("applications", "networkConfig", "services", "customInventory", …).
	Collectors []string `json:"Collectors"`
	// Files is the JSON of the files collector's criteria ("" when it
	// does not run); WindowsRegistry the registry collector's.
	Files           string `json:"Files,omitempty"`
	WindowsRegistry string `json:"WindowsRegistry,omitempty"`
}

// Step actions the agent runs, as SSM names its plugins.
const (
	ActionRunShellScript      = "aws:runShellScript"
	ActionRunPowerShellScript = "aws:runPowerShellScript"
	// ActionSoftwareInventory gathers inventory and sends it with
	// PutInventory, as the instance.
	ActionSoftwareInventory = "aws:softwareInventory"
)

// Step control flow values (Step.OnFailure, Step.OnSuccess), as SSM spells
// them.
const (
	StepExit           = "exit"
	StepSuccessAndExit = "successAndExit"
)

// Exit codes with a meaning for the steps after, as SSM's: a step that
// exits with ExitCodeSuccessAndExit succeeds, one that exits with
// ExitCodeFailAndExit fails, and either way the remaining steps are
// skipped.
const (
	ExitCodeSuccessAndExit = 168
	ExitCodeFailAndExit    = 169
)

// CommandAck answers a Command: whether the agent took it.
type CommandAck struct {
	InvocationID string `json:"InvocationId"`
	// Status is AckAccepted, AckDuplicate (already received: not run
	// again) or AckRejected (with Reason).
	Status string `json:"Status"`
	Reason string `json:"Reason,omitempty"`
}

// CommandAck statuses.
const (
	AckAccepted  = "Accepted"
	AckDuplicate = "Duplicate"
	AckRejected  = "Rejected"
)

// Cancel asks an agent to stop an invocation: its process group is
// killed and it ends Cancelled.
type Cancel struct {
	InvocationID string `json:"InvocationId"`
}

// Invocation and step statuses the agent reports, as SSM spells them.
const (
	StatusInProgress = "InProgress"
	StatusSuccess    = "Success"
	StatusFailed     = "Failed"
	StatusTimedOut   = "TimedOut"
	StatusCancelled  = "Cancelled"
	StatusSkipped    = "Skipped"
)

// Status details the agent reports besides the statuses themselves (a
// Success, Failed, Cancelled or Skipped status has details of the same
// spelling), as SSM spells them.
const (
	// DetailsExecutionTimedOut details a TimedOut step or invocation that
	// ran longer than its TimeoutSeconds and was killed.
	DetailsExecutionTimedOut = "ExecutionTimedOut"
	// DetailsDeliveryTimedOut details a TimedOut invocation that reached
	// the agent after its Deadline and did not run.
	DetailsDeliveryTimedOut = "DeliveryTimedOut"
)

// Inline output limits, as SSM's: the result carries at most this much of
// each step's output; the whole output goes to the blob store.
const (
	MaxInlineStdout = 24000
	MaxInlineStderr = 8000
)

// InvocationResult is what an agent reports when an invocation starts
// (Status InProgress) and when it ends.
type InvocationResult struct {
	CommandID    string `json:"CommandId"`
	InvocationID string `json:"InvocationId"`
	Status       string `json:"Status"`
	// StatusDetails refines Status, as SSM's: Success, Failed,
	// ExecutionTimedOut, Cancelled, DeliveryTimedOut, …
	StatusDetails string       `json:"StatusDetails"`
	StartedAt     time.Time    `json:"StartedAt"`
	EndedAt       time.Time    `json:"EndedAt,omitempty"`
	ResponseCode  int          `json:"ResponseCode"`
	Steps         []StepResult `json:"Steps,omitempty"`
}

// StepResult is how one step ended.
type StepResult struct {
	Name          string    `json:"Name"`
	Action        string    `json:"Action"`
	Status        string    `json:"Status"`
	StatusDetails string    `json:"StatusDetails"`
	ResponseCode  int       `json:"ResponseCode"`
	StartedAt     time.Time `json:"StartedAt"`
	EndedAt       time.Time `json:"EndedAt"`
	// Stdout and Stderr are the first MaxInlineStdout/MaxInlineStderr
	// bytes of the output; the rest is in the OutputChunks.
	Stdout string `json:"Stdout"`
	Stderr string `json:"Stderr"`
	// StdoutBytes and StderrBytes are the whole output's sizes.
	StdoutBytes int64 `json:"StdoutBytes"`
	StderrBytes int64 `json:"StderrBytes"`
}

// OutputChunk carries part of a step's full output. Chunks of one stream
// are numbered from 0; the last has Final set (and may be empty).
type OutputChunk struct {
	InvocationID string `json:"InvocationId"`
	Step         string `json:"Step"`
	Stream       string `json:"Stream"` // StreamStdout or StreamStderr
	Seq          int    `json:"Seq"`
	Data         []byte `json:"Data"`
	Final        bool   `json:"Final,omitempty"`
}

// MaxChunk is the largest OutputChunk.Data, well under NATS's 1 MiB
// message limit.
const MaxChunk = 256 << 10

// OutputChunk streams.
const (
	StreamStdout = "stdout"
	StreamStderr = "stderr"
)
