-- PostgreSQL twin of ../0003_answer_overrides.sql.
-- "I was right": a learner may count one of their own wrong short answers as right.
-- The attempt keeps its response and time and is marked overridden, so instructors can see
-- the wording and add it to the card's answers, and leaderboards can leave it out.
-- Rounds remember their card type, so "New round" can ask for the same kind of cards.

ALTER TABLE attempts ADD COLUMN overridden INTEGER NOT NULL DEFAULT 0 CHECK (overridden IN (0, 1));
ALTER TABLE quiz_sessions ADD COLUMN card_type TEXT COLLATE "C";

-- The attempt log stays append-only except for that one change: wrong -> right by override.
CREATE OR REPLACE FUNCTION attempts_are_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF OLD.correct = 0 AND OLD.overridden = 0 AND NEW.correct = 1 AND NEW.overridden = 1 AND NEW.rating = 3
       AND NEW.id = OLD.id AND NEW.learner_id = OLD.learner_id AND NEW.card_id = OLD.card_id
       AND NEW.card_hash = OLD.card_hash AND NEW.response = OLD.response AND NEW.answered_at = OLD.answered_at
       AND NEW.response_ms IS NOT DISTINCT FROM OLD.response_ms
       AND NEW.session_id IS NOT DISTINCT FROM OLD.session_id
       AND NEW.position IS NOT DISTINCT FROM OLD.position THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'attempts are append-only, except a learner''s own override of a wrong answer';
END;
$$;

CREATE INDEX attempts_overridden_by_card ON attempts (card_id) WHERE overridden = 1;
