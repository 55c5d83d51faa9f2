//! The ranking page's sentences that interleave figures and markup, written once per language
//! (a sentence is not a sequence of translatable words: Vietnamese orders them differently).

use maud::{html, Markup};

use super::date;
use super::words::{self, code, num};
use crate::i18n::Lang;
use crate::ranking::model::{AgencyResult, Ranking};

/// The header paragraph under the headline; `methodology` is the localized methodology link.
pub fn intro(lang: Lang, r: &Ranking, methodology: &str) -> Markup {
    let (days, to, v) = (r.window.days, date(r.window.to_ms), r.methodology);
    match lang {
        Lang::Vi => html! { p {
            "Xếp hạng mức độ sẵn sàng của các bộ, ngành và tỉnh, thành phố trong " (days)
            " ngày tính đến " (to) ", do cổng chia sẻ dữ liệu đo từ mọi yêu cầu mà cổng ghi nhận. Phương pháp phiên bản "
            (v) " — " a href=(methodology) { "cách tính điểm" } "."
        } },
        Lang::En => html! { p {
            "Readiness ranking of ministries, sectors and provinces over the " (days)
            " days to " (to) ", measured by the data-sharing gateway from every request it witnessed. Methodology v"
            (v) " — " a href=(methodology) { "how the scores are made" } "."
        } },
    }
}

/// "How to read this page".
pub fn how_to_read(lang: Lang, r: &Ranking) -> Markup {
    let min = r.parameters.min_consumer_days;
    match lang {
        Lang::Vi => html! { p {
            "Mỗi cơ quan nhận điểm từ 0 đến 100 so với các mục tiêu cố định (không so với các cơ quan khác), từ ba trụ cột: "
            strong { "chia sẻ" } " (có chia sẻ dữ liệu bắt buộc và giải trình mọi lần từ chối không), "
            strong { "dịch vụ" } " (hệ thống có trả lời, và trả lời nhanh không) và "
            strong { "chất lượng" } " (dữ liệu có hợp lệ, đầy đủ và cập nhật không). Xếp loại: A ≥ 85, B ≥ 70, C ≥ 50, D dưới 50. Vì mọi phép đo đều có sai số, mỗi điểm kèm một khoảng khả dĩ, và mỗi thứ hạng kèm các thứ hạng mà cơ quan có thể có. Cơ quan có ít hơn "
            (min) " ngày-bên dùng có yêu cầu được ghi là "
            em { "chưa đủ dữ liệu" } " và không được xếp hạng. Đơn vị trong danh mục giao nhiệm vụ chưa từng kết nối, hoặc chưa từng cung cấp bộ dữ liệu bắt buộc đã đến hạn, được ghi là "
            em { "chưa kết nối" } " và xếp cuối bảng. Yêu cầu của một cơ quan tới chính bộ dữ liệu của mình không được tính."
        } },
        Lang::En => html! { p {
            "Each agency gets a score from 0 to 100 against fixed targets (not against the other agencies), from three pillars: "
            strong { "sharing" } " (does it share the data it must, and justify every refusal), "
            strong { "service" } " (does its system answer, and quickly) and "
            strong { "quality" } " (is the data valid, complete and fresh). Tiers: A ≥ 85, B ≥ 70, C ≥ 50, D below 50. Because every measurement has some uncertainty, each score comes with a likely range, and each rank with the ranks it could plausibly have. Agencies with fewer than "
            (min) " distinct consumer-days of requests are shown as "
            em { "insufficient data" } " and not ranked. Units of the mandate register that never connected, or never served a mandated dataset that is due, are shown as "
            em { "not connected" } " and ranked at the bottom. An agency's requests to its own datasets are not counted."
        } },
    }
}

