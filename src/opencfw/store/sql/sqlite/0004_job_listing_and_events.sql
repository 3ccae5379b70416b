-- opencfw schema, version 4 (SQLite): listing jobs newest first, and the event log behind the
-- Server-Sent Events stream (resumable by sequence number)

CREATE INDEX jobs_project_listing ON jobs (project_id, begin_ms DESC, id DESC);
CREATE INDEX jobs_finished ON jobs (end_ms) WHERE end_ms IS NOT NULL;

CREATE TABLE events (
    seq        INTEGER PRIMARY KEY AUTOINCREMENT,
    project_id TEXT NOT NULL,
    type       TEXT NOT NULL,
    data       TEXT NOT NULL,
    at_ms      INTEGER NOT NULL
);
CREATE INDEX events_project ON events (project_id, seq);
