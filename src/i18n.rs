//! Languages of the public pages (the catalogue, the ranking, the methodology): Vietnamese and
//! English. [`negotiate`] picks one from `?lang=vi|en`, then `Accept-Language` (RFC 9110
//! q-values), then `[portal] language` (default Vietnamese). A `?lang=` naming any other
//! language is refused ([`UnsupportedLang`], a 400 listing [`SUPPORTED`]): an explicit choice
//! is never silently overridden, while an `Accept-Language` dxgate cannot meet falls back.
//! [`Lang::t`] looks a message up in a page's table (a [`Text`] `match`), so a page never
//! carries its own strings and a missing translation is a compile-time gap in one `match`.

use serde::{Deserialize, Serialize};

/// A language dxgate's pages are written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    /// Tiếng Việt, the default.
    #[default]
    Vi,
    En,
}

/// `[portal]` in `dxgate.toml`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PortalSettings {
    /// Language of the public pages when neither `?lang=` nor `Accept-Language` chooses one:
    /// `"vi"` or `"en"`. Default `"vi"`.
    pub language: Lang,
}

/// The languages, as a readable list for a refusal.
pub const SUPPORTED: &str = "vi (Tiếng Việt) or en (English)";

/// `?lang=` named a language the public pages are not written in.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the pages are written in {SUPPORTED}; leave `lang` out to let Accept-Language choose")]
pub struct UnsupportedLang;

/// A table of messages: each value's text in each language.
pub trait Text: Copy {
    fn text(self, lang: Lang) -> &'static str;
}

impl Lang {
    /// The BCP 47 tag (`<html lang>`, `Content-Language`).
    pub fn tag(self) -> &'static str {
        match self {
            Lang::Vi => "vi",
            Lang::En => "en",
        }
    }

    /// The other language (for the page's language switch).
    pub fn other(self) -> Lang {
        match self {
            Lang::Vi => Lang::En,
            Lang::En => Lang::Vi,
        }
    }

    fn parse(tag: &str) -> Option<Lang> {
        let primary = tag.trim().split(['-', '_']).next()?.to_ascii_lowercase();
        match primary.as_str() {
            "vi" => Some(Lang::Vi),
            "en" => Some(Lang::En),
            _ => None,
        }
    }

    /// The message `m` in this language.
    pub fn t(self, m: impl Text) -> &'static str {
        m.text(self)
    }

    /// The language a `?lang=` value names (`vi`, `en`, or a tag such as `vi-VN`).
    pub fn from_param(v: &str) -> Result<Lang, UnsupportedLang> {
        Lang::parse(v).ok_or(UnsupportedLang)
    }
}

