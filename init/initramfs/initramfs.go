// Package initramfs unpacks cpio archives into rootfs: the built-in one
// and the initrd the loader gave, plain or gzip-compressed, several
// concatenated. Linux: init/initramfs.c (unpack_to_rootfs, write_buffer
// and its states, do_header, do_name, do_copy, do_symlink, maybe_link,
// clean_path, dir_utime, populate_rootfs, free_initrd_mem) and
// usr/default_cpio_list (the built-in archive). The directory is init/
// as Linux's; the package is initramfs ("init" cannot name a Go package).
//
// The format is cpio's "newc" (magic 070701, or 070702 with a checksum):
// a 110-byte header of thirteen 8-digit hex fields, the name (NUL
// included) padded so that header and name end on 4 bytes, the body
// padded to 4, and a last entry named TRAILER!!!. The unpacker is
// Linux's state machine: it takes the archive in pieces of any size (the
// decompressor's window flushes), so nothing but the current header,
// name and symlink body is ever buffered.
//
// gokern differs from Linux where Linux is silent: a header field that is
// not hex, a name longer than PATH_MAX, a file the archive ends inside
// of, and a file the VFS refuses are each reported; the file cut short is
// removed, so that what stays is whole. gzip members are checked against
// their CRC-32 and length (lib/zlib_inflate).
package initramfs

import (
	"unsafe"

	"gokern/fs"
	"gokern/include/uapi"
	"gokern/lib/zlib_inflate"
	"gokern/mm"
	"gokern/printk"
)

// CPIO_HDRLEN: the newc header's length.
const CPIO_HDRLEN = 110

// N_ALIGN is the space a name of len bytes takes so that header and name
// end on 4 bytes (Linux N_ALIGN).
func N_ALIGN(len int) int { return ((len+1)&^3 + 2) }

// The states of the unpacker (Linux's enum state).
const (
	Start = iota
	Collect
	GotHeader
	SkipIt
	GotName
	CopyFile
	GotSymlink
	Reset
)

// msg_buf holds a message made from parts (Linux msg_buf); static, as
// the message outlives the unpacking's state.
var msg_buf [80]byte

// dir_entry is a directory whose time is set last (Linux struct
// dir_entry): writing its files changes it.
type dir_entry struct {
	next  *dir_entry
	mtime int64
	name  []byte // kmalloc'd
}

// link_hash is one multiply-linked file seen (Linux struct hash), for
// hard links: later entries with the same inode become links to it.
type link_hash struct {
	next              *link_hash
	ino, major, minor uint64
	mode              uint32
	name              []byte // kmalloc'd
}

// state is everything unpack_to_rootfs keeps (Linux's file-scope
// variables in init/initramfs.c and its kmalloc'd buffers), allocated for
// one unpacking and freed after.
type state struct {
	message string // the first error; unpacking stops at it

	victim      []byte // the rest of the piece being taken
	this_header int64  // offset of the byte victim[0] in the stream
	next_header int64

	state, next_state int
	collect           []byte // Collect: where the next bytes go
	collected         []byte // the bytes collected (or taken in place)
	remains           int

	// The current header.
	ino, major, minor, nlink uint64
	mode                     uint32
	uid, gid                 uint32
	mtime                    int64
	body_len                 int64
	name_len                 int
	rdev                     uapi.Dev_t
	hdr_csum                 uint32
	csum_present             bool

	wfile     *fs.File
	wfile_pos int64
	io_csum   uint32
	wname     [uapi.PATH_MAX]byte // the name of the file being written
	wname_len int
	wsize     int64 // its body's full size

	header_buf  [CPIO_HDRLEN]byte
	name_buf    [uapi.PATH_MAX + 4]byte
	symlink_buf [uapi.PATH_MAX + uapi.PATH_MAX + 4]byte

	dirs  *dir_entry
	links [32]*link_hash

	// Statistics for the report.
	files, dirs_made, others, skipped int

	inflate zlib_inflate.InflateState
}

// error records the first error (Linux error()).
func (s *state) error(m string) {
	if s.message == "" {
		s.message = m
	}
}

// eat takes n bytes of the piece (Linux eat).
func (s *state) eat(n int64) {
	s.victim = s.victim[n:]
	s.this_header += n
}

