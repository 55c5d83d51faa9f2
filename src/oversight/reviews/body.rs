//! A review as a reviewer sends it — `{"verdict": "upheld"|"overturned", "note": "…",
//! "revise": false}` — checked into a [`NewReview`], or an [`InvalidReview`] naming the field at
//! fault.

use serde::Deserialize;

use super::{NewReview, Verdict};

/// Longest review note, in characters.
pub const MAX_NOTE: usize = 2000;

/// A review as sent.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ReviewBody {
    verdict: String,
    note: String,
    #[serde(default)]
    revise: bool,
}

/// Why a review body is not acceptable; each names the field at fault ([`InvalidReview::pointer`]).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InvalidReview {
    #[error("send {{\"verdict\": \"upheld\"|\"overturned\", \"note\": \"…\"}}: {0}")]
    Body(String),
    #[error("must be \"upheld\" or \"overturned\"")]
    Verdict,
    #[error("a note of 1 to {MAX_NOTE} characters explaining the verdict is required")]
    Note,
}

impl InvalidReview {
    /// The JSON pointer of the field at fault (`""`: the whole body).
    pub fn pointer(&self) -> &'static str {
        match self {
            InvalidReview::Body(_) => "",
            InvalidReview::Verdict => "/verdict",
            InvalidReview::Note => "/note",
        }
    }
}

impl NewReview {
    /// `reviewer`'s verdict on `request_id` from a JSON review body: a known verdict and a
    /// note of 1 to [`MAX_NOTE`] characters (trimmed; no control characters but newlines).
    pub fn parse(
        request_id: &str,
        reviewer: &str,
        body: &[u8],
    ) -> Result<NewReview, InvalidReview> {
        let body: ReviewBody =
            serde_json::from_slice(body).map_err(|e| InvalidReview::Body(e.to_string()))?;
        let verdict = Verdict::parse(&body.verdict).ok_or(InvalidReview::Verdict)?;
        let note = body.note.trim();
        if note.is_empty()
            || note.chars().count() > MAX_NOTE
            || note.chars().any(|c| c.is_control() && c != '\n')
        {
            return Err(InvalidReview::Note);
        }
        Ok(NewReview {
            request_id: request_id.to_owned(),
            verdict,
            note: note.to_owned(),
            reviewer: reviewer.to_owned(),
            revise: body.revise,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_review_body_is_checked_field_by_field() {
        let ok = NewReview::parse(
            "r1",
            "oversight",
            br#"{"verdict":"overturned","note":" No ground. "}"#,
        )
        .unwrap();
        assert_eq!(
            (
                ok.request_id.as_str(),
                ok.verdict,
                ok.note.as_str(),
                ok.reviewer.as_str(),
                ok.revise
            ),
            ("r1", Verdict::Overturned, "No ground.", "oversight", false)
        );
        let long = format!(
            r#"{{"verdict":"upheld","note":"{}"}}"#,
            "x".repeat(MAX_NOTE + 1)
        );
        for (body, pointer) in [
            (r#"{"verdict":"upheld"}"#, ""),
            (r#"{"verdict":"upheld","note":"n","extra":1}"#, ""),
            ("not json", ""),
            (r#"{"verdict":"maybe","note":"n"}"#, "/verdict"),
            (r#"{"verdict":"upheld","note":"  "}"#, "/note"),
            (r#"{"verdict":"upheld","note":"a\u0007b"}"#, "/note"),
            (long.as_str(), "/note"),
        ] {
            let e = NewReview::parse("r1", "oversight", body.as_bytes()).unwrap_err();
            assert_eq!(e.pointer(), pointer, "{body}");
        }
        let e = NewReview::parse("r1", "o", b"{}").unwrap_err();
        assert!(
            e.to_string()
                .starts_with(r#"send {"verdict": "upheld"|"overturned", "note": "…"}: "#),
            "{e}"
        );
        let multi = br#"{"verdict":"upheld","note":"line one\nline two","revise":true}"#;
        assert!(NewReview::parse("r1", "o", multi).unwrap().revise);
    }
}
