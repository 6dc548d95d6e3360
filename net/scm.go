package net

import (
	"sync/atomic"
	"unsafe"

	"gokern/fs"
	"gokern/include/compiler"
	"gokern/include/uapi"
	"gokern/kernel/sched"
	"gokern/mm"
	"gokern/mm/slab"
)

// Control messages: credentials and passed files. Linux: net/core/scm.c
// (__scm_send, scm_fp_copy, scm_check_creds, put_cmsg, scm_detach_fds,
// __scm_destroy), include/net/scm.h (struct scm_cookie, scm_fp_list,
// scm_recv). A sender's SCM_RIGHTS message holds a reference on each
// file it names from sendmsg until the receiver's recvmsg installs them
// as new descriptors, or until the message is freed unread.

// Scm_fp_list is struct scm_fp_list: the files of one SCM_RIGHTS
// message, each referenced.
type Scm_fp_list struct {
	Count int32
	Fp    [uapi.SCM_MAX_FD]*fs.File
}

// Scm_cookie is struct scm_cookie: what one sendmsg's control messages
// asked for, or what one recvmsg hands back.
type Scm_cookie struct {
	Fp    *Scm_fp_list
	Cred  uapi.Ucred
	Creds bool // Cred is set
}

// Nr_inflight counts the files held by messages in flight (Linux
// unix_tot_inflight, which the descriptor-passing garbage collector
// reads).
var Nr_inflight int64

// Scm_fp_destroy drops the files of fpl and frees it (Linux
// __scm_destroy's fput loop).
func Scm_fp_destroy(fpl *Scm_fp_list) {
	for i := int32(0); i < fpl.Count; i++ {
		fs.Fput(fpl.Fp[i])
		fpl.Fp[i] = nil
		atomic.AddInt64(&Nr_inflight, -1)
	}
	slab.Kfree(fpl)
}

// Scm_destroy drops what scm holds (Linux scm_destroy).
func Scm_destroy(scm *Scm_cookie) {
	if scm.Fp != nil {
		Scm_fp_destroy(scm.Fp)
		scm.Fp = nil
	}
}

// scm_fp_copy takes a reference on each descriptor of an SCM_RIGHTS
// message (Linux scm_fp_copy): -EINVAL for more than SCM_MAX_FD in one
// sendmsg, -EBADF for a descriptor that is not open.
func scm_fp_copy(data []byte, scm *Scm_cookie) int {
	num := len(data) / 4
	if num <= 0 {
		return 0
	}
	if num > uapi.SCM_MAX_FD {
		return -uapi.EINVAL
	}
	fpl := scm.Fp
	if fpl == nil {
		if fpl = slab.Kzalloc[Scm_fp_list](mm.GFP_KERNEL); fpl == nil {
			return -uapi.ENOMEM
		}
		scm.Fp = fpl
	}
	if int(fpl.Count)+num > uapi.SCM_MAX_FD {
		return -uapi.EINVAL
	}
	for i := 0; i < num; i++ {
		fd := int(int32(uint32(data[4*i]) | uint32(data[4*i+1])<<8 | uint32(data[4*i+2])<<16 | uint32(data[4*i+3])<<24))
		f := fs.Fget(fd)
		if f == nil {
			return -uapi.EBADF
		}
		fpl.Fp[fpl.Count] = f
		fpl.Count++
		atomic.AddInt64(&Nr_inflight, 1)
	}
	return 0
}

// scm_check_creds allows a sender to claim only its own pid and ids
// unless privileged (Linux scm_check_creds).
func scm_check_creds(c *uapi.Ucred) int {
	t := sched.Get_current()
	cr := &t.Cred
	pidOK := c.Pid == t.Tgid || sched.Capable(sched.CAP_SYS_ADMIN)
	uidOK := c.Uid == cr.Uid || c.Uid == cr.Euid || c.Uid == cr.Suid || sched.Capable(sched.CAP_SETUID)
	gidOK := c.Gid == cr.Gid || c.Gid == cr.Egid || c.Gid == cr.Sgid || sched.Capable(sched.CAP_SETGID)
	if pidOK && uidOK && gidOK {
		return 0
	}
	return -uapi.EPERM
}

// Check_creds is the hook scm_check_creds is reached through (the host
// tests have no tasks).
var Check_creds = scm_check_creds

// Scm_send parses the control messages of a sendmsg, in kernel memory
// (Linux scm_send → __scm_send): the sender's credentials by default,
// the ones an SCM_CREDENTIALS message claims if it may, the files of
// SCM_RIGHTS messages; messages of other levels are skipped, a malformed
// one is -EINVAL. On error scm is destroyed.
func Scm_send(m *Msghdr, scm *Scm_cookie) int {
	*scm = Scm_cookie{Cred: Current_ucred(), Creds: true}
	ctl := m.Msg_control
	hdr := int(unsafe.Sizeof(uapi.Cmsghdr{}))
	for len(ctl) >= hdr {
		c := (*uapi.Cmsghdr)(unsafe.Pointer(unsafe.SliceData(ctl)))
		// CMSG_OK: a length that covers the header and stays inside.
		if c.Cmsg_len < uint64(hdr) || c.Cmsg_len > uint64(len(ctl)) {
			Scm_destroy(scm)
			return -uapi.EINVAL
		}
		data := ctl[hdr:c.Cmsg_len]
		if c.Cmsg_level == uapi.SOL_SOCKET {
			var err int
			switch c.Cmsg_type {
			case uapi.SCM_RIGHTS:
				err = scm_fp_copy(data, scm)
			case uapi.SCM_CREDENTIALS:
				if c.Cmsg_len != uapi.CMSG_LEN(uint64(unsafe.Sizeof(uapi.Ucred{}))) {
					err = -uapi.EINVAL
					break
				}
				var cr uapi.Ucred
				copy(unsafe.Slice((*byte)(unsafe.Pointer(&cr)), unsafe.Sizeof(cr)), data)
				if err = Check_creds(compiler.Noescape(&cr)); err == 0 {
					scm.Cred = cr
				}
			default:
				err = -uapi.EINVAL
			}
			if err != 0 {
				Scm_destroy(scm)
				return err
			}
		}
		next := uapi.CMSG_ALIGN(c.Cmsg_len)
		if next >= uint64(len(ctl)) {
			break
		}
		ctl = ctl[next:]
	}
	return 0
}

