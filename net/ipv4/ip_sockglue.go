package ipv4

import (
	"unsafe"

	"gokern/fs"
	"gokern/include/uapi"
	"gokern/net"
)

// The options of the IPPROTO_IP, IPPROTO_TCP and IPPROTO_UDP levels.
// Linux: net/ipv4/ip_sockglue.c (do_ip_setsockopt, do_ip_getsockopt),
// tcp.c (do_tcp_setsockopt, do_tcp_getsockopt), udp.c
// (udp_lib_setsockopt). Each is stored and read back as Linux does; on
// the loopback none changes what moves (no segments to delay, no
// keepalive probes to send).

// Linux's limits and defaults (include/net/tcp.h; net.ipv4.tcp_*
// sysctls, IPDEFTTL).
const (
	MAX_TCP_KEEPIDLE     = 32767
	MAX_TCP_KEEPINTVL    = 32767
	MAX_TCP_KEEPCNT      = 127
	MAX_TCP_SYNCNT       = 127
	TCP_KEEPALIVE_TIME   = 7200 // seconds
	TCP_KEEPALIVE_INTVL  = 75
	TCP_KEEPALIVE_PROBES = 9
	TCP_SYN_RETRIES      = 6
	TCP_FIN_TIMEOUT      = 60
	TCP_FIN_TIMEOUT_MAX  = 120
	IPDEFTTL             = 64
	INET_ECN_MASK        = 3
)

// get_int copies an option's int in: -EINVAL when shorter (Linux
// copy_from_sockptr of an int after its optlen check).
func get_int(optval uintptr, optlen int) (int32, int) {
	var v int32
	if optlen < 4 {
		return 0, -uapi.EINVAL
	}
	if fs.CopyObjFromUser(unsafe.Pointer(&v), optval, 4) != 0 {
		return 0, -uapi.EFAULT
	}
	return v, 0
}

// put_int copies an option's int out, cut to the caller's length.
func put_int(v int32, optval, optlen uintptr) int {
	var ulen int32
	if fs.CopyObjFromUser(unsafe.Pointer(&ulen), optlen, 4) != 0 {
		return -uapi.EFAULT
	}
	if ulen < 0 {
		return -uapi.EINVAL
	}
	ulen = min(ulen, 4)
	if fs.CopyObjToUser(optlen, unsafe.Pointer(&ulen), 4) != 0 || fs.CopyObjToUser(optval, unsafe.Pointer(&v), uintptr(ulen)) != 0 {
		return -uapi.EFAULT
	}
	return 0
}

// ip_setsockopt: IPPROTO_IP's options (Linux do_ip_setsockopt). An int,
// or for these a single byte.
func ip_setsockopt(inet *Inet_sock, level, optname int, optval uintptr, optlen int) int {
	if level != uapi.IPPROTO_IP {
		return -uapi.ENOPROTOOPT
	}
	var v int32
	switch optname {
	case uapi.IP_TOS, uapi.IP_TTL, uapi.IP_RECVERR, uapi.IP_MULTICAST_TTL, uapi.IP_MULTICAST_LOOP:
		if optlen >= 4 {
			var err int
			if v, err = get_int(optval, optlen); err != 0 {
				return err
			}
		} else if optlen >= 1 {
			var b uint8
			if fs.CopyObjFromUser(unsafe.Pointer(&b), optval, 1) != 0 {
				return -uapi.EFAULT
			}
			v = int32(b)
		}
	default:
		return -uapi.ENOPROTOOPT
	}
	inet_lock()
	err := 0
	switch optname {
	case uapi.IP_TOS:
		if inet.Sk.Sk_type == uapi.SOCK_STREAM {
			v &^= INET_ECN_MASK
			v |= int32(inet.Tos & INET_ECN_MASK)
		}
		inet.Tos = uint8(v)
	case uapi.IP_TTL:
		if optlen < 1 {
			err = -uapi.EINVAL
		} else if v != -1 && (v < 1 || v > 255) {
			err = -uapi.EINVAL
		} else {
			inet.Uc_ttl = int16(v)
		}
	case uapi.IP_RECVERR:
		inet.Recverr = v != 0
	case uapi.IP_MULTICAST_TTL:
		if inet.Sk.Sk_type == uapi.SOCK_STREAM {
			err = -uapi.EINVAL
		} else if optlen < 1 {
			err = -uapi.EINVAL
		} else {
			if v == -1 {
				v = 1
			}
			if v < 0 || v > 255 {
				err = -uapi.EINVAL
			} else {
				inet.Mc_ttl = uint8(v)
			}
		}
	case uapi.IP_MULTICAST_LOOP:
		if optlen < 1 {
			err = -uapi.EINVAL
		} else {
			inet.Mc_loop = v != 0
		}
	}
	inet_unlock()
	return err
}

