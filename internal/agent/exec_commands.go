// Copyright 2026 The kanri Authors
// SPDX-License-Identifier: Apache-2.0

package agent

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/kanri-dev/kanri/internal/agentproto"
)

// How the agent runs commands.
const (
	// defaultMaxConcurrentCommands is how many invocations run at once
	// unless Config.MaxConcurrentCommands says otherwise.
	defaultMaxConcurrentCommands = 4
	// defaultStepTimeout is a step's timeout when it has none, as SSM's.
	defaultStepTimeout = 3600 * time.Second
	// outputFlushInterval is how often a running step's output is sent on
	// when it comes slower than agentproto.MaxChunk at a time.
	outputFlushInterval = time.Second
	// resultFlushTimeout bounds waiting for the bus to take a final
	// result.
	resultFlushTimeout = 5 * time.Second
	// notStartedCode is the ResponseCode of an invocation that did not
	// start, as SSM reports it.
	notStartedCode = -1
)

// Why an invocation's context ended (its cause).
var (
	errCancelled         = errors.New("cancelled")
	errExecutionTimedOut = errors.New("execution timed out")
	errAgentStopped      = errors.New("the kanri agent stopped")
	errNotConnected      = errors.New("not connected to the bus")
)

// commander runs the commands an agent receives (Run Command) during one
// Run: it answers them, records them in the ledger, runs at most max
// invocations at once and queues the others, cancels them, and publishes
// their results and output. A final result that cannot be published stays
// pending, in memory and in the ledger, until the bus is back.
//
// The serve loop calls receive, cancel, connected and retry; the
// goroutines it starts run the invocations, and shutdown ends them.
type commander struct {
	id   string
	log  *slog.Logger
	now  func() time.Time
	exec Executor
	// inventory runs aws:softwareInventory steps.
	inventory Executor
	env       []string
	max       int
	platform  string
	ledger    *ledger

	// ctx ends (errAgentStopped) when the agent stops; every invocation's
	// context derives from it.
	ctx  context.Context
	stop context.CancelCauseFunc
	wg   sync.WaitGroup

	mu       sync.Mutex
	nc       *nats.Conn             // the bus connection; nil while there is none
	queue    []*invocation          // accepted, waiting for a free slot
	active   map[string]*invocation // queued and running, by invocation ID
	running  int                    // goroutines running invocations
	resume   []*ledgerEntry         // queued at the last stop; they run once connected
	stopping bool
	pending  map[string]*agentproto.InvocationResult // final results to publish
}

// invocation is a command the agent runs.
type invocation struct {
	entry  *ledgerEntry // its ledger entry, with its Command
	ctx    context.Context
	cancel context.CancelCauseFunc
	// started is set, under commander.mu, when it leaves the queue.
	started bool
}

// newCommander opens the ledger in the state dir and takes up what it
// holds: queued invocations run once connected, ones that were running
// when the agent stopped end Failed, and results not yet published are
// published once connected.
func newCommander(a *Agent, st *State, log *slog.Logger) (*commander, error) {
	l, open, err := openLedger(filepath.Join(a.dir, ledgerDir), a.now, log)
	if err != nil {
		return nil, err
	}
	ctx, stop := context.WithCancelCause(context.Background())
	c := &commander{
		id:        st.InstanceID,
		log:       log,
		now:       a.now,
		exec:      a.exec,
		inventory: &inventoryRunner{a: a, st: st},
		env:       append(os.Environ(), "AWS_SSM_INSTANCE_ID="+st.InstanceID, "AWS_SSM_REGION_NAME="+st.Region),
		max:       a.maxCommands,
		platform:  platformType(runtime.GOOS),
		ledger:    l,
		ctx:       ctx,
		stop:      stop,
		active:    map[string]*invocation{},
		pending:   map[string]*agentproto.InvocationResult{},
	}
	slices.SortFunc(open, func(x, y *ledgerEntry) int { return x.ReceivedAt.Compare(y.ReceivedAt) })
	for _, e := range open {
		switch {
		case e.State == stateQueued && e.Command != nil:
			log.Info("invocation queued when the agent stopped; it runs once connected", "invocation_id", e.InvocationID)
			c.resume = append(c.resume, e)
		case e.State == stateRunning:
			log.Warn("invocation was running when the agent stopped; it failed", "invocation_id", e.InvocationID)
			e.Result = &agentproto.InvocationResult{
				CommandID: e.CommandID, InvocationID: e.InvocationID,
				Status: agentproto.StatusFailed, StatusDetails: agentproto.StatusFailed,
				StartedAt: e.StartedAt, EndedAt: a.now(), ResponseCode: stoppedExitCode,
			}
			c.end(e, false)
		case e.Result != nil:
			c.pending[e.InvocationID] = e.Result
		}
	}
	return c, nil
}

