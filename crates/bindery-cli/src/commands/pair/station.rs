//! The pairing station's decisions, with no I/O: what the codes seen in each frame mean for
//! the device passing the camera. The loop around it (`mod.rs`) decodes frames, records the
//! pairs it asks for and plays the signals it returns; this part is driven by frame times,
//! so a video gives the same decisions on every run and the table tests need no clock.
//!
//! Devices are told apart by **passages**: a run of frames showing a device's codes, ended
//! by `gap` without any of them. The codes of one passage belong to one device, whether they
//! were in one frame or came one after the other (a module label passing the camera before
//! the housing's label). A passage that shows one code of each kind is paired at once; one
//! that ends with only one of them is `unreadable`. Pairing across a gap was rejected: the
//! next device's module would be paired with the label of a device whose module label could
//! not be read — a wrong pair, the one mistake the station must never make. For the same
//! reason a passage that shows two different labels (or modules) before it was paired pairs
//! neither.
//!
//! Codes of a device already decided are ignored while they stay in view, and forgotten once
//! unseen for `forget`: a device held under the camera is one decision, and the same device
//! brought back later is decided again (and the cloud answers `already_paired`).

use std::collections::HashMap;
use std::time::Duration;

use bindery_core::{DeviceKey, ProductKey, Sn};

/// One code of a frame, as the station reads it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Seen {
    /// A device label (a Bindery label, or any with a product key and an SN).
    Label {
        /// The product the label says.
        product_key: ProductKey,
        /// The device's SN.
        sn: Sn,
    },
    /// A module's IMEI or MAC.
    Module(DeviceKey),
    /// Something that looks like an IMEI or MAC but is not a valid one (a failed Luhn check):
    /// a misprint or a misread.
    BadModule(String),
}

/// What the worker is told about a device: each has its own colour and sound.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Verdict {
    /// The pair was recorded now.
    Paired,
    /// This exact pair was recorded before.
    AlreadyPaired,
    /// The label is another product's (or the cloud does not know its SN).
    WrongProduct,
    /// Only one of the two codes could be read, or two devices were in view at once.
    Unreadable,
    /// The SN has another module, or the module belongs to another device.
    Conflict,
    /// The station could not record the pair (the cloud unreachable and no offline file).
    Failed,
}

impl Verdict {
    /// Every verdict, in the order the running count shows them.
    pub const ALL: [Verdict; 6] = [
        Verdict::Paired,
        Verdict::AlreadyPaired,
        Verdict::WrongProduct,
        Verdict::Unreadable,
        Verdict::Conflict,
        Verdict::Failed,
    ];

    /// Its name in output lines.
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Paired => "paired",
            Verdict::AlreadyPaired => "already_paired",
            Verdict::WrongProduct => "wrong_product",
            Verdict::Unreadable => "unreadable",
            Verdict::Conflict => "conflict",
            Verdict::Failed => "failed",
        }
    }
}

/// What the loop must do after a frame.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    /// Record this pair (cloud or offline file), then tell the station with
    /// [`Station::recorded`].
    Record {
        /// The device's SN.
        sn: Sn,
        /// Its module's DeviceKey.
        device_key: DeviceKey,
    },
    /// Tell the worker.
    Signal {
        /// Which signal.
        verdict: Verdict,
        /// The SN, when one was read.
        sn: Option<Sn>,
        /// The DeviceKey, when one was read.
        device_key: Option<DeviceKey>,
        /// Why, in words (for the log line).
        detail: String,
    },
}

/// How the station tells passages apart.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timing {
    /// A passage ends after this long without any of its codes.
    pub gap: Duration,
    /// A decided device's codes are ignored until unseen for this long.
    pub forget: Duration,
}

impl Default for Timing {
    fn default() -> Self {
        Timing {
            gap: Duration::from_millis(500),
            forget: Duration::from_secs(3),
        }
    }
}

/// A code that names a device: its SN or its module's key.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Token {
    Sn(Sn),
    Key(DeviceKey),
    Bad(String),
}

/// The codes of the device passing now.
#[derive(Debug, Default)]
struct Passage {
    last: Duration,
    label: Option<Sn>,
    module: Option<DeviceKey>,
    /// A second, different label or module was seen before the pair was made.
    ambiguous: bool,
    /// An IMEI-like text that failed its check, when no valid one was read.
    bad_module: Option<String>,
    /// Another product's label was in this passage: it was signalled, and nothing in the
    /// passage is paired.
    rejected: bool,
}

