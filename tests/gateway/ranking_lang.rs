//! The ranking and methodology pages in Vietnamese and English (issue 11 item 8): `?lang=`
//! wins over `Accept-Language`, which wins over `[portal] language`; a language the pages are
//! not written in is a 400 naming the two; each language has its own `ETag` and revalidates
//! on its own; the JSON stays the same in both; and headless Chromium renders both.

use serde_json::Value;

use crate::common::browser;
use crate::common::ranking::setup;
use crate::common::ranking::*;
use crate::common::*;

/// `GET path` with an optional `Accept-Language` and `If-None-Match`.
async fn get(
    gw: &Gateway,
    path: &str,
    accept: Option<&str>,
    inm: Option<&str>,
) -> reqwest::Response {
    let mut rq = client().get(gw.url(path));
    if let Some(a) = accept {
        rq = rq.header("Accept-Language", a);
    }
    if let Some(t) = inm {
        rq = rq.header("If-None-Match", t);
    }
    rq.send().await.expect("request")
}

/// The language a page was served in, by header and by `<html lang>`; they must agree.
async fn served_in(gw: &Gateway, path: &str, accept: Option<&str>) -> String {
    let r = get(gw, path, accept, None).await;
    assert_eq!(r.status(), 200, "{path}");
    assert_eq!(header(&r, "content-type"), "text/html; charset=utf-8");
    let vary = header(&r, "vary");
    assert!(vary.contains("Accept-Language"), "{path}: Vary is {vary:?}");
    let lang = header(&r, "content-language");
    let body = r.text().await.unwrap();
    assert!(
        body.starts_with(&format!("<!DOCTYPE html><html lang=\"{lang}\">")),
        "{path}: Content-Language {lang} but {}",
        &body[..60]
    );
    lang
}

#[tokio::test]
async fn the_query_wins_then_accept_language_then_the_configured_default() {
    let (_up, _cat, gw) = setup().await;
    for page in ["/public/ranking", "/public/methodology"] {
        assert_eq!(
            served_in(&gw, page, None).await,
            "vi",
            "default: [portal] language"
        );
        assert_eq!(
            served_in(&gw, page, Some("en-GB,en;q=0.9,vi;q=0.4")).await,
            "en"
        );
        assert_eq!(
            served_in(&gw, page, Some("fr, vi-VN;q=0.8, en;q=0.3")).await,
            "vi"
        );
        assert_eq!(
            served_in(&gw, page, Some("fr, de")).await,
            "vi",
            "nothing we speak: the default"
        );
        let vi = format!("{page}?lang=vi");
        assert_eq!(
            served_in(&gw, &vi, Some("en")).await,
            "vi",
            "the explicit choice wins"
        );
        let en = format!("{page}?lang=en");
        assert_eq!(served_in(&gw, &en, Some("vi")).await, "en");
    }
    assert_eq!(
        served_in(&gw, "/public/ranking?window=30d&lang=en", None).await,
        "en"
    );
    gw.stop().await;

    // Another deployment's default.
    let up = Upstream::start().await;
    let cat = catalogue(&up);
    cat.write(
        "dxgate.toml",
        &format!("{SETTINGS}[portal]\nlanguage = \"en\"\n"),
    );
    let gw = Gateway::start(cat.path()).await;
    assert_eq!(served_in(&gw, "/public/ranking", None).await, "en");
    assert_eq!(
        served_in(&gw, "/public/methodology", Some("vi")).await,
        "vi"
    );
    assert_eq!(
        served_in(&gw, "/catalog", None).await,
        "en",
        "one setting for every public page"
    );
}

