// Package unix is AF_UNIX, local sockets: SOCK_STREAM, SOCK_DGRAM and
// SOCK_SEQPACKET between processes of one machine, named by a path in the
// file system (an S_IFSOCK node), by a name in the abstract namespace
// (sun_path[0] == 0), or not at all (socketpair, autobind). Linux:
// net/unix/af_unix.c (unix_create, unix_bind, unix_stream_connect,
// unix_accept, unix_stream_sendmsg, unix_stream_read_generic,
// unix_dgram_sendmsg, unix_dgram_recvmsg, unix_release_sock, unix_poll,
// unix_dgram_poll), include/net/af_unix.h. A message travels as one
// Sk_buff from the sender's sendmsg onto the receiver's receive queue;
// docs/sockets.md follows it.
//
// Locking: one sleeping lock, unix_table_lock, guards every AF_UNIX
// socket's state, peer and queues and the table of sockets (Linux has a
// spinlock per socket, unix_state_lock, an iolock per socket and a
// hashed table lock; one lock is simpler to reason about and AF_UNIX is
// not gokern's hot path). It sleeps, so user copies may fault under it;
// waits drop it. Messages are freed (net.Kfree_skb) only with it
// released: freeing one may close a passed socket, which takes it.
package unix

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

// Unix_sock is struct unix_sock.
type Unix_sock struct {
	Sk net.Sock // first: a *Sock of AF_UNIX is a *Unix_sock
	// Addr_len and Addr: the bound address as sockaddr_un (family and
	// name), Addr_len 0 while unbound (Linux u->addr, shared with the
	// sockets accepted from a listener: here each keeps a copy).
	Addr_len int32
	Addr     uapi.Sockaddr_un
	// Path: the S_IFSOCK node of a pathname bind, referenced (u->path).
	Path fs.Path
	// Hashed: the address is this socket's own, by bind or autobind, so
	// lookups find it (Linux: in the bound half of unix_socket_table);
	// an accepted socket only shares its listener's.
	Hashed bool
	// Peer: the other end, referenced (unix_peer).
	Peer *Unix_sock
	// Next, Prev: the table of all AF_UNIX sockets (Linux
	// unix_socket_table; gk-sockets walks it).
	Next, Prev *Unix_sock
	// Gc_refs, Gc_flags: the collector's counts and marks (garbage.go).
	Gc_refs  int64
	Gc_flags uint32
}

func unix_sk(sk *net.Sock) *Unix_sock { return (*Unix_sock)(unsafe.Pointer(sk)) }

// unix_table: every AF_UNIX socket not yet released. Unix_nr_socks
// counts the Unix_socks allocated (released ones still referenced by a
// peer or a message included).
var (
	unix_table    *Unix_sock
	Unix_nr_socks int64
)

// unix_table_lock: see the package comment.
var (
	unix_table_lock      uint32
	unix_table_lock_wait sched.Wait_queue_head
)

func unix_lock() {
	sched.Wait_event(&unix_table_lock_wait, func() bool { return atomic.CompareAndSwapUint32(&unix_table_lock, 0, 1) })
}

func unix_unlock() {
	atomic.StoreUint32(&unix_table_lock, 0)
	sched.Wake_up(&unix_table_lock_wait)
}

var unix_sock_cachep slab.Cache[Unix_sock]

// UNIX_MAX_DGRAM_QLEN: the datagrams a receiver queues before senders
// wait (net.unix.max_dgram_qlen).
const UNIX_MAX_DGRAM_QLEN = 10

// UNIX_SKB_MAX: the largest piece a stream send makes (Linux caps at
// about 32 KiB of linear data plus page fragments).
const UNIX_SKB_MAX = 32 << 10

var unix_family_ops = net.Net_proto_family{Family: uapi.AF_UNIX, Create: unix_create}

var unix_stream_ops = net.Proto_ops{
	Family: uapi.AF_UNIX, Release: unix_release, Bind: unix_bind, Connect: unix_stream_connect,
	Socketpair: unix_socketpair, Accept: unix_accept, Getname: unix_getname, Poll: unix_poll,
	Ioctl: unix_ioctl, Listen: unix_listen, Shutdown: unix_shutdown,
	Sendmsg: unix_stream_sendmsg, Recvmsg: unix_stream_recvmsg, Flush: unix_flush,
}

var unix_dgram_ops = net.Proto_ops{
	Family: uapi.AF_UNIX, Release: unix_release, Bind: unix_bind, Connect: unix_dgram_connect,
	Socketpair: unix_socketpair, Getname: unix_getname, Poll: unix_dgram_poll,
	Ioctl: unix_ioctl, Listen: unix_listen, Shutdown: unix_shutdown,
	Sendmsg: unix_dgram_sendmsg, Recvmsg: unix_dgram_recvmsg, Flush: unix_flush,
}

var unix_seqpacket_ops = net.Proto_ops{
	Family: uapi.AF_UNIX, Release: unix_release, Bind: unix_bind, Connect: unix_stream_connect,
	Socketpair: unix_socketpair, Accept: unix_accept, Getname: unix_getname, Poll: unix_dgram_poll,
	Ioctl: unix_ioctl, Listen: unix_listen, Shutdown: unix_shutdown,
	Sendmsg: unix_seqpacket_sendmsg, Recvmsg: unix_seqpacket_recvmsg, Flush: unix_flush,
}

// Af_unix_init makes the socket layer's and AF_UNIX's caches and
// registers the family (Linux af_unix_init, sock_init).
func Af_unix_init() int {
	if err := net.Sock_init(); err != 0 {
		return err
	}
	if unix_sock_cachep = slab.NewCache[Unix_sock]("UNIX", 0); unix_sock_cachep.Cachep == nil {
		return -uapi.ENOMEM
	}
	return net.Sock_register(&unix_family_ops)
}

// unix_sock_destructor frees a sock whose last reference went (Linux
// unix_sock_destructor).
func unix_sock_destructor(sk *net.Sock) {
	u := unix_sk(sk)
	*u = Unix_sock{}
	unix_sock_cachep.Free(u)
	atomic.AddInt64(&Unix_nr_socks, -1)
}