// connected makes the commander publish on nc, starts the invocations
// queued at the last stop, and publishes the pending results; nil stops
// publishing.
func (c *commander) connected(nc *nats.Conn) {
	c.mu.Lock()
	c.nc = nc
	var resume []*ledgerEntry
	if nc != nil {
		resume, c.resume = c.resume, nil
	}
	c.mu.Unlock()
	if nc == nil {
		return
	}
	for _, e := range resume {
		c.submit(e)
	}
	c.retry()
}

// retry publishes the pending results, if connected.
func (c *commander) retry() {
	c.mu.Lock()
	if len(c.pending) == 0 || c.nc == nil || !c.nc.IsConnected() {
		c.mu.Unlock()
		return
	}
	results := make([]*agentproto.InvocationResult, 0, len(c.pending))
	for id, res := range c.pending {
		results = append(results, res)
		delete(c.pending, id)
	}
	c.mu.Unlock()
	for _, res := range results {
		c.report(res)
	}
}

// receive answers a command (a request on the instance's command subject)
// with a CommandAck. A new one is recorded in the ledger and queued; one
// the ledger knows is a duplicate, not run again, whose final result, if
// it has one, is published again; one whose delivery deadline passed is
// rejected and ends TimedOut (DeliveryTimedOut) without running.
func (c *commander) receive(m *nats.Msg) {
	var cmd agentproto.Command
	if err := json.Unmarshal(m.Data, &cmd); err != nil || cmd.InvocationID == "" {
		c.log.Warn("invalid command", "err", err)
		c.ack(m, agentproto.CommandAck{InvocationID: cmd.InvocationID, Status: agentproto.AckRejected, Reason: "invalid command"})
		return
	}
	log := c.log.With("invocation_id", cmd.InvocationID, "command_id", cmd.CommandID)
	ack := agentproto.CommandAck{InvocationID: cmd.InvocationID, Status: agentproto.AckAccepted}
	now := c.now()
	switch state := c.ledger.state(cmd.InvocationID); {
	case state != "":
		log.Info("command received again; not run again", "state", state)
		ack.Status = agentproto.AckDuplicate
		c.ack(m, ack)
		if state == stateEnded || state == stateReported {
			res, err := c.ledger.result(cmd.InvocationID)
			if err != nil {
				log.Error("read result", "err", err)
				return
			}
			c.report(res)
		}
	case !cmd.Deadline.IsZero() && now.After(cmd.Deadline):
		log.Warn("command received after its delivery deadline; not run", "deadline", cmd.Deadline)
		ack.Status, ack.Reason = agentproto.AckRejected, "the delivery deadline has passed"
		c.ack(m, ack)
		c.end(&ledgerEntry{
			InvocationID: cmd.InvocationID, CommandID: cmd.CommandID, ReceivedAt: now,
			Result: &agentproto.InvocationResult{
				CommandID: cmd.CommandID, InvocationID: cmd.InvocationID,
				Status: agentproto.StatusTimedOut, StatusDetails: agentproto.DetailsDeliveryTimedOut,
				EndedAt: now, ResponseCode: notStartedCode,
			},
		}, true)
	default:
		e := &ledgerEntry{InvocationID: cmd.InvocationID, CommandID: cmd.CommandID, ReceivedAt: now, Command: &cmd}
		if err := c.ledger.receive(&cmd, now); err != nil {
			log.Error("record command", "err", err)
			ack.Status, ack.Reason = agentproto.AckRejected, "the agent cannot record the command"
			c.ack(m, ack)
			return
		}
		log.Info("command received", "document", cmd.DocumentName, "steps", len(cmd.Steps))
		c.ack(m, ack)
		c.submit(e)
	}
}

// ack answers a command message.
func (c *commander) ack(m *nats.Msg, ack agentproto.CommandAck) {
	if m.Reply == "" {
		return
	}
	b, err := json.Marshal(&ack)
	if err != nil {
		c.log.Error("encode command ack", "err", err)
		return
	}
	if err := m.Respond(b); err != nil {
		c.log.Warn("answer command", "invocation_id", ack.InvocationID, "err", err)
	}
}

