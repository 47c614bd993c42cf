package reputation

import "time"

// Input is everything the model looks at, as one viewer's device sees it.
// People are named by their identity ids (32 lowercase hex characters) and
// cells by their cell ids; the model only compares ids, it never parses them.
// The order of every slice is irrelevant: [Compute] sorts what it reads, so
// the same facts always give the same result.
type Input struct {
	// Viewer is the id of the person whose view is computed.
	Viewer string
	// Now is the moment the scores are computed for; it sets the age of
	// every rating (see [HalfLife]) and the window for flags ([FlagWindow]).
	Now time.Time
	// Verified lists the people the viewer verified in person (card scanned
	// or safety code compared).
	Verified []string
	// Blocked lists the people the viewer blocked on this device. Their
	// ratings are ignored and nobody gains trust through them.
	Blocked []string
	// Replaced lists the people whose card the viewer's device knows was
	// replaced by a new one (in a cell it holds, the card's own holder
	// signed the replacement, confirmed by guardians): whoever still signs
	// with the old card is not its owner, or not only, so its ratings are
	// ignored and nobody gains trust through it, as for Blocked, in every
	// cell (the reason given is [WhyReplaced]).
	Replaced []string
	// Names maps ids to the name this device knows each person by (the
	// viewer's own name for a contact, or the pseudonym on their card).
	Names map[string]string
	// Cells holds the derived state of every cell the viewer is in.
	Cells []Cell
}

// Cell is the derived state of one cell: who is in it, who vouched for
// them, and the ratings it holds.
type Cell struct {
	// ID identifies the cell; ids are unique across cells.
	ID string
	// Name is the cell's name as shown to the viewer.
	Name string
	// Members lists everyone the cell admitted or is admitting, with their
	// status and the people who vouched for them.
	Members []Member
	// Ratings holds the cell's current ratings: the latest one per rater
	// and subject within this cell. Older ones may be included too; the
	// model keeps the latest by itself.
	Ratings []Rating
}

// Member statuses, as derived from a cell's statements.
const (
	// StatusMember marks a full member.
	StatusMember = "member"
	// StatusPending marks someone vouched for whose admission is not complete.
	StatusPending = "pending"
	// StatusExcluded marks someone the cell voted to exclude.
	StatusExcluded = "excluded"
	// StatusLeft marks someone who left the cell.
	StatusLeft = "left"
)

// Member is one person's place in a cell.
type Member struct {
	// ID is the person's identity id.
	ID string
	// Status is one of [StatusMember], [StatusPending], [StatusExcluded]
	// or [StatusLeft]; entries with any other status are ignored. Someone
	// listed twice in one cell has the lower of their statuses there
	// (excluded below left below pending below member).
	Status string
	// VouchedBy lists the people who vouched for this person's admission
	// (for a founder, nobody).
	VouchedBy []string
}

// Rating is one signed rating statement.
type Rating struct {
	// ID is the statement id. The same statement seen in several cells
	// counts once. Ratings without an id are ignored.
	ID string
	// Rater is the author's id.
	Rater string
	// Subject is the id of the person rated. Ratings of oneself are ignored.
	Subject string
	// Safety and Reliability are the two marks, each from 1 to 5. A rating
	// with either mark outside 1..5 is ignored.
	Safety, Reliability int
	// Day is the day of the interaction the rating is about. Among one
	// rater's ratings of one person, the latest day wins.
	Day time.Time
	// Made is when the rater signed the statement (by their clock); it
	// breaks ties between ratings for the same day, and the statement id
	// breaks any tie left. The zero time is allowed.
	Made time.Time
	// Tags are the rating's optional tags.
	Tags []string
	// Note is the rating's optional short note.
	Note string
}
