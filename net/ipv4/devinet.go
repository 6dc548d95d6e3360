package ipv4

import (
	"encoding/binary"

	"gokern/include/uapi"
	ktime "gokern/kernel/time"
	"gokern/net"
	"gokern/net/netlink"
)

// The IPv4 addresses of the devices (Linux net/ipv4/devinet.c): lo's
// 127.0.0.1/8, what SIOCGIFADDR and its kin answer on an AF_INET socket
// and what RTM_GETADDR dumps over NETLINK_ROUTE. docs/sockets.md §13.

// Address attributes and flags (include/uapi/linux/if_addr.h) and the
// scopes (include/uapi/linux/rtnetlink.h).
const (
	IFA_ADDRESS     = 1
	IFA_LOCAL       = 2
	IFA_LABEL       = 3
	IFA_BROADCAST   = 4
	IFA_CACHEINFO   = 6
	IFA_FLAGS       = 8
	IFA_F_PERMANENT = 0x80
	RT_SCOPE_HOST   = 254
	// IFADDRMSG_SIZE: struct ifaddrmsg (family, prefixlen, flags,
	// scope, index).
	IFADDRMSG_SIZE = 8
	// INFINITY_LIFE_TIME: a permanent address's lifetimes.
	INFINITY_LIFE_TIME = 0xffffffff
)

var (
	lo_in_device net.In_device
	lo_ifa       net.In_ifaddr
)

// Devinet_init gives lo its IPv4 configuration and its address, and
// registers RTM_GETADDR's dump (Linux devinet_init; inetdev_event's
// NETDEV_UP, which gives a loopback device 127.0.0.1/8 when it comes
// up), then lo's routes (Ip_fib_init).
func Devinet_init() int {
	dev := &net.Loopback_dev
	lo_in_device.Dev = dev
	lo_in_device.Refcnt = 1
	ifa := &lo_ifa
	ifa.Ifa_dev = &lo_in_device
	ifa.Ifa_local = uapi.INADDR_LOOPBACK
	ifa.Ifa_address = uapi.INADDR_LOOPBACK
	ifa.Ifa_prefixlen = 8
	ifa.Ifa_mask = 0xff000000
	ifa.Ifa_flags = IFA_F_PERMANENT
	ifa.Ifa_scope = RT_SCOPE_HOST
	ifa.Ifa_label = dev.Name
	ifa.Ifa_cstamp = ktime.Get_jiffies_64()
	ifa.Ifa_tstamp = ifa.Ifa_cstamp
	lo_in_device.Ifa_list = ifa
	dev.Ip_ptr = &lo_in_device
	if err := Ip_fib_init(ifa); err != 0 {
		return err
	}
	return netlink.Rtnl_register(uapi.AF_INET, netlink.RTM_GETADDR, nil, Inet_dump_ifaddr)
}

// cstamp_delta: jiffies as IFA_CACHEINFO counts them, hundredths of a
// second since boot (Linux cstamp_delta).
func cstamp_delta(j uint64) uint32 { return uint32(j * 100 / ktime.HZ) }

// inet_fill_ifaddr puts ifa's RTM_NEWADDR message in skb (Linux
// inet_fill_ifaddr): false without room, the message taken back.
func inet_fill_ifaddr(skb *net.Sk_buff, ifa *net.In_ifaddr, portid, seq uint32, flags uint16) bool {
	off := netlink.Nlmsg_put(skb, portid, seq, netlink.RTM_NEWADDR, IFADDRMSG_SIZE, flags)
	if off < 0 {
		return false
	}
	ifm := netlink.Nlmsg_data(skb, off)
	ifm[0] = uapi.AF_INET
	ifm[1] = ifa.Ifa_prefixlen
	ifm[2] = uint8(ifa.Ifa_flags)
	ifm[3] = ifa.Ifa_scope
	binary.LittleEndian.PutUint32(ifm[4:], uint32(ifa.Ifa_dev.Dev.Ifindex))
	ok := true
	if ifa.Ifa_address != 0 {
		ok = netlink.Nla_put_be32(skb, IFA_ADDRESS, ifa.Ifa_address)
	}
	if ok && ifa.Ifa_local != 0 {
		ok = netlink.Nla_put_be32(skb, IFA_LOCAL, ifa.Ifa_local)
	}
	if ok && ifa.Ifa_broadcast != 0 {
		ok = netlink.Nla_put_be32(skb, IFA_BROADCAST, ifa.Ifa_broadcast)
	}
	if label := net.Ifa_label(ifa); ok && len(label) != 0 {
		ok = netlink.Nla_put_string(skb, IFA_LABEL, label)
	}
	ok = ok && netlink.Nla_put_u32(skb, IFA_FLAGS, ifa.Ifa_flags)
	if ok {
		// struct ifa_cacheinfo: preferred and valid lifetimes (a
		// permanent address's are infinite), created and updated.
		var ci [16]byte
		binary.LittleEndian.PutUint32(ci[0:], INFINITY_LIFE_TIME)
		binary.LittleEndian.PutUint32(ci[4:], INFINITY_LIFE_TIME)
		binary.LittleEndian.PutUint32(ci[8:], cstamp_delta(ifa.Ifa_cstamp))
		binary.LittleEndian.PutUint32(ci[12:], cstamp_delta(ifa.Ifa_tstamp))
		ok = netlink.Nla_put(skb, IFA_CACHEINFO, ci[:])
	}
	if !ok {
		netlink.Nlmsg_cancel(skb, off)
		return false
	}
	netlink.Nlmsg_end(skb, off)
	return true
}

