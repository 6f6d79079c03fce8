// Copyright 2026 The kanri Authors
// SPDX-License-Identifier: Apache-2.0

package command

import (
	"context"
	"encoding/json"
	"errors"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/kanri-dev/kanri/internal/agentproto"
	"github.com/kanri-dev/kanri/internal/awserr"
	"github.com/kanri-dev/kanri/internal/command/document"
)

// Dispatch timing.
const (
	// pollInterval is how often every server looks for commands with
	// invocations to send, time out or finish, besides when a command
	// arrives at it.
	pollInterval = 500 * time.Millisecond
	// ackTimeout is how long a server waits for an agent to take a
	// command before the invocation is Delayed.
	ackTimeout = 5 * time.Second
	// retryDelay is how long a Delayed invocation waits before it is sent
	// again.
	retryDelay = 5 * time.Second
	// cancelRepeat is how often a cancellation is sent again to agents
	// that have not confirmed it.
	cancelRepeat = 5 * time.Second
	// expiryGrace is how long past its last possible end (delivery
	// deadline plus every step's timeout) an invocation may stay
	// unfinished before it is timed out without its agent's word.
	expiryGrace = time.Minute
	// defaultStepTimeout is a step's timeout when it names none, as SSM's.
	defaultStepTimeout = 3600 * time.Second
	// unstartedAfter is how long an invocation may stay sent but not
	// started before it is sent again (Delayed): the server that sent it
	// may have stopped before the command left it. An agent that has it
	// already (queued behind others) answers Duplicate and runs it once.
	unstartedAfter = time.Minute
	// sweepEvery is how often a server looks for such invocations of a
	// command.
	sweepEvery = 10 * time.Second
)

// queueGroup is the NATS queue group of the servers: each result or
// output message is handled by one server.
const queueGroup = "kanri-command"

// InvocationID returns the ID an agent knows an invocation by.
func InvocationID(commandID, instanceID string) string { return commandID + ":" + instanceID }

// dispatcher sends a server's share of invocations to agents and records
// what agents report. Its state is a cache: everything it acts on comes
// from the database, so any server can take over any command.
type dispatcher struct {
	s     *Service
	nc    *nats.Conn
	inbox string // prefix of the reply subjects of sent commands

	mu          sync.Mutex
	seq         uint64
	acks        map[string]*sending // by reply token
	plans       map[string]*plan    // by command ID
	cancelsSent map[string]time.Time
	swept       map[string]time.Time // when unstarted invocations were last looked for, by command

	results chan agentResult
	outputs *outputs
}

// sending is a command sent to an agent and not yet acknowledged.
type sending struct {
	commandID, instanceID string
	attempt               int
	timer                 *time.Timer
}

// plan is a command rendered for its agents.
type plan struct {
	documentName string
	steps        []agentproto.Step
	// expires is when an unfinished invocation is timed out whatever its
	// agent says: the delivery deadline, every step's timeout and a grace.
	expires time.Time
	err     error // the document no longer renders
}

// agentResult is an InvocationResult with the instance whose subject it
// came on, and the message to answer once it is recorded.
type agentResult struct {
	instanceID string
	res        agentproto.InvocationResult
	msg        *nats.Msg
}

