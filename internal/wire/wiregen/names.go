// Copyright 2026 The kanri Authors
// SPDX-License-Identifier: Apache-2.0

package wiregen

import (
	"html"
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"
)

// exported returns name with its first letter upper-cased, so that a
// model name such as "policyScopeType" or "key" becomes a Go export.
func exported(name string) string {
	r, n := utf8.DecodeRuneInString(name)
	if unicode.IsUpper(r) {
		return name
	}
	return string(unicode.ToUpper(r)) + name[n:]
}

// lowerFirst returns name with its first letter lower-cased, as AWS spells
// member names in validation messages ("SAMLOptions" → "sAMLOptions").
func lowerFirst(name string) string {
	r, n := utf8.DecodeRuneInString(name)
	return string(unicode.ToLower(r)) + name[n:]
}

// enumName returns the Go name of an enum value: its alphanumeric words,
// each capitalized, with all-caps words title-cased ("RSAES_OAEP_SHA_1" →
// "RsaesOaepSha1", "AWS::EC2::Instance" → "AwsEc2Instance", "SecureString"
// unchanged), as aws-sdk-go-v2 names them.
func enumName(value string) string {
	words := strings.FieldsFunc(value, func(r rune) bool {
		return !(r < utf8.RuneSelf && (unicode.IsLetter(r) || unicode.IsDigit(r)))
	})
	var b strings.Builder
	for _, w := range words {
		if w == strings.ToUpper(w) {
			w = strings.ToLower(w)
		}
		b.WriteString(exported(w))
	}
	return b.String()
}

var (
	blockTag  = regexp.MustCompile(`(?i)</?(p|li|ul|ol|br|note|important|dd|dt|dl|div|h[1-6]|pre|table|tr|td|th)\b[^>]*>`)
	anyTag    = regexp.MustCompile(`<[^>]*>`)
	spaces    = regexp.MustCompile(`\s+`)
	sentences = regexp.MustCompile(`[.!?]\s+\(?[A-Z0-9"'<]`)
)

// abbreviations end with a period that does not end a sentence.
var abbreviations = []string{"e.g.", "i.e.", "etc.", "vs.", "approx.", "Inc.", "No.", "U.S."}

// firstSentence returns the first sentence of an HTML documentation string
// as plain text, or "" if there is none.
func firstSentence(doc string) string {
	s := blockTag.ReplaceAllString(doc, " ")
	s = anyTag.ReplaceAllString(s, "")
	s = html.UnescapeString(s)
	s = strings.TrimSpace(spaces.ReplaceAllString(s, " "))
	if s == "" {
		return ""
	}
	from := 0
	for {
		loc := sentences.FindStringIndex(s[from:])
		if loc == nil {
			break
		}
		end := from + loc[0] + 1 // just after the punctuation
		if !endsWithAbbreviation(s[:end]) {
			s = s[:end]
			break
		}
		from = end
	}
	s = strings.TrimSpace(s)
	if !strings.HasSuffix(s, ".") && !strings.HasSuffix(s, "?") && !strings.HasSuffix(s, "!") {
		s = strings.TrimRight(s, ":;, ") + "."
	}
	return s
}

func endsWithAbbreviation(s string) bool {
	for _, a := range abbreviations {
		if strings.HasSuffix(s, " "+a) || s == a || strings.HasSuffix(s, "("+a) {
			return true
		}
	}
	return false
}

// verbs are the third-person verbs model documentation often starts with;
// a sentence starting with one reads on after a name ("Key specifies …").
var verbs = map[string]bool{
	"Accepts": true, "Adds": true, "Allows": true, "Applies": true, "Associates": true,
	"Attaches": true, "Attempts": true, "Cancels": true, "Changes": true, "Checks": true,
	"Completes": true, "Configures": true, "Connects": true, "Contains": true, "Controls": true,
	"Converts": true, "Copies": true, "Creates": true, "Decrypts": true, "Defines": true,
	"Deletes": true, "Denotes": true, "Deregisters": true, "Derives": true, "Describes": true,
	"Detaches": true, "Determines": true, "Disables": true, "Disassociates": true, "Disconnects": true,
	"Displays": true, "Enables": true, "Encrypts": true, "Ends": true, "Evaluates": true,
	"Gets": true, "Generates": true, "Grants": true, "Holds": true, "Identifies": true,
	"Imports": true, "Includes": true, "Indicates": true, "Initiates": true, "Limits": true,
	"Lists": true, "Looks": true, "Modifies": true, "Provides": true, "Puts": true,
	"Reconnects": true, "Records": true, "Registers": true, "Removes": true, "Replaces": true,
	"Represents": true, "Requests": true, "Resets": true, "Restores": true, "Resumes": true,
	"Retires": true, "Retrieves": true, "Returns": true, "Revokes": true, "Rotates": true,
	"Runs": true, "Schedules": true, "Searches": true, "Sends": true, "Sets": true,
	"Shows": true, "Signs": true, "Simulates": true, "Specifies": true, "Starts": true,
	"Stops": true, "Stores": true, "Summarizes": true, "Terminates": true,
	"Tracks": true, "Unregisters": true, "Untags": true, "Updates": true, "Uploads": true,
	"Uses": true, "Validates": true, "Verifies": true,
}

// nouns are common first words of noun-phrase documentation that read on
// after "Name is" once lower-cased.
var nouns = map[string]bool{
	"A": true, "An": true, "The": true, "Information": true, "Details": true, "Metadata": true,
	"Configuration": true, "Settings": true, "One": true, "List": true, "Name": true, "Type": true,
	"Status": true, "Number": true, "Date": true, "Time": true, "Identifier": true, "Structure": true,
	"Object": true, "Filter": true, "Filters": true, "Options": true, "Parameters": true, "Results": true,
	"Reserved": true, "Array": true, "Set": true, "Key": true, "Value": true, "Values": true,
	"Summary": true, "Contents": true, "Content": true, "Description": true, "Message": true,
	"Maximum": true, "Minimum": true, "Unique": true, "User-defined": true, "Optional": true,
	"Detailed": true, "Specific": true, "Additional": true, "Pagination": true, "Token": true,
}

// describe returns a doc comment sentence about name from a documentation
// sentence of the model, starting with name as Go doc comments do.
func describe(name, sentence string) string {
	first, rest, _ := strings.Cut(sentence, " ")
	switch {
	case sentence == "":
		return ""
	case verbs[first]:
		return name + " " + strings.ToLower(first[:1]) + first[1:] + " " + rest
	case first == "Whether":
		return name + " reports whether " + rest
	case nouns[first]:
		return name + " is " + strings.ToLower(first[:1]) + first[1:] + " " + rest
	default:
		return name + ": " + sentence
	}
}

// wrap formats text as a // comment wrapped at about 80 columns, each line
// prefixed by indent.
func wrap(indent, text string) string {
	var b strings.Builder
	line := 0
	for i, w := range strings.Fields(text) {
		if i == 0 || line+1+len(w) > 77-len(indent) {
			if i > 0 {
				b.WriteString("\n")
			}
			b.WriteString(indent + "//")
			line = 0
		}
		b.WriteString(" " + w)
		line += 1 + len(w)
	}
	b.WriteString("\n")
	return b.String()
}