// unix_create1 makes a sock of type typ for sock (nil: an embryo made
// by connect for the listener to accept) (Linux unix_create1).
func unix_create1(sock *net.Socket, typ uint16) *Unix_sock {
	u := unix_sock_cachep.Zalloc(mm.GFP_KERNEL | mm.X__GFP_NOWARN)
	if u == nil {
		return nil
	}
	atomic.AddInt64(&Unix_nr_socks, 1)
	net.Sock_init_data(sock, &u.Sk, uapi.AF_UNIX, typ)
	u.Sk.Sk_max_ack_backlog = UNIX_MAX_DGRAM_QLEN
	u.Sk.Sk_destruct = unix_sock_destructor
	unix_lock()
	u.Next = unix_table
	if unix_table != nil {
		unix_table.Prev = u
	}
	unix_table = u
	unix_unlock()
	return u
}

// unix_remove_socket takes u out of the table, the lock held.
func unix_remove_socket(u *Unix_sock) {
	if u.Prev != nil {
		u.Prev.Next = u.Next
	} else if unix_table == u {
		unix_table = u.Next
	} else {
		return
	}
	if u.Next != nil {
		u.Next.Prev = u.Prev
	}
	u.Next, u.Prev = nil, nil
}

// unix_create is socket(AF_UNIX, ...) (Linux unix_create): protocol 0
// (or PF_UNIX), SOCK_RAW taken as SOCK_DGRAM as Linux does.
func unix_create(sock *net.Socket, protocol int, kern bool) int {
	if protocol != 0 && protocol != uapi.AF_UNIX {
		return -uapi.EPROTONOSUPPORT
	}
	switch sock.Type {
	case uapi.SOCK_STREAM:
		sock.Ops = &unix_stream_ops
	case uapi.SOCK_RAW:
		sock.Type = uapi.SOCK_DGRAM
		sock.Ops = &unix_dgram_ops
	case uapi.SOCK_DGRAM:
		sock.Ops = &unix_dgram_ops
	case uapi.SOCK_SEQPACKET:
		sock.Ops = &unix_seqpacket_ops
	default:
		return -uapi.ESOCKTNOSUPPORT
	}
	if unix_create1(sock, uint16(sock.Type)) == nil {
		sock.Ops = nil
		return -uapi.ENOMEM
	}
	return 0
}

// unix_release_sock closes u (Linux unix_release_sock): out of the
// table, shut down, the peer told (a stream peer sees EOF, or
// ECONNRESET if this end left data unread), the queue purged (a
// listener's unaccepted connections closed too), the name dropped.
func unix_release_sock(u *Unix_sock, embrion bool) {
	sk := &u.Sk
	unix_lock()
	unix_remove_socket(u)
	listener := sk.Sk_state == net.TCP_LISTEN
	sk.Sk_state = net.TCP_CLOSE
	sk.Sk_shutdown = net.SHUTDOWN_MASK
	net.Sock_set_flag(sk, net.SOCK_DEAD)
	sk.Sk_socket = nil
	path := u.Path
	u.Path = fs.Path{}
	skpair := u.Peer
	u.Peer = nil
	q := sk.Sk_receive_queue
	sk.Sk_receive_queue = net.Sk_buff_head{}
	if skpair != nil && sk.Sk_type != uapi.SOCK_DGRAM {
		// The peer keeps its pointer (and reference) to this sock, as
		// Linux's does: it reads what is left, then EOF or the error.
		skpair.Sk.Sk_shutdown = net.SHUTDOWN_MASK
		if q.Qlen != 0 || embrion {
			skpair.Sk.Sk_err = uapi.ECONNRESET
		}
	}
	unix_unlock()
	sched.Wake_up_interruptible(&sk.Sk_wq)
	if skpair != nil {
		sched.Wake_up_interruptible(&skpair.Sk.Sk_wq)
		net.Sock_put(&skpair.Sk)
	}
	for skb := net.Skb_dequeue(&q); skb != nil; skb = net.Skb_dequeue(&q) {
		if listener {
			// A connection never accepted: its embryo goes, and its
			// connector sees ECONNRESET.
			unix_release_sock(unix_sk(skb.Sk), true)
		}
		net.Kfree_skb(skb)
	}
	if path.Dentry != nil {
		fs.Path_put(&path)
	}
	net.Sock_put(sk)
}

func unix_release(sock *net.Socket) int {
	if sock.Sk == nil {
		return 0
	}
	u := unix_sk(sock.Sk)
	sock.Sk = nil
	unix_release_sock(u, false)
	unix_gc(nil)
	return 0
}

// unix_validate_addr checks a sockaddr_un (Linux unix_validate_addr).
func unix_validate_addr(addr []byte) int {
	if len(addr) <= 2 || len(addr) > int(unsafe.Sizeof(uapi.Sockaddr_un{})) {
		return -uapi.EINVAL
	}
	if uint16(addr[0])|uint16(addr[1])<<8 != uapi.AF_UNIX {
		return -uapi.EINVAL
	}
	return 0
}

// bsd_name is a pathname address's name: up to its NUL.
func bsd_name(addr []byte) []byte {
	name := addr[2:]
	for i, c := range name {
		if c == 0 {
			return name[:i]
		}
	}
	return name
}

// unix_set_addr binds u to addr, the lock held.
func unix_set_addr(u *Unix_sock, addr []byte) {
	u.Addr = uapi.Sockaddr_un{}
	copy(unsafe.Slice((*byte)(unsafe.Pointer(&u.Addr)), unsafe.Sizeof(u.Addr)), addr)
	u.Addr_len = int32(len(addr))
	u.Hashed = true
}

// unix_find_abstract is the socket bound to an abstract name of type,
// referenced, the lock held (Linux unix_find_socket_byname).
func unix_find_abstract(addr []byte, typ uint16) *Unix_sock {
	for s := unix_table; s != nil; s = s.Next {
		if s.Hashed && int(s.Addr_len) == len(addr) && s.Addr.Sun_path[0] == 0 && s.Sk.Sk_type == typ &&
			string(unsafe.Slice((*byte)(unsafe.Pointer(&s.Addr)), len(addr))) == string(addr) {
			return s
		}
	}
	return nil
}

// unix_autobind_order: the next abstract name autobind tries.
var unix_autobind_order uint32

// unix_autobind gives u an abstract name of five hex digits (Linux
// unix_autobind), the lock held.
func unix_autobind(u *Unix_sock) int {
	if u.Addr_len != 0 {
		return 0
	}
	var a [8]byte
	a[0] = uapi.AF_UNIX
	const hex = "0123456789abcdef"
	for try := 0; try < 0x100000; try++ {
		n := unix_autobind_order & 0xfffff
		unix_autobind_order++
		for i := 0; i < 5; i++ {
			a[3+i] = hex[(n>>(4*(4-i)))&0xf]
		}
		if unix_find_abstract(a[:], u.Sk.Sk_type) == nil {
			unix_set_addr(u, a[:])
			return 0
		}
	}
	return -uapi.ENOSPC
}

