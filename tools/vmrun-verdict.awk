# tools/vmrun's verdict on a guest's kernel log: finds every report of the
# kernel's bug detectors, names its kind, prints a summary line per report
# and the first one in full, and exits 1 when there is any (0 otherwise).
#
#   awk [-v known=REGEX] -f tools/vmrun-verdict.awk LOG...
#
# A report starts at a header line (the patterns below, most specific
# first) or at "[ cut here ]", whose kind the next header line decides. A
# WARN()-based report prints its message before "WARNING: CPU:", and BUG()
# its own before "kernel BUG at": once a report is open, a generic header
# (WARNING, BUG, Oops, a stack dump) belongs to it, while a specific header
# opens the next report. A report ends at "---[ end trace", at the end of
# its stack dump ("</TASK>"), or after 400 lines.
#
# known: a report is screened (shown as "known issue: ...", not counted)
# when its first line matches it; for a bare stack dump, the message above
# it; for a kmemleak report, any line of it (its backtrace). For known bugs
# of in-tree drivers, and for what a fault-injection test provokes.

# The kind of a line that opens (or names) a report; "" for none.
function kind_of(t) {
	if (t ~ /BUG: KASAN:/) return "KASAN"
	if (t ~ /WARNING: (possible circular locking|possible recursive locking|inconsistent lock state|suspicious RCU usage|bad unlock balance|held lock freed|lock held when returning|possible irq lock inversion|Nested lock was not taken)/ ||
	    t ~ /WARNING: [A-Z-]+-(safe|unsafe|READ-safe|READ-unsafe) -> / ||
	    t ~ /INFO: trying to register non-static key|BUG: MAX_LOCK|DEBUG_LOCKS_WARN_ON|BUG: lock held when|BUG: held lock freed/)
		return "lockdep"
	if (t ~ /BUG: (sleeping function called from invalid context|scheduling while atomic|workqueue leaked lock|using smp_processor_id\(\) in preemptible|using __this_cpu_[a-z_]+\(\) in preemptible)|Voluntary context switch within RCU read-side/)
		return "sleep-in-atomic"
	# (Not its boot notes: "DMA-API: preallocated ...", "... enabled by kernel config".)
	if (t ~ /DMA-API: ([^ ]+ [^ ]+: |debugging out of memory|cacheline tracking)/) return "DMA-API"
	if (t ~ /UBSAN: /) return "UBSAN"
	if (t ~ /ODEBUG: /) return "ODEBUG"
	if (t ~ /kobject: .*(tried to init an initialized object|is not initialized, yet kobject_)|kobject_add_internal failed|kobject: .*: (tried to|is not)|sysfs: cannot create duplicate filename/)
		return "kobject"
	if (t ~ /list_(add|del) corruption|list_add double add|list_del corruption|hlist_(add|del).* corruption/)
		return "list-corruption"
	if (t ~ /INFO: task .* blocked for more than [0-9]+ seconds/) return "hung-task"
	if (t ~ /BUG: soft lockup|BUG: workqueue lockup|watchdog: BUG:/) return "soft-lockup"
	if (t ~ /rcu: INFO: .*(stall|detected stalls)|INFO: rcu_(sched|preempt) (self-)?detected stall/)
		return "RCU-stall"
	if (t ~ /unreferenced object 0x[0-9a-f]+ \(size|kmemleak: (Kernel memory leak detector disabled|Cannot allocate|Memory pool empty)/) return "kmemleak"
	if (t ~ /Kernel panic - not syncing/) return "panic"
	if (t ~ /kernel BUG at|BUG: |Oops: |general protection fault|BUG: unable to handle/) return "BUG"
	if (t ~ /WARNING: CPU: [0-9]+ PID: /) return "WARNING"
	if (t ~ /Call Trace:/) return "stack-dump"
	return ""
}

function generic(k) {
	return k == "WARNING" || k == "BUG" || k == "stack-dump" || k == "panic"
}

function open_report(k, line) {
	n++
	kind[n] = k
	first[n] = line
	lines[n] = 0
	screened[n] = (known != "" && line ~ known)
	open = 1
	age = 0
}

function add_line(line, t) {
	if (lines[n] < 120)
		text[n, ++lines[n]] = line
	else
		lines_cut[n] = 1
	# kmemleak's reports are known by their backtrace.
	if (known != "" && kind[n] == "kmemleak" && t ~ known)
		screened[n] = 1
}

{
	line = $0
	sub(/\r$/, "", line)
	t = line
	sub(/^\[ *[0-9]+\.[0-9]+\] /, "", t)
	k = kind_of(t)
	if (t ~ /-+\[ cut here \]-+/) {
		if (!open) {
			open_report("", "")
			pending = 1
		}
		add_line(line, t)
		next
	}
	if (open && pending) {
		# What follows "cut here" says what it is: a specific header, or
		# a WARN() message and then the WARNING line.
		if (k != "" && !generic(k)) {
			kind[n] = k
			first[n] = t
			pending = 0
		} else if (k != "") {
			kind[n] = k
			if (first[n] == "")
				first[n] = t
			pending = 0
		} else if (first[n] == "" && t !~ /^[ \t]*$/) {
			first[n] = t
		}
		screened[n] = (known != "" && first[n] ~ known)
	} else if (k != "" && (!open || !generic(k))) {
		open_report(k, t)
		# A bare stack dump (dump_stack(), warn_alloc()) is named by the
		# message above it.
		if (k == "stack-dump" && context != "") {
			first[n] = context
			screened[n] = (known != "" && context ~ known)
		}
	}
	if (!open) {
		if (line ~ /^\[ *[0-9]+\.[0-9]+\] / && t !~ /^(CPU: |Hardware name: |Tainted: )/)
			context = t
		next
	}
	add_line(line, t)
	if (t ~ /---\[ end trace/ || t ~ /<\/TASK>/ || ++age > 400) {
		if (kind[n] == "")
			kind[n] = "WARNING"
		open = 0
		pending = 0
		context = ""
	}
}

END {
	if (open && kind[n] == "")
		kind[n] = "WARNING"
	m = 0
	for (i = 1; i <= n; i++) {
		if (screened[i]) {
			print "known issue: " kind[i] ": " first[i] > "/dev/stderr"
			continue
		}
		idx[++m] = i
	}
	if (m == 0)
		exit 0
	kinds = ""
	for (j = 1; j <= m; j++)
		kinds = kinds (j > 1 ? ", " : "") kind[idx[j]]
	plural = m > 1 ? "s" : ""
	printf("vmrun: the guest kernel reported errors: %d report%s (%s)\n", m, plural, kinds) > "/dev/stderr"
	for (j = 1; j <= m && j <= 20; j++)
		printf("vmrun:   %s: %s\n", kind[idx[j]], first[idx[j]]) > "/dev/stderr"
	if (m > 20)
		printf("vmrun:   ... and %d more\n", m - 20) > "/dev/stderr"
	i = idx[1]
	printf("vmrun: report 1 of %d (%s), in full:\n", m, kind[i]) > "/dev/stderr"
	for (l = 1; l <= lines[i]; l++)
		print text[i, l] > "/dev/stderr"
	if (lines_cut[i])
		print "[... cut at 120 lines]" > "/dev/stderr"
	exit 1
}
