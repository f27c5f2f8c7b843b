"""sitegen: raw Zhuzhou Daily page dumps in, a static district news digest out."""

__version__ = "0.1.0"
