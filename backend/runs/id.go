package runs

import (
	"crypto/rand"
	"encoding/hex"
)

func newID() string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return "run_" + hex.EncodeToString(b[:])
}
