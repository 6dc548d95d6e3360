package ipv4

import (
	"sync/atomic"

	"gokern/fs"
	"gokern/include/uapi"
	"gokern/kernel/sched"
	"gokern/mm"
	"gokern/net"
)

// TCP on the loopback. Linux: net/ipv4/af_inet.c (inet_listen,
// inet_stream_connect, inet_accept), inet_connection_sock.c
// (inet_csk_listen_start, inet_csk_accept, inet_csk_listen_stop),
// tcp_ipv4.c (tcp_v4_connect), tcp.c (tcp_sendmsg, tcp_recvmsg,
// tcp_poll, tcp_shutdown, tcp_close, tcp_disconnect), tcp_input.c
// (tcp_fin, tcp_reset). A connection is two Inet_socks that point at
// each other; what a segment would carry is done to the peer directly
// (the package comment).

// tcp_set_state changes a socket's state and wakes its waiters.
func tcp_set_state(inet *Inet_sock, state uint8) {
	inet.Sk.Sk_state = state
	sched.Wake_up_interruptible(&inet.Sk.Sk_wq)
}

// tcp_done: the connection is over (Linux tcp_done): closed, shut down
// both ways.
func tcp_done(inet *Inet_sock) {
	inet.Sk.Sk_shutdown = net.SHUTDOWN_MASK
	tcp_set_state(inet, TCP_CLOSE)
}

// tcp_reset: a RST came (Linux tcp_reset): ECONNREFUSED to a connect,
// EPIPE in CLOSE_WAIT (this end had its FIN), else ECONNRESET; then
// tcp_done. The lock held.
func tcp_reset(inet *Inet_sock) {
	sk := &inet.Sk
	if net.Sock_flag(sk, net.SOCK_DEAD) {
		return
	}
	switch sk.Sk_state {
	case TCP_SYN_SENT:
		sk.Sk_err = uapi.ECONNREFUSED
	case TCP_CLOSE_WAIT:
		sk.Sk_err = uapi.EPIPE
	case TCP_CLOSE:
		return
	default:
		sk.Sk_err = uapi.ECONNRESET
	}
	tcp_done(inet)
}

// tcp_fin: the peer's FIN came (Linux tcp_fin): EOF for reads after
// what is queued; ESTABLISHED becomes CLOSE_WAIT, a socket that had
// sent its own FIN is done (TIME_WAIT, which gokern does not keep).
func tcp_fin(inet *Inet_sock) {
	sk := &inet.Sk
	sk.Sk_shutdown |= net.RCV_SHUTDOWN
	net.Sock_set_flag(sk, net.SOCK_DONE)
	switch sk.Sk_state {
	case TCP_ESTABLISHED, TCP_SYN_RECV:
		tcp_set_state(inet, TCP_CLOSE_WAIT)
	case TCP_FIN_WAIT1, TCP_FIN_WAIT2:
		tcp_done(inet)
	default:
		sched.Wake_up_interruptible(&sk.Sk_wq)
	}
}

// peer_alive: the peer can still take segments (not closed).
func peer_alive(inet *Inet_sock) *Inet_sock {
	p := inet.Peer
	if p == nil || net.Sock_flag(&p.Sk, net.SOCK_DEAD) || p.Sk.Sk_state == TCP_CLOSE {
		return nil
	}
	return p
}

// tcp_send_fin sends this end's FIN (Linux tcp_close_state +
// tcp_send_fin): ESTABLISHED becomes FIN_WAIT2 (the ACK is at once on
// the loopback), CLOSE_WAIT is done (LAST_ACK, then the ACK).
func tcp_send_fin(inet *Inet_sock) {
	if p := peer_alive(inet); p != nil {
		tcp_fin(p)
	}
	switch inet.Sk.Sk_state {
	case TCP_ESTABLISHED, TCP_SYN_RECV:
		tcp_set_state(inet, TCP_FIN_WAIT2)
	case TCP_CLOSE_WAIT:
		tcp_done(inet)
	}
}

// tcp_shutdown: shutdown(SHUT_WR) sends the FIN (Linux tcp_shutdown).
func tcp_shutdown(inet *Inet_sock) {
	switch inet.Sk.Sk_state {
	case TCP_ESTABLISHED, TCP_SYN_SENT, TCP_SYN_RECV, TCP_CLOSE_WAIT:
		tcp_send_fin(inet)
	}
}

