/*
 * A model of the event feed's protocol (pkg/feed, docs/feeds.md), checked
 * exhaustively by spin (tools/check-model.sh):
 *
 *   spin -a feed.pml && cc -O2 -o pan pan.c && ./pan -m100000
 *
 * Processes: an outbox writer (one event e1), a record writer (a batch of
 * two records r1, r2 that are their own events), two relays that take a
 * lease that can expire at any moment (so the holder may lose it while it
 * works, and go on as if it held it), and two readers. Any process may
 * stall between any two steps for as long as it likes (spin tries every
 * interleaving), and the writers may crash at every step. Every database
 * command is one atomic step, as a single-document write is.
 *
 * The log: place[1..] holds a chunk's batch token (0 = free); the first
 * insert at a place wins, and a token may be placed once (the unique batch
 * index). Token 1 is e1; token 2+k is the record batch's placing k, whose
 * records are the bits of content[] (1 = r1, 2 = r2).
 *
 * Checked: a reader delivers only committed events, none twice, and, when
 * every process has ended, every committed event, with both readers in
 * one order.
 *
 * With -DGAPRULE the model is the old protocol instead: writers take a
 * number from a counter, then commit at it, and a reader passes a missing
 * number once a later one is committed and its wait (any length) is over.
 * spin finds a committed event that a reader skipped.
 */

#ifndef RELAYS
#define RELAYS 2
#endif
#ifndef READERS
#define READERS 2
#endif
#define L 6          /* places 1..L-1 */
#define R1 1
#define R2 2
#define ALLREC 3

byte place[L];
byte content[L];
bool taken[6];       /* tokens with a place: the unique batch index */
byte hint = 1;       /* where the chain ends, at least: a hint */

bool e1committed;    /* the outbox event, committed with its change */
bool e1cleared;      /* removed from the outbox after placing */
byte present;        /* records committed (bits) */

bool intent;         /* the record batch's intent document */
byte iv;             /* its version */
byte iplaced;        /* records placed by placings 0..iv-1 */

byte writersDone, relaysDone, readersDone;

/* per reader: delivered items (bit 0 = e1, 1 = r1, 2 = r2), and order */
byte seen[2];
byte order[6];
byte count[2];

#ifndef GAPRULE

/* place tok with content m at the end of the chain: res is 1 if this
 * insert put it there, 0 if the token has a place already (then got is
 * what that place holds). With -DFROMHINT the placer starts at the shared
 * hint of where the chain ends (which may lag), so that only the unique
 * batch index keeps it from placing a token twice; without, it starts at
 * place 1, as a process that has no hint (fewer states: the two-relay
 * configuration is checked so). An insert and, when it fails, the read of the place (or of
 * the token's place) are one step: a taken place never changes, and a
 * token's place, once it has one, neither. */
inline placeChunk(tok, m) {
#ifdef FROMHINT
	pos = hint;
#else
	pos = 1;
#endif
	res = 2;
	do
	:: res != 2 -> break
	:: else ->
		assert(pos < L);
		atomic {
			if
			:: place[pos] == 0 && !taken[tok] ->
				place[pos] = tok; content[pos] = m; taken[tok] = true; res = 1; got = m
			:: place[pos] == tok -> got = content[pos]; res = 0   /* an earlier attempt */
			:: place[pos] != 0 && place[pos] != tok -> pos++      /* taken: go after it */
			:: place[pos] == 0 && taken[tok] ->                   /* placed elsewhere */
				k = 1;
				do
				:: k < L && place[k] == tok -> got = content[k]; break
				:: k < L && place[k] != tok -> k++
				:: k >= L -> assert(false)
				od;
				k = 0;
				res = 0
			fi
		}
	od;
#ifdef FROMHINT
	atomic { if :: hint < pos + res -> hint = pos + res :: else -> skip fi; pos = 0 }
#else
	pos = 0
#endif
}

/* settle the record batch: place what is committed and has no place yet.
 * A writer knows what it inserted (ins); a relay (ins == 255) looks. */
inline settle(ins) {
	if
	:: ins != 255 -> v = 0; pl = 0; live = true   /* the writer knows the intent it wrote */
	:: else -> atomic { if :: intent -> v = iv; pl = iplaced; live = true :: else -> live = false fi }
	fi;
	do
	:: !live -> break
	:: else ->
		if
		:: ins != 255 -> want = ins & ~pl
		:: else ->
			want = 0;
			if :: present & R1 -> want = want | R1 :: else -> skip fi;
			if :: present & R2 -> want = want | R2 :: else -> skip fi;
			want = want & ~pl
		fi;
		if
		:: want == 0 ->
			atomic {
				if
				:: ins != 255 || pl == ALLREC -> intent = false
				:: else -> skip
				fi
			}
			live = false
		:: else ->
			placeChunk(2 + v, want);
			atomic {
				if
				:: ins != 255 && v == 0 && res == 1 && got == ins && intent && iv == 0 ->
					intent = false; live = false      /* the common case: delete the intent if still v0 */
				:: else ->
					if
					:: intent && iv == v -> iv = v + 1; iplaced = iplaced | got; v = v + 1; pl = pl | got
					:: !intent -> live = false
					:: intent && iv != v -> v = iv; pl = iplaced
					fi
				fi;
				res = 0; got = 0
			}
		fi
	od;
	atomic { v = 0; pl = 0; want = 0 }
}

