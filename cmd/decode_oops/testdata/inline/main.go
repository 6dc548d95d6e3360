// A program for decode_oops's test of inlined frames: caller's code holds
// inlined's, which calls returnAddress.
package main

//go:noinline
func returnAddress() int { return 42 }

// inlined is small enough for the compiler to inline into its callers.
func inlined(x int) int {
	if x > 0 {
		return returnAddress() + x
	}
	return 0
}

//go:noinline
func caller(x int) int { return inlined(x) * 2 }

func main() { println(caller(1)) }