// tcp_send_active_reset: this end aborts: the peer gets a RST.
func tcp_send_active_reset(inet *Inet_sock) {
	if p := peer_alive(inet); p != nil {
		tcp_reset(p)
	}
}

// syn_queue_remove takes a waiting connector off its listener's queue,
// the lock held; the caller drops the Listener reference.
func syn_queue_remove(inet *Inet_sock) *Inet_sock {
	l := inet.Listener
	if l == nil {
		return nil
	}
	var prev *Inet_sock
	for s := l.Syn_head; s != nil; prev, s = s, s.Qnext {
		if s != inet {
			continue
		}
		if prev == nil {
			l.Syn_head = s.Qnext
		} else {
			prev.Qnext = s.Qnext
		}
		if l.Syn_tail == s {
			l.Syn_tail = prev
		}
		break
	}
	inet.Qnext = nil
	inet.Listener = nil
	return l
}

// inet_csk_listen_stop: a listener closes (Linux inet_csk_listen_stop):
// its connections never accepted are reset (their connectors read
// ECONNRESET), the connectors waiting for room are refused. The lock
// held; the socks to release are put on *dead (through Qnext).
func inet_csk_listen_stop(l *Inet_sock, dead **Inet_sock) {
	for c := l.Accept_head; c != nil; {
		next := c.Qnext
		c.Qnext = *dead
		*dead = c
		c = next
	}
	l.Accept_head, l.Accept_tail, l.Acceptq_len = nil, nil, 0
	for c := l.Syn_head; c != nil; {
		next := c.Qnext
		c.Qnext, c.Listener = nil, nil
		tcp_reset(c)
		net.Sock_put(&l.Sk) // c.Listener's reference
		c = next
	}
	l.Syn_head, l.Syn_tail = nil, nil
}

// release_children closes the unaccepted connections inet_csk_listen_stop
// collected: each sends its RST and goes, the lock released.
func release_children(dead *Inet_sock) {
	for c := dead; c != nil; {
		next := c.Qnext
		c.Qnext = nil
		tcp_close_sock(c, true)
		c = next
	}
}

// Inet_listen is listen(2) (Linux inet_listen, inet_csk_listen_start):
// a TCP socket not connected; an unbound one gets an ephemeral port;
// -EADDRINUSE when another socket on its port keeps it from listening
// (both SO_REUSEADDR lets them bind, not both listen). A listener's
// backlog is changed.
func Inet_listen(sock *net.Socket, backlog int) int {
	inet := inet_sk(sock.Sk)
	sk := &inet.Sk
	if sock.State != net.SS_UNCONNECTED || sock.Type != uapi.SOCK_STREAM {
		return -uapi.EINVAL
	}
	inet_lock()
	err := inet_listen_locked(inet, backlog)
	inet_unlock()
	sched.Wake_up_interruptible(&sk.Sk_wq)
	return err
}

func inet_listen_locked(inet *Inet_sock, backlog int) int {
	sk := &inet.Sk
	if sk.Sk_state != TCP_CLOSE && sk.Sk_state != TCP_LISTEN {
		return -uapi.EINVAL
	}
	sk.Sk_max_ack_backlog = uint32(backlog)
	if sk.Sk_state == TCP_LISTEN {
		tcp_syn_queue_admit(inet)
		return 0
	}
	sk.Sk_state = TCP_LISTEN
	snum := inet.Inet_num
	inet.Inet_num = 0
	var err int
	if snum == 0 {
		err = inet_autobind(inet, 1)
	} else {
		err = Inet_csk_get_port(inet, snum)
	}
	if err != 0 {
		inet.Inet_num = snum
		sk.Sk_state = TCP_CLOSE
		if err == -uapi.EADDRNOTAVAIL {
			err = -uapi.EADDRINUSE
		}
		return err
	}
	sk.Sk_shutdown = 0
	return 0
}

// sk_acceptq_is_full (include/net/sock.h): Linux lets backlog+1
// connections wait.
func sk_acceptq_is_full(l *Inet_sock) bool { return l.Acceptq_len > l.Sk.Sk_max_ack_backlog }

