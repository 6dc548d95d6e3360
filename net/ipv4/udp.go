package ipv4

import (
	"sync/atomic"
	"unsafe"

	"gokern/fs"
	"gokern/include/uapi"
	"gokern/kernel/sched"
	"gokern/net"
)

// UDP on the loopback. Linux: net/ipv4/udp.c (udp_sendmsg, udp_recvmsg,
// __udp4_lib_rcv, __udp_enqueue_schedule_skb, __udp4_lib_err,
// udp_disconnect, udp_poll), datagram.c (ip4_datagram_connect),
// af_inet.c (inet_dgram_connect), net/core/datagram.c
// (__skb_try_recv_datagram, datagram_poll). A datagram is one Sk_buff
// with its source address in the control block, charged to the
// receiver (Sk_rmem_alloc), as Linux's is once it has left the sender.

// UDP_MAX_PAYLOAD: the most one IPv4 datagram carries (65535 less the
// IP and UDP headers); more is -EMSGSIZE.
const UDP_MAX_PAYLOAD = 65535 - 20 - 8

// udp_cb is a datagram's control block: its source.
type udp_cb struct {
	Saddr uint32
	Sport uint16
}

func udp_skb_cb(skb *net.Sk_buff) *udp_cb { return (*udp_cb)(unsafe.Pointer(&skb.Cb)) }

// Inet_dgram_connect is connect(2) on UDP (Linux inet_dgram_connect,
// ip4_datagram_connect): AF_UNSPEC forgets the peer (udp_disconnect);
// otherwise an ephemeral port if unbound, the route (-ENETUNREACH), the
// source address, and the peer, from which alone datagrams are then
// taken.
func Inet_dgram_connect(sock *net.Socket, addr []byte, flags uint32) int {
	inet := inet_sk(sock.Sk)
	if len(addr) < 2 {
		return -uapi.EINVAL
	}
	inet_lock()
	err := inet_dgram_connect_locked(inet, addr)
	inet_unlock()
	return err
}

func inet_dgram_connect_locked(inet *Inet_sock, addr []byte) int {
	sk := &inet.Sk
	if uint16(addr[0])|uint16(addr[1])<<8 == uapi.AF_UNSPEC {
		udp_disconnect(inet)
		return 0
	}
	if inet.Inet_num == 0 {
		if inet_autobind(inet, 1) != 0 {
			return -uapi.EAGAIN
		}
	}
	if len(addr) < 16 {
		return -uapi.EINVAL
	}
	sin := sockaddr_in(addr)
	if sin.Sin_family != uapi.AF_INET {
		return -uapi.EAFNOSUPPORT
	}
	// With lo alone there is no route to a broadcast address: Linux's
	// -EACCES without SO_BROADCAST comes after the route, never here.
	daddr, saddr, err := ip_route_output(ntohl(sin.Sin_addr), inet.Inet_saddr)
	if err != 0 {
		return err
	}
	if inet.Inet_saddr == 0 {
		inet.Inet_saddr = saddr
	}
	if inet.Inet_rcv_saddr == 0 {
		inet.Inet_rcv_saddr = saddr
	}
	inet.Inet_daddr, inet.Inet_dport = daddr, ntohs(sin.Sin_port)
	sk.Sk_state = TCP_ESTABLISHED
	return 0
}

// udp_disconnect forgets the peer (Linux udp_disconnect): the address
// and the port go too unless bind fixed them.
func udp_disconnect(inet *Inet_sock) {
	sk := &inet.Sk
	sk.Sk_state = TCP_CLOSE
	inet.Inet_daddr, inet.Inet_dport = 0, 0
	if sk.Sk_userlocks&net.SOCK_BINDADDR_LOCK == 0 {
		inet.Inet_saddr, inet.Inet_rcv_saddr = 0, 0
	}
	if sk.Sk_userlocks&net.SOCK_BINDPORT_LOCK == 0 {
		inet.Inet_num = 0
	}
}

