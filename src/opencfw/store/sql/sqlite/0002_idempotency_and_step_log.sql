-- opencfw schema, version 2 (SQLite): idempotent creates and the log of completed steps

CREATE TABLE idempotency_keys (
    project_id   TEXT NOT NULL,
    client_token TEXT NOT NULL,
    request_hash TEXT NOT NULL,
    job_id       TEXT NOT NULL,
    created_ms   INTEGER NOT NULL,
    PRIMARY KEY (project_id, client_token)
);

-- one row per completed step: the primary key makes it impossible to complete a step twice
CREATE TABLE job_steps (
    job_id       TEXT NOT NULL,
    step_index   INTEGER NOT NULL,
    step         TEXT NOT NULL,
    worker       TEXT NOT NULL,
    completed_ms INTEGER NOT NULL,
    PRIMARY KEY (job_id, step_index)
);
