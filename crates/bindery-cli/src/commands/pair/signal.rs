//! What the worker at the line sees and hears for each device: the whole terminal window in
//! one colour with the verdict and the running count in large plain words, and a sound whose
//! rhythm and pitch differ per verdict, so nobody has to read English (or look up) to know
//! what happened. The sound is a WAV made here and played with `aplay` when it is installed,
//! else a pattern of terminal bells (one short for paired, two for already paired, …).
//!
//! What is shown and played is computed by pure functions (tested below); the writes to the
//! terminal and the `aplay` child are the thin part.

use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Stdio};

use super::station::Verdict;

/// How a verdict looks and sounds.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Look {
    /// ANSI 256-colour background.
    pub background: u8,
    /// ANSI 256-colour text.
    pub foreground: u8,
    /// The word shown.
    pub word: &'static str,
    /// The tones played: (frequency in Hz, milliseconds; 0 Hz is a pause).
    pub tones: &'static [(u32, u32)],
    /// Terminal bells rung when there is no `aplay`.
    pub bells: usize,
}

/// The look of each verdict. Distinct colours that stay distinct for the colour-blind
/// (green / blue / red / yellow / magenta / grey differ in brightness too), and sounds told
/// apart by count and pitch: one high beep is good news, a low long buzz is the wrong
/// product.
pub fn look(verdict: Verdict) -> Look {
    match verdict {
        Verdict::Paired => Look {
            background: 28,
            foreground: 231,
            word: "PAIRED",
            tones: &[(1760, 120)],
            bells: 1,
        },
        Verdict::AlreadyPaired => Look {
            background: 27,
            foreground: 231,
            word: "ALREADY PAIRED",
            tones: &[(1320, 90), (0, 70), (1320, 90)],
            bells: 2,
        },
        Verdict::WrongProduct => Look {
            background: 160,
            foreground: 231,
            word: "WRONG PRODUCT",
            tones: &[(220, 700)],
            bells: 3,
        },
        Verdict::Unreadable => Look {
            background: 220,
            foreground: 16,
            word: "UNREADABLE",
            tones: &[(660, 150), (440, 150), (330, 250)],
            bells: 4,
        },
        Verdict::Conflict => Look {
            background: 129,
            foreground: 231,
            word: "CONFLICT",
            tones: &[(880, 100), (220, 100), (880, 100), (220, 100)],
            bells: 5,
        },
        Verdict::Failed => Look {
            background: 240,
            foreground: 231,
            word: "NOT RECORDED",
            tones: &[(300, 200), (0, 100), (300, 200), (0, 100), (300, 200)],
            bells: 6,
        },
    }
}

/// The running count line: `paired 12 · already 3 · wrong 1 · unreadable 2 · …`.
pub fn count_line(count: impl Fn(Verdict) -> u64) -> String {
    Verdict::ALL
        .iter()
        .map(|&v| format!("{} {}", v.as_str().replace('_', " "), count(v)))
        .collect::<Vec<_>>()
        .join("  ·  ")
}

/// The escape sequences that paint the whole window (`rows` x `cols`) in the verdict's
/// colour with its word and the count line in the middle.
pub fn screen(verdict: Verdict, detail: &str, counts: &str, rows: usize, cols: usize) -> String {
    let l = look(verdict);
    let mut out = format!(
        "\x1b[48;5;{}m\x1b[38;5;{}m\x1b[2J\x1b[H",
        l.background, l.foreground
    );
    let lines = [l.word, "", detail, "", counts];
    let top = rows.saturating_sub(lines.len()) / 2;
    for (i, line) in lines.iter().enumerate() {
        let width = line.chars().count().min(cols);
        let left = cols.saturating_sub(width) / 2 + 1;
        let text: String = line.chars().take(cols).collect();
        out.push_str(&format!(
            "\x1b[{};{}H\x1b[1m{text}\x1b[22m",
            top + i + 1,
            left
        ));
    }
    out.push_str("\x1b[0m");
    out
}

