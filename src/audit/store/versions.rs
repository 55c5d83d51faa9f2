//! Retained catalogue versions (`catalog_versions`): the exact files of every version the
//! gateway has put in force, with its outline, so a later version can be compared with it and
//! oversight can read the rule that decided a request on a given day. Rows are only added.

use sqlx::Row;

use super::{digest_column, Digest, Store, StoreError};

/// One retained version, as listed (without its files).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct VersionRow {
    pub digest: Digest,
    /// When this gateway (or a replica sharing the store) first put it in force.
    pub first_ms: i64,
}

impl Store {
    /// Keep version `digest` (its files and outline as JSON) unless already kept.
    pub async fn keep_catalog_version(
        &self,
        digest: &Digest,
        first_ms: i64,
        files: &str,
        outline: &str,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO catalog_versions (digest, first_ms, files, outline) \
             VALUES ($1, $2, $3, $4) ON CONFLICT (digest) DO NOTHING",
        )
        .bind(digest.to_hex())
        .bind(first_ms)
        .bind(files)
        .bind(outline)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Every retained version, newest first.
    pub async fn catalog_versions(&self) -> Result<Vec<VersionRow>, StoreError> {
        let rows = sqlx::query(
            "SELECT digest, first_ms FROM catalog_versions ORDER BY first_ms DESC, digest",
        )
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(VersionRow {
                    digest: digest_column(r, "digest")?,
                    first_ms: r.try_get("first_ms")?,
                })
            })
            .collect()
    }

    /// Version `digest`: when first in force, its files and its outline (both JSON text).
    pub async fn catalog_version(
        &self,
        digest: &Digest,
    ) -> Result<Option<(i64, String, String)>, StoreError> {
        let row =
            sqlx::query("SELECT first_ms, files, outline FROM catalog_versions WHERE digest = $1")
                .bind(digest.to_hex())
                .fetch_optional(&self.pool)
                .await?;
        row.map(|r| {
            Ok((
                r.try_get("first_ms")?,
                r.try_get("files")?,
                r.try_get("outline")?,
            ))
        })
        .transpose()
    }

    /// The digest named by the newest `catalog_change` record of any node, if there is one.
    /// A record whose facts do not name a well-formed digest is a corrupt store.
    pub async fn last_catalog_digest(&self) -> Result<Option<Digest>, StoreError> {
        let facts: Option<String> = sqlx::query_scalar(
            "SELECT event FROM audit_records WHERE event_kind = 'catalog_change' \
             ORDER BY ts_ms DESC, request_id DESC LIMIT 1",
        )
        .fetch_optional(&self.pool)
        .await?;
        let Some(facts) = facts else {
            return Ok(None);
        };
        let corrupt = |what: String| StoreError::Corrupt(format!("catalog_change record: {what}"));
        let v: serde_json::Value =
            serde_json::from_str(&facts).map_err(|e| corrupt(e.to_string()))?;
        let hex = v["digest"]
            .as_str()
            .ok_or_else(|| corrupt("no digest".into()))?;
        Digest::from_hex(hex)
            .map(Some)
            .map_err(|e| corrupt(e.to_string()))
    }
}

impl Store {
    /// The newest `limit` `catalog_change` records of every node, newest first.
    pub async fn catalog_changes(
        &self,
        limit: u32,
    ) -> Result<Vec<crate::audit::StoredRecord>, StoreError> {
        let rows = sqlx::query(&format!(
            "SELECT {} FROM audit_records WHERE event_kind = 'catalog_change' \
             ORDER BY ts_ms DESC, request_id DESC LIMIT {limit}",
            super::records::COLUMNS
        ))
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(super::records::decode).collect()
    }
}
