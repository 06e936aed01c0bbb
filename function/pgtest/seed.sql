-- Demo data for local runs and tests. The agent role can read the public
-- schema and nothing else; the private schema is there to prove it.
CREATE ROLE agent LOGIN;
ALTER ROLE agent SET default_transaction_read_only = on;

CREATE TABLE customers (
    id         integer PRIMARY KEY,
    name       text NOT NULL,
    email      text,
    active     boolean NOT NULL DEFAULT true,
    balance    numeric(12,2) NOT NULL DEFAULT 0,
    created_at timestamptz NOT NULL,
    meta       jsonb
);
CREATE TABLE orders (
    id          integer PRIMARY KEY,
    customer_id integer NOT NULL REFERENCES customers,
    total       numeric(12,2) NOT NULL,
    status      text NOT NULL,
    placed_at   timestamptz NOT NULL
);
CREATE VIEW customer_totals AS
    SELECT c.id, c.name, count(o.id) AS orders, coalesce(sum(o.total), 0) AS total
    FROM customers c LEFT JOIN orders o ON o.customer_id = c.id GROUP BY c.id, c.name;

INSERT INTO customers (id, name, email, active, balance, created_at, meta)
SELECT i, 'Customer ' || i, 'c' || i || '@example.com', i % 7 <> 0, (i * 13 % 1000) + 0.25,
       timestamptz '2026-01-01 00:00:00+00' + i * interval '1 hour',
       jsonb_build_object('tier', CASE WHEN i % 10 = 0 THEN 'gold' ELSE 'basic' END)
FROM generate_series(1, 200) AS i;
INSERT INTO orders (id, customer_id, total, status, placed_at)
SELECT i, 1 + (i * 37 % 200), (i * 7 % 500) + 0.99,
       (ARRAY['new', 'paid', 'shipped', 'cancelled'])[1 + i % 4],
       timestamptz '2026-02-01 00:00:00+00' + i * interval '10 minutes'
FROM generate_series(1, 1000) AS i;

CREATE SCHEMA private;
CREATE TABLE private.api_secrets (name text PRIMARY KEY, value text NOT NULL);
INSERT INTO private.api_secrets VALUES ('demo', 'not-for-agents');

-- A function that writes: the READ ONLY transaction must stop it even
-- though the screener cannot know what a function does.
CREATE TABLE audit_log (id bigserial PRIMARY KEY, note text NOT NULL);
CREATE FUNCTION record_visit(note text) RETURNS bigint LANGUAGE sql AS
$$ INSERT INTO audit_log (note) VALUES (note) RETURNING id $$;

GRANT USAGE ON SCHEMA public TO agent;
GRANT SELECT ON customers, orders, customer_totals, audit_log TO agent;
