// Package netlink is AF_NETLINK with one protocol, NETLINK_ROUTE: the
// socket a program opens to ask the kernel about its network devices,
// addresses and routes (Linux net/netlink/af_netlink.c,
// net/core/rtnetlink.c). Go's net.Interfaces and InterfaceAddrs dump
// links and addresses over it (syscall.NetlinkRIB), as busybox's `ip`
// does. docs/sockets.md §13.
//
// A request goes from sendmsg straight to rtnetlink (Netlink_sendmsg →
// netlink_unicast_kernel → Rtnetlink_rcv, in the sender's context, as
// Linux's kernel socket does); the replies are queued on the sender's
// receive queue. A dump (NLM_F_DUMP) fills one reply at a time: the
// first at once, the next each time a recvmsg has made room, then
// NLMSG_DONE (netlink_dump, as Linux's). A message to another user
// socket's port id is queued on it.
//
// Locking: one sleeping lock, nl_table_lock (nl_lock), guards the
// table of sockets, their port ids, receive queues and dump state.
// Devices and addresses never change after boot (gokern's lo), so
// rtnetlink reads them without a lock (Linux: rtnl_lock, RCU).
package netlink

import (
	"encoding/binary"
	"math"
	"sync/atomic"
	"unsafe"

	"gokern/fs"
	"gokern/include/uapi"
	"gokern/kernel/sched"
	ktime "gokern/kernel/time"
	"gokern/mm"
	"gokern/mm/slab"
	"gokern/net"
)

// AF_NETLINK's protocols (include/uapi/linux/netlink.h): gokern has
// NETLINK_ROUTE alone; the others are -EPROTONOSUPPORT, as on a Linux
// built without them.
const (
	AF_NETLINK    = 16
	NETLINK_ROUTE = 0
	MAX_LINKS     = 32
	SOL_NETLINK   = 270
)

// Sockaddr_nl is struct sockaddr_nl.
type Sockaddr_nl struct {
	Nl_family uint16
	Nl_pad    uint16
	Nl_pid    uint32
	Nl_groups uint32
}

// SOL_NETLINK options (include/uapi/linux/netlink.h).
const (
	NETLINK_ADD_MEMBERSHIP  = 1
	NETLINK_DROP_MEMBERSHIP = 2
	NETLINK_PKTINFO         = 3
	NETLINK_BROADCAST_ERROR = 4
	NETLINK_NO_ENOBUFS      = 5
	NETLINK_LISTEN_ALL_NSID = 8
	NETLINK_CAP_ACK         = 10
	NETLINK_EXT_ACK         = 11
	NETLINK_GET_STRICT_CHK  = 12
)

// RTNLGRP_MAX: NETLINK_ROUTE's last multicast group (RTNLGRP_IPV6_ACADDR
// since Linux 6.14, include/uapi/linux/rtnetlink.h); the multicast
// routing groups need CAP_NET_ADMIN (Linux rtnetlink_bind).
const (
	RTNLGRP_MAX           = 39
	RTNLGRP_IPV4_MROUTE_R = 30
	RTNLGRP_IPV6_MROUTE_R = 31
)

// Netlink_sock is struct netlink_sock.
type Netlink_sock struct {
	Sk net.Sock // first: a *Sock of AF_NETLINK is a *Netlink_sock
	// Portid: the port id it is bound to (0 while unbound); Bound.
	Portid uint32
	Bound  bool
	// Dst_portid, Dst_group: connect's destination.
	Dst_portid uint32
	Dst_group  uint32
	// Groups: the multicast groups 1..RTNLGRP_MAX it listens to (bit
	// g-1); getsockname shows the first 32.
	Groups uint64
	// Flags: the SOL_NETLINK options set, bit 1<<optname.
	Flags uint32
	// A dump in progress (Linux nlk->cb_running, nlk->cb,
	// nlk->dump_done_errno).
	Cb_running      bool
	Dump_done_errno int32
	Cb              Netlink_callback
	// Max_recvmsg_len: the largest buffer a recvmsg offered; a dump's
	// replies may be that large (Linux nlk->max_recvmsg_len).
	Max_recvmsg_len int
	// Next, Prev: the table of every AF_NETLINK socket (gk-sockets).
	Next, Prev *Netlink_sock
}

// Netlink_callback is struct netlink_callback: a dump's state between
// its replies.
type Netlink_callback struct {
	// Dump fills skb with the next replies: skb.Len while more may
	// follow, 0 when done, or an error (NLMSG_DONE then carries it).
	Dump   func(skb *net.Sk_buff, cb *Netlink_callback) int
	Portid uint32 // the requester's
	Seq    uint32
	Type   uint16
	Family uint8
	// Args: where the dump stopped (Linux cb->args).
	Args [6]int64
}

