package fs

import (
	"unsafe"

	"gokern/arch/amd64/asm"
	"gokern/include/uapi"
	"gokern/kernel/sched"
	"gokern/mm"
)

// splice(2): bytes between a pipe and another file without a trip
// through user memory (Linux fs/splice.c: do_splice,
// splice_file_to_pipe, splice_to_pipe's wait_for_space,
// iter_file_splice_write, splice_pipe_to_pipe). Linux moves page
// references; gokern copies through a kernel buffer of at most
// PIPE_DEF_BUFFERS pages, as its sendfile does, with the same results for
// the caller: the pipe side waits (or is -EAGAIN with SPLICE_F_NONBLOCK),
// the file side is read or written as read(2) and write(2) would, and
// what the file did not take stays in the pipe. The pipe's lock is held
// across the file's read or write, as Linux's is. Go's net splices
// between two stream sockets through a pipe (TCPConn.ReadFrom).

// The flags (include/linux/splice.h).
const (
	SPLICE_F_MOVE     = 0x01
	SPLICE_F_NONBLOCK = 0x02
	SPLICE_F_MORE     = 0x04
	SPLICE_F_GIFT     = 0x08
	SPLICE_F_ALL      = SPLICE_F_MOVE | SPLICE_F_NONBLOCK | SPLICE_F_MORE | SPLICE_F_GIFT
)

// get_pipe_info is f's pipe, or nil for another file (Linux
// get_pipe_info).
func get_pipe_info(f *File) *Pipe_inode_info {
	if f.F_op != &Pipefifo_fops {
		return nil
	}
	return pipe_of(f)
}

// Do_splice moves up to length bytes from in to out, one of them a pipe
// (Linux __do_splice, do_splice): -EINVAL when neither is (or both are
// the same pipe) or for unknown flags, -EBADF for files not open for
// reading and writing, -ESPIPE for an offset on a pipe or on a file
// without pread/pwrite, -EINVAL to an O_APPEND file. off_in and off_out,
// when given, are the other file's position, read and written back.
func Do_splice(in, out *File, off_in, off_out *int64, length int64, flags uint32) int64 {
	if flags&^SPLICE_F_ALL != 0 {
		return -EINVAL
	}
	if in.F_mode&FMODE_READ == 0 || out.F_mode&FMODE_WRITE == 0 {
		return -EBADF
	}
	ipipe, opipe := get_pipe_info(in), get_pipe_info(out)
	length = min(length, MAX_RW_COUNT)
	switch {
	case ipipe != nil:
		if off_in != nil {
			return -ESPIPE
		}
		if ipipe == opipe {
			return -EINVAL
		}
		if out.F_flags&uapi.O_APPEND != 0 {
			return -EINVAL
		}
		var pos int64
		ppos := file_ppos(out)
		if off_out != nil {
			if out.F_mode&FMODE_PWRITE == 0 {
				return -ESPIPE
			}
			ppos = off_out
		}
		if ppos != nil {
			pos = *ppos
		}
		if length == 0 {
			return 0
		}
		ret := splice_pipe_to_file(ipipe, out, &pos, length, flags)
		if ret > 0 && ppos != nil {
			*ppos = pos
		}
		return ret
	case opipe != nil:
		if off_out != nil {
			return -ESPIPE
		}
		var pos int64
		ppos := file_ppos(in)
		if off_in != nil {
			if in.F_mode&FMODE_PREAD == 0 {
				return -ESPIPE
			}
			ppos = off_in
		}
		if ppos != nil {
			pos = *ppos
		}
		if length == 0 {
			return 0
		}
		ret := splice_file_to_pipe(in, opipe, &pos, length, flags)
		if ret > 0 && ppos != nil {
			*ppos = pos
		}
		return ret
	}
	return -EINVAL
}

// splice_buf is a kernel buffer of PIPE_DEF_BUFFERS pages, what one
// splice moves at most (a pipe's worth).
func splice_buf() []byte {
	p := mm.Kmalloc(PIPE_DEF_BUFFERS*asm.PAGE_SIZE, mm.GFP_KERNEL)
	if p == nil {
		return nil
	}
	return unsafe.Slice((*byte)(p), PIPE_DEF_BUFFERS*asm.PAGE_SIZE)
}