// Run dispatches commands over the bus until ctx ends: it sends the
// invocations this server claims, records the acknowledgements, results
// and output agents send, times out and stops commands. Every server runs
// it; they share the work through the database.
func (s *Service) Run(ctx context.Context, nc *nats.Conn) error {
	s.nc.Store(nc)
	defer s.nc.Store(nil)
	d := &dispatcher{
		s: s, nc: nc, inbox: nc.NewRespInbox(), acks: map[string]*sending{}, plans: map[string]*plan{},
		cancelsSent: map[string]time.Time{}, swept: map[string]time.Time{}, results: make(chan agentResult, 4096),
	}
	d.inbox = d.inbox[:strings.LastIndexByte(d.inbox, '.')]
	d.outputs = newOutputs(s, d.planFor)
	var subs []*nats.Subscription
	defer func() {
		for _, sub := range subs {
			sub.Unsubscribe()
		}
	}()
	for _, sub := range []struct {
		subject, queue string
		handler        nats.MsgHandler
	}{
		{d.inbox + ".*", "", d.onAck},
		{agentproto.SubjectPrefix + "*." + agentproto.SubjectResult, queueGroup, d.onResult},
		{agentproto.SubjectPrefix + "*." + agentproto.SubjectOutput, queueGroup, d.outputs.onChunk},
	} {
		sb, err := nc.QueueSubscribe(sub.subject, sub.queue, sub.handler)
		if err != nil {
			return err
		}
		sb.SetPendingLimits(-1, 256<<20)
		subs = append(subs, sb)
	}
	if err := nc.Flush(); err != nil {
		return err
	}
	var wg sync.WaitGroup
	wg.Go(func() { d.applyResults(ctx) })
	defer wg.Wait()
	tick := time.NewTicker(pollInterval)
	defer tick.Stop()
	for {
		d.dispatchAll(ctx)
		select {
		case <-ctx.Done():
			return nil
		case <-tick.C:
		case <-s.kick:
		}
	}
}

// dispatchAll works on every active command.
func (d *dispatcher) dispatchAll(ctx context.Context) {
	ids, err := d.s.store.ActiveCommands(ctx)
	if err != nil {
		if ctx.Err() == nil {
			d.s.log.Error("list active commands", "err", err)
		}
		return
	}
	active := make(map[string]bool, len(ids))
	for _, id := range ids {
		active[id] = true
		if err := d.dispatch(ctx, id); err != nil && ctx.Err() == nil {
			d.s.log.Error("dispatch command", "command_id", id, "err", err)
		}
	}
	d.mu.Lock()
	for id := range d.plans {
		if !active[id] {
			delete(d.plans, id)
			delete(d.cancelsSent, id)
			delete(d.swept, id)
		}
	}
	d.mu.Unlock()
}

// dispatch moves one command on: it stops or times out what must be, then
// sends the invocations it may.
func (d *dispatcher) dispatch(ctx context.Context, id string) error {
	c, err := d.s.store.GetCommand(ctx, id)
	if errors.Is(err, awserr.NotFound) {
		return nil
	}
	if err != nil || Terminal(c.Status) {
		return err
	}
	now := d.s.now()
	p := d.planFor(ctx, c)
	switch {
	case p.err != nil:
		d.s.log.Error("command cannot be rendered; its invocations fail", "command_id", id, "err", p.err)
		return d.s.finish(ctx, id, func(inv *Invocation) bool {
			return setStatus(inv, StatusFailed, DetailUndeliverable, now)
		})
	case !now.Before(p.expires):
		return d.s.finish(ctx, id, func(inv *Invocation) bool {
			return setStatus(inv, StatusTimedOut, DetailDeliveryTimedOut, now)
		})
	case !now.Before(c.ExpiresAt):
		return d.s.finish(ctx, id, func(inv *Invocation) bool {
			if inv.Status != StatusPending && inv.Status != StatusDelayed {
				return false
			}
			return setStatus(inv, StatusTimedOut, DetailDeliveryTimedOut, now)
		})
	case c.ErrorCount > maxErrors(c):
		return d.s.terminate(ctx, id, now)
	case c.Status == StatusCancelling:
		return d.resendCancels(ctx, c, now)
	}
	if err := d.sweep(ctx, c, now); err != nil {
		return err
	}
	claim, err := d.s.store.ClaimInvocations(ctx, id, now, now.Add(-retryDelay), d.s.fleet.OnlineSince(),
		func(c *Command, inFlight int) int { return maxConcurrency(c) - inFlight })
	if err != nil || claim.Command == nil {
		return err
	}
	for _, inv := range claim.Invocations {
		d.send(claim.Command, p, inv)
	}
	return nil
}

