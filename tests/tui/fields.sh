#!/usr/bin/env bash
# tests/tui/fields.sh POPCONN - the editor's rules on screen: an invalid
# port is refused with its message and Save is refused while it stands;
# the port rule on a new profile (security moves the port until the user
# types one); fields hidden and shown as security, proxy type and proxy
# credentials change; a saved profile's port moves with security only from
# one default to the other, says so, and STLS on 995 is warned about.
here=$(cd "$(dirname "$0")" && pwd)
. "$here/tuilib.sh" "$1"

tui_start A
tui_wait A 'No connection profiles yet'
tui_keys A n Enter
tui_expect A 'New profile' "a blank new profile"
tui_type A 'rules'
tui_keys A PgDn
tui_expect A 'Port +995 *$' "a new profile starts with SSL on port 995"

# --- port rule --------------------------------------------------------------
tui_keys A Tab Tab Tab Tab		# address port username password -> security
tui_keys A Space
tui_expect A 'Cryptographic protocol +TLS' "Space cycles security to TLS"
tui_expect A 'Port +110 *$' "port rule: TLS on a new profile moves the port to 110"
tui_keys A Space
tui_expect A 'Cryptographic protocol +No encryption' "Space cycles to none"
tui_expect A 'Port +110 *$' "none keeps 110"
tui_expect_not A 'Allowed SSL/TLS versions' "TLS versions hidden when security is none"
tui_expect_not A 'Certificate check' "certificate check hidden when security is none"
tui_keys A Left
tui_expect A 'Cryptographic protocol +TLS' "Left cycles back"
tui_expect A 'Allowed SSL/TLS versions' "TLS versions shown again"
tui_expect A '\[-\] SSL version 2' "SSL 2 is shown as unavailable"
tui_keys A Left
tui_expect A 'Cryptographic protocol +SSL' "Left again: SSL"
tui_expect A 'Port +995 *$' "SSL moves the port back to 995"
tui_result A edit_ssl

# A typed port is never moved.
tui_keys A Up Up Up
tui_keys A C-u
tui_type A '2995'
tui_keys A Tab Tab Tab
tui_keys A Right
tui_expect A 'Cryptographic protocol +TLS' "security changed after typing a port"
tui_expect A 'Port +2995 *$' "port rule: a typed port is kept"

# --- invalid port -------------------------------------------------------------
tui_keys A Up Up Up
tui_keys A C-u
tui_type A '70000'
tui_keys A Tab
tui_expect A "^! Port +70000" "the invalid port is marked"
tui_expect A "'70000' is not a port number from 1 to 65535" "with its message under it"
tui_expect A 'Connection!' "the tab shows it holds an error"
tui_result A edit_bad_port
tui_keys A C-s
tui_expect A 'not saved: 2 fields to fix \(address, port\)' "Save is refused while fields are invalid"
tui_expect A '^! Address *$' "the address is marked"
tui_expect A '^ +required$' "as required"
run pc show rules
expect_rc 3 "nothing was saved"
tui_type A 'pop.example.org'
tui_expect A '^! Address +pop.example.org' "the cursor went to the first invalid field"
tui_keys A Tab
tui_keys A C-u
tui_type A '0'
tui_keys A Tab
tui_expect A 'must be from 1 to 65535|not a port number' "port 0 is refused too"
tui_keys A BTab
tui_keys A C-u
tui_type A '1995'
tui_keys A Tab
tui_gone A '^! Port' 3
tui_expect_not A '^!' "no field is marked once the port is fixed"
tui_keys A C-s
tui_expect A 'created "rules"' "Save works once everything is valid"
run pc show rules --json
expect_out '"port": 1995' "the saved port"
expect_out '"security": "tls"' "the saved security"

# A saved profile's port never moves by itself.
tui_keys A Down Down
tui_keys A Space
tui_expect A 'Cryptographic protocol +No encryption' "security changed on the saved profile"
tui_expect A 'Port +1995 *$' "a saved profile's port stays"

# --- proxy fields ----------------------------------------------------------------
tui_keys A PgDn PgDn
tui_expect A 'Proxy type +None' "the proxy tab"
tui_expect_not A 'Use credentials' "proxy fields hidden without a proxy"
tui_keys A Space
tui_expect A 'Proxy type +SOCKS4$' "Space picks SOCKS4"
tui_expect A 'Use credentials +\[ \] no' "proxy fields shown with a proxy"
tui_expect_not A 'Domain' "no domain without credentials"
tui_keys A Tab Tab Tab Space
tui_expect A 'Use credentials +\[x\] yes' "credentials ticked"
tui_expect A 'Username' "the user name shows"
tui_expect_not A '^  Password' "SOCKS4 carries no password"
tui_expect_not A 'Domain' "the domain is for HTTP only"
tui_keys A BTab BTab BTab Enter
tui_expect A '─ Proxy type ─' "Enter on a choice pops the list"
tui_keys A End Enter
tui_expect A 'Proxy type +HTTP \(CONNECT\)' "the list picked HTTP"
tui_expect A 'Domain' "HTTP with credentials shows the domain"
tui_expect A '^  Password' "and the password"
tui_result A edit_proxy_http
tui_keys A Escape
tui_expect A 'Unsaved changes' "Esc asks when there are unsaved changes"
tui_keys A d
tui_expect A 'rules +pop.example.org +1995 tls' "Discard leaves the saved profile as it was"

# --- port rule on a saved profile -----------------------------------------------
# Security moves a port that holds the old mode's default, and says so;
# STLS on 995 is warned about; what is saved is what is shown.
pc add std110 address=pop.example.net security=none >/dev/null
tui_keys A /
tui_type A std110
tui_keys A Enter
tui_expect A 'std110 +pop.example.net +110 none' "the saved profile on 110 is listed" 8
tui_keys A Enter PgDn Tab Tab Tab Tab
tui_expect A 'Cryptographic protocol +No encryption' "its security is none"
tui_keys A Left Left
tui_expect A 'Cryptographic protocol +SSL' "security changed to SSL on the saved profile"
tui_expect A 'Port +995 *$' "port rule: the saved profile's default port follows to 995"
tui_expect A 'port 110 -> 995: the default port follows security' "and the editor says so"
tui_keys A Right
tui_expect A 'Cryptographic protocol +TLS' "security back to TLS"
tui_expect A 'Port +110 *$' "the port follows back to 110"
tui_keys A Up Up Up C-u
tui_type A '995'
tui_keys A Tab
tui_expect A 'security=tls sends STLS on port 995' "STLS on 995 is warned about"
tui_keys A C-s
tui_expect A 'saved "std110"' "the saved profile is saved"
run pc show std110 --json
expect_out '"port": 995' "std110: the typed port is saved"
expect_out '"security": "tls"' "std110: with STLS"
tui_keys A Escape
tui_keys A q
tui_expect A '\[popconn exit 0\]' "q quits with status 0"
finish
