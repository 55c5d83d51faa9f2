//! RFC 9457 problem+json: every "no" the gateway gives, described once ([`ProblemKind`]) and
//! rendered in one place (the router turns every handler's `Err(Problem)` into a response).
//!
//! A problem never carries internals (no SQL, no upstream addresses, no stack): the `detail` is
//! written for the person reading it, and the `request_id` points at the audit record. The
//! domain errors that reach a handler become problems in `problem/convert.rs`.

mod convert;

use bytes::Bytes;
use http::{header, HeaderValue, Response, StatusCode};
use http_body_util::Full;
use serde::Serialize;

use crate::audit::Outcome;
use crate::policy::Justification;
use crate::validate::FieldError;

/// The kinds of "no". Each has a stable `type` URI, a title and a status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProblemKind {
    Unauthenticated,
    Forbidden,
    RateLimited,
    /// The consumer is blocked by the bulk-harvest alarm (recorded `rate_limited`).
    HarvestBlocked,
    /// The client was too slow sending its request body.
    RequestTimeout,
    MissingPurpose,
    NotFound,
    MethodNotAllowed,
    Conflict,
    Exempt,
    Refused,
    InvalidRequest,
    PayloadTooLarge,
    UnsupportedMediaType,
    NotFoundAtSource,
    SourceError,
    SourceTimeout,
    /// The source's circuit breaker is open: answered at once, the source not asked.
    SourceUnavailable,
    InvalidResponse,
    /// `[server] request_timeout` ran out before the phases finished.
    DeadlineExceeded,
    AuditUnavailable,
    NotYetCheckpointed,
    /// The dataset has `require_case` and the request named no case or no end user.
    CaseRequired,
    /// `Data-Case`, `On-Behalf-Of` or `Data-User-Token` is unusable.
    InvalidCase,
    /// `On-Behalf-Of` from a consumer not marked `trusted_on_behalf`.
    OnBehalfNotTrusted,
    /// The dataset has field rules and none names the request's purpose.
    PurposeNotServed,
    /// A case justification arrived after `[oversight] justification_within`.
    JustificationLate,
    /// A proposed catalogue change is malformed or the catalogue does not load with it.
    InvalidProposal,
    /// A staff sign-in that failed its checks (state, nonce, ID token, the provider's answer).
    SignInFailed,
    /// The sign-in provider cannot be reached or described itself unusably.
    SignInUnavailable,
    Internal,
}

