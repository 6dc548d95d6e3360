package sys

import "testing"

// TestChacha20Block: RFC 8439 section 2.3.2's test vector (key 00..1f,
// counter 1, nonce 00:00:00:09:00:00:00:4a:00:00:00:00).
func TestChacha20Block(t *testing.T) {
	var key [8]uint32
	for i := range key {
		b := uint32(4 * i)
		key[i] = b | (b+1)<<8 | (b+2)<<16 | (b+3)<<24
	}
	var s, out [16]uint32
	chacha20_state(&s, &key, 0)
	s[12], s[13], s[14], s[15] = 1, 0x09000000, 0x4a000000, 0
	chacha20_block(&s, &out)
	want := [16]uint32{
		0xe4e7f110, 0x15593bd1, 0x1fdd0f50, 0xc47120a3,
		0xc7f4d1c7, 0x0368c033, 0x9aaa2204, 0x4e6cd4c3,
		0x466482d2, 0x09aa9f07, 0x05d7c214, 0xa2028bd9,
		0xd19c12b5, 0xb94e16de, 0xe883d0cb, 0x4e3c50a2,
	}
	if out != want {
		t.Errorf("chacha20_block = %08x\nwant %08x", out, want)
	}
}

// TestCalcLoad: one runnable task for a long time brings every average
// to 1.00, and none brings them back towards 0 (Linux's fixed point).
func TestCalcLoad(t *testing.T) {
	var load [3]uint64
	exps := [3]uint64{EXP_1, EXP_5, EXP_15}
	for i := 0; i < 2000; i++ {
		for j := range load {
			load[j] = calc_load(load[j], exps[j], FIXED_1)
		}
	}
	if load != [3]uint64{FIXED_1, FIXED_1, FIXED_1} {
		t.Errorf("after 2000 samples of 1 task: %v, want %d each", load, FIXED_1)
	}
	one := calc_load(FIXED_1, EXP_1, 0)
	if one >= FIXED_1 || one < FIXED_1*9/10 {
		t.Errorf("one idle sample from 1.00: %d", one)
	}
}