// submit runs a received invocation when a slot is free. After shutdown
// it stays queued in the ledger, for the next Run.
func (c *commander) submit(e *ledgerEntry) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.stopping {
		return
	}
	inv := &invocation{entry: e}
	inv.ctx, inv.cancel = context.WithCancelCause(c.ctx)
	c.active[e.InvocationID] = inv
	if c.running >= c.max {
		c.queue = append(c.queue, inv)
		return
	}
	inv.started = true
	c.running++
	c.wg.Go(func() { c.work(inv) })
}

// work runs inv, then the queued invocations, until the queue is empty.
func (c *commander) work(inv *invocation) {
	for inv != nil {
		c.run(inv)
		inv.cancel(nil)
		inv = c.next(inv)
	}
}

// next forgets the invocation done and takes the next one from the queue;
// nil when there is none.
func (c *commander) next(done *invocation) *invocation {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.active, done.entry.InvocationID)
	if len(c.queue) == 0 || c.stopping {
		c.running--
		return nil
	}
	inv := c.queue[0]
	c.queue[0] = nil
	c.queue = c.queue[1:]
	inv.started = true
	return inv
}

// cancel handles a Cancel message: a running invocation is stopped (its
// process group killed) and ends Cancelled; a queued one leaves the queue
// and ends Cancelled. Unknown invocations are ignored.
func (c *commander) cancel(m *nats.Msg) {
	var cn agentproto.Cancel
	if err := json.Unmarshal(m.Data, &cn); err != nil {
		c.log.Warn("invalid cancel message", "err", err)
		return
	}
	log := c.log.With("invocation_id", cn.InvocationID)
	c.mu.Lock()
	inv := c.active[cn.InvocationID]
	switch {
	case inv == nil:
		c.mu.Unlock()
		log.Info("cancel of an invocation that is not running; ignored")
		return
	case inv.started:
		c.mu.Unlock()
		log.Info("cancelling invocation")
		inv.cancel(errCancelled)
		return
	}
	c.queue = slices.DeleteFunc(c.queue, func(q *invocation) bool { return q == inv })
	delete(c.active, cn.InvocationID)
	c.mu.Unlock()
	inv.cancel(errCancelled)
	log.Info("cancelled queued invocation")
	e := *inv.entry
	e.Result = &agentproto.InvocationResult{
		CommandID: e.CommandID, InvocationID: e.InvocationID,
		Status: agentproto.StatusCancelled, StatusDetails: agentproto.StatusCancelled,
		EndedAt: c.now(), ResponseCode: notStartedCode,
	}
	c.end(&e, true)
}

// shutdown stops the running invocations (they end Failed, their results
// published if the bus is up) and waits until they ended. The queued ones
// stay queued in the ledger: the next Run runs them.
func (c *commander) shutdown() {
	c.mu.Lock()
	c.stopping = true
	c.queue = nil
	c.mu.Unlock()
	c.stop(errAgentStopped)
	c.wg.Wait()
}

// run runs an invocation: its steps one after the other, as SSM's agent
// does. A failed step does not stop the next ones unless the steps say so
// (OnFailure, OnSuccess, exit codes 168 and 169); a step for another
// platform is skipped.
func (c *commander) run(inv *invocation) {
	e := *inv.entry
	cmd := e.Command
	log := c.log.With("invocation_id", e.InvocationID, "command_id", e.CommandID)
	e.StartedAt = c.now()
	res := &agentproto.InvocationResult{CommandID: e.CommandID, InvocationID: e.InvocationID, StartedAt: e.StartedAt}
	if err := c.ledger.start(&e); err != nil {
		// Not recorded as started, it might run again after a restart:
		// it does not run at all.
		log.Error("record invocation start; not running it", "err", err)
		res.Status, res.StatusDetails, res.ResponseCode = agentproto.StatusFailed, agentproto.StatusFailed, notStartedCode
		res.EndedAt = c.now()
		e.Result = res
		c.end(&e, true)
		return
	}
	log.Info("invocation started")
	inProgress := *res
	inProgress.Status, inProgress.StatusDetails = agentproto.StatusInProgress, agentproto.StatusInProgress
	if err := c.publish(agentproto.SubjectResult, &inProgress); err != nil {
		log.Debug("publish invocation start", "err", err)
	}

	exited := false // a step ended the document
	for i, step := range cmd.Steps {
		skip := ""
		switch {
		case exited && !(step.FinallyStep && i == len(cmd.Steps)-1):
			skip = fmt.Sprintf("Step execution skipped due to a prior step with an exit condition. Step name: %s", step.Name)
		case step.Platform != "" && !strings.EqualFold(step.Platform, c.platform):
			skip = fmt.Sprintf("Step execution skipped due to unsatisfied preconditions: platformType %s, not %s. Step name: %s", c.platform, step.Platform, step.Name)
		}
		sr, ran := c.runStep(inv.ctx, e.InvocationID, step, skip)
		if ran {
			res.ResponseCode = sr.ResponseCode
			switch {
			case sr.Status == agentproto.StatusFailed && step.OnFailure == agentproto.StepSuccessAndExit:
				sr.Status, sr.StatusDetails, sr.ResponseCode = agentproto.StatusSuccess, agentproto.StatusSuccess, agentproto.ExitCodeSuccessAndExit
				res.ResponseCode = sr.ResponseCode
				exited = true
			case sr.ResponseCode == agentproto.ExitCodeSuccessAndExit || sr.ResponseCode == agentproto.ExitCodeFailAndExit,
				sr.Status == agentproto.StatusFailed && step.OnFailure == agentproto.StepExit,
				sr.Status == agentproto.StatusSuccess && step.OnSuccess == agentproto.StepExit:
				exited = true
			}
		}
		res.Steps = append(res.Steps, sr)
	}
	res.Status, res.StatusDetails = invocationStatus(res.Steps)
	res.EndedAt = c.now()
	log.Info("invocation ended", "status", res.Status, "details", res.StatusDetails, "response_code", res.ResponseCode)
	e.Result = res
	c.end(&e, true)
}

