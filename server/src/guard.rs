//! Abuse limits that are not about one session: join attempts and session creations per IP
//! address, open connections per IP address, frames per connection, and the Origin check of
//! WebSocket upgrades.
//!
//! Token buckets come from `governor`, the rate limiter of the tokio ecosystem. Limits per IP
//! are generous by default because a whole conference room often shares one NAT address; they
//! stop bulk guessing of join codes and runaway clients, not a room of people.

use std::net::IpAddr;
use std::num::NonZeroU32;
use std::sync::Arc;
use std::time::Duration;

use dashmap::DashMap;
use governor::{DefaultDirectRateLimiter, DefaultKeyedRateLimiter, Quota, RateLimiter};

use crate::config::Limits;

fn nz(n: u32) -> NonZeroU32 {
    NonZeroU32::new(n.max(1)).unwrap_or(NonZeroU32::MIN)
}

/// `n` per `period`, with bursts of `burst`.
fn quota(n: u32, period: Duration, burst: u32) -> Quota {
    let per = period / n.max(1);
    Quota::with_period(per)
        .unwrap_or_else(|| Quota::per_second(nz(n)))
        .allow_burst(nz(burst))
}

/// Limits shared by all connections.
#[derive(Debug)]
pub struct Guard {
    joins: DefaultKeyedRateLimiter<IpAddr>,
    creations: DefaultKeyedRateLimiter<IpAddr>,
    connections: Arc<DashMap<IpAddr, usize>>,
    max_per_ip: usize,
    frames_per_second: u32,
}

impl Guard {
    pub fn new(limits: &Limits) -> Guard {
        // The text limit is process-wide (see `session::text::max_chars`); the guard is built
        // once when the server starts, from the same limits.
        crate::session::text::set_max_chars(limits.max_text_chars);
        Guard {
            // Half a minute's worth at once: with the default, a room of 300 behind one address.
            joins: RateLimiter::keyed(quota(
                limits.joins_per_minute,
                Duration::from_secs(60),
                limits.joins_per_minute / 2,
            )),
            creations: RateLimiter::keyed(quota(
                limits.sessions_per_hour,
                Duration::from_secs(3600),
                limits.sessions_per_hour.clamp(1, 20),
            )),
            connections: Arc::new(DashMap::new()),
            max_per_ip: limits.max_connections_per_ip,
            frames_per_second: limits.frames_per_second,
        }
    }

    /// May this address try to join now?
    pub fn join_allowed(&self, ip: IpAddr) -> bool {
        self.joins.check_key(&ip).is_ok()
    }

    /// May this address create a session now?
    pub fn creation_allowed(&self, ip: IpAddr) -> bool {
        self.creations.check_key(&ip).is_ok()
    }

    /// Take a connection slot for this address, if one is free. The slot is given back when
    /// the returned value is dropped.
    pub fn connect(&self, ip: IpAddr) -> Option<ConnectionSlot> {
        let mut entry = self.connections.entry(ip).or_insert(0);
        if *entry >= self.max_per_ip {
            return None;
        }
        *entry += 1;
        drop(entry);
        Some(ConnectionSlot {
            ip,
            connections: self.connections.clone(),
        })
    }

    /// A token bucket for one connection's inbound frames.
    pub fn frame_limiter(&self) -> DefaultDirectRateLimiter {
        RateLimiter::direct(
            Quota::per_second(nz(self.frames_per_second))
                .allow_burst(nz(self.frames_per_second.saturating_mul(3))),
        )
    }

    /// Forget addresses that have not been seen for a while (call periodically).
    pub fn forget_idle(&self) {
        self.joins.retain_recent();
        self.creations.retain_recent();
        self.joins.shrink_to_fit();
        self.creations.shrink_to_fit();
    }
}

/// An open connection counted against its address.
#[derive(Debug)]
pub struct ConnectionSlot {
    ip: IpAddr,
    connections: Arc<DashMap<IpAddr, usize>>,
}

impl Drop for ConnectionSlot {
    fn drop(&mut self) {
        let remove = match self.connections.get_mut(&self.ip) {
            Some(mut n) => {
                *n = n.saturating_sub(1);
                *n == 0
            }
            None => false,
        };
        if remove {
            self.connections.remove_if(&self.ip, |_, n| *n == 0);
        }
    }
}

/// Is a WebSocket upgrade with this `Origin` allowed? Browsers always send `Origin`; a page on
/// another site must not be able to open a socket with the visitor's cookies or network
/// position (cross-site WebSocket hijacking). Allowed: no `Origin` (not a browser), the server's
/// own host as the request names it, the public URL, and the configured allow-list.
pub fn origin_allowed(
    origin: Option<&str>,
    host: Option<&str>,
    public_url: &str,
    allowed: &[String],
) -> bool {
    let Some(origin) = origin else {
        return true;
    };
    let origin = origin.trim_end_matches('/');
    if origin == public_url || allowed.iter().any(|a| a == origin) {
        return true;
    }
    let origin_host = origin
        .strip_prefix("http://")
        .or_else(|| origin.strip_prefix("https://"));
    matches!((origin_host, host), (Some(o), Some(h)) if o.eq_ignore_ascii_case(h))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origins() {
        let public = "https://workshop.example.nl";
        let allowed = vec!["https://intranet.example.nl".to_string()];
        assert!(origin_allowed(None, None, public, &allowed));
        assert!(origin_allowed(
            Some("https://workshop.example.nl"),
            None,
            public,
            &allowed
        ));
        assert!(origin_allowed(
            Some("https://intranet.example.nl/"),
            None,
            public,
            &allowed
        ));
        assert!(origin_allowed(
            Some("http://127.0.0.1:8080"),
            Some("127.0.0.1:8080"),
            public,
            &allowed
        ));
        assert!(!origin_allowed(
            Some("https://evil.example"),
            Some("127.0.0.1:8080"),
            public,
            &allowed
        ));
        assert!(!origin_allowed(
            Some("null"),
            Some("127.0.0.1:8080"),
            public,
            &allowed
        ));
    }

    #[test]
    fn connection_slots_are_counted_and_returned() {
        let limits = Limits {
            max_connections_per_ip: 2,
            ..Limits::default()
        };
        let g = Guard::new(&limits);
        let ip: IpAddr = [10, 0, 0, 1].into();
        let a = g.connect(ip).unwrap();
        let _b = g.connect(ip).unwrap();
        assert!(g.connect(ip).is_none());
        drop(a);
        assert!(g.connect(ip).is_some());
    }

    #[test]
    fn join_bursts_are_allowed_then_limited() {
        let limits = Limits {
            joins_per_minute: 60,
            ..Limits::default()
        };
        let g = Guard::new(&limits);
        let ip: IpAddr = [10, 0, 0, 2].into();
        let allowed = (0..1000).filter(|_| g.join_allowed(ip)).count();
        // Half a minute's worth at once (30), perhaps one more refilled meanwhile.
        assert!((30..=31).contains(&allowed), "burst of 30, got {allowed}");
        let other: IpAddr = [10, 0, 0, 3].into();
        assert!(g.join_allowed(other), "limits are per address");
    }
}
