package fs

import (
	"gokern/include/compiler"
	"unsafe"

	"gokern/arch/amd64/asm"
	"gokern/include/uapi"
	"gokern/mm"
)

// Reading, writing, seeking. Linux: fs/read_write.c (vfs_read,
// vfs_write, ksys_read, ksys_write, ksys_pread64, ksys_pwrite64,
// ksys_lseek, generic_file_llseek, no_llseek, default_llseek), mm/
// filemap.c (generic_file_read_iter) and the write side of
// simple_write_begin/end (fs/libfs.c) for page-cache files.

// MAX_RW_COUNT: one read or write moves at most this much (Linux
// MAX_RW_COUNT, INT_MAX rounded down to a page).
const MAX_RW_COUNT = 0x7ffff000

// MAX_LFS_FILESIZE: the largest file offset (Linux, 64-bit).
const MAX_LFS_FILESIZE = 1<<63 - 1

// Vfs_read reads from f at *pos into to (Linux vfs_read).
func Vfs_read(f *File, to *Iov_iter, pos *int64) int64 {
	if f.F_mode&FMODE_READ == 0 {
		return -EBADF
	}
	if f.F_op == nil || f.F_op.Read == nil {
		return -EINVAL
	}
	if to.Count() == 0 {
		return 0
	}
	if to.count > MAX_RW_COUNT {
		to.count = MAX_RW_COUNT
	}
	return f.F_op.Read(f, compiler.Noescape(to), compiler.Noescape(pos))
}

// Vfs_write writes from to f at *pos (Linux vfs_write).
func Vfs_write(f *File, from *Iov_iter, pos *int64) int64 {
	if f.F_mode&FMODE_WRITE == 0 {
		return -EBADF
	}
	if f.F_op == nil || f.F_op.Write == nil {
		return -EINVAL
	}
	if from.Count() == 0 {
		return 0
	}
	if from.count > MAX_RW_COUNT {
		from.count = MAX_RW_COUNT
	}
	return f.F_op.Write(f, compiler.Noescape(from), compiler.Noescape(pos))
}

// file_ppos is where a read or write of f starts: nil for a stream
// (Linux file_ppos).
func file_ppos(f *File) *int64 {
	if f.F_mode&FMODE_STREAM != 0 {
		return nil
	}
	return &f.F_pos
}

// Ksys_read is read(2) (Linux ksys_read).
func Ksys_read(fd int, to *Iov_iter) int64 {
	f := Fget(fd)
	if f == nil {
		return -EBADF
	}
	ret := ksys_read_body(f, to)
	Fput(f)
	return ret
}

// ksys_read_body is the rest of Ksys_read, run while Ksys_read holds its reference
// (a defer would not compile to kernel Go in a -N -l build).
func ksys_read_body(f *File, to *Iov_iter) int64 {
	if f.F_mode&FMODE_PATH != 0 {
		return -EBADF
	}
	var pos int64
	ppos := file_ppos(f)
	if ppos != nil {
		pos = *ppos
	}
	n := Vfs_read(f, to, &pos)
	if n >= 0 && ppos != nil {
		*ppos = pos
	}
	return n
}

// Ksys_write is write(2) (Linux ksys_write).
func Ksys_write(fd int, from *Iov_iter) int64 {
	f := Fget(fd)
	if f == nil {
		return -EBADF
	}
	ret := ksys_write_body(f, from)
	Fput(f)
	return ret
}

// ksys_write_body is the rest of Ksys_write, run while Ksys_write holds its reference
// (a defer would not compile to kernel Go in a -N -l build).
func ksys_write_body(f *File, from *Iov_iter) int64 {
	if f.F_mode&FMODE_PATH != 0 {
		return -EBADF
	}
	var pos int64
	ppos := file_ppos(f)
	if ppos != nil {
		pos = *ppos
	}
	n := Vfs_write(f, from, &pos)
	if n >= 0 && ppos != nil {
		*ppos = pos
	}
	return n
}

