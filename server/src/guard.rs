//! Abuse limits that are not about one session: join attempts and session creations per IP
//! address, open connections per IP address and for the whole process, frames per connection,
//! and the names this server answers to (the `Host` check against DNS rebinding and the `Origin`
//! check of WebSocket upgrades).
//!
//! Token buckets come from `governor`, the rate limiter of the tokio ecosystem. Limits per IP
//! are generous by default because a whole conference room often shares one NAT address; they
//! stop bulk guessing of join codes and runaway clients, not a room of people. Every route that
//! tells whether a join code exists (the WebSocket `join`, `GET /api/sessions/{code}` and the
//! routes below it) draws on the same join budget of the address.

use std::net::{IpAddr, SocketAddr};
use std::num::NonZeroU32;
use std::str::FromStr as _;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use axum::http::uri::{Authority, Uri};
use dashmap::DashMap;
use governor::clock::{Clock as _, DefaultClock};
use governor::{DefaultDirectRateLimiter, DefaultKeyedRateLimiter, Quota, RateLimiter};

use crate::config::{Config, Limits};

fn nz(n: u32) -> NonZeroU32 {
    NonZeroU32::new(n.max(1)).unwrap_or(NonZeroU32::MIN)
}

/// The key an address is limited under. An IPv6 address is limited by its /64 prefix: one
/// network (a home, an office, a cloud machine) gets a whole /64 and can use any address in it,
/// so per address would be no limit at all. An IPv4-mapped IPv6 address counts as its IPv4
/// address.
pub fn address_key(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V4(_) => ip,
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => IpAddr::V6((u128::from(v6) & !((1u128 << 64) - 1)).into()),
        },
    }
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
    /// Open WebSocket connections of the whole process.
    total: Arc<AtomicUsize>,
    max_total: usize,
    frames_per_second: u32,
}

/// Why a connection slot was not given.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NoSlot {
    /// This address has `max_connections_per_ip` open connections.
    Address,
    /// The process has `max_connections` open connections.
    Server,
}

impl Guard {
    pub fn new(limits: &Limits) -> Guard {
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
            total: Arc::new(AtomicUsize::new(0)),
            max_total: limits.max_connections,
            frames_per_second: limits.frames_per_second,
        }
    }

    /// May this address try a join code now (a WebSocket `join`, or an HTTP request that tells
    /// whether a code exists)? When not, how long until it may.
    pub fn join_attempt(&self, ip: IpAddr) -> Result<(), Duration> {
        self.joins
            .check_key(&address_key(ip))
            .map_err(|not_until| not_until.wait_time_from(DefaultClock::default().now()))
    }

    /// May this address create a session now?
    pub fn creation_allowed(&self, ip: IpAddr) -> bool {
        self.creations.check_key(&address_key(ip)).is_ok()
    }

    /// Take a connection slot for this address and one of the process, if both are free. The
    /// slots are given back when the returned value is dropped.
    pub fn connect(&self, ip: IpAddr) -> Result<ConnectionSlot, NoSlot> {
        let ip = address_key(ip);
        let max_total = self.max_total;
        if self
            .total
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |n| {
                (n < max_total).then_some(n + 1)
            })
            .is_err()
        {
            return Err(NoSlot::Server);
        }
        let mut entry = self.connections.entry(ip).or_insert(0);
        if *entry >= self.max_per_ip {
            drop(entry);
            self.total.fetch_sub(1, Ordering::AcqRel);
            return Err(NoSlot::Address);
        }
        *entry += 1;
        drop(entry);
        Ok(ConnectionSlot {
            ip,
            connections: self.connections.clone(),
            total: self.total.clone(),
        })
    }

    /// Open WebSocket connections of the whole process.
    pub fn open_connections(&self) -> usize {
        self.total.load(Ordering::Acquire)
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
    total: Arc<AtomicUsize>,
}