// unix_bind is bind(2) (Linux unix_bind): a family-only address
// autobinds; a pathname makes an S_IFSOCK node (-EADDRINUSE if the name
// exists); an abstract name must be free. A socket binds once (-EINVAL).
func unix_bind(sock *net.Socket, addr []byte) int {
	u := unix_sk(sock.Sk)
	if len(addr) == 2 && uint16(addr[0])|uint16(addr[1])<<8 == uapi.AF_UNIX {
		unix_lock()
		err := unix_autobind(u)
		unix_unlock()
		return err
	}
	if err := unix_validate_addr(addr); err != 0 {
		return err
	}
	unix_lock()
	err := unix_bind_locked(u, addr)
	unix_unlock()
	return err
}

// unix_bind_locked is unix_bind's work under unix_table_lock
// (a body, not a defer: a debug
// build's defers are not open-coded and call the runtime, DESIGN.md §4).
func unix_bind_locked(u *Unix_sock, addr []byte) int {
	if u.Addr_len != 0 {
		// Linux makes a pathname's node before it looks at u->addr: an
		// existing name is -EADDRINUSE even for a bound socket.
		var path fs.Path
		if addr[2] != 0 && fs.Kern_path(bsd_name(addr), 0, &path) == 0 {
			fs.Path_put(&path)
			return -uapi.EADDRINUSE
		}
		return -uapi.EINVAL
	}
	if addr[2] == 0 {
		// Each type has its own abstract names (Linux hashes the type
		// into the name's bucket).
		if unix_find_abstract(addr, u.Sk.Sk_type) != nil {
			return -uapi.EADDRINUSE
		}
		unix_set_addr(u, addr)
		return 0
	}
	name := bsd_name(addr)
	var path fs.Path
	err := fs.Mknod_path(name, uapi.S_IFSOCK|0o777, &path)
	if err == -uapi.EEXIST {
		return -uapi.EADDRINUSE
	}
	if err != 0 {
		return err
	}
	u.Path = path
	// The address as Linux keeps it: the family and the name with a
	// NUL, whether or not the caller's had one (unix_mkname_bsd).
	unix_set_addr(u, addr[:2+len(name)])
	u.Addr_len++
	return 0
}

// unix_find_other is the socket an address names, of type typ,
// referenced (Linux unix_find_other): a pathname needs write permission
// on its node; -ECONNREFUSED when no socket is bound there, -EPROTOTYPE
// for another type.
func unix_find_other(addr []byte, typ uint16) (*Unix_sock, int) {
	if err := unix_validate_addr(addr); err != 0 {
		return nil, err
	}
	if addr[2] == 0 {
		unix_lock()
		u := unix_find_abstract(addr, typ)
		if u == nil {
			unix_unlock()
			return nil, -uapi.ECONNREFUSED
		}
		net.Sock_hold(&u.Sk)
		unix_unlock()
		return u, 0
	}
	var path fs.Path
	if err := fs.Kern_path(bsd_name(addr), fs.LOOKUP_FOLLOW, &path); err != 0 {
		return nil, err
	}
	u, err := unix_find_bsd(path.Dentry.D_inode, typ)
	fs.Path_put(&path)
	return u, err
}

// unix_find_bsd is the socket bound to the node inode (Linux
// unix_find_bsd, unix_find_socket_byinode): write permission on the node
// is needed, as to open it for writing.
func unix_find_bsd(inode *fs.Inode, typ uint16) (*Unix_sock, int) {
	if err := fs.Generic_permission(inode, fs.MAY_WRITE); err != 0 {
		return nil, err
	}
	if !uapi.S_ISSOCK(inode.I_mode) {
		return nil, -uapi.ECONNREFUSED
	}
	unix_lock()
	for s := unix_table; s != nil; s = s.Next {
		if s.Hashed && s.Path.Dentry != nil && s.Path.Dentry.D_inode == inode {
			if s.Sk.Sk_type != typ {
				unix_unlock()
				return nil, -uapi.EPROTOTYPE
			}
			net.Sock_hold(&s.Sk)
			unix_unlock()
			return s, 0
		}
	}
	unix_unlock()
	return nil, -uapi.ECONNREFUSED
}

// unix_recvq_full: a listener's backlog or a receiver's datagram queue
// is full (Linux unix_recvq_full).
func unix_recvq_full(u *Unix_sock) bool { return u.Sk.Sk_receive_queue.Qlen > u.Sk.Sk_max_ack_backlog }

// unix_stream_connect is connect(2) on a stream or seqpacket socket
// (Linux unix_stream_connect): a new sock, the embryo, is made for the
// listener's side and queued on its receive queue in a message of no
// bytes, for accept to take; this socket is connected to it at once.
// A full backlog waits (-EAGAIN without waiting).
func unix_stream_connect(sock *net.Socket, addr []byte, flags uint32) int {
	u := unix_sk(sock.Sk)
	sk := &u.Sk
	if err := unix_validate_addr(addr); err != 0 {
		return err
	}
	if net.Sock_flag(sk, net.SOCK_PASSCRED) {
		unix_lock()
		unix_autobind(u)
		unix_unlock()
	}
	other, err := unix_find_other(addr, sk.Sk_type)
	if err != 0 {
		return err
	}
	err = unix_stream_connect_to(sock, u, other, flags)
	net.Sock_put(&other.Sk)
	return err
}

