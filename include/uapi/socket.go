package uapi

// Sockets' user-space ABI: address families, socket types, socket
// options, message flags, control messages, and the structures the socket
// calls copy (include/linux/socket.h, include/uapi/linux/un.h,
// include/uapi/asm-generic/socket.h, include/uapi/linux/net.h).

// Socket errnos (include/uapi/asm-generic/errno.h).
const (
	EDOM            = 33
	ENOTSOCK        = 88
	EDESTADDRREQ    = 89
	EMSGSIZE        = 90
	EPROTOTYPE      = 91
	ENOPROTOOPT     = 92
	EPROTONOSUPPORT = 93
	ESOCKTNOSUPPORT = 94
	EAFNOSUPPORT    = 97
	EADDRINUSE      = 98
	EADDRNOTAVAIL   = 99
	ENOBUFS         = 105
	ECONNRESET      = 104
	EISCONN         = 106
	ENOTCONN        = 107
	ETOOMANYREFS    = 109
	ECONNREFUSED    = 111
	EALREADY        = 114
	EINPROGRESS     = 115
)

// Address families (include/linux/socket.h): gokern builds AF_UNIX only.
const (
	AF_UNSPEC = 0
	AF_UNIX   = 1
	AF_INET   = 2
	AF_INET6  = 10
	AF_MAX    = 46
)

// Socket types (include/linux/net.h) and the flags socket(2) takes with
// them (SOCK_NONBLOCK = O_NONBLOCK, SOCK_CLOEXEC = O_CLOEXEC).
const (
	SOCK_STREAM    = 1
	SOCK_DGRAM     = 2
	SOCK_RAW       = 3
	SOCK_RDM       = 4
	SOCK_SEQPACKET = 5
	SOCK_TYPE_MASK = 0xf
	SOCK_NONBLOCK  = O_NONBLOCK
	SOCK_CLOEXEC   = O_CLOEXEC
)

// Socket options at SOL_SOCKET (include/uapi/asm-generic/socket.h).
const (
	SOL_SOCKET    = 1
	SO_DEBUG      = 1
	SO_REUSEADDR  = 2
	SO_TYPE       = 3
	SO_ERROR      = 4
	SO_DONTROUTE  = 5
	SO_BROADCAST  = 6
	SO_SNDBUF     = 7
	SO_RCVBUF     = 8
	SO_KEEPALIVE  = 9
	SO_OOBINLINE  = 10
	SO_LINGER     = 13
	SO_REUSEPORT  = 15
	SO_PASSCRED   = 16
	SO_PEERCRED   = 17
	SO_RCVLOWAT   = 18
	SO_SNDLOWAT   = 19
	SO_ACCEPTCONN = 30
	SO_PROTOCOL   = 38
	SO_DOMAIN     = 39
)

// Message flags (include/linux/socket.h).
const (
	MSG_OOB          = 1
	MSG_PEEK         = 2
	MSG_CTRUNC       = 8
	MSG_TRUNC        = 0x20
	MSG_DONTWAIT     = 0x40
	MSG_EOR          = 0x80
	MSG_WAITALL      = 0x100
	MSG_NOSIGNAL     = 0x4000
	MSG_CMSG_CLOEXEC = 0x40000000
)

// Control messages at SOL_SOCKET (include/linux/socket.h).
const (
	SCM_RIGHTS      = 1
	SCM_CREDENTIALS = 2
	// SCM_MAX_FD: the most descriptors one SCM_RIGHTS message carries
	// (include/net/scm.h).
	SCM_MAX_FD = 253
)

// shutdown(2)'s how (include/linux/net.h).
const (
	SHUT_RD   = 0
	SHUT_WR   = 1
	SHUT_RDWR = 2
)

// UNIX_PATH_MAX: sun_path's size (include/uapi/linux/un.h).
const UNIX_PATH_MAX = 108

// Sockaddr_un is struct sockaddr_un.
type Sockaddr_un struct {
	Sun_family uint16
	Sun_path   [UNIX_PATH_MAX]byte
}

// Sockaddr_storage is struct __kernel_sockaddr_storage: room for any
// address (_K_SS_MAXSIZE).
type Sockaddr_storage struct {
	Ss_family uint16
	Data      [126]byte
}

// Ucred is struct ucred: SO_PEERCRED's and SCM_CREDENTIALS' answer.
type Ucred struct {
	Pid int32
	Uid uint32
	Gid uint32
}

// User_msghdr is struct user_msghdr, as sendmsg and recvmsg take it.
type User_msghdr struct {
	Msg_name       uintptr
	Msg_namelen    int32
	_              int32
	Msg_iov        uintptr
	Msg_iovlen     uint64
	Msg_control    uintptr
	Msg_controllen uint64
	Msg_flags      uint32
	_              int32
}

// Cmsghdr is struct cmsghdr; its data follows, CMSG_ALIGN'd.
type Cmsghdr struct {
	Cmsg_len   uint64
	Cmsg_level int32
	Cmsg_type  int32
}

// CMSG_ALIGN rounds up to the alignment of a control message (a long).
func CMSG_ALIGN(n uint64) uint64 { return (n + 7) &^ 7 }

// CMSG_LEN and CMSG_SPACE are the header plus n bytes of data, unpadded
// and padded.
func CMSG_LEN(n uint64) uint64   { return CMSG_ALIGN(16) + n }
func CMSG_SPACE(n uint64) uint64 { return CMSG_ALIGN(16) + CMSG_ALIGN(n) }
