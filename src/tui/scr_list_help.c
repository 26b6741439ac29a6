/*
 * scr_list_help.c - the help screen (?): one table of lines for each
 * context (the list, the editor, the test logon, bulk edit), shown in the
 * text viewer with headings and the trace colours' legend in their roles.
 */
#include <stdlib.h>
#include <string.h>

#include "tui_int.h"

static const char *const scr_list_help_list[] = {
	"\001NThe connection list",
	"",
	"  Up/Down, j/k       move (also ^N/^P)",
	"  PgUp/PgDn, Home/End  a page up/down, first/last row (^B/^F, < >)",
	"  Enter, e           edit the profile under the cursor",
	"  Left/Right, h/l    fold/unfold the group (Enter on its heading too)",
	"  n                  new profile (choose a preset or a blank one)",
	"  t                  test logon of the profile; with marks: test",
	"                     every marked one; on a group heading: the group",
	"  Space              mark or unmark a profile; on a group heading,",
	"                     mark or unmark the whole group",
	"  g                  mark or unmark the group of the cursor",
	"  b                  bulk edit of the marked profiles (or the group",
	"                     heading under the cursor)",
	"  u                  undo the last bulk change",
	"  d                  delete the profile (or the marked ones); asks",
	"  /                  filter by name, group, address or user name;",
	"                     Enter keeps the filter, Esc clears it",
	"  Esc                clear the filter, then the marks",
	"  ^L                 repaint the screen",
	"  ^O                 the recent messages in full (on every screen)",
	"  s                  sort within each group: by name, by last result",
	"                     (failed first), by certificate days left",
	"                     (soonest first), by test age (oldest first)",
	"  q                  quit",
	"",
	"The filter takes words and terms together; each must hold:",
	"  word               name, group, address or user name holds it",
	"  status:failed      the last test failed (status:ok, status:untested,",
	"                     status:auth_failed or any other diagnosis)",
	"  cert<30            the certificate has under 30 days left (also",
	"                     cert<=N, cert>N, cert>=N; cert<0: expired)",
	"  untested>7d        never tested, or not for 7 days (h, d, w)",
	"  group:NAME         in that group (group: alone: without a group)",
	"",
	"The Cert column shows the days left on the certificate the last test",
	"saw (\"-\" when none):",
	"\002e  -3d                 it has expired",
	"\002w  12d                 under 30 days left",
	"",
	"The last test column shows the diagnosis of the last test logon and",
	"how long ago it ran, in its colour:",
	"\002o  ok 5m               the last test logon succeeded",
	"\002e  auth_failed 2h      it failed (the diagnosis)",
	"\002d  not tested          no test logon yet",
	"\002w  ssl!                certificate checks are off",
	NULL
};

static const char *const scr_list_help_edit[] = {
	"\001NThe profile editor",
	"",
	"  Tab, Down          next field        Shift-Tab, Up   previous field",
	"  PgDn, ^N           next tab          PgUp, ^P        previous tab",
	"  Space, Left/Right  change a choice, tick a box, switch yes/no",
	"  Enter              on a choice: the list of choices",
	"  ^R                 show or hide the password being typed",
	"  ^U                 clear the field",
	"  ^S                 save (refused while a field is invalid: the",
	"                     field is marked with ! and its message shows)",
	"  ^T                 test logon with the values on screen (saved",
	"                     or not)",
	"  ^Y, F6             Authenticate: the OAuth2 device login of a saved",
	"                     profile with oauth_flow=device (Esc cancels)",
	"  Esc                close (asks when there are unsaved changes)",
	"  ^O                 the recent messages in full",
	"  ^G                 this help",
	"",
	"The port follows the cryptographic protocol (110 for none and TLS,",
	"995 for SSL) while it holds the old one's default and you have not",
	"typed one; on a saved profile the status line says so. STLS on 995",
	"and SSL on 110 are warned about.",
	"Allowed SSL/TLS versions the TLS library cannot offer show as [-];",
	"the status line says why when the cursor is on one.",
	NULL
};

static const char *const scr_list_help_logon[] = {
	"\001NThe test logon",
	"",
	"  Up/Down, PgUp/PgDn scroll the trace (End follows the end again)",
	"  Esc                cancel the running test; close when it is done",
	"  s                  save the trace to a file (asks for the path)",
	"  r                  run the test again",
	"  t                  run it again trusting the capabilities the last",
	"                     test saw (no CAPA: one round trip less)",
	"  h                  every recorded result of this profile",
	"  p                  after cert_untrusted or cert_name_mismatch:",
	"                     pin the certificate shown (asks first, showing",
	"                     its whole SHA-256 fingerprint)",
	"  ^O                 the recent messages in full",
	"",
	"The trace in its colours:",
	"\002c  C: USER alice       what popconn sent",
	"\002s  S: +OK ready        what the server answered",
	"\002n  ** connected        network and TLS steps",
	"\002i  .. auto: chose      decisions and states",
	"\002e  !! result: ...      errors",
	"",
	"Passwords, tokens and digests never appear: the trace shows",
	"<redacted> in their place.  Server text is shown escaped (\\xNN), so",
	"it cannot change the terminal.",
	NULL
};

static const char *const scr_list_help_bulk[] = {
	"\001NBulk edit",
	"",
	"Every field starts \"(unchanged)\".  Set the ones to change:",
	"  typing, Space or Left/Right changes a field; ^X makes it unchanged",
	"  Tab/Shift-Tab, PgDn/PgUp (^N/^P) move between fields and tabs",
	"  ^S                 preview: every profile and field that will",
	"                     change; then y applies it all as one transaction",
	"  Esc                leave without changing anything",
	"",
	"u in the list undoes the last bulk change.",
	NULL
};

/*
 * A legend line ("\002" and a letter) is drawn in the role it explains,
 * so the help shows the colours themselves (and, under NO_COLOR, the
 * attributes that stand in for them).
 */
static enum tui_role
scr_list_help_role(char c)
{
	switch (c) {
	case 'c':
		return TUI_R_TR_CLIENT;
	case 's':
		return TUI_R_TR_SERVER;
	case 'n':
		return TUI_R_TR_NET;
	case 'i':
		return TUI_R_TR_INFO;
	case 'e':
		return TUI_R_ERROR;
	case 'o':
		return TUI_R_OK;
	case 'd':
		return TUI_R_DIM;
	case 'w':
		return TUI_R_WARN;
	}
	return TUI_R_NORMAL;
}

void
scr_list_help(struct tui *t, const char *context)
{
	const char *const *src = scr_list_help_list;
	char **lines;
	int n = 0, i;

	if (strcmp(context, "edit") == 0)
		src = scr_list_help_edit;
	else if (strcmp(context, "logon") == 0)
		src = scr_list_help_logon;
	else if (strcmp(context, "bulk") == 0)
		src = scr_list_help_bulk;
	while (src[n] != NULL)
		n++;
	lines = xcalloc((size_t)n, sizeof *lines);
	for (i = 0; i < n; i++) {
		if (src[i][0] == '\001')
			lines[i] = wdg_menu_view_line(TUI_R_HEADING, "%s",
			    src[i] + 2);
		else if (src[i][0] == '\002')
			lines[i] = wdg_menu_view_line(scr_list_help_role(
			    src[i][1]), "%s", src[i] + 2);
		else
			lines[i] = xstrdup(src[i]);
	}
	wdg_menu_view_open(t, "popconn help", lines, n, NULL, 0, NULL, NULL);
	for (i = 0; i < n; i++)
		free(lines[i]);
	free(lines);
}
