-- PostgreSQL twin of ../0002_bot_state.sql.
-- Small facts the bot remembers between runs, e.g. the hash of the slash-command schema it
-- last synced to Discord, so it only syncs when the commands actually changed.
CREATE TABLE bot_state (
    key TEXT COLLATE "C" PRIMARY KEY,
    value TEXT COLLATE "C" NOT NULL,
    updated_at TEXT COLLATE "C" NOT NULL
);
