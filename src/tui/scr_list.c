/*
 * scr_list.c - the connection list, popconn's home screen: profiles under
 * group headings with address, port, security, the days left on the
 * certificate and the last test result with its age; "/" filters (with a
 * match count; plain words and the terms of store_filter_parse), s cycles
 * the order within each group (name, last result, certificate days left,
 * test age), Space marks, "g" (or Space on a
 * heading) marks a whole group, and the keys that act on the cursor or
 * the marked set: n new (from a preset), Enter/e edit, t test, b bulk edit,
 * d delete, u undo the last bulk change, ? help, q quit.
 *
 * It reads only what is on screen: group counts come from store_groups (or
 * one count per group under a filter) and the rows from store_list_page,
 * one page per redraw that moves, so 100,000 profiles scroll as quickly as
 * ten.  Under a sort other than by name every page would sort the whole
 * listing: the order is read once per reload as row ids (store_list_ids)
 * and each page by id.  Rows are virtual: each group is a heading row followed by its
 * profiles, and a row maps to a position in the store's listing order
 * (group, name), which is also the order of store_groups.
 *
 * Marks are a set of names (case-insensitive), so they survive scrolling,
 * filtering and reloading.
 */
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <wctype.h>

#include "popconn/diag.h"
#include "popconn/presets.h"
#include "popconn/str.h"
#include "tui_int.h"

/* ---- the set of marked names ----------------------------------------- */

struct scr_list_marks {
	char		**slot;		/* NULL empty, scr_list_tomb deleted */
	size_t		 cap;		/* power of two */
	size_t		 n;
	size_t		 used;		/* n + tombstones */
};

static char scr_list_tomb[] = "";

static uint64_t
scr_list_hash(const char *s)
{
	uint64_t h = 1469598103934665603ULL;	/* FNV-1a, ASCII-folded */
	unsigned char c;

	for (; *s != '\0'; s++) {
		c = (unsigned char)*s;
		if (c >= 'A' && c <= 'Z')
			c = (unsigned char)(c - 'A' + 'a');
		h = (h ^ c) * 1099511628211ULL;
	}
	return h;
}

/* Slot of name, or of the empty slot where it would go. */
static size_t
scr_list_marks_find(const struct scr_list_marks *m, const char *name,
    bool *found)
{
	size_t i, tomb = (size_t)-1;

	i = scr_list_hash(name) & (m->cap - 1);
	for (;;) {
		if (m->slot[i] == NULL) {
			*found = false;
			return tomb != (size_t)-1 ? tomb : i;
		}
		if (m->slot[i] == scr_list_tomb) {
			if (tomb == (size_t)-1)
				tomb = i;
		} else if (str_ieq(m->slot[i], name)) {
			*found = true;
			return i;
		}
		i = (i + 1) & (m->cap - 1);
	}
}

static bool
scr_list_marked(const struct scr_list_marks *m, const char *name)
{
	bool found;

	if (m->n == 0)
		return false;
	scr_list_marks_find(m, name, &found);
	return found;
}

static void scr_list_marks_add(struct scr_list_marks *m, const char *name);

static void
scr_list_marks_grow(struct scr_list_marks *m)
{
	char **old = m->slot;
	size_t oldcap = m->cap, i;

	m->cap = m->cap ? m->cap * 2 : 64;
	while (m->n * 2 >= m->cap)
		m->cap *= 2;
	m->slot = xcalloc(m->cap, sizeof *m->slot);
	m->n = m->used = 0;
	for (i = 0; i < oldcap; i++) {
		if (old[i] != NULL && old[i] != scr_list_tomb) {
			scr_list_marks_add(m, old[i]);
			free(old[i]);
		}
	}
	free(old);
}

static void
scr_list_marks_add(struct scr_list_marks *m, const char *name)
{
	size_t i;
	bool found;

	if ((m->used + 1) * 2 >= m->cap)
		scr_list_marks_grow(m);
	i = scr_list_marks_find(m, name, &found);
	if (found)
		return;
	if (m->slot[i] == NULL)
		m->used++;
	m->slot[i] = xstrdup(name);
	m->n++;
}

static void
scr_list_marks_del(struct scr_list_marks *m, const char *name)
{
	size_t i;
	bool found;

	if (m->n == 0)
		return;
	i = scr_list_marks_find(m, name, &found);
	if (!found)
		return;
	free(m->slot[i]);
	m->slot[i] = scr_list_tomb;
	m->n--;
}

static void
scr_list_marks_clear(struct scr_list_marks *m)
{
	size_t i;

	for (i = 0; i < m->cap; i++)
		if (m->slot[i] != scr_list_tomb)
			free(m->slot[i]);
	free(m->slot);
	memset(m, 0, sizeof *m);
}

static int
scr_list_cmp(const void *a, const void *b)
{
	return strcasecmp(*(char *const *)a, *(char *const *)b);
}

/* The marked names, sorted.  Caller frees each and the array. */
static char **
scr_list_marks_names(const struct scr_list_marks *m, int *n)
{
	char **v;
	size_t i;
	int k = 0;

	v = xcalloc(m->n + 1, sizeof *v);
	for (i = 0; i < m->cap; i++)
		if (m->slot[i] != NULL && m->slot[i] != scr_list_tomb)
			v[k++] = xstrdup(m->slot[i]);
	qsort(v, (size_t)k, sizeof *v, scr_list_cmp);
	*n = k;
	return v;
}

