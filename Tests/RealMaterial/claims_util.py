# SPDX-License-Identifier: GPL-3.0-or-later
"""Shared pieces of the factory-patch claim scripts (claims_*.py, see README.md).

Each claim script renders the real material through `graded-cli render`, measures one
figure per claim and prints

    claim   | <patch> | <material [level]> | <figures> | PASS/FAIL (<threshold>)

then a Markdown table of the figures; it exits 1 when a claim failed, 2 when the material
or graded-cli is missing. Every claim runs on the -1 dBFS material and again on the same
file 20 dB lower ("-21 dBFS") where the claim is about relative levels.
"""
import os
import sys

try:
    import numpy as np
except ImportError:
    print("claims: Python's numpy is missing: scripts/install-deps.sh installs it "
          "(Debian package python3-numpy)", file=sys.stderr)
    sys.exit(2)

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import gcmeasure as gm  # noqa: E402
import make_material as mm  # noqa: E402  (the SMF writer, for reward MIDI files)

QUIET_DB = -20.0  # the level-independence variant: the same file 20 dB lower


class Claims:
    def __init__(self, patch):
        self.patch = patch
        self.mat = os.environ.get("GRADED_REAL_MATERIAL")
        self.work = os.environ.get("GRADED_REAL_WORK")
        if not self.mat or not os.path.isdir(self.mat):
            print(f"claims: no material folder (GRADED_REAL_MATERIAL={self.mat!r}): run "
                  "make_material.py first (ctest does it)", file=sys.stderr)
            sys.exit(2)
        if not self.work:
            print("claims: GRADED_REAL_WORK is not set", file=sys.stderr)
            sys.exit(2)
        try:
            gm.cli_path()
        except gm.RenderError as e:
            print(f"claims: {e}", file=sys.stderr)
            sys.exit(2)
        os.makedirs(self.work, exist_ok=True)
        self.rows = []      # (claim, material, figures, ok, threshold)
        self.failures = []
        self._inputs = {}

    # ---- material
    def input(self, name, level="-1"):
        """(samples, rate, path) of material NAME at level '-1' (as made) or '-21' dBFS
        (written into the work folder, 20 dB lower)."""
        key = (name, level)
        if key not in self._inputs:
            path = os.path.join(self.mat, name + ".wav")
            if not os.path.isfile(path):
                print(f"claims: {path} is missing: run make_material.py", file=sys.stderr)
                sys.exit(2)
            x, sr = gm.read_wav(path)
            if level == "-21":
                x = x * 10 ** (QUIET_DB / 20)
                path = os.path.join(self.work, f"{name}.quiet.wav")
                gm.write_wav_float(path, x, sr)
            self._inputs[key] = (x, sr, path)
        return self._inputs[key]

    def custom_input(self, tag, x, sr):
        path = os.path.join(self.work, tag + ".wav")
        gm.write_wav_float(path, x, sr)
        self._inputs[(tag, "custom")] = (x, sr, path)
        return path

    def midi(self, tag, events, end_ms):
        """Writes a type-0 SMF (one tick = 1 ms) into the work folder, returns its path."""
        path = os.path.join(self.work, tag + ".mid")
        with open(path, "wb") as f:
            f.write(mm.smf_type0(events, end_ms))
        return path

    def render(self, in_path, tag, sets=None, midi=None):
        out = os.path.join(self.work, f"{tag}.out.wav")
        try:
            y, sr = gm.render(self.patch, in_path, out, sets=sets, midi=midi)
        except gm.RenderError as e:
            print(f"claims: {e}", file=sys.stderr)
            sys.exit(1)
        return y

    # ---- reporting
    def report(self, claim, material, figures, ok, threshold):
        line = (f"{claim:6s} | {self.patch:15s} | {material:28s} | {figures} | "
                f"{'PASS' if ok else 'FAIL'} ({threshold})")
        print(line, flush=True)
        self.rows.append((claim, material, figures, ok, threshold))
        if not ok:
            self.failures.append(line)

    def finish(self):
        print(f"\n| claim | material | measured | test | result |")
        print("|---|---|---|---|---|")
        for claim, material, figures, ok, threshold in self.rows:
            print(f"| {claim} | {material} | {figures} | {threshold} | {'pass' if ok else 'FAIL'} |")
        print(f"\nclaims {self.patch}: {len(self.rows)} claims measured, {len(self.failures)} failed")
        if self.failures:
            print("FAILED:")
            for line in self.failures:
                print("  " + line)
            return 1
        return 0