// read_into takes size bytes into buf, in place when the piece has them
// all, then goes to state next (Linux read_into).
func (s *state) read_into(buf []byte, size int, next int) {
	if len(s.victim) >= size {
		s.collected = s.victim[:size]
		s.eat(int64(size))
		s.state = next
		return
	}
	s.collected = buf[:size]
	s.collect = buf[:size]
	s.remains = size
	s.next_state = next
	s.state = Collect
}

// The actions: each handles its state and returns true when the piece
// is used up or unpacking must stop (Linux: 1).

func (s *state) do_start() bool {
	s.read_into(s.header_buf[:], CPIO_HDRLEN, GotHeader)
	return false
}

func (s *state) do_collect() bool {
	n := min(s.remains, len(s.victim))
	copy(s.collect, s.victim[:n])
	s.eat(int64(n))
	s.collect = s.collect[n:]
	if s.remains -= n; s.remains != 0 {
		return true
	}
	s.state = s.next_state
	return false
}

// hex8 reads one header field: 8 hex digits (Linux simple_strntoul,
// which stops quietly at a bad digit; gokern reports it).
func hex8(b []byte) (uint64, bool) {
	var v uint64
	for _, c := range b[:8] {
		switch {
		case c >= '0' && c <= '9':
			v = v<<4 | uint64(c-'0')
		case c >= 'a' && c <= 'f':
			v = v<<4 | uint64(c-'a'+10)
		case c >= 'A' && c <= 'F':
			v = v<<4 | uint64(c-'A'+10)
		default:
			return 0, false
		}
	}
	return v, true
}

// parse_header reads the 13 fields (Linux parse_header).
func (s *state) parse_header(h []byte) bool {
	var p [13]uint64
	for i := range p {
		v, ok := hex8(h[6+8*i:])
		if !ok {
			return false
		}
		p[i] = v
	}
	s.ino, s.mode, s.uid, s.gid, s.nlink = p[0], uint32(p[1]), uint32(p[2]), uint32(p[3]), p[4]
	s.mtime, s.body_len, s.major, s.minor = int64(p[5]), int64(p[6]), p[7], p[8]
	s.rdev = uapi.MKDEV(uint32(p[9]), uint32(p[10]))
	s.name_len, s.hdr_csum = int(p[11]), uint32(p[12])
	return true
}

func (s *state) do_header() bool {
	h := s.collected
	switch string(h[:6]) {
	case "070701":
		s.csum_present = false
	case "070702":
		s.csum_present = true
	case "070707":
		s.error("incorrect cpio method used: use -H newc option")
		return true
	default:
		s.error("no cpio magic")
		return true
	}
	if !s.parse_header(h) {
		s.error("malformed archive: a header field is not hexadecimal")
		return true
	}
	s.next_header = s.this_header + int64(N_ALIGN(s.name_len)) + s.body_len
	s.next_header = (s.next_header + 3) &^ 3
	s.state = SkipIt
	if s.name_len <= 0 || s.name_len > uapi.PATH_MAX {
		printk.Pr_err("initramfs: entry with a name of %d bytes (PATH_MAX %d): skipped\n", printk.Int(s.name_len), printk.Int(uapi.PATH_MAX))
		s.skipped++
		return false
	}
	if uapi.S_ISLNK(s.mode) {
		if s.body_len > uapi.PATH_MAX {
			printk.Pr_err("initramfs: symlink with a target of %d bytes (PATH_MAX %d): skipped\n", printk.Int(s.body_len), printk.Int(uapi.PATH_MAX))
			s.skipped++
			return false
		}
		s.collected = s.symlink_buf[:N_ALIGN(s.name_len)+int(s.body_len)]
		s.collect = s.collected
		s.remains = len(s.collected)
		s.next_state = GotSymlink
		s.state = Collect
		return false
	}
	if uapi.S_ISREG(s.mode) || s.body_len == 0 {
		s.read_into(s.name_buf[:], N_ALIGN(s.name_len), GotName)
	}
	return false
}

func (s *state) do_skip() bool {
	if s.this_header+int64(len(s.victim)) < s.next_header {
		s.eat(int64(len(s.victim)))
		return true
	}
	s.eat(s.next_header - s.this_header)
	s.state = s.next_state
	return false
}

func (s *state) do_reset() bool {
	for len(s.victim) > 0 && s.victim[0] == 0 {
		s.eat(1)
	}
	if len(s.victim) > 0 && s.this_header&3 != 0 {
		s.error("broken padding")
	}
	return true
}

// name is the current entry's name, without its NUL.
func (s *state) name() []byte { return s.collected[:s.name_len-1] }

