-- The schema of SQLite databases made before migrations (PRAGMA user_version 2), so
-- `IF NOT EXISTS`: on such a database (after store/connect.rs has added the version-2 column
-- to a version-1 one) this migration changes nothing and only records the baseline.
-- Never edit an applied migration (its checksum is stored); add a new file instead.
CREATE TABLE IF NOT EXISTS sessions (
    id TEXT PRIMARY KEY,
    code TEXT NOT NULL UNIQUE,
    title TEXT NOT NULL,
    organisation TEXT NOT NULL,
    language TEXT NOT NULL,
    template TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'open',
    facilitator_hash BLOB NOT NULL,
    created_at INTEGER NOT NULL,
    epoch INTEGER NOT NULL DEFAULT 0,
    anonymised_at INTEGER
);

CREATE TABLE IF NOT EXISTS participants (
    session_id TEXT NOT NULL REFERENCES sessions(id),
    participant_id TEXT NOT NULL,
    token_hash BLOB NOT NULL,
    PRIMARY KEY (session_id, participant_id)
);

CREATE UNIQUE INDEX IF NOT EXISTS participants_token ON participants(session_id, token_hash);

CREATE TABLE IF NOT EXISTS doc_snapshots (
    session_id TEXT PRIMARY KEY REFERENCES sessions(id),
    rev INTEGER NOT NULL,
    heads BLOB NOT NULL,
    data BLOB NOT NULL
);

CREATE TABLE IF NOT EXISTS doc_changes (
    session_id TEXT NOT NULL REFERENCES sessions(id),
    rev INTEGER NOT NULL,
    heads BLOB NOT NULL,
    data BLOB NOT NULL,
    PRIMARY KEY (session_id, rev)
);

CREATE TABLE IF NOT EXISTS applied_intents (
    session_id TEXT NOT NULL REFERENCES sessions(id),
    sender TEXT NOT NULL,
    intent_id TEXT NOT NULL,
    rev INTEGER NOT NULL,
    created TEXT,
    PRIMARY KEY (session_id, sender, intent_id)
);