impl Passage {
    fn is_empty(&self) -> bool {
        self.label.is_none() && self.module.is_none() && self.bad_module.is_none()
    }
}

/// The pairing station for one product.
#[derive(Debug)]
pub struct Station {
    product_key: ProductKey,
    timing: Timing,
    passage: Option<Passage>,
    /// Codes of decided devices, with when each was last seen.
    decided: HashMap<Token, Duration>,
    counts: HashMap<Verdict, u64>,
}

impl Station {
    /// A station pairing devices of `product_key`.
    pub fn new(product_key: ProductKey, timing: Timing) -> Station {
        Station {
            product_key,
            timing,
            passage: None,
            decided: HashMap::new(),
            counts: HashMap::new(),
        }
    }

    /// How many devices got each verdict so far.
    pub fn count(&self, verdict: Verdict) -> u64 {
        self.counts.get(&verdict).copied().unwrap_or(0)
    }

    /// The codes of the frame taken at `at` (frames in time order; a frame without codes
    /// counts too: it is how a passage ends).
    pub fn frame(&mut self, at: Duration, seen: &[Seen]) -> Vec<Step> {
        let mut steps = Vec::new();
        self.forget_old(at);
        let fresh: Vec<&Seen> = seen
            .iter()
            .filter(|s| {
                let token = token_of(s);
                match self.decided.get_mut(&token) {
                    Some(last) => {
                        *last = at;
                        false
                    }
                    None => true,
                }
            })
            .collect();
        if let Some(p) = &self.passage {
            if at.saturating_sub(p.last) > self.timing.gap {
                self.end_passage(at, &mut steps);
            }
        }
        for s in fresh {
            match s {
                Seen::Label { product_key, sn } if *product_key != self.product_key => {
                    self.decide(at, [Token::Sn(sn.clone())]);
                    let p = self.passage.get_or_insert_with(Passage::default);
                    p.last = at;
                    p.rejected = true;
                    steps.push(self.signal(
                        Verdict::WrongProduct,
                        Some(sn.clone()),
                        None,
                        format!(
                            "the label is of product {product_key}, not {}",
                            self.product_key
                        ),
                    ));
                }
                Seen::Label { sn, .. } => {
                    // A label of this product after another product's: the next device,
                    // right behind the rejected one.
                    if self.passage.as_ref().is_some_and(|p| p.rejected) {
                        self.end_passage(at, &mut steps);
                    }
                    let p = self.passage.get_or_insert_with(Passage::default);
                    p.last = at;
                    match &p.label {
                        None => p.label = Some(sn.clone()),
                        Some(old) if old == sn => {}
                        Some(_) => p.ambiguous = true,
                    }
                }
                Seen::Module(key) => {
                    let p = self.passage.get_or_insert_with(Passage::default);
                    p.last = at;
                    match &p.module {
                        None => p.module = Some(key.clone()),
                        Some(old) if old == key => {}
                        Some(_) => p.ambiguous = true,
                    }
                }
                Seen::BadModule(text) => {
                    let p = self.passage.get_or_insert_with(Passage::default);
                    p.last = at;
                    p.bad_module.get_or_insert_with(|| text.clone());
                }
            }
        }
        let ready = self.passage.as_ref().is_some_and(|p| {
            p.label.is_some() && p.module.is_some() && !p.ambiguous && !p.rejected
        });
        if ready {
            let p = self.passage.take().expect("checked above");
            let (sn, device_key) = (p.label.expect("checked"), p.module.expect("checked"));
            self.decide(at, [Token::Sn(sn.clone()), Token::Key(device_key.clone())]);
            steps.push(Step::Record { sn, device_key });
        }
        steps
    }

    /// The end of the source: a passage still open is decided as if it had ended.
    pub fn finish(&mut self, at: Duration) -> Vec<Step> {
        let mut steps = Vec::new();
        self.end_passage(at, &mut steps);
        steps
    }

    /// What recording a pair gave: the signal for it.
    pub fn recorded(
        &mut self,
        sn: Sn,
        device_key: DeviceKey,
        verdict: Verdict,
        detail: String,
    ) -> Step {
        self.signal(verdict, Some(sn), Some(device_key), detail)
    }