func nlk_sk(sk *net.Sock) *Netlink_sock { return (*Netlink_sock)(unsafe.Pointer(sk)) }

// Netlink_nr_socks counts the Netlink_socks allocated.
var Netlink_nr_socks int64

var netlink_sock_cachep slab.Cache[Netlink_sock]

// Nl_table: every AF_NETLINK socket not yet released (Linux nl_table's
// hash of port ids, a list here).
var Nl_table *Netlink_sock

var (
	nl_table_lock      uint32
	nl_table_lock_wait sched.Wait_queue_head
)

func nl_lock() {
	sched.Wait_event(&nl_table_lock_wait, func() bool { return atomic.CompareAndSwapUint32(&nl_table_lock, 0, 1) })
}

func nl_unlock() {
	atomic.StoreUint32(&nl_table_lock, 0)
	sched.Wake_up(&nl_table_lock_wait)
}

var netlink_family_ops = net.Net_proto_family{Family: AF_NETLINK, Create: Netlink_create}

// Netlink_ops is Linux's netlink_ops: the calls of SOCK_RAW and
// SOCK_DGRAM alike.
var Netlink_ops = net.Proto_ops{
	Family: AF_NETLINK, Release: Netlink_release, Bind: Netlink_bind, Connect: Netlink_connect,
	Getname: Netlink_getname, Poll: Netlink_poll, Sendmsg: Netlink_sendmsg, Recvmsg: Netlink_recvmsg,
	Setsockopt: Netlink_setsockopt, Getsockopt: Netlink_getsockopt,
}

// Netlink_proto_init makes AF_NETLINK's cache and registers the family
// and rtnetlink's handlers (Linux netlink_proto_init, rtnetlink_init).
func Netlink_proto_init() int {
	if netlink_sock_cachep = slab.NewCache[Netlink_sock]("NETLINK", 0); netlink_sock_cachep.Cachep == nil {
		return -uapi.ENOMEM
	}
	if err := Rtnetlink_init(); err != 0 {
		return err
	}
	return net.Sock_register(&netlink_family_ops)
}

func netlink_sock_destruct(sk *net.Sock) {
	nlk := nlk_sk(sk)
	*nlk = Netlink_sock{}
	netlink_sock_cachep.Free(nlk)
	atomic.AddInt64(&Netlink_nr_socks, -1)
}

// Netlink_create is socket(AF_NETLINK, ...) (Linux netlink_create):
// SOCK_RAW or SOCK_DGRAM, else -ESOCKTNOSUPPORT; a protocol out of range
// or other than NETLINK_ROUTE -EPROTONOSUPPORT.
func Netlink_create(sock *net.Socket, protocol int, kern bool) int {
	if sock.Type != uapi.SOCK_RAW && sock.Type != uapi.SOCK_DGRAM {
		return -uapi.ESOCKTNOSUPPORT
	}
	if protocol < 0 || protocol >= MAX_LINKS || protocol != NETLINK_ROUTE {
		return -uapi.EPROTONOSUPPORT
	}
	nlk := netlink_sock_cachep.Zalloc(mm.GFP_KERNEL | mm.X__GFP_NOWARN)
	if nlk == nil {
		return -uapi.ENOMEM
	}
	atomic.AddInt64(&Netlink_nr_socks, 1)
	sock.Ops = &Netlink_ops
	net.Sock_init_data(sock, &nlk.Sk, AF_NETLINK, uint16(sock.Type))
	nlk.Sk.Sk_protocol = uint16(protocol)
	nlk.Sk.Sk_destruct = netlink_sock_destruct
	nl_lock()
	nlk.Next = Nl_table
	if Nl_table != nil {
		Nl_table.Prev = nlk
	}
	Nl_table = nlk
	nl_unlock()
	return 0
}

