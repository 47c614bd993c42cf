package store

import (
	"bytes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"runtime"
	"slices"
	"strings"

	"filippo.io/age"
	"golang.org/x/crypto/chacha20poly1305"
)

const (
	// vaultKeySize is the length of the random vault key.
	vaultKeySize = 32
	// bodyVersion is the first byte of every record body.
	bodyVersion = 1

	labelLookup  = "trustdesk/store/v1/lookup"
	labelRecords = "trustdesk/store/v1/records"
	domainGroup  = "trustdesk/store/v1/group\x00"
	domainKey    = "trustdesk/store/v1/key\x00"
	domainBody   = "trustdesk/store/v1/body\x00"
)

// keys holds the subkeys derived from the vault key.
type keys struct {
	mac  []byte      // HMAC-SHA256 key for lookup tags
	enc  []byte      // XChaCha20-Poly1305 key for record bodies
	aead cipher.AEAD // built from enc
}

// deriveKeys derives the lookup and record subkeys from the vault key with
// HKDF-SHA256, one label per purpose.
func deriveKeys(vault []byte) (*keys, error) {
	if len(vault) != vaultKeySize {
		return nil, fmt.Errorf("%w: vault has the wrong size", ErrDamaged)
	}
	mac, err := hkdf.Key(sha256.New, vault, nil, labelLookup, 32)
	if err != nil {
		return nil, err
	}
	enc, err := hkdf.Key(sha256.New, vault, nil, labelRecords, chacha20poly1305.KeySize)
	if err != nil {
		return nil, err
	}
	aead, err := chacha20poly1305.NewX(enc)
	if err != nil {
		return nil, err
	}
	return &keys{mac: mac, enc: enc, aead: aead}, nil
}

// wipe clears the subkeys held in memory. The cipher keeps its own
// expanded copy, which the garbage collector reclaims later.
func (k *keys) wipe() {
	clear(k.mac)
	clear(k.enc)
}

// appendLP appends b with a 4-byte big-endian length prefix.
func appendLP(dst, b []byte) []byte {
	dst = binary.BigEndian.AppendUint32(dst, uint32(len(b)))
	return append(dst, b...)
}

// groupTag is the lookup tag stored in place of a group.
func (k *keys) groupTag(bucket string, group []byte) []byte {
	m := hmac.New(sha256.New, k.mac)
	buf := make([]byte, 0, len(domainGroup)+8+len(bucket)+len(group))
	buf = append(buf, domainGroup...)
	buf = appendLP(buf, []byte(bucket))
	buf = appendLP(buf, group)
	m.Write(buf)
	return m.Sum(nil)
}

// keyTag is the lookup tag stored in place of a key.
func (k *keys) keyTag(bucket string, group, key []byte) []byte {
	m := hmac.New(sha256.New, k.mac)
	buf := make([]byte, 0, len(domainKey)+12+len(bucket)+len(group)+len(key))
	buf = append(buf, domainKey...)
	buf = appendLP(buf, []byte(bucket))
	buf = appendLP(buf, group)
	buf = appendLP(buf, key)
	m.Write(buf)
	return m.Sum(nil)
}

// bodyAD is the additional data binding a body to its row.
func bodyAD(bucket string, gtag, ktag []byte) []byte {
	ad := make([]byte, 0, len(domainBody)+4+len(bucket)+len(gtag)+len(ktag))
	ad = append(ad, domainBody...)
	ad = appendLP(ad, []byte(bucket))
	ad = append(ad, gtag...)
	return append(ad, ktag...)
}

// seal encrypts the original group, key and value into a record body: the
// version byte, a random 24-byte nonce, then the sealed length-prefixed
// group, length-prefixed key and value.
func (k *keys) seal(bucket string, gtag, ktag, group, key, value []byte) []byte {
	ns := k.aead.NonceSize()
	plain := make([]byte, 0, 8+len(group)+len(key)+len(value))
	plain = appendLP(plain, group)
	plain = appendLP(plain, key)
	plain = append(plain, value...)
	body := make([]byte, 1+ns, 1+ns+len(plain)+k.aead.Overhead())
	body[0] = bodyVersion
	rand.Read(body[1 : 1+ns])
	body = k.aead.Seal(body, body[1:1+ns], plain, bodyAD(bucket, gtag, ktag))
	clear(plain)
	return body
}

