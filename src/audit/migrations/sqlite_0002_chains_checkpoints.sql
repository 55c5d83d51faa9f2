-- Per-node chain heads (one row per replica: an optimistic check per batch, no global lock),
-- the stored Merkle subtrees (>= 256 leaves), signed checkpoints and archived segments.
CREATE TABLE IF NOT EXISTS audit_chains (
    node_id    TEXT    PRIMARY KEY,
    seq        INTEGER NOT NULL,
    hash       TEXT    NOT NULL,
    updated_ms INTEGER NOT NULL
);
INSERT INTO audit_chains (node_id, seq, hash, updated_ms)
    SELECT r.node_id, r.seq, r.hash, 0 FROM audit_records r
    WHERE r.seq = (SELECT MAX(m.seq) FROM audit_records m WHERE m.node_id = r.node_id);
CREATE TABLE IF NOT EXISTS audit_tree (
    node_id TEXT    NOT NULL,
    level   INTEGER NOT NULL,
    idx     INTEGER NOT NULL,
    hash    TEXT    NOT NULL,
    PRIMARY KEY (node_id, level, idx)
);
CREATE TABLE IF NOT EXISTS audit_checkpoints (
    node_id   TEXT    NOT NULL,
    tree_size INTEGER NOT NULL,
    root_hash TEXT    NOT NULL,
    head_hash TEXT    NOT NULL,
    ts_ms     INTEGER NOT NULL,
    note      TEXT    NOT NULL,
    PRIMARY KEY (node_id, tree_size)
);
CREATE TABLE IF NOT EXISTS audit_segments (
    node_id     TEXT    NOT NULL,
    first_seq   INTEGER NOT NULL,
    last_seq    INTEGER NOT NULL,
    prev_hash   TEXT    NOT NULL,
    last_hash   TEXT    NOT NULL,
    root_hash   TEXT    NOT NULL,
    min_ts_ms   INTEGER,
    max_ts_ms   INTEGER,
    archived_ms INTEGER NOT NULL,
    location    TEXT    NOT NULL,
    file_sha256 TEXT    NOT NULL,
    checkpoint  TEXT    NOT NULL,
    PRIMARY KEY (node_id, first_seq)
);