impl Text for Msg {
    fn text(self, lang: Lang) -> &'static str {
        use Msg::*;
        match (lang, self) {
            (Lang::Vi, LanguageName) => "Tiếng Việt",
            (Lang::En, LanguageName) => "English",
            (Lang::Vi, CatalogTitle) => "Danh mục dữ liệu chia sẻ",
            (Lang::En, CatalogTitle) => "Shared data catalogue",
            (Lang::Vi, CatalogIntro) => "Các bộ dữ liệu mà cơ quan nhà nước chia sẻ qua dxgate: trường dữ liệu, mục đích bị từ chối và căn cứ pháp lý, cùng ví dụ gọi API. Mọi yêu cầu đều được ghi nhật ký kiểm toán.",
            (Lang::En, CatalogIntro) => "The datasets public agencies share through dxgate: their fields, the purposes refused and on what legal basis, and an example call. Every request is recorded in the audit log.",
            (Lang::Vi, Search) => "Tìm kiếm",
            (Lang::En, Search) => "Search",
            (Lang::Vi, SearchHint) => "tên, mô tả, cơ quan hoặc trường",
            (Lang::En, SearchHint) => "title, description, agency or field",
            (Lang::Vi, NoMatch) => "Không có bộ dữ liệu nào khớp với tìm kiếm.",
            (Lang::En, NoMatch) => "No dataset matches the search.",
            (Lang::Vi, Owner) => "Cơ quan chủ quản",
            (Lang::En, Owner) => "Owner",
            (Lang::Vi, Mandate) => "Yêu cầu kết nối",
            (Lang::En, Mandate) => "Mandate",
            (Lang::Vi, Deadline) => "hạn",
            (Lang::En, Deadline) => "deadline",
            (Lang::Vi, NoMandate) => "không có",
            (Lang::En, NoMandate) => "none",
            (Lang::Vi, Refresh) => "Chu kỳ cập nhật",
            (Lang::En, Refresh) => "Refresh period",
            (Lang::Vi, NotDeclared) => "chưa khai báo",
            (Lang::En, NotDeclared) => "not declared",
            (Lang::Vi, RequestFields) => "Trường yêu cầu",
            (Lang::En, RequestFields) => "Request fields",
            (Lang::Vi, ResponseFields) => "Trường trả về",
            (Lang::En, ResponseFields) => "Response fields",
            (Lang::Vi, Field) => "Trường",
            (Lang::En, Field) => "Field",
            (Lang::Vi, Type) => "Kiểu",
            (Lang::En, Type) => "Type",
            (Lang::Vi, Required) => "Bắt buộc",
            (Lang::En, Required) => "Required",
            (Lang::Vi, Yes) => "có",
            (Lang::En, Yes) => "yes",
            (Lang::Vi, No) => "không",
            (Lang::En, No) => "no",
            (Lang::Vi, Description) => "Mô tả",
            (Lang::En, Description) => "Description",
            (Lang::Vi, Constraints) => "Ràng buộc",
            (Lang::En, Constraints) => "Constraints",
            (Lang::Vi, Refusals) => "Khi nào bị từ chối",
            (Lang::En, Refusals) => "When sharing is refused",
            (Lang::Vi, NoRefusals) => "Không có quy tắc từ chối nào được khai báo.",
            (Lang::En, NoRefusals) => "No refusal rule is declared.",
            (Lang::Vi, FieldRules) => "Trường được cung cấp theo mục đích",
            (Lang::En, FieldRules) => "Fields released per purpose",
            (Lang::Vi, FieldRulesOnly) => "Chỉ các mục đích sau được cung cấp dữ liệu, và chỉ các trường nêu:",
            (Lang::En, FieldRulesOnly) => "Only these purposes receive data, and only the fields named:",
            (Lang::Vi, RefusedUnlessPurpose) => "Từ chối trừ khi mục đích là",
            (Lang::En, RefusedUnlessPurpose) => "Refused unless the purpose is",
            (Lang::Vi, RefusedForConsumers) => "Từ chối với bên dùng",
            (Lang::En, RefusedForConsumers) => "Refused to consumers",
            (Lang::Vi, RefusedExcept) => "Từ chối với mọi bên dùng trừ",
            (Lang::En, RefusedExcept) => "Refused to every consumer except",
            (Lang::Vi, RefusedAlways) => "Luôn từ chối",
            (Lang::En, RefusedAlways) => "Always refused",
            (Lang::Vi, LegalBasis) => "Căn cứ pháp lý",
            (Lang::En, LegalBasis) => "Legal basis",
            (Lang::Vi, Example) => "Ví dụ yêu cầu",
            (Lang::En, Example) => "Example request",
            (Lang::Vi, Datasets) => "bộ dữ liệu",
            (Lang::En, Datasets) => "datasets",
            (Lang::Vi, MachineReadable) => "Dạng máy đọc",
            (Lang::En, MachineReadable) => "Machine-readable",
        }
    }
}

/// Every message of the public pages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Msg {
    LanguageName,
    CatalogTitle,
    CatalogIntro,
    Search,
    SearchHint,
    NoMatch,
    Owner,
    Mandate,
    Deadline,
    NoMandate,
    Refresh,
    NotDeclared,
    RequestFields,
    ResponseFields,
    Field,
    Type,
    Required,
    Yes,
    No,
    Description,
    Constraints,
    Refusals,
    NoRefusals,
    FieldRules,
    FieldRulesOnly,
    RefusedUnlessPurpose,
    RefusedForConsumers,
    RefusedExcept,
    RefusedAlways,
    LegalBasis,
    Example,
    Datasets,
    MachineReadable,
}

