//! The two inner loops of binarization (block statistics, row packing) written once over a
//! small set of 16-byte lane operations, with one implementation of those per instruction
//! set: SSE2 on x86_64, WebAssembly `simd128` when the module is built with that feature,
//! and plain Rust everywhere else. They run on every pixel of every live frame, so the
//! browser's decoder needs them vectorized as much as the native one does (issue 15: the
//! wasm within 2x of native); keeping one algorithm over a trait rather than one copy per
//! instruction set means the tests that check it against plain loops check every copy that
//! can run on the host.
//!
//! Which implementation the pipeline uses is [`Native`], chosen at compile time: the
//! instruction sets are part of the target (SSE2 is in the x86_64 baseline; `simd128` is
//! turned on for the whole wasm module, which a browser either accepts or rejects as a
//! whole), so there is nothing to detect at run time.

use super::{at_most, gather_high_bits, BlockStat, BLOCK};

/// Sixteen pixels (two blocks side by side) in one register, and what the statistics and
/// packing do with them. Lanes 0–7 are the first block, 8–15 the second ("halves").
pub(super) trait Lanes {
    /// Sixteen unsigned bytes.
    type V: Copy;
    /// Running sums of each half's bytes over up to [`BLOCK`] rows.
    type Sums: Copy;
    /// Sixteen pixels.
    fn load(pixels: &[u8; 16]) -> Self::V;
    /// `low` in the first half's lanes, `high` in the second's.
    fn splat_halves(low: u8, high: u8) -> Self::V;
    /// Lane-wise minimum.
    fn min(a: Self::V, b: Self::V) -> Self::V;
    /// Lane-wise maximum.
    fn max(a: Self::V, b: Self::V) -> Self::V;
    /// The smallest byte of each half.
    fn min_halves(v: Self::V) -> [u8; 2];
    /// The largest byte of each half.
    fn max_halves(v: Self::V) -> [u8; 2];
    /// Sums of nothing yet.
    fn no_sums() -> Self::Sums;
    /// `sums` with each half of `v` added to its own.
    fn add_sums(sums: Self::Sums, v: Self::V) -> Self::Sums;
    /// Each half's sum (at most 8 rows of 8 pixels: 16,320).
    fn sum_halves(sums: Self::Sums) -> [u32; 2];
    /// Bit `i` set where lane `i` of `pixels` is at most lane `i` of `thresholds`.
    fn at_most(pixels: Self::V, thresholds: Self::V) -> u16;
}

/// The implementation this build uses.
#[cfg(all(target_arch = "x86_64", target_feature = "sse2"))]
pub(super) type Native = Sse2;
/// The implementation this build uses.
#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
pub(super) type Native = Simd128;
/// The implementation this build uses.
#[cfg(not(any(
    all(target_arch = "x86_64", target_feature = "sse2"),
    all(target_arch = "wasm32", target_feature = "simd128")
)))]
pub(super) type Native = Scalar;

/// The statistics of a whole band's blocks, two at a time (16 columns down 8 rows, the
/// accumulators in registers), pushed onto `stats`; returns the columns done (the block
/// left over at the right, if any, is the caller's).
#[inline(always)]
pub(super) fn band_pairs<L: Lanes>(rows: &[&[u8]; BLOCK], stats: &mut Vec<BlockStat>) -> usize {
    let width = rows.iter().map(|r| r.len()).min().unwrap_or(0);
    let at = |row: &[u8], x: usize| -> L::V {
        L::load(row[x..x + 2 * BLOCK].try_into().expect("16 pixels"))
    };
    let mut x = 0;
    while x + 2 * BLOCK <= width {
        let first = at(rows[0], x);
        let (mut min, mut max, mut sums) = (first, first, L::add_sums(L::no_sums(), first));
        for row in &rows[1..] {
            let p = at(row, x);
            min = L::min(min, p);
            max = L::max(max, p);
            sums = L::add_sums(sums, p);
        }
        let (min, max, sum) = (L::min_halves(min), L::max_halves(max), L::sum_halves(sums));
        for i in 0..2 {
            stats.push(BlockStat {
                sum: sum[i],
                count: (BLOCK * BLOCK) as u32,
                min: min[i],
                max: max[i],
            });
        }
        x += 2 * BLOCK;
    }
    x
}