// Netlink_release is close(2)'s end (Linux netlink_release): out of the
// table, a dump abandoned, the unread replies freed.
func Netlink_release(sock *net.Socket) int {
	sk := sock.Sk
	if sk == nil {
		return 0
	}
	sock.Sk = nil
	nlk := nlk_sk(sk)
	var q net.Sk_buff_head
	nl_lock()
	if nlk.Prev != nil {
		nlk.Prev.Next = nlk.Next
	} else if Nl_table == nlk {
		Nl_table = nlk.Next
	}
	if nlk.Next != nil {
		nlk.Next.Prev = nlk.Prev
	}
	nlk.Next, nlk.Prev = nil, nil
	nlk.Cb_running = false
	q = sk.Sk_receive_queue
	sk.Sk_receive_queue = net.Sk_buff_head{}
	sk.Sk_rmem_alloc = 0
	sk.Sk_socket = nil
	nl_unlock()
	// A sender waiting for room in this socket's buffer
	// (netlink_unicast_user) finds it gone: -ECONNREFUSED.
	sched.Wake_up_interruptible(&sk.Sk_wq)
	net.Skb_queue_purge(&q)
	net.Sock_put(sk)
	return 0
}

// netlink_lookup is the socket bound to portid, or nil (Linux
// netlink_lookup), the lock held.
func netlink_lookup(portid uint32) *Netlink_sock {
	for nlk := Nl_table; nlk != nil; nlk = nlk.Next {
		if nlk.Bound && nlk.Portid == portid {
			return nlk
		}
	}
	return nil
}

// netlink_insert binds nlk to portid (Linux netlink_insert), the lock
// held: -EADDRINUSE when another has it, -EBUSY when nlk is bound.
func netlink_insert(nlk *Netlink_sock, portid uint32) int {
	if nlk.Bound {
		if nlk.Portid == portid {
			return 0
		}
		return -uapi.EBUSY
	}
	if netlink_lookup(portid) != nil {
		return -uapi.EADDRINUSE
	}
	nlk.Portid = portid
	nlk.Bound = true
	return 0
}

var nl_rnd uint64

// get_random_u32_below: a number below n from xorshift64, seeded from
// the clock at the first use (Linux get_random_u32_below).
func get_random_u32_below(n uint32) uint32 {
	x := nl_rnd
	if x == 0 {
		x = ktime.Ktime_get_ns() | 1
	}
	x ^= x << 13
	x ^= x >> 7
	x ^= x << 17
	nl_rnd = x
	return uint32(x>>16) % n
}

// netlink_autobind gives nlk a port id (Linux netlink_autobind), the
// lock held: the caller's thread-group id if free, else a negative one
// from a random place in [S32_MIN, -4097], searched downwards.
func netlink_autobind(nlk *Netlink_sock) int {
	if nlk.Bound {
		return 0
	}
	portid := net.Task_tgid_vnr()
	rover := int32(-4096)
	for netlink_lookup(uint32(portid)) != nil {
		if rover == -4096 {
			rover = int32(math.MinInt32 + int64(get_random_u32_below(uint32(-4096-math.MinInt32))))
		} else if rover >= -4096 {
			rover = -4097
		}
		portid = rover
		rover--
	}
	return netlink_insert(nlk, uint32(portid))
}

// nl_addr views an address the caller gave.
func nl_addr(addr []byte) *Sockaddr_nl { return (*Sockaddr_nl)(unsafe.Pointer(unsafe.SliceData(addr))) }

// Netlink_bind (Linux netlink_bind): a whole sockaddr_nl of AF_NETLINK
// (-EINVAL); a bound socket only to its own port id again (-EINVAL);
// port id 0 autobinds, another must be free (-EADDRINUSE). nl_groups
// subscribes to the multicast groups 1..32 (anyone may: NETLINK_ROUTE
// has Linux's NL_CFG_F_NONROOT_RECV); gokern's devices and addresses
// never change, so no notification ever comes.
func Netlink_bind(sock *net.Socket, addr []byte) int {
	if len(addr) < int(unsafe.Sizeof(Sockaddr_nl{})) {
		return -uapi.EINVAL
	}
	a := nl_addr(addr)
	if a.Nl_family != AF_NETLINK {
		return -uapi.EINVAL
	}
	nlk := nlk_sk(sock.Sk)
	nl_lock()
	err := 0
	if nlk.Bound {
		if a.Nl_pid != nlk.Portid {
			err = -uapi.EINVAL
		}
	} else if a.Nl_pid != 0 {
		err = netlink_insert(nlk, a.Nl_pid)
	} else {
		err = netlink_autobind(nlk)
	}
	mroute := uint32(1<<(RTNLGRP_IPV4_MROUTE_R-1) | 1<<(RTNLGRP_IPV6_MROUTE_R-1))
	if err == 0 && a.Nl_groups&mroute != 0 && !net.Capable(net.CAP_NET_ADMIN) {
		err = -uapi.EPERM
	}
	if err == 0 {
		nlk.Groups = nlk.Groups&^0xffffffff | uint64(a.Nl_groups)
	}
	nl_unlock()
	return err
}