// udp_lib_close is close(2) of a UDP socket: out of the table, its queue
// freed.
func udp_lib_close(inet *Inet_sock) {
	sk := &inet.Sk
	inet_lock()
	inet_table_remove(inet)
	sk.Sk_shutdown = net.SHUTDOWN_MASK
	sk.Sk_state = TCP_CLOSE
	net.Sock_set_flag(sk, net.SOCK_DEAD)
	sk.Sk_socket = nil
	q := sk.Sk_receive_queue
	sk.Sk_receive_queue = net.Sk_buff_head{}
	sk.Sk_rmem_alloc = 0
	inet_unlock()
	sched.Wake_up_interruptible(&sk.Sk_wq)
	net.Skb_queue_purge(&q)
	net.Sock_put(sk)
}

// Udp_sendmsg sends one datagram (Linux udp_sendmsg): to the address
// given or the connected peer (-EDESTADDRREQ for none), port 0 is
// -EINVAL, larger than an IPv4 datagram -EMSGSIZE, off the loopback
// (a broadcast address too) -ENETUNREACH. An
// unbound sender gets an ephemeral port. The datagram goes onto the
// queue of the socket bound to its destination (Udp4_lib_lookup); a
// full one drops it. With nobody there, Linux's ICMP port unreachable
// comes back: a connected sender's next call is -ECONNREFUSED.
func Udp_sendmsg(sock *net.Socket, m *net.Msghdr, size int) int64 {
	inet := inet_sk(sock.Sk)
	sk := &inet.Sk
	if size > UDP_MAX_PAYLOAD {
		return -uapi.EMSGSIZE
	}
	if m.Msg_flags_in&uapi.MSG_OOB != 0 {
		return -uapi.EOPNOTSUPP
	}
	var daddr uint32
	var dport uint16
	connected := false
	if m.Msg_namelen != 0 {
		if m.Msg_namelen < 16 {
			return -uapi.EINVAL
		}
		sin := (*uapi.Sockaddr_in)(unsafe.Pointer(m.Msg_name))
		if sin.Sin_family != uapi.AF_INET && sin.Sin_family != uapi.AF_UNSPEC {
			return -uapi.EAFNOSUPPORT
		}
		daddr, dport = ntohl(sin.Sin_addr), ntohs(sin.Sin_port)
		if dport == 0 {
			return -uapi.EINVAL
		}
	} else {
		if sk.Sk_state != TCP_ESTABLISHED {
			return -uapi.EDESTADDRREQ
		}
		connected = true
	}
	// The datagram is copied in first: the user's pages may fault.
	skb := net.Sock_wmalloc(nil, size)
	if skb == nil {
		return -uapi.ENOBUFS
	}
	if size > 0 && m.Msg_iter.Copy_from_iter(skb.Bytes()) != size {
		net.Kfree_skb(skb)
		return -uapi.EFAULT
	}
	inet_lock()
	err := udp_send_skb(inet, skb, daddr, dport, connected)
	inet_unlock()
	if err != 0 {
		net.Kfree_skb(skb)
		return int64(err)
	}
	return int64(size)
}

// udp_send_skb routes the datagram and queues it on its receiver (Linux
// ip_make_skb's checks, then the loopback's __udp4_lib_rcv), the lock
// held: nonzero leaves skb to the caller.
func udp_send_skb(inet *Inet_sock, skb *net.Sk_buff, daddr uint32, dport uint16, connected bool) int {
	sk := &inet.Sk
	if connected {
		daddr, dport = inet.Inet_daddr, inet.Inet_dport
	}
	if err := net.Sock_error(sk); err != 0 {
		return err
	}
	if sk.Sk_shutdown&net.SEND_SHUTDOWN != 0 {
		return -uapi.EPIPE
	}
	// No route to a broadcast address on lo alone (-ENETUNREACH before
	// Linux's SO_BROADCAST check).
	daddr, saddr, err := ip_route_output(daddr, inet.Inet_saddr)
	if err != 0 {
		return err
	}
	if inet.Inet_num == 0 {
		if inet_autobind(inet, 1) != 0 {
			return -uapi.EAGAIN
		}
	}
	sport := inet.Inet_num
	r := Udp4_lib_lookup(saddr, sport, daddr, dport)
	if r == nil {
		// No socket: the ICMP port unreachable, which only a
		// connected socket hears (Linux __udp4_lib_err without
		// IP_RECVERR).
		net.Kfree_skb(skb)
		if sk.Sk_state == TCP_ESTABLISHED {
			sk.Sk_err = uapi.ECONNREFUSED
			sched.Wake_up_interruptible(&sk.Sk_wq)
		}
		return 0
	}
	rsk := &r.Sk
	// __udp_enqueue_schedule_skb: a receiver past its buffer drops.
	if atomic.LoadInt32(&rsk.Sk_rmem_alloc) > rsk.Sk_rcvbuf {
		net.Kfree_skb(skb)
		return 0
	}
	cb := udp_skb_cb(skb)
	cb.Saddr, cb.Sport = saddr, sport
	atomic.AddInt32(&rsk.Sk_rmem_alloc, int32(skb.Truesize))
	net.Skb_queue_tail(&rsk.Sk_receive_queue, skb)
	sched.Wake_up_interruptible(&rsk.Sk_wq)
	return 0
}

