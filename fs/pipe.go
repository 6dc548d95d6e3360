package fs

import (
	"sync/atomic"
	"unsafe"

	"gokern/arch/amd64/asm"
	"gokern/include/uapi"
	"gokern/kernel/sched"
	"gokern/mm"
)

// Pipes and FIFOs. Linux: fs/pipe.c (struct pipe_inode_info, pipe_read,
// pipe_write, pipe_poll, pipe_release, fifo_open, create_pipe_files,
// do_pipe2, pipefs). Seeds/003 "Pipes". A pipe is a ring of up to 16
// page-sized buffers. A read takes what is there (sleeping only while the
// ring is empty and a writer remains), a write of at most PIPE_BUF bytes
// lands in one buffer whole, and a write to a pipe without readers gets
// SIGPIPE and -EPIPE. Sleeping goes through kernel/sched's wait queues,
// O_NONBLOCK turns every wait into -EAGAIN.

// PIPE_DEF_BUFFERS: the ring's size (Linux PIPE_DEF_BUFFERS: 64 KiB).
const PIPE_DEF_BUFFERS = 16

// Pipe_buffer is struct pipe_buffer: one page and the bytes in it.
type Pipe_buffer struct {
	Page   uintptr
	Offset uint32
	Len    uint32
}

// Pipe_inode_info is struct pipe_inode_info.
type Pipe_inode_info struct {
	Rd_wait   sched.Wait_queue_head // readers wait for data
	Wr_wait   sched.Wait_queue_head // writers wait for room
	Head      uint32                // the next buffer to fill
	Tail      uint32                // the next buffer to read
	Readers   uint32
	Writers   uint32
	Files     uint32 // open files on the pipe
	R_counter uint32 // opens for reading, ever (FIFO partner waits)
	W_counter uint32
	Tmp_page  uintptr // a spare page, kept from the last emptied buffer
	Bufs      [PIPE_DEF_BUFFERS]Pipe_buffer
	// Mutex is held by the reader, writer or closer working on the
	// buffers and counts, Mutex_wait where the others sleep for it
	// (Linux pipe->mutex, a sleeping lock: the user copies under it may
	// fault). Without it a reader emptying the last buffer on one CPU
	// and a writer appending to it on another lost the writer's bytes.
	Mutex      uint32
	Mutex_wait sched.Wait_queue_head
}

// pipe_lock and pipe_unlock take and release p's mutex (Linux
// __pipe_lock, __pipe_unlock).
func pipe_lock(p *Pipe_inode_info) {
	sched.Wait_event(&p.Mutex_wait, func() bool { return atomic.CompareAndSwapUint32(&p.Mutex, 0, 1) })
}

func pipe_unlock(p *Pipe_inode_info) {
	atomic.StoreUint32(&p.Mutex, 0)
	sched.Wake_up(&p.Mutex_wait)
}

var pipe_cachep = objCache[Pipe_inode_info]{Name: "pipe_inode_info"}

// Send_sig_current sends a signal to the current task (Linux
// send_sig(sig, current, 0)): the signal code sets it. Nil: no signals
// yet, the errno alone tells the writer.
var Send_sig_current func(sig int)

func pipe_empty(p *Pipe_inode_info) bool { return p.Head == p.Tail }
func pipe_full(p *Pipe_inode_info) bool  { return p.Head-p.Tail >= PIPE_DEF_BUFFERS }

// pipe_of is the pipe of an open pipe or FIFO.
func pipe_of(f *File) *Pipe_inode_info { return (*Pipe_inode_info)(unsafe.Add(nil, f.Private_data)) }

// page_bytes is n bytes of the page at p from off.
func page_bytes(p uintptr, off, n uint32) []byte {
	return unsafe.Slice((*byte)(unsafe.Add(nil, p+uintptr(off))), n)
}

// alloc_pipe_info makes an empty pipe (Linux alloc_pipe_info).
func alloc_pipe_info() *Pipe_inode_info { return pipe_cachep.Zalloc(mm.GFP_KERNEL) }

// free_pipe_info frees a pipe and its pages (Linux free_pipe_info).
func free_pipe_info(p *Pipe_inode_info) {
	for ; p.Tail != p.Head; p.Tail++ {
		mm.Free_page(p.Bufs[p.Tail%PIPE_DEF_BUFFERS].Page)
	}
	if p.Tmp_page != 0 {
		mm.Free_page(p.Tmp_page)
	}
	*p = Pipe_inode_info{}
	pipe_cachep.Free(p)
}

// anon_pipe_buf_release gives an emptied buffer's page back, keeping one
// for the next write (Linux anon_pipe_buf_release).
func anon_pipe_buf_release(p *Pipe_inode_info, buf *Pipe_buffer) {
	if p.Tmp_page == 0 {
		p.Tmp_page = buf.Page
	} else {
		mm.Free_page(buf.Page)
	}
	*buf = Pipe_buffer{}
}

