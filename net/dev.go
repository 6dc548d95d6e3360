package net

// The network devices (Linux net/core/dev.c, include/linux/netdevice.h,
// include/uapi/linux/if.h). gokern has one, the loopback, lo
// (loopback.go): no driver moves packets through it — AF_INET's sockets
// meet in net/ipv4 without one — but a program that asks which
// interfaces there are (Go's net.Interfaces over NETLINK_ROUTE, busybox's
// ifconfig through SIOCGIF* ioctls) sees lo as a Linux with lo alone
// shows it. docs/sockets.md §13.

// IFNAMSIZ: a device name's room, its NUL included (include/uapi/linux/if.h).
const IFNAMSIZ = 16

// Device flags (include/uapi/linux/if.h net_device_flags).
const (
	IFF_UP          = 0x1
	IFF_BROADCAST   = 0x2
	IFF_LOOPBACK    = 0x8
	IFF_POINTOPOINT = 0x10
	IFF_RUNNING     = 0x40
	IFF_NOARP       = 0x80
	IFF_PROMISC     = 0x100
	IFF_ALLMULTI    = 0x200
	IFF_MULTICAST   = 0x1000
	IFF_LOWER_UP    = 0x10000
	IFF_DORMANT     = 0x20000
	IFF_ECHO        = 0x40000
)

// ARPHRD_LOOPBACK: lo's hardware type (include/uapi/linux/if_arp.h).
const ARPHRD_LOOPBACK = 772

// Operational states (include/uapi/linux/if.h, RFC 2863): lo's is
// IF_OPER_UNKNOWN, as Linux's (no driver reports one).
const (
	IF_OPER_UNKNOWN = 0
	IF_OPER_DOWN    = 2
	IF_OPER_UP      = 6
)

// MAX_ADDR_LEN: room for a hardware address (include/linux/netdevice.h).
const MAX_ADDR_LEN = 32

// Net_device is struct net_device, what a program can ask of a device.
type Net_device struct {
	Name    [IFNAMSIZ]byte
	Ifindex int32
	// Flags: the IFF_ bits set by configuration (dev->flags);
	// Dev_get_flags adds the state bits.
	Flags        uint32
	Type         uint16
	Mtu          uint32
	Min_mtu      uint32
	Max_mtu      uint32
	Tx_queue_len uint32
	Group        uint32
	Promiscuity  uint32
	Allmulti     uint32
	Operstate    uint8
	Link_mode    uint8
	// Num_tx_queues, Num_rx_queues: lo's one queue each way.
	Num_tx_queues uint32
	Num_rx_queues uint32
	// Carrier: netif_carrier_ok (lo's is always on).
	Carrier bool
	// Qdisc: the queueing discipline's name (dev->qdisc->ops->id):
	// lo's is noqueue.
	Qdisc     [IFNAMSIZ]byte
	Addr_len  uint8
	Dev_addr  [MAX_ADDR_LEN]byte
	Broadcast [MAX_ADDR_LEN]byte
	// Ip_ptr: the device's IPv4 configuration (struct in_device), nil
	// while it has none.
	Ip_ptr *In_device
	// Next: the next device of Dev_base_head, in ifindex order.
	Next *Net_device
}

// In_device is struct in_device: the IPv4 addresses of a device
// (include/linux/inetdevice.h); net/ipv4/devinet.go fills it.
type In_device struct {
	Dev       *Net_device
	Ifa_list  *In_ifaddr
	Refcnt    int32
	Cnf_dummy uint32
}

// In_ifaddr is struct in_ifaddr: one IPv4 address of a device, in host
// byte order. Ifa_cstamp and Ifa_tstamp are jiffies (created, changed).
type In_ifaddr struct {
	Ifa_next      *In_ifaddr
	Ifa_dev       *In_device
	Ifa_local     uint32
	Ifa_address   uint32
	Ifa_mask      uint32
	Ifa_broadcast uint32
	Ifa_prefixlen uint8
	Ifa_scope     uint8
	Ifa_flags     uint32
	Ifa_label     [IFNAMSIZ]byte
	Ifa_cstamp    uint64
	Ifa_tstamp    uint64
}

