-- The organisation's logo of a session, uploaded by its facilitator (a PNG image, checked by the
-- server): shown on the projector, the HTML report and the policy note's title page.
CREATE TABLE session_logos (
    session_id TEXT PRIMARY KEY REFERENCES sessions(id),
    content_type TEXT NOT NULL,
    width BIGINT NOT NULL,
    height BIGINT NOT NULL,
    data BYTEA NOT NULL
);
