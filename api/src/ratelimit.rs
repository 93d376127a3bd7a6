//! Abuse limits per user and per client address, checked before a request runs: GCRA limiters
//! from the `governor` crate, one per kind of limit, keyed by the client.
//!
//! Policy:
//! - Each limit allows one minute's allowance at once and refills evenly over the minute. Every
//!   mutation field costs one (so aliases and batches cannot amplify), and so does every search
//!   field. A request whose cost is over a whole minute's allowance never fits.
//! - A request's mutations are charged to the user's limit first, then to the address's: a user
//!   over their own limit is refused without using up the allowance of colleagues behind the
//!   same address (a school's network). Once a limit has refused, nothing further is charged.
//! - Clients are keyed by user id, or by address: an IPv4 address, or the /64 prefix of an IPv6
//!   address (one subscriber's allocation), so a spray of addresses from one network is one
//!   client.
//! - Memory is bounded: [`RateLimiter::housekeep`] (run every few seconds off the request path)
//!   drops keys whose state is the same as a fresh one's, and past `max_keys` keys in one limiter
//!   further requests are charged to one shared key of that limiter, so a flood of distinct
//!   clients is limited together instead of growing the map. No request scans the map.
//! - Limiters live in this process: behind a load balancer each process limits on its own,
//!   which bounds the total at `processes x limit`.

use std::hash::Hash;
use std::net::IpAddr;
use std::num::NonZeroU32;
use std::time::Duration;

use governor::clock::{Clock, DefaultClock};
use governor::middleware::NoOpMiddleware;
use governor::state::keyed::DashMapStateStore;
use governor::{NotUntil, Quota};
use uuid::Uuid;

use crate::config::RateLimits;

/// Who a charge is counted against.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Client {
    User(Uuid),
    /// An IPv4 address, or an IPv6 /64 prefix (see [`Client::address`]).
    Address(u128),
    /// The shared key of a limiter holding `max_keys` clients.
    Overflow,
}

impl Client {
    /// The client an address stands for: IPv4 as itself (also when mapped into IPv6), IPv6 by
    /// its /64 prefix.
    pub fn address(ip: IpAddr) -> Client {
        match ip {
            IpAddr::V4(v4) => Client::Address(u128::from(u32::from(v4))),
            IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
                Some(v4) => Client::Address(u128::from(u32::from(v4))),
                None => Client::Address(((u128::from(v6) >> 64) << 64) | (1 << 63)),
            },
        }
    }
}

/// The kinds of limit, each with its allowance per minute in [`RateLimits`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Limit {
    MutationsPerUser,
    MutationsPerAddress,
    Searches,
}

/// One charge of a request: `cost` taken from `client`'s allowance under `limit`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Charge {
    pub limit: Limit,
    pub client: Client,
    pub cost: u32,
}

/// The request may not run now; retry after this long.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Limited {
    pub retry_after: Duration,
}

/// Keys one limiter holds at most before new clients share its overflow key: about 60 bytes a
/// key, so some 15 MB a limiter.
pub const MAX_KEYS: usize = 250_000;

type Gcra<C> = governor::RateLimiter<
    Client,
    DashMapStateStore<Client>,
    C,
    NoOpMiddleware<<C as Clock>::Instant>,
>;

/// One limit's limiter; none when its allowance is 0 (no limit).
struct Keyed<C: Clock> {
    gcra: Option<Gcra<C>>,
}

impl<C: Clock + Clone> Keyed<C> {
    fn new(per_minute: u32, clock: &C) -> Self {
        Keyed {
            gcra: NonZeroU32::new(per_minute)
                .map(|n| Gcra::dashmap_with_clock(Quota::per_minute(n), clock.clone())),
        }
    }
}

pub struct RateLimiter<C: Clock = DefaultClock> {
    mutations_per_user: Keyed<C>,
    mutations_per_address: Keyed<C>,
    searches: Keyed<C>,
    clock: C,
    max_keys: usize,
}

impl std::fmt::Debug for RateLimiter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("RateLimiter")
    }
}

impl RateLimiter {
    pub fn new(limits: &RateLimits) -> Self {
        RateLimiter::with_clock(limits, DefaultClock::default(), MAX_KEYS)
    }
}