// runStep runs a step, or skips it with the message skip, and returns how
// it ended and whether it ran. Its output goes to the bus as it comes.
func (c *commander) runStep(ctx context.Context, invocationID string, step agentproto.Step, skip string) (sr agentproto.StepResult, ran bool) {
	sr = agentproto.StepResult{Name: step.Name, Action: step.Action, StartedAt: c.now()}
	stdout := newOutputStream(c.sendChunk, invocationID, step.Name, agentproto.StreamStdout, agentproto.MaxInlineStdout)
	stderr := newOutputStream(c.sendChunk, invocationID, step.Name, agentproto.StreamStderr, agentproto.MaxInlineStderr)
	switch {
	case ctx.Err() != nil:
		// Cancelled, or the agent stopped, before the step started.
		sr.Status, sr.ResponseCode = agentproto.StatusCancelled, 1
		if !errors.Is(context.Cause(ctx), errCancelled) {
			sr.Status = agentproto.StatusFailed
			fmt.Fprintf(stderr, "Step not run: %v.\n", context.Cause(ctx))
		}
	case skip != "":
		sr.Status = agentproto.StatusSkipped
		fmt.Fprintln(stdout, skip)
	default:
		ran = true
		sr.Status, sr.ResponseCode = c.execute(ctx, step, stdout, stderr)
	}
	stdout.close()
	stderr.close()
	for _, s := range []*outputStream{stdout, stderr} {
		if n := s.lostChunks(); n > 0 {
			c.log.Warn("output not published: the bus was down", "invocation_id", invocationID, "step", step.Name, "stream", s.chunk.Stream, "chunks", n)
		}
	}
	sr.StatusDetails = sr.Status
	if sr.Status == agentproto.StatusTimedOut {
		sr.StatusDetails = agentproto.DetailsExecutionTimedOut
	}
	sr.EndedAt = c.now()
	sr.Stdout, sr.StdoutBytes = stdout.text(), stdout.size()
	sr.Stderr, sr.StderrBytes = stderr.text(), stderr.size()
	return sr, ran
}

// execute runs a step with the executor, within its timeout, and returns
// its status and exit code.
func (c *commander) execute(ctx context.Context, step agentproto.Step, stdout, stderr *outputStream) (status string, code int) {
	timeout := time.Duration(step.TimeoutSeconds) * time.Second
	if timeout <= 0 {
		timeout = defaultStepTimeout
	}
	ctx, cancel := context.WithTimeoutCause(ctx, timeout, errExecutionTimedOut)
	defer cancel()

	// Output that comes slowly is sent on every outputFlushInterval.
	done := make(chan struct{})
	var flusher sync.WaitGroup
	flusher.Go(func() {
		t := time.NewTicker(outputFlushInterval)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				stdout.flush()
				stderr.flush()
			}
		}
	})
	exec := c.exec
	if step.Action == agentproto.ActionSoftwareInventory {
		exec = c.inventory
	}
	code, err := exec.Execute(ctx, step, stepEnv(c.env, step.Env), stdout, stderr)
	close(done)
	flusher.Wait()

	switch cause := context.Cause(ctx); {
	case err != nil && ctx.Err() != nil:
		switch {
		case errors.Is(cause, errExecutionTimedOut):
			return agentproto.StatusTimedOut, stoppedExitCode
		case errors.Is(cause, errCancelled):
			return agentproto.StatusCancelled, stoppedExitCode
		default:
			fmt.Fprintf(stderr, "\nStep stopped: %v.\n", cause)
			return agentproto.StatusFailed, stoppedExitCode
		}
	case err != nil:
		fmt.Fprintf(stderr, "failed to run commands: %v\n", err)
		if code == 0 {
			code = 1
		}
		return agentproto.StatusFailed, code
	case code == 0, code == agentproto.ExitCodeSuccessAndExit:
		return agentproto.StatusSuccess, code
	default:
		return agentproto.StatusFailed, code
	}
}

