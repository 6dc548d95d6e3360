package ipv4

import (
	"sync/atomic"

	"gokern/include/uapi"
	"gokern/kernel/sched"
	ktime "gokern/kernel/time"
	"gokern/net"
)

// The table of sockets, ports and routes. Linux: net/ipv4/
// inet_hashtables.c (the bind, listening and established hashes,
// __inet_hash_connect), inet_connection_sock.c (inet_csk_get_port,
// inet_csk_bind_conflict, inet_csk_find_open_port), udp.c
// (udp_lib_get_port, __udp4_lib_lookup), route.c and fib_frontend.c
// (the loopback's routes). gokern keeps one list of every AF_INET
// socket, inet_table, and searches it: a teaching kernel has few.

// inet_table: every AF_INET socket not yet released, TCP and UDP.
var inet_table *Inet_sock

// inet_lock: see the package comment.
var (
	inet_table_lock      uint32
	inet_table_lock_wait sched.Wait_queue_head
)

func inet_lock() {
	sched.Wait_event(&inet_table_lock_wait, func() bool { return atomic.CompareAndSwapUint32(&inet_table_lock, 0, 1) })
}

func inet_unlock() {
	atomic.StoreUint32(&inet_table_lock, 0)
	sched.Wake_up(&inet_table_lock_wait)
}

func inet_table_add(inet *Inet_sock) {
	inet.Next = inet_table
	if inet_table != nil {
		inet_table.Prev = inet
	}
	inet_table = inet
}

// inet_table_remove takes inet out of the table, the lock held.
func inet_table_remove(inet *Inet_sock) {
	if inet.Prev != nil {
		inet.Prev.Next = inet.Next
	} else if inet_table == inet {
		inet_table = inet.Next
	} else {
		return
	}
	if inet.Next != nil {
		inet.Next.Prev = inet.Prev
	}
	inet.Next, inet.Prev = nil, nil
}

// Route types (include/uapi/linux/rtnetlink.h).
const (
	RTN_UNICAST   = 1
	RTN_LOCAL     = 2
	RTN_BROADCAST = 3
	RTN_MULTICAST = 5
)

// inet_addr_type is what the routing tables say an address is (Linux
// inet_addr_type): with lo alone, 127.0.0.0/8 is local; the limited
// broadcast and multicast are what they are; anything else would go
// through a device gokern does not have.
func inet_addr_type(a uint32) int {
	switch {
	case a>>24 == 127:
		return RTN_LOCAL
	case a == uapi.INADDR_BROADCAST:
		return RTN_BROADCAST
	case a>>28 == 0xe:
		return RTN_MULTICAST
	}
	return RTN_UNICAST
}

// ip_route_output chooses the route to daddr (Linux ip_route_output_key,
// ip_route_connect): the wildcard destination is the loopback; a local
// destination goes through lo with the source address 127.0.0.1 (the
// prefsrc of lo's route, "local 127.0.0.0/8 dev lo src 127.0.0.1"), or
// the socket's own when it is bound to one. There is no route to
// anything else: -ENETUNREACH.
func ip_route_output(daddr, saddr uint32) (uint32, uint32, int) {
	if daddr == 0 {
		daddr = saddr
		if daddr == 0 {
			daddr, saddr = uapi.INADDR_LOOPBACK, uapi.INADDR_LOOPBACK
		}
	}
	if inet_addr_type(daddr) != RTN_LOCAL {
		return 0, 0, -uapi.ENETUNREACH
	}
	if saddr == 0 || inet_addr_type(saddr) != RTN_LOCAL {
		saddr = uapi.INADDR_LOOPBACK
	}
	return daddr, saddr, 0
}

// The ephemeral ports (net.ipv4.ip_local_port_range).
const (
	IP_LOCAL_PORT_LOW  = 32768
	IP_LOCAL_PORT_HIGH = 60999
)

// port_rnd: xorshift64, seeded from the clock at the first use: where
// the search for a free port starts (Linux: get_random_u32 and a hash
// of the addresses).
var port_rnd uint64

func prandom_u32() uint32 {
	x := port_rnd
	if x == 0 {
		x = ktime.Ktime_get_ns() | 1
	}
	x ^= x << 13
	x ^= x >> 7
	x ^= x << 17
	port_rnd = x
	return uint32(x >> 16)
}

// addr_overlap: two bound addresses meet (Linux inet_rcv_saddr_equal
// with the wildcard matching anything).
func addr_overlap(a, b uint32) bool { return a == 0 || b == 0 || a == b }