// tcp_v4_connect_to makes the connection of the connector inet to the
// listener l, whose accept queue has room (what the three-way handshake
// does: Linux tcp_v4_syn_recv_sock's sk_clone_lock of the listener, the
// child queued by inet_csk_reqsk_queue_add): the child takes the
// listener's options, the local address the connector asked for and the
// listener's port. The lock held.
func tcp_v4_connect_to(inet, l *Inet_sock) int {
	child := inet_sk_alloc_locked(l)
	if child == nil {
		inet.Sk.Sk_err = uapi.ENOMEM
		tcp_done(inet)
		return -uapi.ENOMEM
	}
	child.Inet_rcv_saddr, child.Inet_saddr = inet.Inet_daddr, inet.Inet_daddr
	child.Inet_num = l.Inet_num
	child.Inet_daddr, child.Inet_dport = inet.Inet_saddr, inet.Inet_num
	child.Sk.Sk_state = TCP_ESTABLISHED
	net.Sock_hold(&child.Sk)
	inet.Peer = child
	net.Sock_hold(&inet.Sk)
	child.Peer = inet
	if l.Accept_tail == nil {
		l.Accept_head = child
	} else {
		l.Accept_tail.Qnext = child
	}
	l.Accept_tail = child
	l.Acceptq_len++
	tcp_set_state(inet, TCP_ESTABLISHED)
	sched.Wake_up_interruptible(&l.Sk.Sk_wq)
	return 0
}

// inet_sk_alloc_locked is sk_clone_lock of the listener l: a new sock
// with l's options, in the table (the lock held).
func inet_sk_alloc_locked(l *Inet_sock) *Inet_sock {
	child := inet_sock_cachep.Zalloc(mm.GFP_KERNEL | mm.X__GFP_NOWARN)
	if child == nil {
		return nil
	}
	atomic.AddInt64(&Inet_nr_socks, 1)
	net.Sock_init_data(nil, &child.Sk, uapi.AF_INET, uapi.SOCK_STREAM)
	child.Sk.Sk_protocol = uapi.IPPROTO_TCP
	child.Sk.Sk_destruct = inet_sock_destruct
	s, c := &l.Sk, &child.Sk
	c.Sk_flags = s.Sk_flags &^ (net.SOCK_DEAD | net.SOCK_DONE)
	c.Sk_rcvbuf, c.Sk_sndbuf, c.Sk_userlocks = s.Sk_rcvbuf, s.Sk_sndbuf, s.Sk_userlocks
	c.Sk_rcvtimeo, c.Sk_sndtimeo, c.Sk_lingertime = s.Sk_rcvtimeo, s.Sk_sndtimeo, s.Sk_lingertime
	child.Tos, child.Uc_ttl, child.Mc_ttl, child.Mc_loop, child.Recverr = l.Tos, l.Uc_ttl, l.Mc_ttl, l.Mc_loop, l.Recverr
	child.Nonagle = l.Nonagle
	child.Keepalive_time, child.Keepalive_intvl, child.Keepalive_probes = l.Keepalive_time, l.Keepalive_intvl, l.Keepalive_probes
	child.Syn_retries, child.Linger2, child.User_timeout = l.Syn_retries, l.Linger2, l.User_timeout
	inet_table_add(child)
	return child
}

// tcp_syn_queue_admit connects the connectors waiting on l while its
// accept queue has room (their SYN, sent again, is now answered). The
// lock held.
func tcp_syn_queue_admit(l *Inet_sock) {
	for l.Syn_head != nil && !sk_acceptq_is_full(l) {
		c := l.Syn_head
		syn_queue_remove(c)
		tcp_v4_connect_to(c, l)
		net.Sock_put(&l.Sk) // c.Listener's reference; l is still referenced by its socket
	}
}

// Inet_stream_connect is connect(2) on TCP (Linux inet_stream_connect,
// __inet_stream_connect, tcp_v4_connect): the route to the address
// (-ENETUNREACH off the loopback), an ephemeral port, then the listener:
// none is -ECONNREFUSED (its RST); a full backlog waits for room. With
// O_NONBLOCK the answer is -EINPROGRESS and the result comes through
// poll (EPOLLOUT) and SO_ERROR, as on Linux, where the handshake on lo
// ends after connect has returned. AF_UNSPEC disconnects.
func Inet_stream_connect(sock *net.Socket, addr []byte, flags uint32) int {
	inet := inet_sk(sock.Sk)
	if len(addr) < 2 {
		return -uapi.EINVAL
	}
	var done net.Sk_buff_head
	inet_lock()
	err := inet_stream_connect_locked(sock, inet, addr, flags, &done)
	inet_unlock()
	net.Skb_queue_purge(&done)
	return err
}