// unix_stream_connect_to connects u to the listener other, which
// unix_stream_connect holds a reference to (a body, not a defer: a debug
// build's defers are not open-coded and call the runtime, DESIGN.md §4).
func unix_stream_connect_to(sock *net.Socket, u *Unix_sock, other *Unix_sock, flags uint32) int {
	sk := &u.Sk
	var err int
	newu := unix_create1(nil, sk.Sk_type)
	if newu == nil {
		return -uapi.ENOMEM
	}
	skb := net.Sock_wmalloc(&newu.Sk, 0)
	if skb == nil {
		unix_release_sock(newu, false)
		return -uapi.ENOMEM
	}
	timeo := net.Sock_sndtimeo(sk, flags&uapi.O_NONBLOCK != 0)
	unix_lock()
	for {
		err = 0
		switch {
		case sk.Sk_state == net.TCP_ESTABLISHED:
			err = -uapi.EISCONN
		case sk.Sk_state != net.TCP_CLOSE:
			err = -uapi.EINVAL
		case other.Sk.Sk_state != net.TCP_LISTEN || other.Sk.Sk_shutdown&net.RCV_SHUTDOWN != 0:
			err = -uapi.ECONNREFUSED
		}
		if err != 0 || !unix_recvq_full(other) {
			break
		}
		if flags&uapi.O_NONBLOCK != 0 {
			err = -uapi.EAGAIN
			break
		}
		unix_unlock()
		err = net.Sock_wait(&other.Sk.Sk_wq, &timeo, func() bool {
			return !unix_recvq_full(other) || other.Sk.Sk_state != net.TCP_LISTEN
		})
		unix_lock()
		if err != 0 {
			break
		}
	}
	if err != 0 {
		unix_unlock()
		net.Kfree_skb(skb)
		unix_release_sock(newu, false)
		return err
	}
	// The embryo: connected to this socket, with the listener's name,
	// and this process's credentials for the accepter's SO_PEERCRED.
	newu.Sk.Sk_state = net.TCP_ESTABLISHED
	newu.Sk.Sk_peer_cred = net.Current_peercred()
	newu.Addr, newu.Addr_len = other.Addr, other.Addr_len
	if other.Path.Dentry != nil {
		newu.Path = other.Path
		fs.Path_get(&newu.Path)
	}
	net.Sock_hold(sk)
	newu.Peer = u
	sk.Sk_peer_cred = other.Sk.Sk_peer_cred
	sk.Sk_state = net.TCP_ESTABLISHED
	sock.State = net.SS_CONNECTED
	net.Sock_hold(&newu.Sk)
	u.Peer = newu
	net.Skb_queue_tail(&other.Sk.Sk_receive_queue, skb)
	unix_unlock()
	sched.Wake_up_interruptible(&other.Sk.Sk_wq)
	return 0
}

// unix_listen is listen(2) (Linux unix_listen): stream and seqpacket
// sockets, bound (-EINVAL otherwise).
func unix_listen(sock *net.Socket, backlog int) int {
	u := unix_sk(sock.Sk)
	sk := &u.Sk
	if sk.Sk_type != uapi.SOCK_STREAM && sk.Sk_type != uapi.SOCK_SEQPACKET {
		return -uapi.EOPNOTSUPP
	}
	unix_lock()
	err := unix_listen_locked(u, backlog)
	unix_unlock()
	return err
}

// unix_listen_locked is unix_listen's work under unix_table_lock
// (a body, not a defer: a debug
// build's defers are not open-coded and call the runtime, DESIGN.md §4).
func unix_listen_locked(u *Unix_sock, backlog int) int {
	sk := &u.Sk
	if u.Addr_len == 0 || (sk.Sk_state != net.TCP_CLOSE && sk.Sk_state != net.TCP_LISTEN) {
		return -uapi.EINVAL
	}
	if backlog < 0 {
		backlog = 0
	}
	if uint32(backlog) > sk.Sk_max_ack_backlog {
		sched.Wake_up_interruptible(&sk.Sk_wq)
	}
	sk.Sk_max_ack_backlog = uint32(backlog)
	sk.Sk_state = net.TCP_LISTEN
	sk.Sk_peer_cred = net.Current_peercred()
	return 0
}

// unix_accept is accept(2) (Linux unix_accept): it takes the first
// embryo off the listener's queue and gives it to newsock.
func unix_accept(sock, newsock *net.Socket, flags uint32) int {
	sk := sock.Sk
	if sk.Sk_type != uapi.SOCK_STREAM && sk.Sk_type != uapi.SOCK_SEQPACKET {
		return -uapi.EOPNOTSUPP
	}
	timeo := net.Sock_rcvtimeo(sk, flags&uapi.O_NONBLOCK != 0)
	unix_lock()
	var skb *net.Sk_buff
	for {
		if sk.Sk_state != net.TCP_LISTEN {
			unix_unlock()
			return -uapi.EINVAL
		}
		if skb = net.Skb_dequeue(&sk.Sk_receive_queue); skb != nil {
			break
		}
		if flags&uapi.O_NONBLOCK != 0 {
			unix_unlock()
			return -uapi.EAGAIN
		}
		unix_unlock()
		err := net.Sock_wait(&sk.Sk_wq, &timeo, func() bool {
			return sk.Sk_receive_queue.Qlen != 0 || sk.Sk_state != net.TCP_LISTEN
		})
		if err != 0 {
			return err
		}
		unix_lock()
	}
	// The embryo's own reference becomes newsock's; the message's goes
	// with it.
	tsk := skb.Sk
	tsk.Sk_socket = newsock
	newsock.Sk = tsk
	newsock.State = net.SS_CONNECTED
	unix_unlock()
	net.Kfree_skb(skb)
	sched.Wake_up_interruptible(&sk.Sk_wq) // a connect waiting for room
	return 0
}

// unix_socketpair connects two new sockets (Linux unix_socketpair).
func unix_socketpair(a, b *net.Socket) int {
	ua, ub := unix_sk(a.Sk), unix_sk(b.Sk)
	cred := net.Current_peercred()
	unix_lock()
	net.Sock_hold(&ua.Sk)
	net.Sock_hold(&ub.Sk)
	ua.Peer, ub.Peer = ub, ua
	ua.Sk.Sk_peer_cred, ub.Sk.Sk_peer_cred = cred, cred
	if a.Type != uapi.SOCK_DGRAM {
		ua.Sk.Sk_state, ub.Sk.Sk_state = net.TCP_ESTABLISHED, net.TCP_ESTABLISHED
		a.State, b.State = net.SS_CONNECTED, net.SS_CONNECTED
	}
	unix_unlock()
	return 0
}

// unix_getname: the socket's address, or its peer's (Linux
// unix_getname): an unbound socket's is the family alone.
func unix_getname(sock *net.Socket, addr *uapi.Sockaddr_storage, peer bool) int {
	u := unix_sk(sock.Sk)
	unix_lock()
	n := unix_getname_locked(u, addr, peer)
	unix_unlock()
	return n
}

