//! The domain errors a handler meets, each turned into its problem once: a store that cannot
//! be read, a review that cannot be recorded, an export too large, a ranking that cannot be computed, a query
//! parameter or review body that cannot be used.

use super::{Problem, ProblemKind};
use crate::audit::StoreError;
use crate::oversight::export::ExportError;
use crate::oversight::{InvalidReview, ReviewError};
use crate::ranking::RankingError;
use crate::server::api::query::BadParam;
use crate::validate::FieldError;

/// 503 `audit-unavailable`: the audit store did not answer (the cause is only logged).
impl From<StoreError> for Problem {
    fn from(e: StoreError) -> Problem {
        Problem::unreadable("the audit store", &e)
    }
}

/// 404 / 400 / 409 for what the reviewer can fix; 503 when the store failed.
impl From<ReviewError> for Problem {
    fn from(e: ReviewError) -> Problem {
        match e {
            ReviewError::NotFound => Problem::not_found(e.to_string()),
            ReviewError::NotARefusal(..) => {
                Problem::new(ProblemKind::InvalidRequest, e.to_string())
            }
            ReviewError::AlreadyReviewed(_) => Problem::new(ProblemKind::Conflict, e.to_string()),
            ReviewError::Contended | ReviewError::Store(_) | ReviewError::Database(_) => {
                Problem::unreadable("the audit store", &e)
            }
        }
    }
}

/// 400 `invalid-request` for a period too large to export whole; 503 when the store failed.
impl From<ExportError> for Problem {
    fn from(e: ExportError) -> Problem {
        match e {
            ExportError::TooLarge => Problem::new(ProblemKind::InvalidRequest, e.to_string()),
            ExportError::Store(e) => e.into(),
            ExportError::Review(e) => e.into(),
        }
    }
}

/// 400 `invalid-request`, with the body field at fault in `errors`.
impl From<InvalidReview> for Problem {
    fn from(e: InvalidReview) -> Problem {
        Problem::new(
            ProblemKind::InvalidRequest,
            "the review body is not acceptable; see `errors`",
        )
        .with_errors(vec![FieldError {
            pointer: e.pointer().into(),
            detail: e.to_string(),
        }])
    }
}

/// 503 `audit-unavailable`: the ranking is computed from the audit store.
impl From<RankingError> for Problem {
    fn from(e: RankingError) -> Problem {
        tracing::error!(error = %e, "ranking could not be computed");
        Problem::new(
            ProblemKind::AuditUnavailable,
            "the ranking cannot be computed right now; try again shortly",
        )
    }
}

/// 400 `invalid-request` naming the parameter and what it should be.
impl From<BadParam> for Problem {
    fn from(e: BadParam) -> Problem {
        Problem::new(ProblemKind::InvalidRequest, e.to_string())
    }
}