// find_link returns the name of an earlier entry with the same inode,
// remembering this one if there is none (Linux find_link).
func (s *state) find_link() []byte {
	h := (s.ino ^ s.major<<3 ^ s.minor<<5) % uint64(len(s.links))
	for q := s.links[h]; q != nil; q = q.next {
		if q.ino == s.ino && q.major == s.major && q.minor == s.minor && q.mode&uapi.S_IFMT == s.mode&uapi.S_IFMT {
			return q.name
		}
	}
	q := (*link_hash)(mm.Kzalloc(uint64(unsafe.Sizeof(link_hash{})), mm.GFP_KERNEL))
	name := kdup(s.name())
	if q == nil || name == nil {
		kfree_bytes(name)
		mm.Kfree(unsafe.Pointer(q))
		s.error("can't allocate link hash entry")
		return nil
	}
	*q = link_hash{next: s.links[h], ino: s.ino, major: s.major, minor: s.minor, mode: s.mode, name: name}
	s.links[h] = q
	return nil
}

// free_hash forgets the links (Linux free_hash, at TRAILER!!!).
func (s *state) free_hash() {
	for i := range s.links {
		for q := s.links[i]; q != nil; {
			next := q.next
			kfree_bytes(q.name)
			mm.Kfree(unsafe.Pointer(q))
			q = next
		}
		s.links[i] = nil
	}
}

// maybe_link makes a later name of a multiply-linked file a hard link:
// 1 linked, 0 not a link (or the first name), -1 failed (Linux
// maybe_link).
func (s *state) maybe_link() int {
	if s.nlink >= 2 {
		if old := s.find_link(); old != nil {
			s.clean_path(0)
			if err := fs.Init_link(old, s.name()); err != 0 {
				s.report(s.name(), "link", err)
				return -1
			}
			return 1
		}
	}
	return 0
}

// clean_path removes what is in the way of a new entry of another type
// (Linux clean_path).
func (s *state) clean_path(fmode uint32) {
	var st fs.Kstat
	if fs.Vfs_fstatat(uapi.AT_FDCWD, s.name(), &st, uapi.AT_SYMLINK_NOFOLLOW) != 0 {
		return
	}
	if st.Mode&uapi.S_IFMT != fmode&uapi.S_IFMT {
		if uapi.S_ISDIR(st.Mode) {
			fs.Init_rmdir(s.name())
		} else {
			fs.Init_unlink(s.name())
		}
	}
}

// report names an entry the VFS refused (Linux says nothing).
func (s *state) report(name []byte, what string, err int) {
	printk.Pr_err("initramfs: %s %s: error %d\n", printk.Str(what), printk.Escaped(name), printk.Int(-err))
	s.skipped++
}

// mtimeOf is the header's time.
func (s *state) mtimeOf() fs.Timespec64 { return fs.Timespec64{Tv_sec: s.mtime} }

func (s *state) do_name() bool {
	s.state = SkipIt
	s.next_state = Reset
	if s.collected[s.name_len-1] != 0 {
		printk.Pr_err("initramfs name without nulterm: %s\n", printk.Escaped(s.collected[:s.name_len]))
		s.error("malformed archive")
		return true
	}
	name := s.name()
	if string(name) == "TRAILER!!!" {
		s.free_hash()
		return false
	}
	s.clean_path(s.mode)
	switch s.mode & uapi.S_IFMT {
	case uapi.S_IFREG:
		ml := s.maybe_link()
		if ml < 0 {
			return false
		}
		flags := uint32(uapi.O_WRONLY | uapi.O_CREAT | uapi.O_LARGEFILE)
		if ml != 1 {
			flags |= uapi.O_TRUNC
		}
		f, err := fs.Filp_open(name, flags, s.mode)
		if err != 0 {
			s.report(name, "create", err)
			return false
		}
		s.wfile, s.wfile_pos, s.io_csum = f, 0, 0
		s.wname_len = copy(s.wname[:], name)
		s.wsize = s.body_len
		fs.Vfs_fchown(f, s.uid, s.gid)
		fs.Vfs_fchmod(f, s.mode)
		s.files++
		s.state = CopyFile
	case uapi.S_IFDIR:
		if err := fs.Init_mkdir(name, s.mode); err != 0 && err != -uapi.EEXIST {
			s.report(name, "mkdir", err)
			return false
		}
		fs.Init_chown(name, s.uid, s.gid, 0)
		fs.Init_chmod(name, s.mode)
		s.dir_add(name)
		s.dirs_made++
	case uapi.S_IFBLK, uapi.S_IFCHR, uapi.S_IFIFO, uapi.S_IFSOCK:
		if s.maybe_link() == 0 {
			if err := fs.Init_mknod(name, s.mode, s.rdev); err != 0 {
				s.report(name, "mknod", err)
				return false
			}
			fs.Init_chown(name, s.uid, s.gid, 0)
			fs.Init_chmod(name, s.mode)
			fs.Init_utimes(name, s.mtimeOf())
			s.others++
		}
	default:
		printk.Pr_err("initramfs: %s: unknown file type %#o: skipped\n", printk.Escaped(name), printk.Int(s.mode))
		s.skipped++
	}
	return false
}

