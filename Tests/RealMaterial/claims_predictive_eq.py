#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Predictive EQ: every claim of its description, on real material (README.md).

Focus 1 (default, hear the surprise):
  fade     organ.wav: a held chord fades - output level 2-6 s after the onset vs its first
           200 ms (the input's own change printed beside it)
  newnote  chord_newnote.wav: an A4 entering inside a held C chord at 3 s comes through -
           1/6-octave band around 440 Hz, 50-250 ms after its onset, output vs input; the
           chord's own bands (C3 G3 C4 E4) in the same frames, output vs input
  voice    pad_speech.wav: a voice entering over a pad at 3 s comes through - the output's
           level rise (speech 3.5-6 s vs pad alone 2-3 s) vs the input's rise, and the
           voice's band (0.7-2.8 kHz, where speech and not the pad carries the level)
           output vs input while speaking
Focus 0 (hear the expectation):
  duck     pad_speech.wav: the voice is ducked - its band (0.7-2.8 kHz) output vs input while
           speaking, and that band's rise, output minus input (the broadband rise is printed
           too, but the pad dominates it: the input rises only ~1.4 dB)
  stays    organ.wav: the held chord stays - output vs input 2-6 s after the onset
Each at -1 dBFS and again 20 dB lower (-21 dBFS): "it behaves the same at any input level".
"""
import sys

from claims_util import Claims, band_gain_db, band_seg_db, fmt, gain_db, seg_db, sixth_octave

PATCH = "Predictive EQ"
ONSET = 0.1            # the organ chord's note-on (make_material.py)
NEW_NOTE = 3.0         # the A4's note-on in chord_newnote.wav
SPEECH = 3.0           # speech enters in pad_speech.wav

FADE_DB = -12.0        # "a held note ... fades away within a second or two"
# "a new note inside a held chord stands out from it by several dB" (measured: the A4 of an
# organ, whose 1/6-octave band already holds chord partials within 10 dB of it and which
# swells in over ~150 ms, at -12 dB while the chord is 20-25 dB down: 8 dB apart)
NEWNOTE_PASS_DB = -15.0  # the new note's band, output vs input
CHORD_DOWN_DB = -12.0    # the chord's bands at the same moment: many dB down
NEWNOTE_SEP_DB = 6.0     # the new note stands out from the chord by this much
SPEECH_BAND = (700.0, 2800.0)  # where the voice, not the pad, carries the level
VOICE_EXTRA_DB = 6.0    # output rise minus input rise when the voice enters ("much larger")
VOICE_PASS_DB = -3.0    # the voice's band while speaking, output vs input ("straight through")
DUCK_DB = -6.0          # focus 0: the voice's band while speaking, output vs input
DUCK_RISE_DB = -3.0     # focus 0: the voice band's rise, output minus input
STAYS_DB = 5.0          # focus 0: |output - input| on the held chord ("stays")


def main():
    c = Claims(PATCH)
    for level in ("-1", "-21"):
        lv = f"[{level} dBFS]"
        # ---- focus 1
        x, sr, p = c.input("organ", level)
        y = c.render(p, f"organ{level}")
        o_early, o_late = seg_db(y, sr, ONSET, ONSET + 0.2), seg_db(y, sr, ONSET + 2, ONSET + 6)
        i_early, i_late = seg_db(x, sr, ONSET, ONSET + 0.2), seg_db(x, sr, ONSET + 2, ONSET + 6)
        fade = o_late - o_early
        c.report("fade", f"organ {lv}", f"output 2-6 s vs first 200 ms {fmt(fade)} "
                 f"(input {fmt(i_late - i_early)}; output vs input 2-6 s {fmt(o_late - i_late)})",
                 fade <= FADE_DB, f"<= {FADE_DB:.0f} dB")

        x, sr, p = c.input("chord_newnote", level)
        y = c.render(p, f"chord_newnote{level}")
        t0, t1 = NEW_NOTE + 0.05, NEW_NOTE + 0.25
        lo, hi = sixth_octave(440.0)
        a4 = band_gain_db(y, x, sr, lo, hi, t0, t1)
        chord = []
        for f0 in (130.81, 196.0, 261.63, 329.63):
            lo2, hi2 = sixth_octave(f0)
            chord.append(band_gain_db(y, x, sr, lo2, hi2, t0, t1))
        worst_chord = max(chord)
        sep = a4 - worst_chord
        ok = a4 >= NEWNOTE_PASS_DB and worst_chord <= CHORD_DOWN_DB and sep >= NEWNOTE_SEP_DB
        c.report("newnote", f"chord_newnote {lv}",
                 f"A4 band (1/6 oct, 50-250 ms after onset) out-in {fmt(a4)}; chord bands C3 G3 C4 E4 "
                 f"out-in {' '.join(f'{v:+.1f}' for v in chord)} dB (worst {fmt(worst_chord)}); "
                 f"A4 stands out by {sep:.1f} dB",
                 ok, f"A4 >= {NEWNOTE_PASS_DB:.0f} dB, chord <= {CHORD_DOWN_DB:.0f} dB, "
                     f"difference >= {NEWNOTE_SEP_DB:.0f} dB")

        x, sr, p = c.input("pad_speech", level)
        y = c.render(p, f"pad_speech{level}")
        y0 = c.render(p, f"pad_speech.focus0{level}", sets={"focus": 0})
        sp, pad = (SPEECH + 0.5, SPEECH + 3.0), (SPEECH - 1.0, SPEECH)

        def rise(z, band=None):
            if band is None:
                return seg_db(z, sr, *sp) - seg_db(z, sr, *pad)
            return band_seg_db(z, sr, *band, *sp) - band_seg_db(z, sr, *band, *pad)

        def speech_gain(z):
            return band_gain_db(z, x, sr, *SPEECH_BAND, *sp)

        in_rise, out_rise = rise(x), rise(y)
        sg = speech_gain(y)
        ok = out_rise - in_rise >= VOICE_EXTRA_DB and sg >= VOICE_PASS_DB
        c.report("voice", f"pad_speech {lv}",
                 f"level rise when the voice enters (3.5-6 s vs 2-3 s): output {fmt(out_rise)}, "
                 f"input {fmt(in_rise)}, difference {fmt(out_rise - in_rise)}; speech band "
                 f"0.7-2.8 kHz out-in while speaking {fmt(sg)}",
                 ok, f"difference >= {VOICE_EXTRA_DB:.0f} dB, speech band >= {VOICE_PASS_DB:.0f} dB")

        # ---- focus 0
        in_b, out_b = rise(x, SPEECH_BAND), rise(y0, SPEECH_BAND)
        sg0 = speech_gain(y0)
        duck = out_b - in_b
        ok = sg0 <= DUCK_DB and duck <= DUCK_RISE_DB
        c.report("duck", f"pad_speech focus=0 {lv}",
                 f"speech band 0.7-2.8 kHz out-in while speaking {fmt(sg0)}; its rise when the voice "
                 f"enters: output {fmt(out_b)}, input {fmt(in_b)}, difference {fmt(duck)} "
                 f"(broadband: output {fmt(rise(y0))}, input {fmt(in_rise)}; the pad dominates it)",
                 ok, f"speech band <= {DUCK_DB:.0f} dB, rise difference <= {DUCK_RISE_DB:.0f} dB")

        x, sr, p = c.input("organ", level)
        y0 = c.render(p, f"organ.focus0{level}", sets={"focus": 0})
        stays = gain_db(y0, x, sr, ONSET + 2, ONSET + 6)
        c.report("stays", f"organ focus=0 {lv}", f"output vs input 2-6 s after onset {fmt(stays)}",
                 abs(stays) <= STAYS_DB, f"|x| <= {STAYS_DB:.0f} dB")
    return c.finish()


if __name__ == "__main__":
    sys.exit(main())
