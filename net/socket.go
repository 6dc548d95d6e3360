// Package net is gokern's socket layer: the socket system calls, the
// socket file, the families' table, and what every family shares — the
// sock, its message buffers, its SOL_SOCKET options and the control
// messages (Linux net/socket.c, net/core/sock.c, net/core/skbuff.c,
// net/core/scm.c; include/linux/net.h, include/net/sock.h). The
// families gokern builds are AF_UNIX (net/unix), AF_INET on the
// loopback (net/ipv4) and AF_NETLINK's NETLINK_ROUTE (net/netlink);
// socket(2) in any other answers -EAFNOSUPPORT, as Linux does for a
// family it was built without. The devices (dev.go, loopback.go) and
// the interface ioctls (dev_ioctl.go) are here too.
// docs/sockets.md follows a message from sendmsg to recvmsg.
package net

import (
	"sync/atomic"
	"unsafe"

	"gokern/arch/amd64/asm"
	"gokern/fs"
	"gokern/include/compiler"
	"gokern/include/uapi"
	"gokern/mm"
	"gokern/mm/slab"
)

// The socket system calls' numbers (arch/x86/entry/syscalls/syscall_64.tbl).
const (
	X__NR_socket      = 41
	X__NR_connect     = 42
	X__NR_accept      = 43
	X__NR_sendto      = 44
	X__NR_recvfrom    = 45
	X__NR_sendmsg     = 46
	X__NR_recvmsg     = 47
	X__NR_shutdown    = 48
	X__NR_bind        = 49
	X__NR_listen      = 50
	X__NR_getsockname = 51
	X__NR_getpeername = 52
	X__NR_socketpair  = 53
	X__NR_setsockopt  = 54
	X__NR_getsockopt  = 55
	X__NR_accept4     = 288
)

// Socket states (include/uapi/linux/net.h socket_state).
const (
	SS_FREE          = 0
	SS_UNCONNECTED   = 1
	SS_CONNECTING    = 2
	SS_CONNECTED     = 3
	SS_DISCONNECTING = 4
)

// SOCK_MAX: types are below it (include/linux/net.h).
const SOCK_MAX = 11

// SOMAXCONN: listen's backlog cap (net.core.somaxconn).
const SOMAXCONN = 4096

// Socket is struct socket: the file's side of a socket.
type Socket struct {
	State int32
	Type  int16
	File  *fs.File
	Sk    *Sock
	Ops   *Proto_ops
}

// Proto_ops is struct proto_ops: what a family does for each call. addr
// is the caller's address, copied in; Getname fills addr and returns its
// length or an error.
type Proto_ops struct {
	Family     int
	Release    func(sock *Socket) int
	Bind       func(sock *Socket, addr []byte) int
	Connect    func(sock *Socket, addr []byte, flags uint32) int
	Socketpair func(a, b *Socket) int
	Accept     func(sock, newsock *Socket, flags uint32) int
	Getname    func(sock *Socket, addr *uapi.Sockaddr_storage, peer bool) int
	Poll       func(f *fs.File, sock *Socket, pt *fs.Poll_table) uint32
	Ioctl      func(sock *Socket, cmd uint32, arg uintptr) int64
	Listen     func(sock *Socket, backlog int) int
	Shutdown   func(sock *Socket, how int) int
	Sendmsg    func(sock *Socket, m *Msghdr, size int) int64
	Recvmsg    func(sock *Socket, m *Msghdr, size int, flags uint32) int64
	// Flush: a descriptor of the socket is being closed (gokern's:
	// AF_UNIX runs its garbage collector of sockets in flight).
	Flush func(sock *Socket)
	// Setsockopt and Getsockopt: the options of levels other than
	// SOL_SOCKET (IPPROTO_TCP, IPPROTO_IP...); nil: -EOPNOTSUPP (Linux
	// sock_no_setsockopt).
	Setsockopt func(sock *Socket, level, optname int, optval uintptr, optlen int) int
	Getsockopt func(sock *Socket, level, optname int, optval, optlen uintptr) int
}

// Net_proto_family is struct net_proto_family: how a family makes its
// socks.
type Net_proto_family struct {
	Family int
	Create func(sock *Socket, protocol int, kern bool) int
}

// net_families: the families registered (Linux net_families[]).
var net_families [uapi.AF_MAX]*Net_proto_family

