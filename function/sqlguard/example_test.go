package sqlguard_test

import (
	"errors"
	"fmt"

	"github.com/ai-agent-connector/ai-agent-connector/function/sqlguard"
)

// Check returns the statement ready to wrap in a subquery, and how many
// placeholders it uses.
func ExampleCheck() {
	st, err := sqlguard.Check("SELECT name FROM products WHERE price < $1; -- cheap ones")
	fmt.Printf("%q %d %v\n", st.SQL, st.Params, err)
	// Output: "SELECT name FROM products WHERE price < $1" 1 <nil>
}

// A refused statement is a *Rejection whose Code a caller can map (the
// connector answers 400 with it).
func ExampleRejection() {
	for _, sql := range []string{
		"DELETE FROM products",
		"SELECT 1; SELECT 2",
		"SELECT pg_read_file('/etc/passwd')",
		"SELECT 'unterminated",
	} {
		_, err := sqlguard.Check(sql)
		var r *sqlguard.Rejection
		if errors.As(err, &r) {
			fmt.Printf("%s: %s\n", r.Code, r.Message)
		}
	}
	// Output:
	// statement_not_allowed: only read queries are allowed (SELECT, WITH, VALUES, TABLE); DELETE is a write
	// statement_not_allowed: exactly one statement is allowed; a second one starts after ';'
	// function_not_allowed: the function pg_read_file is not allowed: it reads server files or directories
	// syntax_error: cannot read the statement: unterminated string literal
}
