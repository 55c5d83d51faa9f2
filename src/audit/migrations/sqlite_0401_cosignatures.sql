-- Witness cosignatures (C2SP tlog-cosignature) of stored checkpoints: one signature line per
-- witness and checkpoint, checked against [audit] witnesses before it is stored.
CREATE TABLE IF NOT EXISTS audit_cosignatures (
    node_id     TEXT    NOT NULL,
    tree_size   INTEGER NOT NULL,
    witness     TEXT    NOT NULL,
    ts          INTEGER NOT NULL,
    line        TEXT    NOT NULL,
    received_ms INTEGER NOT NULL,
    PRIMARY KEY (node_id, tree_size, witness)
);
