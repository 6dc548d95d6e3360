// Package ipv4 is AF_INET on the loopback: TCP (SOCK_STREAM) and UDP
// (SOCK_DGRAM) between sockets of this machine, addressed 127.0.0.0/8.
// Linux: net/ipv4/af_inet.c (inet_create, inet_bind, inet_listen,
// inet_stream_connect, inet_accept, inet_getname, inet_shutdown),
// inet_connection_sock.c (inet_csk_get_port, inet_csk_accept),
// inet_hashtables.c, tcp.c, tcp_input.c, tcp_ipv4.c, udp.c,
// datagram.c, ip_sockglue.c.
//
// What is modelled and what is not (docs/sockets.md §10): gokern has no
// network device, no IP layer and no segments. A connect finds its
// listener in the table of sockets and makes the accepted socket at
// once; the bytes of a connection go, as AF_UNIX's do, from the
// sender's sendmsg straight onto the peer's receive queue; a datagram
// goes onto the receiving socket's queue with its source address. What
// Linux's segments would tell the other end is told directly, with the
// same result a program sees on lo: a FIN is RCV_SHUTDOWN and EOF, a
// RST is ECONNRESET (or EPIPE in CLOSE_WAIT, ECONNREFUSED to a connect),
// an ICMP port unreachable is ECONNREFUSED on a connected UDP socket.
// The only addresses are 127.0.0.0/8 (every one of them local, as on lo)
// and the wildcard; any other destination is -ENETUNREACH, as with no
// route. No TIME_WAIT, no retransmission, no window, no MSG_OOB.
//
// Locking: one sleeping lock, inet_lock (inet_hashtables.go), guards
// every AF_INET socket's state, peer, queues and the table of sockets,
// as unix_table_lock does for AF_UNIX. Messages are freed
// (net.Kfree_skb) with it released.
package ipv4

import (
	"sync/atomic"
	"unsafe"

	"gokern/fs"
	"gokern/include/uapi"
	"gokern/kernel/sched"
	"gokern/mm"
	"gokern/mm/slab"
	"gokern/net"
)

// TCP's states (include/net/tcp_states.h); net has the three every
// family uses.
const (
	TCP_ESTABLISHED = 1
	TCP_SYN_SENT    = 2
	TCP_SYN_RECV    = 3
	TCP_FIN_WAIT1   = 4
	TCP_FIN_WAIT2   = 5
	TCP_TIME_WAIT   = 6
	TCP_CLOSE       = 7
	TCP_CLOSE_WAIT  = 8
	TCP_LAST_ACK    = 9
	TCP_LISTEN      = 10
	TCP_CLOSING     = 11
)

// Inet_sock is struct inet_sock with what struct tcp_sock and
// inet_connection_sock keep that a loopback connection needs.
// Addresses are in host byte order.
type Inet_sock struct {
	Sk net.Sock // first: a *Sock of AF_INET is an *Inet_sock
	// Inet_saddr: the source address of what this socket sends;
	// Inet_rcv_saddr: the address it is bound to (0: any).
	Inet_saddr     uint32
	Inet_rcv_saddr uint32
	Inet_daddr     uint32
	// Inet_num: the local port, 0 while unbound; Inet_dport: the peer's.
	Inet_num   uint16
	Inet_dport uint16
	// IPPROTO_IP options.
	Tos     uint8
	Uc_ttl  int16 // -1: the default, 64
	Mc_ttl  uint8
	Mc_loop bool
	Recverr bool
	// IPPROTO_TCP options (struct tcp_sock): Nonagle's TCP_NAGLE_* bits,
	// the keepalive settings in seconds (0: the default), ...
	Nonagle          uint8
	Keepalive_time   int32
	Keepalive_intvl  int32
	Keepalive_probes int32
	Syn_retries      int32
	Linger2          int32
	User_timeout     int32
	// Peer: a TCP connection's other end, referenced.
	Peer *Inet_sock
	// A listener's accept queue (icsk_accept_queue) of connections
	// made and not yet accepted, and the connectors waiting for room in
	// it (Linux: SYNs dropped on a full queue and sent again);
	// Qnext links both. Listener: the listener a waiting connector is
	// queued on, referenced.
	Accept_head, Accept_tail *Inet_sock
	Acceptq_len              uint32
	Syn_head, Syn_tail       *Inet_sock
	Qnext                    *Inet_sock
	Listener                 *Inet_sock
	// Next, Prev: the table of every AF_INET socket (inet_hashtables.go;
	// gk-sockets walks it).
	Next, Prev *Inet_sock
}

