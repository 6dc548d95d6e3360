// Package zlib_inflate decompresses deflate streams (RFC 1951) and gzip
// members (RFC 1952) without the Go heap: the caller provides the state,
// which holds the 32 KiB window and the code tables, and a flush function
// that takes the output in pieces of up to 32 KiB. Linux:
// lib/zlib_inflate/ (inflate.c, inftrees.c) and lib/decompress_inflate.c
// (gunzip, which init/initramfs.c calls through decompress_method). The
// code is gokern's own, written from the RFCs; the error messages are
// zlib's, so that a student who compares with Linux's log finds the same
// words.
//
// The whole input is in memory (an initrd), so the decoder reads it
// directly and never waits for more; its output goes through the window,
// which is also the history that back-references copy from.
package zlib_inflate

import "gokern/lib/crc32"

// MAX_WBITS: the window is 2^15 bytes, the farthest a distance reaches
// (Linux MAX_WBITS).
const (
	MAX_WBITS = 15
	WSIZE     = 1 << MAX_WBITS
)

// InflateState is one decompression's state (Linux struct inflate_state
// with its window). It is about 45 KiB: keep it in static or allocated
// kernel memory, never on a kernel stack.
type InflateState struct {
	// Window holds the last WSIZE bytes of output; Window[:wnext] is
	// output not yet flushed.
	Window [WSIZE]byte
	wnext  int
	// Total counts the bytes produced; it limits how far back a
	// distance may reach.
	Total uint64
	// Crc is the CRC-32 of the output so far (gzip's check, kept for
	// every stream since it costs little next to decoding).
	Crc uint32

	in   []byte // the input
	pos  int    // next byte of in to load into hold
	hold uint64 // bits loaded, LSB first
	bits uint   // how many

	lencode, distcode Code
	fixlen, fixdist   Code
	fixedBuilt        bool
	lens              [MAXCODES]uint16
}

// Errors. Each message is zlib's where zlib has one.
const (
	Z_OK                = ""
	errTruncated        = "unexpected end of compressed data"
	errBlockType        = "invalid block type"
	errStored           = "invalid stored block lengths"
	errTooMany          = "too many length or distance symbols"
	errCodeLengths      = "invalid code lengths set"
	errRepeat           = "invalid bit length repeat"
	errNoEOB            = "invalid code -- missing end-of-block"
	errLitLenSet        = "invalid literal/lengths set"
	errDistSet          = "invalid distances set"
	errLitLenCode       = "invalid literal/length code"
	errDistCode         = "invalid distance code"
	errTooFar           = "invalid distance too far back"
	errFlush            = "output refused"
	errInvalidCode      = "invalid code"
	errGzipMagic        = "Not a gzip file"
	errGzipMethod       = "unknown compression method"
	errGzipFlags        = "unknown header flags set"
	errGzipHeaderCrc    = "header crc mismatch"
	errGzipCrc          = "incorrect data check"
	errGzipLength       = "incorrect length check"
	errGzipHeaderLength = "gzip header truncated"
)

// Length and distance bases and extra bits (RFC 1951 §3.2.5).
var (
	lbase = [29]uint16{3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258}
	lext  = [29]uint8{0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0}
	dbase = [30]uint16{1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513, 769, 1025, 1537, 2049, 3073, 4097, 6145, 8193, 12289, 16385, 24577}
	dext  = [30]uint8{0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13}
	// The order in which a dynamic block sends the code-length code's
	// lengths (RFC 1951 §3.2.7).
	clorder = [19]uint8{16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15}
)

// reset starts a new stream over in.
func (s *InflateState) reset(in []byte) {
	s.wnext, s.Total, s.Crc = 0, 0, 0
	s.in, s.pos, s.hold, s.bits = in, 0, 0, 0
}

// refill loads whole bytes into hold until it has at least 56 bits or the
// input ends.
func (s *InflateState) refill() {
	if s.pos+8 <= len(s.in) {
		b := s.in[s.pos : s.pos+8]
		v := uint64(b[0]) | uint64(b[1])<<8 | uint64(b[2])<<16 | uint64(b[3])<<24 |
			uint64(b[4])<<32 | uint64(b[5])<<40 | uint64(b[6])<<48 | uint64(b[7])<<56
		s.hold |= v << s.bits
		n := (63 - s.bits) >> 3
		s.pos += int(n)
		s.bits += n << 3
		return
	}
	for s.bits <= 56 && s.pos < len(s.in) {
		s.hold |= uint64(s.in[s.pos]) << s.bits
		s.pos++
		s.bits += 8
	}
}

// getbits takes n (<= 32) bits; false when the input ends first.
func (s *InflateState) getbits(n uint) (uint32, bool) {
	if s.bits < n {
		s.refill()
		if s.bits < n {
			return 0, false
		}
	}
	v := uint32(s.hold & (1<<n - 1))
	s.hold >>= n
	s.bits -= n
	return v, true
}

