-- The organisation's logo of a session, uploaded by its facilitator (a PNG image, checked by the
-- server): shown on the projector, the HTML report and the policy note's title page.
CREATE TABLE session_logos (
    session_id TEXT PRIMARY KEY REFERENCES sessions(id),
    content_type TEXT NOT NULL,
    width INTEGER NOT NULL,
    height INTEGER NOT NULL,
    data BLOB NOT NULL
);
