/*
 * embed.h - files compiled into the binary by cmake/embed.cmake (database
 * migrations, presets).  Each entry is a file's base name and contents.
 */
#ifndef POPCONN_EMBED_H
#define POPCONN_EMBED_H

struct pc_embed {
	const char	*name;		/* base name, e.g. "0001_init.sql" */
	const char	*data;		/* NUL-terminated contents */
};

#endif