// ffs: the lowest bit set, counted from 1 (0 for none).
func ffs(x uint32) uint32 {
	for i := uint32(0); i < 32; i++ {
		if x&(1<<i) != 0 {
			return i + 1
		}
	}
	return 0
}

// Netlink_connect sets the default destination (Linux netlink_connect):
// AF_UNSPEC clears it; it autobinds.
func Netlink_connect(sock *net.Socket, addr []byte, flags uint32) int {
	if len(addr) < 2 {
		return -uapi.EINVAL
	}
	nlk := nlk_sk(sock.Sk)
	a := nl_addr(addr)
	if a.Nl_family == uapi.AF_UNSPEC {
		nl_lock()
		nlk.Sk.Sk_state = 0
		nlk.Dst_portid, nlk.Dst_group = 0, 0
		nl_unlock()
		return 0
	}
	if a.Nl_family != AF_NETLINK || len(addr) < int(unsafe.Sizeof(Sockaddr_nl{})) {
		return -uapi.EINVAL
	}
	if (a.Nl_groups != 0 || a.Nl_pid != 0) && !net.Capable(net.CAP_NET_ADMIN) {
		return -uapi.EPERM
	}
	nl_lock()
	err := netlink_autobind(nlk)
	if err == 0 {
		nlk.Sk.Sk_state = NETLINK_CONNECTED
		nlk.Dst_portid = a.Nl_pid
		nlk.Dst_group = ffs(a.Nl_groups)
	}
	nl_unlock()
	return err
}

// NETLINK_CONNECTED: a connected socket's Sk_state (Linux).
const NETLINK_CONNECTED = 1

// Netlink_getname (Linux netlink_getname): the port id and groups, or
// the peer's.
func Netlink_getname(sock *net.Socket, addr *uapi.Sockaddr_storage, peer bool) int {
	nlk := nlk_sk(sock.Sk)
	a := (*Sockaddr_nl)(unsafe.Pointer(addr))
	nl_lock()
	*a = Sockaddr_nl{Nl_family: AF_NETLINK}
	if peer {
		a.Nl_pid = nlk.Dst_portid
		if nlk.Dst_group != 0 {
			a.Nl_groups = 1 << (nlk.Dst_group - 1)
		}
	} else {
		a.Nl_pid = nlk.Portid
		a.Nl_groups = uint32(nlk.Groups)
	}
	nl_unlock()
	return int(unsafe.Sizeof(Sockaddr_nl{}))
}

// netlink_cb is NETLINK_CB(skb): who sent a message, to which group.
type netlink_cb struct {
	Portid    uint32
	Dst_group uint32
}

func netlink_skb_cb(skb *net.Sk_buff) *netlink_cb { return (*netlink_cb)(unsafe.Pointer(&skb.Cb)) }

// netlink_queue_locked puts skb on nlk's receive queue, charged to it,
// and wakes its readers (Linux __netlink_sendskb), the lock held.
func netlink_queue_locked(nlk *Netlink_sock, skb *net.Sk_buff) {
	atomic.AddInt32(&nlk.Sk.Sk_rmem_alloc, int32(skb.Truesize))
	net.Skb_queue_tail(&nlk.Sk.Sk_receive_queue, skb)
	sched.Wake_up_interruptible(&nlk.Sk.Sk_wq)
}

// netlink_rcvbuf_full: nlk's receive buffer is full (Linux
// netlink_attachskb's test).
func netlink_rcvbuf_full(nlk *Netlink_sock) bool {
	return atomic.LoadInt32(&nlk.Sk.Sk_rmem_alloc) > nlk.Sk.Sk_rcvbuf
}

// Netlink_unicast_from_kernel queues a reply (skb, from port id 0) on
// the socket bound to portid (Linux netlink_unicast from the kernel
// socket, nonblocking): a full receiver drops it and reads -ENOBUFS
// next (netlink_overrun), unless it set NETLINK_NO_ENOBUFS; nobody there
// -ECONNREFUSED. skb is consumed either way.
func Netlink_unicast_from_kernel(skb *net.Sk_buff, portid uint32) int {
	*netlink_skb_cb(skb) = netlink_cb{}
	nl_lock()
	nlk := netlink_lookup(portid)
	err := 0
	if nlk == nil {
		err = -uapi.ECONNREFUSED
	} else if netlink_rcvbuf_full(nlk) {
		netlink_overrun(nlk)
		err = -uapi.EAGAIN
	} else {
		netlink_queue_locked(nlk, skb)
		skb = nil
	}
	nl_unlock()
	net.Kfree_skb(skb)
	return err
}

