//! The mandate register (`policies/mandates.toml`), kept by the competent authority apart from
//! the agency files: every ranked unit and every mandated dataset with its six "clear" fields
//! (task, responsible official, deadline, product, assigning authority, instrument), its
//! declared status history and its extensions. An agency file cannot create, move or remove a
//! mandate. Without a register file every agency file is its own unit with no mandates.

use jiff::civil::Date;
use serde::{Deserialize, Serialize};

/// What kind of unit is ranked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum UnitKind {
    Ministry,
    Sector,
    Province,
    /// A centrally-run city (ranked with the provinces).
    City,
}

impl UnitKind {
    pub fn as_str(self) -> &'static str {
        match self {
            UnitKind::Ministry => "ministry",
            UnitKind::Sector => "sector",
            UnitKind::Province => "province",
            UnitKind::City => "city",
        }
    }
}

/// The group a unit is ranked within.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum UnitGroup {
    /// Ministries and sectors.
    Central,
    /// Provinces and centrally-run cities.
    Provinces,
}

impl UnitGroup {
    pub fn as_str(self) -> &'static str {
        match self {
            UnitGroup::Central => "central",
            UnitGroup::Provinces => "provinces",
        }
    }
}

/// One ranked unit.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Unit {
    pub id: String,
    /// Official administrative-division code (provinces, cities); for ministries and sectors,
    /// which have none, the register's own stable code (see the file's header).
    pub code: String,
    pub name_vi: String,
    pub name_en: String,
    pub kind: UnitKind,
    pub group: UnitGroup,
    /// The agency file (`policies/agencies/<agency>.toml`) that connects this unit.
    pub agency: String,
}

/// A status the authority records for a mandate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Declared {
    Assigned,
    Connected,
    Serving,
}

/// One entry of a mandate's status history.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StatusChange {
    pub status: Declared,
    pub on: Date,
    pub note: Option<String>,
}

/// A deadline extension: the new deadline and the instrument that granted it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Extension {
    pub deadline: Date,
    pub instrument: String,
}

/// A mandated dataset.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RegisteredMandate {
    /// The responsible unit.
    pub unit: String,
    /// What must be delivered.
    pub task: String,
    /// The responsible official.
    pub official: String,
    /// The deadline in force: the last extension's, or the original.
    pub deadline: Date,
    pub original_deadline: Date,
    /// The product: `agency/dataset`.
    pub agency: String,
    pub dataset: String,
    /// Who assigned it, and by which instrument.
    pub assigned_by: String,
    pub instrument: String,
    pub history: Vec<StatusChange>,
    pub extensions: Vec<Extension>,
}

impl RegisteredMandate {
    /// `agency/dataset`.
    pub fn product(&self) -> String {
        format!("{}/{}", self.agency, self.dataset)
    }

    /// The latest declared status.
    pub fn declared(&self) -> Option<Declared> {
        self.history.last().map(|h| h.status)
    }
}

/// The register: units in file order, mandates in file order.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Register {
    /// True when `policies/mandates.toml` exists (otherwise units are derived from agencies).
    pub declared: bool,
    pub units: Vec<Unit>,
    pub mandates: Vec<RegisteredMandate>,
}

impl Register {
    pub fn unit(&self, id: &str) -> Option<&Unit> {
        self.units.iter().find(|u| u.id == id)
    }

    /// The unit connected by agency file `agency`.
    pub fn unit_of_agency(&self, agency: &str) -> Option<&Unit> {
        self.units.iter().find(|u| u.agency == agency)
    }

    /// The mandates of unit `unit`.
    pub fn mandates_of<'a>(
        &'a self,
        unit: &'a str,
    ) -> impl Iterator<Item = &'a RegisteredMandate> + 'a {
        self.mandates.iter().filter(move |m| m.unit == unit)
    }

    /// The mandate on `agency/dataset`, if any.
    pub fn mandate(&self, agency: &str, dataset: &str) -> Option<&RegisteredMandate> {
        self.mandates
            .iter()
            .find(|m| m.agency == agency && m.dataset == dataset)
    }
}
