"""Readers for every source file kind. SOURCES maps a SOURCE name to its loader module's `load(path, **opts)`."""