// pipe_read is read(2) on a pipe (Linux pipe_read).
func pipe_read(f *File, to *Iov_iter, pos *int64) int64 {
	p := pipe_of(f)
	var ret int64
	pipe_lock(p)
	for {
		if !pipe_empty(p) {
			buf := &p.Bufs[p.Tail%PIPE_DEF_BUFFERS]
			chars := min(int(buf.Len), to.Count())
			n := to.Copy_to_iter(page_bytes(buf.Page, buf.Offset, uint32(chars)))
			if n < chars && n == 0 {
				if ret == 0 {
					ret = -EFAULT
				}
				break
			}
			ret += int64(n)
			buf.Offset += uint32(n)
			buf.Len -= uint32(n)
			if buf.Len == 0 {
				anon_pipe_buf_release(p, buf)
				p.Tail++
				sched.Wake_up_interruptible_poll(&p.Wr_wait, uapi.EPOLLOUT|uapi.EPOLLWRNORM)
			}
			if to.Count() == 0 || n < chars {
				break
			}
			if !pipe_empty(p) {
				continue
			}
		}
		if p.Writers == 0 || ret > 0 {
			break
		}
		if f.F_flags&uapi.O_NONBLOCK != 0 {
			ret = -EAGAIN
			break
		}
		pipe_unlock(p)
		err := sched.Wait_event_interruptible(&p.Rd_wait, func() bool { return !pipe_empty(p) || p.Writers == 0 })
		pipe_lock(p)
		if err != 0 {
			ret = int64(err)
			break
		}
	}
	pipe_unlock(p)
	if ret > 0 {
		touch_atime(f.F_inode)
	}
	return ret
}

// pipe_write is write(2) on a pipe (Linux pipe_write).
func pipe_write(f *File, from *Iov_iter, pos *int64) int64 {
	p := pipe_of(f)
	var ret int64
	pipe_lock(p)
	if p.Readers == 0 {
		pipe_unlock(p)
		return pipe_epipe()
	}
	// A short tail is merged into the last buffer when it fits whole, so
	// that small writes do not each take a page.
	if chars := uint32(from.Count() & (asm.PAGE_SIZE - 1)); chars != 0 && !pipe_empty(p) {
		buf := &p.Bufs[(p.Head-1)%PIPE_DEF_BUFFERS]
		if off := buf.Offset + buf.Len; off+chars <= asm.PAGE_SIZE && from.Count() == int(chars) {
			n := from.Copy_from_iter(page_bytes(buf.Page, off, chars))
			if n == 0 {
				pipe_unlock(p)
				return -EFAULT
			}
			buf.Len += uint32(n)
			ret = int64(n)
		}
	}
	for from.Count() > 0 {
		if p.Readers == 0 {
			if ret == 0 {
				ret = pipe_epipe()
			}
			break
		}
		if !pipe_full(p) {
			page := p.Tmp_page
			if page == 0 {
				if page = vfsZeroedPage(); page == 0 {
					if ret == 0 {
						ret = -ENOMEM
					}
					break
				}
			}
			p.Tmp_page = 0
			n := from.Copy_from_iter(page_bytes(page, 0, uint32(min(from.Count(), asm.PAGE_SIZE))))
			if n == 0 {
				p.Tmp_page = page
				if ret == 0 {
					ret = -EFAULT
				}
				break
			}
			p.Bufs[p.Head%PIPE_DEF_BUFFERS] = Pipe_buffer{Page: page, Len: uint32(n)}
			p.Head++
			ret += int64(n)
			sched.Wake_up_interruptible_poll(&p.Rd_wait, uapi.EPOLLIN|uapi.EPOLLRDNORM)
			continue
		}
		if f.F_flags&uapi.O_NONBLOCK != 0 {
			if ret == 0 {
				ret = -EAGAIN
			}
			break
		}
		sched.Wake_up_interruptible_poll(&p.Rd_wait, uapi.EPOLLIN|uapi.EPOLLRDNORM)
		pipe_unlock(p)
		err := sched.Wait_event_interruptible(&p.Wr_wait, func() bool { return !pipe_full(p) || p.Readers == 0 })
		pipe_lock(p)
		if err != 0 {
			if ret == 0 {
				ret = int64(err)
			}
			break
		}
	}
	pipe_unlock(p)
	if ret > 0 {
		sched.Wake_up_interruptible_poll(&p.Rd_wait, uapi.EPOLLIN|uapi.EPOLLRDNORM)
		touch_mc(f.F_inode)
	}
	return ret
}

// pipe_epipe: a write with no reader (Linux: send_sig(SIGPIPE) + -EPIPE).
func pipe_epipe() int64 {
	if Send_sig_current != nil {
		Send_sig_current(uapi.SIGPIPE)
	}
	return -EPIPE
}

