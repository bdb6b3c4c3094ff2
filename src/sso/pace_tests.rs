//! The AIMD pace's decisions on an injected clock: the start, spacing,
//! additive increase up to the ceiling, multiplicative decrease on throttling
//! down to the floor, one cut per round of requests, and the jittered pause.

use super::*;

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() < 1e-9
}

#[test]
fn it_starts_at_the_ceiling_and_spaces_starts_one_gap_apart() {
    let t0 = Instant::now();
    let mut p = Aimd::new(20, t0);
    assert!(close(p.rate(), 20.0));
    // Four callers at once: 50 ms apart from now.
    let starts: Vec<Duration> = (0..4).map(|_| p.start(t0) - t0).collect();
    assert_eq!(starts, [ms(0), ms(50), ms(100), ms(150)]);
    // A caller after an idle spell starts at once: idle time is not saved up as a burst.
    assert_eq!(p.start(t0 + ms(1000)) - t0, ms(1000));
    assert_eq!(p.start(t0 + ms(1000)) - t0, ms(1050));
}

#[test]
fn a_ceiling_below_the_floor_is_the_floor() {
    let p = Aimd::new(0, Instant::now());
    assert!(close(p.rate(), FLOOR));
}

#[test]
fn throttling_cuts_multiplicatively_down_to_the_floor() {
    // (ceiling, cuts in a row, rate after them)
    let table: &[(u32, u32, f64)] =
        &[(20, 1, 16.0), (20, 2, 12.8), (20, 3, 10.24), (10, 1, 8.0), (20, 40, FLOOR), (1, 1, FLOOR)];
    for &(ceiling, cuts, want) in table {
        let t0 = Instant::now();
        let mut p = Aimd::new(ceiling, t0);
        let mut now = t0;
        for _ in 0..cuts {
            now += ms(10);
            // Sent after the previous cut: each cuts.
            assert!(p.throttled(now, now, 0.5), "ceiling {ceiling}");
        }
        assert!(close(p.rate(), want), "ceiling {ceiling}, {cuts} cuts: {} != {want}", p.rate());
    }
}

#[test]
fn answers_to_requests_sent_before_a_cut_do_not_cut_again() {
    let t0 = Instant::now();
    let mut p = Aimd::new(20, t0);
    let sent: Vec<Instant> = (0..8).map(|_| p.start(t0)).collect();
    // Eight requests in flight are all throttled: one cut, not eight.
    let at = t0 + ms(400);
    let cuts = sent.iter().filter(|&&s| p.throttled(s, at, 0.0)).count();
    assert_eq!(cuts, 1);
    assert!(close(p.rate(), 16.0));
    // A request sent after that cut and throttled cuts again.
    let later = p.start(at + ms(10));
    assert!(p.throttled(later, later + ms(5), 0.0));
    assert!(close(p.rate(), 12.8));
}

#[test]
fn passing_requests_regain_a_twentieth_of_the_ceiling_a_second_up_to_it() {
    let t0 = Instant::now();
    let mut p = Aimd::new(20, t0);
    assert!(p.throttled(t0, t0, 0.0));
    assert!(close(p.rate(), 16.0));
    // One request at 16/s adds 0.05 * 20 / 16 = 0.0625.
    p.passed();
    assert!(close(p.rate(), 16.0625), "{}", p.rate());
    // A second's worth of requests (about rate many) adds about 1 request/s.
    let before = p.rate();
    let n = before.round() as usize;
    (0..n).for_each(|_| p.passed());
    assert!((p.rate() - before - 1.0).abs() < 0.1, "{before} -> {}", p.rate());
    // Never above the ceiling.
    (0..10_000).for_each(|_| p.passed());
    assert!(close(p.rate(), 20.0));
}

#[test]
fn the_pause_after_a_cut_is_one_to_two_new_gaps_by_jitter() {
    // (jitter, next start after a cut at t0 + 100 ms from a rate of 20/s -> 16/s: gap 62.5 ms)
    let table: &[(f64, f64)] = &[(0.0, 162.5), (0.5, 193.75), (1.0, 225.0), (-3.0, 162.5), (7.0, 225.0)];
    for &(jitter, want_ms) in table {
        let t0 = Instant::now();
        let mut p = Aimd::new(20, t0);
        let sent = p.start(t0);
        assert!(p.throttled(sent, t0 + ms(100), jitter));
        let next = p.start(t0) - t0;
        assert!((next.as_secs_f64() * 1000.0 - want_ms).abs() < 1e-6, "jitter {jitter}: {next:?}, want {want_ms} ms");
    }
}

#[test]
fn a_cut_never_brings_a_booked_start_forward() {
    let t0 = Instant::now();
    let mut p = Aimd::new(20, t0);
    // 40 starts booked: the next free one is 2 s out.
    let sent: Vec<Instant> = (0..40).map(|_| p.start(t0)).collect();
    assert!(p.throttled(sent[0], t0 + ms(10), 0.0));
    assert_eq!(p.start(t0) - t0, ms(2000));
}

#[test]
fn two_paces_sharing_a_limit_converge_towards_equal_shares() {
    // Chiu and Jain: two AIMD flows from unequal rates that are cut together
    // whenever their sum exceeds the capacity end near equal shares.
    let t0 = Instant::now();
    let (mut a, mut b) = (Aimd::new(20, t0), Aimd::new(20, t0));
    for _ in 0..6 {
        a.throttled(t0 + ms(1), t0 + ms(1), 0.0);
    }
    let mut now = t0 + ms(2);
    for _ in 0..400 {
        now += ms(100);
        if a.rate() + b.rate() > 20.0 {
            assert!(a.throttled(now, now, 0.0) && b.throttled(now, now, 0.0));
        } else {
            // A tenth of a second of requests at each one's rate.
            (0..(a.rate() / 10.0).ceil() as usize).for_each(|_| a.passed());
            (0..(b.rate() / 10.0).ceil() as usize).for_each(|_| b.passed());
        }
    }
    assert!((a.rate() - b.rate()).abs() < 2.0, "{} vs {}", a.rate(), b.rate());
}