/// A mono 16-bit 22.05 kHz WAV of `tones` (sine waves with 5 ms fades, so they do not click).
pub fn wav(tones: &[(u32, u32)]) -> Vec<u8> {
    const RATE: u32 = 22_050;
    let mut samples: Vec<i16> = Vec::new();
    for &(hz, ms) in tones {
        let n = (RATE * ms / 1000) as usize;
        let fade = (RATE as usize * 5 / 1000).min(n / 2).max(1);
        for i in 0..n {
            let envelope = (i.min(n - 1 - i) as f32 / fade as f32).min(1.0);
            let phase = 2.0 * std::f32::consts::PI * hz as f32 * i as f32 / RATE as f32;
            let value = if hz == 0 {
                0.0
            } else {
                phase.sin() * envelope * 0.6
            };
            samples.push((value * i16::MAX as f32) as i16);
        }
    }
    let data_len = (samples.len() * 2) as u32;
    let mut out = Vec::with_capacity(44 + data_len as usize);
    out.extend_from_slice(b"RIFF");
    out.extend_from_slice(&(36 + data_len).to_le_bytes());
    out.extend_from_slice(b"WAVEfmt ");
    out.extend_from_slice(&16u32.to_le_bytes()); // fmt chunk size
    out.extend_from_slice(&1u16.to_le_bytes()); // PCM
    out.extend_from_slice(&1u16.to_le_bytes()); // mono
    out.extend_from_slice(&RATE.to_le_bytes());
    out.extend_from_slice(&(RATE * 2).to_le_bytes()); // bytes per second
    out.extend_from_slice(&2u16.to_le_bytes()); // block align
    out.extend_from_slice(&16u16.to_le_bytes()); // bits per sample
    out.extend_from_slice(b"data");
    out.extend_from_slice(&data_len.to_le_bytes());
    for s in samples {
        out.extend_from_slice(&s.to_le_bytes());
    }
    out
}

/// How sounds are made.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Sound {
    /// `aplay` when it is installed, else terminal bells.
    Auto,
    /// Generated tones played with `aplay`.
    Aplay,
    /// Terminal bells (BEL) only.
    Bell,
    /// Silent.
    Off,
}

/// The terminal and speaker side: paints the window and plays the sounds.
pub struct Signals {
    /// Paint the window (the terminal is a TTY, or `--screen` asked for it).
    screen: bool,
    /// The WAV per verdict, written once to a private folder, when `aplay` plays them.
    wavs: Option<(tempfile::TempDir, Vec<(Verdict, PathBuf)>)>,
    bells: bool,
}

impl Signals {
    /// Signals as asked; `Auto` looks for `aplay` on the PATH.
    pub fn new(screen: bool, sound: Sound) -> Signals {
        let aplay = match sound {
            Sound::Aplay => true,
            Sound::Auto => find_on_path("aplay"),
            Sound::Bell | Sound::Off => false,
        };
        let wavs = aplay.then(write_wavs).flatten();
        Signals {
            screen,
            bells: matches!(sound, Sound::Bell) || (sound == Sound::Auto && wavs.is_none()),
            wavs,
        }
    }

    /// Shows and plays `verdict`.
    pub fn show(&self, verdict: Verdict, detail: &str, counts: &str) {
        let mut tty = std::io::stderr();
        if self.screen {
            let (rows, cols) = terminal_size();
            let _ = tty.write_all(screen(verdict, detail, counts, rows, cols).as_bytes());
        }
        if let Some((_, files)) = &self.wavs {
            if let Some((_, file)) = files.iter().find(|(v, _)| *v == verdict) {
                // Not waited for: the next frame must not wait on the speaker.
                let _ = Command::new("aplay")
                    .arg("-q")
                    .arg(file)
                    .stdin(Stdio::null())
                    .stdout(Stdio::null())
                    .stderr(Stdio::null())
                    .spawn();
            }
        } else if self.bells {
            let _ = tty.write_all("\x07".repeat(look(verdict).bells).as_bytes());
        }
        let _ = tty.flush();
    }
}

fn write_wavs() -> Option<(tempfile::TempDir, Vec<(Verdict, PathBuf)>)> {
    let dir = tempfile::tempdir().ok()?;
    let mut files = Vec::new();
    for verdict in Verdict::ALL {
        let path = dir.path().join(format!("{}.wav", verdict.as_str()));
        std::fs::write(&path, wav(look(verdict).tones)).ok()?;
        files.push((verdict, path));
    }
    Some((dir, files))
}

fn find_on_path(program: &str) -> bool {
    std::env::var_os("PATH")
        .is_some_and(|paths| std::env::split_paths(&paths).any(|dir| dir.join(program).is_file()))
}

