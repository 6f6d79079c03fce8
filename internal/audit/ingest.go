// Copyright 2026 The kanri Authors
// SPDX-License-Identifier: Apache-2.0

package audit

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"os"
	"os/exec"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// SegmentIngester stores the events of a closed journal segment in the
// database, for a Journal that does not store them itself (see
// JournalConfig.Ingester).
type SegmentIngester interface {
	// IngestSegment stores the events of the segment file at path and
	// returns how many it stored and how many of its lines it could not
	// read. Storing a segment again stores nothing twice.
	IngestSegment(ctx context.Context, path string) (stored, unreadable int, err error)
	// Close stops the ingester.
	Close() error
}

// ServeIngest stores segments for a Journal in another process: it reads
// segment paths from in, one per line, stores each segment's events in
// st, maxBatch a transaction, and answers each on out with
// "ok STORED UNREADABLE CPU" (CPU: the seconds of CPU this process has
// used, where known) or "error MESSAGE". It returns nil when in ends
// (the journal's process closed it, or stopped).
func ServeIngest(ctx context.Context, in io.Reader, out io.Writer, st Store, log *slog.Logger, maxBatch int) error {
	if maxBatch <= 0 {
		maxBatch = 1000
	}
	sc := bufio.NewScanner(in)
	w := bufio.NewWriter(out)
	for sc.Scan() {
		path := sc.Text()
		stored, unreadable, err := storeSegment(ctx, path, st, log, maxBatch)
		if err != nil {
			fmt.Fprintf(w, "error %s\n", strings.ReplaceAll(err.Error(), "\n", " "))
		} else {
			fmt.Fprintf(w, "ok %d %d %.6f\n", stored, unreadable, processCPUSeconds())
		}
		if err := w.Flush(); err != nil {
			return fmt.Errorf("audit ingest: answer: %w", err)
		}
	}
	return sc.Err()
}

// storeSegment stores the events of one segment file, maxBatch a
// transaction.
func storeSegment(ctx context.Context, path string, st Store, log *slog.Logger, maxBatch int) (stored, unreadable int, err error) {
	events, unreadable, err := readSegment(path, log)
	if err != nil {
		return 0, 0, err
	}
	for batch := range slices.Chunk(events, maxBatch) {
		if err := st.AppendEvents(ctx, batch); err != nil {
			return stored, unreadable, fmt.Errorf("storing %d events of %s: %w", len(batch), path, err)
		}
		stored += len(batch)
	}
	return stored, unreadable, nil
}

// IngestProcess is a SegmentIngester that runs the database work in a
// child process (ServeIngest behind a command such as
// "kanri audit-ingest"), at a lower CPU priority where the system has
// one: the child takes the cores the server's requests leave idle, so
// that a round of hundreds of inserts does not queue the requests behind
// it. A child that fails or stops is started again at the next segment.
type IngestProcess struct {
	command func() *exec.Cmd
	log     *slog.Logger

	running atomic.Pointer[os.Process] // the child, for Kill
	// cpu is the CPU seconds the running child last reported; cpuBefore
	// those of the children before it. Bits of float64s.
	cpu, cpuBefore atomic.Uint64

	mu   sync.Mutex
	cmd  *exec.Cmd
	in   io.WriteCloser
	out  *bufio.Reader
	exit chan struct{} // closed when cmd has exited
}

// ingestNice is how much lower than the server's the ingest process's CPU
// priority is (a nice value, where supported).
const ingestNice = 10

// NewIngestProcess returns an IngestProcess that starts its child with
// command (whose stdin and stdout it sets); the child is started at the
// first segment.
func NewIngestProcess(command func() *exec.Cmd, log *slog.Logger) *IngestProcess {
	if log == nil {
		log = slog.Default()
	}
	return &IngestProcess{command: command, log: log}
}