impl ProblemKind {
    /// (slug, title, status)
    fn meta(self) -> (&'static str, &'static str, StatusCode) {
        use ProblemKind::*;
        match self {
            Unauthenticated => (
                "unauthenticated",
                "Authentication required",
                StatusCode::UNAUTHORIZED,
            ),
            Forbidden => (
                "forbidden",
                "Not allowed for your role",
                StatusCode::FORBIDDEN,
            ),
            RateLimited => (
                "rate-limited",
                "Too many requests",
                StatusCode::TOO_MANY_REQUESTS,
            ),
            HarvestBlocked => (
                "harvest-blocked",
                "Blocked: unusually many distinct data subjects",
                StatusCode::TOO_MANY_REQUESTS,
            ),
            RequestTimeout => (
                "request-timeout",
                "The request body arrived too slowly",
                StatusCode::REQUEST_TIMEOUT,
            ),
            MissingPurpose => (
                "missing-purpose",
                "Data-Purpose header required",
                StatusCode::BAD_REQUEST,
            ),
            NotFound => ("not-found", "No such resource", StatusCode::NOT_FOUND),
            MethodNotAllowed => (
                "method-not-allowed",
                "Method not allowed",
                StatusCode::METHOD_NOT_ALLOWED,
            ),
            Conflict => (
                "conflict",
                "Conflicts with the current state",
                StatusCode::CONFLICT,
            ),
            Exempt => (
                "exempt",
                "Exempt from sharing (state-secret list)",
                StatusCode::FORBIDDEN,
            ),
            Refused => ("refused", "Sharing refused", StatusCode::FORBIDDEN),
            InvalidRequest => (
                "invalid-request",
                "The request does not match the dataset's request schema",
                StatusCode::BAD_REQUEST,
            ),
            PayloadTooLarge => (
                "payload-too-large",
                "Request body too large",
                StatusCode::PAYLOAD_TOO_LARGE,
            ),
            UnsupportedMediaType => (
                "unsupported-media-type",
                "Send the request body as application/json",
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ),
            NotFoundAtSource => (
                "not-found-at-source",
                "No matching record at the source",
                StatusCode::NOT_FOUND,
            ),
            SourceError => (
                "source-error",
                "The agency's source failed",
                StatusCode::BAD_GATEWAY,
            ),
            DeadlineExceeded => (
                "deadline-exceeded",
                "The request did not complete in time",
                StatusCode::GATEWAY_TIMEOUT,
            ),
            SourceTimeout => (
                "source-timeout",
                "The agency's source did not answer in time",
                StatusCode::GATEWAY_TIMEOUT,
            ),
            SourceUnavailable => (
                "source-unavailable",
                "The agency's source is unavailable (circuit open)",
                StatusCode::SERVICE_UNAVAILABLE,
            ),
            InvalidResponse => (
                "invalid-response",
                "The source's answer broke the dataset's published schema",
                StatusCode::BAD_GATEWAY,
            ),
            AuditUnavailable => (
                "audit-unavailable",
                "The audit log cannot record this request, so nothing is served",
                StatusCode::SERVICE_UNAVAILABLE,
            ),
            NotYetCheckpointed => (
                "not-yet-checkpointed",
                "Not yet covered by a signed checkpoint",
                StatusCode::CONFLICT,
            ),
            CaseRequired => (
                "case-required",
                "Data-Case and end user required",
                StatusCode::BAD_REQUEST,
            ),
            InvalidCase => (
                "invalid-case",
                "Unusable case or end-user header",
                StatusCode::BAD_REQUEST,
            ),
            OnBehalfNotTrusted => (
                "on-behalf-not-trusted",
                "Not trusted to name an end user",
                StatusCode::FORBIDDEN,
            ),
            PurposeNotServed => (
                "purpose-not-served",
                "No fields of this dataset are released for that purpose",
                StatusCode::FORBIDDEN,
            ),
            JustificationLate => (
                "justification-late",
                "Too late to justify this refusal",
                StatusCode::CONFLICT,
            ),
            InvalidProposal => (
                "invalid-proposal",
                "The proposed catalogue change is not valid",
                StatusCode::BAD_REQUEST,
            ),
            SignInFailed => ("sign-in-failed", "Sign-in failed", StatusCode::BAD_REQUEST),
            SignInUnavailable => (
                "sign-in-unavailable",
                "The sign-in provider is unavailable",
                StatusCode::SERVICE_UNAVAILABLE,
            ),
            Internal => (
                "internal",
                "Internal error",
                StatusCode::INTERNAL_SERVER_ERROR,
            ),
        }
    }

    pub fn status(self) -> StatusCode {
        self.meta().2
    }

    pub fn slug(self) -> &'static str {
        self.meta().0
    }
}

/// One problem, ready to render.
#[derive(Debug, Clone)]
pub struct Problem {
    pub kind: ProblemKind,
    pub detail: String,
    /// Overrides the kind's status (a source's 451 stays 451).
    pub status: Option<StatusCode>,
    /// A refusal's justification, shown exactly as it is recorded.
    pub justification: Option<Box<Justification>>,
    pub errors: Vec<FieldError>,
    /// Extra headers, e.g. `WWW-Authenticate`, `Allow`.
    pub headers: Vec<(header::HeaderName, HeaderValue)>,
    /// The audit record of this answer (data requests only): body field and `Request-Id` header.
    pub request_id: Option<String>,
}

#[derive(Serialize)]
struct Body<'a> {
    #[serde(rename = "type")]
    type_: String,
    title: &'a str,
    status: u16,
    detail: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    request_id: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    justification: Option<&'a Justification>,
    #[serde(skip_serializing_if = "<[FieldError]>::is_empty")]
    errors: &'a [FieldError],
}

impl Problem {
    pub fn new(kind: ProblemKind, detail: impl Into<String>) -> Problem {
        Problem {
            kind,
            detail: detail.into(),
            status: None,
            justification: None,
            errors: Vec::new(),
            headers: Vec::new(),
            request_id: None,
        }
    }

    /// 403 `forbidden`: the caller is known but its role does not reach this.
    pub fn forbidden(detail: impl Into<String>) -> Problem {
        Problem::new(ProblemKind::Forbidden, detail)
    }

    /// 404 `not-found`.
    pub fn not_found(detail: impl Into<String>) -> Problem {
        Problem::new(ProblemKind::NotFound, detail)
    }

