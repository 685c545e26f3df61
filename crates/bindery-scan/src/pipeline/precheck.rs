//! Whether a sampled grid can decode at all, asked before rqrr's decoder is.
//!
//! Most grids the live and file passes hand to rqrr's decoder do not decode: rqrr located
//! three finder patterns on a blurred, glared or damaged code (or on clutter), and our
//! resampling (`sample`) tries each of them with up to three sizes, two outlines and three
//! ways to binarize the samples. rqrr's decoder is slow at saying no: its Reed–Solomon
//! syndromes raise the generator to a power for every codeword of a block (one
//! square-and-multiply each), it computes them twice for a block it fails to correct,
//! and then it does it all again on the grid mirrored. On the generated hard 720p frames
//! those syndromes were the largest single item of the live time (15%).
//!
//! So every grid first gets a check that reads the same bits rqrr would (its own
//! `get_raw_data`, with the data mask removed here) and runs rxing's Reed–Solomon decoder
//! — table-driven, Horner evaluation — over each block, in both orientations. Only a grid
//! with an orientation whose every block is correctable goes on to rqrr's decoder, which
//! then decodes it as before. A block that rxing finds uncorrectable has more errors than
//! its error-correction words can fix; rqrr could at most miscorrect such a block into
//! another codeword, which is a wrong read, not a read lost.

use rqrr::BitGrid;
use rxing::common::reedsolomon::{PredefinedGenericGF, ReedSolomonDecoder};
use rxing::qrcode::common::{ErrorCorrectionLevel, Version};
use rxing::qrcode::decoder::DataBlock;

/// Whether `grid` can decode: read as it is or mirrored (rqrr tries both), its format
/// information reads and every Reed–Solomon block can be corrected.
pub(crate) fn can_decode(grid: &dyn BitGrid) -> bool {
    orientation_can_decode(grid) || orientation_can_decode(&Mirrored(grid))
}

fn orientation_can_decode(grid: &dyn BitGrid) -> bool {
    // rqrr's reading gives the format (and so the mask) and the masked data bits; the
    // same reading through `Unmasked` gives the data bits with the mask removed.
    let Ok((meta, _)) = as_rqrr_grid(grid).get_raw_data() else {
        return false;
    };
    let unmasked = Unmasked {
        grid,
        mask: meta.mask,
    };
    let Ok((_, raw)) = as_rqrr_grid(&unmasked).get_raw_data() else {
        return false;
    };
    let (Ok(version), Ok(level)) = (
        Version::getVersionForNumber(meta.version.0 as u32),
        ErrorCorrectionLevel::forBits(meta.ecc_level as u8),
    ) else {
        return false;
    };
    let total = version.getTotalCodewords() as usize;
    if raw.len / 8 < total {
        return false;
    }
    let Ok(blocks) = DataBlock::getDataBlocks(&raw.data[..total], version, level) else {
        return false;
    };
    let rs = ReedSolomonDecoder::new(PredefinedGenericGF::QrCodeField256.into());
    blocks.iter().all(|block| {
        let mut codewords = block.getCodewords().to_vec();
        let parity = codewords.len() - block.getNumDataCodewords() as usize;
        rs.decode(&mut codewords, parity as i32).is_ok()
    })
}

/// `grid` where rqrr wants a `Grid` (its raw reading is a method of one); the bounds are
/// not used.
fn as_rqrr_grid(grid: &dyn BitGrid) -> rqrr::Grid<Borrowed<'_>> {
    rqrr::Grid {
        grid: Borrowed(grid),
        bounds: [rqrr::Point { x: 0, y: 0 }; 4],
    }
}

/// A borrowed grid as a grid (rqrr implements `BitGrid` for no reference type).
struct Borrowed<'a>(&'a dyn BitGrid);

impl BitGrid for Borrowed<'_> {
    fn size(&self) -> usize {
        self.0.size()
    }

    fn bit(&self, y: usize, x: usize) -> bool {
        self.0.bit(y, x)
    }
}

/// The grid read across the diagonal, as rqrr's second try reads it.
struct Mirrored<'a>(&'a dyn BitGrid);

impl BitGrid for Mirrored<'_> {
    fn size(&self) -> usize {
        self.0.size()
    }

    fn bit(&self, y: usize, x: usize) -> bool {
        self.0.bit(x, y)
    }
}

/// The grid with data mask `mask` removed everywhere but the format information, which
/// rqrr reads first (and which decides the mask): cells in function patterns come out
/// flipped too, but rqrr's data reading skips those.
struct Unmasked<'a> {
    grid: &'a dyn BitGrid,
    mask: u16,
}

impl Unmasked<'_> {
    /// The two copies of the format information (ISO/IEC 18004 §7.9): row 8 and column 8
    /// beside the top-left finder, and beside the other two finders.
    fn is_format(&self, y: usize, x: usize) -> bool {
        let n = self.grid.size();
        (y == 8 && (x <= 8 || x + 8 >= n)) || (x == 8 && (y <= 8 || y + 7 >= n))
    }
}

