// Package core is trustdesk's service layer: the use cases that both the
// desktop app and the command line call.
//
// # Overview
//
// A [Service] is an unlocked trustdesk home: the encrypted store opened with
// the user's passphrase and the identity inside it. It is created by [Init]
// (a new identity in an empty home), [Unlock] (an existing home) or
// [Restore] (a backup into an empty home). Every method is safe to call from
// several goroutines; long work never touches the GUI.
//
// # Contacts
//
// A [Contact] is a card this device holds, with a private name (petname),
// how it was learned ([InPerson], [Introduced], [Unverified]) and whether it
// is blocked. A contact is found by [Service.FindContact] from a petname, a
// pseudonym, or an unambiguous case-insensitive prefix of either or of the
// id. A card with new keys is always a new contact: verification never
// carries over to a changed card.
//
// # Errors
//
// Errors are values a caller can test with [errors.Is] and [errors.As]:
// [ErrNoIdentity], [ErrWrongPassphrase], [ErrNotFound], [ErrOwnCard],
// [AmbiguousError]. The command line and the GUI turn them into one plain
// sentence with [Explain].
package core

import (
	"context"
	"errors"
	"fmt"
	"io"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"time"

	"trustdesk/crdt"
	"trustdesk/identity"
	"trustdesk/reputation"
	"trustdesk/store"
)

// Store buckets. Their names are stored in plain text, so they say only
// what kind of record a row is.
const (
	bucketSelf    = "self"
	bucketContact = "contact"
)

var keyIdentity = []byte("identity")

// Errors returned by the service.
var (
	// ErrNoIdentity means the home holds no trustdesk data yet.
	ErrNoIdentity = errors.New("no identity in this home")
	// ErrIdentityExists means Init or Restore was asked to overwrite a home.
	ErrIdentityExists = errors.New("this home already has an identity")
	// ErrWrongPassphrase means the passphrase does not open the home.
	ErrWrongPassphrase = errors.New("wrong passphrase")
	// ErrNotFound means no contact matches a query.
	ErrNotFound = errors.New("no such contact")
	// ErrOwnCard means the user tried to add their own card as a contact.
	ErrOwnCard = errors.New("that is your own card")
	// ErrItIsYou means a contact was asked for by the user's own name.
	ErrItIsYou = errors.New("that name is yours")
	// ErrPassphraseMismatch means the passphrase and its confirmation differ.
	ErrPassphraseMismatch = errors.New("the two passphrases differ")
	// ErrEmptyPassphrase means an empty passphrase was given.
	ErrEmptyPassphrase = errors.New("the passphrase is empty")
	// ErrEmptyName means an empty petname was given.
	ErrEmptyName = errors.New("the name is empty")
)

// Options tune a [Service]. The zero value is right for real use.
type Options struct {
	// WorkFactor is the passphrase-derivation cost (log2 of scrypt's N) used
	// when sealing. Zero means the default, 18. Tests use smaller values.
	WorkFactor int
	// Now returns the current time. Nil means time.Now.
	Now func() time.Time
	// Checker checks cell data from outside in a child process. Nil means
	// the running executable in its hidden worker mode.
	Checker *crdt.Checker
}

func (o Options) now() time.Time {
	if o.Now != nil {
		return o.Now().UTC()
	}
	return time.Now().UTC()
}

func (o Options) storeOptions() store.Options {
	return store.Options{WorkFactor: o.WorkFactor}
}

