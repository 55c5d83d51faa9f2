//! Integration tests: the gateway on an ephemeral port — in-process by default, the real
//! `dxgate` binary where a process is needed — against a real upstream HTTP server and real
//! SQLite, PostgreSQL and MariaDB databases. One test binary, many modules (fast to link).

#[path = "common/mod.rs"]
mod common;

#[path = "gateway/admin.rs"]
mod admin;
#[path = "gateway/anchored.rs"]
mod anchored;
#[path = "gateway/anonymous_load.rs"]
mod anonymous_load;
#[path = "gateway/appeals.rs"]
mod appeals;
#[path = "gateway/audit_log.rs"]
mod audit_log;
#[path = "gateway/carry_over.rs"]
mod carry_over;
#[path = "gateway/cases.rs"]
mod cases;
#[path = "gateway/catalog_versions.rs"]
mod catalog_versions;
#[path = "gateway/catalogue.rs"]
mod catalogue;
#[path = "gateway/checkpoints.rs"]
mod checkpoints;
#[path = "gateway/connections.rs"]
mod connections;
#[path = "gateway/crash.rs"]
mod crash;
#[path = "gateway/dashboard.rs"]
mod dashboard;
#[path = "gateway/deadlines.rs"]
mod deadlines;
#[path = "gateway/demo_traffic.rs"]
mod demo_traffic;
#[path = "gateway/deploy.rs"]
mod deploy;
#[path = "gateway/deploy_keys.rs"]
mod deploy_keys;
#[path = "gateway/editions.rs"]
mod editions;
#[path = "gateway/eid.rs"]
mod eid;
#[path = "gateway/export.rs"]
mod export;
#[path = "gateway/filters.rs"]
mod filters;
#[path = "gateway/keys.rs"]
mod keys;
#[path = "gateway/legacy_hashes.rs"]
mod legacy_hashes;
#[path = "gateway/manners.rs"]
mod manners;
#[path = "gateway/minimisation.rs"]
mod minimisation;
#[path = "gateway/openapi.rs"]
mod openapi;
#[path = "gateway/operations.rs"]
mod operations;
#[path = "gateway/outcomes.rs"]
mod outcomes;
#[path = "gateway/oversight.rs"]
mod oversight;
#[path = "gateway/oversight_page.rs"]
mod oversight_page;
#[path = "gateway/portal.rs"]
mod portal;
#[path = "gateway/probes.rs"]
mod probes;
#[path = "gateway/progress.rs"]
mod progress;
#[path = "gateway/protection.rs"]
mod protection;
#[path = "gateway/ranking.rs"]
mod ranking;
#[path = "gateway/ranking_lang.rs"]
mod ranking_lang;
#[path = "gateway/ranking_store.rs"]
mod ranking_store;
#[path = "gateway/read_witness.rs"]
mod read_witness;
#[path = "gateway/register.rs"]
mod register;
#[path = "gateway/replicas.rs"]
mod replicas;
#[path = "gateway/retention.rs"]
mod retention;
#[path = "gateway/routing.rs"]
mod routing;
#[path = "gateway/security.rs"]
mod security;
#[path = "gateway/shared_limits.rs"]
mod shared_limits;
#[path = "gateway/sign_in.rs"]
mod sign_in;
#[path = "gateway/source_faults.rs"]
mod source_faults;
#[path = "gateway/sql_sources.rs"]
mod sql_sources;
#[path = "gateway/stays_up.rs"]
mod stays_up;
#[path = "gateway/third_party.rs"]
mod third_party;
#[path = "gateway/timed.rs"]
mod timed;
#[path = "gateway/tls.rs"]
mod tls;
#[path = "gateway/tools.rs"]
mod tools;
#[path = "gateway/upgrade.rs"]
mod upgrade;
#[path = "gateway/verify_trust.rs"]
mod verify_trust;
#[path = "gateway/witnesses.rs"]
mod witnesses;
