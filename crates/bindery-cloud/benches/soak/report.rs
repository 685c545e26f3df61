//! The figures of one backend's run, against the goals of issue 14, and the table printed.
//!
//! Must hold (the run fails otherwise): no acknowledged write lost, no 5xx outside the kill
//! window, no server process dying by itself, every acknowledged device on its owner's Home,
//! and a flood that met the sign-up limit. Goals (reported as met or missed): bind p99 while
//! the import runs ≤ 1 s on SQLite and ≤ 50 ms on PostgreSQL, peak RSS ≤ 300 MB.

use std::collections::BTreeMap;
use std::time::Duration;

use crate::cloud::{End, Incarnation};
use crate::tally::{Kind, Problem, Record};
use crate::traffic::{KillWindow, Outcome};
use crate::verify::Checked;
use crate::{Args, Backend};

/// Peak resident memory goal, MiB.
const RSS_GOAL_MIB: f64 = 300.0;
/// Sign-ups one address may make per 10 minutes (the server's default, which the soak keeps).
const SIGNUP_LIMIT: usize = 30;

/// One request kind's line of the table.
#[derive(Debug, Default, Clone)]
struct Line {
    sent: usize,
    expected: usize,
    limited: usize,
    other_4xx: usize,
    server_errors_in_kill: usize,
    server_errors: usize,
    unanswered_in_kill: usize,
    unanswered: usize,
    latencies: Vec<Duration>,
}

/// Everything the report says about one backend.
pub struct Figures {
    backend: Backend,
    summary: String,
    lines: Vec<(Kind, Line)>,
    unexpected: BTreeMap<(Kind, u16), usize>,
    problems_outside: Vec<Problem>,
    unanswered_outside: Vec<Problem>,
    checked: Checked,
    acks: String,
    acked: usize,
    bind_in_import: Option<(usize, Duration, Duration, Duration)>,
    bind_elsewhere: (usize, Duration, Duration),
    incarnations: Vec<Incarnation>,
    kills: Vec<KillWindow>,
    flood: (usize, usize),
    notes: crate::tally::Notes,
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let rank = ((sorted.len() as f64 * p).ceil() as usize).clamp(1, sorted.len());
    sorted[rank - 1]
}

fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1e3)
}

fn in_kill(kills: &[KillWindow], record: &Record) -> bool {
    kills.iter().any(|k| k.covers(record))
}