// Sock_register adds a family (Linux sock_register).
func Sock_register(ops *Net_proto_family) int {
	if ops.Family < 0 || ops.Family >= uapi.AF_MAX {
		return -uapi.ENOBUFS
	}
	if net_families[ops.Family] != nil {
		return -uapi.EEXIST
	}
	net_families[ops.Family] = ops
	return 0
}

// Msghdr is struct msghdr, the kernel's view of one sendmsg or recvmsg:
// the address in kernel memory, the data's iterator, the control
// messages (a kernel copy for sendmsg, the user's buffer for recvmsg).
type Msghdr struct {
	Msg_name    *uapi.Sockaddr_storage
	Msg_namelen int
	Msg_iter    fs.Iov_iter
	// Msg_control: sendmsg's control messages, copied in.
	Msg_control []byte
	// Msg_control_user, Msg_controllen: recvmsg's buffer for them and
	// the room left in it.
	Msg_control_user uintptr
	Msg_controllen   uint64
	Msg_flags        uint32 // out: MSG_TRUNC, MSG_CTRUNC
	Msg_flags_in     uint32 // the caller's flags (MSG_CMSG_CLOEXEC)
}

var sock_cache slab.Cache[Socket]

// Sock_init makes the socket layer's caches (Linux sock_init, a
// core_initcall, and skb_init).
func Sock_init() int {
	if sock_cache = slab.NewCache[Socket]("sock_inode_cache", 0); sock_cache.Cachep == nil {
		return -uapi.ENOMEM
	}
	if skbuff_head_cache = slab.NewCache[Sk_buff]("skbuff_head_cache", 0); skbuff_head_cache.Cachep == nil {
		return -uapi.ENOMEM
	}
	return 0
}

// Nr_sockets counts the sockets alive.
var Nr_sockets int64

// Sock_alloc makes an unconnected socket (Linux sock_alloc).
func Sock_alloc() *Socket {
	sock := sock_cache.Zalloc(mm.GFP_KERNEL | mm.X__GFP_NOWARN)
	if sock != nil {
		sock.State = SS_UNCONNECTED
		atomic.AddInt64(&Nr_sockets, 1)
	}
	return sock
}

// Sock_release has the family drop its sock and frees the socket (Linux
// __sock_release).
func Sock_release(sock *Socket) {
	if sock.Ops != nil && sock.Ops.Release != nil {
		sock.Ops.Release(sock)
	}
	*sock = Socket{}
	sock_cache.Free(sock)
	atomic.AddInt64(&Nr_sockets, -1)
}

// Socket_file_ops is a socket's file (Linux socket_file_ops): read and
// write are recvmsg and sendmsg without flags.
var Socket_file_ops = fs.FileOperations{
	Read:           sock_read_iter,
	Write:          sock_write_iter,
	Poll:           sock_poll,
	Unlocked_ioctl: sock_ioctl,
	Flush:          sock_flush,
	Release:        sock_close,
}

func sock_flush(f *fs.File) int {
	if sock := sock_of(f); sock != nil && sock.Ops != nil && sock.Ops.Flush != nil {
		sock.Ops.Flush(sock)
	}
	return 0
}

func sock_of(f *fs.File) *Socket { return (*Socket)(unsafe.Add(nil, f.Private_data)) }

// Sock_from_file is the socket of f, or nil (Linux sock_from_file).
func Sock_from_file(f *fs.File) *Socket {
	if f.F_op != &Socket_file_ops {
		return nil
	}
	return sock_of(f)
}

// Sock_alloc_file gives sock a file (Linux sock_alloc_file): an inode of
// type S_IFSOCK, so fstat says socket.
func Sock_alloc_file(sock *Socket, flags uint32) (*fs.File, int) {
	f, err := fs.Anon_inode_getfile(&Socket_file_ops, uintptr(unsafe.Pointer(sock)), uapi.O_RDWR|flags&uapi.O_NONBLOCK)
	if err != 0 {
		return nil, err
	}
	f.F_inode.I_mode = uapi.S_IFSOCK | 0o777
	sock.File = f
	return f, 0
}

// sock_map_fd installs sock in a new descriptor (Linux sock_map_fd); on
// error the socket is released.
func sock_map_fd(sock *Socket, flags uint32) int {
	fd := fs.Get_unused_fd_flags(flags & uapi.O_CLOEXEC)
	if fd < 0 {
		Sock_release(sock)
		return fd
	}
	f, err := Sock_alloc_file(sock, flags)
	if err != 0 {
		fs.Put_unused_fd(fd)
		Sock_release(sock)
		return err
	}
	fs.Fd_install(fd, f)
	return fd
}

