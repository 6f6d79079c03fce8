// Copyright 2026 The kanri Authors
// SPDX-License-Identifier: Apache-2.0

package command

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/kanri-dev/kanri/internal/agentproto"
	"github.com/kanri-dev/kanri/internal/awserr"
)

// outputs stores the whole output agents stream. A stream that is one
// chunk is stored at once; a longer one is stored part by part (each part
// may reach any server) and joined when its last part arrives.
type outputs struct {
	s       *Service
	planFor func(ctx context.Context, c *Command) *plan

	mu       sync.Mutex
	commands map[string]*Command // recent commands, by ID
}

// partWait bounds how long the server that receives a stream's last part
// waits for the earlier parts, which other servers may still be storing.
const partWait = 30 * time.Second

func newOutputs(s *Service, planFor func(ctx context.Context, c *Command) *plan) *outputs {
	return &outputs{s: s, planFor: planFor, commands: map[string]*Command{}}
}

// command returns a command, cached.
func (o *outputs) command(ctx context.Context, id string) (*Command, error) {
	o.mu.Lock()
	c := o.commands[id]
	o.mu.Unlock()
	if c != nil {
		return c, nil
	}
	c, err := o.s.store.GetCommand(ctx, id)
	if err != nil {
		return nil, err
	}
	o.mu.Lock()
	if len(o.commands) > 1024 {
		clear(o.commands)
	}
	o.commands[id] = c
	o.mu.Unlock()
	return c, nil
}

// onChunk stores a chunk of a step's output.
func (o *outputs) onChunk(m *nats.Msg) {
	instanceID, ok := agentproto.InstanceOf(m.Subject)
	if !ok {
		return
	}
	var ch agentproto.OutputChunk
	if err := json.Unmarshal(m.Data, &ch); err != nil {
		o.s.log.Warn("invalid output chunk", "instance_id", instanceID, "err", err)
		return
	}
	commandID, inst, ok := strings.Cut(ch.InvocationID, ":")
	if !ok || inst != instanceID || (ch.Stream != "stdout" && ch.Stream != "stderr") || !validStepName(ch.Step) || ch.Seq < 0 {
		o.s.log.Warn("output chunk refused", "instance_id", instanceID, "invocation_id", ch.InvocationID)
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), partWait+time.Minute)
	defer cancel()
	c, err := o.command(ctx, commandID)
	if err != nil {
		o.s.log.Warn("output chunk of an unknown command", "command_id", commandID, "err", err)
		return
	}
	limit := agentproto.MaxInlineStdout
	if ch.Stream == "stderr" {
		limit = agentproto.MaxInlineStderr
	}
	bucket, key := o.s.outputKey(c, instanceID, o.action(ctx, c, ch.Step), ch.Step, ch.Stream)
	if ch.Seq == 0 && ch.Final {
		// The whole stream in one chunk: keep it unless the inline
		// output holds it all and no bucket was asked for.
		if c.OutputBucket == "" && len(ch.Data) <= limit {
			return
		}
		o.put(ctx, bucket, key, ch.Data)
		return
	}
	o.put(ctx, bucket, partKey(key, ch.Seq), ch.Data)
	if ch.Final {
		go o.join(bucket, key, ch.Seq)
	}
}

func (o *outputs) put(ctx context.Context, bucket, key string, data []byte) {
	if err := o.s.blobs.Put(ctx, bucket, key, bytes.NewReader(data), int64(len(data)), "text/plain; charset=utf-8"); err != nil {
		o.s.log.Error("store command output", "bucket", bucket, "key", key, "err", err)
	}
}

// join writes parts 0 to last of a stream as one object and deletes them.
// Parts stored by other servers may still be on their way: each is waited
// for, up to partWait in all.
func (o *outputs) join(bucket, key string, last int) {
	ctx, cancel := context.WithTimeout(context.Background(), partWait+5*time.Minute)
	defer cancel()
	deadline := time.Now().Add(partWait)
	pr, pw := io.Pipe()
	go func() {
		for seq := 0; seq <= last; seq++ {
			r, err := o.s.blobs.Get(ctx, bucket, partKey(key, seq))
			for errors.Is(err, awserr.NotFound) && time.Now().Before(deadline) {
				time.Sleep(100 * time.Millisecond)
				r, err = o.s.blobs.Get(ctx, bucket, partKey(key, seq))
			}
			if err != nil {
				pw.CloseWithError(fmt.Errorf("part %d: %w", seq, err))
				return
			}
			_, err = io.Copy(pw, r)
			r.Close()
			if err != nil {
				pw.CloseWithError(err)
				return
			}
		}
		pw.Close()
	}()
	if err := o.s.blobs.Put(ctx, bucket, key, pr, -1, "text/plain; charset=utf-8"); err != nil {
		pr.CloseWithError(err)
		o.s.log.Error("store command output", "bucket", bucket, "key", key, "err", err)
		return
	}
	for seq := 0; seq <= last; seq++ {
		o.s.blobs.Delete(ctx, bucket, partKey(key, seq))
	}
}

func partKey(key string, seq int) string { return fmt.Sprintf("%s.part-%08d", key, seq) }

// action returns the action of a command's step, for the output's key.
func (o *outputs) action(ctx context.Context, c *Command, step string) string {
	if p := o.planFor(ctx, c); p != nil {
		for _, st := range p.steps {
			if st.Name == step {
				return st.Action
			}
		}
	}
	return agentproto.ActionRunShellScript
}

// outputKey returns where a step's output stream is kept, laid out as
// SSM lays out S3 output: [prefix/]command/instance/plugin/step/stream.
func (s *Service) outputKey(c *Command, instanceID, action, step, stream string) (bucket, key string) {
	bucket = c.OutputBucket
	if bucket == "" {
		bucket = s.outputBucket
	}
	plugin := strings.ReplaceAll(action, ":", "")
	return bucket, instanceFolder(c, instanceID) + plugin + "/" + step + "/" + stream
}

// instanceFolder returns the key prefix, ending in "/", under which a
// command's outputs on an instance are kept.
func instanceFolder(c *Command, instanceID string) string {
	key := c.ID + "/" + instanceID + "/"
	if p := strings.Trim(c.OutputPrefix, "/"); p != "" {
		key = p + "/" + key
	}
	return key
}

// OutputURL returns the URL of the folder holding a command's outputs on
// an instance in the bucket its sender named (OutputS3BucketName), or ""
// when it named none.
func (s *Service) OutputURL(c *Command, instanceID string) string {
	if c.OutputBucket == "" {
		return ""
	}
	return s.blobs.URL(c.OutputBucket, instanceFolder(c, instanceID))
}

// validStepName reports whether a step name from an agent is safe in a
// key.
func validStepName(s string) bool {
	if s == "" || len(s) > 128 || s == "." || s == ".." {
		return false
	}
	for _, c := range s {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-' || c == '.' || c == ':') {
			return false
		}
	}
	return true
}
