"""A school's or trust's result in plain English (rates, whole-pupil shortfall with its 95% range, the
funnel flag in words), shared by the report's findings, the map's popups and the site pages, so every
output says the same thing in the same words. The flag and ranking columns are read from the result."""
from __future__ import annotations

import math

Z95 = 1.959964

# What a pupil of the group is, as the end of "N% of pupils ..."
GROUP_PHRASE = {
    "fsm": "are eligible for free school meals",
    "sen": "have special educational needs",
    "sen_support": "receive SEN support",
    "ehcp": "have an education, health and care plan",
    "cin": "are children in need",
}

FLAG_WORDS = {
    "below_998": "far fewer than its community (below the 99.8% funnel limit)",
    "below_95": "fewer than its community (below the 95% funnel limit)",
    # not "in line with its community": a shortfall whose 95% range excludes zero can be inside the limits,
    # which allow for how much schools genuinely differ from their communities
    "within": "not unusual among schools (inside the funnel limits, which allow for how much schools differ)",
    "above_95": "more than its community (above the 95% funnel limit)",
    "above_998": "far more than its community (above the 99.8% funnel limit)",
}


def missing(x) -> bool:
    return x is None or (isinstance(x, float) and math.isnan(x)) or x != x


def flag_words(flag) -> str:
    """A funnel flag in words; a flag this module does not know is shown as it is."""
    if missing(flag):
        return "not flagged (no funnel position)"
    return FLAG_WORDS.get(str(flag), str(flag).replace("_", " "))


def under(flag) -> bool:
    """True for a flag that says the school or trust has fewer of the group than its community."""
    return not missing(flag) and str(flag).startswith("below")


def group_phrase(indicator) -> str:
    return GROUP_PHRASE.get(str(indicator), f"are in the group '{indicator}'")


def shortfall_range(row) -> tuple[float, float] | None:
    """(low, high) 95% range of a school's shortfall: the result's own shortfall_low/shortfall_high columns
    when it has them, else shortfall +- 1.96 sqrt(n p_c (1 - p_c)) (binomial noise of the intake)."""
    low, high = row.get("shortfall_low"), row.get("shortfall_high")
    if not missing(low) and not missing(high):
        return float(low), float(high)
    n, pc, short = row.get("pupils"), row.get("community_rate"), row.get("shortfall")
    if any(missing(v) for v in (n, pc, short)):
        return None
    half = Z95 * math.sqrt(max(float(n) * float(pc) * (1 - float(pc)), 0.0))
    return float(short) - half, float(short) + half


def shortfall_ranges(frame):
    """shortfall_range of every row of FRAME, as two float arrays (low, high), NaN where there is none."""
    import numpy as np
    import pandas as pd

    def col(name):
        return pd.to_numeric(frame[name], errors="coerce").to_numpy(dtype=float) if name in frame else \
            np.full(len(frame), np.nan)
    n, pc, short = col("pupils"), col("community_rate"), col("shortfall")
    half = Z95 * np.sqrt(np.clip(n * pc * (1 - pc), 0, None))
    low, high = col("shortfall_low"), col("shortfall_high")
    own = ~(np.isnan(low) | np.isnan(high))
    return np.where(own, low, short - half), np.where(own, high, short + half)


def trust_shortfall_range(row) -> tuple[float, float] | None:
    """95% range of a trust's total shortfall: its own columns if present, else shortfall +- 1.96 sd where
    sd = |shortfall / z| (the standard deviation its pooled z was computed with)."""
    low, high = row.get("shortfall_low"), row.get("shortfall_high")
    if not missing(low) and not missing(high):
        return float(low), float(high)
    short, z = row.get("shortfall"), row.get("z")
    if missing(short) or missing(z) or float(z) == 0:
        return None
    half = Z95 * abs(float(short) / float(z))
    return float(short) - half, float(short) + half


def whole(x) -> str:
    """352.4 -> '352'; 1296 -> '1,296'."""
    return f"{round(float(x)):,}"


def shortfall_words(short, rng) -> str:
    """'352 fewer than a representative intake (95% range 330 to 374)' or '... more than ...'."""
    if missing(short):
        return "shortfall not available"
    n = round(float(short))
    what = (f"{whole(abs(n))} fewer than a representative intake" if n > 0 else
            f"{whole(abs(n))} more than a representative intake" if n < 0 else "about as many as a representative intake")
    if rng is not None:
        lo, hi = sorted((-rng[1], -rng[0])) if n < 0 else rng
        if round(lo) < 0 < round(hi):        # the range crosses zero: say both ways in words, never "-14"
            other = "more" if n >= 0 else "fewer"
            what += f" (95% range {whole(-lo)} {other} to {whole(hi)} {'fewer' if n >= 0 else 'more'})"
        else:
            what += f" (95% range {whole(lo)} to {whole(hi)})"
    return what


def school_sentence(row, indicator) -> str:
    """'8.8% of pupils are eligible for free school meals, against 44.6% in the community around it: 352 fewer
    than a representative intake (95% range 330 to 374).'"""
    ps, pc = row.get("school_rate"), row.get("community_rate")
    if missing(ps) or missing(pc):
        return "Rates not available for this school."
    return (f"{100 * float(ps):.1f}% of pupils {group_phrase(indicator)}, against {100 * float(pc):.1f}% in the "
            f"community around it: {shortfall_words(row.get('shortfall'), shortfall_range(row))}.")


def pct(rate) -> str:
    return "n/a" if missing(rate) else f"{100 * float(rate):.1f}%"


SMALL_WORDS = {"and", "of", "the", "for", "in", "on", "at", "by", "to", "with", "upon", "de", "la", "le"}
KEEP_UPPER = {"CE", "C", "E", "RC", "UTC", "MAT", "SAT", "CIO", "UK", "NHS", "KS", "ICT", "STEM", "BFPO", "ACE",
              "I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X", "XI", "XII"}


def _word_case(word: str, first: bool) -> str:
    core = word.strip("()&.,'")
    if core in KEEP_UPPER:
        return word
    if not first and word.lower() in SMALL_WORDS:
        return word.lower()
    parts = word.split("-")
    return "-".join(p.lower() if k and p.lower() in SMALL_WORDS else p[:1].upper() + p[1:].lower()
                    for k, p in enumerate(parts))


def name_case(name) -> str:
    """A school or trust name written in capitals, as GIAS writes many ('KING EDWARD VI ACADEMY TRUST'), in
    title case for people ('King Edward VI Academy Trust'); a name with lower-case letters is left as written."""
    if missing(name):
        return ""
    text = str(name)
    if not any(ch.isalpha() for ch in text) or text != text.upper():
        return text
    return " ".join(_word_case(w, k == 0) for k, w in enumerate(text.split(" ")))