// Udp_recvmsg receives one datagram (Linux udp_recvmsg,
// __skb_recv_udp): a pending error first (-ECONNREFUSED after a port
// unreachable); a shorter buffer loses the rest and sets MSG_TRUNC (with
// MSG_TRUNC asked, the whole length is returned); MSG_PEEK leaves it
// queued; the source as a sockaddr_in. Shut down for reading and empty:
// 0, or -EAGAIN without waiting.
func Udp_recvmsg(sock *net.Socket, m *net.Msghdr, size int, flags uint32) int64 {
	inet := inet_sk(sock.Sk)
	sk := &inet.Sk
	timeo := net.Sock_rcvtimeo(sk, flags&uapi.MSG_DONTWAIT != 0)
	inet_lock()
	var skb *net.Sk_buff
	for {
		if err := net.Sock_error(sk); err != 0 {
			inet_unlock()
			return int64(err)
		}
		if skb = net.Skb_peek(&sk.Sk_receive_queue); skb != nil {
			break
		}
		if timeo == 0 {
			inet_unlock()
			return -uapi.EAGAIN
		}
		if sk.Sk_shutdown&net.RCV_SHUTDOWN != 0 {
			inet_unlock()
			return 0
		}
		inet_unlock()
		err := net.Sock_wait(&sk.Sk_wq, &timeo, func() bool {
			return sk.Sk_receive_queue.Qlen != 0 || sk.Sk_shutdown&net.RCV_SHUTDOWN != 0 || atomic.LoadInt32(&sk.Sk_err) != 0
		})
		if err != 0 {
			return int64(err)
		}
		inet_lock()
	}
	if flags&uapi.MSG_PEEK == 0 {
		net.Skb_dequeue(&sk.Sk_receive_queue)
		atomic.AddInt32(&sk.Sk_rmem_alloc, -int32(skb.Truesize))
	}
	length := int(skb.Len)
	copied := min(size, length)
	if length > size {
		m.Msg_flags |= uapi.MSG_TRUNC
	}
	n := m.Msg_iter.Copy_to_iter(skb.Bytes()[:copied])
	if m.Msg_name != nil {
		cb := udp_skb_cb(skb)
		m.Msg_namelen = Inet_fill_addr(unsafe.Pointer(m.Msg_name), cb.Saddr, cb.Sport)
	}
	inet_unlock()
	if flags&uapi.MSG_PEEK == 0 {
		net.Kfree_skb(skb)
	}
	if n < copied {
		return -uapi.EFAULT
	}
	if flags&uapi.MSG_TRUNC != 0 {
		return int64(length)
	}
	return int64(copied)
}

// Udp_poll reports a UDP socket's readiness (Linux udp_poll,
// datagram_poll): readable with a datagram queued, EPOLLERR with an
// error pending (a port unreachable), always writable: a datagram
// leaves its sender at once.
func Udp_poll(f *fs.File, sock *net.Socket, pt *fs.Poll_table) uint32 {
	sk := sock.Sk
	fs.Poll_wait(f, &sk.Sk_wq, pt)
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
	return mask | uapi.EPOLLOUT | uapi.EPOLLWRNORM | uapi.EPOLLWRBAND
}