/// The terminal's size (`LINES`/`COLUMNS` or the TIOCGWINSZ answer), else 24 x 80.
fn terminal_size() -> (usize, usize) {
    #[cfg(unix)]
    {
        // SAFETY: TIOCGWINSZ fills the winsize struct it is given; nothing else is touched.
        let mut size: libc::winsize = unsafe { std::mem::zeroed() };
        let ok = unsafe { libc::ioctl(libc::STDERR_FILENO, libc::TIOCGWINSZ, &mut size) } == 0;
        if ok && size.ws_row > 0 && size.ws_col > 0 {
            return (size.ws_row as usize, size.ws_col as usize);
        }
    }
    let env = |name: &str, default| {
        std::env::var(name)
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(default)
    };
    (env("LINES", 24), env("COLUMNS", 80))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_verdict_looks_and_sounds_different() {
        for (i, a) in Verdict::ALL.iter().enumerate() {
            for b in &Verdict::ALL[i + 1..] {
                let (la, lb) = (look(*a), look(*b));
                assert_ne!(la.background, lb.background, "{a:?} and {b:?}: colour");
                assert_ne!(la.tones, lb.tones, "{a:?} and {b:?}: sound");
                assert_ne!(la.bells, lb.bells, "{a:?} and {b:?}: bells");
                assert_ne!(la.word, lb.word, "{a:?} and {b:?}: word");
            }
        }
    }

    #[test]
    fn a_wav_is_a_valid_pcm_file_of_the_tones_length() {
        type Tones = &'static [(u32, u32)];
        let cases: &[(&str, Tones, usize)] = &[
            ("one 120 ms beep", &[(1760, 120)], 2646),
            (
                "beep, pause, beep",
                &[(1320, 90), (0, 70), (1320, 90)],
                1984 + 1543 + 1984,
            ),
            ("nothing", &[], 0),
        ];
        for (case, tones, samples) in cases {
            let bytes = wav(tones);
            assert_eq!(&bytes[0..4], b"RIFF", "{case}");
            assert_eq!(&bytes[8..16], b"WAVEfmt ", "{case}");
            assert_eq!(
                u32::from_le_bytes(bytes[24..28].try_into().unwrap()),
                22_050,
                "{case}"
            );
            assert_eq!(&bytes[36..40], b"data", "{case}");
            let data = u32::from_le_bytes(bytes[40..44].try_into().unwrap()) as usize;
            assert_eq!(data, samples * 2, "{case}");
            assert_eq!(bytes.len(), 44 + data, "{case}");
            let riff = u32::from_le_bytes(bytes[4..8].try_into().unwrap()) as usize;
            assert_eq!(riff, bytes.len() - 8, "{case}");
        }
        // A pause is silence; a tone is not.
        let pause = wav(&[(0, 10)]);
        assert!(pause[44..].iter().all(|&b| b == 0));
        let beep = wav(&[(880, 10)]);
        assert!(beep[44..].iter().any(|&b| b != 0));
    }

    #[test]
    fn the_screen_paints_the_window_and_centres_the_word() {
        let s = screen(Verdict::WrongProduct, "SN X", "paired 1", 10, 40);
        assert!(
            s.starts_with("\x1b[48;5;160m\x1b[38;5;231m\x1b[2J\x1b[H"),
            "{s:?}"
        );
        // "WRONG PRODUCT" is 13 wide: column (40 - 13) / 2 + 1 = 14, row (10 - 5) / 2 + 1 = 3.
        assert!(s.contains("\x1b[3;14H\x1b[1mWRONG PRODUCT"), "{s:?}");
        assert!(s.ends_with("\x1b[0m"));
        // A detail wider than the window is cut, not wrapped.
        let narrow = screen(Verdict::Paired, &"x".repeat(100), "", 10, 20);
        assert!(narrow.contains(&format!("\x1b[1m{}\x1b[22m", "x".repeat(20))));
    }

    #[test]
    fn the_count_line_lists_every_verdict() {
        let line = count_line(|v| if v == Verdict::Paired { 12 } else { 0 });
        assert_eq!(
            line,
            "paired 12  ·  already paired 0  ·  wrong product 0  ·  unreadable 0  ·  conflict 0  ·  failed 0"
        );
    }
}