// ip_getsockopt: IPPROTO_IP's options (Linux do_ip_getsockopt): a
// caller's buffer shorter than an int gets one byte for a value below
// 256.
func ip_getsockopt(inet *Inet_sock, level, optname int, optval, optlen uintptr) int {
	if level != uapi.IPPROTO_IP {
		return -uapi.EOPNOTSUPP
	}
	var v int32
	switch optname {
	case uapi.IP_TOS:
		v = int32(inet.Tos)
	case uapi.IP_TTL:
		v = int32(inet.Uc_ttl)
		if v < 0 {
			v = IPDEFTTL
		}
	case uapi.IP_RECVERR:
		v = b2i(inet.Recverr)
	case uapi.IP_MULTICAST_TTL:
		v = int32(inet.Mc_ttl)
	case uapi.IP_MULTICAST_LOOP:
		v = b2i(inet.Mc_loop)
	default:
		return -uapi.ENOPROTOOPT
	}
	var ulen int32
	if fs.CopyObjFromUser(unsafe.Pointer(&ulen), optlen, 4) != 0 {
		return -uapi.EFAULT
	}
	if ulen < 0 {
		return -uapi.EINVAL
	}
	if ulen < 4 && ulen > 0 && v >= 0 && v < 256 {
		b := uint8(v)
		one := int32(1)
		if fs.CopyObjToUser(optlen, unsafe.Pointer(&one), 4) != 0 || fs.CopyObjToUser(optval, unsafe.Pointer(&b), 1) != 0 {
			return -uapi.EFAULT
		}
		return 0
	}
	return put_int(v, optval, optlen)
}

func b2i(b bool) int32 {
	if b {
		return 1
	}
	return 0
}

// Tcp_setsockopt: IPPROTO_TCP's options, the others to IPPROTO_IP
// (Linux tcp_setsockopt, do_tcp_setsockopt): TCP_NODELAY, TCP_CORK,
// TCP_KEEPIDLE, TCP_KEEPINTVL, TCP_KEEPCNT, TCP_SYNCNT, TCP_LINGER2,
// TCP_USER_TIMEOUT, TCP_QUICKACK; an int each, out of range -EINVAL.
// Others are -ENOPROTOOPT: gokern does not have them.
func Tcp_setsockopt(sock *net.Socket, level, optname int, optval uintptr, optlen int) int {
	inet := inet_sk(sock.Sk)
	if level != uapi.IPPROTO_TCP {
		return ip_setsockopt(inet, level, optname, optval, optlen)
	}
	switch optname {
	case uapi.TCP_NODELAY, uapi.TCP_CORK, uapi.TCP_KEEPIDLE, uapi.TCP_KEEPINTVL, uapi.TCP_KEEPCNT,
		uapi.TCP_SYNCNT, uapi.TCP_LINGER2, uapi.TCP_USER_TIMEOUT, uapi.TCP_QUICKACK:
	default:
		return -uapi.ENOPROTOOPT
	}
	v, err := get_int(optval, optlen)
	if err != 0 {
		return err
	}
	inet_lock()
	switch optname {
	case uapi.TCP_NODELAY:
		if v != 0 {
			inet.Nonagle |= TCP_NAGLE_OFF | TCP_NAGLE_PUSH
		} else {
			inet.Nonagle &^= TCP_NAGLE_OFF
		}
	case uapi.TCP_CORK:
		if v != 0 {
			inet.Nonagle |= TCP_NAGLE_CORK
		} else {
			inet.Nonagle &^= TCP_NAGLE_CORK
		}
	case uapi.TCP_KEEPIDLE:
		if v < 1 || v > MAX_TCP_KEEPIDLE {
			err = -uapi.EINVAL
		} else {
			inet.Keepalive_time = v
		}
	case uapi.TCP_KEEPINTVL:
		if v < 1 || v > MAX_TCP_KEEPINTVL {
			err = -uapi.EINVAL
		} else {
			inet.Keepalive_intvl = v
		}
	case uapi.TCP_KEEPCNT:
		if v < 1 || v > MAX_TCP_KEEPCNT {
			err = -uapi.EINVAL
		} else {
			inet.Keepalive_probes = v
		}
	case uapi.TCP_SYNCNT:
		if v < 1 || v > MAX_TCP_SYNCNT {
			err = -uapi.EINVAL
		} else {
			inet.Syn_retries = v
		}
	case uapi.TCP_LINGER2:
		switch {
		case v < 0:
			inet.Linger2 = -1
		case v > TCP_FIN_TIMEOUT_MAX:
			inet.Linger2 = TCP_FIN_TIMEOUT_MAX
		default:
			inet.Linger2 = v
		}
	case uapi.TCP_USER_TIMEOUT:
		if v < 0 {
			err = -uapi.EINVAL
		} else {
			inet.User_timeout = v
		}
	case uapi.TCP_QUICKACK:
	}
	inet_unlock()
	return err
}

