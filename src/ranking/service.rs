//! The ranking as a running gateway keeps it: a background task that rolls the log up, takes
//! the daily snapshot and freezes yesterday's official edition, and a short-lived cache so
//! public pages cost one computation per `cache_ttl` whatever the traffic.

use std::collections::HashMap;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;
use std::time::Instant;

use arc_swap::ArcSwap;
use tokio::sync::Mutex;

use super::edition::{self, Edition, EditionError};
use super::rollup::ConsumerAgencies;
use super::rollup_store::{self, CatchUp};
use super::{engine, inputs, render, snapshot, Ranking, RankingError, RankingSettings};
use crate::audit::note::NoteSigner;
use crate::audit::{now_ms, Store};
use crate::calendar;
use crate::config::Catalog;

/// Pages rolled up per node in one background cycle (bounded work per tick).
const PAGES_PER_CYCLE: u64 = 200;

/// Shared by the HTTP handlers and the background task.
pub struct Service {
    store: Store,
    /// The catalogue in force and the consumer → agency map derived from it (swapped on reload).
    state: ArcSwap<State>,
    pub settings: RankingSettings,
    /// Serialises rollups within this process (other processes are fenced by the watermark).
    rollup: Mutex<()>,
    cache: Mutex<HashMap<u32, (Instant, Arc<Ranking>)>>,
    /// The checkpoint key and origin that sign editions (none: editions are not frozen).
    editions: Option<(NoteSigner, String)>,
    /// Day number of the last date whose edition this process knows is frozen.
    frozen: AtomicI64,
}

struct State {
    catalog: Arc<Catalog>,
    agencies: ConsumerAgencies,
}

impl Service {
    pub fn new(store: Store, catalog: Arc<Catalog>, settings: RankingSettings) -> Service {
        Service {
            state: ArcSwap::from_pointee(State {
                agencies: ConsumerAgencies::from_catalog(&catalog).in_zone(&settings.timezone),
                catalog,
            }),
            store,
            settings,
            rollup: Mutex::new(()),
            cache: Mutex::new(HashMap::new()),
            editions: None,
            frozen: AtomicI64::new(i64::MIN),
        }
    }

    /// Sign editions with the checkpoint key `signer` under `origin` (`[audit] origin`).
    pub fn with_edition_signer(mut self, signer: NoteSigner, origin: String) -> Service {
        self.editions = Some((signer, origin));
        self
    }

    pub fn store(&self) -> &Store {
        &self.store
    }

    /// A reloaded catalogue is in force: rank against it from now on.
    pub async fn set_catalog(&self, catalog: Arc<Catalog>) {
        self.state.store(Arc::new(State {
            agencies: ConsumerAgencies::from_catalog(&catalog).in_zone(&self.settings.timezone),
            catalog,
        }));
        self.cache.lock().await.clear();
    }

    /// Default window in whole days.
    pub fn default_days(&self) -> u32 {
        calendar::whole_days(self.settings.window).clamp(1, u64::from(super::MAX_WINDOW_DAYS))
            as u32
    }

    /// Roll up what the log has added since the last time.
    pub async fn refresh(&self, max_pages: Option<u64>) -> Result<CatchUp, RankingError> {
        let _one = self.rollup.lock().await;
        let state = self.state.load_full();
        rollup_store::catch_up(&self.store, &state.agencies, max_pages).await
    }

    /// Compute now, without the cache.
    pub async fn compute(&self, days: u32) -> Result<Ranking, RankingError> {
        self.compute_at(days, now_ms()).await
    }

    /// The ranking as of `at` (Unix ms) over `days`, against the catalogue in force.
    async fn compute_at(&self, days: u32, at: i64) -> Result<Ranking, RankingError> {
        let inputs = inputs::load(&self.store, days, at, &self.settings.timezone).await?;
        let state = self.state.load_full();
        Ok(engine::compute(
            &state.catalog,
            &state.agencies,
            &inputs,
            self.settings.min_consumer_days,
            at,
        ))
    }

