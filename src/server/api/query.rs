//! The query strings of the list endpoints, each parsed once into a typed filter. A parameter
//! that cannot be used is a [`BadParam`] — 400 `invalid-request` naming the parameter and what
//! it should be. A repeated parameter takes its last value.

use std::borrow::Cow;

use crate::audit::{Outcome, RecordFilter};
use crate::i18n::Lang;
use crate::oversight::export::{ExportFilter, Format as ExportFormat};
use crate::oversight::refusals::{RefusalFilter, ReviewState};
use crate::policy::JustificationStatus;

/// Page size when `limit` is not given.
pub const DEFAULT_LIMIT: u32 = 100;
/// Largest `limit` of the audit-record list and the access log.
pub const MAX_LIMIT: u32 = 1000;
/// Largest `limit` of the refusal list (each refusal carries its review history).
pub const MAX_REFUSALS: u32 = 500;
/// Longest access-log `before` cursor, in bytes (a request id is 36).
const MAX_CURSOR: usize = 64;

/// A query parameter that cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("query parameter {name:?}: {expected}")]
pub struct BadParam {
    /// The parameter as sent, cut to 64 characters (it is consumer input).
    pub name: String,
    /// What it should be.
    pub expected: Cow<'static, str>,
}

impl BadParam {
    fn new(name: &str, expected: impl Into<Cow<'static, str>>) -> BadParam {
        BadParam {
            name: name.chars().take(64).collect(),
            expected: expected.into(),
        }
    }
}

/// What a records query searches by that is stored only as a keyed hash: the caller hashes
/// it (never the store, never the log).
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Searched {
    pub data_case: Option<String>,
    pub end_user: Option<String>,
}

/// `GET /v1/audit/records?consumer&agency&dataset&outcome&since_ms&before&limit`.
pub fn records(query: Option<&str>) -> Result<RecordFilter, BadParam> {
    records_searching(query).map(|(f, _)| f)
}

/// [`records`] with `data_case` and `end_user` too.
pub fn records_searching(query: Option<&str>) -> Result<(RecordFilter, Searched), BadParam> {
    let mut f = RecordFilter {
        limit: DEFAULT_LIMIT,
        ..RecordFilter::default()
    };
    let mut s = Searched::default();
    let known = "not a known filter (consumer, agency, dataset, outcome, since_ms, before, limit, data_case, end_user)";
    each(query, known, |key, v| {
        match key {
            "data_case" => s.data_case = Some(v),
            "end_user" => s.end_user = Some(v),
            "consumer" => f.consumer = Some(v),
            "agency" => f.agency = Some(v),
            "dataset" => f.dataset = Some(v),
            "before" => f.before = Some(v),
            "outcome" => f.outcome = Some(outcome(&v)?),
            "since_ms" => f.since_ms = Some(millis(key, &v)?),
            "limit" => f.limit = limit(key, &v, MAX_LIMIT)?,
            _ => return Ok(false),
        }
        Ok(true)
    })?;
    Ok((f, s))
}

/// `GET /v1/oversight/refusals[/{request_id}]?agency&dataset&consumer&review&justification
/// &since_ms&before&limit`.
pub fn refusals(query: Option<&str>, request_id: Option<&str>) -> Result<RefusalFilter, BadParam> {
    let mut f = RefusalFilter {
        limit: DEFAULT_LIMIT,
        request_id: request_id.map(str::to_owned),
        ..RefusalFilter::default()
    };
    let known = "not a known filter (agency, dataset, consumer, review, justification, since_ms, before, limit)";
    each(query, known, |key, v| {
        match key {
            "agency" => f.agency = Some(v),
            "dataset" => f.dataset = Some(v),
            "consumer" => f.consumer = Some(v),
            "before" => f.before = Some(v),
            "review" => {
                f.review = Some(ReviewState::parse(&v).ok_or_else(|| {
                    BadParam::new(key, "one of unreviewed, overdue, upheld, overturned")
                })?)
            }
            "justification" => {
                f.justification = Some(
                    JustificationStatus::parse(&v)
                        .ok_or_else(|| BadParam::new(key, "justified or unjustified"))?,
                )
            }
            "since_ms" => f.since_ms = Some(millis(key, &v)?),
            "limit" => f.limit = limit(key, &v, MAX_REFUSALS)?,
            _ => return Ok(false),
        }
        Ok(true)
    })?;
    Ok(f)
}