// Tcp_getsockopt reads them back (Linux do_tcp_getsockopt): a setting
// never made reads the sysctl's default.
func Tcp_getsockopt(sock *net.Socket, level, optname int, optval, optlen uintptr) int {
	inet := inet_sk(sock.Sk)
	if level != uapi.IPPROTO_TCP {
		return ip_getsockopt(inet, level, optname, optval, optlen)
	}
	var v int32
	switch optname {
	case uapi.TCP_NODELAY:
		v = b2i(inet.Nonagle&TCP_NAGLE_OFF != 0)
	case uapi.TCP_CORK:
		v = b2i(inet.Nonagle&TCP_NAGLE_CORK != 0)
	case uapi.TCP_KEEPIDLE:
		v = or_default(inet.Keepalive_time, TCP_KEEPALIVE_TIME)
	case uapi.TCP_KEEPINTVL:
		v = or_default(inet.Keepalive_intvl, TCP_KEEPALIVE_INTVL)
	case uapi.TCP_KEEPCNT:
		v = or_default(inet.Keepalive_probes, TCP_KEEPALIVE_PROBES)
	case uapi.TCP_SYNCNT:
		v = or_default(inet.Syn_retries, TCP_SYN_RETRIES)
	case uapi.TCP_LINGER2:
		v = inet.Linger2
		if v >= 0 {
			v = or_default(v, TCP_FIN_TIMEOUT)
		}
	case uapi.TCP_USER_TIMEOUT:
		v = inet.User_timeout
	case uapi.TCP_QUICKACK:
		v = 1
	default:
		return -uapi.ENOPROTOOPT
	}
	return put_int(v, optval, optlen)
}

func or_default(v, d int32) int32 {
	if v == 0 {
		return d
	}
	return v
}

// Udp_setsockopt and Udp_getsockopt: IPPROTO_UDP has none gokern keeps
// (UDP_CORK, UDP_SEGMENT... are -ENOPROTOOPT); the others go to
// IPPROTO_IP (Linux udp_setsockopt).
func Udp_setsockopt(sock *net.Socket, level, optname int, optval uintptr, optlen int) int {
	if level == uapi.IPPROTO_UDP {
		return -uapi.ENOPROTOOPT
	}
	return ip_setsockopt(inet_sk(sock.Sk), level, optname, optval, optlen)
}

func Udp_getsockopt(sock *net.Socket, level, optname int, optval, optlen uintptr) int {
	if level == uapi.IPPROTO_UDP {
		return -uapi.ENOPROTOOPT
	}
	return ip_getsockopt(inet_sk(sock.Sk), level, optname, optval, optlen)
}