    /// 503 `audit-unavailable` for a read that failed: the cause is logged, never shown.
    /// `what` names the thing that could not be read, e.g. "the access log".
    pub fn unreadable(what: &str, cause: &dyn std::error::Error) -> Problem {
        tracing::error!(error = %cause, "{what} read failed");
        Problem::new(
            ProblemKind::AuditUnavailable,
            format!("{what} cannot be read right now; try again shortly"),
        )
    }

    /// Attach the audit record's id (rendered in the body and as `Request-Id`).
    pub fn with_request_id(mut self, request_id: impl Into<String>) -> Problem {
        self.request_id = Some(request_id.into());
        self
    }

    /// Add `Retry-After: secs`.
    pub fn with_retry_after(mut self, secs: u64) -> Problem {
        self.headers
            .push((header::RETRY_AFTER, HeaderValue::from(secs)));
        self
    }

    /// A refusal, with the justification the consumer is shown (and the record keeps).
    pub fn refused(detail: impl Into<String>, justification: Justification) -> Problem {
        let mut p = Problem::new(ProblemKind::Refused, detail);
        p.justification = Some(Box::new(justification));
        p
    }

    pub fn with_errors(mut self, errors: Vec<FieldError>) -> Problem {
        self.errors = errors;
        self
    }

    pub fn with_header(mut self, name: header::HeaderName, value: &'static str) -> Problem {
        self.headers.push((name, HeaderValue::from_static(value)));
        self
    }

    pub fn status(&self) -> StatusCode {
        self.status.unwrap_or(self.kind.status())
    }

    /// The `type` URI: documented in docs/problems.md.
    pub fn type_uri(&self) -> String {
        format!("https://dxgate.dev/problems/{}", self.kind.slug())
    }

    /// Render as `application/problem+json`. Only the router calls this
    /// (`server::router::respond`): handlers return `Err(Problem)`.
    pub fn render(&self) -> Response<Full<Bytes>> {
        let request_id = self.request_id.as_deref();
        let (_, title, _) = self.kind.meta();
        let status = self.status();
        let body = Body {
            type_: self.type_uri(),
            title,
            status: status.as_u16(),
            detail: &self.detail,
            request_id,
            justification: self.justification.as_deref(),
            errors: &self.errors,
        };
        let bytes = serde_json::to_vec(&body).unwrap_or_else(|_| b"{}".to_vec());
        let mut resp = Response::new(Full::new(Bytes::from(bytes)));
        *resp.status_mut() = status;
        let h = resp.headers_mut();
        h.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/problem+json"),
        );
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        for (k, v) in &self.headers {
            h.insert(k.clone(), v.clone());
        }
        if let Some(id) = request_id.and_then(|id| HeaderValue::from_str(id).ok()) {
            h.insert("request-id", id);
        }
        resp
    }
}

/// Which outcome a problem kind stands for in the audit log (data requests only).
pub fn outcome_of(kind: ProblemKind) -> Outcome {
    use ProblemKind::*;
    match kind {
        Unauthenticated => Outcome::Unauthenticated,
        RateLimited | HarvestBlocked => Outcome::RateLimited,
        Exempt => Outcome::Exempt,
        Refused => Outcome::Refused,
        NotFoundAtSource => Outcome::Served,
        SourceError | SourceTimeout | SourceUnavailable | DeadlineExceeded => Outcome::SourceError,
        InvalidResponse => Outcome::InvalidResponse,
        Forbidden | MissingPurpose | NotFound | MethodNotAllowed | Conflict | InvalidRequest
        | PayloadTooLarge | UnsupportedMediaType | RequestTimeout | NotYetCheckpointed
        | CaseRequired | InvalidCase | OnBehalfNotTrusted | PurposeNotServed
        | JustificationLate | SignInFailed | InvalidProposal => Outcome::RejectedRequest,
        AuditUnavailable | Internal | SignInUnavailable => Outcome::SourceError,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_rfc9457_fields() {
        let p = Problem::new(ProblemKind::InvalidRequest, "bad").with_errors(vec![FieldError {
            pointer: "/id".into(),
            detail: "x".into(),
        }]);
        let r = p.with_request_id("rid").render();
        assert_eq!(r.status(), 400);
        assert_eq!(r.headers()["content-type"], "application/problem+json");
        assert_eq!(r.headers()["request-id"], "rid");
    }
}