// netlink_overrun: a reply was lost to a full receive buffer (Linux
// netlink_overrun): the next read is -ENOBUFS.
func netlink_overrun(nlk *Netlink_sock) {
	if nlk.Flags&(1<<NETLINK_NO_ENOBUFS) == 0 {
		atomic.StoreInt32(&nlk.Sk.Sk_err, uapi.ENOBUFS)
		sched.Wake_up_interruptible(&nlk.Sk.Sk_wq)
	}
}

// Netlink_sendmsg (Linux netlink_sendmsg): MSG_OOB is -EOPNOTSUPP; the
// destination is the address given (a whole sockaddr_nl of AF_NETLINK,
// else -EINVAL) or connect's; it autobinds; more than the send buffer
// less 32 is -EMSGSIZE. Port id 0 is the kernel: rtnetlink answers at
// once. Another port id is a user socket, which queues the message
// (-ECONNREFUSED if nobody has it). A group destination is not
// delivered to other sockets (gokern: docs/sockets.md §13).
func Netlink_sendmsg(sock *net.Socket, m *net.Msghdr, size int) int64 {
	nlk := nlk_sk(sock.Sk)
	sk := &nlk.Sk
	if m.Msg_flags_in&uapi.MSG_OOB != 0 {
		return -uapi.EOPNOTSUPP
	}
	if size == 0 {
		return 0 // Linux 6.x: a warning, and nothing sent
	}
	var dst_portid, dst_group uint32
	if m.Msg_name != nil && m.Msg_namelen != 0 {
		if m.Msg_namelen < int(unsafe.Sizeof(Sockaddr_nl{})) {
			return -uapi.EINVAL
		}
		a := (*Sockaddr_nl)(unsafe.Pointer(m.Msg_name))
		if a.Nl_family != AF_NETLINK {
			return -uapi.EINVAL
		}
		dst_portid = a.Nl_pid
		dst_group = ffs(a.Nl_groups)
		if (dst_group != 0 || dst_portid != 0) && !net.Capable(net.CAP_NET_ADMIN) {
			return -uapi.EPERM
		}
	} else {
		nl_lock()
		dst_portid, dst_group = nlk.Dst_portid, nlk.Dst_group
		nl_unlock()
	}
	nl_lock()
	err := netlink_autobind(nlk)
	portid := nlk.Portid
	nl_unlock()
	if err != 0 {
		return int64(err)
	}
	if size > int(sk.Sk_sndbuf)-32 {
		return -uapi.EMSGSIZE
	}
	skb := net.Sock_wmalloc(nil, size)
	if skb == nil {
		return -uapi.ENOBUFS
	}
	if m.Msg_iter.Copy_from_iter(skb.Bytes()) < size {
		net.Kfree_skb(skb)
		return -uapi.EFAULT
	}
	*netlink_skb_cb(skb) = netlink_cb{Portid: portid, Dst_group: dst_group}
	skb.Cred = net.Current_ucred()
	if dst_portid == 0 {
		// netlink_unicast_kernel: the kernel socket's input,
		// rtnetlink_rcv, in the sender's context.
		Rtnetlink_rcv(nlk, skb)
		net.Kfree_skb(skb)
		return int64(size)
	}
	return int64(netlink_unicast_user(nlk, skb, dst_portid, m.Msg_flags_in&uapi.MSG_DONTWAIT != 0))
}

// netlink_unicast_user queues skb from nlk on the user socket bound to
// portid (Linux netlink_unicast, netlink_attachskb): the sender waits
// while the receiver's buffer is full, at most SO_SNDTIMEO.
func netlink_unicast_user(nlk *Netlink_sock, skb *net.Sk_buff, portid uint32, nonblock bool) int {
	size := int(skb.Len)
	timeo := net.Sock_sndtimeo(&nlk.Sk, nonblock)
	for {
		nl_lock()
		dst := netlink_lookup(portid)
		if dst == nil {
			nl_unlock()
			net.Kfree_skb(skb)
			return -uapi.ECONNREFUSED
		}
		if !netlink_rcvbuf_full(dst) {
			netlink_queue_locked(dst, skb)
			nl_unlock()
			return size
		}
		if timeo == 0 {
			netlink_overrun(dst)
			nl_unlock()
			net.Kfree_skb(skb)
			return -uapi.EAGAIN
		}
		dsk := &dst.Sk
		net.Sock_hold(dsk)
		nl_unlock()
		err := net.Sock_wait(&dsk.Sk_wq, &timeo, func() bool {
			return !netlink_rcvbuf_full(dst) || dsk.Sk_socket == nil
		})
		net.Sock_put(dsk)
		if err != 0 {
			net.Kfree_skb(skb)
			return err
		}
	}
}

