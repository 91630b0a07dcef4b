#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Post-build fix-up of the LV2 bundle's dsp.ttl written by JUCE 7.0.5's juce_lv2_helper.

JUCE 7.0.5 (juce_LV2_Client.cpp, RecallFeature::writeDspTtl) writes each parameter as an
lv2:Parameter (a patch:writable property, not a control port) and gets three things wrong or
leaves them out; this script corrects them in place, touching nothing else (no port, index,
symbol or parameter IRI changes):

  1. lv2:default / lv2:minimum / lv2:maximum are written with C++ stream formatting, so
     integral values come out as integer literals (`2000`), but rdfs:range atom:Float asks
     for float literals (`2000.0`).  lv2lint: "Parameter Range: lv2:maximum not a float".
  2. The lv2:scalePoint values of discrete parameters (choices, bools) are written on JUCE's
     normalised 0..1 scale, while lv2:minimum/maximum/default, and the values the plugin
     reads from patch:Set (ParameterStorage::setValueFromHost calls convertTo0to1), are plain
     units.  The points are rewritten in plain units: point i of N -> min + i*(max-min)/(N-1)
     (JUCE writes point i as i/(N-1), and the discrete ranges are linear).
  3. The plugin has no doap:license and its only class is lv2:Plugin: a license and a class
     are added.

Usage: fix-lv2-ttl.py [--license URI] [--class lv2:XPlugin] BUNDLE_DIR      (fix in place)
       fix-lv2-ttl.py --check BUNDLE_DIR      (exit 1, listing the problems, if not fixed)
