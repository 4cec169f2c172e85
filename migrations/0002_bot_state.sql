-- Small facts the bot remembers between runs, e.g. the hash of the slash-command schema it
-- last synced to Discord, so it only syncs when the commands actually changed.
CREATE TABLE bot_state (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL,
    updated_at TEXT NOT NULL
) WITHOUT ROWID;
