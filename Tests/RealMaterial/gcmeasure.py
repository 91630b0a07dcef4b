# SPDX-License-Identifier: GPL-3.0-or-later
"""Small measurement library for the real-material checks (NumPy only).

Everything works on float64 arrays shaped (frames, channels), values in full-scale units
(1.0 = 0 dBFS). Levels are in dB; -inf-like results are clamped to FLOOR_DB so they print
and compare cleanly.
"""
import os
import struct
import subprocess

import numpy as np

FLOOR_DB = -300.0


class WavError(Exception):
    pass


# --------------------------------------------------------------------------- WAV I/O

def read_wav(path):
    """Reads a RIFF/RF64-less WAV: PCM 8/16/24/32-bit, IEEE float 32/64-bit, plain or
    WAVE_FORMAT_EXTENSIBLE. Returns (samples float64 (frames, channels), rate)."""
    with open(path, "rb") as f:
        data = f.read()
    if len(data) < 12 or data[0:4] != b"RIFF" or data[8:12] != b"WAVE":
        raise WavError(f"{path}: not a RIFF/WAVE file")
    pos, fmt, payload = 12, None, None
    while pos + 8 <= len(data):
        cid, size = data[pos:pos + 4], struct.unpack("<I", data[pos + 4:pos + 8])[0]
        body = data[pos + 8:pos + 8 + size]
        if cid == b"fmt ":
            fmt = body
        elif cid == b"data":
            payload = body
        pos += 8 + size + (size & 1)
    if fmt is None or payload is None:
        raise WavError(f"{path}: no fmt or data chunk")
    tag, channels, rate, _, block_align, bits = struct.unpack("<HHIIHH", fmt[:16])
    if tag == 0xFFFE and len(fmt) >= 26:
        tag = struct.unpack("<H", fmt[24:26])[0]  # first two bytes of the sub-format GUID
    width = bits // 8
    if channels < 1 or width < 1 or block_align != channels * width:
        raise WavError(f"{path}: unsupported layout ({channels} ch, {bits} bit)")
    frames = len(payload) // block_align
    raw = payload[:frames * block_align]
    if tag == 3 and bits == 32:
        x = np.frombuffer(raw, dtype="<f4").astype(np.float64)
    elif tag == 3 and bits == 64:
        x = np.frombuffer(raw, dtype="<f8").astype(np.float64)
    elif tag == 1 and bits == 8:
        x = (np.frombuffer(raw, dtype=np.uint8).astype(np.float64) - 128.0) / 128.0
    elif tag == 1 and bits == 16:
        x = np.frombuffer(raw, dtype="<i2").astype(np.float64) / 32768.0
    elif tag == 1 and bits == 24:
        b = np.frombuffer(raw, dtype=np.uint8).reshape(-1, 3).astype(np.int32)
        v = b[:, 0] | (b[:, 1] << 8) | (b[:, 2] << 16)
        v = np.where(v >= 1 << 23, v - (1 << 24), v)
        x = v.astype(np.float64) / float(1 << 23)
    elif tag == 1 and bits == 32:
        x = np.frombuffer(raw, dtype="<i4").astype(np.float64) / 2147483648.0
    else:
        raise WavError(f"{path}: unsupported format tag {tag} with {bits} bits")
    return x.reshape(frames, channels), rate


def write_wav_float(path, samples, rate):
    """Writes 32-bit IEEE float WAV (format tag 3, with a fact chunk)."""
    x = np.asarray(samples, dtype=np.float64)
    if x.ndim == 1:
        x = x[:, None]
    frames, channels = x.shape
    payload = x.astype("<f4").tobytes()
    fmt = struct.pack("<HHIIHHH", 3, channels, rate, rate * channels * 4, channels * 4, 32, 0)
    fact = struct.pack("<I", frames)
    body = (b"WAVE" + b"fmt " + struct.pack("<I", len(fmt)) + fmt
            + b"fact" + struct.pack("<I", 4) + fact
            + b"data" + struct.pack("<I", len(payload)) + payload)
    tmp = path + ".tmp"
    with open(tmp, "wb") as f:
        f.write(b"RIFF" + struct.pack("<I", len(body)) + body)
    os.replace(tmp, path)


