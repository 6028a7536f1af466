#!/usr/bin/env python3
"""jfr-summary.py REC.jfr [N]: where the CPU time and the allocations of a JFR recording go.

Reads `jfr print --json` (any JDK's jfr) and prints Markdown: per thread, the share of Java execution
samples (jdk.ExecutionSample: threads running Java code) and of native samples (jdk.NativeMethodSample:
threads inside a native method, e.g. a socket read, epoll or fdatasync); the top N methods by self
samples (the top frame), overall and per broker thread; the top N methods by inclusive samples in
io.cairn; and the top N allocated classes and allocating io.cairn methods by weight
(jdk.ObjectAllocationSample, an estimate of bytes allocated).
"""
import collections, json, re, subprocess, sys

rec = sys.argv[1]
N = int(sys.argv[2]) if len(sys.argv) > 2 else 10
JFR = "jfr"


def events(kind):
    out = subprocess.run([JFR, "print", "--json", "--stack-depth", "64", "--events", kind, rec],
                         check=True, capture_output=True, text=True).stdout
    return json.loads(out)["recording"]["events"]


def thread_group(name):
    # "MultiThreadIoEventLoopGroup-3-1" -> event loop; numbered pools collapse to one line
    if name is None:
        return "?"
    if "EventLoop" in name:
        return "netty event loop (" + name + ")"
    return re.sub(r"-\d+$", "-N", name) if re.search(r"pool-\d+-thread", name) else name


def frame_name(f):
    m = f["method"]
    return m["type"]["name"].replace("/", ".") + "." + m["name"]


def frames(e):
    st = e["values"].get("stackTrace")
    return st["frames"] if st else []


def table(title, header, rows):
    print(f"\n{title}\n")
    print("| " + " | ".join(header) + " |")
    print("|" + "---|" * len(header))
    for r in rows:
        print("| " + " | ".join(str(c) for c in r) + " |")


load = collections.defaultdict(list)
for e in events("jdk.ThreadCPULoad"):
    v = e["values"]
    load[thread_group(v["eventThread"]["javaName"])].append((v["user"], v["system"]))
# a thread's first value covers the time since the thread started (startup, for "main"): drop it
load = {t: l[1:] for t, l in load.items() if len(l) > 1}
table("CPU by thread (jdk.ThreadCPULoad, mean over the recording, % of the whole machine)",
      ["thread", "user", "system", "user + system"],
      [(t, f"{100 * sum(u for u, _ in l) / len(l):.1f}%", f"{100 * sum(s for _, s in l) / len(l):.1f}%",
        f"{100 * sum(u + s for u, s in l) / len(l):.1f}%")
       for t, l in sorted(load.items(), key=lambda kv: -sum(u + s for u, s in kv[1]) / len(kv[1]))[:10]])

exe = events("jdk.ExecutionSample")
nat = events("jdk.NativeMethodSample")
by_thread = collections.Counter(thread_group(e["values"]["sampledThread"]["javaName"]) for e in exe)
nat_thread = collections.Counter(thread_group(e["values"]["sampledThread"]["javaName"]) for e in nat)
total = sum(by_thread.values())
table(f"Java execution samples by thread ({total} samples)", ["thread", "samples", "share"],
      [(t, c, f"{100 * c / total:.1f}%") for t, c in by_thread.most_common(12)])
table("Native-method samples by thread (threads inside a native call; not CPU by itself)",
      ["thread", "samples", "top native frame"],
      [(t, c, collections.Counter(frame_name(frames(e)[0]) for e in nat
                                  if thread_group(e["values"]["sampledThread"]["javaName"]) == t and frames(e))
        .most_common(1)[0][0]) for t, c in nat_thread.most_common(8)])

self_all = collections.Counter(frame_name(frames(e)[0]) for e in exe if frames(e))
table(f"Top {N} methods by self samples (all threads)", ["method", "samples", "share"],
      [(m, c, f"{100 * c / total:.1f}%") for m, c in self_all.most_common(N)])

for t in [t for t, _ in by_thread.most_common(4)]:
    sel = [e for e in exe if thread_group(e["values"]["sampledThread"]["javaName"]) == t and frames(e)]
    c = collections.Counter(frame_name(frames(e)[0]) for e in sel)
    table(f"{t}: top 5 by self samples ({len(sel)})", ["method", "samples", "share of thread"],
          [(m, n, f"{100 * n / len(sel):.1f}%") for m, n in c.most_common(5)])

incl = collections.Counter()
for e in exe:
    seen = set(frame_name(f) for f in frames(e) if frame_name(f).startswith("io.cairn"))
    incl.update(seen)
table(f"Top {2 * N} io.cairn methods by inclusive samples", ["method", "samples", "share"],
      [(m, c, f"{100 * c / total:.1f}%") for m, c in incl.most_common(2 * N)])

alloc = events("jdk.ObjectAllocationSample")
by_class = collections.Counter()
by_site = collections.Counter()
for e in alloc:
    v = e["values"]
    w = v.get("weight", 0)
    by_class[v["objectClass"]["name"].replace("/", ".")] += w
    site = next((frame_name(f) for f in frames(e) if frame_name(f).startswith("io.cairn")), None)
    by_site[site or "(no io.cairn frame)"] += w
atotal = sum(by_class.values()) or 1
table(f"Top {N} allocated classes (sampled weight, {atotal / 2**20:.0f} MiB in all)", ["class", "MiB", "share"],
      [(k, f"{w / 2**20:.1f}", f"{100 * w / atotal:.1f}%") for k, w in by_class.most_common(N)])
table(f"Top {N} allocating sites (innermost io.cairn frame)", ["method", "MiB", "share"],
      [(k, f"{w / 2**20:.1f}", f"{100 * w / atotal:.1f}%") for k, w in by_site.most_common(N)])