impl Figures {
    /// Sums the run up.
    pub fn new(args: &Args, backend: Backend, outcome: &Outcome, checked: &Checked) -> Figures {
        let kills = &outcome.kills;
        let mut lines: BTreeMap<Kind, Line> = BTreeMap::new();
        let mut unexpected = BTreeMap::new();
        for record in &outcome.records {
            let line = lines.entry(record.kind).or_default();
            line.sent += 1;
            let during_kill = in_kill(kills, record);
            match record.status {
                None if during_kill => line.unanswered_in_kill += 1,
                None => line.unanswered += 1,
                Some(s) if s >= 500 && during_kill => line.server_errors_in_kill += 1,
                Some(s) if s >= 500 => line.server_errors += 1,
                Some(s) => {
                    line.latencies.push(record.took);
                    if s == 429 {
                        line.limited += 1;
                    }
                    if record.kind.expected(s) {
                        line.expected += 1;
                    } else {
                        *unexpected.entry((record.kind, s)).or_insert(0) += 1;
                        if s != 429 {
                            line.other_4xx += 1;
                        }
                    }
                }
            }
        }
        for line in lines.values_mut() {
            line.latencies.sort();
        }
        let outside = |p: &&Problem| !in_kill(kills, &p.record);
        let problems_outside: Vec<Problem> = outcome
            .problems
            .iter()
            .filter(outside)
            .filter(|p| p.record.status.is_some())
            .cloned()
            .collect();
        let unanswered_outside: Vec<Problem> = outcome
            .problems
            .iter()
            .filter(outside)
            .filter(|p| p.record.status.is_none())
            .cloned()
            .collect();

        // Binds answered (any status) that were sent while the acknowledged import ran,
        // against those sent outside both the import and the kill window.
        let answered_binds = || {
            outcome
                .records
                .iter()
                .filter(|r| r.kind == Kind::Bind && r.status.is_some_and(|s| s < 500))
        };
        let bind_in_import = outcome.acks.bulk.map(|import| {
            let mut during: Vec<Duration> = answered_binds()
                .filter(|r| r.at >= import.at && r.at < import.end)
                .map(|r| r.took)
                .collect();
            during.sort();
            (
                during.len(),
                percentile(&during, 0.5),
                percentile(&during, 0.99),
                import.end - import.at,
            )
        });
        let mut elsewhere: Vec<Duration> = answered_binds()
            .filter(|r| {
                !in_kill(kills, r)
                    && outcome
                        .acks
                        .bulk
                        .is_none_or(|i| r.end() < i.at || r.at >= i.end)
            })
            .map(|r| r.took)
            .collect();
        elsewhere.sort();

        let flood_answers = |status: u16| {
            outcome
                .records
                .iter()
                .filter(|r| r.kind == Kind::FloodSignUp && r.status == Some(status))
                .count()
        };
        let flood = (flood_answers(201), flood_answers(429));
        let acks = &outcome.acks;
        let summary = format!(
            "{} s of traffic after {:.0} s of setup ({} labels prepared); {} app users on {} \
             addresses, a bind each per {} ms; a sign-up flood of {}/s from {}; load average \
             {:.1} at the start, {:.1} at most (2 shared cores)",
            outcome.ran.as_secs(),
            outcome.setup_took.as_secs_f64(),
            outcome.labels_prepared,
            args.users,
            args.addresses,
            args.bind_every_ms,
            args.flood_per_second,
            crate::FLOOD_ADDRESS,
            outcome.load.0,
            outcome.load.1,
        );
        Figures {
            backend,
            summary,
            lines: Kind::ALL
                .iter()
                .filter_map(|k| lines.get(k).map(|l| (*k, l.clone())))
                .collect(),
            unexpected,
            problems_outside,
            unanswered_outside,
            checked: checked.clone(),
            acks: format!(
                "{} binds, {} accounts, {} batches, {} activation imports ({} SNs), big import {}",
                acks.binds.len(),
                acks.sign_ups.len(),
                acks.batches.len(),
                acks.activations,
                acks.activated.len(),
                acks.bulk.map_or("NOT acknowledged".to_owned(), |b| format!(
                    "{} rows",
                    b.rows
                )),
            ),
            acked: acks.count(),
            bind_in_import,
            bind_elsewhere: (
                elsewhere.len(),
                percentile(&elsewhere, 0.5),
                percentile(&elsewhere, 0.99),
            ),
            incarnations: outcome.incarnations.clone(),
            kills: kills.clone(),
            flood,
            notes: outcome.notes.clone(),
        }
    }

    /// 5xx answers outside the kill window.
    fn server_errors_outside(&self) -> usize {
        self.lines.iter().map(|(_, l)| l.server_errors).sum()
    }

    fn died(&self) -> usize {
        self.incarnations
            .iter()
            .filter(|i| matches!(i.end, Some(End::Died(_))))
            .count()
    }

    fn flood_held(&self) -> bool {
        self.flood.0 <= SIGNUP_LIMIT && self.flood.1 > 0
    }

    /// Whether everything that must hold held.
    pub fn must_hold(&self) -> bool {
        self.checked.lost() == 0
            && self.server_errors_outside() == 0
            && self.died() == 0
            && self.checked.api_missing == 0
            && self.checked.api_unread == 0
            && self.notes.lists_missing_binds == 0
            && self.flood_held()
    }