func inet_sk(sk *net.Sock) *Inet_sock { return (*Inet_sock)(unsafe.Pointer(sk)) }

// Nonagle bits (include/net/tcp.h).
const (
	TCP_NAGLE_OFF  = 1
	TCP_NAGLE_CORK = 2
	TCP_NAGLE_PUSH = 4
)

// Inet_nr_socks counts the Inet_socks allocated.
var Inet_nr_socks int64

var inet_sock_cachep slab.Cache[Inet_sock]

var inet_family_ops = net.Net_proto_family{Family: uapi.AF_INET, Create: Inet_create}

// Inet_stream_ops and Inet_dgram_ops (Linux inet_stream_ops,
// inet_dgram_ops): TCP's and UDP's calls.
var Inet_stream_ops = net.Proto_ops{
	Family: uapi.AF_INET, Release: Inet_release, Bind: Inet_bind, Connect: Inet_stream_connect,
	Accept: Inet_accept, Getname: Inet_getname, Poll: Tcp_poll, Ioctl: Inet_ioctl,
	Listen: Inet_listen, Shutdown: Inet_shutdown, Sendmsg: Tcp_sendmsg, Recvmsg: Tcp_recvmsg,
	Setsockopt: Tcp_setsockopt, Getsockopt: Tcp_getsockopt,
}

var Inet_dgram_ops = net.Proto_ops{
	Family: uapi.AF_INET, Release: Inet_release, Bind: Inet_bind, Connect: Inet_dgram_connect,
	Getname: Inet_getname, Poll: Udp_poll, Ioctl: Inet_ioctl,
	Shutdown: Inet_shutdown, Sendmsg: Udp_sendmsg, Recvmsg: Udp_recvmsg,
	Setsockopt: Udp_setsockopt, Getsockopt: Udp_getsockopt,
}

// Inet_init makes AF_INET's cache and registers the family (Linux
// inet_init, an fs_initcall). The socket layer's caches come from
// af_unix_init, which runs first.
func Inet_init() int {
	if inet_sock_cachep = slab.NewCache[Inet_sock]("INET", 0); inet_sock_cachep.Cachep == nil {
		return -uapi.ENOMEM
	}
	if err := Devinet_init(); err != 0 {
		return err
	}
	return net.Sock_register(&inet_family_ops)
}

// TCP's default buffers (net.ipv4.tcp_wmem[1], tcp_rmem[1]), which Linux
// puts in a new TCP socket's sk_sndbuf and sk_rcvbuf (tcp_init_sock).
const (
	TCP_WMEM_DEFAULT = 16384
	TCP_RMEM_DEFAULT = 131072
)

// IPPROTO_MAX: protocols are below it (include/uapi/linux/in.h).
const IPPROTO_MAX = 263

// inet_sock_destruct frees a sock whose last reference went (Linux
// inet_sock_destruct, sk_prot_free).
func inet_sock_destruct(sk *net.Sock) {
	inet := inet_sk(sk)
	*inet = Inet_sock{}
	inet_sock_cachep.Free(inet)
	atomic.AddInt64(&Inet_nr_socks, -1)
}

