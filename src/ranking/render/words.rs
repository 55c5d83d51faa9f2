//! Every word of the ranking and methodology pages in Vietnamese and English: the labels in
//! one [`Text`] table ([`W`]), the published codes (status, mandate state, pillar, kind,
//! group, indicator) by code, and the sentences that carry figures as functions. The JSON and
//! CSV forms keep the codes; only the pages are translated.

use crate::i18n::{Lang, Text};
use crate::ranking::model::{MandateState, RankInfo, Status};

/// A label of the ranking pages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum W {
    PageTitle,
    Headline,
    HowToRead,
    Overall,
    NoneRanked,
    OverallCaption,
    NoneInGroup,
    Insufficient,
    InsufficientWhy,
    ByAgency,
    ChartTitle,
    Rank,
    Agency,
    Tier,
    ScoreRange,
    Overdue,
    NoOverdue,
    OverdueCaption,
    Dataset,
    Deadline,
    Official,
    Indicator,
    Pillar,
    Measured,
    Adjusted,
    BasedOn,
    Score,
    Target,
    NotApplicable,
    State,
    FirstServed,
    Never,
    Spared,
    SparedCaption,
    DocumentsSpared,
    ProbesAnswered,
    LastProbe,
    DataAsOf,
    Freshness,
    Clean,
    NoProbe,
    NoHistory,
    MethodologyTitle,
    BackToRanking,
    EditionSigned,
    EditionUnits,
    EditionTrend,
    EditionFile,
    EditionCsv,
    EditionVerify,
    EditionOthers,
    Status,
    Group,
    NoEditionScore,
    LiveRanking,
}

impl Text for W {
    fn text(self, lang: Lang) -> &'static str {
        use W::*;
        let (vi, en) = match self {
            PageTitle => ("Xếp hạng mức độ sẵn sàng chia sẻ dữ liệu của các cơ quan nhà nước", "Data-sharing readiness ranking of public agencies"),
            Headline => ("Các cơ quan nhà nước sẵn sàng chia sẻ dữ liệu đến đâu?", "How ready are public agencies to share data?"),
            HowToRead => ("Cách đọc trang này", "How to read this page"),
            Overall => ("Xếp hạng chung", "Overall ranking"),
            NoneRanked => ("Chưa có cơ quan nào đủ dữ liệu để được xếp hạng.", "No agency has enough data to be ranked yet."),
            OverallCaption => ("Xếp hạng chung: mọi cơ quan được xếp hạng", "Overall ranking: every ranked agency"),
            NoneInGroup => ("Chưa có đơn vị nào trong nhóm này được xếp hạng.", "None ranked in this group yet."),
            Insufficient => ("Chưa đủ dữ liệu", "Insufficient data"),
            InsufficientWhy => ("Các cơ quan này có quá ít ngày-bên dùng có yêu cầu trong kỳ để được xếp hạng công bằng. Số liệu của họ vẫn được nêu dưới đây để minh bạch.", "These agencies had too few distinct consumer-days of requests in the window to be ranked fairly. Their figures are shown below for transparency."),
            ByAgency => ("Từng cơ quan", "Agency by agency"),
            ChartTitle => ("Điểm chung của từng cơ quan được xếp hạng, kèm khoảng khả dĩ", "Overall score of each ranked agency, with its likely range"),
            Rank => ("Thứ hạng", "Rank"),
            Agency => ("Cơ quan", "Agency"),
            Tier => ("Xếp loại", "Tier"),
            ScoreRange => ("Điểm (khoảng khả dĩ)", "Score (likely range)"),
            Overdue => ("Bộ dữ liệu bắt buộc đã quá hạn", "Overdue mandated datasets"),
            NoOverdue => ("Không có bộ dữ liệu bắt buộc nào đã quá hạn mà chưa được kết nối.", "No mandated dataset is past its deadline without being connected."),
            OverdueCaption => ("Bộ dữ liệu cơ quan phải chia sẻ, đã quá hạn mà chưa từng được cung cấp, cùng người chịu trách nhiệm", "Datasets an agency must share, past their deadline and never served, with the official responsible"),
            Dataset => ("Bộ dữ liệu", "Dataset"),
            Deadline => ("Hạn", "Deadline"),
            Official => ("Người chịu trách nhiệm", "Responsible official"),
            Indicator => ("Chỉ số", "Indicator"),
            Pillar => ("Trụ cột", "Pillar"),
            Measured => ("Đo được", "Measured"),
            Adjusted => ("Sau hiệu chỉnh mẫu nhỏ", "After small-sample adjustment"),
            BasedOn => ("Dựa trên", "Based on"),
            Score => ("Điểm", "Score"),
            Target => ("Mục tiêu", "Target"),
            NotApplicable => ("không áp dụng", "not applicable"),
            State => ("Tình trạng", "State"),
            FirstServed => ("Lần đầu cung cấp", "First served"),
            Never => ("chưa từng", "never"),
            Spared => ("Giấy tờ người dân không phải nộp lại", "Documents citizens were spared"),
            SparedCaption => ("Giấy tờ không phải nộp lại, theo cơ quan và bộ dữ liệu", "Documents spared, by agency and dataset"),
            DocumentsSpared => ("Giấy tờ không phải nộp lại", "Documents spared"),
            ProbesAnswered => ("Lượt kiểm tra được trả lời", "Probes answered"),
            LastProbe => ("Lần kiểm tra gần nhất được trả lời", "Last answered probe"),
            DataAsOf => ("Dữ liệu tính đến", "Data as of"),
            Freshness => ("Độ cập nhật", "Freshness"),
            Clean => ("Câu trả lời sạch", "Clean answers"),
            NoProbe => ("không có yêu cầu kiểm tra", "no probe request"),
            NoHistory => ("chưa đủ lịch sử", "not enough history yet"),
            MethodologyTitle => ("Phương pháp xếp hạng", "Ranking methodology"),
            BackToRanking => ("Quay lại bảng xếp hạng", "Back to the ranking"),
            EditionSigned => ("Chữ ký", "Signature"),
            EditionUnits => ("Các đơn vị và xu hướng qua các bản công bố", "Units and their trend across editions"),
            EditionTrend => ("Xu hướng qua các bản công bố", "Trend across editions"),
            EditionFile => ("Tệp đã ký (JSON)", "Signed file (JSON)"),
            EditionCsv => ("Bảng tính (CSV)", "Spreadsheet (CSV)"),
            EditionVerify => ("Kiểm tra ngoại tuyến bằng khóa xác minh đã công bố:", "Check it offline with the published verifier key:"),
            EditionOthers => ("Các bản công bố khác", "Other editions"),
            Status => ("Trạng thái", "Status"),
            Group => ("Nhóm", "Group"),
            NoEditionScore => ("chưa có điểm trong bản công bố nào", "no score in any edition yet"),
            LiveRanking => ("Bảng xếp hạng hiện tại", "The current ranking"),
        };
        pick(lang, vi, en)
    }
}

