package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"

	"github.com/pnpd/pnpd"
	"github.com/pnpd/pnpd/keyring"
)

// Channel secrets are encrypted at rest: CreateChannel seals the secret
// with the keyring, the channel queries open it, and pnpd.Channel.Secret
// stays in clear in memory only. A database opened without a keyring, as
// tools and tests may, stores secrets in clear until a start with a key
// seals them.

// keyCheckSetting names the setting that holds the check value of the key
// the secrets are sealed with; its presence means some are.
const keyCheckSetting = "secret_key_check"

// openKeys finds the keyring the options give and checks it against the
// database: a database with sealed secrets needs the key they were sealed
// with, and never gets a new one. It then seals the secrets in clear.
func (db *DB) openKeys(ctx context.Context, opts Options) error {
	var check string
	err := db.write.QueryRowContext(ctx, `SELECT value FROM setting WHERE name = ?`,
		keyCheckSetting).Scan(&check)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("load key check: %w", err)
	}

	keys, name, err := loadKeys(opts, check == "")
	if err != nil {
		return err
	}

	switch {
	case keys == nil && check != "":
		return errors.New("the channel secrets in the database are encrypted: " +
			"start with the key file they were encrypted with")
	case keys == nil:
		return nil
	case check != "" && !keys.Matches(check):
		return fmt.Errorf("%s is not the key the database's channel secrets were "+
			"encrypted with: start with the right key file", name)
	}
	db.keys = keys
	db.warnIfShared(ctx, opts.KeyFile)

	return db.sealPlainSecrets(ctx, check == "")
}

// warnIfShared warns when users other than the key file's owner may read
// it: pnpd creates it readable by its owner only.
func (db *DB) warnIfShared(ctx context.Context, path string) {
	if path == "" {
		return
	}

	info, err := os.Stat(path)
	if err == nil && info.Mode().Perm()&0o077 != 0 {
		db.log.WarnContext(ctx, "Key file is readable by other users; chmod 600 it",
			"key_file", path, "mode", info.Mode().Perm().String())
	}
}

// loadKeys returns the keyring of the options and a name for it in
// errors: the one given, or the key file's, created if create is set.
func loadKeys(opts Options, create bool) (*keyring.Keyring, string, error) {
	if opts.Keyring != nil {
		return opts.Keyring, "the keyring given", nil
	}
	if opts.KeyFile == "" {
		return nil, "", nil
	}

	keys, err := keyring.Open(opts.KeyFile, create)
	if err != nil {
		return nil, "", err
	}

	return keys, "key file " + opts.KeyFile, nil
}

// sealPlainSecrets seals every secret stored in clear, and records the
// key's check value when first, in one transaction. SQLite then zeroes
// the space the clear secrets leave, and the write-ahead log that held
// them is emptied, so that no copy stays in the files.
func (db *DB) sealPlainSecrets(ctx context.Context, first bool) error {
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

	sealed, err := db.sealInTx(ctx, conn, first)
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

func (db *DB) sealInTx(ctx context.Context, conn *sql.Conn, first bool) (int, error) {
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return 0, fmt.Errorf("seal secrets: %w", err)
	}
	defer tx.Rollback() //nolint:errcheck // a no-op after Commit

	plain, err := plainSecrets(ctx, tx)
	if err != nil {
		return 0, err
	}

	for id, secret := range plain {
		_, err := tx.ExecContext(ctx, `UPDATE channel SET secret = ? WHERE id = ?`,
			db.keys.SealSecret(id, secret), id)
		if err != nil {
			return 0, fmt.Errorf("seal secret: %w", err)
		}
	}

	if first {
		_, err := tx.ExecContext(ctx, `INSERT INTO setting (name, value) VALUES (?, ?)`,
			keyCheckSetting, db.keys.CheckValue())
		if err != nil {
			return 0, fmt.Errorf("save key check: %w", err)
		}
	}

	if err := tx.Commit(); err != nil {
		return 0, fmt.Errorf("seal secrets: %w", err)
	}

	return len(plain), nil
}

// plainSecrets returns the secrets stored in clear by channel ID.
func plainSecrets(ctx context.Context, tx *sql.Tx) (map[string]string, error) {
	rows, err := tx.QueryContext(ctx, `SELECT id, secret FROM channel`)
	if err != nil {
		return nil, fmt.Errorf("list secrets: %w", err)
	}
	defer rows.Close()

	plain := map[string]string{}
	for rows.Next() {
		var id, secret string
		if err := rows.Scan(&id, &secret); err != nil {
			return nil, fmt.Errorf("list secrets: %w", err)
		}
		if !keyring.Sealed(secret) {
			plain[id] = secret
		}
	}

	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list secrets: %w", err)
	}

	return plain, nil
}

// sealSecret returns a channel's secret as the database keeps it.
func (db *DB) sealSecret(channelID, secret string) string {
	if db.keys == nil {
		return secret
	}

	return db.keys.SealSecret(channelID, secret)
}

// openSecret puts a channel's secret in clear, as the database gave it.
func (db *DB) openSecret(c *pnpd.Channel) error {
	if !keyring.Sealed(c.Secret) {
		return nil
	}
	if db.keys == nil {
		return errors.New("open channel secret: the store has no key")
	}

	secret, err := db.keys.OpenSecret(c.ID, c.Secret)
	if err != nil {
		return fmt.Errorf("open channel secret: %w", err)
	}
	c.Secret = secret

	return nil
}

// Keyring returns the keyring the channel secrets are sealed with, nil
// when the store keeps them in clear; its TokenKey signs access tokens.
func (db *DB) Keyring() *keyring.Keyring {
	return db.keys
}
