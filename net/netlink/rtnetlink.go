package netlink

import (
	"encoding/binary"
	"unsafe"

	"gokern/include/uapi"
	"gokern/net"
)

// NETLINK_ROUTE's requests (Linux net/core/rtnetlink.c): a table of
// handlers by family and message type, as rtnl_register fills it; the
// links' own (RTM_GETLINK) here, the IPv4 addresses' and routes' in
// net/ipv4 (devinet.go, fib_frontend.go), which registers them at
// inet_init.

// Message types (include/uapi/linux/rtnetlink.h).
const (
	RTM_BASE     = 16
	RTM_NEWLINK  = 16
	RTM_DELLINK  = 17
	RTM_GETLINK  = 18
	RTM_SETLINK  = 19
	RTM_NEWADDR  = 20
	RTM_DELADDR  = 21
	RTM_GETADDR  = 22
	RTM_NEWROUTE = 24
	RTM_DELROUTE = 25
	RTM_GETROUTE = 26
	RTM_NEWNEIGH = 28
	RTM_DELNEIGH = 29
	RTM_GETNEIGH = 30
	// RTM_MAX: the last type of Linux 6.x's headers (RTM_GETTUNNEL,
	// rounded up to a whole family of four).
	RTM_MAX = 123
)

// The kinds of a message type, its two low bits (Linux rtnl_kinds).
const (
	RTNL_KIND_NEW = 0
	RTNL_KIND_DEL = 1
	RTNL_KIND_GET = 2
	RTNL_KIND_SET = 3
)

// Link attributes (include/uapi/linux/if_link.h), those gokern gives.
const (
	IFLA_ADDRESS            = 1
	IFLA_BROADCAST          = 2
	IFLA_IFNAME             = 3
	IFLA_MTU                = 4
	IFLA_QDISC              = 6
	IFLA_TXQLEN             = 13
	IFLA_MAP                = 14
	IFLA_OPERSTATE          = 16
	IFLA_LINKMODE           = 17
	IFLA_GROUP              = 27
	IFLA_PROMISCUITY        = 30
	IFLA_NUM_TX_QUEUES      = 31
	IFLA_NUM_RX_QUEUES      = 32
	IFLA_CARRIER            = 33
	IFLA_CARRIER_CHANGES    = 35
	IFLA_PROTO_DOWN         = 39
	IFLA_CARRIER_UP_COUNT   = 47
	IFLA_CARRIER_DOWN_COUNT = 48
	IFLA_MIN_MTU            = 50
	IFLA_MAX_MTU            = 51
	IFLA_ALLMULTI           = 61
)

// IFINFOMSG_SIZE: struct ifinfomsg (family, pad, type, index, flags,
// change).
const IFINFOMSG_SIZE = 16

// Rtnl_doit answers one request (msg: its header and payload) from nlk;
// Rtnl_dumpit is a dump's Netlink_callback.Dump.
type Rtnl_doit func(nlk *Netlink_sock, msg []byte) int
type Rtnl_dumpit func(skb *net.Sk_buff, cb *Netlink_callback) int

// Rtnl_link is struct rtnl_link: a family's handlers of one type.
type Rtnl_link struct {
	Family  uint8
	Msgtype uint16
	Doit    Rtnl_doit
	Dumpit  Rtnl_dumpit
}

// rtnl_msg_handlers: the handlers registered (Linux rtnl_msg_handlers,
// a table by family and type: a short list here).
var (
	rtnl_msg_handlers    [16]Rtnl_link
	rtnl_msg_handlers_nr int
)

// Rtnl_register adds a family's handlers of a type (Linux
// rtnl_register_module), at boot: -ENOBUFS when the table is full.
func Rtnl_register(family uint8, msgtype uint16, doit Rtnl_doit, dumpit Rtnl_dumpit) int {
	if rtnl_msg_handlers_nr == len(rtnl_msg_handlers) {
		return -uapi.ENOBUFS
	}
	rtnl_msg_handlers[rtnl_msg_handlers_nr] = Rtnl_link{Family: family, Msgtype: msgtype, Doit: doit, Dumpit: dumpit}
	rtnl_msg_handlers_nr++
	return 0
}

// rtnl_get_link is family's handlers of msgtype, or nil.
func rtnl_get_link(family uint8, msgtype uint16) *Rtnl_link {
	for i := 0; i < rtnl_msg_handlers_nr; i++ {
		if l := &rtnl_msg_handlers[i]; l.Family == family && l.Msgtype == msgtype {
			return l
		}
	}
	return nil
}