// invocationStatus is the status of an invocation from its steps', as
// SSM's agent decides it: Failed over TimedOut over Cancelled over
// Success, a skipped step counting as a success.
func invocationStatus(steps []agentproto.StepResult) (status, details string) {
	has := map[string]bool{}
	for _, s := range steps {
		has[s.Status] = true
	}
	switch {
	case has[agentproto.StatusFailed]:
		return agentproto.StatusFailed, agentproto.StatusFailed
	case has[agentproto.StatusTimedOut]:
		return agentproto.StatusTimedOut, agentproto.DetailsExecutionTimedOut
	case has[agentproto.StatusCancelled]:
		return agentproto.StatusCancelled, agentproto.StatusCancelled
	default:
		return agentproto.StatusSuccess, agentproto.StatusSuccess
	}
}

// end records the final result of an invocation in the ledger and, if
// publish, publishes it.
func (c *commander) end(e *ledgerEntry, publish bool) {
	if err := c.ledger.end(e); err != nil {
		c.log.Error("record invocation result", "invocation_id", e.InvocationID, "err", err)
	}
	if !publish {
		c.mu.Lock()
		c.pending[e.InvocationID] = e.Result
		c.mu.Unlock()
		return
	}
	c.report(e.Result)
}

// report publishes a final result and waits until the bus has it; if it
// cannot, the result stays pending until the bus is back.
func (c *commander) report(res *agentproto.InvocationResult) {
	if err := c.publishResult(res); err != nil {
		c.log.Info("result not published; kept until the bus is back", "invocation_id", res.InvocationID, "err", err)
		c.mu.Lock()
		c.pending[res.InvocationID] = res
		c.mu.Unlock()
		return
	}
	if err := c.ledger.reported(res.InvocationID); err != nil {
		c.log.Warn("record result report", "err", err)
	}
}

// publishResult publishes a final result and flushes the connection.
func (c *commander) publishResult(res *agentproto.InvocationResult) error {
	c.mu.Lock()
	nc := c.nc
	c.mu.Unlock()
	if nc == nil || !nc.IsConnected() {
		return errNotConnected
	}
	b, err := json.Marshal(res)
	if err != nil {
		return err
	}
	if err := nc.Publish(agentproto.Subject(c.id, agentproto.SubjectResult), b); err != nil {
		return err
	}
	return nc.FlushTimeout(resultFlushTimeout)
}

// publish publishes v on the instance's subject of kind, if connected.
func (c *commander) publish(kind string, v any) error {
	c.mu.Lock()
	nc := c.nc
	c.mu.Unlock()
	if nc == nil || !nc.IsConnected() {
		return errNotConnected
	}
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return nc.Publish(agentproto.Subject(c.id, kind), b)
}

// sendChunk publishes a chunk of output. While the bus reconnects, the
// connection buffers it (up to its reconnect buffer's size).
func (c *commander) sendChunk(ch agentproto.OutputChunk) error {
	c.mu.Lock()
	nc := c.nc
	c.mu.Unlock()
	if nc == nil {
		return errNotConnected
	}
	b, err := json.Marshal(&ch)
	if err != nil {
		return err
	}
	return nc.Publish(agentproto.Subject(c.id, agentproto.SubjectOutput), b)
}

// stepEnv returns the environment of a step's process: the agent's, with
// the step's own variables (a document's ENV_VAR parameters) set over it
// in name order.
func stepEnv(base []string, vars map[string]string) []string {
	if len(vars) == 0 {
		return base
	}
	env := slices.Clip(base)
	for _, k := range slices.Sorted(maps.Keys(vars)) {
		env = append(env, k+"="+vars[k])
	}
	return env
}
