//! Declared SQL statements: one read-only SELECT with `:name` parameters, rewritten to the
//! driver's placeholders at load time.

/// Which placeholder syntax the target database uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    /// `?` — SQLite and MySQL/MariaDB.
    Question,
    /// `$1, $2, …` — PostgreSQL.
    Dollar,
}

/// A checked statement: driver SQL and the request fields bound to it, in order.
#[derive(Debug, Clone)]
pub struct Statement {
    pub sql: String,
    pub params: Vec<String>,
}

/// Why a declared query is not acceptable.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum StatementError {
    #[error("the query must be a single SELECT (or WITH … SELECT) statement")]
    NotSelect,
    #[error("the query must be one statement: remove the ';'")]
    MultipleStatements,
    #[error("the query has an unterminated quote or comment")]
    Unterminated,
    #[error("the query uses `?` or `$n` placeholders: write named parameters as `:name`")]
    PositionalPlaceholder,
}

/// Check `query` and rewrite its `:name` parameters for `dialect`.
pub fn parse_statement(query: &str, dialect: Dialect) -> Result<Statement, StatementError> {
    let q = query.trim();
    let b = q.as_bytes();
    let mut sql = String::with_capacity(q.len());
    let mut params: Vec<String> = Vec::new();
    let mut i = 0;
    let mut first_word: Option<String> = None;
    while i < b.len() {
        let c = b[i];
        match c {
            b'\'' | b'"' | b'`' => {
                let end = find_quote_end(b, i + 1, c).ok_or(StatementError::Unterminated)?;
                sql.push_str(&q[i..=end]);
                i = end + 1;
            }
            b'-' if b.get(i + 1) == Some(&b'-') => {
                let end = b[i..]
                    .iter()
                    .position(|&x| x == b'\n')
                    .map_or(b.len(), |p| i + p);
                sql.push(' ');
                i = end;
            }
            b'/' if b.get(i + 1) == Some(&b'*') => {
                let end = q[i + 2..].find("*/").ok_or(StatementError::Unterminated)?;
                sql.push(' ');
                i = i + 2 + end + 2;
            }
            b';' => {
                if q[i + 1..].trim().is_empty() {
                    i = b.len();
                } else {
                    return Err(StatementError::MultipleStatements);
                }
            }
            b'?' => return Err(StatementError::PositionalPlaceholder),
            b'$' if b.get(i + 1).is_some_and(u8::is_ascii_digit) => {
                return Err(StatementError::PositionalPlaceholder)
            }
            b':' if b.get(i + 1) == Some(&b':') => {
                sql.push_str("::");
                i += 2;
            }
            b':' if b
                .get(i + 1)
                .is_some_and(|x| x.is_ascii_alphabetic() || *x == b'_') =>
            {
                let start = i + 1;
                let mut end = start;
                while end < b.len() && (b[end].is_ascii_alphanumeric() || b[end] == b'_') {
                    end += 1;
                }
                let name = &q[start..end];
                match dialect {
                    Dialect::Question => {
                        sql.push('?');
                        params.push(name.to_owned());
                    }
                    Dialect::Dollar => {
                        let n = match params.iter().position(|p| p == name) {
                            Some(pos) => pos + 1,
                            None => {
                                params.push(name.to_owned());
                                params.len()
                            }
                        };
                        sql.push('$');
                        sql.push_str(&n.to_string());
                    }
                }
                i = end;
            }
            _ => {
                if first_word.is_none() && c.is_ascii_alphabetic() {
                    let end = b[i..]
                        .iter()
                        .position(|x| !x.is_ascii_alphabetic())
                        .map_or(b.len(), |p| i + p);
                    first_word = Some(q[i..end].to_ascii_lowercase());
                    sql.push_str(&q[i..end]);
                    i = end;
                    continue;
                }
                // Copy one whole UTF-8 character.
                let ch = q[i..].chars().next().unwrap_or(' ');
                sql.push(ch);
                i += ch.len_utf8();
            }
        }
    }
    match first_word.as_deref() {
        Some("select") | Some("with") => {}
        _ => return Err(StatementError::NotSelect),
    }
    Ok(Statement {
        sql: sql.trim().to_owned(),
        params,
    })
}

/// Index of the closing `quote` (doubled quotes are escapes), from `from`.
fn find_quote_end(b: &[u8], mut from: usize, quote: u8) -> Option<usize> {
    while from < b.len() {
        if b[from] == quote {
            if b.get(from + 1) == Some(&quote) {
                from += 2;
                continue;
            }
            return Some(from);
        }
        from += 1;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rewrites_named_parameters() {
        let s = parse_statement(
            "SELECT a FROM t WHERE x = :id AND y = ':not' AND z = :id2::text -- :c\n",
            Dialect::Dollar,
        )
        .unwrap();
        assert_eq!(
            s.sql,
            "SELECT a FROM t WHERE x = $1 AND y = ':not' AND z = $2::text"
        );
        assert_eq!(s.params, vec!["id", "id2"]);
        let s = parse_statement("select * from t where a=:x or b=:x;", Dialect::Question).unwrap();
        assert_eq!(s.sql, "select * from t where a=? or b=?");
        assert_eq!(s.params, vec!["x", "x"]);
    }

    #[test]
    fn rejects_what_is_not_one_select() {
        use StatementError::*;
        let d = Dialect::Question;
        assert_eq!(parse_statement("DELETE FROM t", d).unwrap_err(), NotSelect);
        assert_eq!(
            parse_statement("SELECT 1; DROP TABLE t", d).unwrap_err(),
            MultipleStatements
        );
        assert_eq!(parse_statement("SELECT 'x", d).unwrap_err(), Unterminated);
        assert_eq!(
            parse_statement("SELECT ? ", d).unwrap_err(),
            PositionalPlaceholder
        );
        assert_eq!(
            parse_statement("/* c */ with a as (select 1) select * from a", d)
                .unwrap()
                .params
                .len(),
            0
        );
    }
}