// sweep makes a command's invocations that were sent long ago and never
// started Delayed, so they are sent again, every sweepEvery.
func (d *dispatcher) sweep(ctx context.Context, c *Command, now time.Time) error {
	d.mu.Lock()
	last, ok := d.swept[c.ID]
	if !ok || now.Sub(last) >= sweepEvery {
		d.swept[c.ID] = now
	}
	d.mu.Unlock()
	if !ok || now.Sub(last) < sweepEvery {
		return nil
	}
	return d.s.finish(ctx, c.ID, func(inv *Invocation) bool {
		if inv.Status != StatusInProgress || !inv.StartedAt.IsZero() || now.Sub(inv.DispatchedAt) < unstartedAfter {
			return false
		}
		inv.Status, inv.StatusDetails = StatusDelayed, DetailDelayed
		return true
	})
}

// planFor returns a command's plan, rendering it the first time.
func (d *dispatcher) planFor(ctx context.Context, c *Command) *plan {
	d.mu.Lock()
	p := d.plans[c.ID]
	d.mu.Unlock()
	if p != nil {
		return p
	}
	p = d.s.render(ctx, c)
	d.mu.Lock()
	d.plans[c.ID] = p
	d.mu.Unlock()
	return p
}

// render renders a command's document with its parameters.
func (s *Service) render(ctx context.Context, c *Command) *plan {
	p := &plan{documentName: c.DocumentName, expires: c.ExpiresAt.Add(expiryGrace)}
	r, err := s.resolve(ctx, c.DocumentName, c.DocumentVersion, "")
	if err == nil && r.Version.Hash != c.DocumentHash {
		err = errors.New("the document version changed after the command was sent")
	}
	var values map[string]document.Value
	if err == nil {
		values, err = r.Parsed.ResolveParameters(c.Parameters)
	}
	var rendered *document.Plan
	if err == nil {
		var resolve document.Resolver
		if s.refs != nil {
			resolve = func(ref string) (string, error) { return s.refs.Resolve(ctx, ref) }
		}
		rendered, err = r.Parsed.Render(values, resolve)
	}
	if err != nil {
		if errors.Is(err, awserr.NotFound) || awserr.As(err) != nil {
			p.err = err
			return p
		}
		p.err = err
		return p
	}
	for _, st := range rendered.Steps {
		timeout := st.TimeoutSeconds
		if timeout <= 0 {
			timeout = int(defaultStepTimeout / time.Second)
		}
		p.expires = p.expires.Add(time.Duration(timeout) * time.Second)
		p.steps = append(p.steps, agentproto.Step{
			Name: st.Name, Action: st.Action, Platform: string(st.Platform), Commands: st.Commands,
			WorkingDirectory: st.WorkingDirectory, TimeoutSeconds: timeout, OnFailure: st.OnFailure, OnSuccess: st.OnSuccess,
			FinallyStep: st.FinallyStep, Env: st.Env, Inventory: inventoryStep(st.Inventory),
		})
	}
	return p
}

// inventoryStep returns the agent's form of an aws:softwareInventory
// step's configuration; nil for other steps.
func inventoryStep(inv *document.Inventory) *agentproto.InventoryStep {
	if inv == nil {
		return nil
	}
	return &agentproto.InventoryStep{Collectors: inv.Collectors, Files: inv.Files, WindowsRegistry: inv.WindowsRegistry}
}

