#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Noise Texture: the claims of its description on piano.wav and speech.wav (the generic
checks in run_checks.py already test "bands your sound does not reach stay quiet" and
"silence stays silent").

  noise    the output is noise, not the input: the largest |normalised cross-correlation|
           between output and input over lags -20..+20 ms, worst channel
  follows  its level follows the input's: the Pearson correlation of the 50 ms window levels
           (dB) of input and output, over the windows where the input is within 40 dB of its
           loudest window; the median output-minus-input level over them printed beside it
  band, ownlvl  "noise ... in the same band, at the band's own level": long-term 1/3-octave
           spectra of input and output, over the bands where the input is within 10 dB of its
           strongest band (the bands that carry the sound): the median |output - input| after
           removing the overall offset (shape), and the overall offset (median output - input)
Each at -1 dBFS and 20 dB lower.
"""
import sys

import numpy as np

import gcmeasure as gm
from claims_util import Claims, fmt

PATCH = "Noise Texture"
MATERIAL = ["piano", "speech"]

XCORR_MAX = 0.1        # "the output is noise, not the input"
XCORR_LAG_S = 0.02
FOLLOW_R = 0.7         # "at the band's own level": the window levels move together
FOLLOW_WITHIN_DB = 40.0
BAND_WITHIN_DB = 10.0  # the bands that carry the sound (the patch wakes bands within 15 dB
                       # of the whole level; the whole level is above the strongest band)
BAND_SHAPE_DB = 3.0    # median |spectral shape difference| per 1/3 octave ("in the same band")
BAND_OFFSET_DB = 6.0   # overall output level vs input level ("at the band's own level")


def max_xcorr(x, y, rate, max_lag_s):
    n = min(x.shape[0], y.shape[0])
    lag = int(max_lag_s * rate)
    worst = 0.0
    for ch in range(x.shape[1]):
        a = x[:n, ch] - np.mean(x[:n, ch])
        b = y[:n, ch] - np.mean(y[:n, ch])
        den = np.sqrt(np.sum(a * a) * np.sum(b * b))
        if den <= 0:
            continue
        m = 1 << int(np.ceil(np.log2(2 * n)))
        r = np.fft.irfft(np.fft.rfft(a, m) * np.conj(np.fft.rfft(b, m)), m)
        r = np.concatenate([r[m - lag:], r[:lag + 1]]) / den  # lags -lag..+lag
        worst = max(worst, float(np.max(np.abs(r))))
    return worst


def main():
    c = Claims(PATCH)
    for level in ("-1", "-21"):
        lv = f"[{level} dBFS]"
        for name in MATERIAL:
            x, sr, p = c.input(name, level)
            y = c.render(p, f"{name}{level}")
            r0 = max_xcorr(x, y, sr, 0.0)
            r = max_xcorr(x, y, sr, XCORR_LAG_S)
            c.report("noise", f"{name} {lv}",
                     f"|xcorr(out, in)| at lag 0 {r0:.3f}, largest over +-20 ms {r:.3f}",
                     r <= XCORR_MAX, f"<= {XCORR_MAX} at every lag")

            n = min(x.shape[0], y.shape[0])
            _, ri = gm.window_rms(x[:n], sr, 0.05)
            _, ro = gm.window_rms(y[:n], sr, 0.05)
            li, lo = gm.db(ri), gm.db(ro)
            sel = li >= np.max(li) - FOLLOW_WITHIN_DB
            rr = float(np.corrcoef(li[sel], lo[sel])[0, 1]) if np.std(lo[sel]) > 0 else 0.0
            c.report("follows", f"{name} {lv}",
                     f"correlation of 50 ms levels in/out {rr:.2f} over {int(np.sum(sel))} windows "
                     f"(median out-in {fmt(float(np.median(lo[sel] - li[sel])))})",
                     rr >= FOLLOW_R, f">= {FOLLOW_R}")

            fc, bi = gm.third_octave_levels_db(x, sr)
            _, bo = gm.third_octave_levels_db(y, sr)
            sel = bi >= np.max(bi) - BAND_WITHIN_DB
            d = bo[sel] - bi[sel]
            off = float(np.median(d))
            shape = float(np.median(np.abs(d - off)))
            worst = int(np.argmax(np.abs(d - off)))
            where = f"{int(np.sum(sel))} bands {fc[sel][0]:.0f}-{fc[sel][-1]:.0f} Hz"
            c.report("band", f"{name} {lv}",
                     f"{where}: median |shape diff| {shape:.1f} dB (worst {d[worst] - off:+.1f} dB at "
                     f"{fc[sel][worst]:.0f} Hz)", shape <= BAND_SHAPE_DB, f"<= {BAND_SHAPE_DB:.0f} dB")
            c.report("ownlvl", f"{name} {lv}",
                     f"{where}: median output - input {fmt(off)}", abs(off) <= BAND_OFFSET_DB,
                     f"|x| <= {BAND_OFFSET_DB:.0f} dB")
    return c.finish()


if __name__ == "__main__":
    sys.exit(main())