func sock_read_iter(f *fs.File, to *fs.Iov_iter, pos *int64) int64 {
	if to.Count() == 0 {
		return 0
	}
	m := Msghdr{Msg_iter: *to}
	var flags uint32
	if f.F_flags&uapi.O_NONBLOCK != 0 {
		flags = uapi.MSG_DONTWAIT
	}
	n := Sock_recvmsg(sock_of(f), &m, flags)
	*to = m.Msg_iter
	return n
}

func sock_write_iter(f *fs.File, from *fs.Iov_iter, pos *int64) int64 {
	m := Msghdr{Msg_iter: *from}
	if f.F_flags&uapi.O_NONBLOCK != 0 {
		m.Msg_flags_in = uapi.MSG_DONTWAIT
	}
	n := Sock_sendmsg(sock_of(f), &m)
	*from = m.Msg_iter
	return n
}

func sock_poll(f *fs.File, pt *fs.Poll_table) uint32 {
	sock := sock_of(f)
	return sock.Ops.Poll(f, sock, compiler.Noescape(pt))
}

// sock_ioctl: the family's ioctl first; what it does not know
// (-ENOIOCTLCMD) may be an interface ioctl any socket answers (Linux
// sock_ioctl, sock_do_ioctl; dev_ioctl.go).
func sock_ioctl(f *fs.File, cmd uint32, arg uintptr) int64 {
	sock := sock_of(f)
	if sock.Ops.Ioctl != nil {
		if err := sock.Ops.Ioctl(sock, cmd, arg); err != -ENOIOCTLCMD {
			return err
		}
	}
	return sock_do_ioctl(cmd, arg)
}

func sock_close(inode *fs.Inode, f *fs.File) int {
	if sock := sock_of(f); sock != nil {
		Sock_release(sock)
	}
	f.Private_data = 0
	return 0
}

// Sock_sendmsg sends m (Linux sock_sendmsg): the bytes sent or an error.
// Msg_flags_in carries the caller's flags.
func Sock_sendmsg(sock *Socket, m *Msghdr) int64 {
	return sock.Ops.Sendmsg(sock, compiler.Noescape(m), m.Msg_iter.Count())
}

// Sock_recvmsg receives into m (Linux sock_recvmsg).
func Sock_recvmsg(sock *Socket, m *Msghdr, flags uint32) int64 {
	m.Msg_flags_in = flags
	return sock.Ops.Recvmsg(sock, compiler.Noescape(m), m.Msg_iter.Count(), flags)
}

// Sock_create makes a socket (Linux __sock_create): -EAFNOSUPPORT for a
// family gokern does not build, -EINVAL for a type out of range.
func Sock_create(family, typ, protocol int) (*Socket, int) {
	if family < 0 || family >= uapi.AF_MAX {
		return nil, -uapi.EAFNOSUPPORT
	}
	if typ < 0 || typ >= SOCK_MAX {
		return nil, -uapi.EINVAL
	}
	pf := net_families[family]
	if pf == nil {
		return nil, -uapi.EAFNOSUPPORT
	}
	sock := Sock_alloc()
	if sock == nil {
		return nil, -uapi.ENFILE
	}
	sock.Type = int16(typ)
	if err := pf.Create(sock, protocol, false); err != 0 {
		sock.Ops = nil
		Sock_release(sock)
		return nil, err
	}
	return sock, 0
}

// sockfd_lookup is the socket at fd, with its file referenced (Linux
// sockfd_lookup): -EBADF, -ENOTSOCK.
func sockfd_lookup(fd int) (*Socket, *fs.File, int) {
	f := fs.Fget(fd)
	if f == nil {
		return nil, nil, -uapi.EBADF
	}
	sock := Sock_from_file(f)
	if sock == nil {
		fs.Fput(f)
		return nil, nil, -uapi.ENOTSOCK
	}
	return sock, f, 0
}

// move_addr_to_kernel copies a caller's address in (Linux
// move_addr_to_kernel): -EINVAL for a length beyond sockaddr_storage.
func move_addr_to_kernel(uaddr uintptr, ulen int, k *uapi.Sockaddr_storage) int {
	if ulen < 0 || ulen > int(unsafe.Sizeof(*k)) {
		return -uapi.EINVAL
	}
	if ulen == 0 {
		return 0
	}
	return fs.CopyObjFromUser(unsafe.Pointer(k), uaddr, uintptr(ulen))
}

