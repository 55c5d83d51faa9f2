//! Operations: Prometheus metrics, OTLP export, readiness, hot reload, graceful drain.

use crate::common::catalogue::*;
use crate::common::otlp::OtlpReceiver;
use crate::common::*;

async fn metrics(gw: &Gateway) -> String {
    gw.anon_text("/metrics").await
}

#[tokio::test]
async fn prometheus_metrics_count_outcomes_and_commits() {
    let (_up, _cat, gw) = setup().await;
    for _ in 0..3 {
        assert_eq!(gw.status(PORTAL_KEY, HTTP_OK).await, 200);
    }
    gw.get(PORTAL_KEY, RESTRICTED).await;
    gw.get(PORTAL_KEY, "/v1/data/alpha/fails?code=1234").await;
    let r = gw.anon("/metrics").await;
    assert!(r.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/plain"));
    let text = r.text().await.unwrap();
    for line in [
        "dxgate_requests_total{outcome=\"served\"} 3",
        "dxgate_requests_total{outcome=\"refused\"} 1",
        "dxgate_requests_total{outcome=\"source_error\"} 1",
        "dxgate_request_duration_seconds_count 5",
        // five requests and the start's catalog_change record
        "dxgate_audit_records_committed_total 6",
        "dxgate_source_up{agency=\"alpha\",dataset=\"http-ok\"} 1",
        "dxgate_source_up{agency=\"alpha\",dataset=\"fails\"} 0",
        "dxgate_source_requests_total{agency=\"alpha\",dataset=\"http-ok\",result=\"ok\"} 3",
        "dxgate_audit_batch_size_count",
        "dxgate_audit_queue_depth 0",
        "dxgate_security_events_total{kind=\"auth_failures\"} 0",
    ] {
        assert!(text.contains(line), "missing {line:?} in\n{text}");
    }
}

#[tokio::test]
async fn exports_spans_and_metrics_over_otlp() {
    let otlp = OtlpReceiver::start().await;
    let up = Upstream::start().await;
    let cat = Catalogue::on(&up);
    let endpoint = format!("http://{}", otlp.addr);
    let gw = Gateway::start_binary_with_env(
        cat.path(),
        &[
            ("OTEL_EXPORTER_OTLP_ENDPOINT", &endpoint),
            ("OTEL_METRIC_EXPORT_INTERVAL", "300"),
            ("OTEL_BSP_SCHEDULE_DELAY", "100"),
            ("OTEL_SERVICE_NAME", "dxgate-test"),
        ],
    )
    .await;
    assert_eq!(gw.status(PORTAL_KEY, HTTP_OK).await, 200);
    assert_eq!(gw.status(PORTAL_KEY, RESTRICTED).await, 403);
    let rx = otlp.received.clone();
    assert!(
        rx.arrives(
            "/v1/traces",
            &[
                "data_request",
                "alpha",
                "http-ok",
                "served",
                "portal",
                "dxgate-test",
            ]
        )
        .await,
        "a span per request with agency, dataset, consumer and outcome reached the OTLP receiver"
    );
    // Spans are exported in batches: the refused one may arrive in a later batch.
    assert!(
        rx.arrives("/v1/traces", &["refused", "restricted"]).await,
        "the refused request's span reached the OTLP receiver"
    );
    assert!(
        rx.arrives(
            "/v1/metrics",
            &[
                "dxgate.requests",
                "dxgate.request.duration",
                "dxgate.audit.queue_depth",
            ]
        )
        .await,
        "metrics reached the OTLP receiver"
    );
}

#[tokio::test]
async fn readiness_follows_the_store() {
    let (_up, cat, gw) = setup().await;
    assert_eq!(gw.anon_status("/readyz").await, 200);
    let mut db = cat.audit_sqlite().await;
    // (a data request, readiness) while the records table is away, then once it is back.
    for (rename, answers) in [
        ("ALTER TABLE audit_records RENAME TO away", 503),
        ("ALTER TABLE away RENAME TO audit_records", 200),
    ] {
        sqlx::query(rename).execute(&mut db).await.unwrap();
        assert_eq!(gw.status(PORTAL_KEY, HTTP_OK).await, answers);
        assert_eq!(gw.anon_status("/readyz").await, answers);
    }
}

/// The binary gateway on the standard catalogue, polling it for changes every `poll`.
async fn binary_polling_every(poll: &str) -> (Upstream, Catalogue, Gateway) {
    let up = Upstream::start().await;
    let settings = format!("[server]\nnode_id = \"test-node\"\nreload_poll = \"{poll}\"\n");
    let cat = Catalogue::with_settings(&up, &settings);
    let gw = Gateway::start_binary(cat.path()).await;
    (up, cat, gw)
}

#[tokio::test]
async fn hot_reload_applies_valid_catalogues_and_keeps_serving_on_invalid_ones() {
    let (_up, cat, gw) = binary_polling_every("200ms").await;
    // One keep-alive client throughout: reloads must not drop its connection.
    let c = client();
    let get = |path: &'static str| {
        c.get(gw.url(path))
            .bearer_auth(PORTAL_KEY)
            .header("Data-Purpose", "social-benefit")
            .send()
    };
    assert_eq!(get(RESTRICTED).await.unwrap().status(), 403);

    // Lift the refusal rule: the change is picked up without a restart.
    cat.edit(
        "policies/agencies/alpha.toml",
        "[[datasets.refusals]]\nexcept_consumers = [\"police\"]",
        "[[datasets.refusals]]\nexcept_consumers = [\"police\", \"portal\"]",
    );
    assert!(
        eventually(15, || async {
            get(RESTRICTED).await.unwrap().status() == 200
        })
        .await,
        "the new rule took effect"
    );

    // A broken catalogue is rejected; the previous one keeps serving.
    let lifted = cat.read("policies/agencies/alpha.toml");
    cat.write(
        "policies/agencies/alpha.toml",
        &lifted.replace("legal_basis = \"Benefits Act, Art. 3\"\n", ""),
    );
    assert!(
        eventually(15, || async {
            metrics(&gw)
                .await
                .contains("dxgate_catalog_reloads_total{result=\"rejected\"} 1")
        })
        .await,
        "the broken catalogue was rejected"
    );
    assert_eq!(get(RESTRICTED).await.unwrap().status(), 200);
    assert_eq!(
        get("/v1/data/alpha/people?citizen_id=001")
            .await
            .unwrap()
            .status(),
        200
    );
    assert!(gw.log().contains("legal_basis"), "the problem is logged");
}

