//go:build !unix

package bus

import "errors"

// DiskSpace is not measured on this system.
func DiskSpace(dir string) (Space, error) {
	return Space{}, errors.New("free space is not measured on this system")
}
