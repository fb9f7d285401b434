"""Station: the production and broadcast desk of a provincial radio-TV station."""

__version__ = "0.1.0"