// Inet_dump_ifaddr dumps every IPv4 address of every device (Linux
// inet_dump_ifaddr): Args[0] counts the devices done, Args[1] the
// addresses of the next.
func Inet_dump_ifaddr(skb *net.Sk_buff, cb *netlink.Netlink_callback) int {
	idx := int64(0)
	for dev := net.Dev_base_head; dev != nil; dev, idx = dev.Next, idx+1 {
		if idx < cb.Args[0] {
			continue
		}
		in := net.In_dev_get(dev)
		ip_idx := int64(0)
		if in != nil {
			for ifa := in.Ifa_list; ifa != nil; ifa, ip_idx = ifa.Ifa_next, ip_idx+1 {
				if ip_idx < cb.Args[1] {
					continue
				}
				if !inet_fill_ifaddr(skb, ifa, cb.Portid, cb.Seq, netlink.NLM_F_MULTI) {
					cb.Args[0], cb.Args[1] = idx, ip_idx
					return int(skb.Len)
				}
			}
		}
		cb.Args[1] = 0
	}
	cb.Args[0] = idx
	return int(skb.Len)
}

// Devinet_ioctl answers the address ioctls on an AF_INET socket (Linux
// devinet_ioctl): the reading ones zero the address and give the one of
// the label (the name, or name:alias) asked — its address matched first
// when the caller gave an AF_INET one —, -ENODEV for no such device,
// -EADDRNOTAVAIL for a device without IPv4 address. Setting needs
// CAP_NET_ADMIN (-EPERM); SIOCSIFFLAGS is the device's
// (net.Dev_change_flags); lo's address cannot be changed: -EOPNOTSUPP
// (docs/sockets.md §13).
func Devinet_ioctl(cmd uint32, arg uintptr) int64 {
	var ifr uapi.Ifreq
	if err := net.Get_user_ifreq(&ifr, arg); err != 0 {
		return int64(err)
	}
	ifr.Ifr_name[net.IFNAMSIZ-1] = 0
	label := ifr.Ifr_name
	sin := ifr.Ifr_ifru[:16]
	orig_family := binary.LittleEndian.Uint16(sin)
	orig_addr := binary.BigEndian.Uint32(sin[4:])
	tryaddrmatch := false
	switch cmd {
	case uapi.SIOCGIFADDR, uapi.SIOCGIFBRDADDR, uapi.SIOCGIFDSTADDR, uapi.SIOCGIFNETMASK:
		tryaddrmatch = orig_family == uapi.AF_INET
		clear(sin)
		binary.LittleEndian.PutUint16(sin, uapi.AF_INET)
	case uapi.SIOCSIFFLAGS:
		if !net.Capable(net.CAP_NET_ADMIN) {
			return -uapi.EPERM
		}
	case uapi.SIOCSIFADDR, uapi.SIOCSIFBRDADDR, uapi.SIOCSIFDSTADDR, uapi.SIOCSIFNETMASK:
		if !net.Capable(net.CAP_NET_ADMIN) {
			return -uapi.EPERM
		}
		if orig_family != uapi.AF_INET {
			return -uapi.EINVAL
		}
	default:
		return -uapi.EINVAL
	}
	dev := net.Dev_get_by_name(net.Ifr_name(&ifr))
	if dev == nil {
		return -uapi.ENODEV
	}
	var ifa *net.In_ifaddr
	if in := net.In_dev_get(dev); in != nil {
		if tryaddrmatch {
			for ifa = in.Ifa_list; ifa != nil; ifa = ifa.Ifa_next {
				if label_eq(ifa, label[:]) && ifa.Ifa_local == orig_addr {
					break
				}
			}
		}
		if ifa == nil {
			for ifa = in.Ifa_list; ifa != nil; ifa = ifa.Ifa_next {
				if label_eq(ifa, label[:]) {
					break
				}
			}
		}
	}
	if ifa == nil && cmd != uapi.SIOCSIFADDR && cmd != uapi.SIOCSIFFLAGS {
		return -uapi.EADDRNOTAVAIL
	}
	switch cmd {
	case uapi.SIOCGIFADDR:
		binary.BigEndian.PutUint32(sin[4:], ifa.Ifa_local)
	case uapi.SIOCGIFBRDADDR:
		binary.BigEndian.PutUint32(sin[4:], ifa.Ifa_broadcast)
	case uapi.SIOCGIFDSTADDR:
		binary.BigEndian.PutUint32(sin[4:], ifa.Ifa_address)
	case uapi.SIOCGIFNETMASK:
		binary.BigEndian.PutUint32(sin[4:], ifa.Ifa_mask)
	case uapi.SIOCSIFFLAGS:
		return int64(net.Dev_change_flags(dev, uint32(binary.LittleEndian.Uint16(ifr.Ifr_ifru[:]))))
	default:
		return -uapi.EOPNOTSUPP
	}
	if net.Put_user_ifreq(&ifr, arg) != 0 {
		return -uapi.EFAULT
	}
	return 0
}

// label_eq: ifa's label is name (up to its NUL).
func label_eq(ifa *net.In_ifaddr, name []byte) bool {
	l := net.Ifa_label(ifa)
	i := 0
	for ; i < len(name) && name[i] != 0; i++ {
		if i >= len(l) || l[i] != name[i] {
			return false
		}
	}
	return i == len(l)
}
