//go:build unix

package sqlite

import (
	"errors"
	"fmt"
	"os"
	"syscall"
)

// lockFile holds an exclusive lock on the file beside the database, so that
// a second pnpd on the same data folder stops at start: the store keeps one
// writer per process, and two processes would each run the job queue's
// leader and cache channels the other changes.
func lockFile(dbPath string) (*os.File, error) {
	path := dbPath + ".lock"
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("lock database: %w", err)
	}

	err = syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
	if errors.Is(err, syscall.EWOULDBLOCK) {
		f.Close()
		return nil, fmt.Errorf("%s is in use by another pnpd: one process opens a "+
			"data folder at a time; stop the other, or give this one its own "+
			"--data folder", dbPath)
	}
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("lock database: %w", err)
	}

	return f, nil
}
