package sqlite

import (
	"context"
	"fmt"
)

// Ping checks that the database file answers a query: it reads the schema,
// which a bare "SELECT 1" would not touch.
func (db *DB) Ping(ctx context.Context) error {
	var tables int
	err := db.read.QueryRowContext(ctx, "SELECT count(*) FROM sqlite_schema").Scan(&tables)
	if err != nil {
		return fmt.Errorf("ping database: %w", err)
	}

	return nil
}
