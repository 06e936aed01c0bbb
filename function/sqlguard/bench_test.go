package sqlguard

import "testing"

// typicalQuery is the shape of query an agent sends most: a join, an
// aggregate, a filter with a placeholder, a few built-in calls.
const typicalQuery = `SELECT c.id, lower(c.name) AS name, count(o.id) AS orders, coalesce(sum(o.amount), 0) AS total
FROM customers c JOIN orders o ON o.customer_id = c.id
WHERE c.created_at > $1 AND o.note <> 'it''s -- not a comment'
GROUP BY c.id, c.name ORDER BY total DESC LIMIT 10`

func BenchmarkCheck(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Check(typicalQuery); err != nil {
			b.Fatal(err)
		}
	}
}
