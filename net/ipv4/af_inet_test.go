package ipv4

import (
	"sync/atomic"
	"testing"
	"unsafe"

	"gokern/fs"
	"gokern/include/uapi"
	"gokern/internal/fstest"
	"gokern/net"
)

// The host tests drive AF_INET below the system calls, as net's
// Sys_* do, with kernel buffers and without waiting (O_NONBLOCK,
// MSG_DONTWAIT): connections, their queues and their ends, and the
// references of socks and messages, on the simulated machine of
// internal/fstest.

func boot(t *testing.T) {
	t.Helper()
	fstest.Boot(t)
	if inet_sock_cachep.Cachep == nil {
		if err := net.Sock_init(); err != 0 {
			t.Fatalf("sock_init: %d", err)
		}
		if err := Inet_init(); err != 0 {
			t.Fatalf("inet_init: %d", err)
		}
	}
}

type counts struct{ socks, skbs int64 }

func snapshot() counts {
	return counts{atomic.LoadInt64(&Inet_nr_socks), atomic.LoadInt64(&net.Nr_skbs)}
}

func checkCounts(t *testing.T, before counts) {
	t.Helper()
	if after := snapshot(); after != before {
		t.Errorf("socks and messages %+v after, %+v before: a reference was lost or leaked", after, before)
	}
}

func socket(t *testing.T, typ int) *net.Socket {
	t.Helper()
	s, err := net.Sock_create(uapi.AF_INET, typ, 0)
	if err != 0 {
		t.Fatalf("socket(AF_INET, %d): %d", typ, err)
	}
	return s
}

func addr(a uint32, port uint16) []byte {
	var ss uapi.Sockaddr_storage
	Inet_fill_addr(unsafe.Pointer(&ss), a, port)
	return unsafe.Slice((*byte)(unsafe.Pointer(&ss)), 16)
}

func send(s *net.Socket, b []byte, to []byte) int64 {
	m := net.Msghdr{Msg_iter: fs.Iov_iter_kvec(b), Msg_flags_in: uapi.MSG_DONTWAIT | uapi.MSG_NOSIGNAL}
	if to != nil {
		var ss uapi.Sockaddr_storage
		copy(unsafe.Slice((*byte)(unsafe.Pointer(&ss)), 16), to)
		m.Msg_name, m.Msg_namelen = &ss, len(to)
	}
	return net.Sock_sendmsg(s, &m)
}

func recv(s *net.Socket, n int, flags uint32) (string, int64, *uapi.Sockaddr_in) {
	buf := make([]byte, n)
	var ss uapi.Sockaddr_storage
	m := net.Msghdr{Msg_iter: fs.Iov_iter_kvec(buf), Msg_name: &ss}
	r := net.Sock_recvmsg(s, &m, flags|uapi.MSG_DONTWAIT)
	if r < 0 {
		return "", r, nil
	}
	return string(buf[:min(int(r), n)]), r, (*uapi.Sockaddr_in)(unsafe.Pointer(&ss))
}

// listener makes a TCP socket listening on 127.0.0.1 and returns it with
// its port.
func listener(t *testing.T, backlog int) (*net.Socket, uint16) {
	t.Helper()
	l := socket(t, uapi.SOCK_STREAM)
	if err := l.Ops.Bind(l, addr(uapi.INADDR_LOOPBACK, 0)); err != 0 {
		t.Fatalf("bind: %d", err)
	}
	if err := l.Ops.Listen(l, backlog); err != 0 {
		t.Fatalf("listen: %d", err)
	}
	return l, inet_sk(l.Sk).Inet_num
}

func connect(t *testing.T, port uint16) *net.Socket {
	t.Helper()
	c := socket(t, uapi.SOCK_STREAM)
	if err := c.Ops.Connect(c, addr(uapi.INADDR_LOOPBACK, port), uapi.O_NONBLOCK); err != -uapi.EINPROGRESS {
		t.Fatalf("connect: %d, want -EINPROGRESS", err)
	}
	return c
}

func accept(t *testing.T, l *net.Socket) *net.Socket {
	t.Helper()
	a := net.Sock_alloc()
	a.Type = uapi.SOCK_STREAM
	if err := l.Ops.Accept(l, a, uapi.O_NONBLOCK); err != 0 {
		t.Fatalf("accept: %d", err)
	}
	a.Ops = l.Ops
	return a
}