// Netlink_recvmsg receives one message (Linux netlink_recvmsg,
// skb_recv_datagram): a pending error first (-ENOBUFS after an
// overrun); MSG_OOB is -EOPNOTSUPP; a shorter buffer loses the rest and
// sets MSG_TRUNC (with MSG_TRUNC asked, the whole length is returned);
// MSG_PEEK leaves it queued; the sender's address as a sockaddr_nl.
// Then a dump in progress makes its next reply once half the receive
// buffer is free.
func Netlink_recvmsg(sock *net.Socket, m *net.Msghdr, size int, flags uint32) int64 {
	nlk := nlk_sk(sock.Sk)
	sk := &nlk.Sk
	if flags&uapi.MSG_OOB != 0 {
		return -uapi.EOPNOTSUPP
	}
	timeo := net.Sock_rcvtimeo(sk, flags&uapi.MSG_DONTWAIT != 0)
	nl_lock()
	var skb *net.Sk_buff
	for {
		if err := net.Sock_error(sk); err != 0 {
			nl_unlock()
			return int64(err)
		}
		if skb = net.Skb_peek(&sk.Sk_receive_queue); skb != nil {
			break
		}
		nl_unlock()
		if timeo == 0 {
			return -uapi.EAGAIN
		}
		err := net.Sock_wait(&sk.Sk_wq, &timeo, func() bool {
			return sk.Sk_receive_queue.Qlen != 0 || atomic.LoadInt32(&sk.Sk_err) != 0
		})
		if err != 0 {
			return int64(err)
		}
		nl_lock()
	}
	if flags&uapi.MSG_PEEK == 0 {
		net.Skb_dequeue(&sk.Sk_receive_queue)
		atomic.AddInt32(&sk.Sk_rmem_alloc, -int32(skb.Truesize))
	}
	if size > nlk.Max_recvmsg_len {
		nlk.Max_recvmsg_len = min(size, 32768)
	}
	length := int(skb.Len)
	copied := min(size, length)
	if length > size {
		m.Msg_flags |= uapi.MSG_TRUNC
	}
	n := m.Msg_iter.Copy_to_iter(skb.Bytes()[:copied])
	if m.Msg_name != nil {
		cb := netlink_skb_cb(skb)
		a := (*Sockaddr_nl)(unsafe.Pointer(m.Msg_name))
		*a = Sockaddr_nl{Nl_family: AF_NETLINK, Nl_pid: cb.Portid}
		if cb.Dst_group != 0 {
			a.Nl_groups = 1 << (cb.Dst_group - 1)
		}
		m.Msg_namelen = int(unsafe.Sizeof(Sockaddr_nl{}))
	}
	if nlk.Cb_running && atomic.LoadInt32(&sk.Sk_rmem_alloc) <= sk.Sk_rcvbuf/2 {
		if err := netlink_dump_locked(nlk); err != 0 {
			atomic.StoreInt32(&sk.Sk_err, int32(-err))
		}
	}
	nl_unlock()
	if flags&uapi.MSG_PEEK == 0 {
		net.Kfree_skb(skb)
	}
	if n < copied {
		return -uapi.EFAULT
	}
	if flags&uapi.MSG_TRUNC != 0 {
		return int64(length)
	}
	return int64(copied)
}

// Netlink_poll (Linux netlink_poll, datagram_poll): readable with a
// message queued, EPOLLERR with an error pending, always writable.
func Netlink_poll(f *fs.File, sock *net.Socket, pt *fs.Poll_table) uint32 {
	sk := sock.Sk
	fs.Poll_wait(f, &sk.Sk_wq, pt)
	var mask uint32
	if atomic.LoadInt32(&sk.Sk_err) != 0 {
		mask |= uapi.EPOLLERR
	}
	if sk.Sk_receive_queue.Qlen != 0 {
		mask |= uapi.EPOLLIN | uapi.EPOLLRDNORM
	}
	return mask | uapi.EPOLLOUT | uapi.EPOLLWRNORM | uapi.EPOLLWRBAND
}