    fn end_passage(&mut self, at: Duration, steps: &mut Vec<Step>) {
        let Some(p) = self.passage.take() else {
            return;
        };
        if p.is_empty() {
            return;
        }
        if p.rejected {
            // Signalled as the wrong product already; its module stays unpaired.
            let tokens = p
                .label
                .map(Token::Sn)
                .into_iter()
                .chain(p.module.map(Token::Key));
            self.decide(at, tokens);
            return;
        }
        let detail = if p.ambiguous {
            "two devices were in view at once; pass them one at a time".to_owned()
        } else if let (None, Some(bad)) = (&p.module, &p.bad_module) {
            format!("the module label says {bad:?}, which is not a valid IMEI or MAC (check digit)")
        } else if p.label.is_none() {
            "the device's label could not be read".to_owned()
        } else {
            "the module's IMEI/MAC label could not be read".to_owned()
        };
        let tokens: Vec<Token> = p
            .label
            .iter()
            .map(|s| Token::Sn(s.clone()))
            .chain(p.module.iter().map(|k| Token::Key(k.clone())))
            .chain(p.bad_module.iter().map(|b| Token::Bad(b.clone())))
            .collect();
        self.decide(at, tokens);
        steps.push(self.signal(Verdict::Unreadable, p.label, p.module, detail));
    }

    fn decide(&mut self, at: Duration, tokens: impl IntoIterator<Item = Token>) {
        for t in tokens {
            self.decided.insert(t, at);
        }
    }

    fn forget_old(&mut self, at: Duration) {
        let forget = self.timing.forget;
        self.decided
            .retain(|_, last| at.saturating_sub(*last) <= forget);
    }

    fn signal(
        &mut self,
        verdict: Verdict,
        sn: Option<Sn>,
        device_key: Option<DeviceKey>,
        detail: String,
    ) -> Step {
        *self.counts.entry(verdict).or_default() += 1;
        Step::Signal {
            verdict,
            sn,
            device_key,
            detail,
        }
    }
}