// Put_cmsg appends one control message to a recvmsg's buffer (Linux
// put_cmsg): MSG_CTRUNC when it does not fit whole.
func Put_cmsg(m *Msghdr, level, typ int32, data []byte) int {
	hdr := uint64(unsafe.Sizeof(uapi.Cmsghdr{}))
	if m.Msg_control_user == 0 || m.Msg_controllen < hdr {
		m.Msg_flags |= uapi.MSG_CTRUNC
		return 0
	}
	cmlen := uapi.CMSG_LEN(uint64(len(data)))
	if m.Msg_controllen < cmlen {
		m.Msg_flags |= uapi.MSG_CTRUNC
		cmlen = m.Msg_controllen
	}
	c := uapi.Cmsghdr{Cmsg_len: cmlen, Cmsg_level: level, Cmsg_type: typ}
	if fs.CopyObjToUser(m.Msg_control_user, unsafe.Pointer(&c), uintptr(hdr)) != 0 {
		return -uapi.EFAULT
	}
	if n := cmlen - hdr; n > 0 && fs.CopyObjToUser(m.Msg_control_user+uintptr(hdr), unsafe.Pointer(unsafe.SliceData(data)), uintptr(n)) != 0 {
		return -uapi.EFAULT
	}
	step := min(uapi.CMSG_SPACE(uint64(len(data))), m.Msg_controllen)
	m.Msg_control_user += uintptr(step)
	m.Msg_controllen -= step
	return 0
}

// scm_detach_fds installs the passed files as new descriptors of the
// receiver and reports them in one SCM_RIGHTS message (Linux
// scm_detach_fds): as many as the buffer holds, MSG_CTRUNC for the rest,
// which are closed. The list is freed.
func scm_detach_fds(m *Msghdr, scm *Scm_cookie) {
	hdr := uint64(unsafe.Sizeof(uapi.Cmsghdr{}))
	fpl := scm.Fp
	fdmax := 0
	if m.Msg_control_user != 0 && m.Msg_controllen > hdr {
		fdmax = int((m.Msg_controllen - hdr) / 4)
	}
	var flags uint32
	if m.Msg_flags_in&uapi.MSG_CMSG_CLOEXEC != 0 {
		flags = uapi.O_CLOEXEC
	}
	i := 0
	for ; i < fdmax && i < int(fpl.Count); i++ {
		fd := fs.Get_unused_fd_flags(flags)
		if fd < 0 {
			break
		}
		v := int32(fd)
		if fs.CopyObjToUser(m.Msg_control_user+uintptr(hdr)+uintptr(4*i), unsafe.Pointer(&v), 4) != 0 {
			fs.Put_unused_fd(fd)
			break
		}
		fs.Fd_install(fd, fs.Get_file(fpl.Fp[i]))
	}
	if i > 0 {
		cmlen := uapi.CMSG_LEN(uint64(4 * i))
		c := uapi.Cmsghdr{Cmsg_len: cmlen, Cmsg_level: uapi.SOL_SOCKET, Cmsg_type: uapi.SCM_RIGHTS}
		fs.CopyObjToUser(m.Msg_control_user, unsafe.Pointer(&c), uintptr(hdr))
		step := min(uapi.CMSG_SPACE(uint64(4*i)), m.Msg_controllen)
		m.Msg_control_user += uintptr(step)
		m.Msg_controllen -= step
	}
	if i < int(fpl.Count) {
		m.Msg_flags |= uapi.MSG_CTRUNC
	}
	Scm_destroy(scm)
}

// Scm_recv hands a recvmsg's credentials (when the receiver set
// SO_PASSCRED) and files to the caller (Linux scm_recv), and drops what
// scm held.
func Scm_recv(sock *Socket, m *Msghdr, scm *Scm_cookie) {
	if Sock_flag(sock.Sk, SOCK_PASSCRED) && scm.Creds {
		c := scm.Cred
		Put_cmsg(m, uapi.SOL_SOCKET, uapi.SCM_CREDENTIALS, unsafe.Slice((*byte)(unsafe.Pointer(&c)), unsafe.Sizeof(c)))
	}
	if scm.Fp != nil {
		scm_detach_fds(m, scm)
	}
}

// Scm_fp_dup copies a list, each file referenced again (Linux
// scm_fp_dup): MSG_PEEK leaves the message's own list in place.
func Scm_fp_dup(fpl *Scm_fp_list) *Scm_fp_list {
	n := slab.Kzalloc[Scm_fp_list](mm.GFP_KERNEL)
	if n == nil {
		return nil
	}
	for i := int32(0); i < fpl.Count; i++ {
		n.Fp[i] = fs.Get_file(fpl.Fp[i])
		atomic.AddInt64(&Nr_inflight, 1)
	}
	n.Count = fpl.Count
	return n
}
