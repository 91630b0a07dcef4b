#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Renders the real-material test set into OUTDIR (deterministic; cached by version).

usage: make_material.py OUTDIR

Instruments: General MIDI files written here (type-0 SMF) rendered by fluidsynth with the
FluidR3_GM soundfont (Debian: fluidsynth, fluid-soundfont-gm), reverb and chorus off.
Speech: espeak-ng. Synthetic: silence, steady sines, a narrow noise band. Every file is
32-bit float WAV, stereo, normalised to a -1 dBFS sample peak (except silence and the
-6 dBFS sines), 48 kHz unless the name says 44k. See README.md for the list.
"""
import hashlib
import json
import os
import shutil
import struct
import subprocess
import sys
import tempfile

try:
    import numpy as np
except ImportError:
    print("make_material: Python's numpy is missing: scripts/install-deps.sh installs it "
          "(Debian package python3-numpy)", file=sys.stderr)
    sys.exit(2)

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import gcmeasure as gm  # noqa: E402

# Bump when the material changes (the cache key also hashes this script and the tools'
# versions, so an edit or a package upgrade re-renders).
VERSION = 1
SOUNDFONT = "/usr/share/sounds/sf2/FluidR3_GM.sf2"
RATE = 48000
PEAK_DB = -1.0
INSTALL_HINT = ("scripts/install-deps.sh installs it (Debian packages fluidsynth, "
                "fluid-soundfont-gm, espeak-ng)")

# --------------------------------------------------------------------------- SMF writer

def _varlen(v):
    out = [v & 0x7F]
    v >>= 7
    while v:
        out.append(0x80 | (v & 0x7F))
        v >>= 7
    return bytes(reversed(out))


def smf_type0(events, end_ms):
    """events: (time_ms, bytes) channel messages. Division 1000 ticks per quarter at a
    tempo of 1 000 000 us per quarter: one tick is one millisecond."""
    evs = sorted(events, key=lambda e: (e[0], 0 if (e[1][0] & 0xF0) in (0x80, 0xC0, 0xB0) else 1))
    track = bytearray(b"\x00\xFF\x51\x03" + (1_000_000).to_bytes(3, "big"))
    now = 0
    for t, msg in evs:
        track += _varlen(int(t) - now) + bytes(msg)
        now = int(t)
    # A controller event at the end fixes the rendered length (fluidsynth stops at the
    # last event; the file is then trimmed or padded to the exact length).
    track += _varlen(max(0, int(end_ms) - now)) + bytes([0xB0, 0x50, 0])
    track += b"\x00\xFF\x2F\x00"
    return (b"MThd" + struct.pack(">IHHH", 6, 0, 1, 1000)
            + b"MTrk" + struct.pack(">I", len(track)) + bytes(track))


def note(ch, key, vel, on_ms, off_ms):
    return [(on_ms, [0x90 | ch, key, vel]), (off_ms, [0x80 | ch, key, 0])]


def program(ch, prog, t=0):
    return [(t, [0xC0 | ch, prog]), (t, [0xB0 | ch, 91, 0]), (t, [0xB0 | ch, 93, 0])]


# --------------------------------------------------------------------------- the pieces

def piano_melody():
    ev = program(0, 0)
    # C major melody, inter-onset times cycling through 250..400 ms, about 5 s
    keys = [60, 64, 67, 72, 71, 67, 64, 65, 69, 72, 74, 72, 67, 64, 62, 60, 55, 59, 62, 67]
    iois = [250, 300, 350, 400, 275, 325, 375]
    t = 100
    for i, k in enumerate(keys):
        d = iois[i % len(iois)]
        ev += note(0, k, 80 + (i * 13) % 40, t, t + int(d * 0.9))
        t += d
    return ev, t + 800


def organ_chord():
    ev = program(0, 19)  # Church Organ
    for k in (48, 60, 64, 67, 72):
        ev += note(0, k, 100, 100, 6100)
    return ev, 6600


def string_pad():
    ev = program(0, 48)  # String Ensemble 1
    for k in (50, 57, 62, 65, 69):  # D minor
        ev += note(0, k, 100, 100, 6100)
    return ev, 7000


def drum_pattern(ch=9, start=100, bars=4, vel=110):
    ev = []
    beat = 500  # 120 bpm
    for bar in range(bars):
        t0 = start + bar * 4 * beat
        for b in range(4):
            t = t0 + b * beat
            ev += note(ch, 36 if b in (0, 2) else 38, vel, t, t + 100)  # kick / snare
            ev += note(ch, 42, vel - 30, t, t + 80)  # closed hi-hat
            ev += note(ch, 42, vel - 45, t + beat // 2, t + beat // 2 + 80)
    return ev, start + bars * 4 * beat


def drums():
    ev, end = drum_pattern()
    return ev, end + 800


def drums_over_pad():
    ev, end = drum_pattern(vel=100)
    ev += program(1, 89)  # Pad 2 (warm)
    for k in (45, 52, 57, 60, 64):
        ev += note(1, k, 127, 0, end)
    ev += [(0, [0xB1, 7, 127]), (0, [0xB9, 7, 90])]  # loud pad, quieter drums
    return ev, end + 800


def chord_new_note():
    ev = program(0, 19)
    for k in (48, 55, 60, 64):  # C chord held 6 s
        ev += note(0, k, 100, 100, 6100)
    ev += note(0, 69, 100, 3000, 6100)  # A4 (not a harmonic of the chord) enters at 3 s
    return ev, 6600


def pad_for_speech():
    ev = program(0, 89)
    for k in (48, 55, 60, 64):
        ev += note(0, k, 100, 0, 6500)
    return ev, 7000


def low_piano_note():
    ev = program(0, 0)
    ev += note(0, 36, 100, 1000, 3500)  # C2 (65 Hz), 1 s of silence before it
    return ev, 6000


PIECES = {
    "piano": piano_melody,
    "organ": organ_chord,
    "strings": string_pad,
    "drums": drums,
    "drums_pad": drums_over_pad,
    "chord_newnote": chord_new_note,
    "lowpiano": low_piano_note,
}

# --------------------------------------------------------------------------- tools

def need(tool):
    path = shutil.which(tool)
    if not path:
        raise SystemExit(f"make_material: '{tool}' is missing: {INSTALL_HINT}")
    return path


def fluidsynth(mid_path, wav_path, rate):
    if not os.path.isfile(SOUNDFONT):
        raise SystemExit(f"make_material: soundfont {SOUNDFONT} is missing: {INSTALL_HINT}")
    cmd = [need("fluidsynth"), "-n", "-i", "-q", "-g", "0.8", "-R", "0", "-C", "0",
           "-r", str(rate), "-O", "float", "-T", "wav", "-o", "synth.cpu-cores=1",
           "-F", wav_path, SOUNDFONT, mid_path]
    r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if r.returncode != 0 or not os.path.isfile(wav_path):
        raise SystemExit(f"make_material: fluidsynth failed ({' '.join(cmd)}): {r.stderr.strip()}")
    x, sr = gm.read_wav(wav_path)
    if sr != rate:
        raise SystemExit(f"make_material: fluidsynth wrote {sr} Hz, wanted {rate}")
    return x


def espeak(text, wav_path):
    cmd = [need("espeak-ng"), "-v", "en", "-s", "150", "-w", wav_path, text]
    r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if r.returncode != 0:
        raise SystemExit(f"make_material: espeak-ng failed: {r.stderr.strip()}")
    x, sr = gm.read_wav(wav_path)
    return x[:, 0], sr


def resample(x, sr_in, sr_out):
    """Band-limited resampling by FFT (zero-padding the spectrum; the input is padded so
    the circular wrap falls in silence). Good enough for speech at 22.05 -> 48 kHz."""
    pad = int(0.1 * sr_in)
    xp = np.concatenate([x, np.zeros(pad)])
    n = len(xp)
    m = int(round(n * sr_out / sr_in))
    X = np.fft.rfft(xp)
    Y = np.zeros(m // 2 + 1, dtype=complex)
    k = min(len(X), len(Y))
    Y[:k] = X[:k]
    # a gentle roll-off over the top 5 % of the input band (no brick-wall ringing)
    f = np.arange(k) / (k - 1)
    Y[:k] *= np.clip((1.0 - f) / 0.05, 0.0, 1.0)
    y = np.fft.irfft(Y, n=m) * (m / n)
    return y[:int(round(len(x) * sr_out / sr_in))]


# --------------------------------------------------------------------------- helpers

def to_stereo(x):
    x = np.asarray(x, dtype=np.float64)
    if x.ndim == 1:
        return np.stack([x, x], axis=1)
    if x.shape[1] == 1:
        return np.repeat(x, 2, axis=1)
    return x[:, :2]


def fit(x, seconds, rate):
    n = int(round(seconds * rate))
    x = to_stereo(x)
    if x.shape[0] >= n:
        return x[:n].copy()
    return np.vstack([x, np.zeros((n - x.shape[0], x.shape[1]))])


def normalise(x, peak_db=PEAK_DB):
    p = np.max(np.abs(x))
    if p <= 0:
        raise SystemExit("make_material: a rendered piece is silent (fluidsynth/espeak problem)")
    return x * (10 ** (peak_db / 20) / p)


def fade(x, rate, out_s=0.02):
    n = int(out_s * rate)
    x = x.copy()
    x[-n:] *= np.linspace(1.0, 0.0, n)[:, None]
    return x


def band_noise(seconds, rate, f_lo, f_hi, seed):
    """Deterministic noise band-limited to [f_lo, f_hi] by FFT masking (stereo, decorrelated)."""
    rng = np.random.default_rng(seed)
    n = int(round(seconds * rate))
    out = []
    for _ in range(2):
        X = np.fft.rfft(rng.standard_normal(n))
        f = np.fft.rfftfreq(n, 1.0 / rate)
        X[(f < f_lo) | (f > f_hi)] = 0
        out.append(np.fft.irfft(X, n=n))
    x = np.stack(out, axis=1)
    r = int(0.02 * rate)  # 20 ms raised-cosine ramps
    ramp = 0.5 - 0.5 * np.cos(np.pi * np.arange(r) / r)
    x[:r] *= ramp[:, None]
    x[-r:] *= ramp[::-1, None]
    return x


SPEECH_TEXT = ("A new voice enters over the pad. Can you hear every word clearly, "
               "even when the music keeps on playing?")

# Name -> one-line description (README.md lists the same)
MATERIAL = {
    "piano": "piano melody, notes 250-400 ms apart (GM 0)",
    "organ": "held church-organ chord C3-C5 (GM 19)",
    "strings": "string-ensemble pad, D minor (GM 48)",
    "drums": "kick/snare/hi-hat pattern, 120 bpm (GM drums)",
    "drums_pad": "the drum pattern, quieter, over a loud warm pad (GM 89)",
    "chord_newnote": "held organ chord C3-G3-C4-E4, an A4 entering inside it at 3 s",
    "pad_speech": "warm pad, espeak-ng speech entering at 3 s",
    "speech": "espeak-ng speech alone (22.05 kHz resampled to 48 kHz)",
    "levelstep": "string pad: first 3.5 s at -21 dBFS peak, then the same pad +20 dB (-1 dBFS peak)",
    "lowpiano": "one low piano note (C2, 65 Hz) after 1 s of silence",
    "band500": "noise band 400-630 Hz, 1 s silence, 3 s noise, 2 s silence",
    "silence": "digital silence",
    "sine440": "steady 440 Hz sine at -6 dBFS",
    "sine1k": "steady 1 kHz sine at -6 dBFS",
    "piano_44k": "the piano melody rendered at 44.1 kHz",
}

FILES = [n + ".wav" for n in MATERIAL] + ["reset.mid"]


def cache_key():
    h = hashlib.sha256()
    with open(os.path.abspath(__file__), "rb") as f:
        h.update(f.read())
    h.update(str(VERSION).encode())
    for tool in ("fluidsynth", "espeak-ng"):
        path = shutil.which(tool)
        if path:
            r = subprocess.run([path, "--version"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
            h.update(r.stdout.splitlines()[0].encode() if r.stdout else b"")
    if os.path.isfile(SOUNDFONT):
        st = os.stat(SOUNDFONT)
        h.update(f"{st.st_size}".encode())
    return h.hexdigest()


def build(outdir):
    need("fluidsynth")
    need("espeak-ng")
    if not os.path.isfile(SOUNDFONT):
        raise SystemExit(f"make_material: soundfont {SOUNDFONT} is missing: {INSTALL_HINT}")
    os.makedirs(outdir, exist_ok=True)
    stamp = os.path.join(outdir, "material.json")
    key = cache_key()
    if os.path.isfile(stamp):
        try:
            with open(stamp) as f:
                meta = json.load(f)
            if meta.get("key") == key and all(
                    os.path.isfile(os.path.join(outdir, n)) for n in FILES):
                print(f"make_material: {outdir} is up to date ({len(FILES)} files)")
                return
        except (OSError, ValueError):
            pass
    out = {}
    with tempfile.TemporaryDirectory(prefix="gc-material-") as tmp:
        rendered = {}
        for name, fn in PIECES.items():
            ev, end_ms = fn()
            mid = os.path.join(tmp, name + ".mid")
            with open(mid, "wb") as f:
                f.write(smf_type0(ev, end_ms))
            x = fluidsynth(mid, os.path.join(tmp, name + ".wav"), RATE)
            rendered[name] = fade(fit(x, end_ms / 1000.0, RATE), RATE)
            if name == "piano":
                x44 = fluidsynth(mid, os.path.join(tmp, name + "44.wav"), 44100)
                out["piano_44k"] = (normalise(fade(fit(x44, end_ms / 1000.0, 44100), 44100)), 44100)
        for name in ("piano", "organ", "strings", "drums", "drums_pad", "chord_newnote", "lowpiano"):
            out[name] = (normalise(rendered[name]), RATE)

        sp, sr = espeak(SPEECH_TEXT, os.path.join(tmp, "speech.wav"))
        sp = resample(sp, sr, RATE)
        speech = to_stereo(sp)
        out["speech"] = (normalise(fade(speech, RATE)), RATE)

        # pad (its own ending) with speech entering at 3 s; speech ~6 dB above the pad's peak
        pev, pend = pad_for_speech()
        mid = os.path.join(tmp, "pad.mid")
        with open(mid, "wb") as f:
            f.write(smf_type0(pev, pend))
        pad = fit(fluidsynth(mid, os.path.join(tmp, "pad.wav"), RATE), 9.0, RATE)
        pad = pad / np.max(np.abs(pad)) * 0.5
        sp_n = speech / np.max(np.abs(speech))
        mix = pad.copy()
        s0 = 3 * RATE
        m = min(len(sp_n), len(mix) - s0)
        mix[s0:s0 + m] += sp_n[:m]
        out["pad_speech"] = (normalise(fade(mix, RATE)), RATE)

        step = fit(rendered["strings"], 7.0, RATE)
        k = int(3.5 * RATE)
        step = step * (10 ** (PEAK_DB / 20) / np.max(np.abs(step[k:])))  # loud part: -1 dBFS
        step[:k] *= 10 ** (-20 / 20)
        out["levelstep"] = (fade(step, RATE), RATE)

        x = np.zeros((6 * RATE, 2))
        x[RATE:4 * RATE] = band_noise(3.0, RATE, 400.0, 630.0, seed=500)
        out["band500"] = (normalise(x), RATE)

        out["silence"] = (np.zeros((3 * RATE, 2)), RATE)
        t = np.arange(4 * RATE) / RATE
        for name, f0 in (("sine440", 440.0), ("sine1k", 1000.0)):
            s = 10 ** (-6 / 20) * np.sin(2 * np.pi * f0 * t)
            out[name] = (to_stereo(s), RATE)

    # CC 123 (all notes off: the plugin's reset) at 1 s and 2 s, for silence after a reset
    with open(os.path.join(outdir, "reset.mid"), "wb") as f:
        f.write(smf_type0([(1000, [0xB0, 123, 0]), (2000, [0xB0, 123, 0])], 3000))
    for name, (x, sr) in out.items():
        gm.write_wav_float(os.path.join(outdir, name + ".wav"), x, sr)
    with open(stamp, "w") as f:
        json.dump({"key": key, "version": VERSION, "files": MATERIAL}, f, indent=1)
    for name in MATERIAL:
        x, sr = gm.read_wav(os.path.join(outdir, name + ".wav"))
        print(f"make_material: {name + '.wav':18s} {sr} Hz {x.shape[1]} ch {x.shape[0] / sr:5.2f} s "
              f"peak {gm.sample_peak_db(x):7.2f} dBFS  {MATERIAL[name]}")


def main(argv):
    if len(argv) != 2 or argv[1].startswith("-"):
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        return 2
    build(argv[1])
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