// Rtnetlink_init registers the links' handlers and the dump of every
// family for the types dumped family by family (Linux rtnetlink_init).
// gokern has no neighbour table (lo needs none): RTM_GETNEIGH's dump is
// empty, as Linux's on a machine with lo alone.
func Rtnetlink_init() int {
	err := Rtnl_register(uapi.AF_UNSPEC, RTM_GETLINK, rtnl_getlink, rtnl_dump_ifinfo)
	if err == 0 {
		err = Rtnl_register(uapi.AF_UNSPEC, RTM_NEWLINK, rtnl_newlink, nil)
	}
	if err == 0 {
		err = Rtnl_register(uapi.AF_UNSPEC, RTM_SETLINK, rtnl_setlink, nil)
	}
	if err == 0 {
		err = Rtnl_register(uapi.AF_UNSPEC, RTM_GETADDR, nil, rtnl_dump_all)
	}
	if err == 0 {
		err = Rtnl_register(uapi.AF_UNSPEC, RTM_GETROUTE, nil, rtnl_dump_all)
	}
	if err == 0 {
		err = Rtnl_register(uapi.AF_UNSPEC, RTM_GETNEIGH, nil, neigh_dump_info)
	}
	return err
}

// Rtnetlink_rcv is the kernel socket's input: each message of skb from
// nlk (Linux rtnetlink_rcv).
func Rtnetlink_rcv(nlk *Netlink_sock, skb *net.Sk_buff) {
	Netlink_rcv_skb(nlk, skb, rtnetlink_rcv_msg)
}

// rtnetlink_rcv_msg answers one request (Linux rtnetlink_rcv_msg): a
// type past RTM_MAX is -EOPNOTSUPP; a message without its family byte
// is ignored; NEW, DEL and SET need CAP_NET_ADMIN (-EPERM); a GET with
// NLM_F_DUMP starts the family's dump (or AF_UNSPEC's), another runs
// the family's doit; none registered: -EOPNOTSUPP. gokern's devices,
// addresses and routes cannot be changed: of NEW, DEL and SET it
// registers RTM_NEWLINK and RTM_SETLINK alone, which succeed only when
// they leave the device as it is (docs/sockets.md §13).
func rtnetlink_rcv_msg(nlk *Netlink_sock, msg []byte) int {
	nlh := (*Nlmsghdr)(unsafe.Pointer(unsafe.SliceData(msg)))
	typ := nlh.Nlmsg_type
	if typ > RTM_MAX {
		return -uapi.EOPNOTSUPP
	}
	if len(msg) < NLMSG_HDRLEN+1 {
		return 0
	}
	family := msg[NLMSG_HDRLEN]
	kind := (typ - RTM_BASE) & 3
	if kind != RTNL_KIND_GET && !net.Capable(net.CAP_NET_ADMIN) {
		return -uapi.EPERM
	}
	link := rtnl_get_link(family, typ)
	if link == nil && family != uapi.AF_UNSPEC {
		link = rtnl_get_link(uapi.AF_UNSPEC, typ)
	}
	if kind == RTNL_KIND_GET && nlh.Nlmsg_flags&NLM_F_DUMP != 0 {
		if link == nil || link.Dumpit == nil {
			return -uapi.EOPNOTSUPP
		}
		return Netlink_dump_start(nlk, nlh, family, link.Dumpit)
	}
	if link == nil || link.Doit == nil {
		return -uapi.EOPNOTSUPP
	}
	return link.Doit(nlk, msg)
}

// rtnl_dump_all dumps a type family after family (Linux rtnl_dump_all):
// Args[5] is the family the dump is at; each family's own dump keeps
// the other Args, cleared when the next family begins. A family that
// put something in this reply (or failed) ends it: the next reply asks
// the same family again, which says 0 once it has nothing more.
func rtnl_dump_all(skb *net.Sk_buff, cb *Netlink_callback) int {
	fam := max(int(cb.Args[5]), 1)
	for ; fam < uapi.AF_MAX; fam++ {
		link := rtnl_get_link(uint8(fam), cb.Type)
		if link == nil || link.Dumpit == nil {
			continue
		}
		if int64(fam) != cb.Args[5] {
			cb.Args = [6]int64{}
			cb.Args[5] = int64(fam)
		}
		if ret := link.Dumpit(skb, cb); ret != 0 {
			break
		}
	}
	cb.Args[5] = int64(fam)
	return int(skb.Len)
}

// neigh_dump_info: the neighbours, none (Linux neigh_dump_info: lo
// resolves no addresses).
func neigh_dump_info(skb *net.Sk_buff, cb *Netlink_callback) int { return 0 }