# --------------------------------------------------------------------------- levels

def db(x):
    """Amplitude (or RMS) ratio -> dB, clamped at FLOOR_DB."""
    x = np.asarray(x, dtype=np.float64)
    with np.errstate(divide="ignore"):
        return np.maximum(20.0 * np.log10(np.maximum(x, 0.0)), FLOOR_DB)


def power_db(p):
    p = np.asarray(p, dtype=np.float64)
    with np.errstate(divide="ignore"):
        return np.maximum(10.0 * np.log10(np.maximum(p, 0.0)), FLOOR_DB)


def _2d(x):
    x = np.asarray(x, dtype=np.float64)
    return x[:, None] if x.ndim == 1 else x


def sample_peak_db(x):
    x = _2d(x)
    return float(db(np.max(np.abs(x)) if x.size else 0.0))


def clipped_count(x):
    """Samples (over all channels) at or above full scale (|x| >= 1.0)."""
    return int(np.count_nonzero(np.abs(_2d(x)) >= 1.0))


def _phase_filter(frac, half=16, beta=8.0):
    """Windowed-sinc taps for the value at (n + frac), frac in (0, 1): taps on x[n-k],
    k = -half+1 .. half."""
    k = np.arange(-half + 1, half + 1)
    t = k + frac  # distance of x[n-k] from the interpolated point, in samples
    w = np.kaiser(2 * half + 1, beta)
    # Kaiser window evaluated at the fractional positions (linear interpolation of the table)
    wt = np.interp(t, np.arange(-half, half + 1), w)
    return k, np.sinc(t) * wt


def oversample(x, factor=4):
    """Band-limited interpolation by `factor` (polyphase windowed sinc, per channel).
    Row i*factor is x[i]; rows in between are interpolated."""
    x = _2d(x)
    n, chans = x.shape
    out = np.zeros((n * factor, chans))
    out[0::factor] = x
    for p in range(1, factor):
        k, h = _phase_filter(p / factor)
        # y[n] = sum_k h_k * x[n + p/factor - (k + p/factor)] = sum_k h_k x[n - k]
        for ch in range(chans):
            full = np.convolve(x[:, ch], h)  # full[m] = sum_j h[j] x[m - j]
            # tap j corresponds to k = k[0] + j: y[n] = full[n - k[0]]
            off = -k[0]
            out[p::factor, ch] = full[off:off + n] if off >= 0 else np.concatenate(
                [np.zeros(-off), full[:n + off]])
    return out


def true_peak_db(x, factor=4):
    """True peak in dBFS (4x oversampled, as ITU-R BS.1770: the largest of the samples and
    the interpolated values)."""
    x = _2d(x)
    if x.shape[0] == 0:
        return FLOOR_DB
    return float(db(np.max(np.abs(oversample(x, factor)))))


def window_rms(x, rate, win_s=0.05, hop_s=None):
    """RMS over windows (all channels pooled). Returns (times of window centres, rms)."""
    x = _2d(x)
    win = max(1, int(round(win_s * rate)))
    hop = max(1, int(round((hop_s or win_s) * rate)))
    n = x.shape[0]
    if n < win:
        return np.zeros(0), np.zeros(0)
    starts = np.arange(0, n - win + 1, hop)
    p = np.sum(x * x, axis=1)
    c = np.concatenate([[0.0], np.cumsum(p)])
    ms = (c[starts + win] - c[starts]) / (win * x.shape[1])
    return (starts + win / 2.0) / rate, np.sqrt(np.maximum(ms, 0.0))


def rms_db(x):
    x = _2d(x)
    return float(db(np.sqrt(np.mean(x * x)))) if x.size else FLOOR_DB


