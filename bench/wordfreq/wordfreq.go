// wordfreq: word frequencies of a UTF-8 text, Go reference (see README.md).
//
//	wordfreq FILE [TOP]    TOP most frequent words (default 20, 0 = all)
//
// Words are maximal runs of runes that are letters or numbers (general
// category L* or N*); each word is fully case-folded (CaseFolding.txt status
// C + F) and counted in a map[string]int. The standard library has only
// simple folding, so fold below adds the status-F expansions (ß -> ss, ...)
// and the two places where ToLower(ToUpper(r)) is not the C fold.
//
//	go build -o wordfreq wordfreq.go
package main

import (
	"bufio"
	"fmt"
	"os"
	"sort"
	"strconv"
	"unicode"
	"unicode/utf8"
)

// fullFold: the status-F (multi-code-point) entries of CaseFolding.txt.
var fullFold = map[rune]string{
	0xDF: "ss", 0x130: "i\u0307", 0x149: "\u02BCn", 0x1F0: "j\u030C",
	0x390: "\u03B9\u0308\u0301", 0x3B0: "\u03C5\u0308\u0301", 0x587: "\u0565\u0582", 0x1E96: "h\u0331",
	0x1E97: "t\u0308", 0x1E98: "w\u030A", 0x1E99: "y\u030A", 0x1E9A: "a\u02BE",
	0x1E9E: "ss", 0x1F50: "\u03C5\u0313", 0x1F52: "\u03C5\u0313\u0300", 0x1F54: "\u03C5\u0313\u0301",
	0x1F56: "\u03C5\u0313\u0342", 0x1F80: "\u1F00\u03B9", 0x1F81: "\u1F01\u03B9", 0x1F82: "\u1F02\u03B9",
	0x1F83: "\u1F03\u03B9", 0x1F84: "\u1F04\u03B9", 0x1F85: "\u1F05\u03B9", 0x1F86: "\u1F06\u03B9",
	0x1F87: "\u1F07\u03B9", 0x1F88: "\u1F00\u03B9", 0x1F89: "\u1F01\u03B9", 0x1F8A: "\u1F02\u03B9",
	0x1F8B: "\u1F03\u03B9", 0x1F8C: "\u1F04\u03B9", 0x1F8D: "\u1F05\u03B9", 0x1F8E: "\u1F06\u03B9",
	0x1F8F: "\u1F07\u03B9", 0x1F90: "\u1F20\u03B9", 0x1F91: "\u1F21\u03B9", 0x1F92: "\u1F22\u03B9",
	0x1F93: "\u1F23\u03B9", 0x1F94: "\u1F24\u03B9", 0x1F95: "\u1F25\u03B9", 0x1F96: "\u1F26\u03B9",
	0x1F97: "\u1F27\u03B9", 0x1F98: "\u1F20\u03B9", 0x1F99: "\u1F21\u03B9", 0x1F9A: "\u1F22\u03B9",
	0x1F9B: "\u1F23\u03B9", 0x1F9C: "\u1F24\u03B9", 0x1F9D: "\u1F25\u03B9", 0x1F9E: "\u1F26\u03B9",
	0x1F9F: "\u1F27\u03B9", 0x1FA0: "\u1F60\u03B9", 0x1FA1: "\u1F61\u03B9", 0x1FA2: "\u1F62\u03B9",
	0x1FA3: "\u1F63\u03B9", 0x1FA4: "\u1F64\u03B9", 0x1FA5: "\u1F65\u03B9", 0x1FA6: "\u1F66\u03B9",
	0x1FA7: "\u1F67\u03B9", 0x1FA8: "\u1F60\u03B9", 0x1FA9: "\u1F61\u03B9", 0x1FAA: "\u1F62\u03B9",
	0x1FAB: "\u1F63\u03B9", 0x1FAC: "\u1F64\u03B9", 0x1FAD: "\u1F65\u03B9", 0x1FAE: "\u1F66\u03B9",
	0x1FAF: "\u1F67\u03B9", 0x1FB2: "\u1F70\u03B9", 0x1FB3: "\u03B1\u03B9", 0x1FB4: "\u03AC\u03B9",
	0x1FB6: "\u03B1\u0342", 0x1FB7: "\u03B1\u0342\u03B9", 0x1FBC: "\u03B1\u03B9", 0x1FC2: "\u1F74\u03B9",
	0x1FC3: "\u03B7\u03B9", 0x1FC4: "\u03AE\u03B9", 0x1FC6: "\u03B7\u0342", 0x1FC7: "\u03B7\u0342\u03B9",
	0x1FCC: "\u03B7\u03B9", 0x1FD2: "\u03B9\u0308\u0300", 0x1FD3: "\u03B9\u0308\u0301", 0x1FD6: "\u03B9\u0342",
	0x1FD7: "\u03B9\u0308\u0342", 0x1FE2: "\u03C5\u0308\u0300", 0x1FE3: "\u03C5\u0308\u0301", 0x1FE4: "\u03C1\u0313",
	0x1FE6: "\u03C5\u0342", 0x1FE7: "\u03C5\u0308\u0342", 0x1FF2: "\u1F7C\u03B9", 0x1FF3: "\u03C9\u03B9",
	0x1FF4: "\u03CE\u03B9", 0x1FF6: "\u03C9\u0342", 0x1FF7: "\u03C9\u0342\u03B9", 0x1FFC: "\u03C9\u03B9",
	0xFB00: "ff", 0xFB01: "fi", 0xFB02: "fl", 0xFB03: "ffi",
	0xFB04: "ffl", 0xFB05: "st", 0xFB06: "st", 0xFB13: "\u0574\u0576",
	0xFB14: "\u0574\u0565", 0xFB15: "\u0574\u056B", 0xFB16: "\u057E\u0576", 0xFB17: "\u0574\u056D",
}

