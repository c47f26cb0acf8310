#include "actors/persistence/pg_schema.hpp"

namespace persistence::pg_schema {

namespace {

/// Tables. Series ids compare in byte order (COLLATE "C"), as in SQLite.
/// `series` is also the ownership row: the node (and incarnation) holding the
/// series, NULL once released, and the epoch every write must carry. Its rows
/// are updated by every fit, so they leave room for HOT updates.
const char* const tables = R"sql(
CREATE TABLE IF NOT EXISTS meta (key text PRIMARY KEY, value text NOT NULL);
CREATE SEQUENCE IF NOT EXISTS epochs;
CREATE SEQUENCE IF NOT EXISTS incarnations;
CREATE TABLE IF NOT EXISTS series (
  series_id text COLLATE "C" PRIMARY KEY,
  latest_version int8 NOT NULL,
  epoch int8 NOT NULL,
  owner text,
  owner_incarnation int8,
  last_seen_ms int8,
  last_timestamp int8,
  interval_s float8
) WITH (fillfactor = 70);
CREATE TABLE IF NOT EXISTS versions (
  series_id text COLLATE "C" NOT NULL,
  version int8 NOT NULL,
  points_used int8 NOT NULL,
  mean float8 NOT NULL,
  std float8 NOT NULL,
  created_at_ms int8 NOT NULL,
  detector text,
  state bytea,
  epoch int8 NOT NULL,
  writer text NOT NULL,
  written_at timestamptz NOT NULL DEFAULT clock_timestamp(),
  PRIMARY KEY (series_id, version)
);
CREATE TABLE IF NOT EXISTS points (
  series_id text COLLATE "C" NOT NULL,
  version int8 NOT NULL,
  timestamps bytea NOT NULL,
  "values" bytea NOT NULL,
  PRIMARY KEY (series_id, version)
);
CREATE TABLE IF NOT EXISTS fit_keys (
  series_id text COLLATE "C" NOT NULL,
  key text NOT NULL,
  version int8 NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (series_id, key)
);
CREATE INDEX IF NOT EXISTS fit_keys_created ON fit_keys (created_at);
CREATE TABLE IF NOT EXISTS members (
  node text PRIMARY KEY,
  http text NOT NULL,
  incarnation int8 NOT NULL,
  heartbeat timestamptz NOT NULL,
  joined timestamptz NOT NULL
);
CREATE TABLE IF NOT EXISTS member_events (
  at timestamptz NOT NULL DEFAULT clock_timestamp(),
  node text NOT NULL,
  incarnation int8 NOT NULL,
  event text NOT NULL,
  by_node text NOT NULL
);
)sql";

/// Membership and ownership, run by the database in one round trip each.
/// A member is alive while its row exists: a row is deleted (evicted) only by
/// a member whose own renewals have succeeded for a whole lease, once its
/// heartbeat is older than the lease by the database's clock. A member learns
/// it was evicted when its renewal finds no row.
const char* const functions = R"sql(
CREATE OR REPLACE FUNCTION ms_join(me text, addr text)
RETURNS TABLE (j_incarnation int8, j_floor int8) LANGUAGE plpgsql AS $$
DECLARE old int8; inc int8;
BEGIN
  SELECT m.incarnation INTO old FROM members m WHERE m.node = me FOR UPDATE;
  inc := nextval('incarnations');
  IF FOUND THEN
    UPDATE members m SET http = addr, incarnation = inc, heartbeat = now(), joined = now()
      WHERE m.node = me;
    INSERT INTO member_events (node, incarnation, event, by_node) VALUES (me, old, 'replaced', me);
  ELSE
    INSERT INTO members (node, http, incarnation, heartbeat, joined) VALUES (me, addr, inc, now(), now());
  END IF;
  INSERT INTO member_events (node, incarnation, event, by_node) VALUES (me, inc, 'joined', me);
  RETURN QUERY SELECT inc, nextval('epochs');
END $$;

CREATE OR REPLACE FUNCTION ms_renew(me text, inc int8, lease_ms int8, may_evict bool)
RETURNS TABLE (r_node text, r_http text, r_incarnation int8, r_age_ms int8, r_expires_ms int8)
LANGUAGE plpgsql AS $$
DECLARE lease interval := make_interval(secs => lease_ms / 1000.0);
BEGIN
  UPDATE members m SET heartbeat = now() WHERE m.node = me AND m.incarnation = inc;
  IF NOT FOUND THEN
    RETURN; -- no row: this incarnation was declared dead
  END IF;
  IF may_evict THEN
    WITH gone AS (DELETE FROM members m WHERE m.heartbeat < now() - lease
                  RETURNING m.node, m.incarnation)
    INSERT INTO member_events (node, incarnation, event, by_node)
      SELECT g.node, g.incarnation, 'evicted', me FROM gone g;
  END IF;
  RETURN QUERY SELECT m.node, m.http, m.incarnation,
    (extract(epoch FROM now() - m.joined) * 1000)::int8,
    (extract(epoch FROM m.heartbeat + lease - now()) * 1000)::int8
    FROM members m ORDER BY m.node;
END $$;

CREATE OR REPLACE FUNCTION ms_leave(me text, inc int8)
RETURNS int8 LANGUAGE plpgsql AS $$
BEGIN
  DELETE FROM members m WHERE m.node = me AND m.incarnation = inc;
  IF NOT FOUND THEN
    RETURN 0;
  END IF;
  INSERT INTO member_events (node, incarnation, event, by_node) VALUES (me, inc, 'left', me);
  RETURN 1;
END $$;

DROP FUNCTION IF EXISTS ms_claim(text[], text, int8);
CREATE FUNCTION ms_claim(ids text[], me text, inc int8)
RETURNS TABLE (c_id text, c_epoch int8, c_holder text, c_new bool) LANGUAGE plpgsql AS $$
DECLARE id text; cur record;
BEGIN
  PERFORM 1 FROM members m WHERE m.node = me AND m.incarnation = inc FOR KEY SHARE;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'node % (incarnation %) is not a member', me, inc;
  END IF;
  FOREACH id IN ARRAY ids LOOP
    -- Read first without a lock: most claims find the series new or already
    -- held by this incarnation; only a takeover locks the row.
    SELECT s.epoch, s.owner, s.owner_incarnation INTO cur FROM series s WHERE s.series_id = id;
    IF FOUND AND NOT (cur.owner = me AND cur.owner_incarnation = inc) THEN
      SELECT s.epoch, s.owner, s.owner_incarnation INTO cur FROM series s
        WHERE s.series_id = id FOR UPDATE;
    END IF;
    c_id := id; c_new := NOT FOUND; c_holder := NULL;
    IF NOT FOUND THEN
      c_epoch := nextval('epochs'); -- new: its first fit creates its row
    ELSIF cur.owner = me AND cur.owner_incarnation = inc THEN
      c_epoch := cur.epoch;
    ELSIF cur.owner IS NULL OR NOT EXISTS (SELECT 1 FROM members m WHERE m.node = cur.owner
                                           AND m.incarnation = cur.owner_incarnation) THEN
      c_epoch := nextval('epochs');
      UPDATE series s SET epoch = c_epoch, owner = me, owner_incarnation = inc
        WHERE s.series_id = id;
    ELSE
      c_epoch := 0; c_holder := cur.owner; -- a live member holds it
    END IF;
    RETURN NEXT;
  END LOOP;
END $$;

CREATE OR REPLACE FUNCTION ms_release(ids text[], epochs int8[])
RETURNS int8 LANGUAGE sql AS $$
  WITH released AS (
    UPDATE series s SET owner = NULL, owner_incarnation = NULL
      FROM unnest(ids, epochs) AS r(id, epoch)
      WHERE s.series_id = r.id AND s.epoch = r.epoch
      RETURNING 1)
  SELECT count(*) FROM released;
$$;
)sql";

} // namespace

std::optional<std::string> upgrade(pg::connection& c, pg::millis timeout) {
  // One transaction: concurrent starts wait on the lock, then find it done.
  std::string sql = "BEGIN; SELECT pg_advisory_xact_lock(7401180214);";
  sql += tables;
  sql += "INSERT INTO meta VALUES ('schema', '1') ON CONFLICT (key) DO NOTHING;";
  sql += "DO $$ BEGIN IF (SELECT value::int FROM meta WHERE key = 'schema') > "
         + std::to_string(version)
         + " THEN RAISE EXCEPTION 'the database was written by a newer schema'; END IF; END $$;";
  sql += functions;
  sql += "COMMIT;";
  if (auto f = c.run(sql, timeout)) {
    c.run("ROLLBACK", timeout);
    return "cannot create or upgrade the schema: " + f->detail;
  }
  return std::nullopt;
}

} // namespace persistence::pg_schema
