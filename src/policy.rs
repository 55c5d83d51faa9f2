//! The sharing decision: share (the default), refuse with a justification, or exempt.
//!
//! Sharing is the default. A dataset on the state-secret list is *exempt* and never routed;
//! that check happens before the dataset is even looked up ([`crate::config::Catalog::secret`]).
//! Every other "no" is a *refusal* and carries a [`Justification`], which cannot be empty.

mod justification;
mod rules;

pub use justification::{EmptyText, Justification, JustificationStatus, Text};
pub use rules::{decide, Decision, RefusalRule};