// move_addr_to_user copies an address out, cut to the caller's buffer,
// and its full length to *ulenp (Linux move_addr_to_user).
func move_addr_to_user(k *uapi.Sockaddr_storage, klen int, uaddr, ulenp uintptr) int {
	var ulen int32
	if fs.CopyObjFromUser(unsafe.Pointer(&ulen), ulenp, 4) != 0 {
		return -uapi.EFAULT
	}
	if ulen < 0 {
		return -uapi.EINVAL
	}
	if n := min(int(ulen), klen); n > 0 && fs.CopyObjToUser(uaddr, unsafe.Pointer(k), uintptr(n)) != 0 {
		return -uapi.EFAULT
	}
	k32 := int32(klen)
	return fs.CopyObjToUser(ulenp, unsafe.Pointer(&k32), 4)
}

func addrBytes(k *uapi.Sockaddr_storage, n int) []byte {
	return unsafe.Slice((*byte)(unsafe.Pointer(k)), n)
}

// The system calls (Linux's SYSCALL_DEFINEs of net/socket.c). Arguments:
// RDI, RSI, RDX, R10, R8, R9; descriptors and ints are 32-bit.

func iarg(v uint64) int { return int(int32(v)) }

// Sys_socket: socket(family, type, protocol) (Linux __sys_socket).
func Sys_socket(r *asm.PtRegs) int64 {
	typ := iarg(r.SI)
	flags := uint32(typ) &^ uapi.SOCK_TYPE_MASK
	if flags&^(uapi.SOCK_CLOEXEC|uapi.SOCK_NONBLOCK) != 0 {
		return -uapi.EINVAL
	}
	sock, err := Sock_create(iarg(r.DI), typ&uapi.SOCK_TYPE_MASK, iarg(r.DX))
	if err != 0 {
		return int64(err)
	}
	return int64(sock_map_fd(sock, flags))
}

// Sys_socketpair: socketpair(family, type, protocol, sv[2]) (Linux
// __sys_socketpair).
func Sys_socketpair(r *asm.PtRegs) int64 {
	typ := iarg(r.SI)
	flags := uint32(typ) &^ uapi.SOCK_TYPE_MASK
	if flags&^(uapi.SOCK_CLOEXEC|uapi.SOCK_NONBLOCK) != 0 {
		return -uapi.EINVAL
	}
	family, protocol, usv := iarg(r.DI), iarg(r.DX), uintptr(r.R10)
	typ &= uapi.SOCK_TYPE_MASK
	a, err := Sock_create(family, typ, protocol)
	if err != 0 {
		return int64(err)
	}
	b, err := Sock_create(family, typ, protocol)
	if err != 0 {
		Sock_release(a)
		return int64(err)
	}
	if a.Ops.Socketpair == nil {
		Sock_release(a)
		Sock_release(b)
		return -uapi.EOPNOTSUPP
	}
	if err := a.Ops.Socketpair(a, b); err != 0 {
		Sock_release(a)
		Sock_release(b)
		return int64(err)
	}
	fd1 := sock_map_fd(a, flags)
	if fd1 < 0 {
		Sock_release(b)
		return int64(fd1)
	}
	fd2 := sock_map_fd(b, flags)
	if fd2 < 0 {
		fs.Ksys_close(fd1)
		return int64(fd2)
	}
	sv := [2]int32{int32(fd1), int32(fd2)}
	if fs.CopyObjToUser(usv, unsafe.Pointer(&sv), 8) != 0 {
		// Linux copies out before installing; closing them again is
		// the same to a single-threaded caller (as kernel/sys's pipe2).
		fs.Ksys_close(fd1)
		fs.Ksys_close(fd2)
		return -uapi.EFAULT
	}
	return 0
}

// Sys_bind: bind(fd, addr, addrlen) (Linux __sys_bind); Sys_connect:
// connect(fd, addr, addrlen) (Linux __sys_connect).
func Sys_bind(r *asm.PtRegs) int64    { return bind_or_connect(r, false) }
func Sys_connect(r *asm.PtRegs) int64 { return bind_or_connect(r, true) }