// unix_getname_locked is unix_getname's work under unix_table_lock
// (a body, not a defer: a debug
// build's defers are not open-coded and call the runtime, DESIGN.md §4).
func unix_getname_locked(u *Unix_sock, addr *uapi.Sockaddr_storage, peer bool) int {
	if peer {
		if u.Peer == nil {
			return -uapi.ENOTCONN
		}
		u = u.Peer
	}
	addr.Ss_family = uapi.AF_UNIX
	if u.Addr_len == 0 {
		return 2
	}
	copy(unsafe.Slice((*byte)(unsafe.Pointer(addr)), u.Addr_len), unsafe.Slice((*byte)(unsafe.Pointer(&u.Addr)), u.Addr_len))
	return int(u.Addr_len)
}

// unix_shutdown is shutdown(2) (Linux unix_shutdown): a connected
// stream peer is shut down the other way round.
func unix_shutdown(sock *net.Socket, how int) int {
	if how < uapi.SHUT_RD || how > uapi.SHUT_RDWR {
		return -uapi.EINVAL
	}
	mode := uint8(how + 1) // SHUT_RD → RCV_SHUTDOWN, SHUT_WR → SEND_SHUTDOWN
	u := unix_sk(sock.Sk)
	unix_lock()
	u.Sk.Sk_shutdown |= mode
	other := u.Peer
	if other != nil && u.Sk.Sk_type != uapi.SOCK_DGRAM {
		var peer_mode uint8
		if mode&net.RCV_SHUTDOWN != 0 {
			peer_mode |= net.SEND_SHUTDOWN
		}
		if mode&net.SEND_SHUTDOWN != 0 {
			peer_mode |= net.RCV_SHUTDOWN
		}
		other.Sk.Sk_shutdown |= peer_mode
	}
	unix_unlock()
	sched.Wake_up_interruptible(&u.Sk.Sk_wq)
	if other != nil {
		sched.Wake_up_interruptible(&other.Sk.Sk_wq)
	}
	return 0
}

// unix_ioctl: FIONREAD (SIOCINQ), the bytes a read would see: a stream's
// unread bytes, the next datagram's size (Linux unix_inq_len);
// TIOCOUTQ (SIOCOUTQ), the bytes sent and not yet read.
func unix_ioctl(sock *net.Socket, cmd uint32, arg uintptr) int64 {
	sk := sock.Sk
	var n int32
	switch cmd {
	case uapi.FIONREAD:
		unix_lock()
		if sk.Sk_state == net.TCP_LISTEN {
			unix_unlock()
			return -uapi.EINVAL
		}
		if sk.Sk_type == uapi.SOCK_STREAM {
			for skb := sk.Sk_receive_queue.Head; skb != nil; skb = skb.Next {
				n += int32(skb.Len - skb.Consumed)
			}
		} else if skb := sk.Sk_receive_queue.Head; skb != nil {
			n = int32(skb.Len)
		}
		unix_unlock()
	case TIOCOUTQ:
		n = max(atomic.LoadInt32(&sk.Sk_wmem_alloc), 0)
	default:
		return -net.ENOIOCTLCMD
	}
	return int64(fs.CopyObjToUser(arg, unsafe.Pointer(&n), 4))
}

// TIOCOUTQ is SIOCOUTQ (include/uapi/asm-generic/ioctls.h).
const TIOCOUTQ = 0x5411

// unix_poll reports a stream socket's readiness (Linux unix_poll).
func unix_poll(f *fs.File, sock *net.Socket, pt *fs.Poll_table) uint32 {
	sk := sock.Sk
	fs.Poll_wait(f, &sk.Sk_wq, pt)
	var mask uint32
	if atomic.LoadInt32(&sk.Sk_err) != 0 {
		mask |= uapi.EPOLLERR
	}
	shut := sk.Sk_shutdown
	if shut == net.SHUTDOWN_MASK {
		mask |= uapi.EPOLLHUP
	}
	if shut&net.RCV_SHUTDOWN != 0 {
		mask |= uapi.EPOLLRDHUP | uapi.EPOLLIN | uapi.EPOLLRDNORM
	}
	if sk.Sk_receive_queue.Qlen != 0 {
		mask |= uapi.EPOLLIN | uapi.EPOLLRDNORM
	}
	if sk.Sk_state == net.TCP_CLOSE {
		mask |= uapi.EPOLLHUP
	}
	if sk.Sk_state != net.TCP_LISTEN && net.Sock_writeable(sk) {
		mask |= uapi.EPOLLOUT | uapi.EPOLLWRNORM | uapi.EPOLLWRBAND
	}
	return mask
}

// unix_dgram_room_wait: pollers of datagram sockets wait here for room
// in a receiver's queue, woken by every datagram read while someone
// waits. Linux queues a poller on its peer's peer_wait
// (unix_dgram_peer_wake_me) and takes it off at disconnect; one queue
// that lives for ever cannot be left dangling when a peer is freed, at
// the price of wake-ups for the pollers of other receivers (they poll
// again and find nothing).
var unix_dgram_room_wait sched.Wait_queue_head

// unix_dgram_poll reports a datagram or seqpacket socket's readiness
// (Linux unix_dgram_poll): a connected sender whose peer's queue is full
// is not writable.
func unix_dgram_poll(f *fs.File, sock *net.Socket, pt *fs.Poll_table) uint32 {
	sk := sock.Sk
	u := unix_sk(sk)
	fs.Poll_wait(f, &sk.Sk_wq, pt)
	fs.Poll_wait(f, &unix_dgram_room_wait, pt)
	var mask uint32
	if atomic.LoadInt32(&sk.Sk_err) != 0 {
		mask |= uapi.EPOLLERR
	}
	if sk.Sk_shutdown&net.RCV_SHUTDOWN != 0 {
		mask |= uapi.EPOLLRDHUP | uapi.EPOLLIN | uapi.EPOLLRDNORM
	}
	if sk.Sk_shutdown == net.SHUTDOWN_MASK {
		mask |= uapi.EPOLLHUP
	}
	if sk.Sk_receive_queue.Qlen != 0 {
		mask |= uapi.EPOLLIN | uapi.EPOLLRDNORM
	}
	if sk.Sk_type == uapi.SOCK_SEQPACKET {
		if sk.Sk_state == net.TCP_CLOSE {
			mask |= uapi.EPOLLHUP
		}
		if sk.Sk_state == net.TCP_LISTEN {
			return mask
		}
	}
	writable := net.Sock_writeable(sk)
	if writable && u.Peer != nil {
		// The peer under the lock: a connect elsewhere may drop it.
		unix_lock()
		if other := u.Peer; other != nil && other.Peer != u && unix_recvq_full(other) {
			writable = false
		}
		unix_unlock()
	}
	if writable {
		mask |= uapi.EPOLLOUT | uapi.EPOLLWRNORM | uapi.EPOLLWRBAND
	}
	return mask
}

