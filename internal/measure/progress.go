package measure

import (
	"fmt"
	"io"
	"strings"
)

// Progress writes one self-overwriting status line (stderr), or nothing when W is nil.
type Progress struct {
	W    io.Writer
	last int
}

// Step shows msg in place of the previous one.
func (p *Progress) Step(format string, args ...any) {
	if p == nil || p.W == nil {
		return
	}
	msg := fmt.Sprintf(format, args...)
	pad := max(p.last-len(msg), 0)
	fmt.Fprintf(p.W, "\r%s%s", msg, strings.Repeat(" ", pad))
	p.last = len(msg)
}

// Done clears the line.
func (p *Progress) Done() {
	if p == nil || p.W == nil || p.last == 0 {
		return
	}
	fmt.Fprintf(p.W, "\r%s\r", strings.Repeat(" ", p.last))
	p.last = 0
}
