//go:build !unix

package sqlite

import "os"

// lockFile locks nothing where flock is missing.
// TODO(#8): lock the data folder on Windows too (LockFileEx).
func lockFile(string) (*os.File, error) {
	return nil, nil
}