// send sends a claimed invocation to its agent and waits, without
// blocking, for the agent to take it.
func (d *dispatcher) send(c *Command, p *plan, inv *Invocation) {
	msg := agentproto.Command{
		CommandID: c.ID, InvocationID: InvocationID(c.ID, inv.InstanceID), DocumentName: p.documentName, Steps: p.steps,
		Deadline: c.ExpiresAt, OutputS3BucketName: c.OutputBucket, OutputS3KeyPrefix: c.OutputPrefix,
	}
	b, err := json.Marshal(&msg)
	if err != nil {
		d.s.log.Error("encode command", "err", err)
		return
	}
	d.mu.Lock()
	d.seq++
	token := strconv.FormatUint(d.seq, 36)
	sn := &sending{commandID: c.ID, instanceID: inv.InstanceID, attempt: inv.Attempts}
	sn.timer = time.AfterFunc(ackTimeout, func() { d.ackTimedOut(token) })
	d.acks[token] = sn
	d.mu.Unlock()
	err = d.nc.PublishMsg(&nats.Msg{Subject: agentproto.Subject(inv.InstanceID, agentproto.SubjectCommand), Reply: d.inbox + "." + token, Data: b})
	if err != nil {
		d.s.log.Warn("send command", "command_id", c.ID, "instance_id", inv.InstanceID, "err", err)
		d.ackTimedOut(token)
	}
}

// takeAck removes a sent command from those awaiting acknowledgement.
func (d *dispatcher) takeAck(token string) *sending {
	d.mu.Lock()
	defer d.mu.Unlock()
	sn := d.acks[token]
	if sn != nil {
		delete(d.acks, token)
		sn.timer.Stop()
	}
	return sn
}

// ackTimedOut makes an invocation whose agent did not take it Delayed,
// to be sent again.
func (d *dispatcher) ackTimedOut(token string) {
	sn := d.takeAck(token)
	if sn == nil {
		return
	}
	d.delay(sn)
}

func (d *dispatcher) delay(sn *sending) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_, err := d.s.update(ctx, sn.commandID, sn.instanceID, func(inv *Invocation) bool {
		if inv.Status != StatusInProgress || inv.Attempts != sn.attempt || !inv.StartedAt.IsZero() {
			return false
		}
		inv.Status, inv.StatusDetails = StatusDelayed, DetailDelayed
		return true
	})
	if err != nil {
		d.s.log.Warn("delay invocation", "command_id", sn.commandID, "instance_id", sn.instanceID, "err", err)
	}
}

// onAck handles an agent's answer to a command, or the bus's word that
// no agent listens.
func (d *dispatcher) onAck(m *nats.Msg) {
	token := m.Subject[strings.LastIndexByte(m.Subject, '.')+1:]
	sn := d.takeAck(token)
	if sn == nil {
		return
	}
	if m.Header.Get("Status") == "503" { // no responders: the agent is not connected
		go d.delay(sn)
		return
	}
	var ack agentproto.CommandAck
	if err := json.Unmarshal(m.Data, &ack); err != nil {
		d.s.log.Warn("invalid command acknowledgement", "instance_id", sn.instanceID, "err", err)
		go d.delay(sn)
		return
	}
	if ack.Status != agentproto.AckRejected || strings.Contains(ack.Reason, "deadline") {
		// Taken (or seen before, or too late: the agent reports that as
		// the invocation's result).
		return
	}
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		now := d.s.now()
		if _, err := d.s.update(ctx, sn.commandID, sn.instanceID, func(inv *Invocation) bool {
			return setStatus(inv, StatusFailed, DetailUndeliverable, now)
		}); err != nil {
			d.s.log.Warn("record refused command", "command_id", sn.commandID, "instance_id", sn.instanceID, "err", err)
		}
	}()
}

// onResult queues an agent's report for recording.
func (d *dispatcher) onResult(m *nats.Msg) {
	instanceID, ok := agentproto.InstanceOf(m.Subject)
	if !ok {
		return
	}
	var res agentproto.InvocationResult
	if err := json.Unmarshal(m.Data, &res); err != nil {
		d.s.log.Warn("invalid invocation result", "instance_id", instanceID, "err", err)
		return
	}
	// An agent speaks only for its own invocations.
	if res.InvocationID != InvocationID(res.CommandID, instanceID) {
		d.s.log.Warn("invocation result for another instance refused", "instance_id", instanceID, "invocation_id", res.InvocationID)
		return
	}
	d.results <- agentResult{instanceID: instanceID, res: res, msg: m}
}

// maxResultBatch bounds how many results one transaction records.
const maxResultBatch = 2000

