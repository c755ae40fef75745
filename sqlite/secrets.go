package sqlite

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/pnpd/pnpd/internal/sqlstore"
	"github.com/pnpd/pnpd/keyring"
)

// openKeys finds the keyring the options give and checks it against the
// database: a database with sealed secrets needs the key they were sealed
// with, and never gets a new one. It then seals the secrets in clear.
func (db *DB) openKeys(ctx context.Context, opts Options) (*keyring.Keyring, error) {
	keys, _, check, err := sqlstore.FindKeys(ctx, db.write, opts.Keyring, opts.KeyFile,
		opts.Logger)
	if err != nil || keys == nil {
		return nil, err
	}

	return keys, db.sealPlainSecrets(ctx, keys, check == "")
}

// sealPlainSecrets seals every secret stored in clear, and records the
// key's check value when first, in one transaction. SQLite then zeroes
// the space the clear secrets leave, and the write-ahead log that held
// them is emptied, so that no copy stays in the files.
func (db *DB) sealPlainSecrets(ctx context.Context, keys *keyring.Keyring,
	first bool) error {
	conn, err := db.write.Conn(ctx)
	if err != nil {
		return fmt.Errorf("seal secrets: %w", err)
	}
	defer conn.Close()

	var secureDelete int
	err = conn.QueryRowContext(ctx, `PRAGMA secure_delete`).Scan(&secureDelete)
	if err != nil {
		return fmt.Errorf("seal secrets: %w", err)
	}
	if _, err := conn.ExecContext(ctx, `PRAGMA secure_delete = ON`); err != nil {
		return fmt.Errorf("seal secrets: %w", err)
	}
	defer conn.ExecContext(context.WithoutCancel(ctx), //nolint:errcheck // best effort
		fmt.Sprintf(`PRAGMA secure_delete = %d`, secureDelete))

	sealed, err := sealInTx(ctx, conn, keys, first)
	if err != nil || sealed == 0 {
		return err
	}
	db.log.InfoContext(ctx, "Encrypted the channel secrets stored in clear",
		"channels", sealed)

	if _, err := conn.ExecContext(ctx, `PRAGMA wal_checkpoint(TRUNCATE)`); err != nil {
		return fmt.Errorf("empty the write-ahead log: %w", err)
	}

	return nil
}

func sealInTx(ctx context.Context, conn *sql.Conn, keys *keyring.Keyring,
	first bool) (int, error) {
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return 0, fmt.Errorf("seal secrets: %w", err)
	}
	defer tx.Rollback() //nolint:errcheck // a no-op after Commit

	plain, err := sqlstore.PlainSecrets(ctx, tx)
	if err != nil {
		return 0, err
	}

	for id, secret := range plain {
		_, err := tx.ExecContext(ctx, `UPDATE channel SET secret = ? WHERE id = ?`,
			keys.SealSecret(id, secret), id)
		if err != nil {
			return 0, fmt.Errorf("seal secret: %w", err)
		}
	}

	if first {
		_, err := tx.ExecContext(ctx, `INSERT INTO setting (name, value) VALUES (?, ?)`,
			sqlstore.KeyCheckSetting, keys.CheckValue())
		if err != nil {
			return 0, fmt.Errorf("save key check: %w", err)
		}
	}

	if err := tx.Commit(); err != nil {
		return 0, fmt.Errorf("seal secrets: %w", err)
	}

	return len(plain), nil
}
