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
//! - [`audit`]: records, the per-replica hash chains and their Merkle trees, the group-commit
//!   writer, signed checkpoints, inclusion proofs, the store (SQLite or partitioned PostgreSQL),
//!   archiving and `audit verify`.
//! - [`server`]: the hyper listener, the router, the request pipeline and problem+json.
//! - [`gateway`]: the shared state one server runs with.
//! - [`commands`]: the CLI subcommands (`serve`, `check`, `audit verify|key|archive|check-inclusion`).
#![forbid(unsafe_code)]

pub mod audit;
pub mod commands;
pub mod config;
pub mod gateway;
pub mod identity;
pub mod ids;
pub mod policy;
pub mod server;
pub mod source;
pub mod validate;