// decode takes one symbol of code h: the symbol, or -1 when the input
// ends, -2 when the bits are no code of h.
func (s *InflateState) decode(h *Code) int {
	if s.bits < MAXBITS {
		s.refill()
	}
	e := h.Fast[s.hold&(1<<FASTBITS-1)]
	if l := uint(e & 15); l != 0 && l <= s.bits {
		s.hold >>= l
		s.bits -= l
		return int(e >> 4)
	}
	// Longer than FASTBITS, unassigned, or the input's last bits: one
	// bit at a time (zlib contrib/puff.c decode). code is the code read
	// so far, first the first code of its length, index where that
	// length's symbols start.
	code, first, index := 0, 0, 0
	for l := 1; l <= MAXBITS; l++ {
		if s.bits == 0 {
			return -1
		}
		code |= int(s.hold & 1)
		s.hold >>= 1
		s.bits--
		count := int(h.Count[l])
		if code-count < first {
			return int(h.Symbol[index+code-first])
		}
		index += count
		first += count
		first <<= 1
		code <<= 1
	}
	return -2
}

// flushWindow hands the unflushed output to flush.
func (s *InflateState) flushWindow(flush func([]byte) bool) bool {
	if s.wnext == 0 {
		return true
	}
	out := s.Window[:s.wnext]
	s.Crc = crc32.Crc32_le(s.Crc, out)
	ok := flush(out)
	if s.wnext == WSIZE {
		s.wnext = 0
	}
	return ok
}

// Zlib_inflate decompresses the raw deflate stream at the start of in
// (Linux zlib_inflate with negative windowBits: no zlib header), giving
// the output to flush in order. It returns how many bytes of in the
// stream took (its last byte may be partly used) and "" or the reason it
// stopped. Output already flushed stays flushed when a later part of the
// stream turns out to be corrupt.
func (s *InflateState) Zlib_inflate(in []byte, flush func([]byte) bool) (int, string) {
	s.reset(in)
	err := s.inflate(flush)
	if err == Z_OK && !s.flushWindow(flush) {
		err = errFlush
	}
	return s.consumed(), err
}

// consumed is the input used: the bytes loaded, less the whole bytes
// still unread in hold.
func (s *InflateState) consumed() int { return s.pos - int(s.bits>>3) }

// inflate decodes blocks until the last one (RFC 1951 §3.2.3).
func (s *InflateState) inflate(flush func([]byte) bool) string {
	for {
		hdr, ok := s.getbits(3)
		if !ok {
			return errTruncated
		}
		var err string
		switch hdr >> 1 {
		case 0:
			err = s.stored(flush)
		case 1:
			if !s.fixedBuilt {
				s.fixedtables()
			}
			err = s.codes(&s.fixlen, &s.fixdist, flush)
		case 2:
			if err = s.dynamic(); err == Z_OK {
				err = s.codes(&s.lencode, &s.distcode, flush)
			}
		default:
			err = errBlockType
		}
		if err != Z_OK {
			return err
		}
		if hdr&1 != 0 {
			return Z_OK
		}
	}
}

// stored copies a stored block: to a byte boundary, LEN, its one's
// complement NLEN, LEN bytes (RFC 1951 §3.2.4).
func (s *InflateState) stored(flush func([]byte) bool) string {
	s.hold >>= s.bits & 7
	s.bits &^= 7
	v, ok := s.getbits(32)
	if !ok {
		return errTruncated
	}
	n := int(v & 0xffff)
	if uint16(v>>16) != ^uint16(n) {
		return errStored
	}
	// Give back the whole bytes hold has loaded ahead, and copy from in.
	s.pos -= int(s.bits >> 3)
	s.hold, s.bits = 0, 0
	if len(s.in)-s.pos < n {
		return errTruncated
	}
	src := s.in[s.pos : s.pos+n]
	s.pos += n
	for len(src) > 0 {
		c := copy(s.Window[s.wnext:], src)
		s.wnext += c
		s.Total += uint64(c)
		src = src[c:]
		if s.wnext == WSIZE && !s.flushWindow(flush) {
			return errFlush
		}
	}
	return Z_OK
}

// fixedtables builds the fixed codes of block type 1 (RFC 1951 §3.2.6;
// zlib's fixedtables). Distance codes 30 and 31 take part in the code but
// are invalid.
func (s *InflateState) fixedtables() {
	l := s.lens[:FIXLCODES]
	for i := range l {
		switch {
		case i < 144:
			l[i] = 8
		case i < 256:
			l[i] = 9
		case i < 280:
			l[i] = 7
		default:
			l[i] = 8
		}
	}
	zlib_inflate_table(&s.fixlen, l)
	d := s.lens[:MAXDCODES+2]
	for i := range d {
		d[i] = 5
	}
	zlib_inflate_table(&s.fixdist, d)
	s.fixedBuilt = true
}