static void
scr_list_names_free(char **v, int n)
{
	int i;

	for (i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

/* ---- state ----------------------------------------------------------- */

struct scr_list_group {
	char		*name;		/* "" = profiles without a group */
	int64_t		 count;		/* under the filter */
	int64_t		 row;		/* row of its heading */
	int64_t		 first;		/* listing position of its first */
	bool		 folded;	/* heading only: its rows hidden */
};

/* A filter matching at most this many profiles is read in one go. */
#define SCR_LIST_SMALL		20000
/* The idle look-again is skipped when a reload costs more than this. */
#define SCR_LIST_TICK_MAX_MS	250

struct scr_list_row {
	int		 group;
	struct profile	*p;		/* NULL on a heading */
	int64_t		 cert;		/* certificate end; 0 = unknown */
};

struct scr_list {
	struct tui_screen *s;
	struct scr_list_group *groups;
	int		 ngroups;
	int64_t		 nrows;
	int64_t		 nmatch;	/* profiles under the filter */
	int64_t		 ntotal;	/* profiles in the database */
	int64_t		 cur;
	int64_t		 top;
	int		 page;		/* rows shown */
	char		*filter;	/* NULL = none */
	enum store_sort	 sort;		/* s cycles it */
	int64_t		 now;		/* clock of the last reload: the
					   filter's terms count from it */
	bool		 filtering;	/* typing the filter */
	char		*typed;		/* filter typed, not applied yet */
	uint64_t	 gen;		/* tui gen of the last reload */
	bool		 loaded;
	/* Rows [cache_top, cache_top + ncache) as read from the store. */
	struct scr_list_row *cache;
	int		 ncache;
	int64_t		 cache_top;
	struct store_list *pages;	/* own the cached profiles: one */
	int		 npages;	/* read per run of listing positions */
	struct store_list all;		/* every match of a small filter */
	/* Under a sort other than by name (and not a small filter): the
	 * row ids of the whole listing in its order, sorted once per
	 * reload; pages are read by id. */
	int64_t		*ids;
	int64_t		 nids;
	int64_t		 keep_id;	/* row id of the reload's keep, when
					   the caller knows it; 0 = not */
	int64_t		 reload_ms;	/* how long the last reload took */
	struct scr_list_marks marks;
	struct scr_list_marks folded;	/* names of the folded groups */
	char		*err;		/* last store error, shown in place */
	/* The marked set split by the filter, while a dialog asks which. */
	char		**shown;	/* marks the filter shows, sorted */
	int		 nshown;
	char		**hidden;	/* marks the filter hides, sorted */
	int		 nhidden;
	int64_t		 undo_id;	/* the bulk change the undo dialog
					   shows */
};

static const char *scr_list_filter_text(const struct scr_list *l);

/* The store's view of the list: group (NULL = all) under its filter,
 * in its order. */
static struct store_filter
scr_list_filter(const struct scr_list *l, const char *group)
{
	struct store_filter f = { .group = group };

	f.text = l->filter;
	f.sort = l->sort;
	f.now = l->now;
	return f;
}

static void
scr_list_cache_drop(struct scr_list *l)
{
	int i;

	for (i = 0; i < l->npages; i++)
		store_list_cleanup(&l->pages[i]);
	free(l->pages);
	l->pages = NULL;
	l->npages = 0;
	free(l->cache);
	l->cache = NULL;
	l->ncache = 0;
	l->cache_top = -1;
}

static void
scr_list_groups_free(struct scr_list *l)
{
	int i;

	for (i = 0; i < l->ngroups; i++)
		free(l->groups[i].name);
	free(l->groups);
	l->groups = NULL;
	l->ngroups = 0;
}

/* The group holding row r (binary search on heading rows). */
static int
scr_list_group_of(const struct scr_list *l, int64_t r)
{
	int lo = 0, hi = l->ngroups - 1, mid;

	while (lo < hi) {
		mid = (lo + hi + 1) / 2;
		if (l->groups[mid].row <= r)
			lo = mid;
		else
			hi = mid - 1;
	}
	return lo;
}

/* Listing position of the profile on row r, or -1 for a heading. */
static int64_t
scr_list_pos_of(const struct scr_list *l, int64_t r, int *group)
{
	int g;

	if (l->ngroups == 0 || r < 0 || r >= l->nrows) {
		*group = -1;
		return -1;
	}
	g = scr_list_group_of(l, r);
	*group = g;
	if (r == l->groups[g].row)
		return -1;
	return l->groups[g].first + (r - l->groups[g].row - 1);
}

/* Row of the profile at listing position pos (its heading when its
 * group is folded). */
static int64_t
scr_list_row_of(const struct scr_list *l, int64_t pos)
{
	int g;

	for (g = 0; g < l->ngroups; g++)
		if (pos < l->groups[g].first + l->groups[g].count)
			return l->groups[g].folded ? l->groups[g].row :
			    l->groups[g].row + 1 + (pos - l->groups[g].first);
	return l->nrows - 1;
}

static void
scr_list_error(struct tui *t, const char *what, enum pc_err rc, char *cause)
{
	char *s = tui_write_cause(t, rc, cause);

	tui_msg(t, TUI_MSG_ERROR, "%s: %s", what, s);
	free(s);
}

static void	scr_list_scroll(struct scr_list *);
static void	scr_list_fetch(struct tui *, struct scr_list *);

/*
 * The profile on the cursor's row (NULL on a heading).  The rows are read
 * again first when a reload dropped them since the last draw, so a key
 * that arrives in the same turn as the reload still finds its profile.
 */
static struct profile *
scr_list_cur_profile(struct tui *t, struct scr_list *l)
{
	int64_t i = l->cur - l->cache_top;

	if (l->cache == NULL || i < 0 || i >= l->ncache) {
		scr_list_scroll(l);
		scr_list_fetch(t, l);
		i = l->cur - l->cache_top;
	}
	if (l->cache == NULL || i < 0 || i >= l->ncache)
		return NULL;
	return l->cache[i].p;
}

/* Append a group to the row layout. */
static void
scr_list_group_add(struct scr_list *l, char *name, int64_t count,
    int64_t *row, int64_t *pos)
{
	struct scr_list_group *g;

	l->groups = xreallocarray(l->groups, (size_t)l->ngroups + 1,
	    sizeof *l->groups);
	g = &l->groups[l->ngroups++];
	g->name = name;
	g->count = count;
	g->row = *row;
	g->first = *pos;
	g->folded = scr_list_marked(&l->folded, name);
	*row += 1 + (g->folded ? 0 : count);
	*pos += count;
}

static void
scr_list_set_err(struct scr_list *l, enum pc_err rc, char *cause)
{
	free(l->err);
	l->err = xstrdup(cause != NULL ? cause : pc_err_str(rc));
	free(cause);
}

/*
 * Under a filter that matches few profiles, read them all in one query
 * and count the groups from them: one scan instead of one per group, and
 * scrolling needs no query at all.
 */
static bool
scr_list_reload_small(struct tui *t, struct scr_list *l, int64_t *row,
    int64_t *pos)
{
	struct store_filter f = scr_list_filter(l, NULL);
	char *cause = NULL;
	const char *g, *prev = NULL;
	int64_t n = 0, cnt = 0;
	enum pc_err rc;
	int i;

	rc = store_count_filter(t->st, &f, &n, &cause);
	if (rc) {
		scr_list_set_err(l, rc, cause);
		return true;
	}
	if (n > SCR_LIST_SMALL)
		return false;
	rc = store_list_page(t->st, &f, 0, (int)n, &l->all, &cause);
	if (rc) {
		scr_list_set_err(l, rc, cause);
		return true;
	}
	for (i = 0; i < l->all.n; i++) {
		g = l->all.v[i]->group != NULL ? l->all.v[i]->group : "";
		if (prev != NULL && !str_ieq(prev, g)) {
			scr_list_group_add(l, xstrdup(prev), cnt, row, pos);
			cnt = 0;
		}
		prev = g;
		cnt++;
	}
	if (prev != NULL)
		scr_list_group_add(l, xstrdup(prev), cnt, row, pos);
	return true;
}

/* Re-read the groups and counts; keep the cursor on keep when given. */
static void
scr_list_reload(struct tui *t, struct scr_list *l, const char *keep)
{
	struct store_group_list gl = { NULL, 0 };
	struct store_filter f = { .group = NULL };
	char *cause = NULL, *keep_copy;
	int64_t row = 0, pos = 0, cnt, kp, t0 = tui_now_ms();
	enum pc_err rc;
	bool first_load;
	int i;

	first_load = !l->loaded;
	keep_copy = keep != NULL ? xstrdup(keep) : NULL;
	scr_list_cache_drop(l);
	scr_list_groups_free(l);
	store_list_cleanup(&l->all);
	free(l->ids);
	l->ids = NULL;
	l->nids = 0;
	l->nrows = l->nmatch = 0;
	l->loaded = true;
	l->gen = t->gen;
	l->now = (int64_t)time(NULL);
	free(l->err);
	l->err = NULL;
	rc = store_count(t->st, NULL, &l->ntotal, &cause);
	if (rc) {
		scr_list_set_err(l, rc, cause);
		goto out;
	}
	if (l->filter != NULL && scr_list_reload_small(t, l, &row, &pos))
		goto done;
	rc = store_groups(t->st, &gl, &cause);
	if (rc) {
		scr_list_set_err(l, rc, cause);
		goto out;
	}
	for (i = 0; i < gl.n; i++) {
		cnt = gl.v[i].count;
		if (l->filter != NULL) {
			f = scr_list_filter(l, gl.v[i].name);
			rc = store_count_filter(t->st, &f, &cnt, &cause);
			if (rc) {
				scr_list_set_err(l, rc, cause);
				cause = NULL;
				cnt = 0;
			}
		}
		if (cnt == 0)
			continue;
		scr_list_group_add(l, gl.v[i].name, cnt, &row, &pos);
		gl.v[i].name = NULL;
	}
	store_group_list_cleanup(&gl);
	if (l->sort != STORE_SORT_NAME) {
		f = scr_list_filter(l, NULL);
		rc = store_list_ids(t->st, &f, &l->ids, &l->nids, &cause);
		if (rc)
			scr_list_set_err(l, rc, cause);
	}
done:
	l->nrows = row;
	l->nmatch = pos;
	if (keep_copy != NULL && l->ids != NULL && l->keep_id != 0) {
		/* The order is in memory: no second sort to find it. */
		for (kp = 0; kp < l->nids; kp++)
			if (l->ids[kp] == l->keep_id) {
				l->cur = scr_list_row_of(l, kp);
				break;
			}
	} else if (keep_copy != NULL) {
		f = scr_list_filter(l, NULL);
		if (store_position(t->st, &f, keep_copy, &kp, NULL) == PC_OK)
			l->cur = scr_list_row_of(l, kp);
	}
	l->keep_id = 0;
out:
	free(keep_copy);
	if (l->cur >= l->nrows)
		l->cur = l->nrows - 1;
	if (l->cur < 0)
		l->cur = 0;
	/* On a fresh list, start on the first profile, not a heading (a
	 * later reload leaves a cursor on the first heading where it is). */
	if (first_load && l->cur == 0 && l->nrows > 1 &&
	    !l->groups[0].folded)
		l->cur = 1;
	l->reload_ms = tui_now_ms() - t0;
}

/*
 * Read the rows [top, top + page) that are not in the cache: one query per
 * run of consecutive listing positions (a folded group between two runs
 * is skipped, not read).
 */
static void
scr_list_fetch(struct tui *t, struct scr_list *l)
{
	struct store_filter f = scr_list_filter(l, NULL);
	struct store_list *pl;
	int64_t r, pos, first, next;
	char *cause = NULL;
	enum pc_err rc;
	int i, j, g, k, want;

	want = (int)(l->top + l->page > l->nrows ? l->nrows - l->top :
	    l->page);
	if (want < 0)
		want = 0;
	if (l->cache != NULL && l->cache_top == l->top && l->ncache == want)
		return;
	scr_list_cache_drop(l);
	l->cache_top = l->top;
	l->ncache = want;
	if (l->ncache == 0)
		return;
	l->cache = xcalloc((size_t)l->ncache, sizeof *l->cache);
	for (r = l->top; r < l->top + l->ncache; r++) {
		pos = scr_list_pos_of(l, r, &g);
		l->cache[r - l->top].group = g;
		/* A small filtered listing is all in memory already. */
		if (pos >= 0 && l->all.v != NULL && pos < l->all.n) {
			l->cache[r - l->top].p = l->all.v[pos];
			l->cache[r - l->top].cert =
			    l->all.cert_not_after[pos];
		}
	}
	if (l->all.v != NULL)
		return;
	for (i = 0; i < l->ncache; i = j) {
		first = scr_list_pos_of(l, l->top + i, &g);
		if (first < 0) {
			j = i + 1;
			continue;
		}
		/* The run: rows i..j-1 hold positions first, first + 1, ... */
		for (j = i + 1; j < l->ncache; j++) {
			next = scr_list_pos_of(l, l->top + j, &g);
			if (next != first + (j - i))
				break;
		}
		l->pages = xreallocarray(l->pages, (size_t)l->npages + 1,
		    sizeof *l->pages);
		pl = &l->pages[l->npages++];
		memset(pl, 0, sizeof *pl);
		if (l->ids != NULL)
			rc = first + (j - i) <= l->nids ? store_list_by_ids(
			    t->st, l->ids + first, j - i, pl, &cause) : PC_OK;
		else
			rc = store_list_page(t->st, &f, first, j - i, pl,
			    &cause);
		if (rc) {
			scr_list_set_err(l, rc, cause);
			return;
		}
		for (k = 0; k < pl->n && i + k < j; k++) {
			l->cache[i + k].p = pl->v[k];
			l->cache[i + k].cert = pl->cert_not_after[k];
		}
	}
}

static void
scr_list_scroll(struct scr_list *l)
{
	if (l->page < 1)
		l->page = 1;
	if (l->cur < l->top)
		l->top = l->cur;
	if (l->cur >= l->top + l->page)
		l->top = l->cur - l->page + 1;
	if (l->top > l->nrows - l->page)
		l->top = l->nrows - l->page;
	if (l->top < 0)
		l->top = 0;
}

/* ---- drawing --------------------------------------------------------- */

/* How the title names a sort. */
static const char *
scr_list_sort_label(enum store_sort s)
{
	switch (s) {
	case STORE_SORT_RESULT:
		return "result";
	case STORE_SORT_CERT:
		return "cert days";
	case STORE_SORT_AGE:
		return "test age";
	default:
		return "name";
	}
}

struct scr_list_cols {
	int	 name;
	int	 addr;
	int	 port;
	int	 sec;
	int	 cert;
	int	 result;
	int	 x_addr;
	int	 x_port;
	int	 x_sec;
	int	 x_cert;
	int	 x_result;
};

static void
scr_list_columns(int cols, struct scr_list_cols *c)
{
	int avail = cols - 4, extra, more;

	c->port = 5;
	c->sec = 4;
	c->cert = 5;
	c->result = 20;
	c->name = 18;
	/* 5 single-space gaps between the six columns. */
	c->addr = avail - c->name - c->port - c->sec - c->cert - c->result -
	    5;
	extra = c->addr - 19;
	if (extra > 0) {
		/* Wider terminals: the result a little, then name and
		 * address share the rest (2 to 3). */
		c->addr = 19;
		more = extra / 4 > 14 ? 14 : extra / 4;
		c->result += more;
		extra -= more;
		c->name += extra * 2 / 5;
		c->addr += extra - extra * 2 / 5;
	}
	c->x_addr = 3 + c->name + 1;
	c->x_port = c->x_addr + c->addr + 1;
	c->x_sec = c->x_port + c->port + 1;
	c->x_cert = c->x_sec + c->sec + 1;
	c->x_result = c->x_cert + c->cert + 1;
}

/*
 * Whole days left until end (rounded down, as check and report count
 * them: -1 from the day after it ended).
 */
static int64_t
scr_list_days_left(int64_t end, int64_t now)
{
	int64_t d = end - now;

	return d >= 0 ? d / 86400 : -((-d + 86399) / 86400);
}

/* Certificate days left below this are shown as a warning. */
#define SCR_LIST_CERT_WARN_DAYS	30

/* The Cert column: "12d", "-3d" (ended), "-" (unknown), right-aligned. */
static void
scr_list_draw_cert(WINDOW *w, int y, const struct scr_list_cols *c,
    int64_t end, int64_t now)
{
	int64_t d;
	attr_t a;

	if (end == 0) {
		tui_putf(w, y, c->x_cert, c->cert, theme_attr(TUI_R_DIM),
		    "%*s", c->cert, "-");
		return;
	}
	d = scr_list_days_left(end, now);
	a = d < 0 ? theme_attr(TUI_R_ERROR) : d < SCR_LIST_CERT_WARN_DAYS ?
	    theme_attr(TUI_R_WARN) : A_NORMAL;
	if (d > 9999)
		d = 9999;
	tui_putf(w, y, c->x_cert, c->cert, a, "%*lldd", c->cert - 1,
	    (long long)d);
}

static void
scr_list_draw_profile(struct tui *t, struct scr_list *l, WINDOW *w, int y,
    const struct scr_list_row *row, bool cur, const struct scr_list_cols *c)
{
	const struct profile *p = row->p;
	attr_t hl = cur ? theme_attr(TUI_R_CURSOR) : A_NORMAL, base = A_NORMAL;
	attr_t ra;
	char *age, *res;
	const char *sec;
	bool marked;

	(void)t;
	/* The cursor bar covers the mark and the name only: moving it
	 * rewrites two short cells, not two whole lines (bench/tui.sh). */
	tui_fill(w, y, 0, c->x_addr - 1, hl);
	tui_fill(w, y, c->x_addr - 1, getmaxx(w) - c->x_addr + 1, base);
	marked = scr_list_marked(&l->marks, p->name);
	if (marked)
		tui_put(w, y, 1, 1, cur ? hl : theme_attr(TUI_R_MARK),
		    theme_glyph(TUI_G_MARK));
	tui_put(w, y, 3, c->name, hl, p->name);
	cur = false;	/* the rest of the row in its own colours */
	tui_put(w, y, c->x_addr, c->addr, base, p->address != NULL ?
	    p->address : "");
	tui_putf(w, y, c->x_port, c->port, base, "%5d", p->port);
	sec = profile_security_str(p->security);
	if (p->security != PROF_SEC_NONE && p->tls_verify == PROF_VERIFY_OFF)
		/* Certificate checks off: a warning everywhere it shows. */
		tui_putf(w, y, c->x_sec, c->sec, cur ? base :
		    theme_attr(TUI_R_WARN), "%s!", sec);
	else
		tui_put(w, y, c->x_sec, c->sec, base, sec);
	scr_list_draw_cert(w, y, c, row->cert, l->now);
	if (p->last_result == NULL || p->last_tested <= 0) {
		tui_put(w, y, c->x_result, c->result, cur ? base :
		    theme_attr(TUI_R_DIM), "not tested");
		return;
	}
	age = wdg_status_age(p->last_tested);
	if (strlen(age) > 4 && strcmp(age + strlen(age) - 4, " ago") == 0)
		age[strlen(age) - 4] = '\0';
	res = xasprintf("%s %s", p->last_result, age);
	ra = strcmp(p->last_result, "ok") == 0 ? theme_attr(TUI_R_OK) :
	    theme_attr(TUI_R_ERROR);
	tui_put(w, y, c->x_result, c->result, cur ? base : ra, res);
	free(res);
	free(age);
}

static void
scr_list_draw_heading(struct scr_list *l, WINDOW *w, int y, int g, bool cur)
{
	const struct scr_list_group *gr = &l->groups[g];
	attr_t a = cur ? theme_attr(TUI_R_CURSOR) : theme_attr(TUI_R_HEADING);
	char *count;
	int x;

	/* One run of one attribute for glyph, name and count (each change
	 * of attribute costs the terminal bytes on every page); the cursor
	 * bar covers just that text, as it covers a profile's name. */
	count = wdg_status_count(gr->count);
	tui_fill(w, y, 0, getmaxx(w), A_NORMAL);
	x = 1 + tui_put(w, y, 1, 2, a, theme_glyph(gr->folded ?
	    TUI_G_FOLDED : TUI_G_GROUP));
	x += tui_put(w, y, x, 1, a, " ");
	x += tui_put(w, y, x, getmaxx(w) / 2, a, *gr->name != '\0' ?
	    gr->name : "(no group)");
	tui_putf(w, y, x, getmaxx(w) - x - 1, a, " (%s)", count);
	free(count);
}

static void
scr_list_keys(struct scr_list *l, bool heading, bool folded, struct wdg_key *k,
    int *n)
{
	/* At 80 columns two labels are shorter, so that "s sort" fits
	 * beside "/ filter". */
	bool narrow = COLS < 100;
	int i = 0;

	if (l->filtering) {
		k[i++] = (struct wdg_key){ "Enter", "keep filter", false };
		k[i++] = (struct wdg_key){ "Esc", "clear filter", true };
		*n = i;
		return;
	}
	if (l->nrows > 0) {
		if (!heading)
			k[i++] = (struct wdg_key){ "e", "edit", false };
		else
			k[i++] = (struct wdg_key){ "Enter", folded ? "unfold" :
			    "fold", false };
	}
	k[i++] = (struct wdg_key){ "n", "new", false };
	if (l->nrows > 0) {
		k[i++] = (struct wdg_key){ "t", l->marks.n > 0 ?
		    "test marked" : heading ? "test group" : "test", false };
		k[i++] = (struct wdg_key){ "Spc", heading ? "mark group" :
		    "mark", false };
		if (!heading)
			k[i++] = (struct wdg_key){ "g", narrow ?
			    "mark grp" : "mark group", false };
		if (l->marks.n > 0 || heading)
			k[i++] = (struct wdg_key){ "b", "bulk edit", false };
		if (l->marks.n > 0 || !heading)
			k[i++] = (struct wdg_key){ "d", narrow ? "del" :
			    "delete", false };
	}
	k[i++] = (struct wdg_key){ "/", "filter", false };
	if (l->nrows > 0)
		k[i++] = (struct wdg_key){ "s", "sort", false };
	k[i++] = (struct wdg_key){ "u", "undo bulk", false };
	k[i++] = (struct wdg_key){ "^O", "messages", false };
	k[i++] = (struct wdg_key){ "?", "help", true };
	k[i++] = (struct wdg_key){ "q", "quit", true };
	*n = i;
}

static char *
scr_list_hint(struct tui *t, struct scr_list *l)
{
	const struct profile *p = scr_list_cur_profile(t, l);
	int g;
	int diag;
	char *age, *s, *n;

	if (l->nrows == 0)
		return NULL;
	scr_list_pos_of(l, l->cur, &g);
	if (p == NULL && g >= 0) {
		n = wdg_status_count(l->groups[g].count);
		s = xasprintf("group %s: %s profile%s; Space marks them all, "
		    "b edits them, t tests them", *l->groups[g].name ?
		    l->groups[g].name : "(no group)", n,
		    l->groups[g].count == 1 ? "" : "s");
		free(n);
		return s;
	}
	if (p == NULL)
		return NULL;
	/* The row shows address, port and security: the hint adds what it
	 * does not (the user name last, so that moving between untested
	 * profiles rewrites only that). */
	if (p->last_result == NULL || p->last_tested <= 0) {
		struct scr_list_cols c;
		bool cut;

		scr_list_columns(COLS, &c);
		cut = p->address != NULL && tui_width(p->address) > c.addr;
		return xasprintf("not tested yet (t tests it)%s%s%s%s",
		    p->username != NULL && *p->username ? "; user " : "",
		    p->username != NULL ? p->username : "",
		    cut ? "; address " : "", cut ? p->address : "");
	}
	diag = diag_from_key(p->last_result);
	age = wdg_status_age(p->last_tested);
	s = xasprintf("tested %s: %s%s%s", age, p->last_result,
	    diag > 0 ? ": " : "", diag > 0 ? diag_hint((enum diag)diag) : "");
	free(age);
	return s;
}

static void
scr_list_draw(struct tui *t, struct tui_screen *s)
{
	struct scr_list *l = s->priv;
	struct scr_list_cols c;
	struct wdg_key keys[16];
	WINDOW *w = s->win;
	char *left, *right, *total, *match, *hint, *sort;
	int y, i, nkeys, g;
	int64_t r;
	bool heading;

	if (!l->loaded || l->gen != t->gen) {
		scr_list_reload(t, l, t->focus != NULL ? t->focus : NULL);
		free(t->focus);
		t->focus = NULL;
	}
	werase(w);
	l->page = LINES - 4;
	scr_list_scroll(l);
	scr_list_fetch(t, l);

	total = wdg_status_count(l->ntotal);
	sort = l->sort != STORE_SORT_NAME ? xasprintf("by %s | ",
	    scr_list_sort_label(l->sort)) : xstrdup("");
	left = xasprintf("popconn  %s%s", store_path(t->st),
	    store_read_only(t->st) ? " (read-only)" : "");
	if (l->filter != NULL) {
		match = wdg_status_count(l->nmatch);
		right = xasprintf("%sfilter \"%s\": %s of %s%s", sort,
		    l->filter, match, total, l->marks.n > 0 ? " | marked " :
		    "");
		free(match);
	} else
		right = xasprintf("%s%s profile%s%s", sort, total,
		    l->ntotal == 1 ? "" : "s", l->marks.n > 0 ? " | marked " :
		    "");
	if (l->marks.n > 0) {
		char *m = wdg_status_count((int64_t)l->marks.n), *both;

		both = xasprintf("%s%s", right, m);
		free(right);
		free(m);
		right = both;
	}
	wdg_status_title(w, left, right);
	free(left);
	free(right);
	free(total);
	free(sort);

	scr_list_columns(COLS, &c);
	tui_fill(w, 1, 0, COLS, A_NORMAL);
	tui_put(w, 1, 3, c.name, theme_attr(TUI_R_COLHEAD), "Name");
	tui_put(w, 1, c.x_addr, c.addr, theme_attr(TUI_R_COLHEAD), "Address");
	tui_put(w, 1, c.x_port, c.port, theme_attr(TUI_R_COLHEAD), " Port");
	tui_put(w, 1, c.x_sec, c.sec, theme_attr(TUI_R_COLHEAD), "Sec");
	tui_putf(w, 1, c.x_cert, c.cert, theme_attr(TUI_R_COLHEAD), "%*s",
	    c.cert, "Cert");
	tui_put(w, 1, c.x_result, c.result, theme_attr(TUI_R_COLHEAD),
	    "Last test");

	y = 2;
	if (l->err != NULL) {
		tui_put(w, y + 1, 3, COLS - 6, theme_attr(TUI_R_ERROR), l->err);
	} else if (l->nrows == 0 && l->filter == NULL) {
		tui_put(w, y + 1, 3, COLS - 6, A_NORMAL,
		    "No connection profiles yet.");
		tui_put(w, y + 3, 3, COLS - 6, A_NORMAL,
		    "Press n to create one: presets fill in the server "
		    "settings of well-known");
		tui_put(w, y + 4, 3, COLS - 6, A_NORMAL,
		    "providers (Gmail, Office 365, ...).  Press ? for help.");
	} else if (l->nrows == 0) {
		tui_putf(w, y + 1, 3, COLS - 6, A_NORMAL,
		    "No profile matches \"%s\".  Esc clears the filter.",
		    l->filter);
	}
	for (i = 0; i < l->ncache && y + i < LINES - 2; i++) {
		r = l->cache_top + i;
		g = l->cache[i].group;
		if (l->cache[i].p != NULL)
			scr_list_draw_profile(t, l, w, y + i, &l->cache[i],
			    r == l->cur, &c);
		else if (g >= 0)
			scr_list_draw_heading(l, w, y + i, g, r == l->cur);
	}

	if (l->filtering) {
		match = wdg_status_count(l->nmatch);
		tui_fill(w, LINES - 2, 0, COLS, A_NORMAL);
		if (l->typed != NULL)
			tui_putf(w, LINES - 2, COLS - 22, 21,
			    theme_attr(TUI_R_DIM), "%21s", "filtering...");
		else
			tui_putf(w, LINES - 2, COLS - 22, 21,
			    theme_attr(TUI_R_DIM), "%15s match", match);
		tui_put(w, LINES - 2, 1, 1, theme_attr(TUI_R_KEY), "/");
		tui_put(w, LINES - 2, 3, COLS - 27, A_NORMAL,
		    scr_list_filter_text(l));
		free(match);
	} else {
		hint = scr_list_hint(t, l);
		wdg_status_draw(t, w, LINES - 2, hint);
		free(hint);
	}
	heading = l->nrows > 0 && scr_list_cur_profile(t, l) == NULL;
	scr_list_pos_of(l, l->cur, &g);
	scr_list_keys(l, heading, heading && g >= 0 && l->groups[g].folded,
	    keys, &nkeys);
	wdg_status_keybar(w, LINES - 1, keys, nkeys);
}

static bool
scr_list_cursor(struct tui *t, struct tui_screen *s)
{
	struct scr_list *l = s->priv;

	(void)t;
	if (!l->filtering)
		return false;
	wmove(s->win, LINES - 2, 3 + tui_width(scr_list_filter_text(l)));
	wnoutrefresh(s->win);
	return true;
}

/* ---- actions --------------------------------------------------------- */

static void
scr_list_set_filter(struct tui *t, struct scr_list *l, const char *text)
{
	free(l->filter);
	l->filter = text != NULL && *text != '\0' ? xstrdup(text) : NULL;
	free(l->typed);
	l->typed = NULL;
	/* A new filter starts on its first match. */
	l->cur = 1;
	l->top = 0;
	scr_list_reload(t, l, NULL);
}

/*
 * While the filter is typed, apply it once typing pauses: with 100,000
 * profiles a filter costs a scan, and keys must not wait for it.
 */
#define SCR_LIST_FILTER_DELAY_MS 250

static void
scr_list_type_filter(struct tui *t, struct scr_list *l, const char *text)
{
	xstr_replace(&l->typed, text);
	t->wake_at = tui_now_ms() + SCR_LIST_FILTER_DELAY_MS;
}

/* The filter text on the filter line: typed, else applied. */
static const char *
scr_list_filter_text(const struct scr_list *l)
{
	if (l->typed != NULL)
		return l->typed;
	return l->filter != NULL ? l->filter : "";
}

/* Group of the cursor's row (heading or profile); NULL when none. */
static const char *
scr_list_cur_group(struct scr_list *l)
{
	int g;

	scr_list_pos_of(l, l->cur, &g);
	return g >= 0 ? l->groups[g].name : NULL;
}

static void
scr_list_mark_group(struct tui *t, struct scr_list *l)
{
	struct store_filter f = { .group = NULL };
	struct store_list sl = { NULL, 0, NULL, NULL };
	char *cause = NULL, *n;
	enum pc_err rc;
	int g, i, already = 0;

	scr_list_pos_of(l, l->cur, &g);
	if (g < 0)
		return;
	f = scr_list_filter(l, l->groups[g].name);
	rc = store_list_page(t->st, &f, 0, (int)l->groups[g].count, &sl,
	    &cause);
	if (rc) {
		scr_list_error(t, "cannot read the group", rc, cause);
		return;
	}
	for (i = 0; i < sl.n; i++)
		if (scr_list_marked(&l->marks, sl.v[i]->name))
			already++;
	for (i = 0; i < sl.n; i++) {
		if (already == sl.n)
			scr_list_marks_del(&l->marks, sl.v[i]->name);
		else
			scr_list_marks_add(&l->marks, sl.v[i]->name);
	}
	n = wdg_status_count(sl.n);
	tui_msg(t, TUI_MSG_INFO, "%s %s profile%s of group %s", already ==
	    sl.n ? "unmarked" : "marked", n, sl.n == 1 ? "" : "s",
	    *l->groups[g].name ? l->groups[g].name : "(no group)");
	free(n);
	store_list_cleanup(&sl);
}

static void
scr_list_preset_cb(struct tui *t, void *arg, int choice)
{
	struct scr_list *l = arg;
	const struct preset *ps = NULL;
	struct profile *p;
	const char *grp;
	char *cause = NULL;
	int n;

	if (choice < 0)
		return;
	p = profile_new();
	if (choice > 0) {
		ps = presets_all(&n);
		if (choice - 1 >= n) {
			profile_free(p);
			return;
		}
		ps += choice - 1;
		if (presets_apply(ps, p, &cause) != PC_OK) {
			tui_msg(t, TUI_MSG_WARN, "%s", cause != NULL ? cause :
			    "this preset cannot be used");
			free(cause);
			profile_free(p);
			return;
		}
	}
	/* A new profile joins the group the cursor is in. */
	grp = scr_list_cur_group(l);
	if (grp != NULL && *grp != '\0')
		profile_field_set(p, "group", grp, NULL);
	scr_edit_enter(t, p);
	/* What the preset's data says beside the settings (as the CLI). */
	if (choice > 0 && ps->note != NULL && ps->note[0] != '\0')
		tui_msg(t, TUI_MSG_WARN, "%s: %s", ps->label, ps->note);
}

static void
scr_list_new(struct tui *t, struct scr_list *l)
{
	const struct preset *ps;
	const char **labels;
	char **descs;
	int n, i;

	ps = presets_all(&n);
	labels = xcalloc((size_t)n + 1, sizeof *labels);
	descs = xcalloc((size_t)n + 1, sizeof *descs);
	labels[0] = "Blank profile";
	descs[0] = xstrdup("every field yourself");
	for (i = 0; i < n; i++) {
		labels[i + 1] = ps[i].label;
		descs[i + 1] = ps[i].address != NULL ? xasprintf("%-21s %3d %s",
		    ps[i].address, ps[i].port, profile_security_str(
		    ps[i].security)) : xstrdup("no POP3 (IMAP only)");
	}
	wdg_menu_open(t, "New profile: start from", labels,
	    (const char *const *)descs, n + 1, 0, scr_list_preset_cb, l);
	for (i = 0; i <= n; i++)
		free(descs[i]);
	free(labels);
	free(descs);
}

static void
scr_list_edit(struct tui *t, struct scr_list *l)
{
	const struct profile *cp = scr_list_cur_profile(t, l);
	struct profile *p = NULL;
	char *cause = NULL;
	enum pc_err rc;

	if (cp == NULL) {
		tui_msg(t, TUI_MSG_INFO, "move to a profile to edit it");
		return;
	}
	rc = store_get(t->st, cp->name, &p, &cause);
	if (rc) {
		scr_list_error(t, "cannot open the profile", rc, cause);
		tui_changed(t);
		return;
	}
	scr_edit_enter(t, p);
}

/* ---- the marked set under a filter ------------------------------------ */

/*
 * Marks survive filtering, so the marked set can hold profiles the screen
 * does not show.  Acting on them unasked would delete or change what the
 * user cannot see: every action on the marked set goes through here, and
 * when the filter hides some a dialog says how many, lists them, and lets
 * the user choose the shown ones only or all.
 */
enum scr_list_act {
	SCR_LIST_ACT_DELETE,
	SCR_LIST_ACT_BULK,
	SCR_LIST_ACT_TEST,
};

static void
scr_list_split_free(struct scr_list *l)
{
	scr_list_names_free(l->shown, l->nshown);
	scr_list_names_free(l->hidden, l->nhidden);
	l->shown = l->hidden = NULL;
	l->nshown = l->nhidden = 0;
}

#define SCR_LIST_SPLIT_PAGE	5000

/*
 * Split the marks into l->shown and l->hidden, reading the filter's whole
 * listing from the store (not the rows on screen, which are a page).
 */
static enum pc_err
scr_list_split(struct tui *t, struct scr_list *l, char **cause)
{
	struct store_filter f = scr_list_filter(l, NULL);
	struct store_list sl = { NULL, 0, NULL, NULL };
	struct scr_list_marks vis;
	enum pc_err rc = PC_OK;
	int64_t off = 0;
	char **all;
	int n, i;

	scr_list_split_free(l);
	all = scr_list_marks_names(&l->marks, &n);
	if (l->filter == NULL) {
		l->shown = all;
		l->nshown = n;
		l->hidden = xcalloc(1, sizeof *l->hidden);
		return PC_OK;
	}
	memset(&vis, 0, sizeof vis);
	for (;;) {
		rc = store_list_page(t->st, &f, off, SCR_LIST_SPLIT_PAGE, &sl,
		    cause);
		if (rc)
			break;
		for (i = 0; i < sl.n; i++)
			if (scr_list_marked(&l->marks, sl.v[i]->name))
				scr_list_marks_add(&vis, sl.v[i]->name);
		off += sl.n;
		i = sl.n;
		store_list_cleanup(&sl);
		if (i < SCR_LIST_SPLIT_PAGE)
			break;
	}
	l->shown = xcalloc((size_t)n + 1, sizeof *l->shown);
	l->hidden = xcalloc((size_t)n + 1, sizeof *l->hidden);
	for (i = 0; i < n; i++) {
		if (scr_list_marked(&vis, all[i]))
			l->shown[l->nshown++] = all[i];
		else
			l->hidden[l->nhidden++] = all[i];
	}
	free(all);
	scr_list_marks_clear(&vis);
	if (rc)
		scr_list_split_free(l);
	return rc;
}

/* "a, b, c and 4 more" (at most max names).  Caller frees. */
static char *
scr_list_name_list(char *const *v, int n, int max)
{
	char *s = xstrdup(""), *u, *cnt;
	int i;

	for (i = 0; i < n && i < max; i++) {
		u = xasprintf("%s%s%s", s, i > 0 ? ", " : "", v[i]);
		free(s);
		s = u;
	}
	if (n > max) {
		cnt = wdg_status_count(n - max);
		u = xasprintf("%s and %s more", s, cnt);
		free(s);
		free(cnt);
		s = u;
	}
	return s;
}

static void scr_list_delete_names(struct tui *, struct scr_list *,
		    char *const *, int);

static void
scr_list_act(struct tui *t, struct scr_list *l, enum scr_list_act act,
    char *const *names, int n)
{
	switch (act) {
	case SCR_LIST_ACT_DELETE:
		scr_list_delete_names(t, l, names, n);
		break;
	case SCR_LIST_ACT_BULK:
		scr_bulk_enter(t, NULL, names, n);
		break;
	case SCR_LIST_ACT_TEST:
		scr_bulk_test_enter(t, NULL, names, n);
		break;
	}
}

static void
scr_list_hidden_cb(struct tui *t, void *arg, int key, enum scr_list_act act)
{
	struct scr_list *l = arg;

	if (key == 's' && l->nshown > 0)
		scr_list_act(t, l, act, l->shown, l->nshown);
	else if (key == 'a') {
		char **all;
		int n;

		all = scr_list_marks_names(&l->marks, &n);
		scr_list_act(t, l, act, all, n);
		scr_list_names_free(all, n);
	} else if (act == SCR_LIST_ACT_DELETE)
		tui_msg(t, TUI_MSG_INFO, "nothing deleted");
	scr_list_split_free(l);
}

static void
scr_list_hidden_delete_cb(struct tui *t, void *arg, int key)
{
	scr_list_hidden_cb(t, arg, key, SCR_LIST_ACT_DELETE);
}

static void
scr_list_hidden_bulk_cb(struct tui *t, void *arg, int key)
{
	scr_list_hidden_cb(t, arg, key, SCR_LIST_ACT_BULK);
}

static void
scr_list_hidden_test_cb(struct tui *t, void *arg, int key)
{
	scr_list_hidden_cb(t, arg, key, SCR_LIST_ACT_TEST);
}

/*
 * Act on the marked set: at once when the filter hides none of it (ask
 * is NULL) or after the dialog.  Returns false when nothing is marked.
 */
static bool
scr_list_marked_act(struct tui *t, struct scr_list *l, enum scr_list_act act)
{
	static const char *const verbs[] = { "Delete", "Bulk edit", "Test" };
	static const wdg_menu_confirm_cb cbs[] = { scr_list_hidden_delete_cb,
	    scr_list_hidden_bulk_cb, scr_list_hidden_test_cb };
	char *cause = NULL, *text, *choices, *sh, *hi, *cm, *cs, *ch, *tl;
	enum pc_err rc;

	if (l->marks.n == 0)
		return false;
	rc = scr_list_split(t, l, &cause);
	if (rc) {
		scr_list_error(t, "cannot read the marked profiles", rc, cause);
		return true;
	}
	if (l->nhidden == 0) {
		if (act == SCR_LIST_ACT_DELETE) {
			/* Asked by scr_list_delete's own dialog. */
			return true;
		}
		scr_list_act(t, l, act, l->shown, l->nshown);
		scr_list_split_free(l);
		return true;
	}
	cm = wdg_status_count((int64_t)l->marks.n);
	cs = wdg_status_count(l->nshown);
	ch = wdg_status_count(l->nhidden);
	sh = scr_list_name_list(l->shown, l->nshown, 6);
	hi = scr_list_name_list(l->hidden, l->nhidden, 6);
	text = xasprintf("%s profile%s marked; the filter \"%s\" hides %s of "
	    "them.\n\nShown (%s): %s\nHidden (%s): %s\n\n%s the %s shown "
	    "only, or all %s?", cm, l->marks.n == 1 ? " is" : "s are",
	    l->filter, ch, cs, l->nshown > 0 ? sh : "none", ch, hi,
	    verbs[act], cs, cm);
	if (act == SCR_LIST_ACT_DELETE)
		choices = l->nshown > 0 ? xasprintf("n:Keep|s:Delete %s shown|"
		    "a:Delete all %s", cs, cm) : xasprintf("n:Keep|a:Delete "
		    "all %s", cm);
	else
		choices = l->nshown > 0 ? xasprintf("s:%s shown|a:All %s|"
		    "n:Cancel", cs, cm) : xasprintf("a:All %s|n:Cancel", cm);
	tl = xasprintf("%s: %s marked profile%s hidden", verbs[act], ch,
	    l->nhidden == 1 ? "" : "s");
	wdg_menu_confirm_open(t, tl, text, choices, cbs[act], l);
	free(tl);
	free(choices);
	free(text);
	free(sh);
	free(hi);
	free(cm);
	free(cs);
	free(ch);
	return true;
}

static void
scr_list_test(struct tui *t, struct scr_list *l)
{
	const struct profile *cp = scr_list_cur_profile(t, l);
	struct profile *p = NULL;
	char *cause = NULL;
	const char *grp;
	enum pc_err rc;

	if (scr_list_marked_act(t, l, SCR_LIST_ACT_TEST))
		return;
	if (cp == NULL) {
		grp = scr_list_cur_group(l);
		if (grp != NULL)
			scr_bulk_test_enter(t, grp, NULL, 0);
		return;
	}
	rc = store_get(t->st, cp->name, &p, &cause);
	if (rc) {
		scr_list_error(t, "cannot open the profile", rc, cause);
		return;
	}
	scr_logon_enter(t, p, true);
}

static void
scr_list_bulk(struct tui *t, struct scr_list *l)
{
	const char *grp;

	if (scr_list_marked_act(t, l, SCR_LIST_ACT_BULK))
		return;
	grp = scr_list_cur_group(l);
	if (scr_list_cur_profile(t, l) == NULL && grp != NULL) {
		scr_bulk_enter(t, grp, NULL, 0);
		return;
	}
	tui_msg(t, TUI_MSG_INFO, "bulk edit acts on the marked profiles "
	    "(Space marks, g marks a group) or on the group heading under "
	    "the cursor");
}

/* Delete names (after the dialog); their marks go with them. */
static void
scr_list_delete_names(struct tui *t, struct scr_list *l, char *const *names,
    int n)
{
	char *cause = NULL, *cnt, *left;
	enum pc_err rc;
	int i, done = 0;

	for (i = 0; i < n; i++) {
		rc = store_remove(t->st, names[i], &cause);
		if (rc && rc != PC_E_NOTFOUND) {
			scr_list_error(t, "delete stopped", rc, cause);
			cause = NULL;
			break;
		}
		free(cause);
		cause = NULL;
		scr_list_marks_del(&l->marks, names[i]);
		done++;
	}
	if (i == n) {
		cnt = wdg_status_count(done);
		left = wdg_status_count((int64_t)l->marks.n);
		if (l->marks.n > 0)
			tui_msg(t, TUI_MSG_OK, "deleted %s profile%s; %s "
			    "marked profile%s the filter hides kept", cnt,
			    done == 1 ? "" : "s", left, l->marks.n == 1 ?
			    "" : "s");
		else
			tui_msg(t, TUI_MSG_OK, "deleted %s profile%s", cnt,
			    done == 1 ? "" : "s");
		free(cnt);
		free(left);
	}
	tui_changed(t);
}

static void
scr_list_delete_cb(struct tui *t, void *arg, int key)
{
	struct scr_list *l = arg;
	const struct profile *cp;
	char *cause = NULL;
	enum pc_err rc;

	if (key != 'y') {
		scr_list_split_free(l);
		return;
	}
	if (l->shown != NULL) {
		scr_list_delete_names(t, l, l->shown, l->nshown);
		scr_list_split_free(l);
		return;
	}
	cp = scr_list_cur_profile(t, l);
	if (cp == NULL)
		return;
	rc = store_remove(t->st, cp->name, &cause);
	if (rc)
		scr_list_error(t, "cannot delete", rc, cause);
	else
		tui_msg(t, TUI_MSG_OK, "deleted %s", cp->name);
	tui_changed(t);
}

static void
scr_list_delete(struct tui *t, struct scr_list *l)
{
	const struct profile *cp = scr_list_cur_profile(t, l);
	char *text, *cnt, *names;

	if (l->marks.n > 0) {
		if (!scr_list_marked_act(t, l, SCR_LIST_ACT_DELETE) ||
		    l->shown == NULL || l->nhidden > 0)
			return;		/* an error, or the hidden dialog */
		cnt = wdg_status_count(l->nshown);
		names = scr_list_name_list(l->shown, l->nshown, 6);
		text = xasprintf("Delete the %s marked profile%s (%s)?  This "
		    "cannot be undone.", cnt, l->nshown == 1 ? "" : "s",
		    names);
		free(cnt);
		free(names);
	} else if (cp != NULL) {
		text = xasprintf("Delete the profile \"%s\" (%s)?  This cannot "
		    "be undone.", cp->name, cp->address != NULL ? cp->address :
		    "no address");
	} else {
		tui_msg(t, TUI_MSG_INFO, "move to a profile (or mark some) to "
		    "delete");
		return;
	}
	wdg_menu_confirm_open(t, "Delete", text, "n:Keep|y:Delete",
	    scr_list_delete_cb, l);
	free(text);
}

/*
 * An undo that cannot be: the reason in a dialog, whole (it names each
 * profile changed since once, and a name may be long); the status line
 * only counts them, so that no name shows twice or cut.
 */
static void
scr_list_undo_refused(struct tui *t, enum pc_err rc, char *cause,
    int64_t id, int n)
{
	char *s = tui_write_cause(t, rc, cause);

	tui_msg(t, TUI_MSG_ERROR, "cannot undo bulk change #%lld: %d "
	    "profile%s changed since; nothing was undone", (long long)id, n,
	    n == 1 ? "" : "s");
	wdg_menu_confirm_open(t, "Cannot undo", s, "o:OK", NULL, NULL);
	free(s);
}

static void
scr_list_undo_cb(struct tui *t, void *arg, int key)
{
	struct scr_list *l = arg;
	struct store_changes ch;
	char *cause = NULL;
	enum pc_err rc;

	if (key != 'y')
		return;
	rc = store_bulk_undo(t->st, l->undo_id, false, NULL, &ch, &cause);
	if (rc == PC_E_NOTFOUND) {
		tui_msg(t, TUI_MSG_INFO, "%s", cause != NULL ? cause :
		    "there is nothing to undo");
		free(cause);
	} else if (rc == PC_E_CONFLICT)
		scr_list_undo_refused(t, rc, cause, l->undo_id, ch.nerrors);
	else if (rc)
		scr_list_error(t, "cannot undo", rc, cause);
	else {
		free(cause);
		tui_msg(t, TUI_MSG_OK, "undid bulk change #%lld: %d profile%s "
		    "restored", (long long)l->undo_id, ch.nprofiles,
		    ch.nprofiles == 1 ? "" : "s");
	}
	store_changes_cleanup(&ch);
	tui_changed(t);
}

/*
 * u: find out first (a dry run) what undo would do.  Nothing to undo, or
 * a refusal, is said at once; otherwise the dialog says which change it
 * reverts: its ID, who made it and when, the fields, the profiles.
 */
static void
scr_list_undo(struct tui *t, struct scr_list *l)
{
	struct store_changes ch;
	struct store_bulk_op op;
	char **names = NULL, *list, *text, *cnt, when[32];
	char *cause = NULL;
	time_t tt;
	int i, n = 0;
	enum pc_err rc;

	rc = store_bulk_undo(t->st, 0, true, &op, &ch, &cause);
	if (rc == PC_E_NOTFOUND) {
		tui_msg(t, TUI_MSG_INFO, "%s", cause != NULL ? cause :
		    "there is nothing to undo");
		free(cause);
		goto out;
	}
	if (rc == PC_E_CONFLICT) {
		scr_list_undo_refused(t, rc, cause, op.id, ch.nerrors);
		goto out;
	}
	if (rc) {
		scr_list_error(t, "cannot undo", rc, cause);
		goto out;
	}
	free(cause);
	/* The changes come profile by profile: one name per profile. */
	names = xcalloc((size_t)ch.n + 1, sizeof *names);
	for (i = 0; i < ch.n; i++)
		if (n == 0 || strcmp(names[n - 1], ch.v[i].profile) != 0)
			names[n++] = ch.v[i].profile;
	list = scr_list_name_list(names, n, 6);
	cnt = wdg_status_count(ch.nprofiles);
	tt = (time_t)op.when;
	strftime(when, sizeof when, "%Y-%m-%d %H:%M", localtime(&tt));
	text = xasprintf("Undo bulk change #%lld (%s, %s): %s on %s "
	    "profile%s (%s)?  Every field it changed gets its previous value "
	    "back.", (long long)op.id, op.os_user, when, op.fields, cnt,
	    ch.nprofiles == 1 ? "" : "s", list);
	l->undo_id = op.id;
	wdg_menu_confirm_open(t, "Undo", text, "y:Undo|n:Keep",
	    scr_list_undo_cb, l);
	free(text);
	free(cnt);
	free(list);
	free(names);
out:
	store_changes_cleanup(&ch);
	store_bulk_op_cleanup(&op);
}

static int
scr_list_filter_key(struct tui *t, struct scr_list *l,
    const struct tui_key *k)
{
	char *s, mb[MB_LEN_MAX + 1];
	const char *cur = scr_list_filter_text(l);
	mbstate_t mbs;
	size_t len, n;

	if (tui_key_cancel(k)) {
		l->filtering = false;
		scr_list_set_filter(t, l, NULL);
		return TUI_REDRAW;
	}
	if (tui_key_enter(k)) {
		l->filtering = false;
		if (l->typed != NULL) {
			s = xstrdup(l->typed);
			scr_list_set_filter(t, l, s);
			free(s);
		}
		if (l->filter != NULL) {
			s = wdg_status_count(l->nmatch);
			tui_msg(t, TUI_MSG_INFO, "%s profile%s match \"%s\"", s,
			    l->nmatch == 1 ? "" : "s", l->filter);
			free(s);
		}
		return TUI_REDRAW;
	}
	len = strlen(cur);
	if (tui_key_fn(k, KEY_BACKSPACE) || tui_key_is(k, 127) ||
	    tui_key_is(k, TUI_CTRL('h'))) {
		if (len == 0)
			return TUI_NONE;
		s = xstrdup(cur);
		while (len > 0 && ((unsigned char)s[len - 1] & 0xc0) == 0x80)
			len--;
		if (len > 0)
			len--;
		s[len] = '\0';
		scr_list_type_filter(t, l, s);
		free(s);
		return TUI_REDRAW;
	}
	if (tui_key_is(k, TUI_CTRL('u'))) {
		scr_list_type_filter(t, l, "");
		return TUI_REDRAW;
	}
	if (k->fn) {
		/* Moving keys end the typing (applying it) and move. */
		l->filtering = false;
		if (l->typed != NULL) {
			s = xstrdup(l->typed);
			scr_list_set_filter(t, l, s);
			free(s);
		}
		return TUI_UNHANDLED;
	}
	if (!iswprint(k->ch) || len > 200)
		return TUI_NONE;
	memset(&mbs, 0, sizeof mbs);
	n = wcrtomb(mb, (wchar_t)k->ch, &mbs);
	if (n == (size_t)-1)
		return TUI_NONE;
	mb[n] = '\0';
	s = xasprintf("%s%s", cur, mb);
	scr_list_type_filter(t, l, s);
	free(s);
	return TUI_REDRAW;
}

/*
 * Fold (how 1), unfold (0) or toggle (-1) the group of the cursor; the
 * cursor goes to its heading.  Only the row layout changes: no query.
 * Folded groups are kept by name across reloads and filters.
 */
static void
scr_list_fold(struct scr_list *l, int how)
{
	struct scr_list_group *gr;
	int64_t row = 0;
	int g;
	bool want;

	scr_list_pos_of(l, l->cur, &g);
	if (g < 0)
		return;
	gr = &l->groups[g];
	want = how < 0 ? !gr->folded : how == 1;
	l->cur = gr->row;
	if (want == gr->folded)
		return;
	if (want)
		scr_list_marks_add(&l->folded, gr->name);
	else
		scr_list_marks_del(&l->folded, gr->name);
	gr->folded = want;
	for (g = 0; g < l->ngroups; g++) {
		l->groups[g].row = row;
		row += 1 + (l->groups[g].folded ? 0 : l->groups[g].count);
	}
	l->nrows = row;
	l->cur = gr->row;
	scr_list_cache_drop(l);
}

/*
 * s: the next order within each group (name, last result, certificate
 * days left, age of the last test); the cursor stays on its profile.
 */
static void
scr_list_sort(struct tui *t, struct scr_list *l)
{
	const struct profile *p = scr_list_cur_profile(t, l);
	char *keep = p != NULL ? xstrdup(p->name) : NULL;

	l->keep_id = p != NULL ? p->id : 0;
	l->sort = (enum store_sort)((l->sort + 1) % STORE_SORT_N);
	scr_list_reload(t, l, keep);
	free(keep);
	tui_msg(t, TUI_MSG_INFO, "sorted by %s within each group%s",
	    scr_list_sort_label(l->sort), l->sort == STORE_SORT_RESULT ?
	    " (failed first)" : l->sort == STORE_SORT_CERT ? " (soonest "
	    "first)" : l->sort == STORE_SORT_AGE ? " (oldest first)" : "");
}

static int
scr_list_move(struct scr_list *l, const struct tui_key *k)
{
	if (tui_key_fn(k, KEY_DOWN) || tui_key_is(k, 'j') ||
	    tui_key_is(k, TUI_CTRL('n')))
		l->cur++;
	else if (tui_key_fn(k, KEY_UP) || tui_key_is(k, 'k') ||
	    tui_key_is(k, TUI_CTRL('p')))
		l->cur--;
	else if (tui_key_fn(k, KEY_NPAGE) || tui_key_is(k, TUI_CTRL('f')) ||
	    tui_key_is(k, TUI_CTRL('d')))
		l->cur += l->page - 1;
	else if (tui_key_fn(k, KEY_PPAGE) || tui_key_is(k, TUI_CTRL('b')) ||
	    tui_key_is(k, TUI_CTRL('u')))
		l->cur -= l->page - 1;
	else if (tui_key_fn(k, KEY_HOME) || tui_key_is(k, '<'))
		l->cur = 0;
	else if (tui_key_fn(k, KEY_END) || tui_key_is(k, '>'))
		l->cur = l->nrows - 1;
	else
		return TUI_UNHANDLED;
	if (l->cur >= l->nrows)
		l->cur = l->nrows - 1;
	if (l->cur < 0)
		l->cur = 0;
	return TUI_REDRAW;
}

static int
scr_list_key(struct tui *t, struct tui_screen *s, const struct tui_key *k)
{
	struct scr_list *l = s->priv;
	const struct profile *cp;
	int fl;

	if (l->filtering) {
		fl = scr_list_filter_key(t, l, k);
		if (!(fl & TUI_UNHANDLED))
			return fl;
	}
	tui_msg_clear(t);
	fl = scr_list_move(l, k);
	if (fl != TUI_UNHANDLED)
		return fl;
	if (l->nrows > 0 && (tui_key_fn(k, KEY_LEFT) || tui_key_is(k, 'h'))) {
		scr_list_fold(l, 1);
		return TUI_REDRAW;
	}
	if (l->nrows > 0 && (tui_key_fn(k, KEY_RIGHT) || tui_key_is(k, 'l'))) {
		scr_list_fold(l, 0);
		return TUI_REDRAW;
	}
	if (tui_key_enter(k)) {
		if (l->nrows > 0 && scr_list_cur_profile(t, l) == NULL)
			scr_list_fold(l, -1);
		else
			scr_list_edit(t, l);
		return TUI_REDRAW;
	}
	if (k->fn)
		return TUI_NONE;
	cp = scr_list_cur_profile(t, l);
	switch (k->ch) {
	case 'q':
		return TUI_QUIT;
	case TUI_CTRL('c'):
		return TUI_QUIT;
	case TUI_ESC:
		if (l->filter != NULL)
			scr_list_set_filter(t, l, NULL);
		else if (l->marks.n > 0) {
			scr_list_marks_clear(&l->marks);
			tui_msg(t, TUI_MSG_INFO, "marks cleared");
		}
		break;
	case '/':
		l->filtering = true;
		break;
	case ' ':
		if (cp == NULL) {
			scr_list_mark_group(t, l);
			break;
		}
		if (scr_list_marked(&l->marks, cp->name))
			scr_list_marks_del(&l->marks, cp->name);
		else
			scr_list_marks_add(&l->marks, cp->name);
		if (l->cur < l->nrows - 1)
			l->cur++;
		break;
	case 'g':
		scr_list_mark_group(t, l);
		break;
	case 'n':
		scr_list_new(t, l);
		break;
	case 'e':
		scr_list_edit(t, l);
		break;
	case 't':
		scr_list_test(t, l);
		break;
	case 'b':
		scr_list_bulk(t, l);
		break;
	case 'd':
		scr_list_delete(t, l);
		break;
	case 'u':
		scr_list_undo(t, l);
		break;
	case 's':
		scr_list_sort(t, l);
		break;
	case '?':
		scr_list_help(t, "list");
		break;
	case TUI_CTRL('l'):
		clearok(curscr, TRUE);
		break;
	default:
		return TUI_NONE;
	}
	return TUI_REDRAW;
}

/*
 * Other programs (the CLI, a second popconn) change the database too: look
 * again now and then while the list is idle on top.  It costs one query
 * for the groups and one for the rows on screen.
 */
static int
scr_list_tick(struct tui *t, struct tui_screen *s)
{
	struct scr_list *l = s->priv;
	const struct profile *p;
	char *keep = NULL;

	if (l->typed != NULL) {
		keep = xstrdup(l->typed);
		scr_list_set_filter(t, l, keep);
		free(keep);
		return TUI_REDRAW;
	}
	if (l->filtering || l->reload_ms > SCR_LIST_TICK_MAX_MS)
		return TUI_NONE;
	p = scr_list_cur_profile(t, l);
	if (p != NULL) {
		keep = xstrdup(p->name);
		l->keep_id = p->id;
	}
	scr_list_reload(t, l, keep);
	free(keep);
	return TUI_REDRAW;
}

static void
scr_list_resize(struct tui *t, struct tui_screen *s)
{
	struct scr_list *l = s->priv;

	(void)t;
	scr_list_cache_drop(l);
}

static void
scr_list_free(struct tui *t, struct tui_screen *s)
{
	struct scr_list *l = s->priv;

	(void)t;
	scr_list_cache_drop(l);
	scr_list_groups_free(l);
	store_list_cleanup(&l->all);
	free(l->ids);
	scr_list_marks_clear(&l->marks);
	scr_list_marks_clear(&l->folded);
	scr_list_split_free(l);
	free(l->filter);
	free(l->typed);
	free(l->err);
	free(l);
	tui_screen_window_free(s);
}

static const struct tui_screen_ops scr_list_ops = {
	.name = "list",
	.draw = scr_list_draw,
	.key = scr_list_key,
	.resize = scr_list_resize,
	.free = scr_list_free,
	.cursor = scr_list_cursor,
	.tick = scr_list_tick,
};

void
scr_list_enter(struct tui *t)
{
	struct scr_list *l;
	struct tui_screen *s;

	l = xcalloc(1, sizeof *l);
	l->cache_top = -1;
	s = tui_push(t, &scr_list_ops, l);
	if (s == NULL)
		return;
	l->s = s;
	tui_screen_window(s);
}

/* ---- help ------------------------------------------------------------ */

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
