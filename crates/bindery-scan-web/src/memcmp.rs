//! `memcmp` for the wasm module, 16 bytes a step instead of one.
//!
//! Why it exists: rxing's Reed-Solomon decoder checks that two polynomials belong to the
//! same Galois field with `==` on the fields themselves, which compares their two 4096-entry
//! tables (16 KB) before every addition and multiplication of polynomials. Natively that is
//! the C library's vectorized `memcmp`; in the wasm it was compiler-builtins' portable one,
//! a byte a step, and profiling a 720p frame with two codes in Chromium put it at a quarter
//! of the decode time (the README's wasm figures). rxing is not ours to change, so the
//! module brings its own `memcmp`: compiler-builtins defines its memory functions as weak
//! symbols exactly so that a strong definition like this one replaces them.
//!
//! With WebAssembly SIMD a step is one 128-bit compare; without, two 64-bit ones. Only the
//! chunk that differs is looked at byte by byte, for the sign of the answer.

/// Compares `a` and `b` (the same length) as `memcmp` does: 0 when equal, else the
/// difference of the first bytes that differ, as unsigned values.
pub fn compare(a: &[u8], b: &[u8]) -> i32 {
    let n = a.len().min(b.len());
    let mut i = 0;
    while i + 16 <= n {
        if !same16(
            a[i..i + 16].try_into().expect("16 bytes"),
            b[i..i + 16].try_into().expect("16 bytes"),
        ) {
            break;
        }
        i += 16;
    }
    // The chunk that differs (or the tail): a plain loop, which LLVM leaves as it is.
    for (&x, &y) in a[i..n].iter().zip(&b[i..n]) {
        if x != y {
            return x as i32 - y as i32;
        }
    }
    0
}

/// Whether two 16-byte chunks are equal.
#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
#[inline(always)]
fn same16(a: &[u8; 16], b: &[u8; 16]) -> bool {
    use core::arch::wasm32::{v128_any_true, v128_load, v128_xor};
    // SAFETY: each load reads the 16 bytes of its array; no alignment is required.
    let (x, y) = unsafe { (v128_load(a.as_ptr().cast()), v128_load(b.as_ptr().cast())) };
    !v128_any_true(v128_xor(x, y))
}

/// Whether two 16-byte chunks are equal.
#[cfg(not(all(target_arch = "wasm32", target_feature = "simd128")))]
#[inline(always)]
fn same16(a: &[u8; 16], b: &[u8; 16]) -> bool {
    let word = |c: &[u8; 16], k: usize| u64::from_ne_bytes(c[k..k + 8].try_into().expect("8"));
    (word(a, 0) ^ word(b, 0)) | (word(a, 8) ^ word(b, 8)) == 0
}

/// The C `memcmp` the wasm links against (natively the C library's is used, untouched).
///
/// # Safety
/// `a` and `b` must each be valid to read `n` bytes from, as for C's `memcmp`.
#[cfg(target_arch = "wasm32")]
#[no_mangle]
pub unsafe extern "C" fn memcmp(a: *const u8, b: *const u8, n: usize) -> i32 {
    if n == 0 {
        return 0;
    }
    // SAFETY: the caller's promise, as for C's memcmp.
    let (a, b) = unsafe {
        (
            std::slice::from_raw_parts(a, n),
            std::slice::from_raw_parts(b, n),
        )
    };
    compare(a, b)
}

#[cfg(test)]
mod tests {
    use super::compare;

    /// Every length around the 16-byte steps, a difference at every position, both ways round:
    /// the answer is the first differing bytes' difference, whatever follows.
    #[test]
    fn compares_as_memcmp_does() {
        for n in 0..70usize {
            let a: Vec<u8> = (0..n).map(|i| (i * 37 % 251) as u8).collect();
            assert_eq!(compare(&a, &a.clone()), 0, "equal, {n} bytes");
            for at in 0..n {
                for delta in [1u8, 128, 255] {
                    let mut b = a.clone();
                    b[at] = b[at].wrapping_add(delta);
                    // A later difference must not change the answer.
                    if at + 1 < n {
                        b[n - 1] ^= 0x55;
                    }
                    let want = a[at] as i32 - b[at] as i32;
                    assert_eq!(compare(&a, &b), want, "{n} bytes, at {at}");
                    assert_eq!(compare(&b, &a), -want, "{n} bytes, at {at}");
                }
            }
        }
    }
}
