//! dxgate: the neutral witness of every data exchange between public agencies.
//!
//! A reverse proxy that authenticates each consumer, applies the dataset's sharing policy, checks
//! request and response against JSON Schema, forwards to the agency's HTTP API or SQL database, and
//! commits a hash-chained audit record of every request **before** the answer is released.
//!
//! # Layout
//! - [`config`]: `dxgate.toml`, `policies/` and `schemas/` → a validated [`config::Catalog`].
//! - [`ids`]: validated agency and dataset identifiers (the only path segments we route on).
//! - [`identity`]: who is calling — API keys to [`identity::Consumer`]s.
//! - [`policy`]: share, refuse (with a [`policy::Justification`]) or exempt.
//! - [`validate`]: compiled JSON Schemas, query-string → JSON, errors as JSON pointers.
//! - [`source`]: the agency sources — pooled HTTP and read-only SQL.
//! - [`audit`]: records, the hash chain, the group-commit writer, the store and `audit verify`.
//! - [`ranking`]: the public readiness ranking — rollups, indicators, snapshots, renderers.
//! - [`oversight`]: reviews of refusals by the competent authority, its API and page.
//! - [`server`]: the hyper listener, the router, the request pipeline and problem+json.
//! - [`gateway`]: the shared state one server runs with.
//! - [`commands`]: the CLI subcommands (`serve`, `check`, `audit verify`, `ranking`).
#![forbid(unsafe_code)]

pub mod audit;
pub mod commands;
pub mod config;
pub mod gateway;
pub mod identity;
pub mod ids;
pub mod oversight;
pub mod policy;
pub mod ranking;
pub mod server;
pub mod source;
pub mod validate;
