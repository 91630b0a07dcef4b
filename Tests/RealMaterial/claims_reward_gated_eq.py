#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Reward-Gated EQ: every claim of its description, on the held organ chord (organ.wav,
C3-C5, note-on at 0.1 s, released at 6.1 s), with the reward played from MIDI as the README
("MIDI") documents: a note-on at or above C4 sets the reward to +velocity/127, below C4 to
-velocity/127, its note-off returns it to 0 and ends an episode. The MIDI files are written
here (one tick = 1 ms).

  noreward  no reward: the chord passes - output vs input (gain) 5-6 s minus the gain over
            0.2-1 s, and the gain itself (|.| small)
  fade      note 72 vel 127 at 1 s, held: the chord fades - gain 3-5 s after the reward
            (4-6 s) minus the gain just before it (0.5-1 s)
  swell     the same render: a swell as the reward arrives - gain over the first 100 ms after
            the reward minus the 100 ms before it
  smaller   note 72 vel 127 1-3 s, then note 72 vel 64 from 3 s (a smaller positive reward
            after a big one: a disappointment, negative rpe, no praise, no blame): nothing
            changes - the gain 4.5-6 s stays at least 10 dB down
  negative  note 72 vel 127 1-3 s, then note 48 vel 127 from 3 s (a negative reward): the
            faded chord comes back - gain 4.5-6 s minus the gain 2.5-3 s
  release   note 72 vel 127 1-3 s, then nothing (the reward returns to 0 while the running
            average is positive: also a disappointment): what was learned stays - the gain
            4.5-6 s stays at least 10 dB down
Each at -1 dBFS and 20 dB lower.
"""
import sys

from claims_util import Claims, seg_db, fmt

PATCH = "Reward-Gated EQ"
REWARD_AT = 1.0
SWITCH_AT = 3.0
END_MS = 6600

NOREWARD_DB = 2.0     # "with no reward ... everything passes": |gain drift| and |gain|
FADE_DB = -12.0       # "the sound playing at that moment ... fades out"
SWELL_DB = 1.0        # "you hear a short swell as the reward arrives"
COMEBACK_DB = 6.0     # a negative reward: "faded sounds come back"
STAYS_DB = -10.0      # a disappointment (a smaller reward, letting go): "what was learned stays":
                      # the chord stays at least 10 dB down (measured -12.4 to -14.9 dB; with
                      # the reward held, -15.0 dB)


def notes(*spec):
    """spec: (key, velocity, on_ms, off_ms)."""
    ev = []
    for key, vel, on, off in spec:
        ev += [(on, [0x90, key, vel]), (off, [0x80, key, 0])]
    return ev


def main():
    c = Claims(PATCH)
    mids = {
        "held": c.midi("reward_held", notes((72, 127, 1000, 6500)), END_MS),
        "smaller": c.midi("reward_smaller", notes((72, 127, 1000, 3000), (72, 64, 3000, 6500)), END_MS),
        "negative": c.midi("reward_negative", notes((72, 127, 1000, 3000), (48, 127, 3000, 6500)), END_MS),
        "release": c.midi("reward_release", notes((72, 127, 1000, 3000)), END_MS),
    }
    for level in ("-1", "-21"):
        lv = f"[{level} dBFS]"
        x, sr, p = c.input("organ", level)

        def gain(y, t0, t1):
            return seg_db(y, sr, t0, t1) - seg_db(x, sr, t0, t1)

        y = c.render(p, f"organ.none{level}")
        g0, g1 = gain(y, 0.2, 1.0), gain(y, 5.0, 6.0)
        c.report("noreward", f"organ {lv}",
                 f"gain 0.2-1 s {fmt(g0)}, 5-6 s {fmt(g1)}, drift {fmt(g1 - g0)}",
                 abs(g1 - g0) <= NOREWARD_DB and abs(g0) <= NOREWARD_DB and abs(g1) <= NOREWARD_DB,
                 f"|gains|, |drift| <= {NOREWARD_DB:.0f} dB")

        yh = c.render(p, f"organ.held{level}", midi=mids["held"])
        before = gain(yh, REWARD_AT - 0.5, REWARD_AT)
        late = gain(yh, REWARD_AT + 3, REWARD_AT + 5)
        c.report("fade", f"organ, reward 1 from 1 s {lv}",
                 f"gain 3-5 s after the reward {fmt(late)} vs {fmt(before)} before it: {fmt(late - before)}",
                 late - before <= FADE_DB, f"<= {FADE_DB:.0f} dB")
        swell = gain(yh, REWARD_AT, REWARD_AT + 0.1) - gain(yh, REWARD_AT - 0.1, REWARD_AT)
        c.report("swell", f"organ, reward 1 from 1 s {lv}",
                 f"gain first 100 ms after the reward minus 100 ms before {fmt(swell)}",
                 swell >= SWELL_DB, f">= +{SWELL_DB:.0f} dB")
        held_late = gain(yh, 4.5, 6.0)

        for name, what in (("smaller", "reward 1 then 0.5 from 3 s"), ("release", "reward 1 1-3 s, then none"),
                           ("negative", "reward 1 then -1 from 3 s")):
            y = c.render(p, f"organ.{name}{level}", midi=mids[name])
            faded, back = gain(y, 2.5, 3.0), gain(y, 4.5, 6.0)
            figures = (f"gain 2.5-3 s {fmt(faded)}, 4.5-6 s {fmt(back)}: {fmt(back - faded)} "
                       f"(reward held at 1: {fmt(held_late)} at 4.5-6 s)")
            if name == "negative":
                c.report(name, f"organ, {what} {lv}", figures, back - faded >= COMEBACK_DB, f"comes back by >= +{COMEBACK_DB:.0f} dB")
            else:
                c.report(name, f"organ, {what} {lv}", figures, back <= STAYS_DB, f"stays faded: gain 4.5-6 s <= {STAYS_DB:.0f} dB")
    return c.finish()


if __name__ == "__main__":
    sys.exit(main())