/// Packs `row` two whole blocks (16 pixels, two thresholds) a step into `out` (bit `i` of
/// byte `k` = pixel `8k + i`, 1 = black); returns how many blocks it packed (the rest are
/// the caller's).
#[inline(always)]
pub(super) fn pack_pairs<L: Lanes>(row: &[u8], levels: &[u8], out: &mut [u8]) -> usize {
    let mut done = 0;
    let steps = row
        .chunks_exact(2 * BLOCK)
        .zip(levels.chunks_exact(2))
        .zip(out.chunks_exact_mut(2));
    for ((pixels, t), o) in steps {
        let p = L::load(pixels.try_into().expect("16 pixels"));
        let black = L::at_most(p, L::splat_halves(t[0], t[1]));
        o.copy_from_slice(&black.to_le_bytes());
        done += 2;
    }
    done
}

/// Plain Rust, for targets with neither SSE2 nor `simd128` (the browsers without
/// WebAssembly SIMD get this module). The compare is eight pixels a machine word
/// ([`at_most`]): a third of the instructions of eight byte compares, and this runs on
/// every pixel.
// Built everywhere so the tests can compare it with the vector ones; a vector build's
// pipeline does not use it.
#[cfg_attr(
    any(
        all(target_arch = "x86_64", target_feature = "sse2"),
        all(target_arch = "wasm32", target_feature = "simd128")
    ),
    allow(dead_code)
)]
#[derive(Debug, Clone, Copy)]
pub(super) struct Scalar;

impl Lanes for Scalar {
    type V = [u8; 16];
    type Sums = [u32; 2];

    #[inline(always)]
    fn load(pixels: &[u8; 16]) -> [u8; 16] {
        *pixels
    }

    #[inline(always)]
    fn splat_halves(low: u8, high: u8) -> [u8; 16] {
        std::array::from_fn(|i| if i < BLOCK { low } else { high })
    }

    #[inline(always)]
    fn min(a: [u8; 16], b: [u8; 16]) -> [u8; 16] {
        std::array::from_fn(|i| a[i].min(b[i]))
    }

    #[inline(always)]
    fn max(a: [u8; 16], b: [u8; 16]) -> [u8; 16] {
        std::array::from_fn(|i| a[i].max(b[i]))
    }

    #[inline(always)]
    fn min_halves(v: [u8; 16]) -> [u8; 2] {
        let half = |h: &[u8]| h.iter().copied().fold(255, u8::min);
        [half(&v[..BLOCK]), half(&v[BLOCK..])]
    }

    #[inline(always)]
    fn max_halves(v: [u8; 16]) -> [u8; 2] {
        let half = |h: &[u8]| h.iter().copied().fold(0, u8::max);
        [half(&v[..BLOCK]), half(&v[BLOCK..])]
    }

    #[inline(always)]
    fn no_sums() -> [u32; 2] {
        [0; 2]
    }

    #[inline(always)]
    fn add_sums(sums: [u32; 2], v: [u8; 16]) -> [u32; 2] {
        let half = |h: &[u8]| h.iter().map(|&p| p as u32).sum::<u32>();
        [sums[0] + half(&v[..BLOCK]), sums[1] + half(&v[BLOCK..])]
    }

    #[inline(always)]
    fn sum_halves(sums: [u32; 2]) -> [u32; 2] {
        sums
    }

    #[inline(always)]
    fn at_most(pixels: [u8; 16], thresholds: [u8; 16]) -> u16 {
        let word = |v: &[u8]| u64::from_le_bytes(v.try_into().expect("a block-wide half"));
        let half = |h: std::ops::Range<usize>| {
            gather_high_bits(at_most(word(&pixels[h.clone()]), word(&thresholds[h]))) as u16
        };
        half(0..BLOCK) | half(BLOCK..2 * BLOCK) << 8
    }
}