    /// Freeze the official edition of `date`, a day over by `now` (in `[ranking] timezone`):
    /// everything the log holds is rolled up, the ranking is computed as of the day's last
    /// millisecond over the default window, signed and stored. True if frozen now; false when
    /// `date` already had an edition (editions never change).
    pub async fn freeze_edition(
        &self,
        date: jiff::civil::Date,
        now: i64,
    ) -> Result<bool, RankingError> {
        let zone = &self.settings.timezone;
        edition::check_over(date, zone, now)?;
        if edition::store::exists(&self.store, date).await? {
            return Ok(false);
        }
        let (signer, origin) = self.editions.as_ref().ok_or(EditionError::NoSigner)?;
        self.refresh(None).await?;
        let at = zone.end_ms(date) - 1;
        let mut r = self.compute_at(self.default_days(), at).await?;
        let day = zone.day_of(at);
        for a in &mut r.agencies {
            a.trend.retain(|p| p.day <= day);
        }
        let mut body = render::json(&r);
        body.pop();
        let body = String::from_utf8(body).map_err(|e| RankingError::Corrupt(e.to_string()))?;
        let e = Edition::sign(signer, origin, date, zone.name(), r.methodology, body);
        edition::store::insert(&self.store, &e, &r, &render::csv(&r), now).await
    }

    /// Freeze yesterday's edition if this process has not seen it frozen yet.
    async fn freeze_yesterday(&self, now: i64) -> Result<(), RankingError> {
        let today = self.settings.timezone.date_of(now);
        let Ok(yesterday) = today.yesterday() else {
            return Ok(());
        };
        let n = crate::calendar::day_number(yesterday);
        if self.editions.is_none() || self.frozen.load(Ordering::Relaxed) >= n {
            return Ok(());
        }
        if self.freeze_edition(yesterday, now).await? {
            tracing::info!(edition = %yesterday, "ranking edition frozen and signed");
        }
        self.frozen.fetch_max(n, Ordering::Relaxed);
        Ok(())
    }

    /// The daily monitoring report of `date` (default: today in `[ranking] timezone`), from the
    /// ranking as of the end of that day (or now, for today).
    pub async fn daily(
        &self,
        date: Option<jiff::civil::Date>,
    ) -> Result<super::daily::DailyReport, RankingError> {
        let zone = &self.settings.timezone;
        let now = now_ms();
        let date = date.unwrap_or_else(|| zone.date_of(now));
        self.refresh(Some(PAGES_PER_CYCLE)).await?;
        let at = now.min(zone.end_ms(date) - 1);
        let r = self.compute_at(self.default_days(), at).await?;
        super::daily::build(&self.store, &r, date, zone).await
    }

    /// The ranking over `days`, at most `cache_ttl` old.
    pub async fn current(&self, days: u32) -> Result<Arc<Ranking>, RankingError> {
        let mut cache = self.cache.lock().await;
        if let Some((at, r)) = cache.get(&days) {
            if at.elapsed() < self.settings.cache_ttl {
                return Ok(r.clone());
            }
        }
        self.refresh(Some(PAGES_PER_CYCLE)).await?;
        let r = Arc::new(self.compute(days).await?);
        cache.insert(days, (Instant::now(), r.clone()));
        Ok(r)
    }

    /// One background cycle: roll up, freeze yesterday's edition once the day is over, then
    /// snapshot the day if it has none yet.
    pub async fn cycle(&self) -> Result<(), RankingError> {
        self.refresh(Some(PAGES_PER_CYCLE)).await?;
        self.freeze_yesterday(now_ms()).await?;
        let days = self.default_days();
        if snapshot::get(&self.store, self.settings.timezone.day_of(now_ms()), days)
            .await?
            .is_some()
        {
            return Ok(());
        }
        let r = self.compute(days).await?;
        if snapshot::take_if_due(&self.store, &r).await? {
            tracing::info!(
                day = %self.settings.timezone.format_date(r.computed_ms),
                "ranking snapshot stored"
            );
        }
        Ok(())
    }

    /// Run [`Service::cycle`] every `rollup_interval`, for ever (the gateway runs this under
    /// its cancellation token).
    pub async fn run(self: Arc<Self>) {
        // A zero interval would spin (and tokio refuses it): at least 100 ms.
        let every = self
            .settings
            .rollup_interval
            .max(std::time::Duration::from_millis(100));
        let mut tick = tokio::time::interval(every);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            if let Err(e) = self.cycle().await {
                tracing::warn!(error = %e, "ranking rollup cycle failed; will retry");
            }
        }
    }
}
