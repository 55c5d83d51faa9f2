//! The deployment's time zone (`[ranking] timezone`, an IANA name, default `Asia/Ho_Chi_Minh`):
//! where a day begins and ends for consumer-days, daily snapshots, mandate deadlines and the
//! daily monitoring report. The time zone database is bundled, so a container without
//! `/usr/share/zoneinfo` resolves the same names.

use std::fmt;

use jiff::civil::Date;
use jiff::tz::TimeZone;
use jiff::ToSpan;

/// The default: Vietnam (UTC+7 all year).
pub const DEFAULT_ZONE: &str = "Asia/Ho_Chi_Minh";

/// A time zone name that the bundled database does not know.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "time zone {0:?} is not an IANA time zone name; write e.g. \"Asia/Ho_Chi_Minh\" or \"UTC\""
)]
pub struct BadZone(pub String);

/// A named time zone in which days are counted.
#[derive(Clone)]
pub struct Zone {
    name: String,
    tz: TimeZone,
}

impl Zone {
    /// The zone `name` (`Asia/Ho_Chi_Minh`, `UTC`, ...).
    pub fn named(name: &str) -> Result<Zone, BadZone> {
        let tz = TimeZone::get(name).map_err(|_| BadZone(name.to_owned()))?;
        Ok(Zone {
            name: name.to_owned(),
            tz,
        })
    }

    /// UTC.
    pub fn utc() -> Zone {
        Zone {
            name: "UTC".to_owned(),
            tz: TimeZone::UTC,
        }
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    /// Unix milliseconds of the first instant of `date` in this zone.
    pub fn start_ms(&self, date: Date) -> i64 {
        self.tz
            .to_timestamp(date.into())
            .map_or(i64::MAX, |t| t.as_millisecond())
    }

    /// Unix milliseconds of the start of the day after `date`: "by `date`" means before this.
    pub fn end_ms(&self, date: Date) -> i64 {
        date.checked_add(1.day())
            .map_or(i64::MAX, |d| self.start_ms(d))
    }

    /// The local date of Unix milliseconds `ms`.
    pub fn date_of(&self, ms: i64) -> Date {
        self.tz.to_datetime(super::timestamp(ms)).date()
    }

    /// `YYYY-MM-DD` (local) of Unix milliseconds `ms`.
    pub fn format_date(&self, ms: i64) -> String {
        self.date_of(ms).to_string()
    }

    /// `YYYY-MM-DDTHH:MM:SS+hh:mm` (local, whole seconds) of Unix milliseconds `ms`.
    pub fn format_instant(&self, ms: i64) -> String {
        super::timestamp(ms.div_euclid(1000) * 1000)
            .to_zoned_datetime(self.tz.clone())
            .strftime("%Y-%m-%dT%H:%M:%S%:z")
            .to_string()
    }

    /// The local day number of `ms`: days from 1970-01-01 to its local date (the key of
    /// consumer-days and snapshots; [`super::format_day`] writes it back as that date).
    pub fn day_of(&self, ms: i64) -> i64 {
        super::day_number(self.date_of(ms))
    }
}

impl Default for Zone {
    fn default() -> Self {
        Zone::named(DEFAULT_ZONE).unwrap_or_else(|_| Zone::utc())
    }
}

impl PartialEq for Zone {
    fn eq(&self, other: &Self) -> bool {
        self.name == other.name
    }
}

impl fmt::Debug for Zone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Zone({})", self.name)
    }
}

impl fmt::Display for Zone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.name)
    }
}

impl<'de> serde::Deserialize<'de> for Zone {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let name = String::deserialize(d)?;
        Zone::named(name.trim()).map_err(serde::de::Error::custom)
    }
}

impl serde::Serialize for Zone {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::calendar::{parse_date, DAY_MS, HOUR_MS};

    #[test]
    fn days_begin_at_local_midnight() {
        let vn = Zone::named("Asia/Ho_Chi_Minh").unwrap();
        let d = parse_date("2026-06-30").unwrap();
        let utc_midnight = crate::calendar::start_ms(d);
        // Midnight in Hanoi is 17:00 UTC the day before.
        assert_eq!(vn.start_ms(d), utc_midnight - 7 * HOUR_MS);
        assert_eq!(vn.end_ms(d), utc_midnight + DAY_MS - 7 * HOUR_MS);
        // 18:00 UTC on 30 June is already 1 July in Hanoi, still 30 June in UTC.
        let evening = utc_midnight + 18 * HOUR_MS;
        assert_eq!(vn.format_date(evening), "2026-07-01");
        assert_eq!(Zone::utc().format_date(evening), "2026-06-30");
        assert_eq!(vn.day_of(evening), Zone::utc().day_of(evening) + 1);
        assert_eq!(
            crate::calendar::format_day(vn.day_of(evening)),
            "2026-07-01"
        );
    }

    #[test]
    fn unknown_names_are_refused() {
        assert_eq!(
            Zone::named("Mars/Olympus").unwrap_err(),
            BadZone("Mars/Olympus".into())
        );
        assert_eq!(Zone::default().name(), "Asia/Ho_Chi_Minh");
        assert_eq!(Zone::named("UTC").unwrap().day_of(DAY_MS - 1), 0);
        assert_eq!(
            Zone::named("Asia/Ho_Chi_Minh")
                .unwrap()
                .format_instant(1_767_225_600_999),
            "2026-01-01T07:00:00+07:00"
        );
    }
}