// touch_atime stamps an access (Linux touch_atime, relatime's rule
// ignored: gokern stamps every access).
func touch_atime(inode *Inode) { inode.I_atime = Current_time(inode) }

// pipe_poll reports readiness (Linux pipe_poll).
func pipe_poll(f *File, pt *Poll_table) uint32 {
	p := pipe_of(f)
	Poll_wait(f, &p.Rd_wait, pt)
	Poll_wait(f, &p.Wr_wait, pt)
	var mask uint32
	if f.F_mode&FMODE_READ != 0 {
		if !pipe_empty(p) {
			mask |= uapi.POLLIN | uapi.POLLRDNORM
		}
		if p.Writers == 0 {
			mask |= uapi.POLLHUP
		}
	}
	if f.F_mode&FMODE_WRITE != 0 {
		if !pipe_full(p) {
			mask |= uapi.POLLOUT | uapi.POLLWRNORM
		}
		if p.Readers == 0 {
			mask |= uapi.POLLERR
		}
	}
	return mask
}

// pipe_ioctl: FIONREAD, the bytes waiting (Linux pipe_ioctl).
func pipe_ioctl(f *File, cmd uint32, arg uintptr) int64 {
	if cmd != uapi.FIONREAD {
		return -ENOTTY
	}
	p := pipe_of(f)
	var n int32
	for t := p.Tail; t != p.Head; t++ {
		n += int32(p.Bufs[t%PIPE_DEF_BUFFERS].Len)
	}
	return int64(CopyObjToUser(arg, unsafe.Pointer(&n), 4))
}

// pipe_release closes one end (Linux pipe_release): the other side
// wakes, to see EOF or EPIPE; the last file frees the pipe.
func pipe_release(inode *Inode, f *File) int {
	p := pipe_of(f)
	if p == nil {
		return 0
	}
	pipe_lock(p)
	if f.F_mode&FMODE_READ != 0 {
		p.Readers--
	}
	if f.F_mode&FMODE_WRITE != 0 {
		p.Writers--
	}
	sched.Wake_up_interruptible(&p.Rd_wait)
	sched.Wake_up_interruptible(&p.Wr_wait)
	p.Files--
	last := p.Files == 0
	pipe_unlock(p)
	if last {
		if inode.I_pipe == p {
			inode.I_pipe = nil
		}
		free_pipe_info(p)
	}
	f.Private_data = 0
	return 0
}

// wait_for_partner sleeps until *cnt changes: a FIFO opened for reading
// waits for a writer and the other way round (Linux wait_for_partner).
func wait_for_partner(p *Pipe_inode_info, cnt *uint32) int {
	cur := *cnt
	return sched.Wait_event_interruptible(&p.Rd_wait, func() bool { return *cnt != cur })
}

// fifo_open opens a FIFO (Linux fifo_open): the first opener makes the
// pipe; a blocking open for reading waits for a writer and one for
// writing waits for a reader; a non-blocking open for writing with no
// reader is -ENXIO. A pipe's own inode, opened again through
// /proc/<pid>/fd/<n>, never waits nor fails so (Linux is_pipe: the
// writer may be gone already, as in `echo hi | cat /dev/stdin`).
func fifo_open(inode *Inode, f *File) int {
	is_pipe := inode.I_sb != nil && inode.I_sb.S_magic == PIPEFS_MAGIC
	p := inode.I_pipe
	if p == nil {
		if p = alloc_pipe_info(); p == nil {
			return -ENOMEM
		}
		inode.I_pipe = p
	}
	p.Files++
	f.Private_data = uintptr(unsafe.Pointer(p))
	Stream_open(inode, f)
	nonblock := f.F_flags&uapi.O_NONBLOCK != 0
	var err int
	switch f.F_mode & (FMODE_READ | FMODE_WRITE) {
	case FMODE_READ:
		p.R_counter++
		p.Readers++
		sched.Wake_up_interruptible(&p.Rd_wait)
		if !is_pipe && p.Writers == 0 && !nonblock {
			if err = wait_for_partner(p, &p.W_counter); err != 0 {
				p.Readers--
			}
		}
	case FMODE_WRITE:
		if !is_pipe && nonblock && p.Readers == 0 {
			err = -ENXIO
			break
		}
		p.W_counter++
		p.Writers++
		sched.Wake_up_interruptible(&p.Rd_wait)
		if !is_pipe && p.Readers == 0 {
			if err = wait_for_partner(p, &p.R_counter); err != 0 {
				p.Writers--
			}
		}
	case FMODE_READ | FMODE_WRITE:
		// POSIX leaves it undefined; Linux never blocks.
		p.Readers++
		p.Writers++
		p.R_counter++
		p.W_counter++
		sched.Wake_up_interruptible(&p.Rd_wait)
	default:
		err = -EINVAL
	}
	if err != 0 {
		p.Files--
		if p.Files == 0 {
			inode.I_pipe = nil
			free_pipe_info(p)
		}
		f.Private_data = 0
		return err
	}
	return 0
}

