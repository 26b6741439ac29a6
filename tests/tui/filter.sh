#!/usr/bin/env bash
# tests/tui/filter.sh POPCONN - the list's filter over 1,230 profiles in
# three groups: a filter matching 1,200, one matching 100 and one matching
# 30 (by address) each show every match under its group with the right
# counts, from the first match to the last (End).
here=$(cd "$(dirname "$0")" && pwd)
. "$here/tuilib.sh" "$1"
trap tui_cleanup EXIT

awk 'BEGIN {
	print "["
	for (i = 0; i < 1200; i++)
		printf "{\"name\":\"bulk%04d\",\"group\":\"g%d\",\"address\":\"pop%d.example.com\"},\n", i, i % 2, i % 7
	for (i = 0; i < 30; i++)
		printf "{\"name\":\"odd%02d\",\"group\":\"z\",\"address\":\"mail.example.org\"}%s\n", i, i < 29 ? "," : ""
	print "]"
}' >"$TUI_T/seed.json"
run pc import "$TUI_T/seed.json"
expect_eq "$RC" 0 "1,230 profiles imported"

tui_start A
tui_wait A '1,230 profiles$' 10
tui_expect A '1,230 profiles$' "the list counts 1,230 profiles"

tui_keys A /
tui_type A 'bulk'
tui_keys A Enter
tui_expect A 'filter "bulk": 1,200 of 1,230$' "bulk: all 1,200 counted" 10
tui_expect A 'g0 \(600\)' "the first group heading counts its 600"
tui_expect A 'bulk0000 ' "the first match is on screen"
tui_keys A End
tui_expect A 'bulk1199 ' "End reaches the last of the 1,200"
tui_expect_not A 'odd[0-9]' "the profiles that do not match stay hidden"
tui_keys A Escape
tui_expect A '1,230 profiles$' "Esc clears the filter"

tui_keys A /
tui_type A 'bulk11'
tui_keys A Enter
tui_expect A 'filter "bulk11": 100 of 1,230$' "bulk11: 100 matches" 10
tui_expect A 'g0 \(50\)' "g0 holds 50 of them"
tui_keys A End
tui_expect A 'bulk1199 ' "End reaches bulk1199, the last of them"
tui_keys A Escape /
tui_type A 'mail.example'
tui_keys A Enter
tui_expect A 'filter "mail.example": 30 of 1,230$' "an address matches 30" 10
tui_expect A 'z \(30\)' "all in group z"
tui_expect_not A 'bulk' "none of the others"
tui_keys A q
finish