func inet_stream_connect_locked(sock *net.Socket, inet *Inet_sock, addr []byte, flags uint32, done *net.Sk_buff_head) int {
	sk := &inet.Sk
	if uint16(addr[0])|uint16(addr[1])<<8 == uapi.AF_UNSPEC {
		tcp_disconnect(inet, done)
		sock.State = net.SS_UNCONNECTED
		return 0
	}
	err := 0
	switch sock.State {
	case net.SS_CONNECTED:
		return -uapi.EISCONN
	case net.SS_CONNECTING:
		err = -uapi.EALREADY
	case net.SS_UNCONNECTED:
		if sk.Sk_state != TCP_CLOSE {
			return -uapi.EISCONN
		}
		if err = tcp_v4_connect(inet, addr); err != 0 {
			return err
		}
		sock.State = net.SS_CONNECTING
		err = -uapi.EINPROGRESS
	default:
		return -uapi.EINVAL
	}
	timeo := net.Sock_sndtimeo(sk, flags&uapi.O_NONBLOCK != 0)
	if sk.Sk_state == TCP_SYN_SENT || sk.Sk_state == TCP_SYN_RECV {
		if timeo == 0 {
			return err
		}
		inet_unlock()
		werr := net.Sock_wait(&sk.Sk_wq, &timeo, func() bool {
			return sk.Sk_state != TCP_SYN_SENT && sk.Sk_state != TCP_SYN_RECV
		})
		inet_lock()
		if werr == -uapi.EAGAIN {
			return err // SO_SNDTIMEO ran out: still -EINPROGRESS
		}
		if werr != 0 {
			return werr
		}
	} else if flags&uapi.O_NONBLOCK != 0 && err == -uapi.EINPROGRESS {
		// Linux's non-blocking connect returns before the loopback's
		// SYN-ACK is processed: -EINPROGRESS, always.
		return err
	}
	if sk.Sk_state == TCP_CLOSE {
		err = net.Sock_error(sk)
		if err == 0 {
			err = -uapi.ECONNABORTED
		}
		sock.State = net.SS_UNCONNECTED
		tcp_disconnect(inet, done)
		return err
	}
	sock.State = net.SS_CONNECTED
	return 0
}

// tcp_v4_connect starts a connection to addr (Linux tcp_v4_connect):
// the route, the source address, an ephemeral port, and the SYN: the
// listener answers at once, a full one later, none with a RST (the
// error waits in Sk_err). The lock held.
func tcp_v4_connect(inet *Inet_sock, addr []byte) int {
	sk := &inet.Sk
	if len(addr) < 16 {
		return -uapi.EINVAL
	}
	sin := sockaddr_in(addr)
	if sin.Sin_family != uapi.AF_INET {
		return -uapi.EAFNOSUPPORT
	}
	daddr, saddr, err := ip_route_output(ntohl(sin.Sin_addr), inet.Inet_saddr)
	if err != 0 {
		return err
	}
	dport := ntohs(sin.Sin_port)
	if inet.Inet_saddr == 0 {
		inet.Inet_saddr = saddr
	}
	if inet.Inet_rcv_saddr == 0 {
		inet.Inet_rcv_saddr = inet.Inet_saddr
	}
	if err := inet_autobind(inet, 0); err != 0 {
		if sk.Sk_userlocks&net.SOCK_BINDADDR_LOCK == 0 {
			inet.Inet_saddr, inet.Inet_rcv_saddr = 0, 0
		}
		return err
	}
	inet.Inet_daddr, inet.Inet_dport = daddr, dport
	sk.Sk_state = TCP_SYN_SENT
	sk.Sk_shutdown = 0
	net.Sock_reset_flag(sk, net.SOCK_DONE)
	l := Inet_lookup_listener(daddr, dport)
	if l == nil {
		tcp_reset(inet) // the RST of a port nobody listens on
		return 0
	}
	if sk_acceptq_is_full(l) {
		net.Sock_hold(&l.Sk)
		inet.Listener = l
		if l.Syn_tail == nil {
			l.Syn_head = inet
		} else {
			l.Syn_tail.Qnext = inet
		}
		l.Syn_tail = inet
		return 0
	}
	return tcp_v4_connect_to(inet, l)
}

