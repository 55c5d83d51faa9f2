//! The loaded catalogue: agencies, their datasets, consumers, the state-secret list and the
//! mandate register — only
//! what the files declare, validated. What a running gateway keeps besides (sources, breakers,
//! limiters, health, the harvest alarm) is `crate::runtime`.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::identity::{Consumer, KeyRing, Rate};
use crate::ids::Ident;
use crate::policy::RefusalRule;
use crate::source::SourceSpec;
use crate::validate::Schema;

/// The unit that is ranked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum AgencyKind {
    Ministry,
    Sector,
    Province,
}

impl AgencyKind {
    pub fn as_str(self) -> &'static str {
        match self {
            AgencyKind::Ministry => "ministry",
            AgencyKind::Sector => "sector",
            AgencyKind::Province => "province",
        }
    }
}

/// What to do with a source answer that breaks the response schema.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum InvalidResponseAction {
    /// Block it: the consumer gets 502 (`invalid_response`). The default.
    #[default]
    Block,
    /// Pass it through; the audit record marks the response schema `invalid`.
    Flag,
}

/// One shareable dataset.
#[derive(Debug)]
pub struct Dataset {
    pub agency: Ident,
    pub id: Ident,
    pub title: String,
    pub description: String,
    pub request_schema: Arc<Schema>,
    pub response_schema: Arc<Schema>,
    pub on_invalid_response: InvalidResponseAction,
    pub subject_field: Option<String>,
    pub refresh_period: Option<Duration>,
    /// JSON pointer to the date/time each response declares its data is as of.
    pub freshness_pointer: Option<String>,
    /// The parameters the readiness probe sends (a request-schema-valid object): the
    /// dataset's `probe = { … }`, else built from its request schema's `examples`; `None`
    /// when neither gives one (the dataset is then not probed).
    pub probe: Option<serde_json::Value>,
    /// The source as declared, its relative paths resolved against the config directory.
    pub source: SourceSpec,
    pub refusals: Vec<RefusalRule>,
    /// Quota each consumer has on this dataset (`rate_per_second`/`burst`), if declared.
    pub rate: Option<Rate>,
    /// Requests must name their case and end user (`require_case`).
    pub require_case: bool,
    /// Purpose-bound field rules (`[[datasets.fields]]`), in file order.
    pub fields: Vec<crate::policy::FieldRule>,
}

/// A ministry, sector or province.
#[derive(Debug)]
pub struct Agency {
    pub id: Ident,
    pub name: String,
    pub kind: AgencyKind,
    /// Routable datasets by id (state-secret ones are not here).
    pub datasets: BTreeMap<String, Arc<Dataset>>,
}

/// An entry of the state-secret list.
#[derive(Debug, Clone)]
pub struct SecretEntry {
    pub agency: String,
    pub dataset: String,
    pub listed_by: String,
}

/// Everything `policies/` and `schemas/` declare, validated and ready to serve.
#[derive(Debug, Default)]
pub struct Catalog {
    pub agencies: BTreeMap<String, Agency>,
    pub consumers: BTreeMap<String, Arc<Consumer>>,
    pub keys: KeyRing,
    /// agency → dataset → entry.
    pub secrets: HashMap<String, HashMap<String, SecretEntry>>,
    /// Every schema by its path under `schemas/`.
    pub schemas: BTreeMap<String, Arc<Schema>>,
    /// The exact text of the files this catalogue was loaded from, and their digest.
    pub version: Arc<super::CatalogVersion>,
    /// The mandate register: every ranked unit and mandated dataset.
    pub register: super::register::Register,
}

impl Catalog {
    /// The dataset `agency/dataset`, if declared and routable.
    pub fn dataset(&self, agency: &str, dataset: &str) -> Option<&Arc<Dataset>> {
        self.agencies.get(agency)?.datasets.get(dataset)
    }

    /// The state-secret entry for `agency/dataset`, if listed.
    pub fn secret(&self, agency: &str, dataset: &str) -> Option<&SecretEntry> {
        self.secrets.get(agency)?.get(dataset)
    }

    /// Every routable dataset.
    pub fn datasets(&self) -> impl Iterator<Item = &Arc<Dataset>> {
        self.agencies.values().flat_map(|a| a.datasets.values())
    }

    /// Number of routable datasets.
    pub fn dataset_count(&self) -> usize {
        self.agencies.values().map(|a| a.datasets.len()).sum()
    }
}
