//! Who is on the other end of a connection: the peer address every request of a connection
//! carries (an extension), and the client *prefix* that connection caps, the per-IP request
//! limit and rejection summaries count by — the address itself for IPv4, its /64 for IPv6 (one
//! host usually holds a whole /64, so counting single IPv6 addresses would count nothing).

use std::net::{IpAddr, Ipv6Addr, SocketAddr};

/// The peer of the connection a request came on (set by `server::run` on every request).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientAddr(pub SocketAddr);

impl ClientAddr {
    /// The client prefix of this peer.
    pub fn prefix(self) -> IpAddr {
        client_prefix(self.0.ip())
    }
}

/// The unit one client is counted by: an IPv4 address as is (IPv4-mapped IPv6 too), an IPv6
/// address cut to its /64.
pub fn client_prefix(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V4(v4) => IpAddr::V4(v4),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => {
                let s = v6.segments();
                IpAddr::V6(Ipv6Addr::new(s[0], s[1], s[2], s[3], 0, 0, 0, 0))
            }
        },
    }
}

/// A prefix as text for records and logs: `192.0.2.7`, `2001:db8:1:2::/64`.
pub fn prefix_text(prefix: IpAddr) -> String {
    match prefix {
        IpAddr::V4(v4) => v4.to_string(),
        IpAddr::V6(v6) => format!("{v6}/64"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ipv6_is_counted_by_its_64_and_mapped_ipv4_as_ipv4() {
        let a: IpAddr = "2001:db8:1:2:aaaa::1".parse().unwrap();
        let b: IpAddr = "2001:db8:1:2:bbbb::9".parse().unwrap();
        let c: IpAddr = "2001:db8:1:3::1".parse().unwrap();
        assert_eq!(client_prefix(a), client_prefix(b));
        assert_ne!(client_prefix(a), client_prefix(c));
        assert_eq!(prefix_text(client_prefix(a)), "2001:db8:1:2::/64");
        let mapped: IpAddr = "::ffff:192.0.2.7".parse().unwrap();
        assert_eq!(prefix_text(client_prefix(mapped)), "192.0.2.7");
    }
}