// xwrite writes a piece of the body (Linux xwrite), summing it for
// 070702.
func (s *state) xwrite(b []byte) bool {
	if s.csum_present {
		for _, c := range b {
			s.io_csum += uint32(c)
		}
	}
	for len(b) > 0 {
		n := fs.Kernel_write(s.wfile, b, &s.wfile_pos)
		if n <= 0 {
			return false
		}
		b = b[n:]
	}
	return true
}

func (s *state) do_copy() bool {
	if int64(len(s.victim)) >= s.body_len {
		if !s.xwrite(s.victim[:s.body_len]) {
			s.error("write error")
		}
		fs.Vfs_futimes(s.wfile, s.mtimeOf())
		fs.Fput(s.wfile)
		s.wfile = nil
		if s.csum_present && s.io_csum != s.hdr_csum {
			printk.Pr_err("initramfs: %s: checksum %#x, header says %#x\n", printk.Escaped(s.wname[:s.wname_len]),
				printk.Int(s.io_csum), printk.Int(s.hdr_csum))
			s.error("bad data checksum")
		}
		s.eat(s.body_len)
		s.state = SkipIt
		return false
	}
	if !s.xwrite(s.victim) {
		s.error("write error")
	}
	s.body_len -= int64(len(s.victim))
	s.eat(int64(len(s.victim)))
	return true
}

func (s *state) do_symlink() bool {
	name := s.collected[:s.name_len-1]
	target := s.collected[N_ALIGN(s.name_len) : N_ALIGN(s.name_len)+int(s.body_len)]
	s.clean_path(0)
	if err := fs.Init_symlink(target, name); err != 0 {
		s.report(name, "symlink", err)
	} else {
		fs.Init_chown(name, s.uid, s.gid, uapi.AT_SYMLINK_NOFOLLOW)
		fs.Init_utimes(name, s.mtimeOf())
		s.others++
	}
	s.state = SkipIt
	s.next_state = Reset
	return false
}

// action runs the current state's action.
func (s *state) action() bool {
	switch s.state {
	case Start:
		return s.do_start()
	case Collect:
		return s.do_collect()
	case GotHeader:
		return s.do_header()
	case SkipIt:
		return s.do_skip()
	case GotName:
		return s.do_name()
	case CopyFile:
		return s.do_copy()
	case GotSymlink:
		return s.do_symlink()
	}
	return s.do_reset()
}

// write_buffer feeds a piece to the state machine and returns how much
// it took (Linux write_buffer).
func (s *state) write_buffer(buf []byte) int {
	s.victim = buf
	for !s.action() {
	}
	return len(buf) - len(s.victim)
}

// flush_buffer takes the decompressor's output (Linux flush_buffer): a
// '0' starts a new archive, zeros are padding.
func (s *state) flush_buffer(buf []byte) bool {
	if s.message != "" {
		return false
	}
	for {
		written := s.write_buffer(buf)
		if written >= len(buf) || s.message != "" {
			break
		}
		switch buf[written] {
		case '0':
			buf = buf[written:]
			s.state = Start
		case 0:
			buf = buf[written:]
			s.state = Reset
		default:
			s.error("junk within compressed archive")
		}
	}
	return s.message == ""
}

// dir_add remembers a directory's time (Linux dir_add).
func (s *state) dir_add(name []byte) {
	d := (*dir_entry)(mm.Kzalloc(uint64(unsafe.Sizeof(dir_entry{})), mm.GFP_KERNEL))
	n := kdup(name)
	if d == nil || n == nil {
		kfree_bytes(n)
		mm.Kfree(unsafe.Pointer(d))
		s.error("can't allocate dir_entry buffer")
		return
	}
	*d = dir_entry{next: s.dirs, mtime: s.mtime, name: n}
	s.dirs = d
}

