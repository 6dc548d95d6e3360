package fs

import (
	"unsafe"

	"gokern/mm"
	"gokern/printk"
)

// Generated files. Linux: fs/seq_file.c (seq_printf, seq_puts,
// seq_putc, single_open, seq_read, seq_lseek, single_release). A file
// opened with Single_open is generated whole at its first read into a
// kmalloc'd buffer that doubles until the text fits (Linux: seq_read
// retries the show with a larger buffer the same way), then read like a
// file; /proc's files use it.

// Seq_file is struct seq_file.
type Seq_file struct {
	Buf   []byte
	Count int
	// overflow: the text did not fit (Linux seq_has_overflowed).
	overflow bool
	show     func(m *Seq_file, v uintptr) int
	Private  uintptr
	filled   bool
}

// Seq_has_overflowed is Linux's.
func Seq_has_overflowed(m *Seq_file) bool { return m.overflow }

// Seq_write appends bytes (Linux seq_write).
func Seq_write(m *Seq_file, b []byte) {
	if m.Count+len(b) > len(m.Buf) {
		m.overflow = true
		return
	}
	m.Count += copy(m.Buf[m.Count:], b)
}

// Seq_puts appends a string (Linux seq_puts).
func Seq_puts(m *Seq_file, s string) {
	if m.Count+len(s) > len(m.Buf) {
		m.overflow = true
		return
	}
	m.Count += copy(m.Buf[m.Count:], s)
}

// Seq_putc appends a byte (Linux seq_putc).
func Seq_putc(m *Seq_file, c byte) {
	if m.Count >= len(m.Buf) {
		m.overflow = true
		return
	}
	m.Buf[m.Count] = c
	m.Count++
}

// Seq_printf appends formatted text (Linux seq_printf, with printk's
// vsnprintf).
func Seq_printf(m *Seq_file, format string, args ...printk.Arg) {
	room := len(m.Buf) - m.Count
	n := printk.Vsnprintf(m.Buf[m.Count:], format, args...)
	if n >= room {
		// vsnprintf leaves room for a NUL: a text that filled the
		// buffer may have been cut.
		m.overflow = true
		return
	}
	m.Count += n
}

// Seq_get_buf returns the room left, for a show that writes directly;
// Seq_commit then says how much it wrote, or -1 for "did not fit"
// (Linux seq_get_buf, seq_commit).
func Seq_get_buf(m *Seq_file) []byte { return m.Buf[m.Count:] }

func Seq_commit(m *Seq_file, n int) {
	if n < 0 || n > len(m.Buf)-m.Count {
		m.overflow = true
		return
	}
	m.Count += n
}

// Seq_pad pads the line to width with spaces and ends it with c (Linux
// seq_pad, for /proc/<pid>/maps).
func Seq_pad(m *Seq_file, start, width int, c byte) {
	for m.Count-start < width && !m.overflow {
		Seq_putc(m, ' ')
	}
	if c != 0 {
		Seq_putc(m, c)
	}
}

var seq_cachep = objCache[Seq_file]{Name: "seq_file"}

// seqStart is the first buffer; seqMax the largest (KMALLOC_MAX_SIZE).
const seqStart = 4096

// Single_open attaches a generator to f (Linux single_open): show runs
// at the first read with data as m.Private.
func Single_open(f *File, show func(m *Seq_file, v uintptr) int, data uintptr) int {
	m := seq_cachep.Zalloc(mm.GFP_KERNEL)
	if m == nil {
		return -ENOMEM
	}
	m.show = show
	m.Private = data
	f.Private_data = uintptr(unsafe.Pointer(m))
	return 0
}

// seq_of is the seq_file of an open file.
func seq_of(f *File) *Seq_file { return (*Seq_file)(unsafe.Add(nil, f.Private_data)) }

// seq_fill generates the text, growing the buffer as needed.
func seq_fill(m *Seq_file) int {
	for size := seqStart; size <= KMALLOC_MAX_SIZE; size *= 2 {
		if m.Buf = kmalloc(size, mm.GFP_KERNEL); m.Buf == nil {
			return -ENOMEM
		}
		m.Count, m.overflow = 0, false
		if err := m.show(m, m.Private); err != 0 {
			kfree(m.Buf)
			m.Buf = nil
			return err
		}
		if !m.overflow {
			m.filled = true
			return 0
		}
		kfree(m.Buf)
		m.Buf = nil
	}
	return -ENOMEM
}

// Seq_read reads the generated text (Linux seq_read_iter).
func Seq_read(f *File, to *Iov_iter, pos *int64) int64 {
	m := seq_of(f)
	if !m.filled {
		if err := seq_fill(m); err != 0 {
			return int64(err)
		}
	}
	if *pos >= int64(m.Count) {
		return 0
	}
	n := to.Copy_to_iter(m.Buf[*pos:m.Count])
	if n == 0 {
		return -EFAULT
	}
	*pos += int64(n)
	return int64(n)
}

// Seq_lseek seeks in the text (Linux seq_lseek: SEEK_SET and SEEK_CUR).
func Seq_lseek(f *File, offset int64, whence int) int64 {
	switch whence {
	case 1:
		offset += f.F_pos
	case 0:
	default:
		return -EINVAL
	}
	if offset < 0 {
		return -EINVAL
	}
	f.F_pos = offset
	return offset
}

// Single_release frees the text and the seq_file (Linux single_release).
func Single_release(inode *Inode, f *File) int {
	m := seq_of(f)
	if m == nil {
		return 0
	}
	kfree(m.Buf)
	*m = Seq_file{}
	seq_cachep.Free(m)
	f.Private_data = 0
	return 0
}