/// One unit's summary line.
pub fn summary(lang: Lang, a: &AgencyResult) -> Markup {
    let (kind, status) = (code(lang, a.kind), words::status(lang, a.status));
    let (score, lo, hi) = (
        num(lang, a.score),
        num(lang, a.score_low),
        num(lang, a.score_high),
    );
    let (tier, days, rank) = (
        a.tier.unwrap_or("-"),
        a.consumer_days,
        words::rank(lang, a.rank),
    );
    match lang {
        Lang::Vi => html! { p {
            (kind) ", " (status) "; điểm " (score) " (khả dĩ " (lo) "–" (hi) "), xếp loại " (tier) "; "
            (days) " ngày-bên dùng có yêu cầu; thứ hạng " (rank) "."
        } },
        Lang::En => html! { p {
            (kind) ", " (status) "; score " (score) " (likely " (lo) "–" (hi) "), tier " (tier) "; "
            (days) " distinct consumer-days of requests; rank " (rank) "."
        } },
    }
}

/// What was counted for one unit, and its answer times.
pub fn counts(lang: Lang, a: &AgencyResult) -> Markup {
    let c = &a.counts;
    let (p50, p95, p99) = (
        num(lang, a.latency.p50_ms),
        num(lang, a.latency.p95_ms),
        num(lang, a.latency.p99_ms),
    );
    match lang {
        Lang::Vi => html! { p {
            "Số yêu cầu được tính: " (c.requests) " (" (c.served) " được cung cấp, " (c.refused) " bị từ chối, trong đó "
            (c.refused_justified) " có giải trình, " (c.exempt) " được miễn vì bí mật nhà nước, " (c.source_error)
            " lỗi nguồn, " (c.invalid_response) " phản hồi không hợp lệ bị chặn); bỏ qua " (c.self_calls)
            " lượt gọi từ chính cán bộ của cơ quan. Kết quả xem xét của cơ quan giám sát: " (c.reviews_upheld)
            " giữ nguyên, " (c.reviews_overturned) " bác bỏ. Thời gian trả lời: trung vị " (p50)
            " ms, phân vị 95 là " (p95) " ms, phân vị 99 là " (p99) " ms."
        } },
        Lang::En => html! { p {
            "Requests counted: " (c.requests) " (" (c.served) " served, " (c.refused) " refused of which "
            (c.refused_justified) " justified, " (c.exempt) " exempt as state secrets, " (c.source_error)
            " source errors, " (c.invalid_response) " blocked invalid responses); " (c.self_calls)
            " calls from the agency's own staff ignored. Oversight reviews: " (c.reviews_upheld)
            " upheld, " (c.reviews_overturned) " overturned. Answer time: median " (p50)
            " ms, 95th percentile " (p95) " ms, 99th percentile " (p99) " ms."
        } },
    }
}

/// The introduction of "documents citizens were spared".
pub fn spared(lang: Lang, total: i64) -> Markup {
    match lang {
        Lang::Vi => html! { p {
            "Mỗi lượt tra cứu về một người hoặc một doanh nghiệp do cơ quan khác thực hiện và được cung cấp là một giấy tờ người dân không phải mang theo: "
            strong { (total) } " trong kỳ. Con số này cho thấy chia sẻ dữ liệu để làm gì; nó không được tính vào điểm."
        } },
        Lang::En => html! { p {
            "Each served lookup about a person or an enterprise, made by another agency, is a document the citizen did not have to bring: "
            strong { (total) } " in the window. This figure shows what sharing is for; it is not part of the score."
        } },
    }
}

/// The footer: when, the downloads, the methodology.
pub fn footer(lang: Lang, r: &Ranking, methodology: &str) -> Markup {
    let when = date(r.computed_ms);
    let json = html! { a href="/public/ranking.json" { "JSON" } };
    let csv = html! { a href="/public/ranking.csv" { "CSV" } };
    match lang {
        Lang::Vi => html! { p {
            "Tính lúc " (when) " UTC. Tải số liệu dạng " (json) " hoặc " (csv)
            ". Đọc " a href=(methodology) { "phương pháp xếp hạng" } "."
        } },
        Lang::En => html! { p {
            "Computed " (when) " UTC. Download the figures as " (json) " or " (csv)
            ". Read the " a href=(methodology) { "methodology" } "."
        } },
    }
}
