//! Building a runtime for a catalogue, and carrying the one in force over to a reloaded
//! catalogue **by key** — (agency, dataset) for datasets, the id for consumers:
//!
//! - **Source client and pool**: kept when the dataset's source settings are unchanged (the
//!   same `[datasets.source]` table and, for HTTPS, the same contents of its TLS files);
//!   otherwise built anew. HTTP clients are shared by TLS settings and kept while those and their
//!   files are unchanged, so pooled connections survive a reload that only changes a timeout.
//! - **Circuit breaker and health figures**: kept while the source points at the same endpoint
//!   (URL), whatever else changed: an open breaker stays open, and takes the new
//!   `breaker_failures`/`breaker_cooldown`. A source moved to another URL starts closed.
//! - **Dataset limiter** (per consumer): kept while `rate_per_second` and `burst` are unchanged,
//!   so quotas continue; a changed rate starts a new limiter at the new rate.
//! - **Consumer limiter**: kept while the consumer's `rate_per_second` and `burst` are
//!   unchanged.
//! - **Harvest alarm**: windows, baselines and blocks continue; a consumer added by the reload
//!   is watched from then on; a removed one is forgotten.
//! - **Catalogue body**: rendered again, for the new catalogue.
//!
//! A dataset or consumer that the reload removes loses its state; one it adds starts fresh.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, OnceLock};

use super::{DatasetRuntime, Runtime, RuntimeError};
use crate::config::{Catalog, Dataset, HarvestSettings};
use crate::identity::{KeyedLimiter, Limiter};
use crate::source::breaker::Breaker;
use crate::source::{Source, SourceSpec, UpstreamClients};
use crate::subjects::Harvest;

impl Runtime {
    /// The first runtime of a gateway, for `catalog`.
    pub fn build(catalog: &Catalog, harvest: HarvestSettings) -> Result<Runtime, RuntimeError> {
        let harvest = Harvest::new(harvest, catalog.consumers.keys().map(String::as_str));
        make(catalog, None, harvest)
    }

    /// The runtime for a reloaded `catalog`, keeping this one's state by key (see the module
    /// doc). `self` stays usable: requests still running on it share the kept state.
    pub fn carry(&self, catalog: &Catalog) -> Result<Runtime, RuntimeError> {
        let harvest = self
            .harvest
            .carry(catalog.consumers.keys().map(String::as_str));
        make(catalog, Some(self), harvest)
    }
}

fn make(
    catalog: &Catalog,
    prev: Option<&Runtime>,
    harvest: Harvest,
) -> Result<Runtime, RuntimeError> {
    let clients = prev.map_or_else(UpstreamClients::default, |p| {
        UpstreamClients::carry(&p.clients)
    });
    let mut datasets: BTreeMap<String, BTreeMap<String, DatasetRuntime>> = BTreeMap::new();
    for ds in catalog.datasets() {
        let old = prev.and_then(|p| p.dataset(ds));
        let live = dataset(ds, old, &clients)?;
        datasets
            .entry(ds.agency.as_str().to_owned())
            .or_default()
            .insert(ds.id.as_str().to_owned(), live);
    }
    clients.forget_inherited();
    let consumers: HashMap<String, Arc<Limiter>> = catalog
        .consumers
        .values()
        .filter_map(|c| {
            let rate = c.rate?;
            let kept = prev
                .and_then(|p| p.consumers.get(&c.id))
                .filter(|l| l.rate == rate);
            let limiter = kept.map_or_else(|| Arc::new(Limiter::new(rate)), Arc::clone);
            Some((c.id.clone(), limiter))
        })
        .collect();
    Ok(Runtime {
        datasets,
        consumers,
        harvest,
        clients,
        catalog_body: OnceLock::new(),
    })
}

