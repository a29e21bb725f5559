from collections import Counter


def describe(text):
    counts = Counter(ch for ch in text.lower() if ch.isalpha())
    return {"distinct": len(counts), "most_common": counts.most_common(1)[0][0] if counts else None}