// Ksys_pread64 is pread64(2): a read at pos that leaves the file
// position alone (Linux ksys_pread64).
func Ksys_pread64(fd int, to *Iov_iter, pos int64) int64 {
	if pos < 0 {
		return -EINVAL
	}
	f := Fget(fd)
	if f == nil {
		return -EBADF
	}
	ret := ksys_pread64_body(f, to, pos)
	Fput(f)
	return ret
}

// ksys_pread64_body is the rest of Ksys_pread64, run while Ksys_pread64 holds its reference
// (a defer would not compile to kernel Go in a -N -l build).
func ksys_pread64_body(f *File, to *Iov_iter, pos int64) int64 {
	if f.F_mode&FMODE_PATH != 0 {
		return -EBADF
	}
	if f.F_mode&FMODE_PREAD == 0 {
		return -ESPIPE
	}
	return Vfs_read(f, to, &pos)
}

// Ksys_pwrite64 is pwrite64(2) (Linux ksys_pwrite64). As on Linux, a
// file opened O_APPEND appends whatever pos says.
func Ksys_pwrite64(fd int, from *Iov_iter, pos int64) int64 {
	if pos < 0 {
		return -EINVAL
	}
	f := Fget(fd)
	if f == nil {
		return -EBADF
	}
	ret := ksys_pwrite64_body(f, from, pos)
	Fput(f)
	return ret
}

// ksys_pwrite64_body is the rest of Ksys_pwrite64, run while Ksys_pwrite64 holds its reference
// (a defer would not compile to kernel Go in a -N -l build).
func ksys_pwrite64_body(f *File, from *Iov_iter, pos int64) int64 {
	if f.F_mode&FMODE_PATH != 0 {
		return -EBADF
	}
	if f.F_mode&FMODE_PWRITE == 0 {
		return -ESPIPE
	}
	return Vfs_write(f, from, &pos)
}

// Vfs_llseek moves f's position (Linux vfs_llseek).
func Vfs_llseek(f *File, offset int64, whence int) int64 {
	if f.F_mode&FMODE_LSEEK == 0 {
		return -ESPIPE
	}
	if f.F_op.Llseek == nil {
		return Default_llseek(f, offset, whence)
	}
	return f.F_op.Llseek(f, offset, whence)
}

// Ksys_lseek is lseek(2) (Linux ksys_lseek).
func Ksys_lseek(fd int, offset int64, whence int) int64 {
	f := Fget(fd)
	if f == nil {
		return -EBADF
	}
	ret := ksys_lseek_body(f, offset, whence)
	Fput(f)
	return ret
}

// ksys_lseek_body is the rest of Ksys_lseek, run while Ksys_lseek holds its reference
// (a defer would not compile to kernel Go in a -N -l build).
func ksys_lseek_body(f *File, offset int64, whence int) int64 {
	if f.F_mode&FMODE_PATH != 0 {
		return -EBADF
	}
	if whence < uapi.SEEK_SET || whence > uapi.SEEK_HOLE {
		return -EINVAL
	}
	return Vfs_llseek(f, offset, whence)
}

// vfs_setpos sets a checked position (Linux vfs_setpos).
func vfs_setpos(f *File, offset, maxsize int64) int64 {
	if offset < 0 || offset > maxsize {
		return -EINVAL
	}
	f.F_pos = offset
	return offset
}

// Generic_file_llseek is lseek for files with a size: SEEK_SET, CUR,
// END, and DATA/HOLE treating the whole file as data (Linux
// generic_file_llseek).
func Generic_file_llseek(f *File, offset int64, whence int) int64 {
	size := I_size_read(f.F_inode)
	switch whence {
	case uapi.SEEK_END:
		offset += size
	case uapi.SEEK_CUR:
		if offset == 0 {
			return f.F_pos
		}
		offset += f.F_pos
	case uapi.SEEK_DATA:
		if offset < 0 || offset >= size {
			return -ENXIO
		}
	case uapi.SEEK_HOLE:
		if offset < 0 || offset >= size {
			return -ENXIO
		}
		offset = size
	case uapi.SEEK_SET:
	default:
		return -EINVAL
	}
	return vfs_setpos(f, offset, MAX_LFS_FILESIZE)
}

