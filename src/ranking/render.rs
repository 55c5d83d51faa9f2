//! Renderers of a [`Ranking`]: a terminal table, CSV, JSON and the public HTML page; and the
//! page of one official edition.

mod charts;
mod csv;
mod edition_page;
#[cfg(test)]
pub(crate) mod fixture;
mod html;
mod prose;
mod spared;
mod table;
mod words;

pub use self::csv::csv;
pub(crate) use self::csv::field as csv_field;
pub use edition_page::{edition_html, EditionPage};
pub use html::{html, methodology_page, Locale};
pub use table::table;

use super::Ranking;

/// Pretty JSON (what `/public/ranking.json` serves).
pub fn json(r: &Ranking) -> Vec<u8> {
    let mut v = serde_json::to_vec_pretty(r).unwrap_or_else(|_| b"{}".to_vec());
    v.push(b'\n');
    v
}

pub use crate::calendar::{format_date as date, format_day as day_date};

/// A score for people: one decimal, or a dash.
pub fn num(v: Option<f64>) -> String {
    v.map(|v| format!("{v:.1}")).unwrap_or_else(|| "-".into())
}

/// A rate as a percentage with one decimal, or a dash.
pub fn pct(v: Option<f64>) -> String {
    v.map(|v| format!("{:.1}%", v * 100.0))
        .unwrap_or_else(|| "-".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_for_people() {
        assert_eq!(pct(Some(0.9876)), "98.8%");
        assert_eq!(num(None), "-");
    }

    const EN: Locale<'static> = Locale {
        lang: crate::i18n::Lang::En,
        switch: "/public/ranking?lang=vi",
    };
    const VI: Locale<'static> = Locale {
        lang: crate::i18n::Lang::Vi,
        switch: "/public/ranking?lang=en",
    };

    #[test]
    fn the_page_escapes_every_value_and_closes_every_shape() {
        let page = html(&fixture::ranking(), EN);
        assert!(page.starts_with("<!DOCTYPE html><html lang=\"en\">"));
        assert!(!page.contains("<script"), "a name is text, never markup");
        assert!(page.contains("Beta &lt;script&gt;alert('x')&lt;/script&gt; &amp; &quot;Co&quot;"));
        assert!(page.contains("<td>Ms. O'Brien &amp; co</td>"));
        assert!(page.contains("<td class=\"overdue\">overdue</td><td>never</td>"));
        assert!(page.contains("<td>met</td><td>2024-02-27</td>"));
        for shape in ["line", "rect", "polyline"] {
            let (open, close) = (format!("<{shape} "), format!("</{shape}>"));
            assert_eq!(
                page.matches(&open).count(),
                page.matches(&close).count(),
                "{shape}"
            );
        }
        assert!(page.contains("Daily snapshots from 2023-12-09 to 2023-12-11."));
        assert!(page.contains("Computed 2024-02-29 UTC."));
        assert!(page.contains("<td class=\"n\">88.8%</td>"));
        assert!(page.contains(
            "<a id=\"lang-switch\" href=\"/public/ranking?lang=vi\" hreflang=\"vi\" lang=\"vi\">Tiếng Việt</a>"
        ));
        assert!(
            page.contains("<a href=\"/public/methodology?lang=en\">how the scores are made</a>")
        );
    }

    #[test]
    fn the_vietnamese_page_has_every_word_in_vietnamese() {
        let page = html(&fixture::ranking(), VI);
        assert!(page.starts_with("<!DOCTYPE html><html lang=\"vi\">"));
        for text in [
            "<title>Xếp hạng mức độ sẵn sàng chia sẻ dữ liệu của các cơ quan nhà nước</title>",
            "<h1>Các cơ quan nhà nước sẵn sàng chia sẻ dữ liệu đến đâu?</h1>",
            "<h2 id=\"read\">Cách đọc trang này</h2>",
            "<th scope=\"col\">Thứ hạng</th><th scope=\"col\">Cơ quan</th><th scope=\"col\">Xếp loại</th>",
            "<h2 id=\"g-central\">Bộ, ngành</h2>",
            "<td class=\"overdue\">quá hạn</td><td>chưa từng</td>",
            "<td>đúng hạn</td><td>2024-02-27</td>",
            "Ảnh chụp hằng ngày từ 2023-12-09 đến 2023-12-11.",
            "Tính lúc 2024-02-29 UTC.",
            "Bộ Alpha",
            ">English</a>",
            "<a href=\"/public/methodology?lang=vi\">cách tính điểm</a>",
            // The decimal comma: 88.76 % and 250.5 ms in Vietnamese.
            "<td class=\"n\">88,8%</td>",
            "phân vị 95 là 250,5 ms",
        ] {
            assert!(page.contains(text), "{text}");
        }
        // No English label survives: every fixed English word of the English page is absent.
        for english in [
            "Overall ranking",
            "How to read",
            "Responsible official",
            "Deadline",
            "overdue</td>",
            "never",
            "insufficient data",
            "consumer-days",
            "Requests counted",
            "Sharing rate",
            "Documents spared",
            "snapshots",
            " of ",
        ] {
            assert!(!page.contains(english), "{english:?} left in English");
        }
    }

    #[test]
    fn the_methodology_shows_raw_html_as_text() {
        let page = methodology_page("# Method <b>x</b>\n\n|a|b|\n|-|-|\n|1|2|\n", EN);
        assert!(
            page.contains("<h1>Method &lt;b&gt;x&lt;/b&gt;</h1>"),
            "{page}"
        );
        assert!(page.contains("<table>"));
        assert!(page.contains("<a href=\"/public/ranking?lang=en\">Back to the ranking</a>"));
        let page = methodology_page("# Phương pháp", VI);
        assert!(page.starts_with("<!DOCTYPE html><html lang=\"vi\">"));
        assert!(page.contains("<a href=\"/public/ranking?lang=vi\">Quay lại bảng xếp hạng</a>"));
    }
}