// bind_or_connect copies the address in and hands it to the family.
func bind_or_connect(r *asm.PtRegs, connect bool) int64 {
	var k uapi.Sockaddr_storage
	n := iarg(r.DX)
	if err := move_addr_to_kernel(uintptr(r.SI), n, &k); err != 0 {
		return int64(err)
	}
	sock, f, err := sockfd_lookup(iarg(r.DI))
	if err != 0 {
		return int64(err)
	}
	addr := compiler.NoescapeBytes(addrBytes(&k, n))
	if connect {
		err = sock.Ops.Connect(sock, addr, f.F_flags)
	} else {
		err = sock.Ops.Bind(sock, addr)
	}
	fs.Fput(f)
	return int64(err)
}

// Sys_listen: listen(fd, backlog) (Linux __sys_listen): the backlog is
// capped at somaxconn.
func Sys_listen(r *asm.PtRegs) int64 {
	sock, f, err := sockfd_lookup(iarg(r.DI))
	if err != 0 {
		return int64(err)
	}
	backlog := iarg(r.SI)
	if uint32(backlog) > SOMAXCONN {
		backlog = SOMAXCONN // a negative backlog too (Linux compares unsigned)
	}
	if sock.Ops.Listen == nil {
		err = -uapi.EOPNOTSUPP // Linux sock_no_listen
	} else {
		err = sock.Ops.Listen(sock, backlog)
	}
	fs.Fput(f)
	return int64(err)
}

// Sys_accept: accept(fd, addr, addrlen); Sys_accept4 with flags
// (SOCK_NONBLOCK, SOCK_CLOEXEC) (Linux __sys_accept4).
func Sys_accept(r *asm.PtRegs) int64 { return do_accept(iarg(r.DI), uintptr(r.SI), uintptr(r.DX), 0) }

func Sys_accept4(r *asm.PtRegs) int64 {
	return do_accept(iarg(r.DI), uintptr(r.SI), uintptr(r.DX), uint32(iarg(r.R10)))
}

func do_accept(fd int, uaddr, ulenp uintptr, flags uint32) int64 {
	if flags&^(uapi.SOCK_CLOEXEC|uapi.SOCK_NONBLOCK) != 0 {
		return -uapi.EINVAL
	}
	sock, f, err := sockfd_lookup(fd)
	if err != 0 {
		return int64(err)
	}
	ret := do_accept_file(sock, f, uaddr, ulenp, flags)
	fs.Fput(f)
	return ret
}

// do_accept_file is do_accept's work while it holds the socket
// file's reference (a body, not a defer: a debug build's defers are not
// open-coded and call the runtime, DESIGN.md §4).
func do_accept_file(sock *Socket, f *fs.File, uaddr, ulenp uintptr, flags uint32) int64 {
	if sock.Ops.Accept == nil {
		return -uapi.EOPNOTSUPP
	}
	newsock := Sock_alloc()
	if newsock == nil {
		return -uapi.ENFILE
	}
	newsock.Type = sock.Type
	if err := sock.Ops.Accept(sock, newsock, f.F_flags); err != 0 {
		Sock_release(newsock)
		return int64(err)
	}
	newsock.Ops = sock.Ops
	newfd := fs.Get_unused_fd_flags(flags & uapi.O_CLOEXEC)
	if newfd < 0 {
		Sock_release(newsock)
		return int64(newfd)
	}
	nf, err := Sock_alloc_file(newsock, flags)
	if err != 0 {
		fs.Put_unused_fd(newfd)
		Sock_release(newsock)
		return int64(err)
	}
	if uaddr != 0 {
		var k uapi.Sockaddr_storage
		n := newsock.Ops.Getname(newsock, compiler.Noescape(&k), true)
		if n < 0 {
			n = int(unsafe.Sizeof(uint16(0)))
			k.Ss_family = uapi.AF_UNIX
		}
		if err := move_addr_to_user(&k, n, uaddr, ulenp); err != 0 {
			fs.Put_unused_fd(newfd)
			fs.Fput(nf)
			return int64(err)
		}
	}
	fs.Fd_install(newfd, nf)
	return int64(newfd)
}

// Sys_getsockname and Sys_getpeername: the socket's own address and its
// peer's (Linux __sys_getsockname, __sys_getpeername).
func Sys_getsockname(r *asm.PtRegs) int64 {
	return do_getname(iarg(r.DI), uintptr(r.SI), uintptr(r.DX), false)
}
func Sys_getpeername(r *asm.PtRegs) int64 {
	return do_getname(iarg(r.DI), uintptr(r.SI), uintptr(r.DX), true)
}