// TestTcpConnection: bytes both ways in order across pieces, MSG_PEEK,
// the FIN (EOF) and every sock and message freed once both ends and the
// listener are closed, in either order.
func TestTcpConnection(t *testing.T) {
	boot(t)
	before := snapshot()
	for _, clientFirst := range []bool{true, false} {
		l, port := listener(t, 4)
		c := connect(t, port)
		a := accept(t, l)
		if inet_sk(c.Sk).Sk.Sk_state != TCP_ESTABLISHED || inet_sk(a.Sk).Inet_dport != inet_sk(c.Sk).Inet_num {
			t.Fatalf("connection: state %d, accepted's peer port %d, client's port %d", c.Sk.Sk_state, inet_sk(a.Sk).Inet_dport, inet_sk(c.Sk).Inet_num)
		}
		send(c, []byte("hello "), nil)
		send(c, []byte("world"), nil)
		if s, n, _ := recv(a, 4, uapi.MSG_PEEK); s != "hell" || n != 4 {
			t.Errorf("peek: %q %d", s, n)
		}
		if s, n, _ := recv(a, 100, 0); s != "hello world" {
			t.Errorf("read: %q %d, want both pieces", s, n)
		}
		if _, n, _ := recv(a, 100, 0); n != -uapi.EAGAIN {
			t.Errorf("empty read: %d, want -EAGAIN", n)
		}
		send(a, []byte("back"), nil)
		if clientFirst {
			// The client closes with "back" unread: the accepted end is
			// reset.
			net.Sock_release(c)
			if _, n, _ := recv(a, 10, 0); n != -uapi.ECONNRESET {
				t.Errorf("read after a close with data unread: %d, want -ECONNRESET", n)
			}
			net.Sock_release(a)
		} else {
			recv(c, 10, 0)
			net.Sock_release(a)
			if _, n, _ := recv(c, 10, 0); n != 0 {
				t.Errorf("read after the peer's close: %d, want 0 (EOF)", n)
			}
			if n := send(c, []byte("x"), nil); n != 1 {
				t.Errorf("first write to a closed peer: %d, want 1 (then its RST)", n)
			}
			if n := send(c, []byte("x"), nil); n != -uapi.EPIPE {
				t.Errorf("second write to a closed peer: %d, want -EPIPE", n)
			}
			net.Sock_release(c)
		}
		net.Sock_release(l)
	}
	checkCounts(t, before)
}

// TestTcpBacklog: a listener takes backlog+1 connections; the next
// waits in SYN_SENT and is connected when an accept makes room; a
// listener closed with connections waiting resets those accepted by
// nobody and refuses those waiting for room; nothing is leaked.
func TestTcpBacklog(t *testing.T) {
	boot(t)
	before := snapshot()
	l, port := listener(t, 1)
	c1, c2, c3 := connect(t, port), connect(t, port), connect(t, port)
	if c1.Sk.Sk_state != TCP_ESTABLISHED || c2.Sk.Sk_state != TCP_ESTABLISHED || c3.Sk.Sk_state != TCP_SYN_SENT {
		t.Fatalf("states %d %d %d, want two ESTABLISHED (backlog 1 takes 2) and SYN_SENT", c1.Sk.Sk_state, c2.Sk.Sk_state, c3.Sk.Sk_state)
	}
	a1 := accept(t, l)
	if c3.Sk.Sk_state != TCP_ESTABLISHED {
		t.Errorf("after an accept the waiting connector is in state %d, want ESTABLISHED", c3.Sk.Sk_state)
	}
	c4 := connect(t, port)
	net.Sock_release(l)
	if e := net.Sock_error(c2.Sk); e != -uapi.ECONNRESET {
		t.Errorf("unaccepted connection after its listener closed: error %d, want -ECONNRESET", e)
	}
	if e := net.Sock_error(c4.Sk); e != -uapi.ECONNREFUSED {
		t.Errorf("connector waiting for room after its listener closed: error %d, want -ECONNREFUSED", e)
	}
	for _, s := range []*net.Socket{c1, c2, c3, c4, a1} {
		net.Sock_release(s)
	}
	checkCounts(t, before)
}

