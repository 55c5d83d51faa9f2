//! Calendar arithmetic, on `jiff` (UTC unless a time zone is named): the dates people type and read (`YYYY-MM-DD`), the
//! timestamps the access log shows, months (PostgreSQL partitions) and day numbers (days since
//! 1970-01-01: how the ranking keys its rollups and snapshots). Functions here are UTC; days
//! that people see (deadlines, consumer-days, snapshots, the daily report) are counted in the
//! deployment's [`Zone`].

mod zone;

pub use zone::{BadZone, Zone, DEFAULT_ZONE};

use std::time::Duration;

use jiff::civil::Date;
use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp, ToSpan};

/// Milliseconds in a UTC day: Unix time has no leap seconds, so every day is 24 hours long.
pub const DAY_MS: i64 = SignedDuration::from_hours(24).as_millis() as i64;

/// Milliseconds in an hour.
pub const HOUR_MS: i64 = SignedDuration::from_hours(1).as_millis() as i64;

/// `n` whole days.
pub fn days(n: u64) -> Duration {
    Duration::from_millis(n.saturating_mul(DAY_MS as u64))
}

/// How many whole days `d` spans (rounded down).
pub fn whole_days(d: Duration) -> u64 {
    (d.as_millis() / DAY_MS as u128).min(u128::from(u64::MAX)) as u64
}

/// `d` in days, if it is a whole number of days.
pub fn exact_days(d: Duration) -> Option<u64> {
    (d == days(whole_days(d))).then(|| whole_days(d))
}

/// A date that is not written `YYYY-MM-DD` or does not exist (2024-02-30).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0:?}: write a date that exists as YYYY-MM-DD")]
pub struct BadDate(pub String);

/// Parse a calendar date written exactly `YYYY-MM-DD`.
pub fn parse_date(s: &str) -> Result<Date, BadDate> {
    let bad = || BadDate(s.to_owned());
    let b = s.as_bytes();
    let shape = b.len() == 10
        && b[4] == b'-'
        && b[7] == b'-'
        && b.iter()
            .enumerate()
            .all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit());
    if !shape {
        return Err(bad());
    }
    s.parse::<Date>().map_err(|_| bad())
}

/// Unix milliseconds of 00:00 UTC on `date`.
pub fn start_ms(date: Date) -> i64 {
    // Midnight UTC of every date jiff holds (years -9999 to 9999) is an instant it holds too.
    TimeZone::UTC
        .to_timestamp(date.into())
        .map_or(i64::MAX, |t| t.as_millisecond())
}

/// Unix milliseconds of 00:00 UTC on the day after `date`: "by `date`" means before this.
pub fn end_ms(date: Date) -> i64 {
    date.checked_add(1.day()).map_or(i64::MAX, start_ms)
}

/// Unix milliseconds of 00:00 UTC on the first day of the month after `year`-`month`.
pub fn next_month_start_ms(year: i16, month: i8) -> Option<i64> {
    let first = Date::new(year, month, 1).ok()?;
    Some(start_ms(first.checked_add(1.month()).ok()?))
}

/// Days from 1970-01-01 to `date`.
pub fn day_number(date: Date) -> i64 {
    start_ms(date).div_euclid(DAY_MS)
}

/// The instant of Unix milliseconds `ms`, held to the years jiff knows (-9999 to 9999); no clock
/// or stored record is outside them.
fn timestamp(ms: i64) -> Timestamp {
    Timestamp::from_millisecond(ms).unwrap_or(if ms < 0 {
        Timestamp::MIN
    } else {
        Timestamp::MAX
    })
}

/// The UTC date of Unix milliseconds `ms`.
pub fn date_of(ms: i64) -> Date {
    TimeZone::UTC.to_datetime(timestamp(ms)).date()
}

/// `YYYY-MM-DD` (UTC) of Unix milliseconds `ms`.
pub fn format_date(ms: i64) -> String {
    date_of(ms).to_string()
}

/// `YYYY-MM-DDTHH:MM:SSZ` (UTC, whole seconds) of Unix milliseconds `ms`.
pub fn format_seconds(ms: i64) -> String {
    timestamp(ms.div_euclid(1000) * 1000)
        .strftime("%Y-%m-%dT%H:%M:%SZ")
        .to_string()
}

/// The UTC day number of Unix milliseconds `ms` (days since 1970-01-01).
pub fn day_of(ms: i64) -> i64 {
    ms.div_euclid(DAY_MS)
}

/// `YYYY-MM-DD` of a day number.
pub fn format_day(day: i64) -> String {
    format_date(day.saturating_mul(DAY_MS))
}

/// The time zone named `name` (IANA, e.g. `Asia/Ho_Chi_Minh`), from the bundled tz database.
pub fn zone(name: &str) -> Result<TimeZone, BadZone> {
    TimeZone::get(name).map_err(|_| BadZone(name.to_owned()))
}

/// A time of day not written `HH:MM` (24-hour clock).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0:?}: write a time of day as HH:MM (24-hour clock)")]
pub struct BadTime(pub String);