// splice_pipe_to_file writes what the pipe holds, up to length bytes,
// to out (Linux splice_from_pipe_next's wait, then
// iter_file_splice_write): an empty pipe waits for a writer (-EAGAIN
// with SPLICE_F_NONBLOCK; 0 with none left); out takes what write(2)
// would take, and only that leaves the pipe.
func splice_pipe_to_file(p *Pipe_inode_info, out *File, pos *int64, length int64, flags uint32) int64 {
	buf := splice_buf()
	if buf == nil {
		return -ENOMEM
	}
	pipe_lock(p)
	ret := splice_pipe_to_file_locked(p, out, pos, length, flags, buf)
	pipe_unlock(p)
	mm.Kfree(unsafe.Pointer(unsafe.SliceData(buf)))
	if ret > 0 {
		sched.Wake_up_interruptible_poll(&p.Wr_wait, uapi.EPOLLOUT|uapi.EPOLLWRNORM)
	}
	return ret
}

func splice_pipe_to_file_locked(p *Pipe_inode_info, out *File, pos *int64, length int64, flags uint32, buf []byte) int64 {
	for pipe_empty(p) {
		if p.Writers == 0 {
			return 0
		}
		if flags&SPLICE_F_NONBLOCK != 0 {
			return -EAGAIN
		}
		pipe_unlock(p)
		err := sched.Wait_event_interruptible(&p.Rd_wait, func() bool { return !pipe_empty(p) || p.Writers == 0 })
		pipe_lock(p)
		if err != 0 {
			return int64(err)
		}
	}
	// Gather without consuming: the file may take less.
	n := 0
	for i := p.Tail; i != p.Head && int64(n) < length; i++ {
		b := &p.Bufs[i%PIPE_DEF_BUFFERS]
		c := min(int(b.Len), int(length)-n)
		copy(buf[n:n+c], page_bytes(b.Page, b.Offset, uint32(c)))
		n += c
	}
	it := Iov_iter_kvec(buf[:n])
	w := Vfs_write(out, &it, pos)
	if w <= 0 {
		return w
	}
	for left := uint32(w); left > 0; {
		b := &p.Bufs[p.Tail%PIPE_DEF_BUFFERS]
		c := min(b.Len, left)
		b.Offset += c
		b.Len -= c
		left -= c
		if b.Len == 0 {
			anon_pipe_buf_release(p, b)
			p.Tail++
		}
	}
	return w
}

// splice_file_to_pipe reads from in into the pipe, at most length bytes
// and the pipe's free room (Linux splice_file_to_pipe, wait_for_space):
// a full pipe waits for a reader (-EAGAIN with SPLICE_F_NONBLOCK); no
// reader is -EPIPE and SIGPIPE; in is read as read(2) would (a
// non-blocking socket's -EAGAIN, 0 at its end).
func splice_file_to_pipe(in *File, p *Pipe_inode_info, pos *int64, length int64, flags uint32) int64 {
	buf := splice_buf()
	if buf == nil {
		return -ENOMEM
	}
	pipe_lock(p)
	ret := splice_file_to_pipe_locked(in, p, pos, length, flags, buf)
	pipe_unlock(p)
	mm.Kfree(unsafe.Pointer(unsafe.SliceData(buf)))
	if ret > 0 {
		sched.Wake_up_interruptible_poll(&p.Rd_wait, uapi.EPOLLIN|uapi.EPOLLRDNORM)
	}
	return ret
}

func splice_file_to_pipe_locked(in *File, p *Pipe_inode_info, pos *int64, length int64, flags uint32, buf []byte) int64 {
	for {
		if p.Readers == 0 {
			return pipe_epipe()
		}
		if !pipe_full(p) {
			break
		}
		if flags&SPLICE_F_NONBLOCK != 0 {
			return -EAGAIN
		}
		pipe_unlock(p)
		err := sched.Wait_event_interruptible(&p.Wr_wait, func() bool { return !pipe_full(p) || p.Readers == 0 })
		pipe_lock(p)
		if err != 0 {
			return int64(err)
		}
	}
	room := int64(PIPE_DEF_BUFFERS-(p.Head-p.Tail)) * asm.PAGE_SIZE
	it := Iov_iter_kvec(buf[:min(length, room)])
	n := Vfs_read(in, &it, pos)
	if n <= 0 {
		return n
	}
	for off := 0; off < int(n); {
		page := p.Tmp_page
		if page == 0 {
			if page = vfsZeroedPage(); page == 0 {
				// What was read and cannot be queued is lost: Linux
				// reads into the pipe's own pages and cannot fail here.
				if off == 0 {
					return -ENOMEM
				}
				return int64(off)
			}
		}
		p.Tmp_page = 0
		c := min(int(n)-off, asm.PAGE_SIZE)
		copy(page_bytes(page, 0, uint32(c)), buf[off:off+c])
		p.Bufs[p.Head%PIPE_DEF_BUFFERS] = Pipe_buffer{Page: page, Len: uint32(c)}
		p.Head++
		off += c
	}
	return n
}
