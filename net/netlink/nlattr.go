package netlink

import (
	"encoding/binary"
	"unsafe"

	"gokern/net"
)

// Building netlink messages in place (Linux include/net/netlink.h,
// lib/nlattr.c): a reply is a net.Sk_buff with room End, grown at its
// tail by Nlmsg_put and the Nla_put helpers; each refuses with false
// when the room is short, as Linux's answer -EMSGSIZE, and the caller
// cancels the message it began (Nlmsg_cancel).

// The netlink message header and its flags (include/uapi/linux/netlink.h).
const (
	NLMSG_HDRLEN = 16
	NLA_HDRLEN   = 4

	NLM_F_REQUEST = 0x1
	NLM_F_MULTI   = 0x2
	NLM_F_ACK     = 0x4
	NLM_F_ECHO    = 0x8
	NLM_F_ROOT    = 0x100
	NLM_F_MATCH   = 0x200
	NLM_F_DUMP    = NLM_F_ROOT | NLM_F_MATCH
	// NLM_F_CAPPED: an acknowledgment without the request's payload.
	NLM_F_CAPPED = 0x100

	NLMSG_NOOP     = 0x1
	NLMSG_ERROR    = 0x2
	NLMSG_DONE     = 0x3
	NLMSG_OVERRUN  = 0x4
	NLMSG_MIN_TYPE = 0x10
)

// Nlmsghdr is struct nlmsghdr.
type Nlmsghdr struct {
	Nlmsg_len   uint32
	Nlmsg_type  uint16
	Nlmsg_flags uint16
	Nlmsg_seq   uint32
	Nlmsg_pid   uint32
}

// NLMSG_ALIGN rounds up to the 4-byte alignment of messages and
// attributes (NLMSG_ALIGN, NLA_ALIGN).
func NLMSG_ALIGN(n int) int { return (n + 3) &^ 3 }

// Nlmsg_total_size: a message with a payload of n bytes, aligned.
func Nlmsg_total_size(n int) int { return NLMSG_ALIGN(NLMSG_HDRLEN + n) }

// Nlmsg_new is an empty reply with room for size bytes (Linux nlmsg_new),
// charged to nobody yet: Netlink_unicast charges it to its receiver.
func Nlmsg_new(size int) *net.Sk_buff {
	skb := net.Sock_wmalloc(nil, size)
	if skb != nil {
		skb.Len = 0
	}
	return skb
}

// skb_room is the whole buffer of skb, up to End.
func skb_room(skb *net.Sk_buff) []byte { return unsafe.Slice((*byte)(skb.Data), skb.End) }

// Skb_tailroom: the bytes left at the tail (Linux skb_tailroom).
func Skb_tailroom(skb *net.Sk_buff) int { return int(skb.End - skb.Len) }

// skb_put grows skb by n zeroed bytes: their offset, or -1 without room.
func skb_put(skb *net.Sk_buff, n int) int {
	if n > Skb_tailroom(skb) {
		return -1
	}
	off := int(skb.Len)
	clear(skb_room(skb)[off : off+n])
	skb.Len += uint32(n)
	return off
}

// Nlmsg_put begins a message of type typ with a family header of
// payload bytes, zeroed (Linux nlmsg_put): its offset in skb, or -1.
func Nlmsg_put(skb *net.Sk_buff, portid, seq uint32, typ uint16, payload int, flags uint16) int {
	off := skb_put(skb, Nlmsg_total_size(payload))
	if off < 0 {
		return -1
	}
	b := skb_room(skb)[off:]
	binary.LittleEndian.PutUint32(b, uint32(NLMSG_HDRLEN+payload))
	binary.LittleEndian.PutUint16(b[4:], typ)
	binary.LittleEndian.PutUint16(b[6:], flags)
	binary.LittleEndian.PutUint32(b[8:], seq)
	binary.LittleEndian.PutUint32(b[12:], portid)
	return off
}

// Nlmsg_data is the family header of the message begun at off.
func Nlmsg_data(skb *net.Sk_buff, off int) []byte { return skb_room(skb)[off+NLMSG_HDRLEN:] }