/// Parse a local time of day written exactly `HH:MM`.
pub fn parse_time_of_day(s: &str) -> Result<jiff::civil::Time, BadTime> {
    let bad = || BadTime(s.to_owned());
    let b = s.as_bytes();
    if b.len() != 5
        || b[2] != b':'
        || !b
            .iter()
            .enumerate()
            .all(|(i, c)| i == 2 || c.is_ascii_digit())
    {
        return Err(bad());
    }
    let (h, m) = (
        s[..2].parse::<i8>().map_err(|_| bad())?,
        s[3..].parse::<i8>().map_err(|_| bad())?,
    );
    jiff::civil::Time::new(h, m, 0, 0).map_err(|_| bad())
}

/// The first instant strictly after `now_ms` at which the clock in `tz` reads `at`.
pub fn next_local_ms(now_ms: i64, at: jiff::civil::Time, tz: &TimeZone) -> i64 {
    let today = tz.to_datetime(timestamp(now_ms)).date();
    (0..3)
        .filter_map(|n| today.checked_add(n.days()).ok())
        .filter_map(|d| tz.to_timestamp(d.to_datetime(at)).ok())
        .map(|t| t.as_millisecond())
        .find(|&t| t > now_ms)
        .unwrap_or(now_ms + DAY_MS)
}

/// Unix milliseconds of a date/time found in data: an RFC 3339 timestamp with its offset
/// (`2026-11-30T08:00:00+07:00`, `...Z`) or a date alone (`2026-11-30`, taken as 00:00 UTC).
pub fn parse_instant(s: &str) -> Option<i64> {
    if let Ok(t) = s.parse::<Timestamp>() {
        return Some(t.as_millisecond());
    }
    parse_date(s).ok().map(start_ms)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_are_strict_and_must_exist() {
        let d = parse_date("2024-02-29").unwrap();
        assert_eq!(start_ms(d), 1_709_164_800_000);
        assert_eq!(end_ms(d), 1_709_164_800_000 + DAY_MS);
        assert_eq!(start_ms(parse_date("1970-01-01").unwrap()), 0);
        for bad in [
            "2024-02-30",
            "2023-02-29",
            "2024-02-31",
            "2024-13-01",
            "2024-00-10",
            "2024-1-01",
            "20240101",
            "2024-01-01T00:00",
            "+02024-01-01",
            " 2024-01-01",
            "",
        ] {
            assert_eq!(parse_date(bad), Err(BadDate(bad.into())), "{bad}");
        }
    }

    #[test]
    fn formats_and_day_numbers() {
        assert_eq!(format_date(0), "1970-01-01");
        assert_eq!(format_date(951_782_400_000), "2000-02-29");
        assert_eq!(format_date(-1), "1969-12-31");
        assert_eq!(format_seconds(1_709_164_845_999), "2024-02-29T00:00:45Z");
        assert_eq!(format_seconds(0), "1970-01-01T00:00:00Z");
        assert_eq!(format_seconds(1_767_225_599_999), "2025-12-31T23:59:59Z");
        assert_eq!(day_of(DAY_MS - 1), 0);
        assert_eq!(day_of(-1), -1);
        assert_eq!(format_day(11_017), "2000-03-01");
        assert_eq!((DAY_MS, HOUR_MS), (86_400_000, 3_600_000));
        assert_eq!(whole_days(days(90)), 90);
        assert_eq!(exact_days(days(30)), Some(30));
        assert_eq!(exact_days(days(30) + Duration::from_secs(1)), None);
        assert_eq!(whole_days(Duration::from_secs(86_399)), 0);
    }

    #[test]
    fn months_roll_over_the_year() {
        assert_eq!(
            next_month_start_ms(2024, 12),
            Some(start_ms(parse_date("2025-01-01").unwrap()))
        );
        assert_eq!(
            next_month_start_ms(2024, 1),
            Some(start_ms(parse_date("2024-02-01").unwrap()))
        );
        assert_eq!(next_month_start_ms(2024, 13), None);
    }

    #[test]
    fn local_times_of_day_in_a_zone() {
        let hcm = zone("Asia/Ho_Chi_Minh").unwrap();
        assert!(zone("Mars/Olympus").is_err());
        let at = parse_time_of_day("06:30").unwrap();
        for bad in ["6:30", "24:00", "06:60", "0630", "06:30:00", ""] {
            assert_eq!(parse_time_of_day(bad), Err(BadTime(bad.into())), "{bad}");
        }
        // 2026-12-01T00:00:00Z is 07:00 in Ho Chi Minh City: 06:30 there is 23:30Z that day.
        let midnight = start_ms(parse_date("2026-12-01").unwrap());
        assert_eq!(
            next_local_ms(midnight, at, &hcm),
            midnight + 23 * HOUR_MS + 30 * 60_000
        );
        let exactly = midnight + 23 * HOUR_MS + 30 * 60_000;
        assert_eq!(next_local_ms(exactly, at, &hcm), exactly + DAY_MS);
        assert_eq!(parse_instant("2026-12-01T07:00:00+07:00"), Some(midnight));
        assert_eq!(parse_instant("2026-12-01"), Some(midnight));
        assert_eq!(parse_instant("yesterday"), None);
    }
}
