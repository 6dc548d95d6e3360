package uapi

// AF_INET's user-space ABI: protocols, struct sockaddr_in, the options
// of the IPPROTO_IP and IPPROTO_TCP levels (include/uapi/linux/in.h,
// include/uapi/linux/tcp.h, include/uapi/linux/sockios.h).

// Errnos of the network (include/uapi/asm-generic/errno.h).
const (
	ENETUNREACH  = 101
	ECONNABORTED = 103
	EHOSTUNREACH = 113
)

// Protocols (include/uapi/linux/in.h); a level of setsockopt is the
// protocol's number (SOL_IP = 0, SOL_TCP = 6, SOL_UDP = 17).
const (
	IPPROTO_IP   = 0
	IPPROTO_ICMP = 1
	IPPROTO_TCP  = 6
	IPPROTO_UDP  = 17
	IPPROTO_IPV6 = 41
	IPPROTO_RAW  = 255
)

// Addresses (include/uapi/linux/in.h), in host byte order.
const (
	INADDR_ANY       = 0x00000000
	INADDR_BROADCAST = 0xffffffff
	INADDR_LOOPBACK  = 0x7f000001
)

// Sockaddr_in is struct sockaddr_in: the port and the address in network
// byte order.
type Sockaddr_in struct {
	Sin_family uint16
	Sin_port   [2]byte
	Sin_addr   [4]byte
	Sin_zero   [8]byte
}

// IPPROTO_IP options (include/uapi/linux/in.h).
const (
	IP_TOS            = 1
	IP_TTL            = 2
	IP_HDRINCL        = 3
	IP_OPTIONS        = 4
	IP_RECVERR        = 11
	IP_MULTICAST_IF   = 32
	IP_MULTICAST_TTL  = 33
	IP_MULTICAST_LOOP = 34
)

// IPPROTO_TCP options (include/uapi/linux/tcp.h).
const (
	TCP_NODELAY      = 1
	TCP_MAXSEG       = 2
	TCP_CORK         = 3
	TCP_KEEPIDLE     = 4
	TCP_KEEPINTVL    = 5
	TCP_KEEPCNT      = 6
	TCP_SYNCNT       = 7
	TCP_LINGER2      = 8
	TCP_DEFER_ACCEPT = 9
	TCP_QUICKACK     = 12
	TCP_USER_TIMEOUT = 18
)

// SIOCINQ and SIOCOUTQ: FIONREAD and TIOCOUTQ under their socket names
// (include/uapi/linux/sockios.h).
const (
	SIOCINQ  = FIONREAD
	SIOCOUTQ = 0x5411
)

// The socket ioctls of the interfaces (include/uapi/linux/sockios.h):
// type 0x89, SOCK_IOC_TYPE.
const (
	SOCK_IOC_TYPE      = 0x89
	SIOCGIFNAME        = 0x8910
	SIOCSIFLINK        = 0x8911
	SIOCGIFCONF        = 0x8912
	SIOCGIFFLAGS       = 0x8913
	SIOCSIFFLAGS       = 0x8914
	SIOCGIFADDR        = 0x8915
	SIOCSIFADDR        = 0x8916
	SIOCGIFDSTADDR     = 0x8917
	SIOCSIFDSTADDR     = 0x8918
	SIOCGIFBRDADDR     = 0x8919
	SIOCSIFBRDADDR     = 0x891a
	SIOCGIFNETMASK     = 0x891b
	SIOCSIFNETMASK     = 0x891c
	SIOCGIFMETRIC      = 0x891d
	SIOCSIFMETRIC      = 0x891e
	SIOCGIFMEM         = 0x891f
	SIOCSIFMEM         = 0x8920
	SIOCGIFMTU         = 0x8921
	SIOCSIFMTU         = 0x8922
	SIOCSIFNAME        = 0x8923
	SIOCSIFHWADDR      = 0x8924
	SIOCGIFHWADDR      = 0x8927
	SIOCGIFSLAVE       = 0x8929
	SIOCSIFSLAVE       = 0x8930
	SIOCADDMULTI       = 0x8931
	SIOCDELMULTI       = 0x8932
	SIOCGIFINDEX       = 0x8933
	SIOCSIFPFLAGS      = 0x8934
	SIOCGIFPFLAGS      = 0x8935
	SIOCDIFADDR        = 0x8936
	SIOCSIFHWBROADCAST = 0x8937
	SIOCGIFTXQLEN      = 0x8942
	SIOCSIFTXQLEN      = 0x8943
	SIOCGIFMAP         = 0x8970
	SIOCSIFMAP         = 0x8971
	SIOCPROTOPRIVATE   = 0x89e0
	SIOCDEVPRIVATE     = 0x89f0
)

// Ifreq is struct ifreq: a device name, then a union of 24 bytes (an
// address, flags, an index, an MTU, a map...).
type Ifreq struct {
	Ifr_name [16]byte
	Ifr_ifru [24]byte
}

// Ifconf is struct ifconf: SIOCGIFCONF's buffer and its length.
type Ifconf struct {
	Ifc_len int32
	_       int32
	Ifc_buf uintptr
}
