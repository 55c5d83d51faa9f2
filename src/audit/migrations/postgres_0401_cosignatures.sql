-- Witness cosignatures (C2SP tlog-cosignature) of stored checkpoints: one signature line per
-- witness and checkpoint, checked against [audit] witnesses before it is stored.
CREATE TABLE IF NOT EXISTS audit_cosignatures (
    node_id     TEXT    NOT NULL,
    tree_size   BIGINT NOT NULL,
    witness     TEXT    NOT NULL,
    ts          BIGINT NOT NULL,
    line        TEXT    NOT NULL,
    received_ms BIGINT NOT NULL,
    PRIMARY KEY (node_id, tree_size, witness)
);
