//! Each list's query string: the typed filter it gives, and for each bad parameter the exact
//! problem (400 `invalid-request`, naming the parameter).

use super::*;
use crate::server::problem::Problem;

/// The problem a bad query gives: (status, type slug, detail).
fn problem(e: BadParam) -> (u16, &'static str, String) {
    let p = Problem::from(e);
    (p.status().as_u16(), p.kind.slug(), p.detail)
}

fn bad(detail: &str) -> (u16, &'static str, String) {
    (400, "invalid-request", detail.to_owned())
}

#[test]
fn record_filters_are_typed_once() {
    let f = records(Some(
        "consumer=portal&agency=alpha&dataset=people&outcome=refused&since_ms=17&before=r9&limit=5",
    ))
    .unwrap();
    assert_eq!(f.consumer.as_deref(), Some("portal"));
    assert_eq!(f.agency.as_deref(), Some("alpha"));
    assert_eq!(f.dataset.as_deref(), Some("people"));
    assert_eq!(f.outcome, Some(Outcome::Refused));
    assert_eq!(f.since_ms, Some(17));
    assert_eq!(f.before.as_deref(), Some("r9"));
    assert_eq!(f.limit, 5);
    let none = records(None).unwrap();
    assert_eq!((none.limit, none.agency), (DEFAULT_LIMIT, None));
    // The last of a repeated parameter counts; values are percent-decoded.
    let f = records(Some("agency=alpha&agency=be%74a&limit=1000")).unwrap();
    assert_eq!((f.agency.as_deref(), f.limit), (Some("beta"), 1000));
}

#[test]
fn bad_record_filters_name_the_parameter() {
    for (query, detail) in [
        (
            "outcome=won",
            r#"query parameter "outcome": one of served, refused, exempt, rejected_request, unauthenticated, rate_limited, source_error, invalid_response"#,
        ),
        (
            "since_ms=yesterday",
            r#"query parameter "since_ms": a Unix time in milliseconds"#,
        ),
        (
            "limit=0",
            r#"query parameter "limit": a whole number from 1 to 1000"#,
        ),
        (
            "limit=1001",
            r#"query parameter "limit": a whole number from 1 to 1000"#,
        ),
        (
            "limit=-1",
            r#"query parameter "limit": a whole number from 1 to 1000"#,
        ),
        (
            "agency=alpha&colour=red",
            r#"query parameter "colour": not a known filter (consumer, agency, dataset, outcome, since_ms, before, limit, data_case, end_user)"#,
        ),
        (
            "review=overdue",
            r#"query parameter "review": not a known filter (consumer, agency, dataset, outcome, since_ms, before, limit, data_case, end_user)"#,
        ),
    ] {
        assert_eq!(
            problem(records(Some(query)).unwrap_err()),
            bad(detail),
            "{query}"
        );
    }
    let long = format!("{}=1", "k".repeat(100));
    let e = records(Some(&long)).unwrap_err();
    assert_eq!(
        e.name,
        "k".repeat(64),
        "a parameter name is cut to 64 characters"
    );
}

#[test]
fn refusal_filters_are_typed_once() {
    let f = refusals(
        Some("agency=alpha&dataset=people&consumer=portal&review=upheld&justification=unjustified&since_ms=5&before=r2&limit=500"),
        Some("r1"),
    )
    .unwrap();
    assert_eq!(f.request_id.as_deref(), Some("r1"));
    assert_eq!(f.agency.as_deref(), Some("alpha"));
    assert_eq!(f.dataset.as_deref(), Some("people"));
    assert_eq!(f.consumer.as_deref(), Some("portal"));
    assert_eq!(
        f.review,
        Some(ReviewState::Reviewed(crate::oversight::Verdict::Upheld))
    );
    assert_eq!(f.justification, Some(JustificationStatus::Unjustified));
    assert_eq!(
        (f.since_ms, f.before.as_deref(), f.limit),
        (Some(5), Some("r2"), 500)
    );
    assert_eq!(
        refusals(Some("review=overdue"), None).unwrap().review,
        Some(ReviewState::Overdue)
    );
    assert_eq!(refusals(None, None).unwrap().limit, DEFAULT_LIMIT);
}

#[test]
fn bad_refusal_filters_name_the_parameter() {
    for (query, detail) in [
        (
            "review=later",
            r#"query parameter "review": one of unreviewed, overdue, upheld, overturned"#,
        ),
        (
            "justification=maybe",
            r#"query parameter "justification": justified or unjustified"#,
        ),
        (
            "since_ms=1.5",
            r#"query parameter "since_ms": a Unix time in milliseconds"#,
        ),
        (
            "limit=501",
            r#"query parameter "limit": a whole number from 1 to 500"#,
        ),
        (
            "limit=",
            r#"query parameter "limit": a whole number from 1 to 500"#,
        ),
        (
            "outcome=refused",
            r#"query parameter "outcome": not a known filter (agency, dataset, consumer, review, justification, since_ms, before, limit)"#,
        ),
    ] {
        assert_eq!(
            problem(refusals(Some(query), None).unwrap_err()),
            bad(detail),
            "{query}"
        );
    }
}

#[test]
fn the_access_log_takes_a_page_and_nothing_that_names_a_person() {
    let q = access_log(Some("before=0190abcd&limit=3")).unwrap();
    assert_eq!(
        q,
        AccessLogQuery {
            before: Some("0190abcd".into()),
            limit: 3
        }
    );
    let long = format!("before={}", "x".repeat(65));
    for (query, detail) in [
        (
            long.as_str(),
            r#"query parameter "before": a request id from next_before"#,
        ),
        (
            "limit=1001",
            r#"query parameter "limit": a whole number from 1 to 1000"#,
        ),
        (
            "subject=123",
            r#"query parameter "subject": not a known parameter (before, limit)"#,
        ),
        (
            "consumer=portal",
            r#"query parameter "consumer": not a known parameter (before, limit)"#,
        ),
    ] {
        assert_eq!(
            problem(access_log(Some(query)).unwrap_err()),
            bad(detail),
            "{query}"
        );
    }
}

#[test]
fn the_ranking_takes_a_window_in_whole_days() {
    assert_eq!(ranking(None), Ok(None));
    assert_eq!(ranking(Some("window=30d")), Ok(Some(30)));
    assert_eq!(ranking(Some("lang=vi&window=30d")), Ok(Some(30)));
    for (query, detail) in [
        (
            "window=12h",
            r#"query parameter "window": whole days from 1d to 400d, e.g. 30d"#,
        ),
        (
            "window=401d",
            r#"query parameter "window": whole days from 1d to 400d, e.g. 30d"#,
        ),
        (
            "window=soon",
            r#"query parameter "window": whole days from 1d to 400d, e.g. 30d"#,
        ),
        (
            "agency=alpha",
            r#"query parameter "agency": only `window` (e.g. 30d) and `lang` are accepted"#,
        ),
        (
            "window=30d&lang=fr",
            r#"query parameter "lang": the pages are written in vi (Tiếng Việt) or en (English); leave `lang` out to let Accept-Language choose"#,
        ),
    ] {
        assert_eq!(
            problem(ranking(Some(query)).unwrap_err()),
            bad(detail),
            "{query}"
        );
    }
}