// open authenticates and decrypts a record body, returning the original
// group, key and value. Any failure is ErrDamaged. It decrypts body
// where it is, so what it returns are parts of body, which is the
// caller's to overwrite (every caller reads it from the driver as a copy
// of its own: see Tx.body; a copy more was a share of a start that reads
// a record of megabytes), and a body that fails is left overwritten.
func (k *keys) open(bucket string, gtag, ktag, body []byte) (group, key, value []byte, err error) {
	ns := k.aead.NonceSize()
	if len(body) < 1+ns+k.aead.Overhead() || body[0] != bodyVersion {
		return nil, nil, nil, fmt.Errorf("%w: malformed record", ErrDamaged)
	}
	plain, err := k.aead.Open(body[1+ns:1+ns], body[1:1+ns], body[1+ns:], bodyAD(bucket, gtag, ktag))
	if err != nil {
		return nil, nil, nil, fmt.Errorf("%w: record fails authentication", ErrDamaged)
	}
	group, rest, ok := cutLP(plain)
	if ok {
		key, value, ok = cutLP(rest)
	}
	if !ok {
		return nil, nil, nil, fmt.Errorf("%w: malformed record", ErrDamaged)
	}
	return group, key, value, nil
}

// cutLP splits a length-prefixed field off the front of b.
func cutLP(b []byte) (field, rest []byte, ok bool) {
	if len(b) < 4 {
		return nil, nil, false
	}
	n := binary.BigEndian.Uint32(b)
	if uint64(n) > uint64(len(b)-4) {
		return nil, nil, false
	}
	return b[4 : 4+n : 4+n], b[4+n:], true
}

// releaseScryptMemory hands the 256 MiB (at work factor 18) that scrypt
// just used back to the heap at once, so that a second scrypt run reuses
// them instead of doubling the peak. They stay touched: the start that
// follows an unlock allocates from them instead of faulting in fresh
// memory, a third of a start's processor time at 100,000 statements
// (BenchmarkStartsSealed18At100k, in core). The runtime hands what stays
// unused back to the system in the background, and the app hands
// everything back once its first screens are built.
func releaseScryptMemory() { runtime.GC() }

// sealVault seals the vault key with the passphrase as an age file with one
// scrypt recipient of the given work factor.
func sealVault(vault, passphrase []byte, workFactor int) ([]byte, error) {
	r, err := age.NewScryptRecipient(string(passphrase))
	if err != nil {
		return nil, errEmptyPassphrase
	}
	r.SetWorkFactor(workFactor)
	var buf bytes.Buffer
	w, err := age.Encrypt(&buf, r)
	releaseScryptMemory()
	if err != nil {
		return nil, err
	}
	if _, err := w.Write(vault); err != nil {
		return nil, err
	}
	if err := w.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// unsealVault opens a sealed vault key with the passphrase.
func unsealVault(sealed, passphrase []byte, maxWorkFactor int) ([]byte, error) {
	r, err := decryptScrypt(bytes.NewReader(sealed), passphrase, maxWorkFactor)
	if err != nil {
		return nil, err
	}
	vault, err := io.ReadAll(io.LimitReader(r, vaultKeySize+1))
	if err != nil || len(vault) != vaultKeySize {
		return nil, fmt.Errorf("%w: sealed vault is malformed", ErrDamaged)
	}
	return vault, nil
}

// decryptScrypt starts decrypting an age file sealed with a passphrase. A
// passphrase that does not match is ErrWrongPassphrase; anything else that
// stops decryption is ErrDamaged.
func decryptScrypt(src io.Reader, passphrase []byte, maxWorkFactor int) (io.Reader, error) {
	id, err := age.NewScryptIdentity(string(passphrase))
	if err != nil {
		return nil, errEmptyPassphrase
	}
	id.SetMaxWorkFactor(maxWorkFactor)
	r, err := age.Decrypt(src, id)
	releaseScryptMemory()
	if err == nil {
		return r, nil
	}
	var nm *age.NoIdentityMatchError
	if errors.As(err, &nm) && slices.Equal(nm.StanzaTypes, []string{"scrypt"}) {
		return nil, ErrWrongPassphrase
	}
	if strings.Contains(err.Error(), "work factor too large") {
		return nil, fmt.Errorf("%w: passphrase protection is stronger than this program accepts", ErrDamaged)
	}
	return nil, fmt.Errorf("%w: %v", ErrDamaged, err)
}