// Default_llseek is Generic_file_llseek's SET/CUR/END for files without
// their own (Linux default_llseek).
func Default_llseek(f *File, offset int64, whence int) int64 {
	if whence == uapi.SEEK_DATA || whence == uapi.SEEK_HOLE {
		return -EINVAL
	}
	return Generic_file_llseek(f, offset, whence)
}

// Noop_llseek accepts any seek and changes nothing (Linux noop_llseek:
// ttys, /dev/null).
func Noop_llseek(f *File, offset int64, whence int) int64 { return f.F_pos }

// Generic_file_read reads a page-cache file (Linux
// generic_file_read_iter → filemap_read): up to i_size, holes as zeros.
func Generic_file_read(f *File, to *Iov_iter, pos *int64) int64 {
	inode := f.F_inode
	var done int64
	for to.Count() > 0 {
		size := I_size_read(inode)
		if *pos >= size {
			break
		}
		index, off := uint64(*pos)>>asm.PAGE_SHIFT, *pos&(asm.PAGE_SIZE-1)
		n := int(min(asm.PAGE_SIZE-off, size-*pos, int64(to.Count())))
		// The size again, read with the page under tree_lock (Linux
		// filemap_read reads i_size after it has the folios): a truncate
		// meanwhile took the page away, or is taking it, and a hole here
		// would read as zeros the file never held. A truncate sets the
		// size before it takes pages (Simple_setattr); a write adds its
		// page under the lock and raises the size only after filling it,
		// so a page missing while the size, read in the same hold of the
		// lock, covers it is a real hole.
		p, sz := find_get_page_size(inode, index)
		if size = sz; *pos >= size {
			put_cache_page(p)
			break
		}
		n = int(min(int64(n), size-*pos))
		var c int
		if p != 0 {
			c = to.Copy_to_iter(unsafe.Slice((*byte)(unsafe.Add(nil, p+uintptr(off))), n))
			put_cache_page(p)
		} else {
			c = to.Iov_iter_zero(n)
		}
		done += int64(c)
		*pos += int64(c)
		if c < n {
			if done == 0 {
				return -EFAULT
			}
			break
		}
	}
	return done
}

// Generic_file_write writes a page-cache file, growing it (Linux
// generic_file_write_iter: generic_perform_write with
// simple_write_begin/simple_write_end under the inode's lock): with
// O_APPEND at the end; a short count when memory runs out after some
// bytes, -ENOMEM before any.
func Generic_file_write(f *File, from *Iov_iter, pos *int64) int64 {
	Inode_lock(f.F_inode)
	ret := generic_perform_write(f, from, pos)
	Inode_unlock(f.F_inode)
	return ret
}

// generic_perform_write is Generic_file_write's work, under the lock.
func generic_perform_write(f *File, from *Iov_iter, pos *int64) int64 {
	inode := f.F_inode
	if f.F_flags&uapi.O_APPEND != 0 {
		*pos = I_size_read(inode)
	}
	// The page cache's tree reaches 512 GiB (s_maxbytes).
	if *pos > MAX_LFS_FILESIZE-int64(from.Count()) || uint64(*pos+int64(from.Count())-1)>>asm.PAGE_SHIFT > maxIndex(radixMaxHeight) {
		return -EFBIG
	}
	var done int64
	for from.Count() > 0 {
		index, off := uint64(*pos)>>asm.PAGE_SHIFT, *pos&(asm.PAGE_SIZE-1)
		n := int(min(asm.PAGE_SIZE-off, int64(from.Count())))
		p := Find_or_create_page(&inode.I_data, index)
		if p == 0 {
			if done == 0 {
				return -ENOMEM
			}
			break
		}
		c := from.Copy_from_iter(unsafe.Slice((*byte)(unsafe.Add(nil, p+uintptr(off))), n))
		done += int64(c)
		*pos += int64(c)
		if *pos > I_size_read(inode) {
			I_size_write(inode, *pos)
		}
		if c < n {
			if done == 0 {
				return -EFAULT
			}
			break
		}
	}
	if done > 0 {
		touch_mc(inode)
	}
	return done
}

