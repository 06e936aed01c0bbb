package connector

import (
	"io"
	"log/slog"
)

func newDiscardLogger() *slog.Logger { return slog.New(slog.NewJSONHandler(io.Discard, nil)) }