impl<C: Clock + Clone> RateLimiter<C> {
    pub fn with_clock(limits: &RateLimits, clock: C, max_keys: usize) -> Self {
        RateLimiter {
            mutations_per_user: Keyed::new(limits.mutations_per_token, &clock),
            mutations_per_address: Keyed::new(limits.mutations_per_address, &clock),
            searches: Keyed::new(limits.searches, &clock),
            clock,
            max_keys,
        }
    }

    fn keyed(&self, limit: Limit) -> &Keyed<C> {
        match limit {
            Limit::MutationsPerUser => &self.mutations_per_user,
            Limit::MutationsPerAddress => &self.mutations_per_address,
            Limit::Searches => &self.searches,
        }
    }

    /// Takes each charge in order; stops at the first that does not fit and says how long to
    /// wait (charges before it stay taken).
    pub fn check(&self, charges: &[Charge]) -> Result<(), Limited> {
        for c in charges {
            let (Some(gcra), Some(cost)) = (&self.keyed(c.limit).gcra, NonZeroU32::new(c.cost))
            else {
                continue;
            };
            let client = if gcra.len() >= self.max_keys {
                Client::Overflow
            } else {
                c.client
            };
            match gcra.check_key_n(&client, cost) {
                Ok(Ok(())) => {}
                Ok(Err(not_until)) => return Err(self.limited(&not_until)),
                // More than a minute's allowance in one request never fits.
                Err(_) => {
                    return Err(Limited {
                        retry_after: Duration::from_secs(60),
                    });
                }
            }
        }
        Ok(())
    }

    fn limited(&self, not_until: &NotUntil<C::Instant>) -> Limited {
        let wait = not_until.wait_time_from(self.clock.now());
        // Whole seconds, rounded up, as Retry-After is.
        let secs = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
        Limited {
            retry_after: Duration::from_secs(secs.max(1)),
        }
    }

    /// Forgets clients whose allowance is full again (their state is a fresh one's).
    pub fn housekeep(&self) {
        for keyed in [
            &self.mutations_per_user,
            &self.mutations_per_address,
            &self.searches,
        ] {
            if let Some(gcra) = &keyed.gcra {
                gcra.retain_recent();
                gcra.shrink_to_fit();
            }
        }
    }