// Nlmsg_end closes the message begun at off: its length covers what
// was added since (Linux nlmsg_end).
func Nlmsg_end(skb *net.Sk_buff, off int) {
	binary.LittleEndian.PutUint32(skb_room(skb)[off:], skb.Len-uint32(off))
}

// Nlmsg_cancel removes the message begun at off (Linux nlmsg_cancel).
func Nlmsg_cancel(skb *net.Sk_buff, off int) { skb.Len = uint32(off) }

// Nla_put adds an attribute (Linux nla_put): its data padded to 4 bytes.
func Nla_put(skb *net.Sk_buff, typ uint16, data []byte) bool {
	off := skb_put(skb, NLMSG_ALIGN(NLA_HDRLEN+len(data)))
	if off < 0 {
		return false
	}
	b := skb_room(skb)[off:]
	binary.LittleEndian.PutUint16(b, uint16(NLA_HDRLEN+len(data)))
	binary.LittleEndian.PutUint16(b[2:], typ)
	copy(b[NLA_HDRLEN:], data)
	return true
}

// Nla_put_u8, Nla_put_u32 and Nla_put_be32 add a number (Linux
// nla_put_u8, nla_put_u32, nla_put_in_addr: an IPv4 address in network
// byte order).
func Nla_put_u8(skb *net.Sk_buff, typ uint16, v uint8) bool {
	b := [1]byte{v}
	return Nla_put(skb, typ, b[:])
}

func Nla_put_u32(skb *net.Sk_buff, typ uint16, v uint32) bool {
	var b [4]byte
	binary.LittleEndian.PutUint32(b[:], v)
	return Nla_put(skb, typ, b[:])
}

func Nla_put_be32(skb *net.Sk_buff, typ uint16, v uint32) bool {
	var b [4]byte
	binary.BigEndian.PutUint32(b[:], v)
	return Nla_put(skb, typ, b[:])
}

// Nla_put_string adds a string and its NUL (Linux nla_put_string).
func Nla_put_string(skb *net.Sk_buff, typ uint16, s []byte) bool {
	off := skb_put(skb, NLMSG_ALIGN(NLA_HDRLEN+len(s)+1))
	if off < 0 {
		return false
	}
	b := skb_room(skb)[off:]
	binary.LittleEndian.PutUint16(b, uint16(NLA_HDRLEN+len(s)+1))
	binary.LittleEndian.PutUint16(b[2:], typ)
	copy(b[NLA_HDRLEN:], s)
	return true
}

// NLA_F_NESTED marks an attribute holding attributes.
const NLA_F_NESTED = 0x8000

// Nla_nest_start begins a nested attribute (Linux nla_nest_start,
// which sets NLA_F_NESTED): its offset, or -1.
func Nla_nest_start(skb *net.Sk_buff, typ uint16) int {
	off := skb_put(skb, NLA_HDRLEN)
	if off < 0 {
		return -1
	}
	binary.LittleEndian.PutUint16(skb_room(skb)[off+2:], typ|NLA_F_NESTED)
	return off
}

// Nla_nest_end closes it: its length covers what was added since.
func Nla_nest_end(skb *net.Sk_buff, off int) {
	binary.LittleEndian.PutUint16(skb_room(skb)[off:], uint16(skb.Len-uint32(off)))
}

// Nla_find is the first attribute of type typ in attrs (a message's
// attributes after its family header), or nil (Linux nla_find).
func Nla_find(attrs []byte, typ uint16) []byte {
	for len(attrs) >= NLA_HDRLEN {
		l := int(binary.LittleEndian.Uint16(attrs))
		if l < NLA_HDRLEN || l > len(attrs) {
			return nil
		}
		if binary.LittleEndian.Uint16(attrs[2:])&^NLA_F_NESTED == typ {
			return attrs[NLA_HDRLEN:l]
		}
		attrs = attrs[min(len(attrs), NLMSG_ALIGN(l)):]
	}
	return nil
}