/// The language of a page: `?lang=` if given, else the `Accept-Language` range with the
/// highest q that dxgate speaks, else `default`.
pub fn negotiate(query_lang: Option<Lang>, accept_language: Option<&str>, default: Lang) -> Lang {
    if let Some(l) = query_lang {
        return l;
    }
    let mut best: Option<(Lang, f32)> = None;
    for (range, q) in accept_items(accept_language.unwrap_or("")) {
        let Some(lang) = Lang::parse(range) else {
            continue;
        };
        if q > 0.0 && best.is_none_or(|(_, bq)| q > bq) {
            best = Some((lang, q));
        }
    }
    best.map_or(default, |(l, _)| l)
}

/// The items of an `Accept-*` header (`Accept-Language`, `Accept-Encoding`) with their weights:
/// each comma-separated item's value before any `;`, and its `q` (1.0 when absent or unreadable).
pub fn accept_items(header: &str) -> impl Iterator<Item = (&str, f32)> {
    header.split(',').map(|item| {
        let mut parts = item.split(';');
        let value = parts.next().unwrap_or("");
        let q = parts
            .find_map(|p| {
                p.trim()
                    .strip_prefix("q=")
                    .and_then(|q| q.parse::<f32>().ok())
            })
            .unwrap_or(1.0);
        (value, q)
    })
}

/// The `lang` parameter of a query string, if present.
pub fn query_lang(query: Option<&str>) -> Result<Option<Lang>, UnsupportedLang> {
    form_urlencoded::parse(query.unwrap_or("").as_bytes())
        .find(|(k, _)| k == "lang")
        .map(|(_, v)| Lang::from_param(&v))
        .transpose()
}

/// `path?query` with `lang` set to `to` and every other parameter kept: the language switch.
pub fn switch_href(path: &str, query: Option<&str>, to: Lang) -> String {
    let mut s = form_urlencoded::Serializer::new(String::new());
    for (k, v) in form_urlencoded::parse(query.unwrap_or("").as_bytes()) {
        if k != "lang" {
            s.append_pair(&k, &v);
        }
    }
    s.append_pair("lang", to.tag());
    format!("{path}?{}", s.finish())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_query_wins_then_accept_language_then_the_default() {
        assert_eq!(negotiate(Some(Lang::En), Some("vi"), Lang::Vi), Lang::En);
        assert_eq!(negotiate(None, Some("en-GB,vi;q=0.5"), Lang::Vi), Lang::En);
        assert_eq!(
            negotiate(None, Some("fr, vi-VN;q=0.8, en;q=0.3"), Lang::En),
            Lang::Vi
        );
        assert_eq!(negotiate(None, Some("fr, de"), Lang::En), Lang::En);
        assert_eq!(negotiate(None, Some("en;q=0"), Lang::Vi), Lang::Vi);
        assert_eq!(negotiate(None, None, Lang::Vi), Lang::Vi);
        assert_eq!(query_lang(Some("q=x&lang=vi")), Ok(Some(Lang::Vi)));
        assert_eq!(query_lang(Some("lang=vi-VN")), Ok(Some(Lang::Vi)));
        assert_eq!(query_lang(Some("q=x")), Ok(None));
    }

    #[test]
    fn an_explicit_language_dxgate_does_not_speak_is_refused_with_the_choices() {
        for bad in ["fr", "", "vietnamese", "zz-vi"] {
            let e = query_lang(Some(&format!("lang={bad}"))).unwrap_err();
            assert_eq!(e, UnsupportedLang, "{bad:?}");
        }
        assert!(UnsupportedLang
            .to_string()
            .contains("vi (Tiếng Việt) or en (English)"));
    }

    #[test]
    fn the_switch_keeps_the_other_parameters() {
        assert_eq!(
            switch_href("/public/ranking", Some("window=30d&lang=vi"), Lang::En),
            "/public/ranking?window=30d&lang=en"
        );
        assert_eq!(
            switch_href("/catalog", Some("q=a b"), Lang::Vi),
            "/catalog?q=a+b&lang=vi"
        );
        assert_eq!(switch_href("/catalog", None, Lang::En), "/catalog?lang=en");
    }
}