// Service is an unlocked trustdesk home.
type Service struct {
	opt Options
	db  *store.DB
	// self is my identity. It changes only when a card comes back on a
	// new device (an import, see guardians.go), while other goroutines
	// may read it: hence atomic.
	self atomic.Pointer[identity.Identity]
	home string

	mu    sync.Mutex // guards cells and serialises changes to them
	cells map[crdt.CellID]*crdt.Cell
	// headers are the stored headers of cells as this service read or
	// wrote them, under mu: another program on the same home (the
	// command line while the app is open) may have changed the store
	// since (see dropStaleCells).
	headers map[crdt.CellID]string
	// beforeWrite, when set (tests only), runs under mu after a change
	// was made from the cells read and before it is written: another
	// program may write the home just then (see unchanged).
	beforeWrite func()
	// afterHeaders, when set (tests only), runs under mu once loadCells
	// found the cells held still stored as they were, before any of them
	// is read back: another program may write the home just then (see
	// afresh).
	afterHeaders func()
	// afterInputs, when set (tests only), runs under mu after a start
	// read the digest of its inputs and found nothing kept for it, and
	// before it works out what to keep: another program may write the
	// home just then (see keepStart).
	afterInputs func()
	// beforeKeep, when set (tests only), runs before a kept start
	// record is put under key (keepStarts); an error fails the keeping.
	beforeKeep func(key []byte) error
	// afterGuardiansKept, when set (tests only), runs after a new set of
	// guardians was kept and before the cells are told: an error stands
	// for a kill or a full disk just then (see split).
	afterGuardiansKept func() error

	// namesMemo is what names gave last (see namesFor), under namesMu.
	namesMu   sync.Mutex
	namesMemo *namesMemo
	// alikeLearnt is set, under namesMu, once the look-alike keys the
	// home kept were read (startcache.go).
	alikeLearnt bool

	// own is the checker made for this service when Options has none.
	own crdt.Checker

	// life ends when the service closes (end), which stops what runs in
	// the background: Prepare.
	life    context.Context
	end     context.CancelFunc
	bgMu    sync.Mutex
	bg      sync.WaitGroup // Prepare calls under way
	closing bool
	// prepared says how the last Prepare went; it is kept in memory only
	// and never shown.
	prepared preparation
	// staysOpen is set by Prepare: the service is the app's, which stays
	// open, so it works out the next days' starts ahead (keepAhead), under
	// bgMu with aheadBusy, set while it does.
	staysOpen, aheadBusy bool
	// repComputed is set, under mu, when the service computed today's
	// reputation rather than read it: its close then keeps the next
	// days' ahead (keepStartIfChanged).
	repComputed bool
	// lastSource is the reputation's source the service last read or
	// worked out, under mu, with the digest it is kept under
	// (cellsInputs): keepDaysAhead computes the next days from it
	// without reading it again.
	lastSource       *reputation.Source
	lastSourceInputs []byte
	// startNoted is set, under mu, once the service has read the day of
	// the last start before its own (prevStart, a day number; −1 for
	// none) and noted its own day (noteStarted).
	startNoted bool
	prevStart  int64
}

// preparation is what [Service.Prepare] did.
type preparation struct {
	held int   // documents the checking worker holds ready
	err  error // why it stopped short, if it failed
}

func serviceOf(opt Options, db *store.DB, me *identity.Identity, home string) *Service {
	s := &Service{opt: opt, db: db, home: home}
	s.life, s.end = context.WithCancel(context.Background())
	s.self.Store(me)
	return s
}

// me returns my identity.
func (s *Service) me() *identity.Identity { return s.self.Load() }

// HasIdentity reports whether home already holds trustdesk data.
func HasIdentity(home string) bool { return store.Exists(home) }

// Init creates a new identity named pseudonym in an empty home, sealed by
// passphrase.
func Init(home, pseudonym string, passphrase []byte, opt Options) (*Service, error) {
	if len(passphrase) == 0 {
		return nil, ErrEmptyPassphrase
	}
	name, err := identity.NormalizePseudonym(pseudonym)
	if err != nil {
		return nil, err
	}
	if store.Exists(home) {
		return nil, ErrIdentityExists
	}
	me, err := identity.New(name, opt.now())
	if err != nil {
		return nil, err
	}
	secret, err := me.MarshalBinary()
	if err != nil {
		return nil, err
	}
	db, err := store.Create(home, passphrase, opt.storeOptions())
	if errors.Is(err, store.ErrExists) {
		return nil, ErrIdentityExists
	}
	if err != nil {
		return nil, fmt.Errorf("create home: %w", err)
	}
	err = db.Update(func(tx *store.Tx) error {
		if err := putFormat(tx); err != nil {
			return err
		}
		return tx.Put(bucketSelf, nil, keyIdentity, secret)
	})
	if err != nil {
		db.Close()
		_ = store.Wipe(home)
		return nil, fmt.Errorf("save identity: %w", err)
	}
	return serviceOf(opt, db, me, home), nil
}

// Unlock opens an existing home with passphrase.
func Unlock(home string, passphrase []byte, opt Options) (*Service, error) {
	db, err := store.Open(home, passphrase, opt.storeOptions())
	if err != nil {
		return nil, storeError(err)
	}
	return open(home, db, opt)
}

func open(home string, db *store.DB, opt Options) (*Service, error) {
	if err := migrateHome(db); err != nil {
		db.Close()
		return nil, err
	}
	var secret, unnamed []byte
	err := db.View(func(tx *store.Tx) error {
		var err error
		if secret, err = tx.Get(bucketSelf, nil, keyIdentity); err != nil {
			return err
		}
		unnamed, err = unnamedSet(tx)
		return err
	})
	if errors.Is(err, store.ErrNotFound) {
		db.Close()
		return nil, ErrNoIdentity
	}
	if err != nil {
		db.Close()
		return nil, storeError(err)
	}
	me, err := identity.UnmarshalIdentity(secret)
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("read identity: %w", err)
	}
	s := serviceOf(opt, db, me, home)
	if unnamed != nil {
		// A program was killed after it kept new guardians and before it
		// told my cells: they still name the guardians before. Told now;
		// should it fail (a guardian's card gone), the start goes on and
		// the next start or import tries again.
		_ = s.NameGuardiansInCells()
	}
	return s, nil
}