// unix_dgram_connect is connect(2) on a datagram socket (Linux
// unix_dgram_connect): it sets the default destination, or with
// AF_UNSPEC forgets it.
func unix_dgram_connect(sock *net.Socket, addr []byte, flags uint32) int {
	u := unix_sk(sock.Sk)
	if len(addr) < 2 {
		return -uapi.EINVAL
	}
	var other *Unix_sock
	if uint16(addr[0])|uint16(addr[1])<<8 != uapi.AF_UNSPEC {
		if net.Sock_flag(&u.Sk, net.SOCK_PASSCRED) {
			unix_lock()
			unix_autobind(u)
			unix_unlock()
		}
		var err int
		if other, err = unix_find_other(addr, u.Sk.Sk_type); err != 0 {
			return err
		}
		unix_lock()
		if other.Peer != nil && other.Peer != u && other != u {
			// unix_may_send: a socket connected elsewhere takes no
			// datagrams from others.
			unix_unlock()
			net.Sock_put(&other.Sk)
			return -uapi.EPERM
		}
	} else {
		unix_lock()
	}
	old := u.Peer
	u.Peer = other // other's reference moves to u.Peer
	if other != nil {
		u.Sk.Sk_state = net.TCP_ESTABLISHED
	} else {
		u.Sk.Sk_state = net.TCP_CLOSE
	}
	unix_unlock()
	if old != nil {
		sched.Wake_up_interruptible(&old.Sk.Sk_wq)
		net.Sock_put(&old.Sk)
	}
	return 0
}

// unix_send_fill copies a message's bytes and control block in (Linux
// unix_scm_to_skb, skb_copy_datagram_from_iter): -EFAULT when nothing of
// a non-empty piece could be copied.
func unix_send_fill(skb *net.Sk_buff, m *net.Msghdr, scm *net.Scm_cookie, withFds bool) int {
	if skb.Len > 0 {
		if n := m.Msg_iter.Copy_from_iter(skb.Bytes()); n != int(skb.Len) {
			return -uapi.EFAULT
		}
	}
	skb.Cred = scm.Cred
	if withFds && scm.Fp != nil {
		skb.Fp = scm.Fp
		scm.Fp = nil
	}
	return 0
}

// sigpipe: a write to a stream whose reader is gone raises SIGPIPE
// unless MSG_NOSIGNAL (Linux unix_stream_sendmsg's pipe_err).
func sigpipe(flags uint32) {
	if flags&uapi.MSG_NOSIGNAL == 0 && fs.Send_sig_current != nil {
		fs.Send_sig_current(uapi.SIGPIPE)
	}
}

// unix_stream_sendmsg sends on a connected stream (Linux
// unix_stream_sendmsg): the bytes go in pieces of at most half the send
// buffer, each a message on the peer's receive queue; passed files ride
// on the first. -EPIPE (and SIGPIPE) when the peer is gone or shut
// down for reading; a partial send returns what went.
func unix_stream_sendmsg(sock *net.Socket, m *net.Msghdr, size int) int64 {
	u := unix_sk(sock.Sk)
	sk := &u.Sk
	flags := m.Msg_flags_in
	if flags&uapi.MSG_OOB != 0 {
		return -uapi.EOPNOTSUPP
	}
	if m.Msg_namelen != 0 {
		if sk.Sk_state == net.TCP_ESTABLISHED {
			return -uapi.EISCONN
		}
		return -uapi.EOPNOTSUPP
	}
	var scm net.Scm_cookie
	if err := net.Scm_send(m, &scm); err != 0 {
		return int64(err)
	}
	ret := unix_stream_sendmsg_scm(u, m, size, &scm)
	net.Scm_destroy(&scm)
	return ret
}

// unix_stream_sendmsg_scm sends with the files and credentials scm
// holds, which unix_stream_sendmsg destroys after (a body, not a defer: a debug
// build's defers are not open-coded and call the runtime, DESIGN.md §4).
func unix_stream_sendmsg_scm(u *Unix_sock, m *net.Msghdr, size int, scm *net.Scm_cookie) int64 {
	sk := &u.Sk
	flags := m.Msg_flags_in
	other := u.Peer
	if other == nil {
		return -uapi.ENOTCONN
	}
	if sk.Sk_shutdown&net.SEND_SHUTDOWN != 0 {
		sigpipe(flags)
		return -uapi.EPIPE
	}
	sent := 0
	first := true
	for sent < size {
		chunk := min(size-sent, max(int(sk.Sk_sndbuf>>1)-64, 1), UNIX_SKB_MAX)
		skb, err := net.Sock_alloc_send_skb(sk, chunk, flags&uapi.MSG_DONTWAIT != 0)
		if err != 0 {
			if sent > 0 {
				return int64(sent)
			}
			if err == -uapi.EPIPE {
				sigpipe(flags)
			}
			return int64(err)
		}
		if err := unix_send_fill(skb, m, scm, first); err != 0 {
			net.Kfree_skb(skb)
			if sent > 0 {
				return int64(sent)
			}
			return int64(err)
		}
		first = false
		unix_lock()
		if net.Sock_flag(&other.Sk, net.SOCK_DEAD) || other.Sk.Sk_shutdown&net.RCV_SHUTDOWN != 0 {
			unix_unlock()
			net.Kfree_skb(skb)
			if sent > 0 {
				return int64(sent)
			}
			sigpipe(flags)
			return -uapi.EPIPE
		}
		net.Skb_queue_tail(&other.Sk.Sk_receive_queue, skb)
		unix_unlock()
		sched.Wake_up_interruptible(&other.Sk.Sk_wq)
		sent += chunk
	}
	return int64(sent)
}

// unix_dgram_sendmsg sends one datagram (Linux unix_dgram_sendmsg): to
// the address given, or to the connected peer; -EMSGSIZE beyond the send
// buffer; a full receiver makes it wait (-EAGAIN without waiting);
// -ECONNREFUSED once the connected peer is gone.
func unix_dgram_sendmsg(sock *net.Socket, m *net.Msghdr, size int) int64 {
	u := unix_sk(sock.Sk)
	if m.Msg_flags_in&uapi.MSG_OOB != 0 {
		return -uapi.EOPNOTSUPP
	}
	var addr []byte
	if m.Msg_namelen != 0 {
		addr = unsafe.Slice((*byte)(unsafe.Pointer(m.Msg_name)), m.Msg_namelen)
		if err := unix_validate_addr(addr); err != 0 {
			return int64(err)
		}
	} else if u.Peer == nil {
		return -uapi.ENOTCONN
	}
	var scm net.Scm_cookie
	if err := net.Scm_send(m, &scm); err != 0 {
		return int64(err)
	}
	ret := unix_dgram_sendmsg_scm(u, m, size, addr, &scm)
	net.Scm_destroy(&scm)
	return ret
}