// applyResults records queued results until ctx ends: all those waiting,
// in one transaction per command.
func (d *dispatcher) applyResults(ctx context.Context) {
	for {
		var batch []agentResult
		select {
		case <-ctx.Done():
			return
		case r := <-d.results:
			batch = append(batch, r)
		}
	drain:
		for len(batch) < maxResultBatch {
			select {
			case r := <-d.results:
				batch = append(batch, r)
			default:
				break drain
			}
		}
		d.s.applyResults(ctx, batch)
	}
}

// applyResults records what agents report of invocations, in one
// transaction per command, then answers each report.
func (s *Service) applyResults(ctx context.Context, batch []agentResult) {
	byCommand := map[string][]agentResult{}
	var order []string
	for _, r := range batch {
		if byCommand[r.res.CommandID] == nil {
			order = append(order, r.res.CommandID)
		}
		byCommand[r.res.CommandID] = append(byCommand[r.res.CommandID], r)
	}
	for _, commandID := range order {
		results := byCommand[commandID]
		byInstance := map[string][]*agentproto.InvocationResult{}
		ids := make([]string, 0, len(results))
		for i := range results {
			r := &results[i]
			ids = append(ids, r.instanceID)
			byInstance[r.instanceID] = append(byInstance[r.instanceID], &r.res)
		}
		exceeded := false
		_, err := s.store.UpdateInvocations(ctx, commandID, ids, func(inv *Invocation) bool {
			changed := false
			for _, res := range byInstance[inv.InstanceID] {
				if !Terminal(inv.Status) && resultChange(inv, res) {
					changed = true
				}
			}
			return changed
		}, func(c *Command, counts map[string]int) (string, string) {
			status, details := decide(c, counts)
			_, errs, _ := Counters(counts)
			exceeded = errs > maxErrors(c) && !Terminal(status)
			return status, details
		})
		if err != nil && !errors.Is(err, awserr.NotFound) {
			s.log.Error("record invocation results", "command_id", commandID, "results", len(results), "err", err)
			continue // the agents send them again
		}
		for _, r := range results {
			if r.msg != nil && r.msg.Reply != "" {
				b, _ := json.Marshal(map[string]string{"InvocationId": r.res.InvocationID})
				r.msg.Respond(b)
			}
		}
		if exceeded {
			if err := s.terminate(ctx, commandID, s.now()); err != nil {
				s.log.Error("stop command past its error threshold", "command_id", commandID, "err", err)
			}
		}
	}
}

// resultChange applies an agent's result to its invocation.
func resultChange(inv *Invocation, res *agentproto.InvocationResult) bool {
	if res.Status == agentproto.StatusInProgress {
		if !inv.StartedAt.IsZero() && inv.Status == StatusInProgress {
			return false
		}
		if inv.Status != StatusCancelling {
			inv.Status, inv.StatusDetails = StatusInProgress, DetailInProgress
		}
		inv.StartedAt = res.StartedAt
		return true
	}
	status, details := res.Status, res.StatusDetails
	switch res.Status {
	case agentproto.StatusSuccess:
		details = DetailSuccess
	case agentproto.StatusFailed:
		if details != DetailUndeliverable {
			details = DetailFailed
		}
	case agentproto.StatusTimedOut:
		if details != DetailDeliveryTimedOut {
			details = DetailExecutionTimedOut
		}
	case agentproto.StatusCancelled:
		details = DetailCancelled
	default:
		status, details = StatusFailed, DetailFailed
	}
	inv.Status, inv.StatusDetails = status, details
	inv.StartedAt, inv.EndedAt, inv.ResponseCode = res.StartedAt, res.EndedAt, res.ResponseCode
	if inv.EndedAt.IsZero() {
		inv.EndedAt = time.Now().UTC()
	}
	if len(res.Steps) > 0 {
		inv.Plugins = jsonOf(res.Steps)
	}
	return true
}

// setStatus ends an invocation that is not terminal with a status.
func setStatus(inv *Invocation, status, details string, now time.Time) bool {
	if Terminal(inv.Status) {
		return false
	}
	inv.Status, inv.StatusDetails = status, details
	inv.EndedAt = now.UTC()
	return true
}