// Kernel_read reads from a file into a kernel buffer at *pos (Linux
// kernel_read): for exec, reading an ELF from the initramfs.
func Kernel_read(f *File, buf []byte, pos *int64) int64 {
	it := Iov_iter_kvec(buf)
	return Vfs_read(f, &it, pos)
}

// Kernel_write writes a kernel buffer to a file at *pos (Linux
// kernel_write).
func Kernel_write(f *File, buf []byte, pos *int64) int64 {
	it := Iov_iter_kvec(buf)
	return Vfs_write(f, &it, pos)
}

// Do_sendfile copies up to count bytes from in_fd to out_fd inside the
// kernel (Linux do_sendfile): from *ppos when ppos is not nil, which
// moves instead of in_fd's position (-ESPIPE if in_fd cannot pread),
// else from and advancing in_fd's position; to out_fd's position, or
// the stream. The bytes pass through a page of kernel memory, a page at
// a time (Linux's splice passes them through a pipe's pages); a short
// write ends it, and the input's position counts only what was written,
// as splice_direct_to_actor's does. It returns how many bytes moved, or
// -EBADF (in_fd not open for reading, out_fd not for writing), -EINVAL
// (out_fd opened O_APPEND, or in_fd a pipe, which cannot splice_read),
// -EOVERFLOW, -ENOMEM, or the read's or write's error when nothing
// moved.
func Do_sendfile(out_fd, in_fd int, ppos *int64, count int64) int64 {
	in := Fget(in_fd)
	if in == nil {
		return -EBADF
	}
	out := Fget(out_fd)
	if out == nil {
		Fput(in)
		return -EBADF
	}
	ret := do_sendfile_body(out, in, ppos, count)
	Fput(out)
	Fput(in)
	return ret
}

// do_sendfile_body is the rest of Do_sendfile, run while it holds both
// files (a defer would not compile to kernel Go in a -N -l build).
func do_sendfile_body(out, in *File, ppos *int64, count int64) int64 {
	if in.F_mode&FMODE_READ == 0 || in.F_mode&FMODE_PATH != 0 ||
		out.F_mode&FMODE_WRITE == 0 || out.F_mode&FMODE_PATH != 0 {
		return -EBADF
	}
	var pos int64
	switch {
	case ppos != nil:
		if in.F_mode&FMODE_PREAD == 0 {
			return -ESPIPE
		}
		pos = *ppos
	case file_ppos(in) != nil:
		pos = in.F_pos
	}
	if pos < 0 || count < 0 {
		return -EINVAL
	}
	if uapi.S_ISFIFO(in.F_inode.I_mode) || out.F_flags&uapi.O_APPEND != 0 {
		return -EINVAL
	}
	count = min(count, MAX_RW_COUNT)
	if pos+count < pos || pos+count > MAX_LFS_FILESIZE {
		if pos >= MAX_LFS_FILESIZE {
			return -EOVERFLOW
		}
		count = MAX_LFS_FILESIZE - pos
	}
	if count == 0 {
		return 0
	}
	page := mm.X__get_free_page(mm.GFP_KERNEL)
	if page == 0 {
		return -ENOMEM
	}
	buf := unsafe.Slice((*byte)(asm.KernelPtr(page)), asm.PAGE_SIZE)
	var out_pos int64
	out_ppos := file_ppos(out)
	if out_ppos != nil {
		out_pos = *out_ppos
	}
	done := int64(0)
	var err int64
	for done < count {
		it := Iov_iter_kvec(buf[:min(count-done, int64(len(buf)))])
		before := pos
		n := Vfs_read(in, &it, &pos)
		if n <= 0 {
			err = n
			break
		}
		wit := Iov_iter_kvec(buf[:n])
		w := Vfs_write(out, &wit, &out_pos)
		if w < 0 {
			pos, err = before, w
			break
		}
		done += w
		if w < n {
			pos = before + w
			break
		}
	}
	mm.Free_page(page)
	if done > 0 || err == 0 {
		switch {
		case ppos != nil:
			*ppos = pos
		case file_ppos(in) != nil:
			in.F_pos = pos
		}
		if out_ppos != nil {
			*out_ppos = out_pos
		}
		return done
	}
	return err
}
