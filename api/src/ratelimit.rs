//! Abuse limits: token buckets per token and per client address, checked before a request runs.
//!
//! Policy: each bucket holds one minute's allowance and refills continuously. Every mutation
//! field costs one (so aliases and batches cannot amplify), and so does every search field.
//! A request is admitted only when all its buckets can pay; otherwise nothing is taken and the
//! caller learns how long to wait. Buckets live in this process: behind a load balancer each
//! process limits on its own, which bounds the total at `processes x limit`.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// One bucket to charge: its key (e.g. `mut:token:<user>`), its allowance per minute, the cost.
#[derive(Debug, Clone)]
pub struct Charge {
    pub key: String,
    pub per_minute: u32,
    pub cost: u32,
}

#[derive(Debug)]
struct Bucket {
    tokens: f64,
    at: Instant,
}

#[derive(Debug, Default)]
pub struct RateLimiter {
    buckets: Mutex<HashMap<String, Bucket>>,
}

/// The request may not run now; retry after this long.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Limited {
    pub retry_after: Duration,
}

const MAX_BUCKETS: usize = 100_000;

impl RateLimiter {
    /// Charges every bucket, or none when any would go below zero.
    pub fn check(&self, charges: &[Charge]) -> Result<(), Limited> {
        self.check_at(charges, Instant::now())
    }

    fn check_at(&self, charges: &[Charge], now: Instant) -> Result<(), Limited> {
        let charges: Vec<&Charge> = charges
            .iter()
            .filter(|c| c.per_minute > 0 && c.cost > 0)
            .collect();
        if charges.is_empty() {
            return Ok(());
        }
        let mut buckets = match self.buckets.lock() {
            Ok(b) => b,
            Err(poisoned) => poisoned.into_inner(),
        };
        if buckets.len() > MAX_BUCKETS {
            // Full buckets carry no information: forget them.
            buckets.retain(|_, b| now.duration_since(b.at) < Duration::from_secs(60));
        }
        let mut wait = Duration::ZERO;
        for c in &charges {
            let capacity = f64::from(c.per_minute);
            let rate = capacity / 60.0;
            let tokens = buckets
                .get(&c.key)
                .map(|b| (b.tokens + now.duration_since(b.at).as_secs_f64() * rate).min(capacity))
                .unwrap_or(capacity);
            let cost = f64::from(c.cost);
            if cost > capacity {
                // More than a minute's allowance in one request never fits.
                wait = wait.max(Duration::from_secs(60));
            } else if tokens < cost {
                wait = wait.max(Duration::from_secs_f64((cost - tokens) / rate));
            }
        }
        if wait > Duration::ZERO {
            // Round up to whole seconds, as Retry-After is.
            let secs = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
            return Err(Limited {
                retry_after: Duration::from_secs(secs.max(1)),
            });
        }
        for c in charges {
            let capacity = f64::from(c.per_minute);
            let rate = capacity / 60.0;
            let b = buckets.entry(c.key.clone()).or_insert(Bucket {
                tokens: capacity,
                at: now,
            });
            b.tokens = (b.tokens + now.duration_since(b.at).as_secs_f64() * rate).min(capacity)
                - f64::from(c.cost);
            b.at = now;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn charge(key: &str, per_minute: u32, cost: u32) -> Charge {
        Charge {
            key: key.into(),
            per_minute,
            cost,
        }
    }

    #[test]
    fn a_bucket_admits_its_allowance_then_says_how_long_to_wait() {
        let l = RateLimiter::default();
        let t0 = Instant::now();
        for _ in 0..60 {
            assert!(l.check_at(&[charge("k", 60, 1)], t0).is_ok());
        }
        let limited = l.check_at(&[charge("k", 60, 1)], t0);
        assert_eq!(
            limited,
            Err(Limited {
                retry_after: Duration::from_secs(1)
            })
        );
        // One second later one more fits.
        assert!(
            l.check_at(&[charge("k", 60, 1)], t0 + Duration::from_secs(1))
                .is_ok()
        );
    }

    #[test]
    fn nothing_is_taken_when_any_bucket_refuses() {
        let l = RateLimiter::default();
        let t0 = Instant::now();
        assert!(l.check_at(&[charge("token", 2, 2)], t0).is_ok());
        assert!(
            l.check_at(&[charge("address", 10, 1), charge("token", 2, 1)], t0)
                .is_err()
        );
        // The address bucket was not charged by the refused request.
        for _ in 0..10 {
            assert!(l.check_at(&[charge("address", 10, 1)], t0).is_ok());
        }
    }

    #[test]
    fn zero_means_no_limit() {
        let l = RateLimiter::default();
        let t0 = Instant::now();
        for _ in 0..1000 {
            assert!(l.check_at(&[charge("k", 0, 1)], t0).is_ok());
        }
    }
}
