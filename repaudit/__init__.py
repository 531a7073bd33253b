"""repaudit: audit how representative each English school's intake is of its local community."""
__version__ = "0.1.0"