/// The live state of `ds`, taken over from `old` (the same dataset before the reload) where
/// the rules allow.
fn dataset(
    ds: &Dataset,
    old: Option<&DatasetRuntime>,
    clients: &UpstreamClients,
) -> Result<DatasetRuntime, RuntimeError> {
    let spec = &ds.source;
    let unchanged = old.filter(|o| {
        o.spec == *spec
            && match spec {
                SourceSpec::Http(h) => clients.known(&h.tls()),
                SourceSpec::Sql(_) => true,
            }
    });
    let source = match unchanged {
        Some(o) => {
            if let SourceSpec::Http(h) = spec {
                // Take the shared client over too, for other sources with the same TLS.
                let _ = clients.get(&h.tls());
            }
            o.source.clone()
        }
        None => Arc::new(Source::build(spec, clients).map_err(|source| RuntimeError {
            dataset: format!("{}/{}", ds.agency, ds.id),
            source,
        })?),
    };
    let (failures, cooldown) = spec.breaker();
    let same_endpoint = old.filter(|o| o.spec.endpoint() == spec.endpoint());
    let (breaker, health) = match same_endpoint {
        Some(o) => {
            o.breaker.configure(failures, cooldown);
            (o.breaker.clone(), o.health.clone())
        }
        None => (Arc::new(Breaker::new(failures, cooldown)), Arc::default()),
    };
    let limiter = ds.rate.map(|rate| {
        old.and_then(|o| o.limiter.as_ref())
            .filter(|l| l.rate == rate)
            .map_or_else(|| Arc::new(KeyedLimiter::new(rate)), Arc::clone)
    });
    Ok(DatasetRuntime {
        spec: spec.clone(),
        source,
        breaker,
        health,
        limiter,
    })
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use crate::config::{load, Catalog, HarvestSettings, Overrides};
    use crate::runtime::{DatasetRuntime, Runtime};
    use crate::source::breaker::{Admit, BreakerState};

    /// A catalogue of two HTTP datasets, `a` and `b`, with the given source lines.
    fn catalog(a: &str, b: &str, consumers: &str) -> Catalog {
        let dir = tempfile::tempdir().unwrap();
        let w = |rel: &str, text: &str| {
            let p = dir.path().join(rel);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(p, text).unwrap();
        };
        w("schemas/s.json", r#"{"type":"object"}"#);
        w("policies/consumers.toml", consumers);
        let ds = |id: &str, source: &str| {
            format!("[[datasets]]\nid = \"{id}\"\ntitle = \"T\"\nrequest_schema = \"s.json\"\nresponse_schema = \"s.json\"\n[datasets.source]\nkind = \"http\"\n{source}\n")
        };
        let agency = format!(
            "id = \"x\"\nname = \"X\"\nkind = \"sector\"\n{}{}",
            ds("a", a),
            ds("b", b)
        );
        w("policies/agencies/x.toml", &agency);
        load(dir.path(), &Overrides::default())
            .unwrap_or_else(|d| panic!("{d}"))
            .catalog
    }

    fn live<'a>(rt: &'a Runtime, c: &Catalog, id: &str) -> &'a DatasetRuntime {
        rt.dataset(c.dataset("x", id).unwrap()).unwrap()
    }

    const ONE: &str =
        "[[consumers]]\nid = \"c1\"\nname = \"C\"\njwt_subject = \"c1\"\nrate_per_second = 5\n";

    #[test]
    fn carry_keeps_state_by_key_and_follows_changed_settings() {
        let a = "url = \"http://127.0.0.1:9/a\"\nbreaker_failures = 1";
        let b = "url = \"http://127.0.0.1:9/b\"";
        let first = catalog(a, b, ONE);
        let rt1 = Runtime::build(&first, HarvestSettings::default()).unwrap();
        let (a1, b1) = (live(&rt1, &first, "a"), live(&rt1, &first, "b"));
        assert!(a1.breaker.record(Admit::Closed, true), "a's breaker opens");

        // a: same URL, another timeout; b: another URL; a second consumer.
        let two = format!("{ONE}[[consumers]]\nid = \"c2\"\nname = \"D\"\njwt_subject = \"c2\"\n");
        let second = catalog(
            &format!("{a}\ntimeout = \"3s\""),
            "url = \"http://127.0.0.1:9/moved\"",
            &two,
        );
        let rt2 = rt1.carry(&second).unwrap();
        let (a2, b2) = (live(&rt2, &second, "a"), live(&rt2, &second, "b"));
        assert!(Arc::ptr_eq(&a1.breaker, &a2.breaker));
        assert_eq!(a2.breaker.state(), BreakerState::Open, "still open");
        assert!(Arc::ptr_eq(&a1.health, &a2.health));
        assert!(
            !Arc::ptr_eq(&a1.source, &a2.source),
            "a new timeout: a new source"
        );
        assert!(
            !Arc::ptr_eq(&b1.breaker, &b2.breaker),
            "a moved source starts closed"
        );
        assert!(!Arc::ptr_eq(&b1.health, &b2.health));
        let limiter = |rt: &Runtime| rt.consumers.get("c1").unwrap().clone();
        assert!(
            Arc::ptr_eq(&limiter(&rt1), &limiter(&rt2)),
            "same rate, same quota"
        );
        assert!(rt2.harvest.watches("c2"), "a new consumer is watched");
        assert!(rt2.consumer_limiter("c2").is_some(), "default rate 100/s");

        let third = catalog(a, b, &ONE.replace("= 5", "= 6"));
        let rt3 = rt2.carry(&third).unwrap();
        assert!(
            !Arc::ptr_eq(&limiter(&rt2), &limiter(&rt3)),
            "a new rate, a new quota"
        );
        assert!(
            !rt3.harvest.watches("c2"),
            "a removed consumer is forgotten"
        );
    }
}
