/*
 * logon_token.c - the OAuth2 token command, the LOGON_PH_TOKEN phase of a
 * test logon: start it, pump its pipes, drain them, judge what it printed,
 * end it.  It is started with posix_spawn in a session of its own, its
 * pipes (and a pidfd for its exit) are polled with the rest, and when it
 * times out or the test is cancelled its whole process group is killed,
 * so no helper outlives the test holding a descriptor.  Its output is the
 * token, a secret: only how many bytes it wrote is ever said.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/pidfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include "popconn/buf.h"
#include "popconn/clock.h"
#include "popconn/str.h"
#include "popconn/xmalloc.h"
#include "logon_int.h"

#define LOGON_TOKEN_MAX	(64 * 1024)	/* OAuth token command output */

extern char **environ;

/* Close *fd if it is open, and mark it closed. */
static void
logon_close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

/*
 * Stop the token command for good: kill its process group (it runs in a
 * session of its own, so the group is everything it started that did not
 * leave it), reap it, close the pipes and wipe what it said.  Also after
 * a normal exit: a leftover child would otherwise run on with nothing to
 * read it.  The group is killed before the leader is reaped, while its
 * pid cannot be reused.  Idempotent.
 */
void
logon_token_end(struct logon *lg)
{
	int status;

	if (lg->tok.pid > 0) {
		kill(-lg->tok.pid, SIGKILL);
		/* Before its setsid() ran, the group is not there yet. */
		kill(lg->tok.pid, SIGKILL);
		while (waitpid(lg->tok.pid, &status, 0) < 0 && errno == EINTR)
			;
		lg->tok.pid = -1;
	}
	logon_close_fd(&lg->tok.out);
	logon_close_fd(&lg->tok.err);
	logon_close_fd(&lg->tok.pidfd);
	buf_cleanup(&lg->tok.out_buf);
}

/*
 * The command failed: say how, and how much it wrote, never what (its
 * output and its standard error may hold the token or a credential).
 */
static void
logon_token_fail(struct logon *lg, const char *why)
{
	char *msg;

	msg = xasprintf("%s (it wrote %zu byte%s to standard output and %zu "
	    "to standard error, not shown)", why, lg->tok.nout,
	    lg->tok.nout == 1 ? "" : "s", lg->tok.nerr);
	logon_finish(lg, DIAG_TOKEN_FAILED, STEP_TOKEN, msg);
	free(msg);
}

/*
 * Start the token command: /bin/sh -c CMD in a session of its own
 * (POSIX_SPAWN_SETSID: pid = process group, and no controlling terminal,
 * so it cannot draw over the TUI), stdin /dev/null, stdout and stderr to
 * our pipes, nothing else inherited.
 */
enum pc_err
logon_token_start(struct logon *lg, char **cause)
{
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t at;
	sigset_t none, all;
	int out[2] = { -1, -1 }, err[2] = { -1, -1 }, e;
	char *argv[4], a_sh[] = "sh", a_c[] = "-c";
	pid_t pid;

	if (pipe2(out, O_CLOEXEC) != 0 || pipe2(err, O_CLOEXEC) != 0) {
		*cause = xasprintf("cannot run the token command: %s",
		    strerror(errno));
		logon_close_fd(&out[0]);
		logon_close_fd(&out[1]);
		return PC_E_IO;
	}
	/* Our ends only: the command's writes block as usual. */
	fcntl(out[0], F_SETFL, O_NONBLOCK);
	fcntl(err[0], F_SETFL, O_NONBLOCK);
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, STDIN_FILENO, "/dev/null",
	    O_RDONLY, 0);
	posix_spawn_file_actions_adddup2(&fa, out[1], STDOUT_FILENO);
	posix_spawn_file_actions_adddup2(&fa, err[1], STDERR_FILENO);
	posix_spawn_file_actions_addclosefrom_np(&fa, 3);
	posix_spawnattr_init(&at);
	sigemptyset(&none);
	sigfillset(&all);
	posix_spawnattr_setsigmask(&at, &none);
	/* The TUI ignores SIGPIPE and others: the helper starts clean. */
	posix_spawnattr_setsigdefault(&at, &all);
	posix_spawnattr_setflags(&at, POSIX_SPAWN_SETSID |
	    POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
	argv[0] = a_sh;
	argv[1] = a_c;
	argv[2] = lg->p->oauth_token_cmd;
	argv[3] = NULL;
	e = posix_spawn(&pid, "/bin/sh", &fa, &at, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&at);
	close(out[1]);
	close(err[1]);
	if (e != 0) {
		close(out[0]);
		close(err[0]);
		*cause = xasprintf("cannot run the token command: %s",
		    strerror(e));
		return PC_E_IO;
	}
	lg->tok.pid = pid;
	lg->tok.out = out[0];
	lg->tok.err = err[0];
	/* Without a pidfd (old kernel) the exit is checked every tick. */
	lg->tok.pidfd = pidfd_open(pid, 0);
	buf_init_secret(&lg->tok.out_buf, LOGON_TOKEN_MAX);
	return PC_OK;
}

