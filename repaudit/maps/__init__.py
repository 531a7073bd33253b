"""Interactive folium maps of an audit result (see build.write_map)."""
from .build import build_map, map_page, write_map

__all__ = ["build_map", "map_page", "write_map"]