// tcp_disconnect returns a socket to CLOSE, ready to connect again
// (Linux tcp_disconnect): a listener stops, a connection is reset, the
// queue is purged (onto *done, freed by the caller), the port and
// address go unless bind fixed them. The lock held.
func tcp_disconnect(inet *Inet_sock, done *net.Sk_buff_head) {
	sk := &inet.Sk
	old := sk.Sk_state
	var dead *Inet_sock
	if old == TCP_LISTEN {
		inet_csk_listen_stop(inet, &dead)
	} else if old != TCP_CLOSE && old != TCP_SYN_SENT {
		tcp_send_active_reset(inet)
		sk.Sk_err = uapi.ECONNRESET
	} else if old == TCP_SYN_SENT {
		sk.Sk_err = uapi.ECONNRESET
	}
	if l := syn_queue_remove(inet); l != nil {
		net.Sock_put(&l.Sk)
	}
	sk.Sk_state = TCP_CLOSE
	for skb := net.Skb_dequeue(&sk.Sk_receive_queue); skb != nil; skb = net.Skb_dequeue(&sk.Sk_receive_queue) {
		net.Skb_queue_tail(done, skb)
	}
	if sk.Sk_userlocks&net.SOCK_BINDADDR_LOCK == 0 {
		inet.Inet_saddr, inet.Inet_rcv_saddr = 0, 0
	}
	if sk.Sk_userlocks&net.SOCK_BINDPORT_LOCK == 0 {
		inet.Inet_num = 0
	}
	inet.Inet_daddr, inet.Inet_dport = 0, 0
	sk.Sk_shutdown = 0
	net.Sock_reset_flag(sk, net.SOCK_DONE)
	if p := inet.Peer; p != nil {
		inet.Peer = nil
		net.Sock_put(&p.Sk)
	}
	sched.Wake_up_interruptible(&sk.Sk_wq)
	if dead != nil {
		inet_unlock()
		release_children(dead)
		inet_lock()
	}
}

// Inet_accept is accept(2) (Linux inet_accept, inet_csk_accept): the
// first connection of the accept queue becomes newsock's; an empty
// queue waits (SO_RCVTIMEO) or is -EAGAIN; a socket not listening is
// -EINVAL.
func Inet_accept(sock, newsock *net.Socket, flags uint32) int {
	l := inet_sk(sock.Sk)
	sk := &l.Sk
	timeo := net.Sock_rcvtimeo(sk, flags&uapi.O_NONBLOCK != 0)
	inet_lock()
	var child *Inet_sock
	for {
		if sk.Sk_state != TCP_LISTEN {
			inet_unlock()
			return -uapi.EINVAL
		}
		if child = l.Accept_head; child != nil {
			break
		}
		if timeo == 0 {
			inet_unlock()
			return -uapi.EAGAIN
		}
		inet_unlock()
		err := net.Sock_wait(&sk.Sk_wq, &timeo, func() bool {
			return l.Accept_head != nil || sk.Sk_state != TCP_LISTEN
		})
		if err != 0 {
			return err
		}
		inet_lock()
	}
	l.Accept_head = child.Qnext
	if l.Accept_head == nil {
		l.Accept_tail = nil
	}
	child.Qnext = nil
	l.Acceptq_len--
	child.Sk.Sk_socket = newsock
	newsock.Sk = &child.Sk
	newsock.State = net.SS_CONNECTED
	tcp_syn_queue_admit(l)
	inet_unlock()
	return 0
}

// tcp_wspace: how many more bytes this end may have unread at its peer:
// its send buffer and the peer's receive buffer (what Linux's send queue
// and the peer's window hold).
func tcp_limit(inet, peer *Inet_sock) int32 { return inet.Sk.Sk_sndbuf + peer.Sk.Sk_rcvbuf }

// TCP_SKB_MAX: the largest piece one send queues (64 KiB, a loopback
// GSO segment).
const TCP_SKB_MAX = 64 << 10