// inet_sk_alloc makes a sock for sock (nil: a connection's accepted end,
// made at connect time), in the table.
func inet_sk_alloc(sock *net.Socket, typ uint16, protocol uint16) *Inet_sock {
	inet := inet_sock_cachep.Zalloc(mm.GFP_KERNEL | mm.X__GFP_NOWARN)
	if inet == nil {
		return nil
	}
	atomic.AddInt64(&Inet_nr_socks, 1)
	net.Sock_init_data(sock, &inet.Sk, uapi.AF_INET, typ)
	inet.Sk.Sk_protocol = protocol
	inet.Sk.Sk_destruct = inet_sock_destruct
	inet.Uc_ttl = -1
	inet.Mc_ttl = 1
	inet.Mc_loop = true
	if typ == uapi.SOCK_STREAM {
		inet.Sk.Sk_sndbuf = TCP_WMEM_DEFAULT
		inet.Sk.Sk_rcvbuf = TCP_RMEM_DEFAULT
	}
	inet_lock()
	inet_table_add(inet)
	inet_unlock()
	return inet
}

// Inet_create is socket(AF_INET, ...) (Linux inet_create): SOCK_STREAM
// is TCP, SOCK_DGRAM UDP, protocol 0 or theirs. gokern has no raw or
// ping sockets: SOCK_RAW is -ESOCKTNOSUPPORT, as a type with no protocol
// registered is, and SOCK_DGRAM with IPPROTO_ICMP -EPROTONOSUPPORT.
func Inet_create(sock *net.Socket, protocol int, kern bool) int {
	if protocol < 0 || protocol >= IPPROTO_MAX {
		return -uapi.EINVAL
	}
	var proto uint16
	switch sock.Type {
	case uapi.SOCK_STREAM:
		if protocol != 0 && protocol != uapi.IPPROTO_TCP {
			return -uapi.EPROTONOSUPPORT
		}
		proto = uapi.IPPROTO_TCP
		sock.Ops = &Inet_stream_ops
	case uapi.SOCK_DGRAM:
		if protocol != 0 && protocol != uapi.IPPROTO_UDP {
			return -uapi.EPROTONOSUPPORT
		}
		proto = uapi.IPPROTO_UDP
		sock.Ops = &Inet_dgram_ops
	default:
		return -uapi.ESOCKTNOSUPPORT
	}
	if inet_sk_alloc(sock, uint16(sock.Type), proto) == nil {
		sock.Ops = nil
		return -uapi.ENOMEM
	}
	return 0
}

// Inet_release is close(2)'s end of a socket (Linux inet_release →
// tcp_close or udp_lib_close).
func Inet_release(sock *net.Socket) int {
	sk := sock.Sk
	if sk == nil {
		return 0
	}
	sock.Sk = nil
	if sk.Sk_type == uapi.SOCK_STREAM {
		Tcp_close(inet_sk(sk))
	} else {
		udp_lib_close(inet_sk(sk))
	}
	return 0
}

// sockaddr_in views an address the caller gave.
func sockaddr_in(addr []byte) *uapi.Sockaddr_in {
	return (*uapi.Sockaddr_in)(unsafe.Pointer(unsafe.SliceData(addr)))
}

func ntohs(b [2]byte) uint16 { return uint16(b[0])<<8 | uint16(b[1]) }
func ntohl(b [4]byte) uint32 {
	return uint32(b[0])<<24 | uint32(b[1])<<16 | uint32(b[2])<<8 | uint32(b[3])
}

// Inet_fill_addr writes addr:port as a sockaddr_in and returns its length.
func Inet_fill_addr(p unsafe.Pointer, addr uint32, port uint16) int {
	sin := (*uapi.Sockaddr_in)(p)
	*sin = uapi.Sockaddr_in{Sin_family: uapi.AF_INET}
	sin.Sin_port = [2]byte{byte(port >> 8), byte(port)}
	sin.Sin_addr = [4]byte{byte(addr >> 24), byte(addr >> 16), byte(addr >> 8), byte(addr)}
	return int(unsafe.Sizeof(*sin))
}

// CAP_NET_BIND_SERVICE: binding a port below 1024
// (include/uapi/linux/capability.h; net.ipv4.ip_unprivileged_port_start).
const (
	CAP_NET_BIND_SERVICE = 10
	PROT_SOCK            = 1024
)