// update changes one invocation and recomputes its command.
func (s *Service) update(ctx context.Context, commandID, instanceID string, change func(inv *Invocation) bool) (bool, error) {
	return s.store.UpdateInvocation(ctx, commandID, instanceID, change, decide)
}

// finish changes the unfinished invocations of a command and recomputes
// it.
func (s *Service) finish(ctx context.Context, commandID string, change func(inv *Invocation) bool) error {
	err := s.store.FinishInvocations(ctx, commandID, change, decide)
	if errors.Is(err, awserr.NotFound) {
		return nil
	}
	return err
}

// terminate stops sending a command past its error threshold: the
// invocations not yet sent end Cancelled (Terminated), as SSM's.
func (s *Service) terminate(ctx context.Context, commandID string, now time.Time) error {
	return s.finish(ctx, commandID, func(inv *Invocation) bool {
		if inv.Status != StatusPending && inv.Status != StatusDelayed {
			return false
		}
		return setStatus(inv, StatusCancelled, DetailTerminated, now)
	})
}

// decide derives a command's status from the number of its invocations
// by status details, as SSM's: in progress until every invocation is
// terminal, then Success, Failed or TimedOut past MaxErrors, Incomplete
// when not all succeeded without enough errors, or Cancelled.
func decide(c *Command, counts map[string]int) (string, string) {
	if counts[DetailCancelling] > 0 {
		return StatusCancelling, DetailCancelling
	}
	completed, errs, deliveryTimedOut := Counters(counts)
	if completed < c.TargetCount {
		if counts[DetailPending] == c.TargetCount {
			return StatusPending, DetailPending
		}
		return StatusInProgress, DetailInProgress
	}
	limit := maxErrors(c)
	switch {
	case counts[DetailCancelled] > 0:
		return StatusCancelled, DetailCancelled
	case errs > limit && counts[DetailExecutionTimedOut] > counts[DetailFailed]:
		return StatusTimedOut, DetailExecutionTimedOut
	case errs > limit:
		return StatusFailed, DetailFailed
	case deliveryTimedOut > limit:
		return StatusTimedOut, DetailDeliveryTimedOut
	case counts[DetailSuccess]+counts[DetailUndeliverable] == c.TargetCount && counts[DetailSuccess] > 0:
		return StatusSuccess, DetailSuccess
	}
	return StatusFailed, DetailIncomplete
}

// sendCancels asks the agents of a command's invocations to stop them.
func (s *Service) sendCancels(commandID string, instanceIDs []string) {
	nc := s.nc.Load()
	if nc == nil {
		return
	}
	for _, id := range instanceIDs {
		b, _ := json.Marshal(&agentproto.Cancel{InvocationID: InvocationID(commandID, id)})
		if err := nc.Publish(agentproto.Subject(id, agentproto.SubjectCancel), b); err != nil {
			s.log.Warn("send cancellation", "command_id", commandID, "instance_id", id, "err", err)
		}
	}
}

// resendCancels repeats the cancellation of a command's invocations whose
// agents have not confirmed it, for agents that were away.
func (d *dispatcher) resendCancels(ctx context.Context, c *Command, now time.Time) error {
	d.mu.Lock()
	last := d.cancelsSent[c.ID]
	if now.Sub(last) < cancelRepeat {
		d.mu.Unlock()
		return nil
	}
	d.cancelsSent[c.ID] = now
	d.mu.Unlock()
	if last.IsZero() {
		return nil // CancelCommand just sent them
	}
	invs, err := d.s.store.ListInvocations(ctx, c.Account, InvocationFilter{CommandID: c.ID, Status: StatusCancelling})
	if err != nil {
		return err
	}
	ids := make([]string, len(invs))
	for i, inv := range invs {
		ids[i] = inv.InstanceID
	}
	d.s.sendCancels(c.ID, ids)
	return nil
}
