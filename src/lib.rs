//! dxgate: the neutral witness of every data exchange between public agencies.
//!
//! A reverse proxy that authenticates each consumer, applies the dataset's sharing policy, checks
//! request and response against JSON Schema, forwards to the agency's HTTP API or SQL database, and
//! commits a hash-chained audit record of every request **before** the answer is released.
//!
//! # Layout
//! - [`config`]: `dxgate.toml`, `policies/` and `schemas/` → a validated [`config::Catalog`]
//!   (plain data).
//! - [`runtime`]: what a running gateway keeps that is not configuration — sources and their
//!   pools, circuit breakers, limiters, source health, the harvest alarm — carried over reloads.
//! - [`ids`]: validated agency and dataset identifiers (the only path segments we route on).
//! - [`identity`]: who is calling — API keys, eID tokens (JWT/JWKS) and mTLS client certificates
//!   to [`identity::Consumer`]s or citizens; rate limits.
//! - [`limits`]: rate limits and harvest blocks shared by every replica through Redis (GCRA in
//!   a Lua script), falling back to each replica's own limits while Redis is unreachable.
//! - [`crypto`]: the one rustls crypto provider (ring) and PEM key material.
//! - [`calendar`]: UTC dates, days and months (on `jiff`).
//! - [`policy`]: share, refuse (with a [`policy::Justification`]) or exempt.
//! - [`validate`]: compiled JSON Schemas, query-string → JSON, errors as JSON pointers.
//! - [`source`]: the agency sources — pooled HTTP(S) and read-only SQL, each behind a timeout,
//!   a concurrency cap and a circuit breaker.
//! - [`subjects`]: data subjects — keyed hashes, the citizen access log, the bulk-harvest alarm.
//! - [`security`]: counters of security events.
//! - [`audit`]: records, the per-replica hash chains and their Merkle trees, the group-commit
//!   writer, signed checkpoints, inclusion proofs, the store (SQLite or partitioned PostgreSQL),
//!   archiving and `audit verify`.
//! - [`ranking`]: the public readiness ranking — rollups, indicators, snapshots, renderers.
//! - [`portal`]: the public data portal — datasets with field tables, refusal rules and
//!   examples; per-dataset OpenAPI; DCAT JSON-LD; the `/catalog` page.
//! - [`i18n`]: Vietnamese and English for the public pages, language negotiation.
//! - [`oversight`]: reviews of refusals by the competent authority, and the refusal list.
//! - [`server`]: the hyper listener (TLS, mTLS, limits), the route table, the HTTP handlers
//!   (`server::api`), the request pipeline, caller authentication and problem+json.
//! - [`telemetry`]: `/metrics`, logs (JSON or human-readable), OpenTelemetry traces and metrics
//!   over OTLP.
//! - [`gateway`]: the shared state one server runs with (one configuration + runtime snapshot),
//!   starting and stopping it with its background tasks, and hot reload.
//! - [`commands`]: the CLI subcommands (`serve`, `check`, `audit verify|key|archive|
//!   check-inclusion`, `ranking`, `demo-agencies`, `init`, `consumer add`).
//! - [`progress`]: how the long store walks report progress (a terminal's bar in the
//!   commands, nobody elsewhere).
#![forbid(unsafe_code)]

pub mod audit;
pub mod calendar;
pub mod commands;
pub mod config;
pub mod crypto;
pub mod gateway;
pub mod i18n;
pub mod identity;
pub mod ids;
pub mod limits;
pub mod oversight;
pub mod policy;
pub mod portal;
pub mod progress;
pub mod ranking;
pub mod runtime;
pub mod security;
pub mod server;
pub mod sign_in;
pub mod source;
pub mod subjects;
pub mod telemetry;
pub mod validate;