// dynamic reads a dynamic block's code descriptions (RFC 1951 §3.2.7)
// into lencode and distcode.
func (s *InflateState) dynamic() string {
	v, ok := s.getbits(14)
	if !ok {
		return errTruncated
	}
	nlen, ndist, ncode := int(v&31)+257, int(v>>5&31)+1, int(v>>10)+4
	if nlen > MAXLCODES || ndist > MAXDCODES {
		return errTooMany
	}
	var cl [19]uint16
	for i := 0; i < ncode; i++ {
		b, ok := s.getbits(3)
		if !ok {
			return errTruncated
		}
		cl[clorder[i]] = uint16(b)
	}
	// The code-length code must be complete (zlib: type CODES).
	if zlib_inflate_table(&s.lencode, cl[:]) != 0 {
		return errCodeLengths
	}
	lens := s.lens[:nlen+ndist]
	for i := 0; i < len(lens); {
		sym := s.decode(&s.lencode)
		switch {
		case sym == -1:
			return errTruncated
		case sym < 0:
			return errCodeLengths
		case sym < 16:
			lens[i] = uint16(sym)
			i++
			continue
		}
		var prev uint16
		var rep uint32
		switch sym {
		case 16:
			if i == 0 {
				return errRepeat
			}
			prev = lens[i-1]
			rep, ok = s.getbits(2)
			rep += 3
		case 17:
			rep, ok = s.getbits(3)
			rep += 3
		default:
			rep, ok = s.getbits(7)
			rep += 11
		}
		if !ok {
			return errTruncated
		}
		if i+int(rep) > len(lens) {
			return errRepeat
		}
		for ; rep > 0; rep-- {
			lens[i] = prev
			i++
		}
	}
	if lens[256] == 0 {
		return errNoEOB
	}
	// Incomplete codes are allowed only as one code of one bit (zlib:
	// "left > 0 && (type == CODES || max != 1)" is an error).
	if left := zlib_inflate_table(&s.lencode, lens[:nlen]); left < 0 || left > 0 && !single(&s.lencode) {
		return errLitLenSet
	}
	if left := zlib_inflate_table(&s.distcode, lens[nlen:]); left < 0 || left > 0 && !single(&s.distcode) {
		return errDistSet
	}
	return Z_OK
}

// single reports whether h is one code of length 1.
func single(h *Code) bool {
	n := 0
	for l := 1; l <= MAXBITS; l++ {
		n += int(h.Count[l])
	}
	return n == 1 && h.Count[1] == 1
}

// codes decodes literals and length/distance pairs until end-of-block
// (RFC 1951 §3.2.5), writing into the window.
func (s *InflateState) codes(lencode, distcode *Code, flush func([]byte) bool) string {
	for {
		sym := s.decode(lencode)
		switch {
		case sym < 0:
			if sym == -1 {
				return errTruncated
			}
			return errLitLenCode
		case sym < 256:
			s.Window[s.wnext] = byte(sym)
			s.wnext++
			s.Total++
			if s.wnext == WSIZE && !s.flushWindow(flush) {
				return errFlush
			}
			continue
		case sym == 256:
			return Z_OK
		case sym > 285:
			return errLitLenCode
		}
		sym -= 257
		e, ok := s.getbits(uint(lext[sym]))
		if !ok {
			return errTruncated
		}
		n := int(lbase[sym]) + int(e)
		dsym := s.decode(distcode)
		switch {
		case dsym == -1:
			return errTruncated
		case dsym < 0 || dsym >= MAXDCODES:
			return errDistCode
		}
		e, ok = s.getbits(uint(dext[dsym]))
		if !ok {
			return errTruncated
		}
		dist := int(dbase[dsym]) + int(e)
		if uint64(dist) > s.Total {
			return errTooFar
		}
		if err := s.copyMatch(n, dist, flush); err != Z_OK {
			return err
		}
	}
}

// copyMatch appends n bytes copied from dist bytes back, through the
// ring (the source may overlap what is being written: a run).
func (s *InflateState) copyMatch(n, dist int, flush func([]byte) bool) string {
	s.Total += uint64(n)
	src := s.wnext - dist
	if src < 0 {
		src += WSIZE
	}
	for n > 0 {
		// The longest stretch that wraps neither end of the ring.
		c := min(n, WSIZE-s.wnext, WSIZE-src)
		w, r := s.Window[s.wnext:s.wnext+c], s.Window[src:src+c]
		if src < s.wnext && s.wnext-src < c {
			// A run: the source overlaps what is being written, so
			// each byte must see the ones written before it.
			for i := range w {
				w[i] = r[i]
			}
		} else {
			copy(w, r)
		}
		s.wnext += c
		src += c
		n -= c
		if src == WSIZE {
			src = 0
		}
		if s.wnext == WSIZE && !s.flushWindow(flush) {
			return errFlush
		}
	}
	return Z_OK
}