// Netlink_setsockopt: SOL_NETLINK's options (Linux netlink_setsockopt):
// membership of groups 1..RTNLGRP_MAX (anyone, as bind's), and the
// flags, kept and read back. NETLINK_CAP_ACK and NETLINK_NO_ENOBUFS change what gokern
// does; NETLINK_EXT_ACK adds nothing, since no error rtnetlink gives
// here carries an extended message; NETLINK_GET_STRICT_CHK does not
// make the checks of the requests stricter (docs/sockets.md §13).
func Netlink_setsockopt(sock *net.Socket, level, optname int, optval uintptr, optlen int) int {
	if level != SOL_NETLINK {
		return -uapi.ENOPROTOOPT
	}
	var v uint32
	if optlen >= 4 {
		if fs.CopyObjFromUser(unsafe.Pointer(&v), optval, 4) != 0 {
			return -uapi.EFAULT
		}
	}
	nlk := nlk_sk(sock.Sk)
	switch optname {
	case NETLINK_ADD_MEMBERSHIP, NETLINK_DROP_MEMBERSHIP:
		if optlen < 4 {
			return -uapi.EINVAL
		}
		if v == 0 || v > RTNLGRP_MAX {
			return -uapi.EINVAL
		}
		if optname == NETLINK_ADD_MEMBERSHIP && (v == RTNLGRP_IPV4_MROUTE_R || v == RTNLGRP_IPV6_MROUTE_R) &&
			!net.Capable(net.CAP_NET_ADMIN) {
			return -uapi.EPERM
		}
		nl_lock()
		if optname == NETLINK_ADD_MEMBERSHIP {
			nlk.Groups |= 1 << (v - 1)
		} else {
			nlk.Groups &^= 1 << (v - 1)
		}
		nl_unlock()
		return 0
	case NETLINK_PKTINFO, NETLINK_BROADCAST_ERROR, NETLINK_NO_ENOBUFS, NETLINK_LISTEN_ALL_NSID,
		NETLINK_CAP_ACK, NETLINK_EXT_ACK, NETLINK_GET_STRICT_CHK:
		if optlen < 4 {
			return -uapi.EINVAL
		}
		nl_lock()
		if v != 0 {
			nlk.Flags |= 1 << optname
		} else {
			nlk.Flags &^= 1 << optname
		}
		nl_unlock()
		return 0
	}
	return -uapi.ENOPROTOOPT
}

// Netlink_getsockopt reads the flags back (Linux netlink_getsockopt).
func Netlink_getsockopt(sock *net.Socket, level, optname int, optval, optlen uintptr) int {
	if level != SOL_NETLINK {
		return -uapi.ENOPROTOOPT
	}
	switch optname {
	case NETLINK_PKTINFO, NETLINK_BROADCAST_ERROR, NETLINK_NO_ENOBUFS, NETLINK_LISTEN_ALL_NSID,
		NETLINK_CAP_ACK, NETLINK_EXT_ACK, NETLINK_GET_STRICT_CHK:
	default:
		return -uapi.ENOPROTOOPT
	}
	var l int32
	if fs.CopyObjFromUser(unsafe.Pointer(&l), optlen, 4) != 0 {
		return -uapi.EFAULT
	}
	if l < 4 {
		return -uapi.EINVAL
	}
	v := uint32(0)
	if nlk_sk(sock.Sk).Flags&(1<<optname) != 0 {
		v = 1
	}
	l = 4
	if fs.CopyObjToUser(optval, unsafe.Pointer(&v), 4) != 0 || fs.CopyObjToUser(optlen, unsafe.Pointer(&l), 4) != 0 {
		return -uapi.EFAULT
	}
	return 0
}

// NLMSG_GOODSIZE: a dump reply's room (Linux: a page less the
// skb_shared_info, SKB_WITH_OVERHEAD(PAGE_SIZE)).
const NLMSG_GOODSIZE = 4096 - 320

// Netlink_dump_start begins a dump for the request nlh from nlk (Linux
// __netlink_dump_start): -EBUSY while one runs; the first reply is made
// at once. It answers -EINTR when started, which tells netlink_rcv_skb
// to send no acknowledgment.
func Netlink_dump_start(nlk *Netlink_sock, nlh *Nlmsghdr, family uint8, dump func(skb *net.Sk_buff, cb *Netlink_callback) int) int {
	nl_lock()
	if nlk.Cb_running {
		nl_unlock()
		return -uapi.EBUSY
	}
	nlk.Cb = Netlink_callback{Dump: dump, Portid: nlk.Portid, Seq: nlh.Nlmsg_seq, Type: nlh.Nlmsg_type, Family: family}
	nlk.Cb_running = true
	nlk.Dump_done_errno = 0x7fffffff
	err := netlink_dump_locked(nlk)
	nl_unlock()
	if err != 0 {
		return err
	}
	return -uapi.EINTR
}