#[tokio::test]
async fn a_language_the_pages_are_not_written_in_is_refused_with_the_choices() {
    let (_up, _cat, gw) = setup().await;
    for path in [
        "/public/ranking?lang=fr",
        "/public/ranking?window=30d&lang=",
        "/public/methodology?lang=english",
        "/public/ranking.json?lang=zz",
        "/catalog?lang=fr",
    ] {
        let r = gw.anon(path).await;
        assert_eq!(r.status(), 400, "{path}");
        assert_eq!(
            header(&r, "content-type"),
            "application/problem+json",
            "{path}"
        );
        let body: Value = r.json().await.unwrap();
        assert_eq!(
            body["type"], "https://dxgate.dev/problems/invalid-request",
            "{path}"
        );
        let detail = body["detail"].as_str().unwrap();
        assert_eq!(
            detail,
            "query parameter \"lang\": the pages are written in vi (Tiếng Việt) or en (English); leave `lang` out to let Accept-Language choose",
            "{path}"
        );
    }
}

#[tokio::test]
async fn each_language_has_its_own_etag_and_revalidates_on_its_own() {
    let (_up, cat, gw) = setup().await;
    // The background cycle stores today's snapshot soon after the start, and the page then
    // shows it as the trend: from then on, with no new traffic, the page stays the same.
    let mut db = cat.audit_sqlite().await;
    let snapshot = eventually(30, async || {
        sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM ranking_snapshots")
            .fetch_one(&mut db)
            .await
            .unwrap()
            > 0
    })
    .await;
    assert!(snapshot, "today's snapshot is taken");
    for page in ["/public/ranking", "/public/methodology"] {
        let vi = get(&gw, page, Some("vi"), None).await;
        let en = get(&gw, page, Some("en"), None).await;

        let (tag_vi, tag_en) = (header(&vi, "etag"), header(&en, "etag"));

        assert!(
            tag_vi.starts_with('"') && tag_en.starts_with('"'),
            "{page}: {tag_vi} {tag_en}"
        );
        assert_ne!(tag_vi, tag_en, "{page}: one ETag per language");

        // The Vietnamese tag revalidates the Vietnamese page, by header or by parameter...
        for (path, accept) in [
            (page.to_owned(), Some("vi")),
            (format!("{page}?lang=vi"), Some("en")),
        ] {
            let r = get(&gw, &path, accept, Some(&tag_vi)).await;
            assert_eq!(r.status(), 304, "{path}");
            assert_eq!(header(&r, "etag"), tag_vi);
            assert_eq!(header(&r, "content-language"), "vi");
            assert!(header(&r, "vary").contains("Accept-Language"));
            assert!(r.bytes().await.unwrap().is_empty());
        }
        // ...and never the English one, which comes back whole, with its own tag.
        let r = get(&gw, page, Some("en"), Some(&tag_vi)).await;
        assert_eq!(r.status(), 200, "{page}");
        assert_eq!(header(&r, "content-language"), "en");
        assert_eq!(header(&r, "etag"), tag_en);
        let r = get(&gw, page, Some("en"), Some(&tag_en)).await;
        assert_eq!(r.status(), 304, "{page}");
    }
}

#[tokio::test]
async fn the_json_is_the_same_in_every_language() {
    let (_up, _cat, gw) = setup().await;
    traffic(&gw).await;
    let vi = get(&gw, "/public/ranking.json?lang=vi", Some("vi"), None).await;
    assert_eq!(vi.status(), 200);
    assert!(
        vi.headers().get("content-language").is_none(),
        "codes, not prose"
    );
    let vi: Value = vi.json().await.unwrap();
    let en: Value = get(&gw, "/public/ranking.json", Some("en"), None)
        .await
        .json()
        .await
        .unwrap();
    let without_time = |mut v: Value| {
        v.as_object_mut().unwrap().remove("computed_ms");
        v.as_object_mut().unwrap().remove("window");
        v
    };
    assert_eq!(without_time(vi.clone()), without_time(en));
    let gamma = agency(&vi, "gamma");
    assert_eq!(gamma["name"], "Gamma Province");
    assert_eq!(gamma["name_vi"], "Tỉnh Gamma");
    assert_eq!(agency(&vi, "omega")["status"], "not_connected");
}

