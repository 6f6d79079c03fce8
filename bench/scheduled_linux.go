// Copyright 2026 The kanri Authors
// SPDX-License-Identifier: Apache-2.0

package bench

import (
	"bytes"
	"fmt"
	"net"
	"net/url"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

// scheduled runs n calls at rate calls per second over clients keep-alive
// connections and returns each call's latency, counted from when it was
// due. Connection k carries calls k, k+clients, k+2·clients…, call i being
// due at start + i/rate; a call due while its connection still waits for
// an answer is sent when the answer is in, and charged the wait.
//
// One thread drives every connection with epoll, as wrk2 does: it sends
// what is due, then sleeps in epoll_pwait2 until an answer arrives or the
// next call is due (to the nanosecond). A goroutine per connection
// sleeping on a timer costs the shared cores several times more in
// wake-ups and scheduling, taken from the server it measures.
func scheduled(b *testing.B, clients, n int, rate float64, c Call) Result {
	b.Helper()
	u, err := url.Parse(c.Endpoint)
	if err != nil || u.Scheme != "http" {
		b.Fatalf("bench: endpoint %q: want http://host:port", c.Endpoint)
	}
	addr, err := net.ResolveTCPAddr("tcp4", u.Host)
	if err != nil {
		b.Fatalf("bench: %v", err)
	}
	req := newSignedRequest(&c)

	epfd, err := unix.EpollCreate1(unix.EPOLL_CLOEXEC)
	if err != nil {
		b.Fatalf("bench: epoll: %v", err)
	}
	defer unix.Close(epfd)
	conns := make([]scheduledConn, clients)
	for k := range conns {
		fd, err := dialNonblocking(addr)
		if err != nil {
			b.Fatalf("bench: dial %s: %v", addr, err)
		}
		defer unix.Close(fd)
		conns[k] = scheduledConn{fd: fd, next: k, buf: make([]byte, 0, 4096)}
		ev := unix.EpollEvent{Events: unix.EPOLLIN | unix.EPOLLRDHUP}
		ev.Fd = int32(k) // the event carries the connection's index
		if err := unix.EpollCtl(epfd, unix.EPOLL_CTL_ADD, fd, &ev); err != nil {
			b.Fatalf("bench: epoll_ctl: %v", err)
		}
	}

	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	lat := make([]time.Duration, n)
	due := func(i int) time.Duration { return time.Duration(float64(i) / rate * float64(time.Second)) }
	events := make([]unix.EpollEvent, clients)
	stalls := watchStalls()
	start := time.Now()
	for done := 0; done < n; {
		now := time.Since(start)
		wait := time.Duration(-1) // until an answer: no call is waiting to be due
		for k := range conns {
			cn := &conns[k]
			if cn.busy || cn.next >= n {
				continue
			}
			if d := due(cn.next); d > now {
				if wait < 0 || d-now < wait {
					wait = d - now
				}
				continue
			}
			msg, err := req.bytes(start.Add(now))
			if err == nil {
				err = writeAll(cn.fd, msg)
			}
			if err != nil {
				b.Fatalf("bench: sending call %d: %v", cn.next, err)
			}
			cn.busy = true
		}
		ready, err := epollWait(epfd, events, wait)
		if err != nil {
			b.Fatalf("bench: epoll_pwait2: %v", err)
		}
		for _, ev := range events[:ready] {
			cn := &conns[ev.Fd]
			complete, err := cn.read()
			if err == nil && complete {
				status, body, _, _ := parseAnswer(cn.buf)
				err = c.check(status, body)
			}
			if err != nil {
				b.Fatalf("bench: call %d: %v", cn.next, err)
			}
			if complete {
				lat[cn.next] = time.Since(start) - due(cn.next)
				cn.busy, cn.buf = false, cn.buf[:0]
				cn.next += clients
				done++
			}
		}
	}
	elapsed := time.Since(start)
	r := summarize(lat, elapsed)
	r.Stalls = stalls.end()
	return r
}

// scheduledConn is one connection of a scheduled load: its next call and
// whether that call is waiting for its answer, read so far into buf.
type scheduledConn struct {
	fd   int
	next int
	busy bool
	buf  []byte
}

// read reads what the connection has and reports whether buf now holds a
// whole answer.
func (cn *scheduledConn) read() (bool, error) {
	for {
		if len(cn.buf) == cap(cn.buf) {
			cn.buf = append(cn.buf, 0)[:len(cn.buf)]
		}
		m, err := unix.Read(cn.fd, cn.buf[len(cn.buf):cap(cn.buf)])
		if err == unix.EINTR {
			continue
		}
		if err == unix.EAGAIN {
			break
		}
		if err != nil {
			return false, err
		}
		if m == 0 {
			return false, fmt.Errorf("the server closed the connection (%d bytes of an answer read)", len(cn.buf))
		}
		cn.buf = cn.buf[:len(cn.buf)+m]
		if len(cn.buf) < cap(cn.buf) {
			break
		}
	}
	if !cn.busy {
		return false, fmt.Errorf("an answer no call asked for: %.200q", cn.buf)
	}
	_, _, ok, err := parseAnswer(cn.buf)
	return ok, err
}

// parseAnswer parses an HTTP/1.1 answer with a Content-Length: its status
// and body, and whether buf holds all of it.
func parseAnswer(buf []byte) (status int, body []byte, complete bool, err error) {
	end := bytes.Index(buf, []byte("\r\n\r\n"))
	if end < 0 {
		return 0, nil, false, nil
	}
	head := buf[:end+2]
	if len(head) < 12 || !bytes.HasPrefix(head, []byte("HTTP/1.1 ")) {
		return 0, nil, false, fmt.Errorf("not an HTTP/1.1 answer: %.200q", head)
	}
	status, err = strconv.Atoi(string(head[9:12]))
	if err != nil {
		return 0, nil, false, fmt.Errorf("status line %.100q", head)
	}
	length := -1
	for _, line := range bytes.Split(head, []byte("\r\n"))[1:] {
		name, value, ok := bytes.Cut(line, []byte(":"))
		if ok && strings.EqualFold(string(name), "Content-Length") {
			length, err = strconv.Atoi(strings.TrimSpace(string(value)))
			if err != nil {
				return 0, nil, false, fmt.Errorf("Content-Length %q", value)
			}
		}
	}
	if length < 0 {
		return 0, nil, false, fmt.Errorf("an answer without Content-Length: %.200q", head)
	}
	if len(buf) < end+4+length {
		return status, nil, false, nil
	}
	return status, buf[end+4 : end+4+length], true, nil
}

// dialNonblocking connects a TCP socket to addr (waiting for the
// connection) and returns it non-blocking, with Nagle's algorithm off as
// Go's own connections have it.
func dialNonblocking(addr *net.TCPAddr) (int, error) {
	fd, err := unix.Socket(unix.AF_INET, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return -1, err
	}
	sa := &unix.SockaddrInet4{Port: addr.Port}
	copy(sa.Addr[:], addr.IP.To4())
	if err := unix.Connect(fd, sa); err != nil {
		unix.Close(fd)
		return -1, err
	}
	if err := unix.SetsockoptInt(fd, unix.IPPROTO_TCP, unix.TCP_NODELAY, 1); err != nil {
		unix.Close(fd)
		return -1, err
	}
	if err := unix.SetNonblock(fd, true); err != nil {
		unix.Close(fd)
		return -1, err
	}
	return fd, nil
}

// writeAll writes msg to the non-blocking socket fd. A request is far
// smaller than an idle connection's send buffer, so it goes in one write;
// should it not, the rest is written as room frees up.
func writeAll(fd int, msg []byte) error {
	for len(msg) > 0 {
		m, err := unix.Write(fd, msg)
		switch {
		case err == unix.EAGAIN || err == unix.EINTR:
			runtime.Gosched()
			continue
		case err != nil:
			return err
		}
		msg = msg[m:]
	}
	return nil
}

// epollWait waits for events on epfd for up to wait (forever if negative)
// with epoll_pwait2, whose timeout has nanoseconds where epoll_wait's has
// milliseconds.
func epollWait(epfd int, events []unix.EpollEvent, wait time.Duration) (int, error) {
	var ts *unix.Timespec
	if wait >= 0 {
		t := unix.NsecToTimespec(int64(wait))
		ts = &t
	}
	for {
		r, _, errno := unix.Syscall6(unix.SYS_EPOLL_PWAIT2, uintptr(epfd), uintptr(unsafe.Pointer(&events[0])),
			uintptr(len(events)), uintptr(unsafe.Pointer(ts)), 0, 0)
		if errno == unix.EINTR {
			continue
		}
		if errno != 0 {
			return 0, errno
		}
		return int(r), nil
	}
}