// IngestSegment asks the child to store the segment at path and waits
// for its answer.
func (p *IngestProcess) IngestSegment(ctx context.Context, path string) (stored, unreadable int, err error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.cmd == nil {
		if err := p.start(); err != nil {
			return 0, 0, err
		}
	}
	if _, err := io.WriteString(p.in, path+"\n"); err != nil {
		p.stop()
		return 0, 0, fmt.Errorf("audit ingest process: %w", err)
	}
	line, err := p.out.ReadString('\n')
	if err != nil {
		p.stop()
		return 0, 0, fmt.Errorf("audit ingest process stopped: %w", err)
	}
	line = strings.TrimSuffix(line, "\n")
	if msg, ok := strings.CutPrefix(line, "error "); ok {
		return 0, 0, fmt.Errorf("audit ingest process: %s", msg)
	}
	f := strings.Fields(line)
	if len(f) == 4 && f[0] == "ok" {
		s, err1 := strconv.Atoi(f[1])
		u, err2 := strconv.Atoi(f[2])
		cpu, err3 := strconv.ParseFloat(f[3], 64)
		if err1 == nil && err2 == nil && err3 == nil {
			p.cpu.Store(math.Float64bits(cpu))
			return s, u, nil
		}
	}
	p.stop()
	return 0, 0, fmt.Errorf("audit ingest process: unexpected answer %q", line)
}

// start starts the child. Called with mu held.
func (p *IngestProcess) start() error {
	cmd := p.command()
	in, err := cmd.StdinPipe()
	if err != nil {
		return fmt.Errorf("audit ingest process: %w", err)
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		in.Close()
		return fmt.Errorf("audit ingest process: %w", err)
	}
	if err := startNiced(cmd, ingestNice); err != nil {
		in.Close()
		return fmt.Errorf("audit ingest process: start: %w", err)
	}
	exit := make(chan struct{})
	go func() {
		err := cmd.Wait()
		if err != nil {
			p.log.Warn("audit ingest process exited", "pid", cmd.Process.Pid, "err", err)
		}
		close(exit)
	}()
	p.cmd, p.in, p.out, p.exit = cmd, in, bufio.NewReader(out), exit
	p.running.Store(cmd.Process)
	p.log.Info("audit ingest process started", "pid", cmd.Process.Pid)
	return nil
}

// stop ends the child: it closes its input, which it takes as the end,
// and kills it if it has not exited after a while. Called with mu held.
func (p *IngestProcess) stop() {
	if p.cmd == nil {
		return
	}
	p.in.Close()
	select {
	case <-p.exit:
	case <-time.After(5 * time.Second):
		p.cmd.Process.Kill()
		<-p.exit
	}
	p.cmd, p.in, p.out, p.exit = nil, nil, nil, nil
	p.running.Store(nil)
	p.cpuBefore.Store(math.Float64bits(math.Float64frombits(p.cpuBefore.Load()) + math.Float64frombits(p.cpu.Swap(0))))
}

// CPUSeconds returns the CPU time the ingest processes have used, as
// far as they have reported it (after each segment).
func (p *IngestProcess) CPUSeconds() float64 {
	return math.Float64frombits(p.cpuBefore.Load()) + math.Float64frombits(p.cpu.Load())
}

// Close stops the child, if it runs.
func (p *IngestProcess) Close() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.stop()
	return nil
}

// Kill kills the child, if it runs, as a crash would; the next segment
// starts another. For tests.
func (p *IngestProcess) Kill() error {
	proc := p.running.Load()
	if proc == nil {
		return errors.New("audit ingest process: not running")
	}
	return proc.Kill()
}

// PID returns the running child's process ID, or 0 when none runs.
func (p *IngestProcess) PID() int {
	if proc := p.running.Load(); proc != nil {
		return proc.Pid
	}
	return 0
}

// IngestProcessSupported reports whether an ingest process can run here
// at a lower priority than the server; elsewhere the journal stores in
// its own process.
func IngestProcessSupported() bool { return runtime.GOOS == "linux" }