// unix_dgram_sendmsg_scm sends with the files and credentials scm
// holds, which unix_dgram_sendmsg destroys after (a body, not a defer: a debug
// build's defers are not open-coded and call the runtime, DESIGN.md §4).
func unix_dgram_sendmsg_scm(u *Unix_sock, m *net.Msghdr, size int, addr []byte, scm *net.Scm_cookie) int64 {
	sk := &u.Sk
	flags := m.Msg_flags_in
	if net.Sock_flag(sk, net.SOCK_PASSCRED) {
		unix_lock()
		unix_autobind(u)
		unix_unlock()
	}
	if size > int(sk.Sk_sndbuf)-32 {
		return -uapi.EMSGSIZE
	}
	nonblock := flags&uapi.MSG_DONTWAIT != 0
	skb, err := net.Sock_alloc_send_skb(sk, size, nonblock)
	if err != 0 {
		return int64(err)
	}
	if err := unix_send_fill(skb, m, scm, true); err != 0 {
		net.Kfree_skb(skb)
		return int64(err)
	}
	timeo := net.Sock_sndtimeo(sk, nonblock)
	var other *Unix_sock
	for {
		if other == nil {
			if addr != nil {
				if other, err = unix_find_other(addr, sk.Sk_type); err != 0 {
					net.Kfree_skb(skb)
					return int64(err)
				}
			} else {
				unix_lock()
				other = u.Peer
				if other == nil {
					unix_unlock()
					net.Kfree_skb(skb)
					return -uapi.ENOTCONN
				}
				net.Sock_hold(&other.Sk)
				unix_unlock()
			}
		}
		unix_lock()
		if other.Peer != nil && other.Peer != u && other != u {
			unix_unlock()
			net.Sock_put(&other.Sk)
			net.Kfree_skb(skb)
			return -uapi.EPERM
		}
		if net.Sock_flag(&other.Sk, net.SOCK_DEAD) {
			err = 0
			if u.Peer == other {
				// The connected peer closed: forget it.
				u.Peer = nil
				u.Sk.Sk_state = net.TCP_CLOSE
				unix_unlock()
				net.Sock_put(&other.Sk) // u.Peer's reference
				err = -uapi.ECONNREFUSED
				if sk.Sk_type == uapi.SOCK_SEQPACKET {
					err = -uapi.EPIPE
				}
			} else {
				unix_unlock()
			}
			net.Sock_put(&other.Sk)
			other = nil
			if err != 0 || addr == nil {
				if err == 0 {
					err = -uapi.ECONNREFUSED
				}
				net.Kfree_skb(skb)
				return int64(err)
			}
			continue
		}
		if other.Sk.Sk_shutdown&net.RCV_SHUTDOWN != 0 {
			unix_unlock()
			net.Sock_put(&other.Sk)
			net.Kfree_skb(skb)
			return -uapi.EPIPE
		}
		// A receiver connected back to this socket takes datagrams
		// up to the send buffer only (Linux: unix_peer(other) != sk).
		if other != u && other.Peer != u && unix_recvq_full(other) {
			if nonblock {
				unix_unlock()
				net.Sock_put(&other.Sk)
				net.Kfree_skb(skb)
				return -uapi.EAGAIN
			}
			unix_unlock()
			err = net.Sock_wait(&other.Sk.Sk_wq, &timeo, func() bool {
				return !unix_recvq_full(other) || other.Peer == u || net.Sock_flag(&other.Sk, net.SOCK_DEAD)
			})
			if err != 0 {
				net.Sock_put(&other.Sk)
				net.Kfree_skb(skb)
				return int64(err)
			}
			continue
		}
		net.Skb_queue_tail(&other.Sk.Sk_receive_queue, skb)
		unix_unlock()
		sched.Wake_up_interruptible(&other.Sk.Sk_wq)
		net.Sock_put(&other.Sk)
		return int64(size)
	}
}

// unix_seqpacket_sendmsg: a seqpacket socket sends datagrams on its
// connection (Linux unix_seqpacket_sendmsg): an address is ignored.
func unix_seqpacket_sendmsg(sock *net.Socket, m *net.Msghdr, size int) int64 {
	if sock.Sk.Sk_state != net.TCP_ESTABLISHED {
		return -uapi.ENOTCONN
	}
	m.Msg_namelen = 0
	return unix_dgram_sendmsg(sock, m, size)
}

func unix_seqpacket_recvmsg(sock *net.Socket, m *net.Msghdr, size int, flags uint32) int64 {
	if sock.Sk.Sk_state != net.TCP_ESTABLISHED {
		return -uapi.ENOTCONN
	}
	return unix_dgram_recvmsg(sock, m, size, flags)
}

// unix_copy_addr gives recvmsg the sender's address (Linux
// unix_copy_addr): none for an unbound sender.
func unix_copy_addr(m *net.Msghdr, sender *net.Sock) {
	m.Msg_namelen = 0
	if m.Msg_name == nil || sender == nil {
		return
	}
	s := unix_sk(sender)
	if s.Addr_len == 0 {
		return
	}
	copy(unsafe.Slice((*byte)(unsafe.Pointer(m.Msg_name)), s.Addr_len), unsafe.Slice((*byte)(unsafe.Pointer(&s.Addr)), s.Addr_len))
	m.Msg_namelen = int(s.Addr_len)
}

// unix_wait_for_data sleeps, the lock dropped, until sk has a message,
// an error or is shut down for reading, at most *timeo jiffies (Linux
// unix_stream_data_wait, __skb_wait_for_more_packets): 0, -EAGAIN when
// SO_RCVTIMEO ran out, -ERESTARTSYS or -EINTR (net.Sock_wait).
func unix_wait_for_data(sk *net.Sock, timeo *int64) int {
	unix_unlock()
	err := net.Sock_wait(&sk.Sk_wq, timeo, func() bool {
		return sk.Sk_receive_queue.Qlen != 0 || sk.Sk_shutdown&net.RCV_SHUTDOWN != 0 || atomic.LoadInt32(&sk.Sk_err) != 0
	})
	unix_lock()
	return err
}