/// SSE2, part of the x86_64 baseline.
#[cfg(all(target_arch = "x86_64", target_feature = "sse2"))]
#[derive(Debug, Clone, Copy)]
pub(super) struct Sse2;

// SAFETY (every `unsafe` block below): the intrinsics need SSE2, which this impl is only
// compiled with (`target_feature = "sse2"`, true of every x86_64 target); the one load
// reads the 16 bytes of the array it is given.
#[cfg(all(target_arch = "x86_64", target_feature = "sse2"))]
impl Lanes for Sse2 {
    type V = std::arch::x86_64::__m128i;
    type Sums = std::arch::x86_64::__m128i;

    #[inline(always)]
    fn load(pixels: &[u8; 16]) -> Self::V {
        unsafe { std::arch::x86_64::_mm_loadu_si128(pixels.as_ptr().cast()) }
    }

    #[inline(always)]
    fn splat_halves(low: u8, high: u8) -> Self::V {
        let (low, high) = (
            (low as u64 * super::ONES) as i64,
            (high as u64 * super::ONES) as i64,
        );
        unsafe { std::arch::x86_64::_mm_set_epi64x(high, low) }
    }

    #[inline(always)]
    fn min(a: Self::V, b: Self::V) -> Self::V {
        unsafe { std::arch::x86_64::_mm_min_epu8(a, b) }
    }

    #[inline(always)]
    fn max(a: Self::V, b: Self::V) -> Self::V {
        unsafe { std::arch::x86_64::_mm_max_epu8(a, b) }
    }

    #[inline(always)]
    fn min_halves(v: Self::V) -> [u8; 2] {
        use std::arch::x86_64::{_mm_min_epu8 as min, _mm_srli_epi64 as shr};
        // Halves, quarters, eighths of each 64-bit half: its minimum ends in its low byte.
        let v = unsafe { min(v, shr::<32>(v)) };
        let v = unsafe { min(v, shr::<16>(v)) };
        low_bytes(unsafe { min(v, shr::<8>(v)) })
    }

    #[inline(always)]
    fn max_halves(v: Self::V) -> [u8; 2] {
        use std::arch::x86_64::{_mm_max_epu8 as max, _mm_srli_epi64 as shr};
        let v = unsafe { max(v, shr::<32>(v)) };
        let v = unsafe { max(v, shr::<16>(v)) };
        low_bytes(unsafe { max(v, shr::<8>(v)) })
    }

    #[inline(always)]
    fn no_sums() -> Self::Sums {
        unsafe { std::arch::x86_64::_mm_setzero_si128() }
    }

    #[inline(always)]
    fn add_sums(sums: Self::Sums, v: Self::V) -> Self::Sums {
        use std::arch::x86_64::{_mm_add_epi64, _mm_sad_epu8, _mm_setzero_si128};
        // Sums of absolute differences against zero: each 64-bit half's eight bytes added.
        unsafe { _mm_add_epi64(sums, _mm_sad_epu8(v, _mm_setzero_si128())) }
    }

    #[inline(always)]
    fn sum_halves(sums: Self::Sums) -> [u32; 2] {
        use std::arch::x86_64::{_mm_cvtsi128_si32, _mm_extract_epi16};
        // 64 pixels sum to at most 16,320: the low 16 bits of each half hold it.
        let low = unsafe { _mm_cvtsi128_si32(sums) } as u32 & 0xffff;
        let high = unsafe { _mm_extract_epi16::<4>(sums) } as u32 & 0xffff;
        [low, high]
    }

    #[inline(always)]
    fn at_most(pixels: Self::V, thresholds: Self::V) -> u16 {
        use std::arch::x86_64::{_mm_cmpeq_epi8, _mm_min_epu8, _mm_movemask_epi8};
        // SSE2 has no unsigned byte compare: p <= t exactly where min(p, t) == p; the
        // mask takes each byte's top bit.
        unsafe {
            _mm_movemask_epi8(_mm_cmpeq_epi8(_mm_min_epu8(pixels, thresholds), pixels)) as u16
        }
    }
}