# ---- measures

def seg(x, sr, t0, t1):
    return gm._2d(x)[int(round(t0 * sr)):int(round(t1 * sr))]


def seg_db(x, sr, t0, t1):
    """RMS level (dBFS, channels pooled) of x between t0 and t1 seconds."""
    return gm.rms_db(seg(x, sr, t0, t1))


_STFT_CACHE = {}


def gain_db(y, x, sr, t0, t1):
    """Output y vs input x (dB): their RMS levels between t0 and t1 seconds, subtracted."""
    return seg_db(y, sr, t0, t1) - seg_db(x, sr, t0, t1)


def onsets(x, sr, win=0.005, rise=6.0, look=0.03, refractory=0.15, within=30.0):
    """Onset times (s) of x: `win` RMS windows rising >= `rise` dB over the last `look` s,
    within `within` dB of the loudest window, `refractory` s apart."""
    t, r = gm.window_rms(x, sr, win)
    lv = gm.db(r)
    k = int(round(look / win))
    out = []
    for i in range(k, len(lv)):
        if (lv[i] >= lv.max() - within and lv[i] - lv[i - k:i].min() >= rise
                and (not out or t[i] - out[-1] >= refractory)):
            out.append(t[i] - win / 2)
    return np.array(out)


def onset_gains_db(y, x, sr, times, length):
    """gain_db over the first `length` seconds after each of `times`, as an array."""
    return np.array([gain_db(y, x, sr, o, o + length) for o in times])


def _stft(x, sr, n_fft, hop):
    """gm.stft_power, cached by the array's identity (the claim scripts measure the same
    render many times)."""
    key = (id(x), x.shape, sr, n_fft, hop)
    hit = _STFT_CACHE.get(key)
    if hit is None or hit[0] is not x:
        if len(_STFT_CACHE) > 8:
            _STFT_CACHE.clear()
        hit = (x, gm.stft_power(x, sr, n_fft, hop))
        _STFT_CACHE[key] = hit
    return hit[1]


def band_seg_db(x, sr, f_lo, f_hi, t0, t1, n_fft=4096, hop=256):
    """Mean power (dB) in [f_lo, f_hi) over the STFT frames whose centres lie in [t0, t1]."""
    t, f, P = _stft(x, sr, n_fft, hop)
    fs = (f >= f_lo) & (f < f_hi)
    ts = (t >= t0) & (t <= t1)
    if not np.any(fs) or not np.any(ts):
        raise ValueError(f"band_seg_db: empty selection {f_lo}-{f_hi} Hz, {t0}-{t1} s")
    return float(gm.power_db(np.mean(np.sum(P[ts][:, fs], axis=1))))


def band_gain_db(y, x, sr, f_lo, f_hi, t0, t1, n_fft=4096, hop=256):
    """Output y vs input x (dB) in the band [f_lo, f_hi) between t0 and t1 (band_seg_db)."""
    return band_seg_db(y, sr, f_lo, f_hi, t0, t1, n_fft, hop) - band_seg_db(x, sr, f_lo, f_hi, t0, t1, n_fft, hop)


def sixth_octave(fc):
    return fc * 2 ** (-1 / 12), fc * 2 ** (1 / 12)


def fmt(v, unit="dB", signed=True):
    return (f"{v:+.1f} {unit}" if signed else f"{v:.1f} {unit}").strip()