Running the fix twice is harmless (it is idempotent).  It fails loudly (exit 2) when the TTL
does not have the layout it expects (e.g. after a JUCE upgrade), rather than guessing.
"""
import argparse
import os
import re
import sys

DEFAULT_LICENSE = "http://spdx.org/licenses/GPL-3.0-or-later"
DEFAULT_CLASS = "lv2:FilterPlugin"

# One parameter block, exactly as writeDspTtl lays it out: "plug:ID\n\ta lv2:Parameter ;...".
PARAM_RE = re.compile(r"^plug:(?P<id>\S+)\n\ta lv2:Parameter ;\n(?P<body>.*?) \.\n", re.S | re.M)
NUMBER_PROP_RE = re.compile(r"(\tlv2:(?:default|minimum|maximum) )([^\s;]+)")
INTEGER_RE = re.compile(r"^[+-]?\d+$")
FLOAT_RE = re.compile(r"^[+-]?(\d+\.\d*|\.\d+|\d+(\.\d*)?[eE][+-]?\d+)$")
SCALE_VALUE_RE = re.compile(r"(\t\trdf:value )([^\s;]+)( ;)")


class LayoutError(Exception):
    pass


def as_float_literal(token):
    if INTEGER_RE.match(token):
        return token + ".0"
    if FLOAT_RE.match(token):
        return token
    raise LayoutError("not a number: %r" % token)


def fmt(value):
    # Shortest decimal that round-trips; always a Turtle decimal or double literal.
    text = repr(float(value))
    return text if ("." in text or "e" in text) else text + ".0"


def prop(body, name):
    m = re.search(r"\tlv2:%s ([^\s;]+)" % name, body)
    if not m:
        raise LayoutError("lv2:%s missing" % name)
    return float(m.group(1))


def fix_parameter(match):
    pid, body = match.group("id"), match.group("body")
    body = NUMBER_PROP_RE.sub(lambda m: m.group(1) + as_float_literal(m.group(2)), body)
    values = SCALE_VALUE_RE.findall(body)
    if values:
        lo, hi = prop(body, "minimum"), prop(body, "maximum")
        n = len(values)
        if n < 2 or hi <= lo:
            raise LayoutError("plug:%s: %d scale points over [%g, %g]" % (pid, n, lo, hi))
        normalised = [float(v[1]) for v in values]
        already_plain = all(abs(v - (lo + i * (hi - lo) / (n - 1))) < 1e-6 * max(1.0, abs(hi))
                            for i, v in enumerate(normalised))
        juce_scale = all(abs(v - i / (n - 1)) < 1e-4 for i, v in enumerate(normalised))
        if not already_plain:
            if not juce_scale:
                raise LayoutError("plug:%s: scale points %s are neither JUCE's i/(N-1) nor plain"
                                  % (pid, [v[1] for v in values]))
            it = iter(range(n))
            body = SCALE_VALUE_RE.sub(
                lambda m: m.group(1) + fmt(lo + next(it) * (hi - lo) / (n - 1)) + m.group(3), body)
    return "plug:%s\n\ta lv2:Parameter ;\n%s .\n" % (pid, body)


def plugin_block_span(text, uri):
    start = text.find("<%s>\n" % uri)
    if start < 0:
        raise LayoutError("plugin subject <%s> not found" % uri)
    end = text.find(" .\n", start)
    if end < 0:
        raise LayoutError("plugin block not terminated")
    return start, end


def read_plugin_uri(bundle):
    with open(os.path.join(bundle, "manifest.ttl"), encoding="utf-8") as f:
        manifest = f.read()
    m = re.search(r"^<([^>]+)>\n\ta lv2:Plugin ;", manifest, re.M)
    if not m:
        raise LayoutError("manifest.ttl: no `<URI> a lv2:Plugin` block")
    return m.group(1)


def fix(bundle, license_uri, plugin_class):
    path = os.path.join(bundle, "dsp.ttl")
    with open(path, encoding="utf-8") as f:
        text = f.read()
    uri = read_plugin_uri(bundle)

    text, count = PARAM_RE.subn(fix_parameter, text)
    if count == 0:
        raise LayoutError("dsp.ttl: no lv2:Parameter blocks found")

    start, end = plugin_block_span(text, uri)
    block = text[start:end]
    m = re.search(r"^\ta ([^;\n]+) ;\n", block, re.M)
    if not m:
        raise LayoutError("plugin block has no `a CLASS ;` line")
    classes = [c.strip() for c in m.group(1).split(",")]
    if plugin_class not in classes:
        classes.append(plugin_class)
    new_line = "\ta %s ;\n" % " , ".join(classes)
    if "\tdoap:license " not in block:
        new_line += "\tdoap:license <%s> ;\n" % license_uri
    block = block[:m.start()] + new_line + block[m.end():]
    text = text[:start] + block + text[end:]

    tmp = path + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        f.write(text)
    os.replace(tmp, path)
    print("fix-lv2-ttl: %s: %d parameters, class %s, license <%s>"
          % (path, count, " , ".join(classes), license_uri))


def check(bundle):
    """Returns the list of problems left in the bundle's dsp.ttl (empty when fixed)."""
    with open(os.path.join(bundle, "dsp.ttl"), encoding="utf-8") as f:
        text = f.read()
    uri = read_plugin_uri(bundle)
    problems = []
    params = list(PARAM_RE.finditer(text))
    if not params:
        problems.append("no lv2:Parameter blocks")
    for m in params:
        pid, body = m.group("id"), m.group("body")
        for name, token in re.findall(r"\tlv2:(default|minimum|maximum) ([^\s;]+)", body):
            if not FLOAT_RE.match(token):
                problems.append("plug:%s lv2:%s %s is not a float literal" % (pid, name, token))
        values = [float(v[1]) for v in SCALE_VALUE_RE.findall(body)]
        if values:
            lo, hi = prop(body, "minimum"), prop(body, "maximum")
            n = len(values)
            want = [lo + i * (hi - lo) / (n - 1) for i in range(n)]
            if any(abs(a - b) > 1e-6 * max(1.0, abs(hi)) for a, b in zip(values, want)):
                problems.append("plug:%s scale points %s are not plain values over [%g, %g]"
                                % (pid, values, lo, hi))
    start, end = plugin_block_span(text, uri)
    block = text[start:end]
    if not re.search(r"^\tdoap:license <[^>]+> ;", block, re.M):
        problems.append("<%s> has no doap:license" % uri)
    m = re.search(r"^\ta ([^;\n]+) ;", block, re.M)
    classes = [c.strip() for c in m.group(1).split(",")] if m else []
    if not [c for c in classes if re.match(r"^lv2:\w+Plugin$", c) and c != "lv2:Plugin"]:
        problems.append("<%s> has no class other than lv2:Plugin (a %s)" % (uri, classes))
    return problems, len(params)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("bundle", help="the .lv2 bundle directory")
    ap.add_argument("--license", default=DEFAULT_LICENSE, help="doap:license URI")
    ap.add_argument("--class", dest="plugin_class", default=DEFAULT_CLASS,
                    help="LV2 class to add, e.g. lv2:FilterPlugin")
    ap.add_argument("--check", action="store_true", help="only check; exit 1 on problems")
    args = ap.parse_args()
    try:
        if args.check:
            problems, count = check(args.bundle)
            for p in problems:
                print("fix-lv2-ttl --check: " + p)
            if problems:
                return 1
            print("fix-lv2-ttl --check: OK (%d parameters, float ranges, plain scale points, "
                  "license and class present)" % count)
            return 0
        fix(args.bundle, args.license, args.plugin_class)
        return 0
    except (LayoutError, OSError) as e:
        print("fix-lv2-ttl: error: %s" % e, file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
