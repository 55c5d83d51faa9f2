//! The cap on open connections: `[server] max_connections` in total and
//! `max_connections_per_ip` per client prefix (`server::peer`). A connection over either cap is
//! closed at once, before TLS or any read, so a flood of idle sockets costs one file descriptor
//! each only for as long as the kernel takes to close it.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex, PoisonError};

/// Which cap a connection hit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Refused {
    #[error("the gateway holds its maximum of {0} connections")]
    Total(usize),
    #[error("this client already holds its maximum of {0} connections")]
    PerClient(usize),
}

/// Open connections, counted in total and by client prefix.
#[derive(Debug)]
pub struct ConnCaps {
    total: usize,
    per_client: usize,
    open: Mutex<Open>,
}

#[derive(Debug, Default)]
struct Open {
    total: usize,
    by_client: HashMap<IpAddr, usize>,
}

/// One admitted connection; dropping it frees its place.
#[derive(Debug)]
pub struct Permit {
    caps: Arc<ConnCaps>,
    client: IpAddr,
}

impl ConnCaps {
    pub fn new(total: usize, per_client: usize) -> Arc<ConnCaps> {
        Arc::new(ConnCaps {
            total,
            per_client,
            open: Mutex::new(Open::default()),
        })
    }

    /// Admit one more connection from `client` (a prefix), or say which cap it hits.
    pub fn admit(self: &Arc<Self>, client: IpAddr) -> Result<Permit, Refused> {
        let mut open = self.open.lock().unwrap_or_else(PoisonError::into_inner);
        if open.total >= self.total {
            return Err(Refused::Total(self.total));
        }
        let mine = open.by_client.entry(client).or_insert(0);
        if *mine >= self.per_client {
            return Err(Refused::PerClient(self.per_client));
        }
        *mine += 1;
        open.total += 1;
        Ok(Permit {
            caps: self.clone(),
            client,
        })
    }

    /// Connections open now.
    pub fn open(&self) -> usize {
        self.open
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .total
    }
}

impl Drop for Permit {
    fn drop(&mut self) {
        let mut open = (self.caps.open.lock()).unwrap_or_else(PoisonError::into_inner);
        open.total -= 1;
        if let Some(n) = open.by_client.get_mut(&self.client) {
            *n -= 1;
            if *n == 0 {
                open.by_client.remove(&self.client);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn caps_hold_in_total_and_per_client_and_free_on_drop() {
        let caps = ConnCaps::new(3, 2);
        let (a, b): (IpAddr, IpAddr) = ("192.0.2.1".parse().unwrap(), "192.0.2.2".parse().unwrap());
        let a1 = caps.admit(a).unwrap();
        let _a2 = caps.admit(a).unwrap();
        assert_eq!(caps.admit(a).unwrap_err(), Refused::PerClient(2));
        let _b1 = caps.admit(b).unwrap();
        assert_eq!(caps.admit(b).unwrap_err(), Refused::Total(3));
        assert_eq!(caps.open(), 3);
        drop(a1);
        assert_eq!(caps.open(), 2);
        let _a3 = caps.admit(a).unwrap();
        assert_eq!(caps.admit(b).unwrap_err(), Refused::Total(3));
    }
}