// Tcp_sendmsg sends on a connection (Linux tcp_sendmsg_locked): the
// bytes go in pieces onto the peer's receive queue while its unread
// bytes stay under the limit (tcp_limit), else the writer waits (
// SO_SNDTIMEO, -EAGAIN without waiting). A connection the peer has
// closed takes this send and answers with a RST (the next send is
// -EPIPE); one shut down for sending is -EPIPE and SIGPIPE unless
// MSG_NOSIGNAL; the peer's RST is -ECONNRESET once. A partial send
// returns what went.
func Tcp_sendmsg(sock *net.Socket, m *net.Msghdr, size int) int64 {
	inet := inet_sk(sock.Sk)
	sk := &inet.Sk
	flags := m.Msg_flags_in
	if flags&uapi.MSG_OOB != 0 {
		return -uapi.EOPNOTSUPP // gokern sends no urgent data
	}
	nonblock := flags&uapi.MSG_DONTWAIT != 0
	timeo := net.Sock_sndtimeo(sk, nonblock)
	sent := 0
	inet_lock()
	// sk_stream_wait_connect: a connect under way is waited for.
	for sk.Sk_state == TCP_SYN_SENT || sk.Sk_state == TCP_SYN_RECV {
		if e := net.Sock_error(sk); e != 0 {
			inet_unlock()
			return int64(sk_stream_error(sk, flags, e))
		}
		if timeo == 0 {
			inet_unlock()
			return -uapi.EAGAIN
		}
		inet_unlock()
		if e := net.Sock_wait(&sk.Sk_wq, &timeo, func() bool {
			return sk.Sk_state != TCP_SYN_SENT && sk.Sk_state != TCP_SYN_RECV
		}); e != 0 {
			return int64(e)
		}
		inet_lock()
	}
	for {
		st := sk.Sk_state
		if atomic.LoadInt32(&sk.Sk_err) != 0 || sk.Sk_shutdown&net.SEND_SHUTDOWN != 0 ||
			(st != TCP_ESTABLISHED && st != TCP_CLOSE_WAIT) {
			inet_unlock()
			if sent > 0 {
				return int64(sent)
			}
			return int64(sk_stream_error(sk, flags, -uapi.EPIPE))
		}
		peer := peer_alive(inet)
		if peer == nil {
			// The peer closed: this data reaches a closed socket,
			// which answers with a RST. Linux has queued up to its
			// send buffer when the RST ends the send: that much of it
			// is taken, the rest is for the next call, -EPIPE.
			n := min(size-sent, int(sk.Sk_sndbuf))
			tcp_reset(inet)
			inet_unlock()
			m.Msg_iter.Iov_iter_advance(n)
			return int64(sent + n)
		}
		if sent == size {
			break
		}
		room := tcp_limit(inet, peer) - atomic.LoadInt32(&sk.Sk_wmem_alloc)
		if room <= 0 {
			if timeo == 0 {
				break
			}
			inet_unlock()
			e := net.Sock_wait(&sk.Sk_wq, &timeo, func() bool {
				return tcp_limit(inet, peer) > atomic.LoadInt32(&sk.Sk_wmem_alloc) ||
					atomic.LoadInt32(&sk.Sk_err) != 0 || sk.Sk_state != TCP_ESTABLISHED && sk.Sk_state != TCP_CLOSE_WAIT ||
					sk.Sk_shutdown&net.SEND_SHUTDOWN != 0 || net.Sock_flag(&peer.Sk, net.SOCK_DEAD)
			})
			inet_lock()
			if e != 0 {
				inet_unlock()
				if sent > 0 {
					return int64(sent)
				}
				return int64(e)
			}
			continue
		}
		chunk := min(size-sent, int(room), TCP_SKB_MAX)
		skb := net.Sock_wmalloc(sk, chunk)
		if skb == nil {
			inet_unlock()
			if sent > 0 {
				return int64(sent)
			}
			return -uapi.ENOBUFS
		}
		if n := m.Msg_iter.Copy_from_iter(skb.Bytes()); n != chunk {
			inet_unlock()
			net.Kfree_skb(skb)
			if sent > 0 {
				return int64(sent)
			}
			return -uapi.EFAULT
		}
		net.Skb_queue_tail(&peer.Sk.Sk_receive_queue, skb)
		sched.Wake_up_interruptible(&peer.Sk.Sk_wq)
		sent += chunk
	}
	inet_unlock()
	if sent == 0 && size > 0 {
		return -uapi.EAGAIN
	}
	return int64(sent)
}