func storeError(err error) error {
	switch {
	case errors.Is(err, store.ErrWrongPassphrase):
		return ErrWrongPassphrase
	case errors.Is(err, store.ErrNotInitialized):
		return ErrNoIdentity
	}
	return err
}

// Restore reads a backup made by [Service.Backup] into an empty home and
// unlocks it. The restored home is sealed by the backup's passphrase.
func Restore(home string, r io.Reader, passphrase []byte, opt Options) (*Service, error) {
	if store.Exists(home) {
		return nil, ErrIdentityExists
	}
	db, err := store.Restore(home, r, passphrase, opt.storeOptions())
	if errors.Is(err, store.ErrNotEmpty) {
		return nil, ErrIdentityExists
	}
	if err != nil {
		return nil, storeError(err)
	}
	s, err := open(home, db, opt)
	if err != nil {
		_ = store.Wipe(home)
		return nil, err
	}
	return s, nil
}

// Wipe destroys everything trustdesk keeps in home. The sealed vault key
// goes first, so what remains on disk cannot be read even if deleting the
// files fails. It needs no passphrase.
func Wipe(home string) error {
	if !store.Exists(home) {
		return ErrNoIdentity
	}
	return store.Wipe(home)
}

// Close locks the home: the service must not be used afterwards. It
// stops [Service.Prepare] first. A service that does not stay open (the
// command line's) first keeps what the next start shows, if the home
// changed since it was last kept, and the reputation of the next days
// (see startcache.go).
func (s *Service) Close() error {
	s.keepStartIfChanged()
	s.end()
	s.bgMu.Lock()
	s.closing = true
	s.bgMu.Unlock()
	s.bg.Wait()
	s.own.Close()
	return s.db.Close()
}

// staysOpenNow reports whether the service stays open ([Service.Prepare]
// was called).
func (s *Service) staysOpenNow() bool {
	s.bgMu.Lock()
	defer s.bgMu.Unlock()
	return s.staysOpen
}

// Prepare gets the checking of sync files ready, for a service that stays
// open (the desktop app calls it in the background once a home is open;
// the command line, one process a command, does not): the checking
// worker loads and holds the documents of the largest cells, and those
// cells keep their statements in memory, as the first import into them
// would (see [crdt.Checker.Prepare]). The first sync file for such a cell
// then costs what it brings rather than a reading of the whole cell.
//
// Prepare then works out, in the background, what the first start of
// each of the next seven days shows, and does again whenever the
// reputation is asked for (see startcache.go): a start on any of those
// days reads it if nothing changed.
//
// Prepare changes nothing stored but what a start keeps, and shows
// nothing. It yields to any
// import (which waits at most for the one cell being loaded), and it
// stops at once when ctx is done or the service closes. A failure (which
// would be a stored cell the worker cannot load) is only noted in memory:
// the next import of that cell checks it as it would have anyway.
func (s *Service) Prepare(ctx context.Context) {
	s.bgMu.Lock()
	if s.closing {
		s.bgMu.Unlock()
		return
	}
	s.bg.Add(1)
	s.staysOpen = true
	s.bgMu.Unlock()
	defer s.bg.Done()
	defer s.keepAhead()
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	defer context.AfterFunc(s.life, cancel)()
	var p preparation
	cells, err := s.cellsNow()
	if err == nil && ctx.Err() == nil {
		list := make([]*crdt.Cell, 0, len(cells))
		for _, c := range cells {
			list = append(list, c)
		}
		p.held, err = s.checker().Prepare(ctx, list)
	}
	if p.held > 0 {
		// Reading cells back leaves garbage (their stored parts): hand
		// it back to the system now, as opening the home does.
		debug.FreeOSMemory()
	}
	p.err = err
	s.bgMu.Lock()
	s.prepared = p
	s.bgMu.Unlock()
}

// Home returns the data directory of the service.
func (s *Service) Home() string { return s.home }

// Card returns my own card.
func (s *Service) Card() *identity.Card { return s.me().Card }

// ChangePassphrase seals the home with a new passphrase under a new vault
// key, encrypting everything again, so the old passphrase opens nothing
// written from now on, not even with an old copy of the home.
func (s *Service) ChangePassphrase(newPassphrase []byte) error {
	if len(newPassphrase) == 0 {
		return ErrEmptyPassphrase
	}
	return s.db.ChangePassphrase(newPassphrase)
}

// Backup writes the identity and all data as one file encrypted with
// passphrase.
func (s *Service) Backup(w io.Writer, passphrase []byte) error {
	if len(passphrase) == 0 {
		return ErrEmptyPassphrase
	}
	return s.db.Backup(w, passphrase)
}

// CheckStorage runs a full integrity check of the database file.
func (s *Service) CheckStorage() error { return s.db.Check() }
