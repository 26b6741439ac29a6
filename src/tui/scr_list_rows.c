/*
 * scr_list_rows.c - the list screen's rows: the layout of group headings
 * and profile rows over the store's listing order, (re)built from the
 * group counts by scr_list_reload, and the cache of the rows on screen,
 * read one page per run of listing positions by scr_list_fetch.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "popconn/str.h"
#include "scr_list_int.h"

/* The store's view of the list: group (NULL = all) under its filter,
 * in its order. */
struct store_filter
scr_list_filter(const struct scr_list *l, const char *group)
{
	struct store_filter f = { .group = group };

	f.text = l->filter;
	f.sort = l->sort;
	f.now = l->now;
	return f;
}

void
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

void
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
int64_t
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

/*
 * The profile on the cursor's row (NULL on a heading).  The rows are read
 * again first when a reload dropped them since the last draw, so a key
 * that arrives in the same turn as the reload still finds its profile.
 */
struct profile *
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
void
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
void
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

void
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
