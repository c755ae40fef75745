package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"os"

	"github.com/pnpd/pnpd/keyring"
)

// Channel secrets are encrypted at rest: CreateChannel seals the secret
// with the keyring, the channel queries open it, and pnpd.Channel.Secret
// stays in clear in memory only. A database opened without a keyring, as
// tools and tests may, stores secrets in clear until a start with a key
// seals them.

// KeyCheckSetting names the setting that holds the check value of the key
// the secrets are sealed with; its presence means some are.
const KeyCheckSetting = "secret_key_check"

// WarnIfShared warns when users other than the key file's owner may read
// it: pnpd creates it readable by its owner only.
func WarnIfShared(ctx context.Context, log *slog.Logger, path string) {
	if path == "" {
		return
	}

	info, err := os.Stat(path)
	if err == nil && info.Mode().Perm()&0o077 != 0 {
		log.WarnContext(ctx, "Key file is readable by other users; chmod 600 it",
			"key_file", path, "mode", info.Mode().Perm().String())
	}
}

// LoadKeys returns the keyring given and a name for it in
// errors: the one given, or the key file's, created if create is set.
func LoadKeys(given *keyring.Keyring, keyFile string, create bool) (*keyring.Keyring, string, error) {
	if given != nil {
		return given, "the keyring given", nil
	}
	if keyFile == "" {
		return nil, "", nil
	}

	keys, err := keyring.Open(keyFile, create)
	if err != nil {
		return nil, "", err
	}

	return keys, "key file " + keyFile, nil
}

// PlainSecrets returns the secrets stored in clear by channel ID.
func PlainSecrets(ctx context.Context, tx *sql.Tx) (map[string]string, error) {
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

// CheckKeys checks keys, named name in errors, against the check value a
// database holds ("" when none): a database with sealed secrets needs the
// key they were sealed with.
func CheckKeys(keys *keyring.Keyring, name, check string) error {
	switch {
	case keys == nil && check != "":
		return errors.New("the channel secrets in the database are encrypted: " +
			"start with the key file they were encrypted with")
	case keys != nil && check != "" && !keys.Matches(check):
		return fmt.Errorf("%s is not the key the database's channel secrets were "+
			"encrypted with: start with the right key file", name)
	}

	return nil
}

// FindKeys returns the keyring given, or the key file's, checked against
// the check value c's database holds, with a name for it in errors and the
// check value ("" while no secret is sealed). The key file is created
// only for a database with no sealed secret; a nil keyring means secrets
// in clear.
func FindKeys(ctx context.Context, c Conn, given *keyring.Keyring, keyFile string,
	log *slog.Logger) (keys *keyring.Keyring, name, check string, err error) {
	if check, err = KeyCheck(ctx, c); err != nil {
		return nil, "", "", err
	}

	keys, name, err = LoadKeys(given, keyFile, check == "")
	if err != nil {
		return nil, "", "", err
	}
	if err := CheckKeys(keys, name, check); err != nil {
		return nil, "", "", err
	}
	if keys != nil {
		WarnIfShared(ctx, log, keyFile)
	}

	return keys, name, check, nil
}

// KeyCheck returns the check value of the key the database's secrets are
// sealed with, "" while none is.
func KeyCheck(ctx context.Context, c Conn) (string, error) {
	var check string
	err := c.QueryRowContext(ctx, `SELECT value FROM setting
		WHERE name = '`+KeyCheckSetting+`'`).Scan(&check)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return "", fmt.Errorf("load key check: %w", err)
	}

	return check, nil
}
