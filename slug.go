package main

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"strings"
	"unicode"
)

// slugOf makes a slug from a name: lower case, letters with marks written
// without them (é → e, ß → ss), runs of anything else as one dash. A name
// with nothing left (日本, 🚀) gets "space-" and six random hex digits, so
// that two such spaces don't both become "space".
func slugOf(name string) string {
	var b strings.Builder
	dash := false
	add := func(s string) {
		if dash && b.Len() > 0 {
			b.WriteByte('-')
		}
		b.WriteString(s)
		dash = false
	}
	for _, r := range strings.ToLower(name) {
		switch {
		case r >= 'a' && r <= 'z' || r >= '0' && r <= '9':
			add(string(r))
		case unicode.Is(unicode.Mn, r):
			// A combining mark (e + U+0301 is é) goes with its letter.
		default:
			if plain, ok := foldLatin(r); ok {
				add(plain)
			} else {
				dash = true
			}
		}
	}
	s := b.String()
	if len(s) > 50 {
		s = strings.TrimRight(s[:50], "-")
	}
	switch {
	case s == "":
		var id [3]byte
		rand.Read(id[:])
		s = "space-" + hex.EncodeToString(id[:])
	case len(s) < 3:
		s += "-space"
	}
	return s
}

// latinFold is, for each plain spelling, the lower-case Latin letters that
// are written that way without their marks: Latin-1, Latin Extended-A and
// the accented letters of Latin Extended Additional (Vietnamese among
// them), and the letters that are not a base letter and a mark (ß, æ, ø).
const latinFold = "a:àáâãäåāăąǎǟǡǻȁȃȧḁạảấầẩẫậắằẳẵặ b:ḃḅḇƀ c:çćĉċčḉ d:ďḋḍḏḑḓđð " +
	"e:èéêëēĕėęěȅȇȩḕḗḙḛḝẹẻẽếềểễệ f:ḟ g:ĝğġģǧǵḡ h:ĥȟḣḥḧḩḫẖħ i:ìíîïĩīĭįǐȉȋḭḯỉịı j:ĵǰ " +
	"k:ķǩḱḳḵĸ l:ĺļľḷḹḻḽłŀ m:ḿṁṃ n:ñńņňǹṅṇṉṋŉŋ o:òóôõöōŏőơǒǫǭȍȏȫȭȯȱṍṏṑṓọỏốồổỗộớờởỡợøǿ " +
	"p:ṕṗ r:ŕŗřȑȓṙṛṝṟ s:śŝşšșṡṣṥṧṩſ t:ţťțṫṭṯṱẗŧ u:ùúûüũūŭůűųưǔǖǘǚǜȕȗṳṵṷṹṻụủứừửữự " +
	"v:ṽṿ w:ŵẁẃẅẇẉẘ x:ẋẍ y:ýÿŷȳẏẙỳỵỷỹ z:źżžẑẓẕ ss:ß ae:æǽ oe:œ th:þ ij:ĳ"

// foldLatin is r written in a-z, if r is a Latin letter with marks.
func foldLatin(r rune) (string, bool) {
	if r < 0xc0 {
		return "", false
	}
	for _, g := range strings.Fields(latinFold) {
		plain, letters, _ := strings.Cut(g, ":")
		if strings.ContainsRune(letters, r) {
			return plain, true
		}
	}
	return "", false
}

func checkSlugArg(s string) error {
	ok := len(s) >= 3 && len(s) <= 50
	for _, c := range s {
		ok = ok && (c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-')
	}
	if !ok {
		return fmt.Errorf("--slug must be 3-50 characters of a-z, 0-9 and -, got %q", s)
	}
	return nil
}