// Rtnl_fill_ifinfo puts dev's RTM_NEWLINK message in skb (Linux
// rtnl_fill_ifinfo), its attributes in Linux's order: false without
// room, the message taken back. Of Linux's attributes gokern leaves out
// what it has no model of: the offload sizes (GSO, GRO, TSO), the
// statistics (no packet goes through lo), XDP, the per-family
// configuration (IFLA_AF_SPEC), devlink and DPLL (docs/sockets.md §13).
func Rtnl_fill_ifinfo(skb *net.Sk_buff, dev *net.Net_device, typ uint16, portid, seq uint32, flags uint16) bool {
	off := Nlmsg_put(skb, portid, seq, typ, IFINFOMSG_SIZE, flags)
	if off < 0 {
		return false
	}
	ifm := Nlmsg_data(skb, off)
	ifm[0] = uapi.AF_UNSPEC
	binary.LittleEndian.PutUint16(ifm[2:], dev.Type)
	binary.LittleEndian.PutUint32(ifm[4:], uint32(dev.Ifindex))
	binary.LittleEndian.PutUint32(ifm[8:], net.Dev_get_flags(dev))
	// ifi_change: 0 outside notifications.
	operstate := uint8(net.IF_OPER_DOWN)
	if net.Netif_running(dev) {
		operstate = dev.Operstate
	}
	carrier := uint8(0)
	if dev.Carrier {
		carrier = 1
	}
	var ifmap [32]byte // struct rtnl_link_ifmap: lo has no memory, port, IRQ or DMA
	ok := Nla_put_string(skb, IFLA_IFNAME, net.Dev_name(dev)) &&
		Nla_put_u32(skb, IFLA_TXQLEN, dev.Tx_queue_len) &&
		Nla_put_u8(skb, IFLA_OPERSTATE, operstate) &&
		Nla_put_u8(skb, IFLA_LINKMODE, dev.Link_mode) &&
		Nla_put_u32(skb, IFLA_MTU, dev.Mtu) &&
		Nla_put_u32(skb, IFLA_MIN_MTU, dev.Min_mtu) &&
		Nla_put_u32(skb, IFLA_MAX_MTU, dev.Max_mtu) &&
		Nla_put_u32(skb, IFLA_GROUP, dev.Group) &&
		Nla_put_u32(skb, IFLA_PROMISCUITY, dev.Promiscuity) &&
		Nla_put_u32(skb, IFLA_ALLMULTI, dev.Allmulti) &&
		Nla_put_u32(skb, IFLA_NUM_TX_QUEUES, dev.Num_tx_queues) &&
		Nla_put_u32(skb, IFLA_NUM_RX_QUEUES, dev.Num_rx_queues) &&
		Nla_put_u8(skb, IFLA_CARRIER, carrier) &&
		Nla_put_u32(skb, IFLA_CARRIER_CHANGES, 0) &&
		Nla_put_u32(skb, IFLA_CARRIER_UP_COUNT, 0) &&
		Nla_put_u32(skb, IFLA_CARRIER_DOWN_COUNT, 0) &&
		Nla_put_u8(skb, IFLA_PROTO_DOWN, 0)
	if ok && dev.Addr_len != 0 {
		ok = Nla_put(skb, IFLA_ADDRESS, dev.Dev_addr[:dev.Addr_len]) &&
			Nla_put(skb, IFLA_BROADCAST, dev.Broadcast[:dev.Addr_len])
	}
	ok = ok && Nla_put_string(skb, IFLA_QDISC, net.Qdisc_name(dev)) &&
		Nla_put(skb, IFLA_MAP, ifmap[:])
	if !ok {
		Nlmsg_cancel(skb, off)
		return false
	}
	Nlmsg_end(skb, off)
	return true
}

// rtnl_dump_ifinfo dumps every device from Args[0] on (Linux
// rtnl_dump_ifinfo): skb.Len, 0 once past the last.
func rtnl_dump_ifinfo(skb *net.Sk_buff, cb *Netlink_callback) int {
	idx := int64(0)
	for dev := net.Dev_base_head; dev != nil; dev = dev.Next {
		if idx >= cb.Args[0] {
			if !Rtnl_fill_ifinfo(skb, dev, RTM_NEWLINK, cb.Portid, cb.Seq, NLM_F_MULTI) {
				break
			}
		}
		idx++
	}
	cb.Args[0] = idx
	return int(skb.Len)
}

// rtnl_getlink answers RTM_GETLINK for one device, by index or by
// IFLA_IFNAME (Linux rtnl_getlink): a request shorter than an ifinfomsg,
// or with neither, is -EINVAL; no such device -ENODEV.
func rtnl_getlink(nlk *Netlink_sock, msg []byte) int {
	if len(msg) < NLMSG_HDRLEN+IFINFOMSG_SIZE {
		return -uapi.EINVAL
	}
	nlh := (*Nlmsghdr)(unsafe.Pointer(unsafe.SliceData(msg)))
	ifm := msg[NLMSG_HDRLEN:]
	var dev *net.Net_device
	if idx := int32(binary.LittleEndian.Uint32(ifm[4:])); idx > 0 {
		dev = net.Dev_get_by_index(idx)
	} else if name := Nla_find(msg[NLMSG_HDRLEN+IFINFOMSG_SIZE:], IFLA_IFNAME); name != nil {
		dev = net.Dev_get_by_name(name)
	} else {
		return -uapi.EINVAL
	}
	if dev == nil {
		return -uapi.ENODEV
	}
	skb := Nlmsg_new(NLMSG_GOODSIZE)
	if skb == nil {
		return -uapi.ENOBUFS
	}
	if !Rtnl_fill_ifinfo(skb, dev, RTM_NEWLINK, nlk.Portid, nlh.Nlmsg_seq, 0) {
		net.Kfree_skb(skb)
		return -uapi.EMSGSIZE
	}
	return Netlink_unicast_from_kernel(skb, nlk.Portid)
}

