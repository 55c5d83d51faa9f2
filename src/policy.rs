//! The sharing decision: share (the default), refuse with a justification, or exempt.
//!
//! Sharing is the default. A dataset on the state-secret list is *exempt* and never routed;
//! that check happens before the dataset is even looked up ([`crate::config::Catalog::secret`]).
//! Every other "no" is a *refusal* and carries a [`Justification`]: the one type the problem
//! answer and the audit record show, justified (legal basis and reason, never empty) or not.

mod fields;
mod justification;
mod rules;

pub use fields::{rule_for, FieldRule};
pub use justification::{
    BadJustification, EmptyText, Grounds, Justification, JustificationStatus, Text,
};
pub use rules::{decide, Decision, RefusalRule};