/// `GET /v1/oversight/export?from=YYYY-MM-DD&to=YYYY-MM-DD&agency&format=json|csv|html`: both
/// days required (inclusive, `to` not before `from`), in `zone`; `format` defaults to JSON.
pub fn export(
    query: Option<&str>,
    zone: &crate::calendar::Zone,
) -> Result<(ExportFilter, ExportFormat, [String; 2]), BadParam> {
    let (mut from, mut to, mut agency, mut format) = (None, None, None, ExportFormat::Json);
    let known = "not a known parameter (from, to, agency, format)";
    each(query, known, |key, v| {
        let day = |v: &str| {
            crate::calendar::parse_date(v)
                .map_err(|_| BadParam::new(key, "a date that exists, written YYYY-MM-DD"))
        };
        match key {
            "from" => from = Some(day(&v)?),
            "to" => to = Some(day(&v)?),
            "agency" => agency = Some(v),
            "format" => {
                format = ExportFormat::parse(&v)
                    .ok_or_else(|| BadParam::new(key, "one of json, csv, html"))?
            }
            _ => return Ok(false),
        }
        Ok(true)
    })?;
    let from = from.ok_or_else(|| BadParam::new("from", "required: the first day, YYYY-MM-DD"))?;
    let to = to.ok_or_else(|| BadParam::new("to", "required: the last day, YYYY-MM-DD"))?;
    if to < from {
        return Err(BadParam::new("to", "must not be before `from`"));
    }
    let f = ExportFilter {
        from_ms: zone.start_ms(from),
        to_ms: zone.end_ms(to),
        agency,
    };
    Ok((f, format, [from.to_string(), to.to_string()]))
}

/// The page of `GET /v1/me/access-log`: there is no parameter that could name a person.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccessLogQuery {
    /// Only accesses older than this request id (the previous page's `next_before`).
    pub before: Option<String>,
    pub limit: u32,
}

/// `GET /v1/me/access-log?before&limit`.
pub fn access_log(query: Option<&str>) -> Result<AccessLogQuery, BadParam> {
    let mut q = AccessLogQuery {
        before: None,
        limit: DEFAULT_LIMIT,
    };
    each(query, "not a known parameter (before, limit)", |key, v| {
        match key {
            "before" if v.len() <= MAX_CURSOR => q.before = Some(v),
            "before" => return Err(BadParam::new(key, "a request id from next_before")),
            "limit" => q.limit = limit(key, &v, MAX_LIMIT)?,
            _ => return Ok(false),
        }
        Ok(true)
    })?;
    Ok(q)
}

/// `GET /public/ranking*?window=30d&lang=vi|en`: the window in whole days (`None`: the
/// configured one). `lang` is checked here and chosen by [`lang`].
pub fn ranking(query: Option<&str>) -> Result<Option<u32>, BadParam> {
    let mut days = None;
    each(
        query,
        "only `window` (e.g. 30d) and `lang` are accepted",
        |key, v| {
            match key {
                "window" => {
                    let d = crate::ranking::parse_window(&v)
                        .map_err(|_| BadParam::new(key, "whole days from 1d to 400d, e.g. 30d"))?;
                    days = Some(d);
                }
                "lang" => {
                    Lang::from_param(&v).map_err(|e| BadParam::new(key, e.to_string()))?;
                }
                _ => return Ok(false),
            }
            Ok(true)
        },
    )?;
    Ok(days)
}