// Tcp_recvmsg reads a connection (Linux tcp_recvmsg_locked): bytes from
// as many queued pieces as fit, waiting only while nothing was read
// (MSG_WAITALL: until the buffer is full). After the peer's FIN, 0; the
// peer's RST is -ECONNRESET once; a socket never connected (or a
// listener) is -ENOTCONN; MSG_OOB is -EINVAL (no urgent data).
func Tcp_recvmsg(sock *net.Socket, m *net.Msghdr, size int, flags uint32) int64 {
	inet := inet_sk(sock.Sk)
	sk := &inet.Sk
	if flags&uapi.MSG_OOB != 0 {
		return -uapi.EINVAL
	}
	target := 1
	if flags&uapi.MSG_WAITALL != 0 {
		target = size
	}
	peek := flags&uapi.MSG_PEEK != 0
	timeo := net.Sock_rcvtimeo(sk, flags&uapi.MSG_DONTWAIT != 0)
	var done net.Sk_buff_head
	copied := 0
	err := 0
	inet_lock()
	if sk.Sk_state == TCP_LISTEN {
		inet_unlock()
		return -uapi.ENOTCONN
	}
	for copied < size {
		skb := net.Skb_peek(&sk.Sk_receive_queue)
		off := uint32(0)
		if skb != nil {
			off = skb.Consumed
		}
		if peek {
			// The byte after the copied ones: MSG_PEEK leaves the
			// queue as it is.
			for rem := uint32(copied); skb != nil; {
				if rem < skb.Len-off {
					off += rem
					break
				}
				rem -= skb.Len - off
				skb, off = skb.Next, 0
			}
		}
		if skb == nil {
			if copied >= target {
				break
			}
			if copied > 0 {
				if sk.Sk_err != 0 || sk.Sk_state == TCP_CLOSE || sk.Sk_shutdown&net.RCV_SHUTDOWN != 0 || timeo == 0 || sched.Signal_pending() {
					break
				}
			} else {
				if net.Sock_flag(sk, net.SOCK_DONE) {
					break
				}
				if err = net.Sock_error(sk); err != 0 {
					break
				}
				if sk.Sk_shutdown&net.RCV_SHUTDOWN != 0 {
					break
				}
				if sk.Sk_state == TCP_CLOSE {
					err = -uapi.ENOTCONN
					break
				}
				if timeo == 0 {
					err = -uapi.EAGAIN
					break
				}
			}
			inet_unlock()
			err = net.Sock_wait(&sk.Sk_wq, &timeo, func() bool {
				return sk.Sk_receive_queue.Qlen != 0 || sk.Sk_shutdown&net.RCV_SHUTDOWN != 0 ||
					atomic.LoadInt32(&sk.Sk_err) != 0 || sk.Sk_state == TCP_CLOSE
			})
			inet_lock()
			if err != 0 {
				break
			}
			continue
		}
		chunk := min(int(skb.Len-off), size-copied)
		if chunk > 0 && flags&uapi.MSG_TRUNC == 0 {
			n := m.Msg_iter.Copy_to_iter(skb.Bytes()[off : int(off)+chunk])
			if n == 0 {
				if copied == 0 {
					err = -uapi.EFAULT
				}
				break
			}
			chunk = n
		}
		copied += chunk
		if peek {
			continue
		}
		skb.Consumed += uint32(chunk)
		if skb.Consumed == skb.Len {
			net.Skb_dequeue(&sk.Sk_receive_queue)
			net.Skb_queue_tail(&done, skb)
		}
	}
	inet_unlock()
	net.Skb_queue_purge(&done)
	if copied == 0 && err != 0 {
		return int64(err)
	}
	return int64(copied)
}

