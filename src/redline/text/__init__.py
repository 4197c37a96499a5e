"""Chinese text normalisation with a map back to the original offsets (SPEC R-TXT)."""

from redline.text.normalize import NormalizedText, Normalizer, normalize

__all__ = ["NormalizedText", "Normalizer", "normalize"]