// TestPorts: bind's conflicts and SO_REUSEADDR, the ephemeral range,
// and a refused connect.
func TestPorts(t *testing.T) {
	boot(t)
	before := snapshot()
	a, b := socket(t, uapi.SOCK_STREAM), socket(t, uapi.SOCK_STREAM)
	if err := a.Ops.Bind(a, addr(0, 0)); err != 0 {
		t.Fatalf("bind(0.0.0.0:0): %d", err)
	}
	p := inet_sk(a.Sk).Inet_num
	if p < IP_LOCAL_PORT_LOW || p > IP_LOCAL_PORT_HIGH || p&1 == 0 {
		t.Errorf("ephemeral port %d: want an odd one in %d-%d", p, IP_LOCAL_PORT_LOW, IP_LOCAL_PORT_HIGH)
	}
	if err := b.Ops.Bind(b, addr(uapi.INADDR_LOOPBACK, p)); err != -uapi.EADDRINUSE {
		t.Errorf("bind of a port taken on the wildcard: %d, want -EADDRINUSE", err)
	}
	net.Sock_set_flag(a.Sk, net.SOCK_REUSEADDR)
	net.Sock_set_flag(b.Sk, net.SOCK_REUSEADDR)
	if err := b.Ops.Bind(b, addr(uapi.INADDR_LOOPBACK, p)); err != 0 {
		t.Errorf("bind with SO_REUSEADDR on both: %d", err)
	}
	if err := a.Ops.Listen(a, 1); err != 0 {
		t.Errorf("listen: %d", err)
	}
	if err := b.Ops.Listen(b, 1); err != -uapi.EADDRINUSE {
		t.Errorf("listen beside a listener on the port: %d, want -EADDRINUSE", err)
	}
	if err := b.Ops.Bind(b, addr(0, 0)); err != -uapi.EINVAL {
		t.Errorf("second bind: %d, want -EINVAL", err)
	}
	c := socket(t, uapi.SOCK_STREAM)
	if err := c.Ops.Bind(c, addr(0x0a010203, 0)); err != -uapi.EADDRNOTAVAIL {
		t.Errorf("bind(10.1.2.3): %d, want -EADDRNOTAVAIL", err)
	}
	net.Sock_release(a)
	if err := c.Ops.Connect(c, addr(uapi.INADDR_LOOPBACK, p), 0); err != -uapi.ECONNREFUSED {
		t.Errorf("connect to a port nobody listens on: %d, want -ECONNREFUSED", err)
	}
	if err := c.Ops.Connect(c, addr(0x0a010203, 80), 0); err != -uapi.ENETUNREACH {
		t.Errorf("connect(10.1.2.3): %d, want -ENETUNREACH", err)
	}
	net.Sock_release(b)
	net.Sock_release(c)
	checkCounts(t, before)
}

// TestUdp: datagrams with their source, a connected socket taking its
// peer's alone, and the port unreachable a connected sender reads on its
// next call.
func TestUdp(t *testing.T) {
	boot(t)
	before := snapshot()
	r, s, o := socket(t, uapi.SOCK_DGRAM), socket(t, uapi.SOCK_DGRAM), socket(t, uapi.SOCK_DGRAM)
	r.Ops.Bind(r, addr(uapi.INADDR_LOOPBACK, 0))
	rp := inet_sk(r.Sk).Inet_num
	if n := send(s, []byte("one"), addr(uapi.INADDR_LOOPBACK, rp)); n != 3 {
		t.Fatalf("sendto: %d", n)
	}
	sp := inet_sk(s.Sk).Inet_num
	if sp == 0 {
		t.Fatalf("the sender was not bound by its sendto")
	}
	str, n, from := recv(r, 2, uapi.MSG_TRUNC)
	if str != "on" || n != 3 || ntohs(from.Sin_port) != sp || ntohl(from.Sin_addr) != uapi.INADDR_LOOPBACK {
		t.Errorf("recvfrom: %q %d from %v, want \"on\" 3 from 127.0.0.1:%d", str, n, from, sp)
	}
	r.Ops.Connect(r, addr(uapi.INADDR_LOOPBACK, sp), 0)
	send(o, []byte("other"), addr(uapi.INADDR_LOOPBACK, rp))
	send(s, []byte("peer"), addr(uapi.INADDR_LOOPBACK, rp))
	if str, _, _ := recv(r, 10, 0); str != "peer" {
		t.Errorf("connected socket read %q, want its peer's datagram", str)
	}
	if _, n, _ := recv(r, 10, 0); n != -uapi.EAGAIN {
		t.Errorf("connected socket read %d, want -EAGAIN (the other sender's datagram went elsewhere)", n)
	}
	net.Sock_release(o) // o's datagram was dropped: no socket took it
	s.Ops.Connect(s, addr(uapi.INADDR_LOOPBACK, 9), 0)
	if n := send(s, []byte("x"), nil); n != 1 {
		t.Errorf("send to a port nobody has: %d, want 1", n)
	}
	if _, n, _ := recv(s, 10, 0); n != -uapi.ECONNREFUSED {
		t.Errorf("next call after the port unreachable: %d, want -ECONNREFUSED", n)
	}
	send(s, []byte("queued"), addr(uapi.INADDR_LOOPBACK, rp)) // left unread
	net.Sock_release(r)
	net.Sock_release(s)
	checkCounts(t, before)
}
