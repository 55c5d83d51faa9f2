//! Data subjects: the people records are about.
//!
//! Where a dataset declares a `subject_field`, the request's subject identifier is kept only as
//! a keyed hash ([`SubjectKey`], HMAC-SHA256 under the gateway's own key) in the audit record.
//! That hash lets a citizen see who accessed their records ([`access_log`]) and lets the
//! gateway notice a consumer touching far more distinct people than usual ([`harvest`]).

pub mod access_log;
pub mod harvest;
mod key;

pub use harvest::{Alarm, Harvest};
pub use key::{subject_value, SubjectKey, SubjectKeyError};
