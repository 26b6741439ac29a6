#!/usr/bin/perl
# tests/integ/crash_kill.pl - watch, or SIGKILL at a chosen moment, a popconn
# that crash.sh started in the background.  One process polling at 1-5 ms
# (a shell loop forking stat would be coarse and costly).  T0 is the start
# of the command in microseconds since the epoch (bash $EPOCHREALTIME
# without its dot); every time printed is in milliseconds since T0.  SIZE
# is the WAL file's size, -1 when there is none.
#
#   crash_kill.pl watch PID T0 DB MAX_MS
#       until PID ends: "MS wal SIZE" whenever the WAL size changes and
#       "MS db" whenever the database file's mtime changes (in WAL mode
#       only a checkpoint writes it); at the end "MS end".  If PID runs
#       longer than MAX_MS, SIGKILL and "MS timeout".
#   crash_kill.pl at PID T0 DB MS
#       SIGKILL at MS.
#   crash_kill.pl wal PID T0 DB BYTES
#       SIGKILL as soon as the WAL holds BYTES or more.
#   crash_kill.pl db PID T0 DB EXTRA_MS
#       SIGKILL EXTRA_MS after the database file is first written (inside
#       the checkpoint that follows the commit).
#
# The killing modes print "killed MS SIZE" (SIZE just before the signal)
# or "gone MS" when PID ended (or the trigger never came) first, MS then
# being when that was seen (within a few ms of the end).  PID
# is a child of the calling shell that it has not waited for yet, so its
# number cannot be reused meanwhile.
use strict;
use warnings;
use Time::HiRes qw(sleep time stat);

my ($mode, $pid, $t0, $db, $arg) = @ARGV;
die "usage: crash_kill.pl watch|at|wal|db PID T0 DB [ARG]\n"
    unless defined $db && $pid =~ /^\d+$/ && $t0 =~ /^\d+$/;
my $wal = "$db-wal";

sub ms { return int(time() * 1000 - $t0 / 1000); }

# Running: the process exists and is not a zombie.
sub alive {
	open(my $fh, '<', "/proc/$pid/stat") or return 0;
	my $line = <$fh>;
	close($fh);
	return 0 unless defined $line && $line =~ /\)\s+(\S)/;
	return $1 ne 'Z' && $1 ne 'X';
}

sub walsize { my $s = -s $wal; return defined $s ? $s : (-e $wal ? 0 : -1); }
sub dbmtime { my @s = stat($db); return @s ? $s[9] : -1; }

sub kill_now {
	if (!alive()) {
		printf "gone %d\n", ms();
		exit 0;
	}
	my $size = walsize();
	kill 'KILL', $pid;
	printf "killed %d %d\n", ms(), $size;
	exit 0;
}

$| = 1;
if ($mode eq 'watch') {
	my ($lw, $lm) = (-2, dbmtime());
	while (alive()) {
		my ($w, $m) = (walsize(), dbmtime());
		printf "%d wal %d\n", ms(), $w if $w != $lw;
		printf "%d db\n", ms() if $m != $lm;
		($lw, $lm) = ($w, $m);
		if (defined $arg && ms() > $arg) {
			kill 'KILL', $pid;
			printf "%d timeout\n", ms();
			exit 0;
		}
		sleep(0.002);
	}
	printf "%d end\n", ms();
} elsif ($mode eq 'at') {
	while (alive()) {
		my $left = $arg - ms();
		kill_now() if $left <= 0;
		sleep($left > 2 ? 0.002 : $left / 1000);
	}
	printf "gone %d\n", ms();
} elsif ($mode eq 'wal') {
	while (alive()) {
		kill_now() if walsize() >= $arg;
		sleep(0.002);
	}
	printf "gone %d\n", ms();
} elsif ($mode eq 'db') {
	my $m0 = dbmtime();
	while (alive()) {
		if (dbmtime() != $m0) {
			sleep($arg / 1000) if $arg > 0;
			kill_now();
		}
		sleep(0.002);
	}
	printf "gone %d\n", ms();
} else {
	die "crash_kill.pl: unknown mode '$mode'\n";
}