    /// Clients held, over all limits.
    pub fn keys(&self) -> usize {
        [
            &self.mutations_per_user,
            &self.mutations_per_address,
            &self.searches,
        ]
        .iter()
        .filter_map(|k| k.gcra.as_ref())
        .map(|g| g.len())
        .sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use governor::clock::FakeRelativeClock;
    use std::net::{Ipv4Addr, Ipv6Addr};

    fn limits(mutations_per_token: u32, mutations_per_address: u32, searches: u32) -> RateLimits {
        RateLimits {
            mutations_per_token,
            mutations_per_address,
            searches,
            trust_forwarded_for: false,
        }
    }

    fn limiter(
        l: RateLimits,
        max_keys: usize,
    ) -> (RateLimiter<FakeRelativeClock>, FakeRelativeClock) {
        let clock = FakeRelativeClock::default();
        (RateLimiter::with_clock(&l, clock.clone(), max_keys), clock)
    }

    fn search(client: Client, cost: u32) -> Charge {
        Charge {
            limit: Limit::Searches,
            client,
            cost,
        }
    }

    fn user(n: u128) -> Client {
        Client::User(Uuid::from_u128(n))
    }

    #[test]
    fn a_limit_admits_its_allowance_then_says_how_long_to_wait() {
        let (l, clock) = limiter(limits(60, 300, 60), MAX_KEYS);
        for _ in 0..60 {
            assert!(l.check(&[search(user(1), 1)]).is_ok());
        }
        assert_eq!(
            l.check(&[search(user(1), 1)]),
            Err(Limited {
                retry_after: Duration::from_secs(1)
            })
        );
        // Another client is not affected; one second later one more fits.
        assert!(l.check(&[search(user(2), 1)]).is_ok());
        clock.advance(Duration::from_secs(1));
        assert!(l.check(&[search(user(1), 1)]).is_ok());
    }

    #[test]
    fn a_user_over_their_limit_does_not_use_up_their_address() {
        let (l, _) = limiter(limits(2, 10, 0), MAX_KEYS);
        let address = Client::address(IpAddr::V4(Ipv4Addr::new(10, 0, 0, 1)));
        let mutation = |u: Client| {
            [
                Charge {
                    limit: Limit::MutationsPerUser,
                    client: u,
                    cost: 1,
                },
                Charge {
                    limit: Limit::MutationsPerAddress,
                    client: address,
                    cost: 1,
                },
            ]
        };
        assert!(l.check(&mutation(user(1))).is_ok());
        assert!(l.check(&mutation(user(1))).is_ok());
        for _ in 0..20 {
            assert!(l.check(&mutation(user(1))).is_err());
        }
        // The address has spent 2 of its 10: eight more colleagues' mutations fit.
        for n in 2..10 {
            assert!(l.check(&mutation(user(n))).is_ok(), "colleague {n}");
        }
        assert!(l.check(&mutation(user(10))).is_err());
    }

    #[test]
    fn a_request_over_a_whole_minute_never_fits() {
        let (l, _) = limiter(limits(60, 300, 600), MAX_KEYS);
        let refused = l.check(&[search(user(1), 601)]);
        assert_eq!(
            refused,
            Err(Limited {
                retry_after: Duration::from_secs(60)
            })
        );
        assert!(l.check(&[search(user(1), u32::MAX)]).is_err());
    }

    #[test]
    fn zero_means_no_limit() {
        let (l, _) = limiter(limits(0, 0, 0), MAX_KEYS);
        for _ in 0..1000 {
            assert!(l.check(&[search(user(1), 1)]).is_ok());
        }
        assert_eq!(l.keys(), 0);
    }

    #[test]
    fn ipv6_clients_are_their_64_prefix_and_mapped_ipv4_is_ipv4() {
        let a = Ipv6Addr::new(0x2001, 0xdb8, 1, 2, 0, 0, 0, 1);
        let b = Ipv6Addr::new(0x2001, 0xdb8, 1, 2, 0xffff, 1, 2, 3);
        let c = Ipv6Addr::new(0x2001, 0xdb8, 1, 3, 0, 0, 0, 1);
        assert_eq!(Client::address(a.into()), Client::address(b.into()));
        assert_ne!(Client::address(a.into()), Client::address(c.into()));
        let v4 = Ipv4Addr::new(192, 0, 2, 7);
        assert_eq!(
            Client::address(v4.to_ipv6_mapped().into()),
            Client::address(v4.into())
        );
        // An IPv6 prefix never equals an IPv4 address.
        assert_ne!(
            Client::address(Ipv6Addr::new(0, 0, 0, 0, 0, 0, 0xc000, 0x207).into()),
            Client::address(v4.into())
        );
    }

    #[test]
    fn a_spray_of_200000_addresses_keeps_memory_bounded() {
        // Anonymous searches from 200,000 distinct IPv4 addresses, then from 200,000 addresses
        // of one IPv6 /64: the map never holds more than its bound, and the flood past it is
        // limited together.
        let max_keys = 50_000;
        let (l, clock) = limiter(limits(60, 300, 600), max_keys);
        let mut admitted = 0;
        for n in 0..200_000u32 {
            let ip = IpAddr::V4(Ipv4Addr::from(0x0a00_0000 + n));
            if l.check(&[search(Client::address(ip), 1)]).is_ok() {
                admitted += 1;
            }
            assert!(l.keys() <= max_keys + 1, "{} keys after {n}", l.keys());
        }
        // Every client under the bound got its request; the rest shared one allowance.
        assert_eq!(admitted, max_keys + 600);
        let prefix = u128::from(Ipv6Addr::new(0x2001, 0xdb8, 7, 7, 0, 0, 0, 0));
        let (l6, _) = limiter(limits(60, 300, 600), max_keys);
        let mut admitted = 0;
        for n in 0..200_000u128 {
            let ip = IpAddr::V6(Ipv6Addr::from(prefix + n));
            if l6.check(&[search(Client::address(ip), 1)]).is_ok() {
                admitted += 1;
            }
        }
        assert_eq!(admitted, 600);
        assert_eq!(l6.keys(), 1);
        // A minute later every client's allowance is full again: housekeeping forgets them all.
        clock.advance(Duration::from_secs(61));
        l.housekeep();
        assert_eq!(l.keys(), 0);
        assert!(l.check(&[search(user(1), 1)]).is_ok());
    }
}
