#!/bin/bash
# doc-commands.sh DOC SCRIPT...: every command DOC marks "# (VM)" in its
# ```sh blocks is one that a test script runs: some line of a SCRIPT holds
# it, token for token. So a doc that says "run as written in the VM" cannot
# drift from what the scenarios run (and pass) in CI.
#
# Every other command line in those blocks is an error: a doc command
# nothing runs is not known to work.
#
# Matching, token by token after joining "\" continuations and dropping
# quotes: <like-this> in a doc token stands for anything (one token: no
# blank inside); a shell variable in a script token ($x, ${x%y}) matches
# anything, but a token that is a variable alone only a value (not the
# command, an option or an operator); a command substitution $(...) counts as the command inside it;
# redirections in the script (>f, 2>&1, <f) are skipped, as is anything
# before or after the command on its line.
# Exit status 0 when every command is marked and found; 1 naming those
# that are not; 2 for bad usage or a DOC with no marked command.
set -euo pipefail

usage() {
	echo "usage: $0 DOC SCRIPT..." >&2
	echo "  checks that each command DOC marks '# (VM)' is run by one of the SCRIPTs" >&2
	exit 2
}
[ "${1:-}" = --help ] && usage
[ $# -ge 2 ] || usage
doc=$1
shift

awk '
# Quotes dropped, "$(" and ")" made blanks (a command substitution is the
# command it runs), blanks squeezed.
function norm(s) {
	gsub(/["\047]/, "", s); gsub(/\$\(|\)/, " ", s)
	gsub(/[ \t]+/, " ", s); sub(/^ /, "", s); sub(/ $/, "", s)
	return s
}
# A token as a regex in which the parts that RE matches stand for anything.
function wild(t, re,   r) {
	r = t
	gsub(re, "\001", r)
	gsub(/[.+?^|\[\]\\{}()*$]/, "\\\\&", r)
	gsub(/\001/, ".*", r)
	return "^" r "$"
}
# Does doc token DOC (the command name when FIRST) match script token SCRIPT?
# A script token that is a variable alone stands for a value: never for the
# command, an option or an operator.
function same(doc, script, first) {
	if (doc == script) return 1
	if (doc ~ /<[^>]*>/) return script ~ wild(doc, "<[^>]*>")
	if (script !~ /\$/) return 0
	if (script ~ /^\$([A-Za-z_0-9@*#]+|\{[^}]*\})$/)
		return !first && doc !~ /^-|^[&|!;]+$/
	return doc ~ wild(script, "\\$\\{[^}]*\\}|\\$[A-Za-z_][A-Za-z_0-9]*")
}
function redirection(t) { return t ~ /^[0-9]*[<>]/ }
FNR == 1 { file++; cont = "" }
{
	line = $0
	if (line ~ /\\$/) { sub(/\\$/, "", line); cont = cont line " "; next }
	line = cont line; cont = ""
	if (file == 1) {
		if (line ~ /^```sh/) { insh = 1; next }
		if (line ~ /^```/) { insh = 0; next }
		if (!insh || line ~ /^[ \t]*(#|$)/) next
		if (line !~ /# \(VM\)/) { unmarked[++nunmarked] = norm(line); next }
		sub(/#[^#]*\(VM\).*$/, "", line)
		cmds[++ncmd] = norm(line)
	} else {
		n = split(norm(line), tok, " ")
		m = 0
		for (i = 1; i <= n; i++) if (!redirection(tok[i])) sline[nlines, ++m] = tok[i]
		slen[nlines] = m
		where[nlines++] = FILENAME ":" FNR
	}
}
END {
	if (!ncmd) { print "doc-commands: no command marked (VM) in " ARGV[1] > "/dev/stderr"; exit 2 }
	for (c = 1; c <= nunmarked; c++) printf "  NOT MARKED (VM), so not known to run: %s\n", unmarked[c]
	for (c = 1; c <= ncmd; c++) {
		k = split(cmds[c], want, " ")
		found = ""
		for (l = 0; l < nlines && !found; l++)
			for (s = 1; s + k - 1 <= slen[l] && !found; s++) {
				for (j = 1; j <= k && same(want[j], sline[l, s + j - 1], j == 1); j++)
					;
				if (j > k) found = where[l]
			}
		if (found) printf "  run: %s  (%s)\n", cmds[c], found
		else { printf "  NOT RUN by any test: %s\n", cmds[c]; missing++ }
	}
	printf "%d of %d commands in %s are run by the scenarios\n", ncmd - missing, ncmd + nunmarked, ARGV[1]
	exit missing + nunmarked > 0
}' "$doc" "$@"