// Tcp_poll reports a TCP socket's readiness (Linux tcp_poll): a
// listener is readable with a connection to accept; EPOLLHUP when shut
// down both ways or closed (a new socket too), EPOLLIN|EPOLLRDHUP after
// the peer's FIN, EPOLLOUT while the peer's queue has room (and once
// shut down for sending), nothing of either while connecting,
// EPOLLERR with an error pending.
func Tcp_poll(f *fs.File, sock *net.Socket, pt *fs.Poll_table) uint32 {
	inet := inet_sk(sock.Sk)
	fs.Poll_wait(f, &inet.Sk.Sk_wq, pt)
	// Under the lock: a disconnect (connect AF_UNSPEC) on another
	// thread may drop the peer tcp_writeable reads.
	inet_lock()
	mask := tcp_poll_locked(inet)
	inet_unlock()
	return mask
}

func tcp_poll_locked(inet *Inet_sock) uint32 {
	sk := &inet.Sk
	st := sk.Sk_state
	if st == TCP_LISTEN {
		if inet.Accept_head != nil {
			return uapi.EPOLLIN | uapi.EPOLLRDNORM
		}
		return 0
	}
	var mask uint32
	shut := sk.Sk_shutdown
	if shut == net.SHUTDOWN_MASK || st == TCP_CLOSE {
		mask |= uapi.EPOLLHUP
	}
	if shut&net.RCV_SHUTDOWN != 0 {
		mask |= uapi.EPOLLIN | uapi.EPOLLRDNORM | uapi.EPOLLRDHUP
	}
	if st != TCP_SYN_SENT && st != TCP_SYN_RECV {
		if sk.Sk_receive_queue.Qlen != 0 {
			mask |= uapi.EPOLLIN | uapi.EPOLLRDNORM
		}
		if shut&net.SEND_SHUTDOWN == 0 {
			if tcp_writeable(inet) {
				mask |= uapi.EPOLLOUT | uapi.EPOLLWRNORM
			}
		} else {
			mask |= uapi.EPOLLOUT | uapi.EPOLLWRNORM
		}
	}
	if atomic.LoadInt32(&sk.Sk_err) != 0 {
		mask |= uapi.EPOLLERR
	}
	return mask
}

// tcp_writeable: the free room is at least half what is queued (Linux
// __sk_stream_is_writeable, sk_stream_min_wspace).
func tcp_writeable(inet *Inet_sock) bool {
	peer := inet.Peer
	if peer == nil {
		return true
	}
	q := atomic.LoadInt32(&inet.Sk.Sk_wmem_alloc)
	return tcp_limit(inet, peer)-q >= q/2
}

// Tcp_close is close(2) of a TCP socket (Linux tcp_close): a listener
// resets its unaccepted connections; a connection with data unread, or
// with SO_LINGER of 0 seconds, is reset (the peer reads ECONNRESET);
// any other sends its FIN (the peer reads EOF). The socket leaves the
// table and its port is free at once: gokern keeps no TIME_WAIT.
func Tcp_close(inet *Inet_sock) { tcp_close_sock(inet, false) }

func tcp_close_sock(inet *Inet_sock, child bool) {
	sk := &inet.Sk
	var dead *Inet_sock
	var done net.Sk_buff_head
	inet_lock()
	if l := syn_queue_remove(inet); l != nil {
		net.Sock_put(&l.Sk)
	}
	st := sk.Sk_state
	if st == TCP_LISTEN {
		inet_csk_listen_stop(inet, &dead)
	} else if st != TCP_CLOSE {
		unread := sk.Sk_receive_queue.Qlen != 0
		if unread || child || (net.Sock_flag(sk, net.SOCK_LINGER) && sk.Sk_lingertime == 0) {
			tcp_send_active_reset(inet)
		} else if sk.Sk_shutdown&net.SEND_SHUTDOWN == 0 {
			tcp_send_fin(inet)
		}
	}
	sk.Sk_shutdown = net.SHUTDOWN_MASK
	sk.Sk_state = TCP_CLOSE
	net.Sock_set_flag(sk, net.SOCK_DEAD)
	sk.Sk_socket = nil
	inet_table_remove(inet)
	done = sk.Sk_receive_queue
	sk.Sk_receive_queue = net.Sk_buff_head{}
	peer := inet.Peer
	inet.Peer = nil
	inet_unlock()
	sched.Wake_up_interruptible(&sk.Sk_wq)
	if peer != nil {
		sched.Wake_up_interruptible(&peer.Sk.Sk_wq)
		net.Sock_put(&peer.Sk)
	}
	net.Skb_queue_purge(&done)
	release_children(dead)
	net.Sock_put(sk)
}
