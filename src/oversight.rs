//! Oversight of refusals: the competent authority reviews each refusal (`upheld` or
//! `overturned`, with a note), within a deadline; overturned refusals count against the agency
//! in the ranking.
//!
//! # Layout
//! - [`reviews`]: the append-only, hash-chained review log (never an UPDATE of a verdict).
//! - [`refusals`]: refusals from the audit log with their current review, filtered and scoped.
//! - [`appeals`]: a refusal's case story in the audit chain — justification, appeal, verdict.
//! - [`changes`]: catalogue changes proposed by agency officers, four eyes on what narrows
//!   sharing — proposal, approval, rejection in the audit chain.
//! - [`export`]: a period's refusals, justifications, appeals and verdicts for formal reports
//!   (JSON, CSV, a printable HTML report).
//!
//! The HTTP side (`/v1/oversight/…` and the `/oversight` page) is the server's
//! (`server/api/oversight.rs`); this module knows nothing of requests and responses.

pub mod appeals;
pub mod changes;
pub mod export;
pub mod refusals;
pub mod reviews;

pub use reviews::{
    current_verdicts, InvalidReview, NewReview, Review, ReviewError, Verdict, VerdictFact,
};

/// A refusal should be reviewed within this many days of being recorded.
pub const REVIEW_WITHIN_DAYS: i64 = 30;