/// A figure written for people in `lang`: Vietnamese writes the decimal comma (35,3; 98,8%).
pub fn decimal(lang: Lang, s: String) -> String {
    match lang {
        Lang::Vi => s.replace('.', ","),
        Lang::En => s,
    }
}

/// [`super::num`] in `lang`.
pub fn num(lang: Lang, v: Option<f64>) -> String {
    decimal(lang, super::num(v))
}

/// [`super::pct`] in `lang`.
pub fn pct(lang: Lang, v: Option<f64>) -> String {
    decimal(lang, super::pct(v))
}

fn pick<T>(lang: Lang, vi: T, en: T) -> T {
    match lang {
        Lang::Vi => vi,
        Lang::En => en,
    }
}

/// A unit's status in words.
pub fn status(lang: Lang, s: Status) -> &'static str {
    match s {
        Status::Ranked => pick(lang, "được xếp hạng", "ranked"),
        Status::InsufficientData => pick(lang, "chưa đủ dữ liệu", "insufficient data"),
        Status::NotConnected => pick(lang, "chưa kết nối", "not connected"),
    }
}

/// A mandated dataset's state in words.
pub fn mandate_state(lang: Lang, s: MandateState) -> &'static str {
    match s {
        MandateState::Met => pick(lang, "đúng hạn", "met"),
        MandateState::Late => pick(lang, "trễ hạn", "late"),
        MandateState::Overdue => pick(lang, "quá hạn", "overdue"),
        MandateState::Pending => pick(lang, "chưa đến hạn", "pending"),
    }
}

