//! Ranks with their plausible range, in three bands (meeting mandates, overdue unmet
//! mandates, not connected), each ordered by score.

use super::model::{AgencyResult, MandateState, RankInfo, Status};

/// (band, score, low, high).
type Figures = (u8, f64, f64, f64);

/// The band a unit is ranked in (lower is better), or `None` if it is not ranked: meeting its
/// mandates, with overdue unmet mandates, not connected.
fn band(a: &AgencyResult) -> Option<u8> {
    match a.status {
        Status::InsufficientData => None,
        Status::NotConnected => Some(2),
        Status::Ranked => Some(u8::from(
            a.mandated.iter().any(|m| m.state == MandateState::Overdue),
        )),
    }
}

/// Rank the units selected by `member`: by band, then by score within the band; the plausible
/// range comes from the score intervals within the band (best: only those surely above;
/// worst: all that may be above).
pub(super) fn assign_ranks(
    results: &mut [AgencyResult],
    member: impl Fn(&AgencyResult) -> bool,
    set: impl Fn(&mut AgencyResult, RankInfo),
) {
    // A not_connected unit may have no applicable indicator: it scores 0.
    let figures = |a: &AgencyResult| -> Option<Figures> {
        let b = band(a)?;
        let or0 = |x: Option<f64>| if b == 2 { Some(x.unwrap_or(0.0)) } else { x };
        Some((b, or0(a.score)?, or0(a.score_low)?, or0(a.score_high)?))
    };
    let pool: Vec<Figures> = results
        .iter()
        .filter(|a| member(a))
        .filter_map(figures)
        .collect();
    let of = pool.len() as u32;
    for a in results.iter_mut() {
        if !member(a) {
            continue;
        }
        let Some((b, s, lo, hi)) = figures(a) else {
            continue;
        };
        let above = pool.iter().filter(|p| p.0 < b).count() as u32;
        let count =
            |f: &dyn Fn(&Figures) -> bool| pool.iter().filter(|p| p.0 == b && f(p)).count() as u32;
        let rank = 1 + above + count(&|p| p.1 > s);
        let best = 1 + above + count(&|p| p.2 > hi);
        // Every other unit of the band whose upper bound reaches our lower bound may be above us.
        let worst = (above + count(&|p| p.3 >= lo)).max(rank);
        set(
            a,
            RankInfo {
                rank,
                best: best.min(rank),
                worst,
                of,
            },
        );
    }
}
