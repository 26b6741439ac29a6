/*
 * scr_list_int.h - internals of the list screen, shared by its files:
 * scr_list.c (the screen: drawing, keys, filter), scr_list_rows.c (row
 * layout and the cache of the rows on screen), scr_list_marks.c (sets of
 * names: marks, folded groups) and scr_list_act.c (test, bulk edit,
 * delete and undo on the marked set or the cursor's profile).
 */
#ifndef POPCONN_SCR_LIST_INT_H
#define POPCONN_SCR_LIST_INT_H

#include "tui_int.h"

/* A set of names, compared case-insensitively. */
struct scr_list_marks {
	char		**slot;		/* NULL empty, scr_list_tomb deleted */
	size_t		 cap;		/* power of two */
	size_t		 n;
	size_t		 used;		/* n + tombstones */
};

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

/* scr_list.c */
void		 scr_list_error(struct tui *t, const char *what, enum pc_err rc,
		    char *cause);
/* Group of the cursor's row (heading or profile); NULL when none. */
const char	*scr_list_cur_group(struct scr_list *l);

/* scr_list_marks.c */
bool		 scr_list_marked(const struct scr_list_marks *m, const char *name);
void		 scr_list_marks_add(struct scr_list_marks *m, const char *name);
void		 scr_list_marks_del(struct scr_list_marks *m, const char *name);
/* Empty the set and free its table. */
void		 scr_list_marks_clear(struct scr_list_marks *m);
/* The marked names, sorted.  Caller frees each and the array. */
char		**scr_list_marks_names(const struct scr_list_marks *m, int *n);
void		 scr_list_names_free(char **v, int n);

/* scr_list_rows.c */
/* The store's view of the list: group (NULL = all) under its filter. */
struct store_filter scr_list_filter(const struct scr_list *l,
		    const char *group);
void		 scr_list_cache_drop(struct scr_list *l);
void		 scr_list_groups_free(struct scr_list *l);
/* Listing position of the profile on row r, or -1 for a heading. */
int64_t		 scr_list_pos_of(const struct scr_list *l, int64_t r, int *group);
/* The profile on the cursor's row (NULL on a heading). */
struct profile	*scr_list_cur_profile(struct tui *t, struct scr_list *l);
/* Re-read the groups and counts; keep the cursor on keep when given. */
void		 scr_list_reload(struct tui *t, struct scr_list *l,
		    const char *keep);
/* Read the rows on screen that are not in the cache. */
void		 scr_list_fetch(struct tui *t, struct scr_list *l);
/* Keep the cursor's row on screen. */
void		 scr_list_scroll(struct scr_list *l);

/* scr_list_act.c */
void		 scr_list_test(struct tui *t, struct scr_list *l);
void		 scr_list_bulk(struct tui *t, struct scr_list *l);
void		 scr_list_delete(struct tui *t, struct scr_list *l);
void		 scr_list_undo(struct tui *t, struct scr_list *l);
/* Forget the marked set's split by the filter (after its dialog). */
void		 scr_list_split_free(struct scr_list *l);

#endif