/// Bytes 0 and 8 of `v`.
#[cfg(all(target_arch = "x86_64", target_feature = "sse2"))]
#[inline(always)]
fn low_bytes(v: std::arch::x86_64::__m128i) -> [u8; 2] {
    use std::arch::x86_64::{_mm_cvtsi128_si32, _mm_extract_epi16};
    // SAFETY: SSE2, as the impl above.
    let (low, high) = unsafe { (_mm_cvtsi128_si32(v), _mm_extract_epi16::<4>(v)) };
    [low as u8, high as u8]
}

/// WebAssembly's 128-bit SIMD (`-C target-feature=+simd128`; every current browser has it,
/// Safari from 16.4).
#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
#[derive(Debug, Clone, Copy)]
pub(super) struct Simd128;

#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
impl Lanes for Simd128 {
    type V = core::arch::wasm32::v128;
    /// Eight 16-bit sums, four per half: adjacent pixels are added as they come in
    /// (`extadd_pairwise`), and eight rows of pairs stay under 4,080.
    type Sums = core::arch::wasm32::v128;

    #[inline(always)]
    fn load(pixels: &[u8; 16]) -> Self::V {
        // SAFETY: reads the 16 bytes of `pixels`; the load has no alignment requirement.
        unsafe { core::arch::wasm32::v128_load(pixels.as_ptr().cast()) }
    }

    #[inline(always)]
    fn splat_halves(low: u8, high: u8) -> Self::V {
        core::arch::wasm32::u64x2(low as u64 * super::ONES, high as u64 * super::ONES)
    }

    #[inline(always)]
    fn min(a: Self::V, b: Self::V) -> Self::V {
        core::arch::wasm32::u8x16_min(a, b)
    }

    #[inline(always)]
    fn max(a: Self::V, b: Self::V) -> Self::V {
        core::arch::wasm32::u8x16_max(a, b)
    }

    #[inline(always)]
    fn min_halves(v: Self::V) -> [u8; 2] {
        use core::arch::wasm32::{u64x2_shr as shr, u8x16_extract_lane as lane, u8x16_min as min};
        // Halves, quarters, eighths of each 64-bit half: its minimum ends in its low byte.
        let v = min(v, shr(v, 32));
        let v = min(v, shr(v, 16));
        let v = min(v, shr(v, 8));
        [lane::<0>(v), lane::<8>(v)]
    }

    #[inline(always)]
    fn max_halves(v: Self::V) -> [u8; 2] {
        use core::arch::wasm32::{u64x2_shr as shr, u8x16_extract_lane as lane, u8x16_max as max};
        let v = max(v, shr(v, 32));
        let v = max(v, shr(v, 16));
        let v = max(v, shr(v, 8));
        [lane::<0>(v), lane::<8>(v)]
    }

    #[inline(always)]
    fn no_sums() -> Self::Sums {
        core::arch::wasm32::u16x8_splat(0)
    }

    #[inline(always)]
    fn add_sums(sums: Self::Sums, v: Self::V) -> Self::Sums {
        use core::arch::wasm32::{u16x8_add, u16x8_extadd_pairwise_u8x16};
        u16x8_add(sums, u16x8_extadd_pairwise_u8x16(v))
    }

    #[inline(always)]
    fn sum_halves(sums: Self::Sums) -> [u32; 2] {
        use core::arch::wasm32::{u32x4_extadd_pairwise_u16x8, u32x4_extract_lane as lane};
        let quads = u32x4_extadd_pairwise_u16x8(sums);
        [
            lane::<0>(quads) + lane::<1>(quads),
            lane::<2>(quads) + lane::<3>(quads),
        ]
    }

    #[inline(always)]
    fn at_most(pixels: Self::V, thresholds: Self::V) -> u16 {
        use core::arch::wasm32::{i8x16_bitmask, u8x16_le};
        i8x16_bitmask(u8x16_le(pixels, thresholds))
    }
}