fn token_of(seen: &Seen) -> Token {
    match seen {
        Seen::Label { sn, .. } => Token::Sn(sn.clone()),
        Seen::Module(key) => Token::Key(key.clone()),
        Seen::BadModule(text) => Token::Bad(text.clone()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const IMEI_A: &str = "490154203237518";
    const IMEI_B: &str = "356938035643809";

    fn label(pk: &str, sn: &str) -> Seen {
        Seen::Label {
            product_key: ProductKey::parse(pk).unwrap(),
            sn: Sn::parse(sn).unwrap(),
        }
    }

    fn module(key: &str) -> Seen {
        Seen::Module(DeviceKey::parse(key).unwrap())
    }

    /// What a run gives, in short: `record SN KEY` or `VERDICT SN? KEY?`.
    fn run(frames: &[(u64, Vec<Seen>)]) -> Vec<String> {
        let mut station = Station::new(ProductKey::parse("plug01").unwrap(), Timing::default());
        let mut out = Vec::new();
        let mut last = 0;
        let show = |steps: Vec<Step>, out: &mut Vec<String>| {
            for step in steps {
                out.push(match step {
                    Step::Record { sn, device_key } => {
                        format!("record {sn} {}", device_key.as_str())
                    }
                    Step::Signal {
                        verdict,
                        sn,
                        device_key,
                        ..
                    } => format!(
                        "{} {} {}",
                        verdict.as_str(),
                        sn.map(|s| s.to_string()).unwrap_or("-".into()),
                        device_key
                            .map(|k| k.as_str().to_owned())
                            .unwrap_or("-".into())
                    ),
                });
            }
        };
        for (ms, seen) in frames {
            last = *ms;
            show(station.frame(Duration::from_millis(*ms), seen), &mut out);
        }
        show(station.finish(Duration::from_millis(last + 100)), &mut out);
        out
    }

    #[test]
    fn decisions() {
        let a = || label("plug01", "SNAAAAAAAA");
        let b = || label("plug01", "SNBBBBBBBB");
        let other = || label("lamp01", "SNCCCCCCCC");
        #[allow(clippy::type_complexity)]
        let cases: Vec<(&str, Vec<(u64, Vec<Seen>)>, Vec<&str>)> = vec![
            (
                "both codes in one frame: one record, however long the device stays",
                vec![
                    (0, vec![a(), module(IMEI_A)]),
                    (100, vec![a(), module(IMEI_A)]),
                    (200, vec![module(IMEI_A), a()]),
                    (2500, vec![a()]),
                ],
                vec!["record SNAAAAAAAA 490154203237518"],
            ),
            (
                "module first, label after, in one passage",
                vec![
                    (0, vec![module(IMEI_A)]),
                    (300, vec![module(IMEI_A)]),
                    (500, vec![]),
                    (700, vec![a()]),
                ],
                vec!["record SNAAAAAAAA 490154203237518"],
            ),
            (
                "label first, module after",
                vec![(0, vec![a()]), (400, vec![module(IMEI_A)])],
                vec!["record SNAAAAAAAA 490154203237518"],
            ),
            (
                "a module label that never reads: unreadable, and never paired with the next device's module",
                vec![
                    (0, vec![a()]),
                    (400, vec![a()]),
                    (1000, vec![]),
                    (1300, vec![]),
                    (1400, vec![module(IMEI_B)]),
                    (1500, vec![b(), module(IMEI_B)]),
                ],
                vec!["unreadable SNAAAAAAAA -", "record SNBBBBBBBB 356938035643809"],
            ),
            (
                "a label that never reads",
                vec![(0, vec![module(IMEI_A)]), (2000, vec![])],
                vec!["unreadable - 490154203237518"],
            ),
            (
                "another product's label: wrong product, its module paired with nothing",
                vec![
                    (0, vec![other(), module(IMEI_A)]),
                    (100, vec![other(), module(IMEI_A)]),
                    (1500, vec![]),
                ],
                vec!["wrong_product SNCCCCCCCC -"],
            ),
            (
                "the wrong product, then a good device right behind it",
                vec![
                    (0, vec![other(), module(IMEI_B)]),
                    (100, vec![other()]),
                    (200, vec![a(), module(IMEI_A)]),
                ],
                vec!["wrong_product SNCCCCCCCC -", "record SNAAAAAAAA 490154203237518"],
            ),
            (
                "two devices in view before either paired: neither is",
                vec![(0, vec![a(), b()]), (100, vec![module(IMEI_A)]), (1500, vec![])],
                vec!["unreadable SNAAAAAAAA 490154203237518"],
            ),
            (
                "the next device right behind, without a gap",
                vec![
                    (0, vec![a(), module(IMEI_A)]),
                    (100, vec![a(), module(IMEI_A), b()]),
                    (200, vec![b(), module(IMEI_B)]),
                ],
                vec!["record SNAAAAAAAA 490154203237518", "record SNBBBBBBBB 356938035643809"],
            ),
            (
                "the same device again after it was gone: decided again",
                vec![
                    (0, vec![a(), module(IMEI_A)]),
                    (5000, vec![]),
                    (9000, vec![a(), module(IMEI_A)]),
                ],
                vec!["record SNAAAAAAAA 490154203237518", "record SNAAAAAAAA 490154203237518"],
            ),
            (
                "an IMEI failing its check digit",
                vec![(0, vec![Seen::BadModule("490154203237519".into()), a()]), (100, vec![Seen::BadModule("490154203237519".into())])],
                vec!["unreadable SNAAAAAAAA -"],
            ),
        ];
        for (case, frames, want) in cases {
            assert_eq!(run(&frames), want, "{case}");
        }
    }

    #[test]
    fn counts_follow_the_signals() {
        let mut station = Station::new(ProductKey::parse("plug01").unwrap(), Timing::default());
        let steps = station.frame(Duration::ZERO, &[label("lamp01", "SNCCCCCCCC")]);
        assert_eq!(steps.len(), 1);
        let step = station.recorded(
            Sn::parse("SNAAAAAAAA").unwrap(),
            DeviceKey::parse(IMEI_A).unwrap(),
            Verdict::Paired,
            String::new(),
        );
        assert!(matches!(
            step,
            Step::Signal {
                verdict: Verdict::Paired,
                ..
            }
        ));
        assert_eq!(station.count(Verdict::WrongProduct), 1);
        assert_eq!(station.count(Verdict::Paired), 1);
        assert_eq!(station.count(Verdict::Unreadable), 0);
    }
}
