-- PostgreSQL twin of ../0005_reminders.sql.
-- Review reminders, opt-in: one row per person who ran /remind on, for the front end that
-- delivers them ("discord": a direct message; "console": a reply during `wait`).
-- next_send_at is the UTC instant of the next reminder, computed in the learner's zone; it is
-- moved on only after a reminder was delivered (or skipped because nothing was due), so a
-- restart neither loses nor doubles one. It is NULL while reminders are off.
-- notice is a one-time message for the learner's next reply (e.g. their DMs were refused).
CREATE TABLE reminders (
    delivery TEXT COLLATE "C" NOT NULL CHECK (delivery IN ('discord', 'console')),
    user_key TEXT COLLATE "C" NOT NULL,
    enabled INTEGER NOT NULL CHECK (enabled IN (0, 1)),
    local_time TEXT COLLATE "C" NOT NULL CHECK (local_time ~ '^[0-2][0-9]:[0-5][0-9]$'),
    timezone TEXT COLLATE "C" NOT NULL,
    next_send_at TEXT COLLATE "C",
    last_sent_at TEXT COLLATE "C",
    notice TEXT COLLATE "C",
    updated_at TEXT COLLATE "C" NOT NULL,
    PRIMARY KEY (delivery, user_key),
    CHECK (enabled = 0 OR next_send_at IS NOT NULL)
);
CREATE INDEX reminders_by_next_send ON reminders (next_send_at) WHERE enabled = 1;
CREATE INDEX reminders_with_notice ON reminders (delivery, user_key) WHERE notice IS NOT NULL;
-- A reminder names the learner's places: every learner row of that person.
CREATE INDEX learners_by_user ON learners (user_key);
