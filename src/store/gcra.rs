//! The generic cell rate algorithm of the per-IP limit, in one place: the memory counters
//! run it in Rust, Redis runs the same arithmetic in its Lua script.

/// `per_minute` requests with bursts of `burst`, as an emission interval and a tolerance.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Gcra {
    pub interval_ms: i64,
    pub tolerance_ms: i64,
}

impl Gcra {
    pub fn new(per_minute: u32, burst: u32) -> Self {
        let interval_ms = 60_000 / i64::from(per_minute.max(1));
        Self {
            interval_ms,
            tolerance_ms: interval_ms * i64::from(burst.max(1)),
        }
    }

    /// Takes one request at `now_ms` given the stored theoretical arrival time: the new
    /// arrival time to store, or the milliseconds to wait.
    pub fn take(&self, tat: Option<i64>, now_ms: i64) -> Result<i64, i64> {
        let new_tat = tat.unwrap_or(now_ms).max(now_ms) + self.interval_ms;
        match new_tat - now_ms - self.tolerance_ms {
            wait_ms if wait_ms > 0 => Err(wait_ms),
            _ => Ok(new_tat),
        }
    }

    /// A wait in milliseconds as the whole seconds of `Retry-After` (at least 1).
    pub fn wait_seconds(wait_ms: i64) -> u64 {
        ((wait_ms + 999) / 1000).max(1) as u64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thirty_a_minute_is_one_every_two_seconds_with_a_burst_of_thirty() {
        let gcra = Gcra::new(30, 30);
        assert_eq!(gcra.interval_ms, 2_000);
        assert_eq!(gcra.tolerance_ms, 60_000);
        let mut tat = None;
        for _ in 0..30 {
            tat = Some(gcra.take(tat, 0).unwrap());
        }
        assert_eq!(gcra.take(tat, 0), Err(2_000));
        assert_eq!(Gcra::wait_seconds(1), 1);
        assert_eq!(Gcra::wait_seconds(2_000), 2);
    }
}
