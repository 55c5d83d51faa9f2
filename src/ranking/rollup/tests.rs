//! Rollup counters: buckets, self-calls, probes, events.

use super::*;

fn facts(outcome: Outcome, consumer: &str, ts_ms: i64, latency_us: i64) -> Facts {
    Facts {
        ts_ms,
        consumer: Some(consumer.into()),
        agency: "a".into(),
        dataset: "d".into(),
        outcome,
        justification: None,
        decided_by_source: false,
        response_schema: SchemaResult::Valid,
        latency_us,
        probe: false,
        subject: false,
        data_as_of_ms: None,
        duplicates: None,
    }
}

#[test]
fn buckets_are_inclusive_upper_bounds() {
    assert_eq!(bucket(0), 0);
    assert_eq!(bucket(5_000), 0);
    assert_eq!(bucket(5_001), 1);
    assert_eq!(bucket(1_000_000), 7);
    assert_eq!(bucket(60_000_000), 11);
}

#[test]
fn self_calls_are_counted_apart() {
    let agencies = ConsumerAgencies::from_pairs([("own".to_string(), "a".to_string())]);
    let mut d = Delta::default();
    d.add(&facts(Outcome::Served, "own", 10, 100), &agencies);
    d.add(&facts(Outcome::Served, "other", 20, 100), &agencies);
    d.add(
        &facts(Outcome::Served, "other", crate::calendar::DAY_MS + 5, 100),
        &agencies,
    );
    let cells: Vec<_> = d.hourly.values().collect();
    assert_eq!(cells[0].c[SELF_CALLS], 1);
    assert_eq!(cells[0].c[SERVED], 1);
    assert_eq!(cells[0].first_served_ms, Some(20));
    assert_eq!(d.consumer_days.len(), 2, "one consumer on two days");
    let daily = d.daily();
    assert_eq!(daily.len(), 2);
    assert_eq!(
        d.datasets()[&("a".into(), "d".into())],
        (Some(20), Some(crate::calendar::DAY_MS + 5))
    );
}

#[test]
fn probes_are_measured_but_never_demand() {
    let agencies = ConsumerAgencies::from_pairs(std::iter::empty());
    let mut d = Delta::default();
    let probe = |outcome, ts_ms| Facts {
        probe: true,
        consumer: Some("dxgate-probe".into()),
        data_as_of_ms: Some(5),
        duplicates: Some(0),
        ..facts(outcome, "x", ts_ms, 100)
    };
    d.add(&probe(Outcome::Served, 10), &agencies);
    d.add(&probe(Outcome::SourceError, 20), &agencies);
    let c = &d.hourly.values().next().unwrap().c;
    assert_eq!(
        (c[REQUESTS], c[SERVED], c[SOURCE_ERROR], c[RESP_VALID]),
        (0, 0, 0, 0)
    );
    assert_eq!(
        (c[PROBES], c[PROBE_ANSWERED], c[PROBE_SOURCE_ERROR]),
        (2, 1, 1)
    );
    assert_eq!((c[PROBE_RESP_VALID], c[CLEAN_CHECKED], c[CLEAN]), (2, 2, 2));
    assert!(d.consumer_days.is_empty(), "probes are not consumer-days");
    assert_eq!(d.hourly.values().next().unwrap().last_served_ms, None);
    let l = d.liveness[&("a".into(), "d".into())];
    assert_eq!((l.last_probe_ok_ms, l.data_as_of_ms), (Some(10), Some(5)));
    // A served lookup about a person by another agency spares a document.
    let mut lookup = facts(Outcome::Served, "other", 30, 100);
    lookup.subject = true;
    lookup.duplicates = Some(2);
    d.add(&lookup, &agencies);
    let c = &d.hourly.values().next().unwrap().c;
    assert_eq!(
        (c[SPARED], c[SERVED], c[CLEAN_CHECKED], c[CLEAN]),
        (1, 1, 3, 2)
    );
}

#[test]
fn events_are_not_requests_to_an_agency() {
    let agencies = ConsumerAgencies::from_pairs(std::iter::empty());
    let mut d = Delta::default();
    d.add(&facts(Outcome::Event, "oversight", 10, 0), &agencies);
    assert_eq!(d.records, 1, "the watermark still moves past it");
    assert!(d.hourly.is_empty());
    assert!(d.consumer_days.is_empty());
}