// Inet_bind is bind(2) (Linux inet_bind → __inet_bind): a sockaddr_in of
// a local address (127.0.0.0/8, the wildcard; a multicast or broadcast
// address as Linux allows them) and a port, 0 for an ephemeral one.
// -EADDRNOTAVAIL for another address, -EADDRINUSE for a port taken,
// -EINVAL for a socket already bound.
func Inet_bind(sock *net.Socket, addr []byte) int {
	if len(addr) < int(unsafe.Sizeof(uapi.Sockaddr_in{})) {
		return -uapi.EINVAL
	}
	sin := sockaddr_in(addr)
	a := ntohl(sin.Sin_addr)
	if sin.Sin_family != uapi.AF_INET {
		// Compatibility: AF_UNSPEC with INADDR_ANY is AF_INET.
		if sin.Sin_family != uapi.AF_UNSPEC || a != uapi.INADDR_ANY {
			return -uapi.EAFNOSUPPORT
		}
	}
	if a != uapi.INADDR_ANY && inet_addr_type(a) == RTN_UNICAST {
		return -uapi.EADDRNOTAVAIL
	}
	snum := ntohs(sin.Sin_port)
	if snum != 0 && snum < PROT_SOCK && !sched.Capable(CAP_NET_BIND_SERVICE) {
		return -uapi.EACCES
	}
	inet := inet_sk(sock.Sk)
	inet_lock()
	err := inet_bind_locked(inet, a, snum)
	inet_unlock()
	return err
}

func inet_bind_locked(inet *Inet_sock, a uint32, snum uint16) int {
	sk := &inet.Sk
	if sk.Sk_state != TCP_CLOSE || inet.Inet_num != 0 {
		return -uapi.EINVAL
	}
	inet.Inet_rcv_saddr, inet.Inet_saddr = a, a
	if inet_addr_type(a) != RTN_LOCAL {
		inet.Inet_saddr = 0 // a multicast or broadcast bind sends from the route's address
	}
	if err := Inet_csk_get_port(inet, snum); err != 0 {
		inet.Inet_rcv_saddr, inet.Inet_saddr = 0, 0
		return err
	}
	if a != 0 {
		sk.Sk_userlocks |= net.SOCK_BINDADDR_LOCK
	}
	if snum != 0 {
		sk.Sk_userlocks |= net.SOCK_BINDPORT_LOCK
	}
	inet.Inet_dport, inet.Inet_daddr = 0, 0
	return 0
}

// Inet_getname is getsockname and getpeername (Linux inet_getname): a
// sockaddr_in; the peer's of a socket not connected is -ENOTCONN.
func Inet_getname(sock *net.Socket, addr *uapi.Sockaddr_storage, peer bool) int {
	inet := inet_sk(sock.Sk)
	inet_lock()
	n := inet_getname_locked(inet, addr, peer)
	inet_unlock()
	return n
}

func inet_getname_locked(inet *Inet_sock, addr *uapi.Sockaddr_storage, peer bool) int {
	if peer {
		st := inet.Sk.Sk_state
		if inet.Inet_dport == 0 || st == TCP_CLOSE || st == TCP_SYN_SENT {
			return -uapi.ENOTCONN
		}
		return Inet_fill_addr(unsafe.Pointer(addr), inet.Inet_daddr, inet.Inet_dport)
	}
	a := inet.Inet_rcv_saddr
	if a == 0 {
		a = inet.Inet_saddr
	}
	return Inet_fill_addr(unsafe.Pointer(addr), a, inet.Inet_num)
}