proctype OutboxWriter() {
	byte pos, res, got, k;
	if
	:: true -> goto done              /* crash before the change commits */
	:: true -> e1committed = true
	fi;
	if :: true -> goto done :: true -> skip fi;   /* crash before placing */
	placeChunk(1, 0);
	atomic { res = 0; got = 0 }
	if :: true -> goto done :: true -> skip fi;   /* crash before clearing the outbox */
	e1cleared = true;
done:
	writersDone++
}

proctype RecordWriter() {
	byte pos, res, got, k, v, pl, want, ins;
	bool live;
	intent = true;
	if :: true -> goto done :: true -> skip fi;   /* crash before inserting */
	/* an unordered insertMany: r1 goes in, r2 goes in or fails (a duplicate) */
	present = present | R1;
	ins = R1;
	if :: true -> goto done :: true -> skip fi;   /* crash in the middle of it */
	if :: present = present | R2; ins = ins | R2 :: true -> skip fi;
	if :: true -> goto done :: true -> skip fi;   /* crash after commit, before placing */
	settle(ins);
done:
	writersDone++
}

/* A relay: it takes the lease and publishes what is committed and has no
 * place (an outbox a writer did not clear, a record batch a writer did not
 * finish). The lease is taken when free or expired by the taker's clock,
 * which may be at any moment: so it never keeps another relay from a
 * round, and a holder may lose it in the middle of a round and go on.
 * Relay 1 makes one round (a holder that stalls, loses the lease, wakes
 * and finishes its round); relay 2 goes on until nothing is left. */
proctype Relay(byte me; bool once) {
	byte pos, res, got, k, v, pl, want;
	bool live;
	do
	:: atomic {
		writersDone == 2 && (!e1committed || e1cleared) &&
		(!intent || (present & ~iplaced) == 0) -> break
	   }
	:: (e1committed && !e1cleared) || (intent && (present & ~iplaced) != 0) ->
		if
		:: e1committed && !e1cleared -> placeChunk(1, 0); atomic { e1cleared = true; res = 0; got = 0 }
		:: else -> skip
		fi;
		settle(255);
		if :: once -> break :: else -> skip fi
	od;
	relaysDone++
}

#else /* GAPRULE: the old protocol */

byte counter = 1;

proctype OldWriter(byte tok) {
	byte n;
	atomic { n = counter; counter++ }        /* take a number */
	if :: true -> goto done :: true -> skip fi;  /* crash: the number is abandoned */
	/* commit at it, later: any delay */
	atomic {
		place[n] = tok; content[n] = R1;
		if :: tok == 1 -> e1committed = true :: else -> present = present | R1 fi
	}
done:
	writersDone++
}

#endif

/* a reader delivers the chunk at pos */
inline deliver(r) {
	atomic {
		if
		:: place[pos] == 1 ->
			assert(e1committed);
			assert((seen[r] & 1) == 0);
			seen[r] = seen[r] | 1; order[r * 3 + count[r]] = 1; count[r]++
		:: else ->
			if
			:: content[pos] & R1 ->
				assert(present & R1);
				assert((seen[r] & 2) == 0);
				seen[r] = seen[r] | 2; order[r * 3 + count[r]] = 2; count[r]++
			:: else -> skip
			fi;
			if
			:: content[pos] & R2 ->
				assert(present & R2);
				assert((seen[r] & 4) == 0);
				seen[r] = seen[r] | 4; order[r * 3 + count[r]] = 3; count[r]++
			:: else -> skip
			fi
		fi
	}
}

proctype Reader(byte r) {
	byte pos = 1;
#ifdef GAPRULE
	byte q;
#endif
	do
	:: place[pos] != 0 -> deliver(r); pos++
#ifdef GAPRULE
	:: atomic {
		/* the old rule: a later number is committed and the wait is over */
		place[pos] == 0 -> q = pos + 1;
		do
		:: q < L && place[q] != 0 -> pos++; break
		:: q < L && place[q] == 0 -> q++
		:: q >= L -> break
		od
	   }
	:: atomic {
		/* the end: nothing is or will be committed at or after pos */
		place[pos] == 0 && writersDone == 2 -> q = pos;
		do
		:: q < L && place[q] == 0 -> q++
		:: q < L && place[q] != 0 -> break
		:: q >= L -> goto out
		od
	   }
#else
	:: place[pos] == 0 && relaysDone == RELAYS -> break
#endif
	od;
#ifdef GAPRULE
out:
#endif
	readersDone++
}

init {
	byte i;
	atomic {
#ifdef GAPRULE
		run OldWriter(1); run OldWriter(2);
#else
		run OutboxWriter(); run RecordWriter();
		run Relay(2, false);
#if RELAYS > 1
		run Relay(1, true);
#endif
#endif
		run Reader(0);
#if READERS > 1
		run Reader(1)
#endif
	}
	readersDone == READERS;
	/* every committed event delivered to every reader, in one order */
	i = 0;
	do
	:: i < READERS ->
		assert(!e1committed || (seen[i] & 1));
		assert(!(present & R1) || (seen[i] & 2));
		assert(!(present & R2) || (seen[i] & 4));
		assert(count[i] == count[0]);
		i++
	:: else -> break
	od;
	i = 0;
	do
	:: READERS > 1 && i < count[0] -> assert(order[i] == order[3 + i]); i++
	:: else -> break
	od
}
