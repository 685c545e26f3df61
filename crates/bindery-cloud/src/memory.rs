//! Keeping a cloud process's memory bounded when it hashes passwords: one glibc setting,
//! shared by `bindery-cloud serve` and the desktop app's sandbox, which both run argon2id.

/// Makes glibc give blocks of 8 MiB and more back to the system when they are freed. Call it
/// first thing in `main`, before other threads start.
///
/// Every sign-up and sign-in hashes its password with argon2id in a 19 MiB buffer, on one of
/// the runtime's blocking threads. glibc maps a block that big and unmaps it when it is
/// freed, but by default the first such free raises its mmap threshold above 19 MiB; from
/// then on each buffer came from the heap arena of the thread that hashed and stayed there.
/// Twenty concurrent sign-ups took a fresh server from 13 MB to 325 MB resident, twenty
/// sign-ins after them to 520 MB, and the bad-day soak's server peaked at 722 MB (the goal of
/// issue 14 is 300 MB). With the threshold fixed the same sign-ups peak at 53 MB and leave
/// 14 MB. In the desktop app the second hash was kept for the rest of the run (18 MB of its
/// 55 MB of anonymous memory while scanning). Camera frames (at most 6 MB for 1080p RGB) stay
/// below the threshold, so they are not mapped and unmapped 30 times a second.
///
/// Elsewhere than glibc on Linux this does nothing.
pub fn return_big_blocks() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        const THRESHOLD: libc::c_int = 8 << 20;
        // SAFETY: mallopt only changes a setting of the allocator; the callers call it before
        // their process starts other threads.
        if unsafe { libc::mallopt(libc::M_MMAP_THRESHOLD, THRESHOLD) } != 1 {
            tracing::warn!("glibc refused the mmap threshold: freed big blocks stay on the heap");
        }
    }
}