// Inet_shutdown is shutdown(2) (Linux inet_shutdown): a socket not
// connected is -ENOTCONN (its bits set all the same, to wake pollers);
// a listener shut down for reading stops listening; TCP sends its FIN
// (tcp_shutdown).
func Inet_shutdown(sock *net.Socket, how int) int {
	if how < uapi.SHUT_RD || how > uapi.SHUT_RDWR {
		return -uapi.EINVAL
	}
	mode := uint8(how + 1)
	inet := inet_sk(sock.Sk)
	sk := &inet.Sk
	err := 0
	inet_lock()
	if sock.State == net.SS_CONNECTING {
		st := sk.Sk_state
		if st == TCP_SYN_SENT || st == TCP_SYN_RECV || st == TCP_CLOSE {
			sock.State = net.SS_DISCONNECTING
		} else {
			sock.State = net.SS_CONNECTED
		}
	}
	var done net.Sk_buff_head
	switch sk.Sk_state {
	case TCP_CLOSE:
		err = -uapi.ENOTCONN
		sk.Sk_shutdown |= mode
	case TCP_LISTEN:
		if mode&net.RCV_SHUTDOWN != 0 {
			tcp_disconnect(inet, &done)
			sock.State = net.SS_UNCONNECTED
		}
	case TCP_SYN_SENT:
		tcp_disconnect(inet, &done)
		sock.State = net.SS_UNCONNECTED
	default:
		sk.Sk_shutdown |= mode
		if sk.Sk_type == uapi.SOCK_STREAM && mode&net.SEND_SHUTDOWN != 0 {
			tcp_shutdown(inet)
		}
	}
	inet_unlock()
	net.Skb_queue_purge(&done)
	sched.Wake_up_interruptible(&sk.Sk_wq)
	return err
}

// Inet_ioctl: SIOCINQ (FIONREAD), the bytes a read would see (TCP's
// unread bytes, the next datagram's length), and SIOCOUTQ, the bytes
// not yet acknowledged: none on the loopback, where what was sent is
// on the peer's queue (Linux tcp_ioctl, udp_ioctl). The address
// ioctls of the interfaces go to Devinet_ioctl (Linux inet_ioctl);
// the rest to the socket layer's (-ENOIOCTLCMD: net.Dev_ioctl).
func Inet_ioctl(sock *net.Socket, cmd uint32, arg uintptr) int64 {
	sk := sock.Sk
	var n int32
	switch cmd {
	case uapi.SIOCGIFADDR, uapi.SIOCGIFBRDADDR, uapi.SIOCGIFNETMASK, uapi.SIOCGIFDSTADDR, uapi.SIOCGIFPFLAGS,
		uapi.SIOCSIFADDR, uapi.SIOCSIFBRDADDR, uapi.SIOCSIFNETMASK, uapi.SIOCSIFDSTADDR, uapi.SIOCSIFPFLAGS,
		uapi.SIOCSIFFLAGS:
		return Devinet_ioctl(cmd, arg)
	case uapi.SIOCINQ:
		inet_lock()
		if sk.Sk_type == uapi.SOCK_STREAM {
			if sk.Sk_state == TCP_LISTEN {
				inet_unlock()
				return -uapi.EINVAL
			}
			for skb := sk.Sk_receive_queue.Head; skb != nil; skb = skb.Next {
				n += int32(skb.Len - skb.Consumed)
			}
		} else if skb := sk.Sk_receive_queue.Head; skb != nil {
			n = int32(skb.Len)
		}
		inet_unlock()
	case uapi.SIOCOUTQ:
		if sk.Sk_type == uapi.SOCK_STREAM && sk.Sk_state == TCP_LISTEN {
			return -uapi.EINVAL
		}
	default:
		return -net.ENOIOCTLCMD
	}
	return int64(fs.CopyObjToUser(arg, unsafe.Pointer(&n), 4))
}

// sk_stream_error: a send that found the connection gone: the pending
// error if there is one, else -EPIPE with SIGPIPE unless MSG_NOSIGNAL
// (Linux sk_stream_error).
func sk_stream_error(sk *net.Sock, flags uint32, err int) int {
	if err == -uapi.EPIPE {
		if e := net.Sock_error(sk); e != 0 {
			err = e
		}
	}
	if err == -uapi.EPIPE && flags&uapi.MSG_NOSIGNAL == 0 && fs.Send_sig_current != nil {
		fs.Send_sig_current(uapi.SIGPIPE)
	}
	return err
}
