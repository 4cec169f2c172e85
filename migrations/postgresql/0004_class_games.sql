-- PostgreSQL twin of ../0004_class_games.sql.
-- Live class games: an instructor runs a quiz in a channel and everyone there answers.
-- Everything a game needs to resume after a restart is here: its questions (with the
-- shuffled options each showed), the deadline of what happens next, and every player's
-- latest choice. Times use the same fixed-width UTC text as 0001.

-- One game in one channel. ``deadline`` is when the next step falls due: the reveal while a
-- question is open, the next question once it is revealed (auto-advance only), else NULL.
CREATE TABLE class_games (
    id TEXT COLLATE "C" PRIMARY KEY,
    scope TEXT COLLATE "C" NOT NULL,
    channel TEXT COLLATE "C" NOT NULL,
    host_key TEXT COLLATE "C" NOT NULL,
    topic TEXT COLLATE "C",
    card_type TEXT COLLATE "C" NOT NULL CHECK (card_type IN ('choice', 'truefalse', 'mixed')),
    seconds INTEGER NOT NULL CHECK (seconds > 0),
    auto_advance INTEGER NOT NULL CHECK (auto_advance IN (0, 1)),
    question_count INTEGER NOT NULL CHECK (question_count > 0),
    position INTEGER NOT NULL DEFAULT 0 CHECK (position BETWEEN 0 AND question_count - 1),
    phase TEXT COLLATE "C" NOT NULL CHECK (phase IN ('asking', 'revealed', 'finished')),
    deadline TEXT COLLATE "C",
    started_at TEXT COLLATE "C" NOT NULL,
    finished_at TEXT COLLATE "C",
    CHECK ((phase = 'finished') = (finished_at IS NOT NULL)),
    CHECK (phase <> 'asking' OR deadline IS NOT NULL)
);
-- One running game per channel: a second start there fails on this index.
CREATE UNIQUE INDEX class_games_live_per_channel ON class_games (scope, channel) WHERE finished_at IS NULL;
CREATE INDEX class_games_by_deadline ON class_games (deadline) WHERE finished_at IS NULL;
CREATE INDEX class_games_by_channel ON class_games (scope, channel, started_at);

-- The questions of a game, fixed at start; ``message`` is the front end's id of the one
-- public message that shows the question (set once it is posted).
CREATE TABLE class_game_questions (
    game_id TEXT COLLATE "C" NOT NULL REFERENCES class_games (id),
    position INTEGER NOT NULL CHECK (position >= 0),
    card_id TEXT COLLATE "C" NOT NULL,
    card_hash TEXT COLLATE "C" NOT NULL,
    options TEXT COLLATE "C" NOT NULL CHECK (
        jsonb_typeof(options::jsonb) = 'array' AND jsonb_array_length(options::jsonb) BETWEEN 2 AND 5),
    correct_index INTEGER NOT NULL CHECK (correct_index BETWEEN 0 AND jsonb_array_length(options::jsonb) - 1),
    asked_at TEXT COLLATE "C",
    deadline TEXT COLLATE "C",
    revealed_at TEXT COLLATE "C",
    message TEXT COLLATE "C",
    PRIMARY KEY (game_id, position)
);

-- Each player's latest choice for a question: a changed answer replaces the row, so the
-- last choice before the deadline is the one that counts and no answer counts twice.
CREATE TABLE class_game_answers (
    game_id TEXT COLLATE "C" NOT NULL,
    position INTEGER NOT NULL,
    learner_id BIGINT NOT NULL REFERENCES learners (id),
    choice INTEGER NOT NULL CHECK (choice >= 0),
    correct INTEGER NOT NULL CHECK (correct IN (0, 1)),
    answer_ms INTEGER NOT NULL CHECK (answer_ms >= 0),
    answered_at TEXT COLLATE "C" NOT NULL,
    PRIMARY KEY (game_id, position, learner_id),
    FOREIGN KEY (game_id, position) REFERENCES class_game_questions (game_id, position)
);

-- A class-game answer is also an attempt of its learner (so /progress, /review and
-- /instructor stats see it), marked with the game it was given in.
ALTER TABLE attempts ADD COLUMN class_game_id TEXT COLLATE "C" REFERENCES class_games (id);
