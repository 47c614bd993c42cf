package cli

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	_ "image/jpeg" // photos of codes
	_ "image/png"  // screenshots of codes
	"io"
	"os"
	"path/filepath"
	"strings"

	"trustdesk/camera"
	"trustdesk/core"
	"trustdesk/export/qr"
	"trustdesk/internal/words"
)

// cardPixelsPerModule makes a card's QR code about 300 pixels wide.
const cardPixelsPerModule = 8

// framePixelsPerModule makes a sequence frame about 400 pixels wide, at
// whole pixels per module.
const framePixelsPerModule = 4

func scanCommand() *command {
	return &command{
		name: "scan", args: "[--verified] [--json]",
		summary: "scan a card or an animated sync file with the camera",
		help: `Turns on the camera and reads QR codes: a card is added as a contact
(--verified if you are standing face to face with its owner), an animated
sync file is taken in once enough of it was seen. Progress is shown as it
goes ("37 of 52 frames"). Without a camera, save the codes as images and
use 'trustdesk contact add --qr IMAGE' or 'trustdesk import --qr FOLDER'.`,
		flags: func(fs *flag.FlagSet, o *opts) {
			fs.BoolVar(&o.verified, "verified", false, "")
			jsonFlag(fs, o)
		},
		run: runScan,
	}
}

// writeCardQR writes my card as a QR code image.
func writeCardQR(r *runner, text, path string) error {
	png, err := qr.CardPNG(text, cardPixelsPerModule)
	if err != nil {
		return err
	}
	if err := writeFileAtomic(path, r.env.Stdout, func(w io.Writer) error { _, err := w.Write(png); return err }); err != nil {
		return err
	}
	return nil
}

// readCardQR reads a card's text from a photo or screenshot.
func readCardQR(path string) (string, error) {
	b, err := qr.ReadFile(path)
	if err != nil {
		return "", fmt.Errorf("read the code in %s: %w", filepath.Base(path), err)
	}
	return string(b), nil
}

// writeSequence writes a sync file as numbered PNG frames in dir.
func writeSequence(dir, profile string, data []byte) (*qr.Sequence, error) {
	p, err := qr.ParseProfile(profile)
	if err != nil {
		return nil, usagef("--qr-profile is robust, normal or dense")
	}
	seq, err := qr.Encode(data, p)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	if _, err := seq.WriteDir(dir, framePixelsPerModule); err != nil {
		return nil, err
	}
	return seq, nil
}

// readSequence rebuilds a sync file from the frames in dir.
func readSequence(dir string) ([]byte, error) {
	data, p, err := qr.DecodeDir(dir)
	if errors.Is(err, qr.ErrIncomplete) {
		return nil, &incompleteError{p}
	}
	return data, err
}

// incompleteError says how many more frames a sequence needs.
type incompleteError struct{ p qr.Progress }

func (e *incompleteError) Error() string {
	if e.p.Need == 0 {
		return "no frame of an animated sync file was found in those images"
	}
	return fmt.Sprintf("only %s were found: %s more are needed (any of the remaining frames will do)", e.p, words.Number(e.p.Need-e.p.Have))
}

type scanJSON struct {
	Kind    string       `json:"kind"`
	Contact *contactJSON `json:"contact,omitempty"`
	Import  *importJSON  `json:"import,omitempty"`
}

func runScan(r *runner, o *opts, args []string) error {
	if err := wantArgs(args, 0, "no arguments"); err != nil {
		return err
	}
	return r.withService(func(s *core.Service) error {
		cam, err := camera.Open(camera.Options{})
		if err != nil {
			return err
		}
		defer cam.Close()
		fmt.Fprintf(r.env.Stderr, "Scanning with %s. Hold the code in front of the camera; Ctrl-C stops.\n", cam.Name())
		last, shown := "", false
		res, err := qr.ScanCamera(context.Background(), cam, qr.ScanOptions{
			Sequence: true,
			Code:     looksLikeCard,
			Seen: func(u qr.ScanUpdate) {
				if msg := scanStatus(u.Progress, u.Struggling); msg != last {
					// Pad with spaces over a longer line before it.
					fmt.Fprintf(r.env.Stderr, "\r%-*s", len(last), msg)
					last, shown = msg, true
				}
			},
		})
		if shown {
			fmt.Fprintln(r.env.Stderr)
		}
		switch {
		case errors.Is(err, qr.ErrIncomplete):
			return errors.New("the camera stopped before anything was read")
		case err != nil:
			return err
		case res.Code != nil:
			c, err := s.AddContact(string(res.Code), "", o.verified)
			if err != nil {
				return err
			}
			j := toContactJSON(c.Contact)
			return r.out(o.json, scanJSON{Kind: "card", Contact: &j}, func(w io.Writer) {
				fmt.Fprintf(w, "Added %s (%s). Compare the safety code: trustdesk contact show %q\n", c.Contact.Name(), c.Contact.Verified.Words(), c.Contact.Name())
			})
		}
		sum, err := s.Import(context.Background(), res.File)
		if err != nil {
			return err
		}
		j := toImportJSON(sum)
		return r.out(o.json, scanJSON{Kind: "sync file", Import: &j}, func(w io.Writer) { fmt.Fprintln(w, words.Sentence(sum.String(), "")) })
	})
}

// looksLikeCard reports whether a code's text starts like a card.
func looksLikeCard(text []byte) bool {
	return strings.HasPrefix(strings.ToUpper(strings.TrimSpace(string(text))), "TD")
}

// scanStatus is the line scan keeps up to date while it reads a sequence:
// "37 of 52 frames, 15 more needed", with advice when most recent pictures
// could not be read. Before the first frame it is empty.
func scanStatus(p qr.Progress, struggling bool) string {
	if p.Need == 0 || p.Done {
		return ""
	}
	msg := fmt.Sprintf("%s, %s more needed.", p, words.Number(p.Remaining()))
	if struggling {
		msg += " " + qr.SteadierHint
	}
	return msg
}

// looksLikeImage reports whether data starts like a PNG or JPEG image.
func looksLikeImage(data []byte) bool {
	return bytes.HasPrefix(data, []byte("\x89PNG\r\n\x1a\n")) || bytes.HasPrefix(data, []byte{0xff, 0xd8, 0xff})
}

// inspectImage says what the QR code in an image holds.
func inspectImage(r *runner, o *opts, data []byte) error {
	img, err := qr.LoadImage(bytes.NewReader(data))
	if errors.Is(err, qr.ErrImageTooLarge) {
		return fmt.Errorf("%w: the image is too large", core.ErrUnknownFile)
	}
	if err != nil {
		return fmt.Errorf("%w: the image is damaged", core.ErrUnknownFile)
	}
	var d qr.Decoder
	p, err := d.AddImage(img)
	if errors.Is(err, qr.ErrNotFrame) {
		text, err := qr.ReadImage(img)
		if err != nil {
			return err
		}
		in, err := core.Inspect(context.Background(), nil, text)
		if err != nil {
			return err
		}
		cj := toCardJSON(in.Card)
		return r.out(o.json, inspectJSON{Kind: "card", Card: &cj}, func(w io.Writer) {
			fmt.Fprintf(w, "A QR code of the trustdesk card of %q (id %s).\n", in.Card.Pseudonym, in.Card.ID())
		})
	}
	if err != nil {
		return err
	}
	return r.out(o.json, struct {
		Kind   string `json:"kind"`
		Needed int    `json:"needed"`
	}{"qr frame", p.Need}, func(w io.Writer) {
		fmt.Fprintf(w, "One frame of an animated sync file; any %s different frames of it rebuild the file.\n", words.Number(p.Need))
	})
}