/// The `?lang=` of a public page, if any (a language the pages are not written in: refused).
pub fn lang(query: Option<&str>) -> Result<Option<Lang>, BadParam> {
    crate::i18n::query_lang(query).map_err(|e| BadParam::new("lang", e.to_string()))
}

/// `GET /public/monitoring/daily*?date=YYYY-MM-DD`: the day reported on (`None`: today).
pub fn report_date(query: Option<&str>) -> Result<Option<jiff::civil::Date>, BadParam> {
    let mut date = None;
    each(query, "only `date` (YYYY-MM-DD) is accepted", |key, v| {
        match key {
            "date" => {
                let d = crate::calendar::parse_date(&v)
                    .map_err(|_| BadParam::new(key, "a date that exists, written YYYY-MM-DD"))?;
                date = Some(d);
            }
            _ => return Ok(false),
        }
        Ok(true)
    })?;
    Ok(date)
}

/// `query` with the values of `keys` replaced by `hash(key, value)` under `<key>_hash`: what
/// a witnessed read keeps of a search by a value that may identify a person.
pub fn redacted(
    query: Option<&str>,
    keys: &[&str],
    hash: impl Fn(&str, &str) -> String,
) -> Option<String> {
    let query = query?;
    let mut out = form_urlencoded::Serializer::new(String::new());
    for (k, v) in form_urlencoded::parse(query.as_bytes()) {
        match keys.contains(&k.as_ref()) {
            true => out.append_pair(&format!("{k}_hash"), &hash(&k, &v)),
            false => out.append_pair(&k, &v),
        };
    }
    Some(out.finish())
}

/// Hand every `key=value` of `query` to `set`, which answers whether it knows the key; an
/// unknown key is a [`BadParam`] saying `unknown` (which names the known ones).
/// `GET /v1/audit/consistency/{node}?from&to`: two tree sizes, `1 <= from <= to`.
pub fn consistency(query: Option<&str>) -> Result<(u64, u64), BadParam> {
    let (mut from, mut to) = (None, None);
    each(query, "not a known parameter (from, to)", |key, v| {
        let n = v.parse::<u64>();
        let n = n.map_err(|_| BadParam::new(key, "a tree size (a whole number)"))?;
        match key {
            "from" => from = Some(n),
            "to" => to = Some(n),
            _ => return Ok(false),
        }
        Ok(true)
    })?;
    let from = from.ok_or_else(|| BadParam::new("from", "required: the older tree size"))?;
    let to = to.ok_or_else(|| BadParam::new("to", "required: the newer tree size"))?;
    if from == 0 || from > to {
        return Err(BadParam::new("from", "must be at least 1 and at most `to`"));
    }
    Ok((from, to))
}

fn each(
    query: Option<&str>,
    unknown: &'static str,
    mut set: impl FnMut(&str, String) -> Result<bool, BadParam>,
) -> Result<(), BadParam> {
    for (k, v) in form_urlencoded::parse(query.unwrap_or("").as_bytes()) {
        if !set(&k, v.into_owned())? {
            return Err(BadParam::new(&k, unknown));
        }
    }
    Ok(())
}

fn outcome(v: &str) -> Result<Outcome, BadParam> {
    Outcome::parse(v).ok_or_else(|| {
        let names: Vec<&str> = Outcome::ALL.iter().map(|o| o.as_str()).collect();
        BadParam::new("outcome", format!("one of {}", names.join(", ")))
    })
}

fn millis(key: &str, v: &str) -> Result<i64, BadParam> {
    v.parse()
        .map_err(|_| BadParam::new(key, "a Unix time in milliseconds"))
}

fn limit(key: &str, v: &str, max: u32) -> Result<u32, BadParam> {
    v.parse::<u32>()
        .ok()
        .filter(|n| (1..=max).contains(n))
        .ok_or_else(|| BadParam::new(key, format!("a whole number from 1 to {max}")))
}

#[cfg(test)]
mod tests;
