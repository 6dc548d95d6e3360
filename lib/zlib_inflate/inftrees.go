package zlib_inflate

// Building the decoding tables of a canonical Huffman code from its code
// lengths (RFC 1951 §3.2.2). Linux: lib/zlib_inflate/inftrees.c
// zlib_inflate_table, which builds zlib's multi-level tables; gokern
// builds one direct table for the short codes and decodes the rest bit by
// bit from the counts (as zlib's contrib/puff does), which is shorter and
// fast enough: in deflate streams almost every code is 9 bits or fewer.

const (
	MAXBITS   = 15  // the longest code (RFC 1951 §3.2.7)
	MAXLCODES = 286 // literal/length codes that may be used
	MAXDCODES = 30  // distance codes that may be used
	FIXLCODES = 288 // literal/length codes of the fixed code (286, 287 unused)
	MAXCODES  = MAXLCODES + MAXDCODES

	// FASTBITS: codes this long or shorter are decoded with one look-up.
	FASTBITS = 9
)

// Code is one Huffman code's decoding tables.
type Code struct {
	// Fast is indexed by the next FASTBITS bits of input, taken LSB
	// first (deflate sends a code's most significant bit first, so the
	// index is the code reversed): symbol<<4 | length, or 0 when the code
	// starting there is longer than FASTBITS or unassigned.
	Fast [1 << FASTBITS]uint16
	// Count[l] is the number of codes of length l; Symbol lists the
	// symbols in canonical order (by length, then by value).
	Count  [MAXBITS + 1]uint16
	Symbol [FIXLCODES]uint16
}

// zlib_inflate_table fills h from the code lengths of n symbols
// (Linux zlib_inflate_table). It returns the number of unused codes of
// the longest length: 0 for a complete code, > 0 for an incomplete one,
// < 0 for an over-subscribed one (too many codes: no prefix code exists).
// An all-zero lens is a complete empty code, which decodes nothing.
func zlib_inflate_table(h *Code, lens []uint16) int {
	for i := range h.Count {
		h.Count[i] = 0
	}
	for _, l := range lens {
		h.Count[l]++
	}
	if int(h.Count[0]) == len(lens) {
		h.Fast = [1 << FASTBITS]uint16{}
		return 0
	}
	left := 1
	for l := 1; l <= MAXBITS; l++ {
		left <<= 1
		left -= int(h.Count[l])
		if left < 0 {
			return left
		}
	}
	// Where each length's symbols start in Symbol, and the first code of
	// each length (RFC 1951 §3.2.2 step 2).
	var offs, next [MAXBITS + 2]uint16
	for l := 1; l <= MAXBITS; l++ {
		offs[l+1] = offs[l] + h.Count[l]
		if l > 1 {
			next[l] = (next[l-1] + h.Count[l-1]) << 1
		}
	}
	h.Fast = [1 << FASTBITS]uint16{}
	for sym, l := range lens {
		if l == 0 {
			continue
		}
		h.Symbol[offs[l]] = uint16(sym)
		offs[l]++
		c := next[l]
		next[l]++
		if l > FASTBITS {
			continue
		}
		r := reverse(c, uint(l))
		for k := uint(r); k < 1<<FASTBITS; k += 1 << l {
			h.Fast[k] = uint16(sym)<<4 | l
		}
	}
	return left
}

// reverse reverses the low n bits of c.
func reverse(c uint16, n uint) uint16 {
	var r uint16
	for i := uint(0); i < n; i++ {
		r = r<<1 | c&1
		c >>= 1
	}
	return r
}
