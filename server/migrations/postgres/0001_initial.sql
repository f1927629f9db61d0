-- The same tables as migrations/sqlite/0001_initial.sql, in PostgreSQL's types (BLOB is BYTEA,
-- INTEGER is BIGINT: revisions are `epoch << 32 | n`). Both directories keep the same versions.
-- Never edit an applied migration (its checksum is stored); add a new file instead.
CREATE TABLE sessions (
    id TEXT PRIMARY KEY,
    code TEXT NOT NULL UNIQUE,
    title TEXT NOT NULL,
    organisation TEXT NOT NULL,
    language TEXT NOT NULL,
    template TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'open',
    facilitator_hash BYTEA NOT NULL,
    created_at BIGINT NOT NULL,
    epoch BIGINT NOT NULL DEFAULT 0,
    anonymised_at BIGINT
);

CREATE TABLE participants (
    session_id TEXT NOT NULL REFERENCES sessions(id),
    participant_id TEXT NOT NULL,
    token_hash BYTEA NOT NULL,
    PRIMARY KEY (session_id, participant_id)
);

CREATE UNIQUE INDEX participants_token ON participants(session_id, token_hash);

CREATE TABLE doc_snapshots (
    session_id TEXT PRIMARY KEY REFERENCES sessions(id),
    rev BIGINT NOT NULL,
    heads BYTEA NOT NULL,
    data BYTEA NOT NULL
);

CREATE TABLE doc_changes (
    session_id TEXT NOT NULL REFERENCES sessions(id),
    rev BIGINT NOT NULL,
    heads BYTEA NOT NULL,
    data BYTEA NOT NULL,
    PRIMARY KEY (session_id, rev)
);

CREATE TABLE applied_intents (
    session_id TEXT NOT NULL REFERENCES sessions(id),
    sender TEXT NOT NULL,
    intent_id TEXT NOT NULL,
    rev BIGINT NOT NULL,
    created TEXT,
    PRIMARY KEY (session_id, sender, intent_id)
);