// dir_utime sets the directories' times, now that their files are made
// (Linux dir_utime).
func (s *state) dir_utime() {
	for d := s.dirs; d != nil; {
		fs.Init_utimes(d.name, fs.Timespec64{Tv_sec: d.mtime})
		next := d.next
		kfree_bytes(d.name)
		mm.Kfree(unsafe.Pointer(d))
		d = next
	}
	s.dirs = nil
}

// kdup copies b into kmalloc'd memory (Linux kstrdup).
func kdup(b []byte) []byte {
	p := mm.Kmalloc(uint64(max(len(b), 1)), mm.GFP_KERNEL)
	if p == nil {
		return nil
	}
	d := unsafe.Slice((*byte)(p), len(b))
	copy(d, b)
	return d
}

func kfree_bytes(b []byte) {
	if b != nil {
		mm.Kfree(unsafe.Pointer(unsafe.SliceData(b)))
	}
}

// finish reports an archive that ended inside an entry, and removes the
// file cut short, so that the files that stay are whole (Linux keeps it,
// short, without a word).
func (s *state) finish() {
	if s.wfile != nil {
		name := s.wname[:s.wname_len]
		printk.Pr_err("initramfs: %s: archive ends after %d of its %d bytes: removed\n", printk.Escaped(name),
			printk.Int(s.wfile_pos), printk.Int(s.wsize))
		fs.Fput(s.wfile)
		s.wfile = nil
		fs.Init_unlink(name)
		s.files--
		s.error("truncated archive")
		return
	}
	switch s.state {
	case Collect, GotHeader, GotName, GotSymlink:
		s.error("truncated archive")
	case SkipIt:
		if s.this_header < s.next_header {
			s.error("truncated archive")
		}
	}
}

// Stats are what an unpacking made, for the report and the tests.
type Stats struct {
	Files, Dirs, Others, Skipped int
}

// Unpack_to_rootfs unpacks buf into the current root (Linux
// unpack_to_rootfs): "" or the first error. Entries before the error
// stay.
func Unpack_to_rootfs(buf []byte) (string, Stats) {
	s := (*state)(mm.Kzalloc(uint64(unsafe.Sizeof(state{})), mm.GFP_KERNEL))
	if s == nil {
		return "can't allocate buffers", Stats{}
	}
	s.state = Start
	for s.message == "" && len(buf) > 0 {
		saved_offset := s.this_header
		if buf[0] == '0' && s.this_header&3 == 0 {
			s.state = Start
			written := s.write_buffer(buf)
			buf = buf[written:]
			continue
		}
		if buf[0] == 0 {
			buf = buf[1:]
			s.this_header++
			continue
		}
		s.this_header = 0
		if len(buf) >= 2 && buf[0] == 0x1f && buf[1] == 0x8b {
			printk.Pr_debug("Detected gzip compressed data\n")
			n, err := s.inflate.Gunzip(buf, s.flush_buffer)
			switch {
			case err != "" && s.message == "":
				// The compressed data is damaged (a cpio error would
				// have stopped the flush with its own message).
				printk.Pr_err("initramfs: gzip: %s at byte %d of the archive\n", printk.Str(err), printk.Int(saved_offset+int64(n)))
				s.finish()
				m := printk.Snprintf(msg_buf[:], "decompressor failed: %s", printk.Str(err))
				s.message = unsafe.String(&msg_buf[0], m)
			case err == "" && s.state != Reset:
				s.finish()
				s.error("junk at the end of compressed archive")
			}
			s.this_header = saved_offset + int64(n)
			buf = buf[n:]
			continue
		}
		if s.message == "" {
			s.error("invalid magic at start of compressed archive")
		}
	}
	if s.message == "" {
		s.finish()
	} else if s.wfile != nil {
		s.finish_after_error()
	}
	s.dir_utime()
	s.free_hash()
	msg := s.message
	st := Stats{Files: s.files, Dirs: s.dirs_made, Others: s.others, Skipped: s.skipped}
	*s = state{}
	mm.Kfree(unsafe.Pointer(s))
	return msg, st
}

// finish_after_error closes and removes a file an error interrupted.
func (s *state) finish_after_error() {
	msg := s.message
	s.finish()
	s.message = msg
}