impl BitGrid for Unmasked<'_> {
    fn size(&self) -> usize {
        self.grid.size()
    }

    fn bit(&self, y: usize, x: usize) -> bool {
        let bit = self.grid.bit(y, x);
        match self.is_format(y, x) {
            true => bit,
            false => bit ^ mask_bit(self.mask, y, x),
        }
    }
}

/// The eight data masks of ISO/IEC 18004 §7.8.2 (row `y`, column `x`): true where the mask
/// flips the module.
fn mask_bit(mask: u16, y: usize, x: usize) -> bool {
    match mask {
        0 => (y + x) % 2 == 0,
        1 => y % 2 == 0,
        2 => x % 3 == 0,
        3 => (y + x) % 3 == 0,
        4 => (y / 2 + x / 3) % 2 == 0,
        5 => (y * x) % 2 + (y * x) % 3 == 0,
        6 => ((y * x) % 2 + (y * x) % 3) % 2 == 0,
        _ => ((y + x) % 2 + (y * x) % 3) % 2 == 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A grid from the `qrcode` crate's modules (true = dark).
    struct Modules {
        n: usize,
        dark: Vec<bool>,
    }

    impl BitGrid for Modules {
        fn size(&self) -> usize {
            self.n
        }

        fn bit(&self, y: usize, x: usize) -> bool {
            self.dark[y * self.n + x]
        }
    }

    fn grid(text: &str, level: qrcode::EcLevel) -> Modules {
        let code = qrcode::QrCode::with_error_correction_level(text.as_bytes(), level).unwrap();
        let n = code.width();
        let dark = code
            .to_colors()
            .into_iter()
            .map(|c| c == qrcode::Color::Dark)
            .collect();
        Modules { n, dark }
    }

    /// Flips `count` modules spread over the data region (away from the finders).
    fn damage(g: &mut Modules, count: usize, seed: usize) {
        let n = g.n;
        let mut k = seed;
        for _ in 0..count {
            k = (k * 7919 + 104_729) % 1_000_003;
            let (y, x) = (9 + k % (n - 18), 9 + (k / n) % (n - 18));
            g.dark[y * n + x] ^= true;
        }
    }

    fn rqrr_decodes(g: &dyn BitGrid) -> bool {
        as_rqrr_grid(g).decode_to(&mut Vec::new()).is_ok()
    }

    /// Every version size, error level and mask that the encoder picks for these texts:
    /// the check passes what rqrr decodes, as drawn and mirrored, and a few flipped
    /// modules do not change that.
    #[test]
    fn passes_every_grid_rqrr_decodes() {
        let texts = [
            "1",
            "pk=p1a2b3&sn=BD7K2M9Q4X&v=2&bc=7Q4XK2M9PD",
            "HELLO WORLD 0123456789",
            &"a longer text that needs a larger version of the code, ".repeat(6),
        ];
        let levels = [
            qrcode::EcLevel::L,
            qrcode::EcLevel::M,
            qrcode::EcLevel::Q,
            qrcode::EcLevel::H,
        ];
        let mut masks = std::collections::HashSet::new();
        for text in texts {
            for level in levels {
                let mut g = grid(text, level);
                assert!(rqrr_decodes(&g), "{text:?} {level:?}");
                assert!(can_decode(&g), "{text:?} {level:?}");
                assert!(can_decode(&Mirrored(&g)), "{text:?} {level:?} mirrored");
                let (meta, _) = as_rqrr_grid(&g).get_raw_data().unwrap();
                masks.insert(meta.mask);
                damage(&mut g, 2, text.len());
                assert_eq!(can_decode(&g), rqrr_decodes(&g), "{text:?} {level:?}");
            }
        }
        assert!(masks.len() >= 4, "masks seen: {masks:?}");
    }

    /// Noise, a blank grid and a code damaged past its error correction: rqrr cannot
    /// decode them, and the check says so.
    #[test]
    fn rejects_what_cannot_decode() {
        let mut g = grid(
            "pk=p1a2b3&sn=BD7K2M9Q4X&v=2&bc=7Q4XK2M9PD",
            qrcode::EcLevel::L,
        );
        damage(&mut g, 200, 1);
        assert!(!rqrr_decodes(&g));
        assert!(!can_decode(&g));
        let n = g.n;
        let blank = Modules {
            n,
            dark: vec![false; n * n],
        };
        assert!(!can_decode(&blank));
        let mut k = 12345usize;
        let noise = Modules {
            n,
            dark: (0..n * n)
                .map(|_| {
                    k = (k * 1_103_515_245 + 12_345) % (1 << 31);
                    k >> 16 & 1 == 1
                })
                .collect(),
        };
        assert_eq!(can_decode(&noise), rqrr_decodes(&noise));
    }
}