func do_getname(fd int, uaddr, ulenp uintptr, peer bool) int64 {
	sock, f, err := sockfd_lookup(fd)
	if err != 0 {
		return int64(err)
	}
	ret := do_getname_sock(sock, uaddr, ulenp, peer)
	fs.Fput(f)
	return ret
}

// do_getname_sock is do_getname's work while it holds the socket
// file's reference (a body, not a defer: a debug build's defers are not
// open-coded and call the runtime, DESIGN.md §4).
func do_getname_sock(sock *Socket, uaddr, ulenp uintptr, peer bool) int64 {
	var k uapi.Sockaddr_storage
	n := sock.Ops.Getname(sock, compiler.Noescape(&k), peer)
	if n < 0 {
		return int64(n)
	}
	return int64(move_addr_to_user(&k, n, uaddr, ulenp))
}

// Sys_sendto: sendto(fd, buf, len, flags, addr, addrlen) (Linux
// __sys_sendto).
func Sys_sendto(r *asm.PtRegs) int64 {
	sock, f, err := sockfd_lookup(iarg(r.DI))
	if err != 0 {
		return int64(err)
	}
	ret := __sys_sendto(sock, f, r)
	fs.Fput(f)
	return ret
}

// __sys_sendto is Sys_sendto's work while it holds the socket
// file's reference (a body, not a defer: a debug build's defers are not
// open-coded and call the runtime, DESIGN.md §4).
func __sys_sendto(sock *Socket, f *fs.File, r *asm.PtRegs) int64 {
	size := min(r.DX, fs.MAX_RW_COUNT)
	m := Msghdr{Msg_iter: fs.Iov_iter_ubuf(uintptr(r.SI), int(size)), Msg_flags_in: uint32(r.R10)}
	var k uapi.Sockaddr_storage
	if r.R8 != 0 {
		n := iarg(r.R9)
		if err := move_addr_to_kernel(uintptr(r.R8), n, &k); err != 0 {
			return int64(err)
		}
		m.Msg_name, m.Msg_namelen = &k, n
	}
	if f.F_flags&uapi.O_NONBLOCK != 0 {
		m.Msg_flags_in |= uapi.MSG_DONTWAIT
	}
	return Sock_sendmsg(sock, &m)
}

// Sys_recvfrom: recvfrom(fd, buf, len, flags, addr, addrlen) (Linux
// __sys_recvfrom).
func Sys_recvfrom(r *asm.PtRegs) int64 {
	sock, f, err := sockfd_lookup(iarg(r.DI))
	if err != 0 {
		return int64(err)
	}
	ret := __sys_recvfrom(sock, f, r)
	fs.Fput(f)
	return ret
}

// __sys_recvfrom is Sys_recvfrom's work while it holds the socket
// file's reference (a body, not a defer: a debug build's defers are not
// open-coded and call the runtime, DESIGN.md §4).
func __sys_recvfrom(sock *Socket, f *fs.File, r *asm.PtRegs) int64 {
	size := min(r.DX, fs.MAX_RW_COUNT)
	var k uapi.Sockaddr_storage
	m := Msghdr{Msg_iter: fs.Iov_iter_ubuf(uintptr(r.SI), int(size)), Msg_name: &k}
	flags := uint32(r.R10)
	if f.F_flags&uapi.O_NONBLOCK != 0 {
		flags |= uapi.MSG_DONTWAIT
	}
	n := Sock_recvmsg(sock, &m, flags)
	if n >= 0 && r.R8 != 0 {
		if err := move_addr_to_user(&k, m.Msg_namelen, uintptr(r.R8), uintptr(r.R9)); err != 0 {
			return int64(err)
		}
	}
	return n
}

// MAX_CTL: the most control-message bytes a sendmsg copies in (Linux
// sock_kmalloc's limit, net.core.optmem_max).
const MAX_CTL = 20480

// copy_msghdr_from_user copies a user_msghdr and its iovec array in
// (Linux copy_msghdr_from_user + import_iovec).
func copy_msghdr_from_user(umsg uintptr, um *uapi.User_msghdr) (fs.Iov_iter, unsafe.Pointer, int) {
	if fs.CopyObjFromUser(unsafe.Pointer(um), umsg, unsafe.Sizeof(*um)) != 0 {
		return fs.Iov_iter{}, nil, -uapi.EFAULT
	}
	if um.Msg_namelen < 0 {
		return fs.Iov_iter{}, nil, -uapi.EINVAL
	}
	if um.Msg_iovlen > fs.UIO_MAXIOV {
		return fs.Iov_iter{}, nil, -uapi.EMSGSIZE // Linux __copy_msghdr
	}
	return fs.Import_iovec(um.Msg_iov, um.Msg_iovlen)
}