    /// Prints the table and the figures against the goals.
    pub fn print(&self) {
        let verdict = |ok: bool| if ok { "met" } else { "NOT MET" };
        println!();
        println!("== bad-day soak on {} ==", self.backend.name());
        println!("{}", self.summary);
        println!();
        println!(
            "| request | sent | expected answer | 429 | other 4xx | 5xx (kill window) | 5xx (outside) | no answer (kill window) | no answer (outside) | p50 | p99 |"
        );
        println!("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        for (kind, l) in &self.lines {
            println!(
                "| {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} |",
                kind.name(),
                l.sent,
                l.expected,
                l.limited,
                l.other_4xx,
                l.server_errors_in_kill,
                l.server_errors,
                l.unanswered_in_kill,
                l.unanswered,
                ms(percentile(&l.latencies, 0.5)),
                ms(percentile(&l.latencies, 0.99)),
            );
        }
        println!(
            "(429 counts every such answer, expected or not; other 4xx are the unexpected rest; p50/p99 over answered attempts)"
        );
        println!();
        for kill in &self.kills {
            println!(
                "kill window: SIGKILL at {:.1} s, the new process answered at {:.1} s ({} down)",
                kill.killed.as_secs_f64(),
                kill.answering.as_secs_f64(),
                ms(kill.answering - kill.killed),
            );
        }
        let lost = self.checked.lost();
        println!(
            "acknowledged writes lost: {lost} of {} ({}) — must be 0: {}",
            self.acked,
            self.acks,
            verdict(lost == 0)
        );
        let c = &self.checked;
        if lost > 0 {
            println!(
                "  lost: {} binds, {} accounts, {} batches, {} activated SNs, {} imported rows",
                c.binds_lost, c.sign_ups_lost, c.batches_lost, c.activations_lost, c.bulk_rows_lost
            );
        }
        println!(
            "through the API at the end: {} of {} users' Homes read, {} acknowledged devices missing; during the run {} missing from a Home — must be 0: {}",
            c.api_users - c.api_unread,
            c.api_users,
            c.api_missing,
            self.notes.lists_missing_binds,
            verdict(c.api_missing == 0 && c.api_unread == 0 && self.notes.lists_missing_binds == 0)
        );
        let outside = self.server_errors_outside();
        println!(
            "5xx outside the kill window: {outside} — must be 0: {}",
            verdict(outside == 0)
        );
        for p in self.problems_outside.iter().take(20) {
            println!(
                "  {} {} at {:.1} s: {}",
                p.record.status.unwrap_or(0),
                p.path,
                p.record.at.as_secs_f64(),
                p.detail.replace('\n', " ")
            );
        }
        let unanswered: usize = self.lines.iter().map(|(_, l)| l.unanswered).sum();
        println!("requests without an answer outside the kill window: {unanswered}");
        for p in self.unanswered_outside.iter().take(10) {
            println!(
                "  {} at {:.1} s after {}: {}",
                p.path,
                p.record.at.as_secs_f64(),
                ms(p.record.took),
                p.detail
            );
        }
        let goal = match self.backend {
            Backend::Sqlite => Duration::from_secs(1),
            Backend::Postgres => Duration::from_millis(50),
        };
        match self.bind_in_import {
            Some((n, p50, p99, took)) => println!(
                "bind during the import ({:.1} s, {n} binds answered): p50 {}, p99 {} — goal p99 ≤ {}: {}",
                took.as_secs_f64(),
                ms(p50),
                ms(p99),
                ms(goal),
                verdict(n > 0 && p99 <= goal)
            ),
            None => println!("bind during the import: the import was NOT acknowledged"),
        }
        println!(
            "bind outside the import and the kill window ({} answered): p50 {}, p99 {}",
            self.bind_elsewhere.0,
            ms(self.bind_elsewhere.1),
            ms(self.bind_elsewhere.2)
        );
        let mut peak = 0.0f64;
        for (n, i) in self.incarnations.iter().enumerate() {
            let mib = i.peak_rss_kib.map(|k| k as f64 / 1024.0);
            peak = peak.max(mib.unwrap_or(0.0));
            // The server logs every internal error and every 503 it answers.
            let log = std::fs::read_to_string(&i.log).unwrap_or_default();
            let count = |level: &str| log.lines().filter(|l| l.contains(level)).count();
            println!(
                "server process {} (pid {}): peak RSS (VmHWM) {}, {} ERROR and {} WARN log lines, ended: {}",
                n + 1,
                i.pid,
                mib.map_or("unread".into(), |m| format!("{m:.1} MiB")),
                count(" ERROR "),
                count(" WARN "),
                match &i.end {
                    Some(End::Killed) => "SIGKILL (on purpose)".to_owned(),
                    Some(End::Died(status)) => format!("DIED BY ITSELF ({status})"),
                    Some(End::Stopped) => "stopped after the run".to_owned(),
                    None => "running".to_owned(),
                }
            );
        }
        println!(
            "peak RSS: {peak:.1} MiB — goal ≤ {RSS_GOAL_MIB:.0} MB: {}",
            verdict(peak > 0.0 && peak <= RSS_GOAL_MIB)
        );
        println!(
            "sign-up flood: {} accounts made, {} refused with 429 (limit {SIGNUP_LIMIT} per address per 10 min) — must meet the limit: {}",
            self.flood.0,
            self.flood.1,
            verdict(self.flood_held())
        );
        if !self.unexpected.is_empty() {
            println!("answers other than expected (not 5xx):");
            for ((kind, status), n) in &self.unexpected {
                println!("  {} → {status}: {n}", kind.name());
            }
        }
        let n = &self.notes;
        println!(
            "notes: {} binds skipped (labels ran out), {} flood ticks skipped (64 waiting), {} archives unreadable, {} unreadable bodies, {} big-import rows in the database",
            n.labels_ran_out, n.flood_skipped, n.archives_unreadable, n.unreadable_bodies, self.checked.bulk_rows_found
        );
        println!(
            "verdict on {}: {}",
            self.backend.name(),
            if self.must_hold() {
                "everything that must hold held"
            } else {
                "FAILED"
            }
        );
    }
}
