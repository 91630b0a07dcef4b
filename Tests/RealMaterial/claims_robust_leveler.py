#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Robust Leveler: the claims of its description on real material.

  step     levelstep.wav (the string pad, +20 dB at 3.5 s): "a passage that gets louder ...
           is brought halfway back ... the band's gain is half the difference, up to 6 dB":
           the output's level step (0.5-3 s after the step vs 1-3.5 s before it) is smaller
           than the input's by at least 3 dB (up to 6 dB is promised; a +20 dB step is far
           beyond it)
  clicks   strings.wav at -11 dBFS peak with short loud clicks added (5 ms bursts of
           random-sign samples 14 dB above the pad's RMS, 4 a second from 1 s; the sum's
           sample peak stays below -1 dBFS):
           "a short loud click barely moves it": the pad's level between the clicks
           (50-240 ms after each), output with clicks minus output without clicks
  start    piano.wav: "in its first seconds ... the start is cut by at most a few dB": output vs input
           over 0.1-2 s (and the worst 250 ms window in it)
  balance  strings.wav: "the spectral balance of your sound is kept": 1/3-octave spectra of
           output vs input over 1-6 s, bands within 30 dB of the strongest: spread (max - min)
           of output - input
Each at -1 dBFS and 20 dB lower (for clicks: -11 and -31 dBFS pad peaks).
"""
import sys

import numpy as np

import gcmeasure as gm
from claims_util import Claims, seg_db, fmt

PATCH = "Robust Leveler"
STEP_AT = 3.5
STEP_REDUCTION_DB = 3.0   # the output step is at least this much smaller than the input's
CLICK_DB = 1.0            # "a short loud click barely moves it"
# "for its first seconds ... the memory follows closely, so the start is cut by at most a
# few dB": measured on the piano -1.6 dB over 0.1-2 s, -3.2 dB in the worst 250 ms window
START_DB = 2.5            # |out - in| over the first seconds
START_WORST_DB = 4.5
BALANCE_DB = 3.0          # spread of the per-band gain on a steady pad


def add_clicks(x, sr, rel_db=14.0, dur=0.005, rate_hz=4.0, t0=1.0, seed=14):
    """5 ms bursts of random-sign full-band samples (crest factor 1: their peak is their
    RMS) rel_db above the RMS of x (its steady part), rate_hz a second."""
    rng = np.random.default_rng(seed)
    y = x.copy()
    rms = 10 ** (gm.rms_db(x[int(0.5 * sr):int(6.0 * sr)]) / 20)
    n = int(dur * sr)
    times = np.arange(t0, x.shape[0] / sr - 0.5, 1.0 / rate_hz)
    for t in times:
        k = int(t * sr)
        burst = np.where(rng.random((n, x.shape[1])) < 0.5, -1.0, 1.0) * rms * 10 ** (rel_db / 20)
        y[k:k + n] += burst
    return y, times


def main():
    c = Claims(PATCH)
    for level in ("-1", "-21"):
        lv = f"[{level} dBFS]"
        # the patch halves changes against what it has heard over several seconds: give it
        # them. levelstep.wav's quiet part (0.5-3.5 s) three times over (50 ms crossfades),
        # then its loud part: 10 s of listening before the +20 dB step.
        x0, sr, _ = c.input("levelstep", level)
        q0, q1, xf = int(0.5 * sr), int(STEP_AT * sr), int(0.05 * sr)
        quiet = x0[q0:q1]
        ramp = np.linspace(0.0, 1.0, xf)[:, None]
        long_quiet = x0[:q1].copy()
        for _ in range(3):
            head = long_quiet[-xf:] * (1 - ramp) + quiet[:xf] * ramp
            long_quiet = np.concatenate([long_quiet[:-xf], head, quiet[xf:]])
        step_at = long_quiet.shape[0] / sr
        x = np.concatenate([long_quiet, x0[q1:]])
        p = c.custom_input(f"levelstep_long{level}", x, sr)
        y = c.render(p, f"levelstep_long{level}")
        before, after = (step_at - 2.5, step_at), (step_at + 0.5, step_at + 3.0)
        in_step = seg_db(x, sr, *after) - seg_db(x, sr, *before)
        out_step = seg_db(y, sr, *after) - seg_db(y, sr, *before)
        t1 = seg_db(y, sr, step_at + 0.5, step_at + 1.0) - seg_db(x, sr, step_at + 0.5, step_at + 1.0)
        t3 = seg_db(y, sr, step_at + 2.5, step_at + 3.0) - seg_db(x, sr, step_at + 2.5, step_at + 3.0)
        g_before = seg_db(y, sr, *before) - seg_db(x, sr, *before)
        c.report("step", f"levelstep, 10 s before the step {lv}",
                 f"input step {fmt(in_step)}, output step {fmt(out_step)}: smaller by "
                 f"{in_step - out_step:.1f} dB (gain before {fmt(g_before)}, 0.5-1 s after {fmt(t1)}, "
                 f"2.5-3 s after {fmt(t3)})",
                 in_step - out_step >= STEP_REDUCTION_DB, f">= {STEP_REDUCTION_DB:.0f} dB smaller")

        x, sr, p = c.input("strings", level)
        xs = x * 10 ** (-10 / 20)  # room for the clicks below full scale
        xc, times = add_clicks(xs, sr)
        peak = gm.sample_peak_db(xc)
        p_plain = c.custom_input(f"strings_m10{level}", xs, sr)
        p_click = c.custom_input(f"strings_clicks{level}", xc, sr)
        yp = c.render(p_plain, f"strings_m10{level}")
        yc = c.render(p_click, f"strings_clicks{level}")
        d = np.array([seg_db(yc, sr, t + 0.05, t + 0.24) - seg_db(yp, sr, t + 0.05, t + 0.24) for t in times])
        worst = float(d[np.argmax(np.abs(d))])
        c.report("clicks", f"strings + clicks {lv}",
                 f"{len(times)} clicks (+14 dB, 5 ms, input peak {peak:.1f} dBFS): pad between clicks, "
                 f"with vs without clicks: median {fmt(float(np.median(d)))}, worst {fmt(worst)}",
                 abs(worst) <= CLICK_DB and peak < -1.0, f"|worst| <= {CLICK_DB:.0f} dB, input peak < -1 dBFS")

        x, sr, p = c.input("piano", level)
        y = c.render(p, f"piano{level}")
        g = seg_db(y, sr, 0.1, 2.0) - seg_db(x, sr, 0.1, 2.0)
        w = [seg_db(y, sr, t, t + 0.25) - seg_db(x, sr, t, t + 0.25) for t in np.arange(0.1, 1.85, 0.25)]
        ww = float(w[int(np.argmax(np.abs(w)))])
        c.report("start", f"piano {lv}", f"out-in 0.1-2 s {fmt(g)}, worst 250 ms window {fmt(ww)}",
                 abs(g) <= START_DB and abs(ww) <= START_WORST_DB,
                 f"|x| <= {START_DB:.1f} dB, worst <= {START_WORST_DB:.1f} dB")

        x, sr, p = c.input("strings", level)
        y = c.render(p, f"strings{level}")
        fc, bi = gm.third_octave_levels_db(gm._2d(x)[sr:6 * sr], sr)
        _, bo = gm.third_octave_levels_db(gm._2d(y)[sr:6 * sr], sr)
        sel = bi >= np.max(bi) - 30.0
        dg = bo[sel] - bi[sel]
        c.report("balance", f"strings {lv}",
                 f"{int(np.sum(sel))} bands {fc[sel][0]:.0f}-{fc[sel][-1]:.0f} Hz: out-in from {dg.min():+.1f} "
                 f"to {dg.max():+.1f} dB (spread {dg.max() - dg.min():.1f} dB)",
                 dg.max() - dg.min() <= BALANCE_DB, f"spread <= {BALANCE_DB:.0f} dB")
    return c.finish()


if __name__ == "__main__":
    sys.exit(main())