/* Read what a pipe holds now; false at its end (or on an error). */
static bool
logon_token_drain(struct logon *lg, int fd, bool is_out)
{
	char chunk[4096];
	ssize_t r;
	bool open = true;

	for (;;) {
		r = read(fd, chunk, sizeof chunk);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0 && errno == EAGAIN)
			break;
		if (r <= 0) {
			open = false;
			break;
		}
		if (!is_out) {
			lg->tok.nerr += (size_t)r;	/* dropped */
			continue;
		}
		lg->tok.nout += (size_t)r;
		if (!lg->tok.too_long && buf_add(&lg->tok.out_buf, chunk,
		    (size_t)r) != PC_OK)
			lg->tok.too_long = true;
	}
	explicit_bzero(chunk, sizeof chunk);
	return open;
}

/* The command has exited and its output is read: judge it. */
static void
logon_token_judge(struct logon *lg)
{
	struct buf *b = &lg->tok.out_buf;
	int st = lg->tok.status;
	char *why;

	if (WIFSIGNALED(st)) {
		why = xasprintf("the token command was killed by signal %d",
		    WTERMSIG(st));
		logon_token_fail(lg, why);
		free(why);
		return;
	}
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
		why = xasprintf("the token command failed with exit status %d",
		    WIFEXITED(st) ? WEXITSTATUS(st) : -1);
		logon_token_fail(lg, why);
		free(why);
		return;
	}
	if (lg->tok.too_long) {
		logon_token_fail(lg, "the token command printed more than "
		    "65536 bytes");
		return;
	}
	while (b->len > 0 && (b->data[b->len - 1] == '\n' ||
	    b->data[b->len - 1] == '\r' || b->data[b->len - 1] == ' '))
		b->data[--b->len] = '\0';
	if (b->len == 0) {
		logon_token_fail(lg, "the token command printed nothing");
		return;
	}
	if (str_needs_escape(b->data, b->len)) {
		logon_token_fail(lg, "the token command printed control "
		    "characters");
		return;
	}
	lg->token = buf_take(b);
	logon_step_end(lg, lg->step_pop, true);
	logon_trace(lg, TRACE_INFO, "token command: exit status 0, %zu bytes "
	    "(a secret: not shown)", strlen(lg->token));
	logon_token_end(lg);
	logon_start_connect(lg);
}

/*
 * One step of the token phase: read both pipes, notice the exit, judge
 * the output once the command has exited and both pipes are drained (or
 * at once after its exit: a leftover child keeping a pipe open does not
 * hold the test up), and end it at the deadline.
 */
void
logon_token_pump(struct logon *lg)
{
	siginfo_t si;
	pid_t pid = lg->tok.pid;
	int r;

	if (lg->tok.out >= 0 && !logon_token_drain(lg, lg->tok.out, true))
		logon_close_fd(&lg->tok.out);
	if (lg->tok.err >= 0 && !logon_token_drain(lg, lg->tok.err, false))
		logon_close_fd(&lg->tok.err);
	/* Has it exited?  Look without reaping it (see logon_token_end). */
	memset(&si, 0, sizeof si);
	r = waitid(P_PID, (id_t)pid, &si, WEXITED | WNOHANG | WNOWAIT);
	if (r == 0 && si.si_pid == pid) {
		/* What it wrote before exiting is in the pipes. */
		if (lg->tok.out >= 0)
			(void)logon_token_drain(lg, lg->tok.out, true);
		if (lg->tok.err >= 0)
			(void)logon_token_drain(lg, lg->tok.err, false);
		kill(-pid, SIGKILL);
		while (waitpid(pid, &lg->tok.status, 0) < 0 && errno == EINTR)
			;
		lg->tok.pid = -1;
		logon_token_judge(lg);
		return;
	}
	if (r < 0 && errno == ECHILD) {
		/* Reaped by someone else: its status is unknown. */
		lg->tok.pid = -1;
		logon_token_fail(lg, "the token command's exit status was "
		    "lost");
		return;
	}
	if (clock_now_ms() >= lg->deadline) {
		logon_token_fail(lg, logon_tmpf(lg, "the token command did "
		    "not finish within %d s: it was ended with its process "
		    "group", lg->p->timeout));
	}
}
