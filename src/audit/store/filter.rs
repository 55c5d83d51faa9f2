//! Dynamic filters over the store's tables, built with `sqlx::QueryBuilder`: each condition's
//! SQL and its bound value are pushed in one call, so text and binds cannot drift apart. Used
//! by the audit-record search, the oversight refusal list and the citizens' access log.
//!
//! sqlx's `Any` driver writes every placeholder as `?`, which SQLite takes and PostgreSQL does
//! not, so on PostgreSQL [`SqlFilter`] numbers them (`$1`, `$2`, …) once, just before running
//! the query. The SQL pushed never contains a `?` of its own (checked), so every `?` is a
//! placeholder and the numbering is exact.

use sqlx::any::{AnyArguments, AnyRow};
use sqlx::query::Query;
use sqlx::{Any, AnyPool, Encode, Execute, QueryBuilder, Type};

use super::{Backend, Store};

/// A query under construction; run it with [`SqlFilter::fetch_all`] or [`SqlFilter::fetch_one`].
pub struct SqlFilter<'args> {
    qb: QueryBuilder<'args, Any>,
    backend: Backend,
}

impl Store {
    /// Start a query on this store with `sql`, typically `SELECT … FROM … WHERE <condition>`
    /// for [`SqlFilter::and`] to extend.
    pub fn filter<'args>(&self, sql: &str) -> SqlFilter<'args> {
        let mut f = SqlFilter {
            qb: QueryBuilder::new(""),
            backend: self.backend,
        };
        f.push(sql);
        f
    }
}

impl<'args> SqlFilter<'args> {
    /// Append SQL that binds nothing.
    ///
    /// # Panics
    /// If `sql` holds a `?`: only [`SqlFilter::bind`] writes placeholders.
    pub fn push(&mut self, sql: &str) -> &mut Self {
        assert!(
            !sql.contains('?'),
            "a filter's SQL text must not contain '?': {sql}"
        );
        self.qb.push(sql);
        self
    }

    /// Append a placeholder bound to `value`.
    pub fn bind<T>(&mut self, value: T) -> &mut Self
    where
        T: 'args + Encode<'args, Any> + Type<Any>,
    {
        self.qb.push_bind(value);
        self
    }

    /// ` AND {condition} <value>`, where `condition` ends in its operator, e.g. `"agency ="`.
    pub fn and<T>(&mut self, condition: &str, value: T) -> &mut Self
    where
        T: 'args + Encode<'args, Any> + Type<Any>,
    {
        self.push(" AND ").push(condition).push(" ").bind(value)
    }

    /// [`SqlFilter::and`] when `value` is given; nothing when it is `None` ("any").
    pub fn and_some<T>(&mut self, condition: &str, value: Option<T>) -> &mut Self
    where
        T: 'args + Encode<'args, Any> + Type<Any>,
    {
        match value {
            Some(v) => self.and(condition, v),
            None => self,
        }
    }

    /// The SQL as it will be sent, with this store's placeholders.
    pub fn sql(&self) -> String {
        match self.backend {
            Backend::Sqlite => self.qb.sql().to_owned(),
            Backend::Postgres => numbered(self.qb.sql()),
        }
    }

    /// Every row.
    pub async fn fetch_all(mut self, pool: &AnyPool) -> Result<Vec<AnyRow>, sqlx::Error> {
        let mut query = self.qb.build();
        if self.backend == Backend::Sqlite {
            return query.fetch_all(pool).await;
        }
        let (sql, args) = for_postgres(&mut query)?;
        sqlx::query_with(&sql, args).fetch_all(pool).await
    }

    /// Exactly one row.
    pub async fn fetch_one(mut self, pool: &AnyPool) -> Result<AnyRow, sqlx::Error> {
        let mut query = self.qb.build();
        if self.backend == Backend::Sqlite {
            return query.fetch_one(pool).await;
        }
        let (sql, args) = for_postgres(&mut query)?;
        sqlx::query_with(&sql, args).fetch_one(pool).await
    }
}

/// A built query's PostgreSQL form: `$n` placeholders, and the arguments they take.
fn for_postgres<'q>(
    query: &mut Query<'q, Any, AnyArguments<'q>>,
) -> Result<(String, AnyArguments<'q>), sqlx::Error> {
    let args = query
        .take_arguments()
        .map_err(sqlx::Error::Encode)?
        .unwrap_or_default();
    Ok((numbered(query.sql()), args))
}

/// `sql` with its `?` placeholders numbered `$1`, `$2`, … in order.
fn numbered(sql: &str) -> String {
    let mut out = String::with_capacity(sql.len() + 16);
    let mut n = 0;
    for (i, part) in sql.split('?').enumerate() {
        if i > 0 {
            n += 1;
            out.push('$');
            out.push_str(&n.to_string());
        }
        out.push_str(part);
    }
    out
}

#[cfg(test)]
mod tests {
    use sqlx::Row;

    use super::numbered;
    use crate::audit::Store;

    #[test]
    fn placeholders_are_numbered_in_order() {
        assert_eq!(
            numbered("SELECT 1 WHERE a = ? AND b < ? LIMIT ?"),
            "SELECT 1 WHERE a = $1 AND b < $2 LIMIT $3"
        );
        assert_eq!(numbered("SELECT 1"), "SELECT 1");
    }

    #[tokio::test]
    async fn conditions_and_values_are_pushed_together_on_sqlite() {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("t.db").display());
        let store = Store::open(&url).await.unwrap();
        store
            .execute_raw("CREATE TABLE t (name TEXT NOT NULL, n BIGINT NOT NULL)")
            .await
            .unwrap();
        store
            .execute_raw("INSERT INTO t VALUES ('a', 1), ('b', 2), ('b', 3), ('c', 4)")
            .await
            .unwrap();
        let names = |min: Option<i64>, name: Option<&'static str>, limit: i64| {
            let mut q = store.filter("SELECT name, n FROM t WHERE 1=1");
            q.and_some("name =", name)
                .and_some("n >=", min)
                .push(" ORDER BY n DESC LIMIT ")
                .bind(limit);
            q
        };
        let q = names(Some(2), None, 10);
        assert_eq!(
            q.sql(),
            "SELECT name, n FROM t WHERE 1=1 AND n >= ? ORDER BY n DESC LIMIT ?"
        );
        let rows = q.fetch_all(store.pool()).await.unwrap();
        let got: Vec<(String, i64)> = rows.iter().map(|r| (r.get(0), r.get(1))).collect();
        assert_eq!(got, [("c".into(), 4), ("b".into(), 3), ("b".into(), 2)]);
        let rows = names(None, Some("b"), 1)
            .fetch_all(store.pool())
            .await
            .unwrap();
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0].get::<i64, _>(1), 3);
        let one = names(Some(4), Some("c"), 5)
            .fetch_one(store.pool())
            .await
            .unwrap();
        assert_eq!(one.get::<String, _>(0), "c");
        store.close().await;
    }

    #[tokio::test]
    #[should_panic(expected = "must not contain '?'")]
    async fn sql_text_with_a_question_mark_is_refused() {
        let store = Store::open("sqlite::memory:").await.unwrap();
        store.filter("SELECT 1 WHERE 'a?' = ?");
    }
}
