"""Fuzz targets for the two parsers of untrusted input: checksums files and archives."""
