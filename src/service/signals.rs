//! The signals that ask rolecall to stop (SIGINT, SIGTERM, SIGHUP), caught
//! while it has commands running so it can stop each one's process group
//! before it exits; it then exits 128 + the signal's number (rule 12).

/// A signal that asks rolecall to stop.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Signal {
    /// SIGINT: Ctrl-C, or `kill -INT`.
    Interrupt,
    /// SIGTERM: `kill`, a CI job's time-out, a service manager.
    Terminate,
    /// SIGHUP: the terminal went away (its window was closed).
    HangUp,
}

impl Signal {
    /// The signal's number (the same on every Unix).
    pub fn number(self) -> u8 {
        match self {
            Self::HangUp => 1,
            Self::Interrupt => 2,
            Self::Terminate => 15,
        }
    }

    /// The exit code a shell gives a process this signal ended: 128 + its number.
    pub fn exit_code(self) -> u8 {
        128 + self.number()
    }
}

/// SIGINT, SIGTERM and SIGHUP, caught from [`Signals::catch`] on: from then
/// on they no longer end the process; [`Signals::recv`] says which came.
pub struct Signals {
    #[cfg(unix)]
    streams: [(Signal, Option<tokio::signal::unix::Signal>); 3],
}

impl Signals {
    /// Starts catching the three signals (one that cannot be caught keeps its
    /// default action). Needs a Tokio runtime with signals enabled.
    pub fn catch() -> Self {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{SignalKind, signal};
            let on = |kind: SignalKind| signal(kind).ok();
            Self {
                streams: [
                    (Signal::Interrupt, on(SignalKind::interrupt())),
                    (Signal::Terminate, on(SignalKind::terminate())),
                    (Signal::HangUp, on(SignalKind::hangup())),
                ],
            }
        }
        #[cfg(not(unix))]
        {
            Self {}
        }
    }

    /// Waits for the next of the signals and says which it was.
    pub async fn recv(&mut self) -> Signal {
        #[cfg(unix)]
        {
            let [(a, sa), (b, sb), (c, sc)] = &mut self.streams;
            tokio::select! {
                Some(()) = next(sa) => *a,
                Some(()) = next(sb) => *b,
                Some(()) = next(sc) => *c,
                else => std::future::pending().await,
            }
        }
        #[cfg(not(unix))]
        {
            match tokio::signal::ctrl_c().await {
                Ok(()) => Signal::Interrupt,
                Err(_) => std::future::pending().await,
            }
        }
    }
}

/// The next delivery of `stream`; never, when it could not be caught.
#[cfg(unix)]
async fn next(stream: &mut Option<tokio::signal::unix::Signal>) -> Option<()> {
    match stream {
        Some(s) => s.recv().await,
        None => std::future::pending().await,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exit_codes_are_the_shells() {
        let got: Vec<u8> = [Signal::Interrupt, Signal::Terminate, Signal::HangUp].map(Signal::exit_code).into();
        assert_eq!(got, [130, 143, 129]);
    }

    #[cfg(unix)]
    #[tokio::test]
    async fn each_signal_is_caught_and_named() {
        let mut signals = Signals::catch();
        for (sig, want) in [(libc::SIGHUP, Signal::HangUp), (libc::SIGTERM, Signal::Terminate)] {
            // SAFETY: raise(3) sends a signal to this process, which catches it now.
            unsafe { libc::raise(sig) };
            assert_eq!(signals.recv().await, want);
        }
    }
}
