-- Learners, quiz sessions, the append-only attempt log and per-card FSRS state.
-- Times are UTC ISO-8601 text of one fixed width ("2024-05-01T09:30:00.000000Z"),
-- so comparing and sorting the text compares and sorts the times.

-- A learner is one person in one scope: "guild:<id>", "dm" or "console".
CREATE TABLE learners (
    id INTEGER PRIMARY KEY,
    scope TEXT NOT NULL,
    user_key TEXT NOT NULL,
    display_name TEXT NOT NULL,
    created_at TEXT NOT NULL,
    UNIQUE (scope, user_key)
);

-- A quiz or review run; kept here so its buttons still work after a restart.
CREATE TABLE quiz_sessions (
    id TEXT PRIMARY KEY,
    learner_id INTEGER NOT NULL REFERENCES learners (id),
    kind TEXT NOT NULL CHECK (kind IN ('quiz', 'review')),
    topic TEXT,
    card_ids TEXT NOT NULL CHECK (json_valid(card_ids) AND json_array_length(card_ids) > 0),
    position INTEGER NOT NULL DEFAULT 0 CHECK (position BETWEEN 0 AND json_array_length(card_ids)),
    score INTEGER NOT NULL DEFAULT 0 CHECK (score BETWEEN 0 AND answered),
    answered INTEGER NOT NULL DEFAULT 0 CHECK (answered >= 0),
    share INTEGER NOT NULL DEFAULT 0 CHECK (share IN (0, 1)),
    started_at TEXT NOT NULL,
    finished_at TEXT
);
CREATE INDEX quiz_sessions_by_learner ON quiz_sessions (learner_id, started_at);

-- Every answer ever given. Rows are added and, when a learner is reset, deleted; never edited.
CREATE TABLE attempts (
    id INTEGER PRIMARY KEY,
    learner_id INTEGER NOT NULL REFERENCES learners (id),
    card_id TEXT NOT NULL,
    card_hash TEXT NOT NULL,
    response TEXT NOT NULL,
    correct INTEGER NOT NULL CHECK (correct IN (0, 1)),
    rating INTEGER NOT NULL CHECK (rating BETWEEN 1 AND 4),
    answered_at TEXT NOT NULL,
    response_ms INTEGER CHECK (response_ms >= 0),
    session_id TEXT REFERENCES quiz_sessions (id),
    position INTEGER,
    CHECK ((session_id IS NULL) = (position IS NULL))
);
-- One answer per session position: this is what makes a double click harmless.
CREATE UNIQUE INDEX attempts_by_session_position
    ON attempts (session_id, position) WHERE session_id IS NOT NULL;
CREATE INDEX attempts_by_learner_time ON attempts (learner_id, answered_at);
CREATE INDEX attempts_by_learner_card ON attempts (learner_id, card_id, correct);
CREATE INDEX attempts_by_card ON attempts (card_id, correct);

CREATE TRIGGER attempts_are_append_only
BEFORE UPDATE ON attempts
BEGIN
    SELECT RAISE(ABORT, 'attempts are append-only');
END;

-- The fsrs Card of one learner for one card, plus counts fsrs does not keep.
-- card_hash is the content hash the state was built on; a changed card starts over.
CREATE TABLE card_states (
    learner_id INTEGER NOT NULL REFERENCES learners (id),
    card_id TEXT NOT NULL,
    card_hash TEXT NOT NULL,
    state INTEGER NOT NULL CHECK (state BETWEEN 1 AND 3),
    step INTEGER,
    stability REAL,
    difficulty REAL,
    due TEXT NOT NULL,
    last_review TEXT,
    reps INTEGER NOT NULL CHECK (reps >= 0),
    lapses INTEGER NOT NULL CHECK (lapses >= 0),
    PRIMARY KEY (learner_id, card_id)
) WITHOUT ROWID;
CREATE INDEX card_states_by_due ON card_states (learner_id, due);
CREATE INDEX card_states_by_card ON card_states (card_id, card_hash);