#[tokio::test]
async fn sighup_reloads_and_sigterm_drains_in_flight_requests() {
    let (up, cat, gw) = binary_polling_every("0s").await;
    assert_eq!(
        gw.status(PORTAL_KEY, "/v1/data/beta/licences?code=1234")
            .await,
        200
    );
    // Add a rule refusing everyone on licences, then signal.
    cat.edit("policies/agencies/beta.toml", "max_response_bytes = 16384\n",
        "max_response_bytes = 16384\n[[datasets.refusals]]\nlegal_basis = \"Order 5\"\nreason = \"Closed for audit.\"\n");
    let pid = gw.pid().to_string();
    std::process::Command::new("kill")
        .args(["-HUP", &pid])
        .status()
        .unwrap();
    assert!(
        eventually(15, || async {
            gw.get(PORTAL_KEY, "/v1/data/beta/licences?code=1234")
                .await
                .status()
                == 403
        })
        .await,
        "SIGHUP applied the new catalogue"
    );

    // A request in flight when SIGTERM arrives still completes and is recorded.
    let before = up.hits();
    let slow = tokio::spawn({
        let url = gw.url("/v1/data/alpha/slow?code=1234");
        async move {
            client()
                .get(url)
                .bearer_auth(PORTAL_KEY)
                .header("Data-Purpose", "x")
                .send()
                .await
                .map(|r| (r.status().as_u16(), request_id(&r)))
        }
    });
    // SIGTERM only once the request is in flight: it has reached the source.
    assert!(
        eventually(10, async || up.hits() > before).await,
        "the slow request never reached the source"
    );
    let status = gw.stop().await;
    assert!(status.success());
    let (code, id) = slow
        .await
        .unwrap()
        .expect("the in-flight request was answered, not dropped");
    assert_eq!(code, 504);
    let (vcode, out, err) = run_cli(&["audit", "verify"], cat.path());
    assert_eq!(vcode, 0, "{out}{err}");
    let url = format!("sqlite://{}", cat.audit_db().display());
    let mut db = <sqlx::SqliteConnection as sqlx::Connection>::connect(&url)
        .await
        .unwrap();
    let n = records_for(&mut db, &id).await;
    assert_eq!(n, 1, "the drained request's record was flushed");
}
