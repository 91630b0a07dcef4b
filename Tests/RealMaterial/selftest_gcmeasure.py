#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Self-test of gcmeasure.py on signals with known answers (no graded-cli, no material):
the checks' instruments must read right before their readings mean anything."""
import os
import sys
import tempfile
import wave

try:
    import numpy as np
except ImportError:
    print("selftest_gcmeasure: Python's numpy is missing: scripts/install-deps.sh installs it "
          "(Debian package python3-numpy)", file=sys.stderr)
    sys.exit(2)

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import gcmeasure as gm  # noqa: E402

failures = []


def expect(name, value, lo, hi):
    ok = lo <= value <= hi
    print(f"selftest | {name:55s} | {value:10.3f} | {'PASS' if ok else 'FAIL'} ([{lo:g}, {hi:g}])")
    if not ok:
        failures.append(name)


sr = 48000
t = np.arange(2 * sr) / sr

# WAV round trips: float32 (ours), PCM 16/24 via the wave module
with tempfile.TemporaryDirectory() as d:
    x = np.stack([0.5 * np.sin(2 * np.pi * 440 * t), -0.25 * np.sin(2 * np.pi * 1000 * t)], axis=1)
    p = os.path.join(d, "f.wav")
    gm.write_wav_float(p, x, sr)
    y, r = gm.read_wav(p)
    expect("float WAV round trip: max error", float(np.max(np.abs(y - x))), 0, 1e-7)
    expect("float WAV round trip: rate", r, sr, sr)
    for bits in (16, 24):
        q = os.path.join(d, f"p{bits}.wav")
        scale = 2 ** (bits - 1)
        ints = np.clip(np.round(x * scale), -scale, scale - 1).astype(np.int64)
        if bits == 16:
            raw = ints.astype("<i2").tobytes()
        else:
            b = (ints & 0xFFFFFF).astype("<u4").view(np.uint8).reshape(-1, 4)[:, :3]
            raw = b.tobytes()
        with wave.open(q, "wb") as w:
            w.setnchannels(2)
            w.setsampwidth(bits // 8)
            w.setframerate(sr)
            w.writeframes(raw)
        y, _ = gm.read_wav(q)
        expect(f"PCM{bits} WAV read: max error", float(np.max(np.abs(y - x))), 0, 1.0 / scale)

# peaks
s = 0.5 * np.sin(2 * np.pi * 12000 * t + np.pi / 4)  # samples at +-0.354, true peak 0.5
expect("sample peak of an fs/4 sine at 45 deg (dBFS)", gm.sample_peak_db(s), -9.1, -8.9)
expect("true peak of the same sine (dBFS, true -6.02)", gm.true_peak_db(s), -6.3, -5.8)
expect("samples >= 0 dBFS in a 1.2x sine", gm.clipped_count(1.2 * np.sin(2 * np.pi * 100 * t)), 1000, 2 * sr)
expect("samples >= 0 dBFS in a 0.99x sine", gm.clipped_count(0.99 * np.sin(2 * np.pi * 100 * t)), 0, 0)

# spurs: a clean sine, a 1 % AM sine (sidebands at -46 dBc), a DC offset of -40 dBc
sine = 0.5 * np.sin(2 * np.pi * 440 * t)
expect("spur of a clean sine (dBc)", gm.spur_analysis(sine, sr, 440, 0.5)["spur_dbc"], -300, -85)
am = sine * (1 + 0.01 * np.sin(2 * np.pi * 130 * t))
r = gm.spur_analysis(am, sr, 440, 0.5)
expect("spur of a 1 % AM sine (dBc, true -46.0)", r["spur_dbc"], -46.5, -45.5)
expect("its frequency (Hz, 310 or 570)", min(abs(r["spur_hz"] - 310), abs(r["spur_hz"] - 570)), 0, 1)
r = gm.spur_analysis(sine + 0.005, sr, 440, 0.5)
expect("spur of a sine + DC 0.01 of it (dBc, true -40.0)", r["spur_dbc"], -40.5, -39.5)

# band level and 1/3 octaves
_, lv = gm.band_level_db(sine, sr, 400, 480)
expect("band level 400-480 Hz of a 0.5 sine (dB, true -9.03)", float(np.median(lv)), -9.5, -8.5)
_, lv = gm.band_level_db(sine, sr, 1000, 2000)
expect("band level 1-2 kHz of the 440 Hz sine (dB)", float(np.median(lv)), -300, -80)

# level tracking: a static gain is level-independent, a fixed-threshold gate is not
rng = np.random.default_rng(1)
env = np.abs(np.sin(2 * np.pi * 0.5 * t)) + 0.05
music = 0.5 * rng.standard_normal(len(t)) * env
music /= np.max(np.abs(music)) / 10 ** (-1 / 20)
quiet = music * 0.1
r = gm.compare_level_tracking(music, 0.5 * music, quiet, 0.5 * quiet, sr)
expect("level tracking: static -6 dB gain, median |diff| (dB)", r["median"], 0, 0.01)


def fixed_threshold_gate(x):  # passes only 50 ms windows above -20 dBFS RMS
    y = x.copy()
    w = int(0.05 * sr)
    for i in range(0, len(x), w):
        if gm.rms_db(x[i:i + w]) < -20:
            y[i:i + w] *= 0.01
    return y


r = gm.compare_level_tracking(music, fixed_threshold_gate(music), quiet, fixed_threshold_gate(quiet), sr)
expect("level tracking: fixed-threshold gate, median |diff| (dB)", r["median"], 10, 100)

print(f"\nselftest_gcmeasure: {len(failures)} failed")
sys.exit(1 if failures else 0)
