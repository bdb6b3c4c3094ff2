//! The adaptive request pace of Identity Center discovery: an AIMD limiter
//! (additive increase, multiplicative decrease) that starts at the ceiling
//! (`sso_rate_limit`, Identity Center's documented 20 requests a second),
//! cuts its rate on throttling and creeps back up while requests go through,
//! so it fills a portal's limit alone and shares it with other clients.
//! [`Aimd`] is pure (every decision takes the time it is made at);
//! [`Pacer`] shares one between the tasks of a discovery on tokio's clock.

use std::sync::Mutex;
use std::time::{Duration, Instant};

/// The slowest pace, in requests a second: a cut never goes below it.
pub const FLOOR: f64 = 1.0;
/// The multiplicative decrease: a throttled request cuts the rate to this share.
pub const DECREASE: f64 = 0.8;
/// The additive increase: requests that go through regain this share of the
/// ceiling each second (from a cut back to the ceiling in about 4 s).
pub const INCREASE: f64 = 0.05;

/// The pace of one discovery: when the next request may start, and how the
/// rate changes with each answer.
#[derive(Clone, Debug)]
pub struct Aimd {
    rate: f64,
    ceiling: f64,
    next: Instant,
    cut_at: Option<Instant>,
}

impl Aimd {
    /// A pace starting at `ceiling` requests a second (at least [`FLOOR`]), at `now`.
    pub fn new(ceiling: u32, now: Instant) -> Self {
        let ceiling = f64::from(ceiling).max(FLOOR);
        Self { rate: ceiling, ceiling, next: now, cut_at: None }
    }

    /// The current rate, in requests a second.
    pub fn rate(&self) -> f64 {
        self.rate
    }

    fn gap(&self) -> Duration {
        Duration::from_secs_f64(1.0 / self.rate)
    }

    /// Books the next start for a caller asking at `now`: the returned time
    /// (never before `now`), one gap at the current rate after the previous one.
    pub fn start(&mut self, now: Instant) -> Instant {
        let at = self.next.max(now);
        self.next = at + self.gap();
        at
    }

    /// A request went through: the rate grows by [`INCREASE`] of the ceiling
    /// per second of requests at this rate (so by `INCREASE * ceiling / rate`
    /// for one request), up to the ceiling.
    pub fn passed(&mut self) {
        self.rate = (self.rate + INCREASE * self.ceiling / self.rate).min(self.ceiling);
    }

    /// A request started at `sent` was throttled at `now`. When it was sent
    /// after the last cut (it speaks for the current rate; answers to requests
    /// already in flight at a cut do not cut again), the rate drops to
    /// [`DECREASE`] of itself (not below [`FLOOR`]) and the next start moves to
    /// between one and two gaps at the new rate from `now`, by `jitter` in
    /// 0..=1, so that clients throttled together do not come back together.
    /// Returns whether it cut.
    pub fn throttled(&mut self, sent: Instant, now: Instant, jitter: f64) -> bool {
        if self.cut_at.is_some_and(|cut| sent < cut) {
            return false;
        }
        self.rate = (self.rate * DECREASE).max(FLOOR);
        self.cut_at = Some(now);
        let pause = self.gap().mul_f64(1.0 + jitter.clamp(0.0, 1.0));
        self.next = self.next.max(now + pause);
        true
    }
}

/// One [`Aimd`] shared by every task of a discovery, on tokio's clock.
pub struct Pacer {
    aimd: Mutex<Aimd>,
}

impl Pacer {
    /// Starting at `ceiling` requests a second.
    pub fn new(ceiling: u32) -> Self {
        Self { aimd: Mutex::new(Aimd::new(ceiling, tokio::time::Instant::now().into_std())) }
    }

    fn with<T>(&self, f: impl FnOnce(&mut Aimd) -> T) -> T {
        // A panic while holding the lock cannot leave an Aimd half-updated in a
        // way that matters: keep pacing with it.
        let mut aimd = self.aimd.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        f(&mut aimd)
    }

    /// Waits for this caller's turn; returns when it was booked for (pass it to [`Pacer::throttled`]).
    pub async fn wait(&self) -> Instant {
        let now = tokio::time::Instant::now().into_std();
        let at = self.with(|a| a.start(now));
        tokio::time::sleep_until(at.into()).await;
        at
    }

    /// A request went through.
    pub fn passed(&self) {
        self.with(Aimd::passed);
    }

    /// The request booked for `sent` was throttled.
    pub fn throttled(&self, sent: Instant, jitter: f64) {
        let now = tokio::time::Instant::now().into_std();
        if let Some(rate) = self.with(|a| a.throttled(sent, now, jitter).then(|| a.rate())) {
            tracing::debug!(rate = format!("{rate:.1}"), "identity center discovery throttled: pace cut (requests/s)");
        }
    }
}

#[cfg(test)]
#[path = "pace_tests.rs"]
mod tests;
