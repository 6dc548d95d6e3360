package ipv4

import (
	"encoding/binary"

	"gokern/include/uapi"
	"gokern/net"
	"gokern/net/netlink"
)

// The routes RTM_GETROUTE dumps (Linux net/ipv4/fib_frontend.c,
// fib_semantics.c fib_dump_info): the ones gokern's routing has,
// inet_addr_type and ip_route_output (inet_hashtables.go) — lo's local
// routes of its address, in the local table, as Linux's fib_add_ifaddr
// makes them. Linux has a third, "broadcast 127.255.255.255", which
// gokern's routing does not: it takes all of 127.0.0.0/8 as local
// (docs/sockets.md §13). The main table is empty, as Linux's with lo
// alone.

// Route message fields (include/uapi/linux/rtnetlink.h).
const (
	RT_TABLE_MAIN  = 254
	RT_TABLE_LOCAL = 255
	RTPROT_KERNEL  = 2
	RTA_DST        = 1
	RTA_OIF        = 4
	RTA_PREFSRC    = 7
	RTA_TABLE      = 15
	// RTMSG_SIZE: struct rtmsg (family, dst_len, src_len, tos, table,
	// protocol, scope, type, flags).
	RTMSG_SIZE = 12
)

// Fib_route is one route of the local table.
type Fib_route struct {
	Dst     uint32
	Dst_len uint8
	Type    uint8
	Scope   uint8
	Prefsrc uint32
	Oif     int32
}

// fib_local: lo's routes, "local 127.0.0.0/8 dev lo src 127.0.0.1" and
// "local 127.0.0.1 dev lo src 127.0.0.1", in Linux's dump order.
var fib_local [2]Fib_route

// Ip_fib_init fills the local table from lo's address and registers the
// dump (Linux ip_fib_init, fib_add_ifaddr).
func Ip_fib_init(ifa *net.In_ifaddr) int {
	oif := ifa.Ifa_dev.Dev.Ifindex
	fib_local[0] = Fib_route{Dst: ifa.Ifa_local & ifa.Ifa_mask, Dst_len: ifa.Ifa_prefixlen, Type: RTN_LOCAL, Scope: RT_SCOPE_HOST, Prefsrc: ifa.Ifa_local, Oif: oif}
	fib_local[1] = Fib_route{Dst: ifa.Ifa_local, Dst_len: 32, Type: RTN_LOCAL, Scope: RT_SCOPE_HOST, Prefsrc: ifa.Ifa_local, Oif: oif}
	return netlink.Rtnl_register(uapi.AF_INET, netlink.RTM_GETROUTE, nil, Inet_dump_fib)
}

// fib_dump_info puts one route's RTM_NEWROUTE in skb (Linux
// fib_dump_info): false without room.
func fib_dump_info(skb *net.Sk_buff, r *Fib_route, table uint32, portid, seq uint32, flags uint16) bool {
	off := netlink.Nlmsg_put(skb, portid, seq, netlink.RTM_NEWROUTE, RTMSG_SIZE, flags)
	if off < 0 {
		return false
	}
	rtm := netlink.Nlmsg_data(skb, off)
	rtm[0] = uapi.AF_INET
	rtm[1] = r.Dst_len
	rtm[4] = uint8(table)
	rtm[5] = RTPROT_KERNEL
	rtm[6] = r.Scope
	rtm[7] = r.Type
	binary.LittleEndian.PutUint32(rtm[8:], 0)
	ok := netlink.Nla_put_u32(skb, RTA_TABLE, table)
	if ok && r.Dst_len != 0 {
		ok = netlink.Nla_put_be32(skb, RTA_DST, r.Dst)
	}
	if ok && r.Prefsrc != 0 {
		ok = netlink.Nla_put_be32(skb, RTA_PREFSRC, r.Prefsrc)
	}
	ok = ok && netlink.Nla_put_u32(skb, RTA_OIF, uint32(r.Oif))
	if !ok {
		netlink.Nlmsg_cancel(skb, off)
		return false
	}
	netlink.Nlmsg_end(skb, off)
	return true
}

// Inet_dump_fib dumps the routes of every table, main (empty) then
// local (Linux inet_dump_fib): Args[0] counts the routes done.
func Inet_dump_fib(skb *net.Sk_buff, cb *netlink.Netlink_callback) int {
	for i := int(cb.Args[0]); i < len(fib_local); i++ {
		if !fib_dump_info(skb, &fib_local[i], RT_TABLE_LOCAL, cb.Portid, cb.Seq, netlink.NLM_F_MULTI) {
			return int(skb.Len)
		}
		cb.Args[0] = int64(i + 1)
	}
	return int(skb.Len)
}