// Sys_sendmsg: sendmsg(fd, msg, flags) (Linux ____sys_sendmsg).
func Sys_sendmsg(r *asm.PtRegs) int64 {
	sock, f, err := sockfd_lookup(iarg(r.DI))
	if err != 0 {
		return int64(err)
	}
	var um uapi.User_msghdr
	it, iov, err := copy_msghdr_from_user(uintptr(r.SI), &um)
	if err != 0 {
		fs.Fput(f)
		return int64(err)
	}
	flags := uint32(r.DX)
	if f.F_flags&uapi.O_NONBLOCK != 0 {
		flags |= uapi.MSG_DONTWAIT
	}
	ret := sendmsg_body(sock, &um, &it, flags)
	mm.Kfree(iov)
	fs.Fput(f)
	return ret
}

// sendmsg_body copies the address and the control messages in and sends.
func sendmsg_body(sock *Socket, um *uapi.User_msghdr, it *fs.Iov_iter, flags uint32) int64 {
	m := Msghdr{Msg_iter: *it, Msg_flags_in: flags}
	var k uapi.Sockaddr_storage
	if um.Msg_name != 0 && um.Msg_namelen != 0 {
		if err := move_addr_to_kernel(um.Msg_name, int(um.Msg_namelen), &k); err != 0 {
			return int64(err)
		}
		m.Msg_name, m.Msg_namelen = &k, int(um.Msg_namelen)
	}
	if um.Msg_controllen == 0 {
		return Sock_sendmsg(sock, &m)
	}
	if um.Msg_controllen > MAX_CTL {
		return -uapi.ENOBUFS
	}
	p := mm.Kmalloc(um.Msg_controllen, mm.GFP_KERNEL)
	if p == nil {
		return -uapi.ENOBUFS
	}
	var ret int64 = -uapi.EFAULT
	if fs.CopyObjFromUser(p, um.Msg_control, uintptr(um.Msg_controllen)) == 0 {
		m.Msg_control = unsafe.Slice((*byte)(p), um.Msg_controllen)
		ret = Sock_sendmsg(sock, &m)
	}
	mm.Kfree(p)
	return ret
}

// Sys_recvmsg: recvmsg(fd, msg, flags) (Linux ____sys_recvmsg): the
// address, the control messages' length and the flags (MSG_TRUNC,
// MSG_CTRUNC) go back into the caller's msghdr.
func Sys_recvmsg(r *asm.PtRegs) int64 {
	sock, f, err := sockfd_lookup(iarg(r.DI))
	if err != 0 {
		return int64(err)
	}
	ret := ___sys_recvmsg(sock, f, r)
	fs.Fput(f)
	return ret
}

// ___sys_recvmsg is Sys_recvmsg's work while it holds the socket
// file's reference (a body, not a defer: a debug build's defers are not
// open-coded and call the runtime, DESIGN.md §4).
func ___sys_recvmsg(sock *Socket, f *fs.File, r *asm.PtRegs) int64 {
	umsg := uintptr(r.SI)
	var um uapi.User_msghdr
	it, iov, err := copy_msghdr_from_user(umsg, &um)
	if err != 0 {
		return int64(err)
	}
	ret := ____sys_recvmsg(sock, f, r, umsg, &um, it)
	mm.Kfree(iov)
	return ret
}