def stft_power(x, rate, n_fft=2048, hop=512):
    """Power spectrogram (channels averaged): (times, freqs, P[t, f]) with a Hann window,
    scaled so the bins of a band sum to the signal's mean power in it (Parseval: a sine of
    amplitude A sums to A^2/2 over its main lobe)."""
    x = _2d(x)
    n = x.shape[0]
    if n < n_fft:
        x = np.vstack([x, np.zeros((n_fft - n, x.shape[1]))])
        n = n_fft
    w = np.hanning(n_fft)
    starts = np.arange(0, n - n_fft + 1, hop)
    idx = starts[:, None] + np.arange(n_fft)[None, :]
    P = np.zeros((len(starts), n_fft // 2 + 1))
    for ch in range(x.shape[1]):
        frames = x[idx, ch] * w[None, :]
        S = np.fft.rfft(frames, axis=1)
        P += (np.abs(S) ** 2) * (2.0 / (n_fft * np.sum(w * w))) / x.shape[1]
    times = (starts + n_fft / 2.0) / rate
    freqs = np.fft.rfftfreq(n_fft, 1.0 / rate)
    return times, freqs, P


def band_level_db(x, rate, f_lo, f_hi, n_fft=2048, hop=512):
    """Level (dB, power summed over the bins in [f_lo, f_hi)) over time."""
    t, f, P = stft_power(x, rate, n_fft, hop)
    sel = (f >= f_lo) & (f < f_hi)
    return t, power_db(np.sum(P[:, sel], axis=1))


def third_octave_levels_db(x, rate, f_min=25.0, n_fft=8192):
    """Long-term level per 1/3-octave band (power summed over time and bins).
    Returns (centre frequencies, dB)."""
    t, f, P = stft_power(x, rate, n_fft, n_fft // 2)
    total = np.sum(P, axis=0)
    centres, levels = [], []
    fc = f_min
    while fc * 2 ** (1 / 6) < rate / 2:
        lo, hi = fc * 2 ** (-1 / 6), fc * 2 ** (1 / 6)
        sel = (f >= lo) & (f < hi)
        if np.any(sel):
            centres.append(fc)
            levels.append(float(power_db(np.sum(total[sel]))))
        fc *= 2 ** (1 / 3)
    return np.array(centres), np.array(levels)


# --------------------------------------------------------------------------- spurs

def blackman_harris(n):
    a = (0.35875, 0.48829, 0.14128, 0.01168)
    k = np.arange(n)
    return (a[0] - a[1] * np.cos(2 * np.pi * k / (n - 1)) + a[2] * np.cos(4 * np.pi * k / (n - 1))
            - a[3] * np.cos(6 * np.pi * k / (n - 1)))


def spur_analysis(x, rate, f0, settle_s=2.0, exclude_hz=10.0):
    """Largest spectral component outside f0 +- exclude_hz (DC and harmonics included),
    relative to the fundamental, in dBc; per channel, worst channel reported.
    Analysis: samples after settle_s, 4-term Blackman-Harris window (sidelobes -92 dB).
    Returns dict(spur_dbc, spur_hz, fund_db, channel)."""
    x = _2d(x)
    seg = x[int(round(settle_s * rate)):]
    n = seg.shape[0]
    if n < 1024:
        raise ValueError("spur_analysis: less than 1024 samples after the settling time")
    w = blackman_harris(n)
    freqs = np.fft.rfftfreq(n, 1.0 / rate)
    worst = None
    for ch in range(seg.shape[1]):
        # DC is measured as the window-weighted mean and removed before the FFT, so its
        # main lobe does not spill into the bins next to 0 Hz; it then competes as a spur
        # at 0 Hz with its true amplitude.
        dc = float(np.sum(seg[:, ch] * w) / np.sum(w))
        S = np.abs(np.fft.rfft((seg[:, ch] - dc) * w)) / (np.sum(w) / 2.0)
        S[0] = abs(dc)
        if n % 2 == 0:
            S[-1] *= 0.5  # the Nyquist bin has no mirror image either
        near = np.abs(freqs - f0) <= exclude_hz
        if not np.any(near):
            raise ValueError("spur_analysis: fundamental outside the spectrum")
        fund = float(np.max(S[near]))
        if fund <= 0:
            r = dict(spur_dbc=0.0, spur_hz=float(f0), fund_db=FLOOR_DB, channel=ch)
        else:
            other = np.where(near, 0.0, S)
            k = int(np.argmax(other))
            r = dict(spur_dbc=float(db(other[k] / fund)), spur_hz=float(freqs[k]),
                     fund_db=float(db(fund)), channel=ch)
        if worst is None or r["spur_dbc"] > worst["spur_dbc"]:
            worst = r
    return worst


# --------------------------------------------------------------------------- level tracking

def gain_trajectory(inp, out, rate, win_s=0.05, within_db=40.0, ref=None):
    """out_dB(t) - in_dB(t) on win_s windows. Only windows whose input level is within
    `within_db` of the input's loudest window are kept (mask from `ref` if given: use the
    loud version's input so both levels compare the same windows).
    Returns (times, gain_dB, mask)."""
    n = min(_2d(inp).shape[0], _2d(out).shape[0])
    t, rin = window_rms(_2d(inp)[:n], rate, win_s)
    _, rout = window_rms(_2d(out)[:n], rate, win_s)
    lin = db(rin)
    if ref is None:
        mask = lin >= np.max(lin) - within_db
    else:
        mask = ref
    return t, db(rout) - lin, mask


def compare_level_tracking(in_loud, out_loud, in_quiet, out_quiet, rate, win_s=0.05,
                           within_db=40.0):
    """Gain trajectories of the same material at two input levels; returns a dict with the
    median and 95th-percentile absolute difference (dB) over the windows where the loud
    input is within `within_db` of its peak, the mean gains and the window count."""
    t, g_loud, mask = gain_trajectory(in_loud, out_loud, rate, win_s, within_db)
    _, g_quiet, _ = gain_trajectory(in_quiet, out_quiet, rate, win_s, within_db, ref=mask)
    m = min(len(g_loud), len(g_quiet))
    mask = mask[:m]
    d = np.abs(g_loud[:m] - g_quiet[:m])[mask]
    if d.size == 0:
        return dict(median=float("nan"), p95=float("nan"), windows=0,
                    gain_loud=float("nan"), gain_quiet=float("nan"))
    return dict(median=float(np.median(d)), p95=float(np.percentile(d, 95)), windows=int(d.size),
                gain_loud=float(np.median(g_loud[:m][mask])),
                gain_quiet=float(np.median(g_quiet[:m][mask])))


# --------------------------------------------------------------------------- graded-cli

class RenderError(Exception):
    pass


def cli_path(explicit=None):
    p = explicit or os.environ.get("GRADED_CLI")
    if not p:
        raise RenderError("no graded-cli: pass --cli PATH or set GRADED_CLI")
    if not os.path.isfile(p) or not os.access(p, os.X_OK):
        raise RenderError(f"graded-cli not found or not executable: {p}")
    return p


def render(patch, in_wav, out_wav, sets=None, midi=None, cli=None, block=None):
    """Runs `graded-cli render --patch PATCH IN OUT --set k=v ...` (32-bit float output)
    and returns (output samples, rate). Raises RenderError with the CLI's stderr."""
    cmd = [cli_path(cli), "render", "--patch", patch, in_wav, out_wav, "--bits", "32f"]
    for k, v in (sets or {}).items():
        cmd += ["--set", f"{k}={v}"]
    if midi:
        cmd += ["--midi", midi]
    if block:
        cmd += ["--block", str(block)]
    r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if r.returncode != 0:
        raise RenderError(f"graded-cli render failed (exit {r.returncode}) for patch '{patch}' "
                          f"on {os.path.basename(in_wav)}: {r.stderr.strip()}")
    return read_wav(out_wav)