// NLM_F_EXCL and NLM_F_CREATE: a new-request's flags
// (include/uapi/linux/netlink.h).
const (
	NLM_F_EXCL   = 0x200
	NLM_F_CREATE = 0x400
)

// rtnl_dev_get is the device a change names: by index, else by
// IFLA_IFNAME; found says whether the request named one.
func rtnl_dev_get(msg []byte) (dev *net.Net_device, named bool) {
	ifm := msg[NLMSG_HDRLEN:]
	if idx := int32(binary.LittleEndian.Uint32(ifm[4:])); idx > 0 {
		return net.Dev_get_by_index(idx), true
	}
	if name := Nla_find(msg[NLMSG_HDRLEN+IFINFOMSG_SIZE:], IFLA_IFNAME); name != nil {
		return net.Dev_get_by_name(name), true
	}
	return nil, false
}

// do_setlink applies a change to dev (Linux do_setlink): the flags,
// combined with the device's under ifi_change (0 means all, Linux's
// "bugwards compatibility"), through net.Dev_change_flags, which takes
// only what leaves the device as it is; an attribute that would change
// something (IFLA_MTU, IFLA_ADDRESS, a new name...) is -EOPNOTSUPP:
// gokern's lo cannot be reconfigured.
func do_setlink(dev *net.Net_device, msg []byte) int {
	attrs := msg[NLMSG_HDRLEN+IFINFOMSG_SIZE:]
	for len(attrs) >= NLA_HDRLEN {
		l := int(binary.LittleEndian.Uint16(attrs))
		if l < NLA_HDRLEN || l > len(attrs) {
			return -uapi.EINVAL
		}
		typ := binary.LittleEndian.Uint16(attrs[2:]) &^ NLA_F_NESTED
		if typ != IFLA_IFNAME || !net.Dev_name_eq(dev, attrs[NLA_HDRLEN:l]) {
			return -uapi.EOPNOTSUPP
		}
		attrs = attrs[min(len(attrs), NLMSG_ALIGN(l)):]
	}
	ifm := msg[NLMSG_HDRLEN:]
	flags := binary.LittleEndian.Uint32(ifm[8:])
	change := binary.LittleEndian.Uint32(ifm[12:])
	if flags == 0 && change == 0 {
		return 0
	}
	if change != 0 {
		flags = flags&change | dev.Flags&^change
	}
	return net.Dev_change_flags(dev, flags)
}

// rtnl_newlink: RTM_NEWLINK (Linux rtnl_newlink). A request shorter
// than an ifinfomsg is -EINVAL. An existing device: -EEXIST with
// NLM_F_EXCL, else do_setlink (`ip link set lo up`). No such device:
// -ENODEV without NLM_F_CREATE; with it, a new device of a kind, which
// gokern has none of: -EOPNOTSUPP, as Linux without the kind's module
// (`ip link add d0 type dummy`).
func rtnl_newlink(nlk *Netlink_sock, msg []byte) int {
	if len(msg) < NLMSG_HDRLEN+IFINFOMSG_SIZE {
		return -uapi.EINVAL
	}
	nlh := (*Nlmsghdr)(unsafe.Pointer(unsafe.SliceData(msg)))
	if dev, _ := rtnl_dev_get(msg); dev != nil {
		if nlh.Nlmsg_flags&NLM_F_EXCL != 0 {
			return -uapi.EEXIST
		}
		return do_setlink(dev, msg)
	}
	if nlh.Nlmsg_flags&NLM_F_CREATE == 0 {
		return -uapi.ENODEV
	}
	return -uapi.EOPNOTSUPP
}

// rtnl_setlink: RTM_SETLINK (Linux rtnl_setlink): a device by index or
// name (neither: -EINVAL; none such: -ENODEV), then do_setlink.
func rtnl_setlink(nlk *Netlink_sock, msg []byte) int {
	if len(msg) < NLMSG_HDRLEN+IFINFOMSG_SIZE {
		return -uapi.EINVAL
	}
	dev, named := rtnl_dev_get(msg)
	if !named {
		return -uapi.EINVAL
	}
	if dev == nil {
		return -uapi.ENODEV
	}
	return do_setlink(dev, msg)
}