// Pipefifo_fops is a pipe's, and a FIFO's (Linux pipefifo_fops).
var Pipefifo_fops = FileOperations{
	Open:           fifo_open,
	Read:           pipe_read,
	Write:          pipe_write,
	Poll:           pipe_poll,
	Unlocked_ioctl: pipe_ioctl,
	Release:        pipe_release,
	Llseek:         nil,
}

// pipefs: where anonymous pipes' inodes live (Linux pipe_fs_type,
// mounted by the kernel for itself).
const PIPEFS_MAGIC = 0x50495045

var pipe_mnt *Vfsmount

var pipefs_ops = SuperOperations{Statfs: Simple_statfs}

func pipefs_fill_super(sb *SuperBlock, data []byte, silent bool) int {
	return pseudo_fs_fill_super(sb, PIPEFS_MAGIC, &pipefs_ops)
}

func pipefs_mount(t *FileSystemType, flags uint32, dev_name, data []byte) (*Dentry, int) {
	return Mount_nodev(t, flags, data, pipefs_fill_super)
}

var pipe_fs_type = FileSystemType{Name: "pipefs", Mount: pipefs_mount, Kill_sb: Kill_anon_super}

// Init_pipe_fs mounts pipefs (Linux init_pipe_fs).
func Init_pipe_fs() int {
	if err := Register_filesystem(&pipe_fs_type); err != 0 {
		return err
	}
	mnt, err := Kern_mount(&pipe_fs_type)
	if err != 0 {
		return err
	}
	pipe_mnt = mnt
	return 0
}

// create_pipe_files makes the two files of a new pipe (Linux
// create_pipe_files): res[0] reads, res[1] writes.
func create_pipe_files(res *[2]*File, flags uint32) int {
	sb := pipe_mnt.Mnt_sb
	inode := New_inode(sb)
	if inode == nil {
		return -ENOMEM
	}
	p := alloc_pipe_info()
	if p == nil {
		Iput(inode)
		return -ENOMEM
	}
	p.Readers, p.Writers, p.Files = 1, 1, 2
	inode.I_pipe = p
	inode.I_fop = &Pipefifo_fops
	inode.I_mode = uapi.S_IFIFO | 0o600
	d := X__d_alloc(sb, nil) // d_alloc_pseudo: unhashed, in no directory
	if d == nil {
		free_pipe_info(p)
		inode.I_pipe = nil
		Iput(inode)
		return -ENOMEM
	}
	D_instantiate(d, inode)
	r, w := Alloc_empty_file(uapi.O_RDONLY|flags&uapi.O_NONBLOCK), Alloc_empty_file(uapi.O_WRONLY|flags&uapi.O_NONBLOCK)
	if r == nil || w == nil {
		if r != nil {
			Fput(r)
		}
		if w != nil {
			Fput(w)
		}
		inode.I_pipe = nil
		free_pipe_info(p)
		Dput(d)
		return -ENOMEM
	}
	for i, f := range [2]*File{r, w} {
		f.F_path = Path{Mnt: Mntget(pipe_mnt), Dentry: d}
		if i == 1 {
			Dget(d)
		}
		f.F_inode = inode
		f.F_op = &Pipefifo_fops
		f.F_mode = FMODE_STREAM | uint32(1+i) // FMODE_READ, FMODE_WRITE
		f.Private_data = uintptr(unsafe.Pointer(p))
	}
	res[0], res[1] = r, w
	return 0
}

// Do_pipe2 is pipe2(2) into fds (Linux do_pipe2): flags O_CLOEXEC,
// O_NONBLOCK (O_DIRECT's packet mode is not supported: -EINVAL).
func Do_pipe2(fds *[2]int, flags uint32) int {
	if flags&^(uapi.O_CLOEXEC|uapi.O_NONBLOCK) != 0 {
		return -EINVAL
	}
	var files [2]*File
	if err := create_pipe_files(&files, flags); err != 0 {
		return err
	}
	fd0 := Get_unused_fd_flags(flags)
	if fd0 < 0 {
		Fput(files[0])
		Fput(files[1])
		return fd0
	}
	fd1 := Get_unused_fd_flags(flags)
	if fd1 < 0 {
		Put_unused_fd(fd0)
		Fput(files[0])
		Fput(files[1])
		return fd1
	}
	Fd_install(fd0, files[0])
	Fd_install(fd1, files[1])
	fds[0], fds[1] = fd0, fd1
	return 0
}