impl Drop for ConnectionSlot {
    fn drop(&mut self) {
        self.total.fetch_sub(1, Ordering::AcqRel);
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

/// The names this server answers to, fixed when it starts.
///
/// **Host** (against DNS rebinding: a page on `evil.example` whose name the attacker points at
/// this server's address afterwards sends `Host: evil.example`): a request is served only when its
/// `Host` names this server — the host of the public URL, every `--allowed-hosts` entry, and from
/// the listen address: that address; `localhost`, `127.0.0.1` and `[::1]` when it is a loopback
/// or the unspecified address; and any IP literal when it is the unspecified address (`0.0.0.0`,
/// `[::]`), because an IP literal cannot be rebound. A request without `Host` (HTTP/1.0, not a
/// browser) is served.
///
/// **Origin** (against cross-site WebSocket hijacking): an upgrade is allowed without `Origin`
/// (not a browser), from the public URL's origin, from an `--allowed-origins` entry, or from an
/// origin whose host is one of this server's names and whose port is the one it listens on. The
/// request's own `Host` header plays no part.
#[derive(Debug, Clone)]
pub struct Names {
    /// Host names (lower case, IPv6 in brackets) with an optional port; `None` matches any port.
    hosts: Vec<(String, Option<u16>)>,
    /// Listening on the unspecified address: every IP literal is one of this server's names.
    any_ip: bool,
    /// The port the server listens on.
    port: u16,
    /// `scheme://host[:port]` of the public URL, lower case.
    public_origin: String,
    /// Extra origins, lower case, without a trailing slash.
    allowed_origins: Vec<String>,
}

/// A host name as compared: lower case, without a trailing dot.
fn host_key(host: &str) -> String {
    host.trim_end_matches('.').to_ascii_lowercase()
}

/// A `Host` header value or the authority of an origin: `name[:port]`, nothing else.
fn parse_authority(text: &str) -> Option<(String, Option<u16>)> {
    let authority = Authority::from_str(text).ok()?;
    let (all, host) = (authority.as_str(), authority.host());
    if all.contains('@') || host.is_empty() || !all.starts_with(host) {
        return None;
    }
    let port = match &all[host.len()..] {
        "" => None,
        rest => Some(rest.strip_prefix(':')?.parse::<u16>().ok()?),
    };
    Some((host_key(host), port))
}

/// Whether a host name (as [`host_key`] gives it) is an IP literal.
fn is_ip_literal(host: &str) -> bool {
    let bare = host
        .strip_prefix('[')
        .and_then(|h| h.strip_suffix(']'))
        .unwrap_or(host);
    IpAddr::from_str(bare).is_ok()
}

impl Names {
    /// The names of a server started with `config` and bound to `bound`.
    pub fn new(config: &Config, bound: SocketAddr, public_url: &str) -> Names {
        let mut hosts = Vec::new();
        let public_origin = match Uri::from_str(public_url) {
            Ok(uri) => {
                if let Some(a) = uri.authority().and_then(|a| parse_authority(a.as_str())) {
                    hosts.push((a.0, None));
                }
                format!(
                    "{}://{}",
                    uri.scheme_str().unwrap_or("http"),
                    uri.authority().map(|a| a.as_str()).unwrap_or("")
                )
                .to_ascii_lowercase()
            }
            Err(_) => public_url.to_ascii_lowercase(),
        };
        let ip = bound.ip();
        let literal = match ip {
            IpAddr::V4(v4) => v4.to_string(),
            IpAddr::V6(v6) => format!("[{v6}]"),
        };
        if ip.is_loopback() || ip.is_unspecified() {
            for name in ["localhost", "127.0.0.1", "[::1]"] {
                hosts.push((name.to_string(), None));
            }
        }
        if !ip.is_unspecified() {
            hosts.push((literal, None));
        }
        hosts.extend(
            config
                .allowed_hosts
                .iter()
                .filter_map(|h| parse_authority(h)),
        );
        Names {
            hosts,
            any_ip: ip.is_unspecified(),
            port: bound.port(),
            public_origin,
            allowed_origins: config
                .allowed_origins
                .iter()
                .map(|o| o.trim_end_matches('/').to_ascii_lowercase())
                .collect(),
        }
    }

    fn is_mine(&self, host: &str, port: Option<u16>) -> bool {
        (self.any_ip && is_ip_literal(host))
            || self
                .hosts
                .iter()
                .any(|(h, p)| h == host && (p.is_none() || *p == port))
    }

    /// Is a request with this `Host` header for this server?
    pub fn host_allowed(&self, host: Option<&str>) -> bool {
        let Some(host) = host else {
            return true;
        };
        match parse_authority(host.trim()) {
            Some((name, port)) => self.is_mine(&name, port),
            None => false,
        }
    }

    /// Is a WebSocket upgrade with this `Origin` allowed?
    pub fn origin_allowed(&self, origin: Option<&str>) -> bool {
        let Some(origin) = origin else {
            return true;
        };
        let origin = origin.trim_end_matches('/').to_ascii_lowercase();
        if origin == self.public_origin || self.allowed_origins.contains(&origin) {
            return true;
        }
        let (default_port, rest) = if let Some(rest) = origin.strip_prefix("http://") {
            (80, rest)
        } else if let Some(rest) = origin.strip_prefix("https://") {
            (443, rest)
        } else {
            return false;
        };
        match parse_authority(rest) {
            Some((host, port)) => {
                port.unwrap_or(default_port) == self.port && self.is_mine(&host, port)
            }
            None => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(listen: &str, public_url: Option<&str>, hosts: &[&str]) -> Names {
        let mut config = Config::for_tests(std::path::PathBuf::from("."));
        config.allowed_origins = vec!["https://intranet.example.nl".to_string()];
        config.allowed_hosts = hosts.iter().map(|h| h.to_string()).collect();
        let bound: SocketAddr = listen.parse().unwrap();
        let public = public_url
            .map(str::to_string)
            .unwrap_or_else(|| format!("http://{bound}"));
        Names::new(&config, bound, &public)
    }

    #[test]
    fn origins_are_never_judged_by_the_requests_host() {
        let n = names("127.0.0.1:8080", Some("https://workshop.example.nl"), &[]);
        assert!(n.origin_allowed(None));
        assert!(n.origin_allowed(Some("https://workshop.example.nl")));
        assert!(n.origin_allowed(Some("https://Workshop.example.nl/")));
        assert!(n.origin_allowed(Some("https://intranet.example.nl/")));
        assert!(n.origin_allowed(Some("http://127.0.0.1:8080")));
        assert!(n.origin_allowed(Some("http://localhost:8080")));
        assert!(
            !n.origin_allowed(Some("http://localhost:3000")),
            "another port"
        );
        assert!(!n.origin_allowed(Some("https://evil.example")));
        assert!(!n.origin_allowed(Some("http://evil.example:8080")));
        assert!(!n.origin_allowed(Some("http://127.0.0.1:8080@evil.example")));
        assert!(!n.origin_allowed(Some("http://127.0.0.1:8080.evil.example")));
        assert!(!n.origin_allowed(Some("null")));
    }

    #[test]
    fn hosts_are_the_servers_names() {
        let n = names("127.0.0.1:8080", None, &[]);
        assert!(n.host_allowed(None));
        for ok in [
            "127.0.0.1:8080",
            "localhost:8080",
            "LOCALHOST",
            "[::1]:8080",
            "localhost.",
        ] {
            assert!(n.host_allowed(Some(ok)), "{ok}");
        }
        for bad in [
            "evil.example",
            "evil.example:8080",
            "localhost.evil.example",
            "127.0.0.1.nip.io:8080",
            "user@localhost:8080",
            "",
            "192.168.1.10:8080",
        ] {
            assert!(!n.host_allowed(Some(bad)), "{bad}");
        }
        // Behind a reverse proxy: the public URL's host and the configured names.
        let n = names(
            "127.0.0.1:8080",
            Some("https://workshop.example.nl"),
            &["draagvlak.internal:8080"],
        );
        assert!(n.host_allowed(Some("workshop.example.nl")));
        assert!(n.host_allowed(Some("draagvlak.internal:8080")));
        assert!(!n.host_allowed(Some("draagvlak.internal:9000")));
        // On all interfaces: any IP literal, never a name that is not configured.
        let n = names("0.0.0.0:8080", None, &[]);
        assert!(n.host_allowed(Some("192.168.1.10:8080")));
        assert!(n.host_allowed(Some("[fe80::1]:8080")));
        assert!(!n.host_allowed(Some("evil.example:8080")));
        assert!(n.origin_allowed(Some("http://192.168.1.10:8080")));
        assert!(!n.origin_allowed(Some("http://evil.example:8080")));
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
        assert_eq!(g.connect(ip).err(), Some(NoSlot::Address));
        drop(a);
        assert!(g.connect(ip).is_ok());
    }

    #[test]
    fn ipv6_addresses_are_limited_by_their_64_prefix() {
        let limits = Limits {
            joins_per_minute: 2, // bursts of 1
            ..Limits::default()
        };
        let g = Guard::new(&limits);
        let a: IpAddr = "2001:db8:1:2::1".parse().unwrap();
        let b: IpAddr = "2001:db8:1:2:ffff:ffff:ffff:ffff".parse().unwrap();
        let other: IpAddr = "2001:db8:1:3::1".parse().unwrap();
        assert!(g.join_attempt(a).is_ok());
        assert!(g.join_attempt(b).is_err(), "the same /64");
        assert!(g.join_attempt(other).is_ok());
        let mapped: IpAddr = "::ffff:10.0.0.9".parse().unwrap();
        assert_eq!(address_key(mapped), IpAddr::from([10, 0, 0, 9]));
    }

    #[test]
    fn the_whole_process_has_a_connection_cap() {
        let limits = Limits {
            max_connections: 2,
            ..Limits::default()
        };
        let g = Guard::new(&limits);
        let a = g.connect([10, 0, 0, 1].into()).unwrap();
        let _b = g.connect([10, 0, 0, 2].into()).unwrap();
        assert_eq!(g.connect([10, 0, 0, 3].into()).err(), Some(NoSlot::Server));
        assert_eq!(g.open_connections(), 2);
        drop(a);
        assert!(g.connect([10, 0, 0, 3].into()).is_ok());
    }

    #[test]
    fn join_bursts_are_allowed_then_limited() {
        let limits = Limits {
            joins_per_minute: 60,
            ..Limits::default()
        };
        let g = Guard::new(&limits);
        let ip: IpAddr = [10, 0, 0, 2].into();
        let allowed = (0..1000).filter(|_| g.join_attempt(ip).is_ok()).count();
        // Half a minute's worth at once (30), perhaps one more refilled meanwhile.
        assert!((30..=31).contains(&allowed), "burst of 30, got {allowed}");
        let other: IpAddr = [10, 0, 0, 3].into();
        assert!(g.join_attempt(other).is_ok(), "limits are per address");
        let wait = g.join_attempt(ip).unwrap_err();
        assert!(
            wait > Duration::ZERO && wait <= Duration::from_secs(1),
            "{wait:?}"
        );
    }
}