// unix_dgram_recvmsg receives one datagram (Linux unix_dgram_recvmsg):
// MSG_TRUNC when it was longer than the buffer (and with MSG_TRUNC asked,
// its whole length is returned); MSG_PEEK leaves it queued, its files
// installed as new descriptors all the same; 0 once shut down and empty.
func unix_dgram_recvmsg(sock *net.Socket, m *net.Msghdr, size int, flags uint32) int64 {
	sk := sock.Sk
	if flags&uapi.MSG_OOB != 0 {
		return -uapi.EOPNOTSUPP
	}
	timeo := net.Sock_rcvtimeo(sk, flags&uapi.MSG_DONTWAIT != 0)
	unix_lock()
	var skb *net.Sk_buff
	for {
		if skb = net.Skb_peek(&sk.Sk_receive_queue); skb != nil {
			break
		}
		if err := net.Sock_error(sk); err != 0 {
			unix_unlock()
			return int64(err)
		}
		if sk.Sk_shutdown&net.RCV_SHUTDOWN != 0 {
			unix_unlock()
			return 0
		}
		if flags&uapi.MSG_DONTWAIT != 0 {
			unix_unlock()
			return -uapi.EAGAIN
		}
		if err := unix_wait_for_data(sk, &timeo); err != 0 {
			unix_unlock()
			return int64(err)
		}
	}
	if flags&uapi.MSG_PEEK == 0 {
		net.Skb_dequeue(&sk.Sk_receive_queue)
	}
	unix_copy_addr(m, skb.Sk)
	copied := min(size, int(skb.Len))
	if int(skb.Len) > size {
		m.Msg_flags |= uapi.MSG_TRUNC
	}
	n := m.Msg_iter.Copy_to_iter(skb.Bytes()[:copied])
	scm := net.Scm_cookie{Cred: skb.Cred, Creds: true}
	if flags&uapi.MSG_PEEK != 0 {
		if skb.Fp != nil {
			scm.Fp = net.Scm_fp_dup(skb.Fp)
		}
	} else {
		scm.Fp, skb.Fp = skb.Fp, nil
	}
	length := skb.Len
	unix_unlock()
	if flags&uapi.MSG_PEEK == 0 {
		// Room in the queue: a sender waiting for it wakes, and a
		// poller waiting for EPOLLOUT.
		sched.Wake_up_interruptible(&sk.Sk_wq)
		if sched.Waitqueue_active(&unix_dgram_room_wait) {
			sched.Wake_up_interruptible_poll(&unix_dgram_room_wait, uapi.EPOLLOUT|uapi.EPOLLWRNORM|uapi.EPOLLWRBAND)
		}
		net.Kfree_skb(skb)
	}
	if n < copied {
		net.Scm_destroy(&scm)
		return -uapi.EFAULT
	}
	net.Scm_recv(sock, m, &scm)
	if flags&uapi.MSG_TRUNC != 0 {
		return int64(length)
	}
	return int64(copied)
}

// unix_stream_recvmsg reads a stream (Linux unix_stream_read_generic):
// bytes from as many queued messages as fit, waiting only while nothing
// was read (MSG_WAITALL: until the buffer is full); it stops after a
// message that carried files, and, for a reader with SO_PASSCRED,
// before one from another sender. EOF is 0, a peer that closed with
// data unread is -ECONNRESET once.
func unix_stream_recvmsg(sock *net.Socket, m *net.Msghdr, size int, flags uint32) int64 {
	sk := sock.Sk
	if flags&uapi.MSG_OOB != 0 {
		return -uapi.EOPNOTSUPP
	}
	if size == 0 {
		return 0
	}
	target := 1
	if flags&uapi.MSG_WAITALL != 0 {
		target = size
	}
	peek := flags&uapi.MSG_PEEK != 0
	passcred := net.Sock_flag(sk, net.SOCK_PASSCRED)
	var scm net.Scm_cookie
	var done net.Sk_buff_head // consumed messages, freed after the lock
	copied := 0
	var err int
	timeo := net.Sock_rcvtimeo(sk, flags&uapi.MSG_DONTWAIT != 0)
	unix_lock()
	if sk.Sk_state != net.TCP_ESTABLISHED {
		unix_unlock()
		return -uapi.EINVAL
	}
	skip := 0 // MSG_PEEK: the messages already read
	for copied < size {
		skb := net.Skb_peek(&sk.Sk_receive_queue)
		for i := 0; i < skip && skb != nil; i++ {
			skb = skb.Next
		}
		if skb == nil {
			if copied >= target {
				break
			}
			if err = net.Sock_error(sk); err != 0 {
				break
			}
			if sk.Sk_shutdown&net.RCV_SHUTDOWN != 0 {
				break
			}
			if flags&uapi.MSG_DONTWAIT != 0 {
				err = -uapi.EAGAIN
				break
			}
			if err = unix_wait_for_data(sk, &timeo); err != 0 {
				break
			}
			continue
		}
		if scm.Creds {
			if passcred && skb.Cred != scm.Cred {
				break // never mix two senders' bytes under one SCM_CREDENTIALS
			}
		} else {
			scm.Cred, scm.Creds = skb.Cred, true
			unix_copy_addr(m, skb.Sk) // the sender's address, once
		}
		chunk := min(int(skb.Len-skb.Consumed), size-copied)
		if chunk > 0 {
			n := m.Msg_iter.Copy_to_iter(skb.Bytes()[skb.Consumed : int(skb.Consumed)+chunk])
			if n == 0 {
				if copied == 0 {
					err = -uapi.EFAULT
				}
				break
			}
			chunk = n
		}
		copied += chunk
		if peek {
			if skb.Fp != nil {
				scm.Fp = net.Scm_fp_dup(skb.Fp)
				break
			}
			skip++
			continue
		}
		skb.Consumed += uint32(chunk)
		if skb.Fp != nil {
			scm.Fp, skb.Fp = skb.Fp, nil
		}
		if skb.Consumed == skb.Len {
			net.Skb_dequeue(&sk.Sk_receive_queue)
			net.Skb_queue_tail(&done, skb)
		}
		if scm.Fp != nil {
			break
		}
	}
	unix_unlock()
	net.Skb_queue_purge(&done)
	if copied == 0 && err != 0 {
		net.Scm_destroy(&scm)
		return int64(err)
	}
	net.Scm_recv(sock, m, &scm)
	return int64(copied)
}