/// A published code (pillar, unit kind, group, indicator id) in words; an unknown code as is.
pub fn code(lang: Lang, code: &'static str) -> &'static str {
    let (vi, en) = match code {
        "sharing" => ("chia sẻ", "sharing"),
        "service" => ("dịch vụ", "service"),
        "quality" => ("chất lượng", "quality"),
        "ministry" => ("bộ", "ministry"),
        "sector" => ("ngành", "sector"),
        "province" => ("tỉnh", "province"),
        "city" => ("thành phố trực thuộc trung ương", "centrally-run city"),
        "central" => ("Bộ, ngành", "Ministries and sectors"),
        "provinces" => ("Tỉnh, thành phố", "Provinces"),
        "coverage" => (
            "Bộ dữ liệu bắt buộc kết nối đúng hạn",
            "Mandated datasets connected on time",
        ),
        "sharing_rate" => ("Tỷ lệ chia sẻ", "Sharing rate"),
        "refusal_justification" => ("Từ chối có giải trình", "Refusals justified"),
        "availability" => ("Độ sẵn sàng của nguồn", "Source availability"),
        "latency" => ("Trả lời nhanh", "Fast answers"),
        "validity" => ("Phản hồi hợp lệ", "Valid responses"),
        "completeness" => ("Phản hồi đầy đủ", "Complete responses"),
        "freshness" => ("Độ cập nhật", "Freshness"),
        other => (other, other),
    };
    pick(lang, vi, en)
}

/// The three pillar columns' headings.
pub fn pillars(lang: Lang) -> [&'static str; 3] {
    pick(
        lang,
        ["Chia sẻ", "Dịch vụ", "Chất lượng"],
        ["Sharing", "Service", "Quality"],
    )
}

/// "Trend (90 days)".
pub fn trend(lang: Lang, days: u32) -> String {
    pick(
        lang,
        format!("Xu hướng ({days} ngày)"),
        format!("Trend ({days} days)"),
    )
}

/// A rank and, when uncertain, the ranks it could plausibly have.
pub fn rank(lang: Lang, r: Option<RankInfo>) -> String {
    match (lang, r) {
        (_, None) => "-".into(),
        (Lang::Vi, Some(r)) if r.best == r.worst => format!("{}/{}", r.rank, r.of),
        (Lang::En, Some(r)) if r.best == r.worst => format!("{} of {}", r.rank, r.of),
        (Lang::Vi, Some(r)) => {
            format!("{}/{} (có thể từ {} đến {})", r.rank, r.of, r.best, r.worst)
        }
        (Lang::En, Some(r)) => format!("{} of {} (could be {}-{})", r.rank, r.of, r.best, r.worst),
    }
}

/// "`part` of `whole`".
pub fn of(lang: Lang, part: impl std::fmt::Display, whole: impl std::fmt::Display) -> String {
    decimal(
        lang,
        pick(
            lang,
            format!("{part} trên {whole}"),
            format!("{part} of {whole}"),
        ),
    )
}

/// A group's own table caption.
pub fn group_caption(lang: Lang, group: &str) -> String {
    pick(
        lang,
        format!("{group}: xếp hạng riêng"),
        format!("{group}: ranked separately"),
    )
}

/// "(12 consumer-days)".
pub fn consumer_days(lang: Lang, n: i64) -> String {
    pick(
        lang,
        format!(" ({n} ngày-bên dùng)"),
        format!(" ({n} consumer-days)"),
    )
}

/// "Indicator scores of X" (chart), "Indicators of X", "Mandated datasets of X", "Datasets
/// of X: …" (tables).
pub fn of_unit(lang: Lang, what: Of, name: &str) -> String {
    match (lang, what) {
        (Lang::Vi, Of::Chart) => format!("Điểm các chỉ số của {name}"),
        (Lang::En, Of::Chart) => format!("Indicator scores of {name}"),
        (Lang::Vi, Of::Indicators) => format!("Các chỉ số của {name}"),
        (Lang::En, Of::Indicators) => format!("Indicators of {name}"),
        (Lang::Vi, Of::Mandated) => format!("Bộ dữ liệu bắt buộc của {name}"),
        (Lang::En, Of::Mandated) => format!("Mandated datasets of {name}"),
        (Lang::Vi, Of::Datasets) => {
            format!("Bộ dữ liệu của {name}: kiểm tra sẵn sàng, độ cập nhật và câu trả lời sạch")
        }
        (Lang::En, Of::Datasets) => {
            format!("Datasets of {name}: readiness probes, freshness and clean answers")
        }
    }
}

/// What [`of_unit`] names.
#[derive(Debug, Clone, Copy)]
pub enum Of {
    Chart,
    Indicators,
    Mandated,
    Datasets,
}

/// A sparkline's text alternative.
pub fn sparkline(lang: Lang, label: &str, n: usize, last: f64) -> String {
    let last = num(lang, Some(last));
    pick(
        lang,
        format!("{label}: điểm qua {n} ảnh chụp gần nhất, mới nhất {last}"),
        format!("{label}: score over the last {n} snapshots, latest {last}"),
    )
}

/// "Daily snapshots from A to B."
pub fn snapshots(lang: Lang, from: &str, to: &str) -> String {
    pick(
        lang,
        format!("Ảnh chụp hằng ngày từ {from} đến {to}."),
        format!("Daily snapshots from {from} to {to}."),
    )
}

/// "Official edition of the ranking, 2026-12-03".
pub fn edition_heading(lang: Lang, date: &str) -> String {
    pick(
        lang,
        format!("Bản công bố chính thức của bảng xếp hạng ngày {date}"),
        format!("Official edition of the ranking, {date}"),
    )
}

/// What an edition is, in one sentence.
pub fn edition_intro(lang: Lang, date: &str, zone: &str, methodology: &str) -> String {
    pick(
        lang,
        format!("Bảng xếp hạng như vào cuối ngày {date} (giờ {zone}), theo phương pháp phiên bản {methodology}: đã được chốt, lưu trữ và ký bằng khóa ký điểm kiểm tra của nhật ký; bản này không bao giờ thay đổi."),
        format!("The ranking as it stood at the end of {date} ({zone} time), methodology v{methodology}: frozen, stored and signed with the audit log's checkpoint key; it never changes."),
    )
}

/// A unit's edition trend chart's text alternative.
pub fn edition_trend(lang: Lang, name: &str, n: usize, last: Option<f64>) -> String {
    let last = num(lang, last);
    pick(
        lang,
        format!("{name}: điểm qua {n} bản công bố, bản gần nhất {last}"),
        format!("{name}: score across {n} editions, latest {last}"),
    )
}
