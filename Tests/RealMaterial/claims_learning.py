#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Timbre Learner's claims on real instruments (issue 10, "A factory patch that learns").

The error measured is the circuit's own: the GaussianErrorCell's L (its energy, -L, summed
over bands and both channels), read from `graded-cli render --trace` (~30 snapshots a
second), averaged over windows and given in dB (10 log10 mean -L).

Material (rendered here by fluidsynth, cached in GRADED_REAL_WORK):
  organ_strings.wav  church organ chord C3 C4 E4 G4 C5 held 0.1-40 s, then a string
                     ensemble D3 A3 D4 F4 A4 held 40-80 s (80.3 s, -1 dBFS peak)
  ten_minutes.wav    organ_strings + the material's piano, drums, drums_pad, speech and
                     pad_speech, repeated to 600 s

Claims (each one printed line, `claim | patch | material | figures | PASS/FAIL (threshold)`);
falls, rises and relearns run at -1 dBFS and again on the same file 20 dB lower:
  falls      error over 0.1-0.6 s (the organ's first half second) minus error over 29-30 s >= 10 dB
  learns     the same patch with learning off from the start (`--set learn=0`: the dictionary
             stays at its initial weights): its error over 29-30 s minus the learner's
             >= 10 dB (the fall is the dictionary's learning, not the causes settling)
  rises      error over 40.1-40.6 s (the strings' first half second) minus 39-40 s >= 3 dB
  relearns   error over 40.1-40.6 s minus 69-70 s >= 3 dB, and 69-70 s at most 1 dB above 39-40 s
  bounded    10 minutes: every traced value finite; the prediction (dict.outputs) within
             [0, 8 x 1] (8 causes, weights in [0, 1]) and its largest value in the last
             5 minutes at most 1.5 x that of the first 5; output sample peak < 0 dBFS; and the
             dictionary's weights after the 600 s (`graded-cli weights export`, dict.npz)
             finite and within [0, 1] (w_bound 1)
  steps      at steps of 16 and 512 samples (the extremes) on organ_strings: the error over
             79-80 s is >= 10 dB below the organ's first half second (no oscillation: learning
             is per step, so it is slower per second at large steps, but it must stay stable)
  focus      focus 0 (the prediction) and 0.5 (a mix) on organ_strings: sample peak < 0 dBFS
Exit status 0 all passed, 1 a claim failed or a render failed, 2 no material.
"""
import csv
import os
import subprocess
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import gcmeasure as gm  # noqa: E402
import make_material as mm  # noqa: E402

PATCH = "Timbre Learner"
RATE = 48000
FALL_DB = 10.0
RISE_DB = 3.0
RELEARN_DB = 3.0
QUIET_DB = -20.0  # the level-independence run: the same file 20 dB lower


def organ_strings(path):
    if os.path.isfile(path):
        return
    ev = mm.program(0, 19) + mm.program(1, 48, 0)
    for k in (48, 60, 64, 67, 72):
        ev += mm.note(0, k, 100, 100, 40000)
    for k in (50, 57, 62, 65, 69):
        ev += mm.note(1, k, 100, 40000, 80000)
    mid = path + ".mid"
    with open(mid, "wb") as f:
        f.write(mm.smf_type0(ev, 80300))
    x = mm.fluidsynth(mid, path + ".raw.wav", RATE)
    x = mm.fade(mm.normalise(mm.fit(x, 80.3, RATE)), RATE)
    gm.write_wav_float(path, x, RATE)


def ten_minutes(path, mat, first):
    if os.path.isfile(path):
        return
    parts = [gm.read_wav(first)[0]]
    for name in ("piano", "drums", "drums_pad", "speech", "pad_speech"):
        x, sr = gm.read_wav(os.path.join(mat, name + ".wav"))
        if sr != RATE:
            raise SystemExit(f"claims_learning: {name}.wav is {sr} Hz, wanted {RATE}")
        parts.append(x)
    one = np.vstack(parts)
    n = 600 * RATE
    reps = int(np.ceil(n / one.shape[0]))
    gm.write_wav_float(path, np.vstack([one] * reps)[:n], RATE)


def read_trace(path):
    with open(path, newline="") as f:
        r = csv.reader(f)
        head = next(r)
        rows = np.array([[float(v) for v in row] for row in r])
    return head, rows


def err_db(t, e, a, b):
    s = (t >= a) & (t < b)
    return 10 * np.log10(np.mean(e[s]) + 1e-30)


def line(claim, material, figures, ok, threshold):
    print(f"{claim:8s} | {PATCH} | {material:22s} | {figures} | {'PASS' if ok else 'FAIL'} ({threshold})")
    return ok


def main():
    try:
        cli = gm.cli_path()
    except gm.RenderError as e:
        print(f"claims_learning: {e}", file=sys.stderr)
        return 2
    mat = os.environ.get("GRADED_REAL_MATERIAL")
    work = os.environ.get("GRADED_REAL_WORK")
    if not mat or not os.path.isdir(mat) or not work:
        print(f"claims_learning: GRADED_REAL_MATERIAL ({mat!r}, a folder made by make_material.py) and "
              f"GRADED_REAL_WORK ({work!r}) are needed", file=sys.stderr)
        return 2
    os.makedirs(work, exist_ok=True)
    results = []
    os_wav = os.path.join(work, "organ_strings.wav")
    organ_strings(os_wav)

    # the error on a steady instrument, then on a change of instrument; at -1 dBFS and the
    # same file 20 dB lower (the circuit sees levels relative to the input's own level)
    quiet = os.path.join(work, "organ_strings.quiet.wav")
    if not os.path.isfile(quiet):
        x, sr = gm.read_wav(os_wav)
        gm.write_wav_float(quiet, x * 10 ** (QUIET_DB / 20), sr)
    e30 = None
    for wav, level in ((os_wav, ""), (quiet, " -21 dBFS")):
        tag = "organ_strings" + (".quiet" if level else "")
        trace = os.path.join(work, tag + ".csv")
        r = subprocess.run([cli, "render", "--patch", PATCH, wav, os.path.join(work, "out." + tag + ".wav"), "--bits", "32f",
                            "--trace", trace], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        if r.returncode != 0:
            print(f"render failed: {r.stderr.strip()}")
            return 1
        head, rows = read_trace(trace)
        t = rows[:, head.index("time_s")]
        e = -rows[:, head.index("error.L[ch0+ch1]")]
        e0, e30_here = err_db(t, e, 0.1, 0.6), err_db(t, e, 29.0, 30.0)
        if e30 is None:
            e30 = e30_here
        before, onset, after = err_db(t, e, 39.0, 40.0), err_db(t, e, 40.1, 40.6), err_db(t, e, 69.0, 70.0)
        results.append(line("falls", "organ (0-40 s)" + level,
                            f"error {e0:6.1f} dB over 0.1-0.6 s, {e30_here:6.1f} dB over 29-30 s: fell {e0 - e30_here:5.1f} dB",
                            e0 - e30_here >= FALL_DB, f">= {FALL_DB:g} dB"))
        results.append(line("rises", "organ -> strings (40 s)" + level,
                            f"error {before:6.1f} dB over 39-40 s, {onset:6.1f} dB over 40.1-40.6 s: rose {onset - before:5.1f} dB",
                            onset - before >= RISE_DB, f">= {RISE_DB:g} dB"))
        results.append(line("relearns", "strings (40-80 s)" + level,
                            f"error {onset:6.1f} dB over 40.1-40.6 s, {after:6.1f} dB over 69-70 s: fell {onset - after:5.1f} dB "
                            f"({after - before:+5.1f} dB against the organ's 39-40 s)",
                            onset - after >= RELEARN_DB and after - before <= 1.0,
                            f">= {RELEARN_DB:g} dB, and at most 1 dB above 39-40 s"))
        if not level:
            curve = [(a, b, err_db(t, e, a, b)) for a, b in ((0, 1), (1, 2), (5, 6), (10, 11), (20, 21), (29, 30), (39, 40),
                                                             (40, 41), (45, 46), (50, 51), (60, 61), (70, 71), (79, 80))]
    for a, b, v in curve:
        print(f"         | {PATCH} | error over time        | {a:3d}-{b:3d} s: {v:6.1f} dB")

    # the same circuit that does not learn: the plugin's Learn switch off from the start
    trace_fz = os.path.join(work, "organ_strings.frozen.csv")
    r = subprocess.run([cli, "render", "--patch", PATCH, os_wav, os.path.join(work, "out.frozen.wav"), "--bits", "32f",
                        "--set", "learn=0", "--trace", trace_fz], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if r.returncode != 0:
        print(f"render failed: {r.stderr.strip()}")
        return 1
    hf, rf = read_trace(trace_fz)
    tf, ef = rf[:, hf.index("time_s")], -rf[:, hf.index("error.L[ch0+ch1]")]
    f30 = err_db(tf, ef, 29.0, 30.0)
    results.append(line("learns", "organ (0-40 s)",
                        f"error over 29-30 s: {f30:6.1f} dB frozen at the initial weights, {e30:6.1f} dB learning: "
                        f"{f30 - e30:5.1f} dB lower", f30 - e30 >= FALL_DB, f">= {FALL_DB:g} dB"))
    # ten minutes: bounded
    tm = os.path.join(work, "ten_minutes.wav")
    ten_minutes(tm, mat, os_wav)
    trace10 = os.path.join(work, "ten_minutes.csv")
    out10 = os.path.join(work, "out.ten_minutes.wav")
    r = subprocess.run([cli, "render", "--patch", PATCH, tm, out10, "--bits", "32f", "--trace", trace10],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if r.returncode != 0:
        print(f"render failed: {r.stderr.strip()}")
        return 1
    head, rows = read_trace(trace10)
    t = rows[:, head.index("time_s")]
    mu_cols = [i for i, h in enumerate(head) if h.startswith("dict.outputs")]
    mu = rows[:, mu_cols]
    finite = bool(np.all(np.isfinite(rows)))
    first, last = mu[t < 300].max(), mu[t >= 300].max()
    y, _ = gm.read_wav(out10)
    peak = gm.sample_peak_db(y)
    e = -rows[:, head.index("error.L[ch0+ch1]")]
    results.append(line("bounded", "ten_minutes (600 s)",
                        f"{t[-1]:.0f} s traced, all finite: {finite}; prediction in [{mu.min():.3f}, {mu.max():.3f}], "
                        f"largest {first:.3f} (0-300 s) / {last:.3f} (300-600 s); error max {10 * np.log10(e.max() + 1e-30):.1f} dB; "
                        f"out peak {peak:.2f} dBFS",
                        finite and t[-1] > 590 and mu.min() >= 0 and mu.max() <= 8.0 and last <= 1.5 * first and peak < 0,
                        "finite, in [0, 8], last half <= 1.5 x first, peak < 0 dBFS"))

    # stable at the extreme step sizes
    for step in (16, 512):
        tr = os.path.join(work, f"organ_strings.step{step}.csv")
        r = subprocess.run([cli, "render", "--patch", PATCH, os_wav, os.path.join(work, f"out.step{step}.wav"), "--bits", "32f",
                            "--set", f"step={step}", "--trace", tr], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        if r.returncode != 0:
            print(f"render failed: {r.stderr.strip()}")
            return 1
        hs, rs = read_trace(tr)
        ts, es = rs[:, hs.index("time_s")], -rs[:, hs.index("error.L[ch0+ch1]")]
        s0, s39, s40, s69, s79 = (err_db(ts, es, a, b) for a, b in ((0.1, 0.6), (39, 40), (40.1, 40.6), (69, 70), (79, 80)))
        results.append(line("steps", f"organ_strings step {step}",
                            f"error {s0:6.1f} dB over 0.1-0.6 s, {s39:6.1f} dB over 39-40 s, strings {s40:6.1f} dB over "
                            f"40.1-40.6 s, {s69:6.1f} dB over 69-70 s, {s79:6.1f} dB over 79-80 s",
                            s0 - s79 >= FALL_DB and np.all(np.isfinite(rs)), f"79-80 s >= {FALL_DB:g} dB below 0.1-0.6 s"))

    # the weights themselves after the ten minutes (graded-cli weights export: ngclearn's .npz)
    wdir = os.path.join(work, "weights")
    r = subprocess.run([cli, "weights", "export", "--patch", PATCH, "--in", tm, "--out", wdir],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if r.returncode != 0:
        print(f"weights export failed: {r.stderr.strip()}")
        return 1
    with np.load(os.path.join(wdir, "dict.npz")) as z:
        w = np.array(z["weights"])
    wfinite = bool(np.all(np.isfinite(w)))
    results.append(line("bounded", "ten_minutes: weights",
                        f"dict {w.shape[0]} x {w.shape[1]} after 600 s: all finite: {wfinite}; in [{w.min():.4f}, {w.max():.4f}], "
                        f"{int(np.sum(w > 0.99))} of {w.size} above 0.99",
                        wfinite and w.shape == (8, 32) and w.min() >= 0 and w.max() <= 1, "finite, in [0, 1] (w_bound 1)"))

    # what the musician hears at other focus settings stays safe
    for focus in (0, 0.5):
        y, _ = gm.render(PATCH, os_wav, os.path.join(work, f"out.focus{focus}.wav"), sets={"focus": focus})
        p = gm.sample_peak_db(y)
        results.append(line("focus", f"organ_strings focus={focus}", f"out peak {p:6.2f} dBFS, RMS {gm.rms_db(y):6.2f} dBFS",
                            p < 0, "out sample peak < 0 dBFS"))

    failed = results.count(False)
    print(f"claims_learning: {len(results)} claims, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