// Dev_base_head: the devices, in the order they were registered (Linux
// net->dev_base_head); they are never unregistered.
var Dev_base_head *Net_device

// Register_netdevice adds dev, giving it the next index (Linux
// register_netdevice, dev_index_reserve): lo is 1, as Linux's, which
// registers it first in every namespace.
func Register_netdevice(dev *Net_device) {
	var last *Net_device
	idx := int32(1)
	for d := Dev_base_head; d != nil; d = d.Next {
		last = d
		idx = d.Ifindex + 1
	}
	dev.Ifindex = idx
	if last == nil {
		Dev_base_head = dev
	} else {
		last.Next = dev
	}
}

// Dev_get_by_index is the device with index ifindex, or nil (Linux
// __dev_get_by_index). Devices are never freed: no reference is taken.
func Dev_get_by_index(ifindex int32) *Net_device {
	for d := Dev_base_head; d != nil; d = d.Next {
		if d.Ifindex == ifindex {
			return d
		}
	}
	return nil
}

// Dev_get_by_name is the device named name (up to its NUL), or nil
// (Linux __dev_get_by_name).
func Dev_get_by_name(name []byte) *Net_device {
	for d := Dev_base_head; d != nil; d = d.Next {
		if Dev_name_eq(d, name) {
			return d
		}
	}
	return nil
}

// Dev_name_eq: name, up to its first NUL, is dev's.
func Dev_name_eq(dev *Net_device, name []byte) bool {
	n := Dev_name(dev)
	i := 0
	for ; i < len(name) && name[i] != 0; i++ {
		if i >= len(n) || n[i] != name[i] {
			return false
		}
	}
	return i == len(n)
}

// Dev_name is dev's name without its NUL.
func Dev_name(dev *Net_device) []byte {
	n := 0
	for n < IFNAMSIZ && dev.Name[n] != 0 {
		n++
	}
	return dev.Name[:n]
}

// Qdisc_name is the name of dev's queueing discipline without its NUL.
func Qdisc_name(dev *Net_device) []byte {
	n := 0
	for n < IFNAMSIZ && dev.Qdisc[n] != 0 {
		n++
	}
	return dev.Qdisc[:n]
}

// Netif_running: the device is up (Linux netif_running: __LINK_STATE_START).
func Netif_running(dev *Net_device) bool { return dev.Flags&IFF_UP != 0 }

// Netif_oper_up: the operational state lets packets through (Linux
// netif_oper_up: UP or UNKNOWN).
func Netif_oper_up(dev *Net_device) bool {
	return dev.Operstate == IF_OPER_UP || dev.Operstate == IF_OPER_UNKNOWN
}

// Dev_get_flags is the flags a program sees (Linux dev_get_flags): the
// configured ones, and RUNNING and LOWER_UP from the state of the link.
func Dev_get_flags(dev *Net_device) uint32 {
	flags := dev.Flags &^ (IFF_PROMISC | IFF_ALLMULTI | IFF_RUNNING | IFF_LOWER_UP | IFF_DORMANT)
	if dev.Promiscuity != 0 {
		flags |= IFF_PROMISC
	}
	if dev.Allmulti != 0 {
		flags |= IFF_ALLMULTI
	}
	if Netif_running(dev) {
		if Netif_oper_up(dev) {
			flags |= IFF_RUNNING
		}
		if dev.Carrier {
			flags |= IFF_LOWER_UP
		}
	}
	return flags
}

// In_dev_get is dev's IPv4 configuration, or nil (Linux __in_dev_get_rtnl).
func In_dev_get(dev *Net_device) *In_device { return dev.Ip_ptr }

// Ifa_label is ifa's label without its NUL.
func Ifa_label(ifa *In_ifaddr) []byte {
	n := 0
	for n < IFNAMSIZ && ifa.Ifa_label[n] != 0 {
		n++
	}
	return ifa.Ifa_label[:n]
}