// ____sys_recvmsg receives into the iovecs ___sys_recvmsg copied in, while
// it holds them, and writes the address, the control length and the flags
// back into the caller's msghdr.
func ____sys_recvmsg(sock *Socket, f *fs.File, r *asm.PtRegs, umsg uintptr, um *uapi.User_msghdr, it fs.Iov_iter) int64 {
	var k uapi.Sockaddr_storage
	m := Msghdr{Msg_iter: it, Msg_name: &k, Msg_control_user: um.Msg_control, Msg_controllen: um.Msg_controllen}
	flags := uint32(r.DX)
	if f.F_flags&uapi.O_NONBLOCK != 0 {
		flags |= uapi.MSG_DONTWAIT
	}
	// Linux starts msg_flags from the caller's MSG_CMSG_CLOEXEC, so it
	// comes back (____sys_recvmsg).
	m.Msg_flags = flags & uapi.MSG_CMSG_CLOEXEC
	n := Sock_recvmsg(sock, &m, flags)
	if n < 0 {
		return n
	}
	if um.Msg_name != 0 {
		ulen := min(int(um.Msg_namelen), m.Msg_namelen)
		if ulen > 0 && fs.CopyObjToUser(um.Msg_name, unsafe.Pointer(&k), uintptr(ulen)) != 0 {
			return -uapi.EFAULT
		}
	}
	out := struct {
		namelen int32
	}{int32(m.Msg_namelen)}
	if um.Msg_name == 0 {
		out.namelen = 0
	}
	used := um.Msg_controllen - m.Msg_controllen
	fl := m.Msg_flags
	if fs.CopyObjToUser(umsg+unsafe.Offsetof(um.Msg_namelen), unsafe.Pointer(&out.namelen), 4) != 0 ||
		fs.CopyObjToUser(umsg+unsafe.Offsetof(um.Msg_controllen), unsafe.Pointer(&used), 8) != 0 ||
		fs.CopyObjToUser(umsg+unsafe.Offsetof(um.Msg_flags), unsafe.Pointer(&fl), 4) != 0 {
		return -uapi.EFAULT
	}
	return n
}

// Sys_shutdown: shutdown(fd, how) (Linux __sys_shutdown).
func Sys_shutdown(r *asm.PtRegs) int64 {
	sock, f, err := sockfd_lookup(iarg(r.DI))
	if err != 0 {
		return int64(err)
	}
	err = sock.Ops.Shutdown(sock, iarg(r.SI))
	fs.Fput(f)
	return int64(err)
}

// Sys_setsockopt: setsockopt(fd, level, name, val, len) (Linux
// __sys_setsockopt): SOL_SOCKET's options are the socket layer's, the
// other levels the family's (Proto_ops.Setsockopt; AF_UNIX has none:
// -EOPNOTSUPP, as Linux's sock_no_setsockopt).
func Sys_setsockopt(r *asm.PtRegs) int64 {
	optlen := iarg(r.R8)
	if optlen < 0 {
		return -uapi.EINVAL
	}
	sock, f, err := sockfd_lookup(iarg(r.DI))
	if err != 0 {
		return int64(err)
	}
	ret := __sys_setsockopt(sock, r, optlen)
	fs.Fput(f)
	return ret
}

// __sys_setsockopt is Sys_setsockopt's work while it holds the socket
// file's reference (a body, not a defer: a debug build's defers are not
// open-coded and call the runtime, DESIGN.md §4).
func __sys_setsockopt(sock *Socket, r *asm.PtRegs, optlen int) int64 {
	if level := iarg(r.SI); level != uapi.SOL_SOCKET {
		if sock.Ops.Setsockopt == nil {
			return -uapi.EOPNOTSUPP
		}
		return int64(sock.Ops.Setsockopt(sock, level, iarg(r.DX), uintptr(r.R10), optlen))
	}
	return int64(Sock_setsockopt(sock, iarg(r.DX), uintptr(r.R10), optlen))
}

// Sys_getsockopt: getsockopt(fd, level, name, val, lenp) (Linux
// __sys_getsockopt).
func Sys_getsockopt(r *asm.PtRegs) int64 {
	sock, f, err := sockfd_lookup(iarg(r.DI))
	if err != 0 {
		return int64(err)
	}
	ret := __sys_getsockopt(sock, r)
	fs.Fput(f)
	return ret
}

// __sys_getsockopt is Sys_getsockopt's work while it holds the socket
// file's reference (a body, not a defer: a debug build's defers are not
// open-coded and call the runtime, DESIGN.md §4).
func __sys_getsockopt(sock *Socket, r *asm.PtRegs) int64 {
	if level := iarg(r.SI); level != uapi.SOL_SOCKET {
		if sock.Ops.Getsockopt == nil {
			return -uapi.EOPNOTSUPP
		}
		return int64(sock.Ops.Getsockopt(sock, level, iarg(r.DX), uintptr(r.R10), uintptr(r.R8)))
	}
	return int64(Sock_getsockopt(sock, iarg(r.DX), uintptr(r.R10), uintptr(r.R8)))
}