// inet_bind_conflict: sk2 keeps inet from binding its port (Linux
// inet_bind_conflict for TCP, udp_lib_lport_inuse for UDP): their
// addresses meet and they do not both allow sharing: SO_REUSEADDR on
// both (for TCP, with sk2 not listening), or SO_REUSEPORT on both with
// the same owner.
func inet_bind_conflict(inet, sk2 *Inet_sock, snum uint16) bool {
	if sk2 == inet || sk2.Inet_num != snum || sk2.Sk.Sk_protocol != inet.Sk.Sk_protocol {
		return false
	}
	if !addr_overlap(inet.Inet_rcv_saddr, sk2.Inet_rcv_saddr) {
		return false
	}
	sk, s2 := &inet.Sk, &sk2.Sk
	reuse := sk.Sk_flags&s2.Sk_flags&net.SOCK_REUSEADDR != 0
	if sk.Sk_type == uapi.SOCK_STREAM && s2.Sk_state == TCP_LISTEN {
		reuse = false
	}
	if reuse {
		return false
	}
	return sk.Sk_flags&s2.Sk_flags&net.SOCK_REUSEPORT == 0
}

// port_in_use: a socket of inet's protocol has snum (the lock held).
func port_in_use(inet *Inet_sock, snum uint16) bool {
	for s := inet_table; s != nil; s = s.Next {
		if s != inet && s.Inet_num == snum && s.Sk.Sk_protocol == inet.Sk.Sk_protocol {
			return true
		}
	}
	return false
}

// Inet_csk_get_port gives inet the port snum, or an ephemeral one for 0
// (Linux inet_csk_get_port, udp_lib_get_port), the lock held:
// -EADDRINUSE when snum is taken or no ephemeral port is free. bind
// searches from a random odd port, as Linux's inet_csk_find_open_port
// does (connect's search, inet_hash_connect, prefers even ones).
func Inet_csk_get_port(inet *Inet_sock, snum uint16) int {
	if snum == 0 {
		p := inet_find_open_port(inet, 1)
		if p == 0 {
			return -uapi.EADDRINUSE
		}
		inet.Inet_num = p
		return 0
	}
	for s := inet_table; s != nil; s = s.Next {
		if inet_bind_conflict(inet, s, snum) {
			return -uapi.EADDRINUSE
		}
	}
	inet.Inet_num = snum
	return 0
}

// inet_find_open_port is a port no socket of inet's protocol has, first
// of parity odd (1) or even (0), then the other; 0 when there is none.
func inet_find_open_port(inet *Inet_sock, odd uint32) uint16 {
	const n = IP_LOCAL_PORT_HIGH - IP_LOCAL_PORT_LOW + 1
	off := prandom_u32() % n
	for pass := 0; pass < 2; pass++ {
		for i := uint32(0); i < n; i++ {
			p := uint16(IP_LOCAL_PORT_LOW + (off+i)%n)
			if uint32(p)&1 != odd {
				continue
			}
			if !port_in_use(inet, p) {
				return p
			}
		}
		odd ^= 1
	}
	return 0
}

// inet_autobind gives an unbound socket an ephemeral port (Linux
// inet_autobind; for connect, __inet_hash_connect's even ports): the
// lock held.
func inet_autobind(inet *Inet_sock, odd uint32) int {
	if inet.Inet_num != 0 {
		return 0
	}
	p := inet_find_open_port(inet, odd)
	if p == 0 {
		return -uapi.EADDRNOTAVAIL
	}
	inet.Inet_num = p
	return 0
}

// Inet_lookup_listener is the TCP listener for daddr:dport (Linux
// __inet_lookup_listener): one bound to daddr before one bound to the
// wildcard; nil for none. The lock held.
func Inet_lookup_listener(daddr uint32, dport uint16) *Inet_sock {
	var best *Inet_sock
	for s := inet_table; s != nil; s = s.Next {
		if s.Sk.Sk_protocol != uapi.IPPROTO_TCP || s.Sk.Sk_state != TCP_LISTEN || s.Inet_num != dport {
			continue
		}
		if s.Inet_rcv_saddr == daddr {
			return s
		}
		if s.Inet_rcv_saddr == 0 && best == nil {
			best = s
		}
	}
	return best
}

// Udp4_lib_lookup is the UDP socket a datagram from saddr:sport to
// daddr:dport goes to (Linux __udp4_lib_lookup, compute_score): bound
// to dport, to daddr or the wildcard, and, if connected, to saddr:sport;
// the most specific wins. The lock held.
func Udp4_lib_lookup(saddr uint32, sport uint16, daddr uint32, dport uint16) *Inet_sock {
	var best *Inet_sock
	bestScore := -1
	for s := inet_table; s != nil; s = s.Next {
		if s.Sk.Sk_protocol != uapi.IPPROTO_UDP || s.Inet_num != dport {
			continue
		}
		score := 0
		if s.Inet_rcv_saddr != 0 {
			if s.Inet_rcv_saddr != daddr {
				continue
			}
			score += 4
		}
		if s.Inet_daddr != 0 {
			if s.Inet_daddr != saddr {
				continue
			}
			score += 4
		}
		if s.Inet_dport != 0 {
			if s.Inet_dport != sport {
				continue
			}
			score += 4
		}
		if score > bestScore {
			best, bestScore = s, score
		}
	}
	return best
}
