#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Onset Gate: the claims of its description on real material.

  attack   piano.wav: "lets the beginning of every sound through ... play a new note ... and
           the gate opens again": onsets detected from the input (5 ms RMS windows rising
           >= 6 dB over the last 30 ms, within 30 dB of the loudest window, 150 ms apart);
           output vs input over the first 25 ms of each onset: median and worst
  first    the same: the first note of the file (after silence, "a note after a pause
           comes through with its attack intact")
  held     organ.wav: "closes on what is held ... a held note settles about 30 dB down":
           output vs input 1.5-6 s after the chord's onset
  hits     drums_pad.wav: drum hits over a loud pad come through while the pad is gated:
           at the pattern's hit times (every 250 ms from 0.1 s, as make_material.py writes
           them) output vs input over the first 30 ms (hit windows) and 150-240 ms after
           each hit (pad-only windows; the closed hi-hat is 80 ms long), from the second bar
           on (after 2.1 s: the gate has learned the pad); broadband (the pad dominates the
           input there: a perfect gate would still leave the hit windows below the input),
           in the kick's band (30-90 Hz, inside the pad's range) and at 2-12 kHz (hi-hat,
           where the pad is ~45 dB down: printed, not tested)
Each at -1 dBFS and 20 dB lower ("so it works the same loud or soft").
"""
import sys

import numpy as np

import gcmeasure as gm
from claims_util import Claims, seg_db, band_seg_db, fmt

PATCH = "Onset Gate"
ATTACK_S = 0.025
ATTACK_MEDIAN_DB = -2.0   # "with its attack intact": within a couple of dB
ATTACK_WORST_DB = -4.0
HELD_DB = -20.0           # "a held note settles about 30 dB down"
HIT_S = 0.03              # hit windows (STFT frames centred in the first 30 ms)
HIT_SEP_DB = 10.0         # hits stand out from the gated pad by this much
KICK_BAND = (30.0, 90.0)  # the kick, inside the pad's range
HAT_BAND = (2000.0, 12000.0)


def onsets(x, sr, win=0.005, rise=6.0, look=0.03, refractory=0.15, within=30.0):
    t, r = gm.window_rms(x, sr, win)
    lv = gm.db(r)
    k = int(round(look / win))
    out = []
    for i in range(k, len(lv)):
        if (lv[i] >= lv.max() - within and lv[i] - lv[i - k:i].min() >= rise
                and (not out or t[i] - out[-1] >= refractory)):
            out.append(t[i] - win / 2)
    return np.array(out)


def main():
    c = Claims(PATCH)
    for level in ("-1", "-21"):
        lv = f"[{level} dBFS]"
        x, sr, p = c.input("piano", level)
        y = c.render(p, f"piano{level}")
        on = onsets(x, sr)
        g = np.array([seg_db(y, sr, o, o + ATTACK_S) - seg_db(x, sr, o, o + ATTACK_S) for o in on])
        rest = g[1:]
        c.report("attack", f"piano, {len(rest)} later onsets {lv}",
                 f"first 25 ms out-in: median {fmt(float(np.median(rest)))}, worst {fmt(float(rest.min()))}, "
                 f"{int(np.sum(rest >= -2.0))}/{len(rest)} within 2 dB",
                 np.median(rest) >= ATTACK_MEDIAN_DB and rest.min() >= ATTACK_WORST_DB,
                 f"median >= {ATTACK_MEDIAN_DB:.0f} dB, worst >= {ATTACK_WORST_DB:.0f} dB")
        c.report("first", f"piano, first note {lv}", f"first 25 ms out-in {fmt(float(g[0]))} "
                 f"(onset at {on[0]:.3f} s)", g[0] >= ATTACK_MEDIAN_DB, f">= {ATTACK_MEDIAN_DB:.0f} dB")

        x, sr, p = c.input("organ", level)
        y = c.render(p, f"organ{level}")
        held = seg_db(y, sr, 1.6, 6.1) - seg_db(x, sr, 1.6, 6.1)
        c.report("held", f"organ {lv}", f"out-in 1.5-6 s after the onset {fmt(held)}",
                 held <= HELD_DB, f"<= {HELD_DB:.0f} dB")

        x, sr, p = c.input("drums_pad", level)
        y = c.render(p, f"drums_pad{level}")
        hits = [0.1 + 0.25 * k for k in range(32) if 0.1 + 0.25 * k >= 2.1]

        def hit_pad(lo, hi):
            """median out-in over the hit windows and over the pad-only windows in a band"""
            def g(t0, t1):
                return band_seg_db(y, sr, lo, hi, t0, t1, 1024, 64) - band_seg_db(x, sr, lo, hi, t0, t1, 1024, 64)
            return (float(np.median([g(t, t + HIT_S) for t in hits])),
                    float(np.median([g(t + 0.15, t + 0.24) for t in hits])))

        hm, pm = hit_pad(20.0, 20000.0)
        km, kp = hit_pad(*KICK_BAND)
        tm, tp = hit_pad(*HAT_BAND)
        c.report("hits", f"drums_pad, {len(hits)} hits {lv}",
                 f"out-in, hit windows / pad-only windows (median): broadband {fmt(hm)} / {fmt(pm)}, "
                 f"hits stand out by {hm - pm:.1f} dB; kick band 30-90 Hz {fmt(km)} / {fmt(kp)}; "
                 f"2-12 kHz (hi-hat, pad inaudible there) {fmt(tm)} / {fmt(tp)}",
                 hm - pm >= HIT_SEP_DB and km - kp >= HIT_SEP_DB,
                 f"hits stand out by >= {HIT_SEP_DB:.0f} dB, broadband and kick band")
    return c.finish()


if __name__ == "__main__":
    sys.exit(main())
