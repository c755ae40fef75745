package postgres

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/pnpd/pnpd/internal/sqlstore"
	"github.com/pnpd/pnpd/keyring"
)

// openKeys finds the keyring the options give and checks it against the
// database: a database with sealed secrets needs the key they were sealed
// with, and never gets a new one. It then seals the secrets in clear. Two
// nodes that start at once on a new database with different keys cannot
// both win: the check value is written once, and the loser stops.
func (db *DB) openKeys(ctx context.Context, opts Options) (*keyring.Keyring, error) {
	keys, name, _, err := sqlstore.FindKeys(ctx, db.pool, opts.Keyring, opts.KeyFile,
		opts.Logger)
	if err != nil || keys == nil {
		return nil, err
	}

	tx, err := db.pool.BeginTx(ctx, &sql.TxOptions{Isolation: sql.LevelSerializable})
	if err != nil {
		return nil, fmt.Errorf("seal secrets: %w", err)
	}
	defer tx.Rollback() //nolint:errcheck // a no-op after Commit

	if _, err := tx.ExecContext(ctx, `INSERT INTO setting (name, value) VALUES ($1, $2)
		ON CONFLICT (name) DO NOTHING`, sqlstore.KeyCheckSetting, keys.CheckValue()); err != nil {
		return nil, fmt.Errorf("save key check: %w", err)
	}
	// Another node may have sealed the first secrets with another key
	// meanwhile.
	check, err := sqlstore.KeyCheck(ctx, tx)
	if err != nil {
		return nil, err
	}
	if err := sqlstore.CheckKeys(keys, name, check); err != nil {
		return nil, err
	}

	plain, err := sqlstore.PlainSecrets(ctx, tx)
	if err != nil {
		return nil, err
	}
	for id, secret := range plain {
		_, err := tx.ExecContext(ctx, `UPDATE channel SET secret = $1 WHERE id = $2`,
			keys.SealSecret(id, secret), id)
		if err != nil {
			return nil, fmt.Errorf("seal secret: %w", err)
		}
	}

	if err := tx.Commit(); err != nil {
		return nil, fmt.Errorf("seal secrets: %w", err)
	}
	if len(plain) > 0 {
		db.log.InfoContext(ctx, "Encrypted the channel secrets stored in clear",
			"channels", len(plain))
	}

	return keys, nil
}