// netlink_dump_locked makes a dump's next reply (Linux netlink_dump), the
// lock held: as many messages as the dump puts in it; when the dump says
// it is done and room is left, NLMSG_DONE with its errno follows in the
// same reply, else in the next.
func netlink_dump_locked(nlk *Netlink_sock) int {
	if !nlk.Cb_running {
		return -uapi.EINVAL
	}
	if atomic.LoadInt32(&nlk.Sk.Sk_rmem_alloc) >= nlk.Sk.Sk_rcvbuf {
		return -uapi.ENOBUFS
	}
	size := max(NLMSG_GOODSIZE, nlk.Max_recvmsg_len)
	skb := Nlmsg_new(size)
	if skb == nil {
		return -uapi.ENOBUFS
	}
	cb := &nlk.Cb
	if nlk.Dump_done_errno > 0 {
		nlk.Dump_done_errno = int32(cb.Dump(skb, cb))
	}
	if nlk.Dump_done_errno > 0 || Skb_tailroom(skb) < Nlmsg_total_size(4) {
		netlink_queue_locked(nlk, skb)
		return 0
	}
	off := Nlmsg_put(skb, cb.Portid, cb.Seq, NLMSG_DONE, 4, NLM_F_MULTI)
	binary.LittleEndian.PutUint32(Nlmsg_data(skb, off), uint32(nlk.Dump_done_errno))
	netlink_queue_locked(nlk, skb)
	nlk.Cb_running = false
	return 0
}

// Nlmsgerr is struct nlmsgerr: the error, then the request's header.
const nlmsgerr_size = 4 + NLMSG_HDRLEN

// Netlink_ack answers the request msg (its header and payload) from
// nlk with NLMSG_ERROR (Linux netlink_ack): err 0 is an acknowledgment,
// which carries the request's header alone (NLM_F_CAPPED); an error
// carries the whole request too, unless NETLINK_CAP_ACK.
func Netlink_ack(nlk *Netlink_sock, msg []byte, err int) {
	nlh := (*Nlmsghdr)(unsafe.Pointer(unsafe.SliceData(msg)))
	payload := nlmsgerr_size
	flags := uint16(0)
	if err != 0 && nlk.Flags&(1<<NETLINK_CAP_ACK) == 0 {
		payload += int(nlh.Nlmsg_len) - NLMSG_HDRLEN
	} else {
		flags |= NLM_F_CAPPED
	}
	skb := Nlmsg_new(Nlmsg_total_size(payload))
	if skb == nil {
		nl_lock()
		netlink_overrun(nlk)
		nl_unlock()
		return
	}
	off := Nlmsg_put(skb, nlk.Portid, nlh.Nlmsg_seq, NLMSG_ERROR, payload, flags)
	d := Nlmsg_data(skb, off)
	binary.LittleEndian.PutUint32(d, uint32(int32(err)))
	copy(d[4:payload], msg)
	Netlink_unicast_from_kernel(skb, nlk.Portid)
}

// Netlink_rcv_skb takes each message of a request in turn (Linux
// netlink_rcv_skb): one whose length is short of a header or past the
// end stops it silently; only requests (NLM_F_REQUEST) of types from
// NLMSG_MIN_TYPE go to cb; an error, or NLM_F_ACK, is answered with
// Netlink_ack, except for a dump started (-EINTR).
func Netlink_rcv_skb(nlk *Netlink_sock, skb *net.Sk_buff, cb func(nlk *Netlink_sock, msg []byte) int) {
	b := skb.Bytes()
	for len(b) >= Nlmsg_total_size(0) {
		nlh := (*Nlmsghdr)(unsafe.Pointer(unsafe.SliceData(b)))
		if nlh.Nlmsg_len < NLMSG_HDRLEN || int(nlh.Nlmsg_len) > len(b) {
			return
		}
		msg := b[:nlh.Nlmsg_len]
		err := 0
		if nlh.Nlmsg_flags&NLM_F_REQUEST != 0 && nlh.Nlmsg_type >= NLMSG_MIN_TYPE {
			err = cb(nlk, msg)
		}
		if err != -uapi.EINTR && (nlh.Nlmsg_flags&NLM_F_ACK != 0 || err != 0) {
			Netlink_ack(nlk, msg, err)
		}
		b = b[min(len(b), NLMSG_ALIGN(int(nlh.Nlmsg_len))):]
	}
}
