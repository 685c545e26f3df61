//! Where a live frame's costlier passes look. The cheap first pass reports the finder
//! patterns it could not turn into a code; a code is near them, not anywhere in the frame.
//! So under a work budget the located passes get the window around one group of them
//! instead of the whole frame: a label a third of a 720p frame high is a sixth of its
//! pixels, and rqrr's flood fill costs about five times rxing's row scan a pixel, so the
//! window is what keeps those passes inside a frame's budget. Frames with several groups
//! (a sheet of labels, clutter) get one group a frame, in turn.

use super::engines::Stray;

/// How far a code can reach from one of its finder patterns, in pattern widths (7 modules
/// each): the far corner of a version-10 code (57 modules) is 7.6 widths from a finder
/// centre; Bindery labels (versions 2–4) reach 4.2.
const REACH: f32 = 8.0;
/// Patterns closer than this (in pattern widths) can belong to one code.
const LINK: f32 = 9.0;
/// A window covering more than this share of the frame is not worth cutting out.
const WHOLE: f32 = 0.6;
/// Patterns grouped at most: frames of noise or text can show hundreds of candidates, and
/// the grouping is quadratic.
const MAX_PATTERNS: usize = 64;

/// A window of the frame, in frame pixels.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Window {
    pub x0: f32,
    pub y0: f32,
    pub x1: f32,
    pub y1: f32,
}

impl Window {
    /// This window in the pixels of an image `scale` frame pixels a pixel, clamped to
    /// its `width` x `height`: origin and size.
    pub fn at_scale(
        &self,
        scale: f32,
        width: usize,
        height: usize,
    ) -> (usize, usize, usize, usize) {
        let x0 = ((self.x0 / scale).floor().max(0.0) as usize).min(width);
        let y0 = ((self.y0 / scale).floor().max(0.0) as usize).min(height);
        let x1 = ((self.x1 / scale).ceil().max(0.0) as usize).clamp(x0, width);
        let y1 = ((self.y1 / scale).ceil().max(0.0) as usize).clamp(y0, height);
        (x0, y0, x1 - x0, y1 - y0)
    }
}

/// The window of group `turn` (modulo the number of groups) of `patterns` (frame pixels) in
/// a `width` x `height` frame, groups with more patterns first; `None` when the window
/// would be most of the frame anyway (or there is no pattern).
pub(crate) fn window(patterns: &[Stray], turn: u64, width: usize, height: usize) -> Option<Window> {
    let patterns = &patterns[..patterns.len().min(MAX_PATTERNS)];
    if patterns.is_empty() {
        return None;
    }
    // Single-linkage groups: a union-find over the pairs close enough to share a code.
    let mut parent: Vec<usize> = (0..patterns.len()).collect();
    fn root(parent: &mut [usize], mut i: usize) -> usize {
        while parent[i] != i {
            parent[i] = parent[parent[i]];
            i = parent[i];
        }
        i
    }
    for i in 0..patterns.len() {
        for j in i + 1..patterns.len() {
            let (a, b) = (patterns[i], patterns[j]);
            let link = LINK * a.size.max(b.size);
            if (a.x - b.x).powi(2) + (a.y - b.y).powi(2) <= link * link {
                let (ra, rb) = (root(&mut parent, i), root(&mut parent, j));
                parent[ra] = rb;
            }
        }
    }
    let mut groups: Vec<(usize, Window)> = Vec::new();
    let mut group_of: Vec<Option<usize>> = vec![None; patterns.len()];
    for (i, &p) in patterns.iter().enumerate() {
        let r = root(&mut parent, i);
        let reach = REACH * p.size.max(1.0);
        let w = Window {
            x0: p.x - reach,
            y0: p.y - reach,
            x1: p.x + reach,
            y1: p.y + reach,
        };
        match group_of[r] {
            Some(g) => {
                let (n, old) = &mut groups[g];
                *n += 1;
                *old = Window {
                    x0: old.x0.min(w.x0),
                    y0: old.y0.min(w.y0),
                    x1: old.x1.max(w.x1),
                    y1: old.y1.max(w.y1),
                };
            }
            None => {
                group_of[r] = Some(groups.len());
                groups.push((1, w));
            }
        }
    }
    // Most patterns first (a code shows three); stable, so the order is the same for the
    // same frame and the turn walks through every group.
    groups.sort_by_key(|g| std::cmp::Reverse(g.0));
    let (_, w) = groups[(turn % groups.len() as u64) as usize];
    let w = Window {
        x0: w.x0.max(0.0),
        y0: w.y0.max(0.0),
        x1: w.x1.min(width as f32),
        y1: w.y1.min(height as f32),
    };
    let area = (w.x1 - w.x0).max(0.0) * (w.y1 - w.y0).max(0.0);
    (area < WHOLE * (width * height) as f32).then_some(w)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stray(x: f32, y: f32) -> Stray {
        Stray { x, y, size: 20.0 }
    }

    /// Three patterns of one code give one window around them; a lone pattern far away
    /// is its own group, second in turn; a window that would cover most of the frame is
    /// no window.
    #[test]
    fn windows_group_patterns_and_take_turns() {
        let code = [
            stray(400.0, 300.0),
            stray(560.0, 300.0),
            stray(400.0, 460.0),
        ];
        let mut all = code.to_vec();
        all.push(stray(1200.0, 650.0));
        let first = window(&all, 0, 1280, 720).expect("a window");
        assert_eq!(
            (first.x0, first.y0, first.x1, first.y1),
            (240.0, 140.0, 720.0, 620.0)
        );
        let second = window(&all, 1, 1280, 720).expect("a window");
        assert_eq!((second.x0, second.y0), (1040.0, 490.0));
        assert_eq!(window(&all, 2, 1280, 720), Some(first));
        let big = code.map(|p| Stray { size: 40.0, ..p });
        assert_eq!(window(&big, 0, 800, 600), None);
        assert_eq!(window(&[], 0, 1280, 720), None);
    }
}