// foldRune appends the full case folding of r to b.
func foldRune(b []byte, r rune) []byte {
	if r < utf8.RuneSelf {
		if 'A' <= r && r <= 'Z' {
			r += 'a' - 'A'
		}
		return append(b, byte(r))
	}
	switch {
	case r == 0xDF, r == 0x130, r == 0x149, r == 0x1F0, r == 0x390, r == 0x3B0, r == 0x587,
		r >= 0x1E96 && r <= 0x1FFC, r >= 0xFB00 && r <= 0xFB17: // fullFold's keys
		if s, ok := fullFold[r]; ok {
			return append(b, s...)
		}
	}
	switch {
	case r == 0x131:
		// dotless ı: only the Turkic (status T) mapping I -> ı involves it.
	case (r >= 0x13A0 && r <= 0x13FD) || (r >= 0xAB70 && r <= 0xABBF):
		// Cherokee folds to its uppercase letters (added to Unicode first).
		r = unicode.ToUpper(r)
	default:
		r = unicode.ToLower(unicode.ToUpper(r))
	}
	return utf8.AppendRune(b, r)
}

func isWord(r rune) bool { return unicode.IsLetter(r) || unicode.IsNumber(r) }

func main() {
	if len(os.Args) < 2 || len(os.Args) > 3 {
		fmt.Fprintln(os.Stderr, "usage: wordfreq FILE [TOP]")
		os.Exit(2)
	}
	top := 20
	if len(os.Args) > 2 {
		n, err := strconv.Atoi(os.Args[2])
		if err != nil || n < 0 {
			fmt.Fprintln(os.Stderr, "wordfreq: TOP must be a number >= 0")
			os.Exit(2)
		}
		top = n
	}
	text, err := os.ReadFile(os.Args[1])
	if err != nil {
		fmt.Fprintln(os.Stderr, "wordfreq:", err)
		os.Exit(1)
	}

	counts := make(map[string]int)
	words := 0
	word := make([]byte, 0, 64)
	inWord := false
	for i := 0; i < len(text); {
		r, size := rune(text[i]), 1
		if r >= utf8.RuneSelf {
			r, size = utf8.DecodeRune(text[i:]) // invalid UTF-8: U+FFFD, a separator
		}
		i += size
		if isWord(r) {
			word = foldRune(word, r)
			inWord = true
		} else if inWord {
			counts[string(word)]++
			words++
			word = word[:0]
			inWord = false
		}
	}
	if inWord {
		counts[string(word)]++
		words++
	}

	type entry struct {
		word  string
		count int
	}
	all := make([]entry, 0, len(counts))
	for w, c := range counts {
		all = append(all, entry{w, c})
	}
	sort.Slice(all, func(i, j int) bool {
		if all[i].count != all[j].count {
			return all[i].count > all[j].count
		}
		return all[i].word < all[j].word
	})

	out := bufio.NewWriter(os.Stdout)
	defer out.Flush()
	fmt.Fprintf(out, "words %d\ndistinct %d\n", words, len(all))
	if top == 0 || top > len(all) {
		top = len(all)
	}
	for _, e := range all[:top] {
		fmt.Fprintf(out, "%d %s\n", e.count, e.word)
	}
}
