/*
 * scr_list_marks.c - the list screen's sets of names: the marked profiles
 * and the folded groups.  A set is an open-addressing hash table of names
 * compared case-insensitively (as the store compares them), so marks
 * survive scrolling, filtering and reloading at any number of profiles.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "popconn/str.h"
#include "scr_list_int.h"

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

bool
scr_list_marked(const struct scr_list_marks *m, const char *name)
{
	bool found;

	if (m->n == 0)
		return false;
	scr_list_marks_find(m, name, &found);
	return found;
}

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

void
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

void
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

void
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
char **
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

void
scr_list_names_free(char **v, int n)
{
	int i;

	for (i = 0; i < n; i++)
		free(v[i]);
	free(v);
}