/// The `href` of the page's language switch.
fn switch(dom: &str) -> String {
    let at = dom.find("id=\"lang-switch\"").expect("a language switch");
    let rest = &dom[at..];
    let href = &rest[rest.find("href=\"").unwrap() + 6..];
    href[..href.find('"').unwrap()].replace("&amp;", "&")
}

#[tokio::test]
async fn chromium_renders_both_languages() {
    let (_up, _cat, gw) = setup().await;
    traffic(&gw).await;
    ranking_json(&gw).await;
    let Some(bin) = browser::chromium() else {
        return;
    };
    let vi_words = [
        "<h1>Các cơ quan nhà nước sẵn sàng chia sẻ dữ liệu đến đâu?</h1>",
        "Cách đọc trang này",
        "Xếp hạng chung",
        "<h2 id=\"g-central\">Bộ, ngành</h2>",
        "<h2 id=\"g-provinces\">Tỉnh, thành phố</h2>",
        "Bộ Alpha",
        "Tỉnh Gamma",
        "Bộ dữ liệu bắt buộc đã quá hạn",
        "Người chịu trách nhiệm",
        OFFICIAL,
        "Chưa đủ dữ liệu",
        "Tỉnh Beta",
        "Các chỉ số của Bộ Alpha",
        "Từ chối có giải trình",
        "chưa kết nối",
        "quá hạn",
        "Giấy tờ người dân không phải nộp lại",
        ">English</a>",
    ];
    let en_words = [
        "<h1>How ready are public agencies to share data?</h1>",
        "How to read this page",
        "Overall ranking",
        "<h2 id=\"g-central\">Ministries and sectors</h2>",
        "Ministry of Alpha",
        "Gamma Province",
        "Overdue mandated datasets",
        "Responsible official",
        OFFICIAL,
        "Insufficient data",
        "Indicators of Ministry of Alpha",
        "Refusals justified",
        "not connected",
        "Documents citizens were spared",
        ">Tiếng Việt</a>",
    ];
    for (lang, words, absent) in [
        ("vi", &vi_words[..], "Overall ranking"),
        ("en", &en_words[..], "Xếp hạng chung"),
    ] {
        let url = gw.url(&format!("/public/ranking?lang={lang}"));
        let dom = browser::dom(&bin, &url).await;
        assert!(dom.contains(&format!("<html lang=\"{lang}\">")), "{lang}");
        for w in words {
            assert!(dom.contains(w), "{lang}: the page shows {w:?}");
        }
        assert!(
            !dom.contains(absent),
            "{lang}: {absent:?} is the other language"
        );
        browser::screenshot(&bin, &url, &format!("public-ranking-{lang}")).await;

        // The switch leads to the same page in the other language.
        let other = if lang == "vi" { "en" } else { "vi" };
        let href = switch(&dom);
        assert_eq!(href, format!("/public/ranking?lang={other}"));
        let dom = browser::dom(&bin, &gw.url(&href)).await;
        assert!(dom.contains(&format!("<html lang=\"{other}\">")), "{href}");
    }

    for (lang, heading, back) in [
        (
            "vi",
            "Xếp hạng mức độ sẵn sàng: Phương pháp phiên bản 1.1",
            "Quay lại bảng xếp hạng",
        ),
        (
            "en",
            "Readiness ranking: Methodology v1.1",
            "Back to the ranking",
        ),
    ] {
        let url = gw.url(&format!("/public/methodology?lang={lang}"));
        let dom = browser::dom(&bin, &url).await;
        assert!(dom.contains(&format!("<html lang=\"{lang}\">")), "{lang}");
        assert!(
            dom.contains(&format!("<h1>{heading}</h1>")),
            "{lang}: {dom}"
        );
        assert!(dom.contains(back), "{lang}");
        let other = if lang == "vi" { "en" } else { "vi" };
        assert_eq!(switch(&dom), format!("/public/methodology?lang={other}"));
        browser::screenshot(&bin, &url, &format!("methodology-{lang}")).await;
    }
}
