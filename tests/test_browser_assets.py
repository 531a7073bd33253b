"""The local asset copies the browser tests serve are the exact versions the map's CDN links name."""
from browser_support import JSDELIVR_NPM, local_asset
from repaudit.maps.build import leaflet_assets


def test_every_cdn_link_of_the_map_has_a_local_copy_of_the_same_version():
    js, css = leaflet_assets()
    urls = [url for _, url in js + css]
    assert urls and all(JSDELIVR_NPM.match(u) for u in urls)
    for url in urls:
        path = local_asset(url)          # raises when the installed version differs from the URL's
        assert path.is_file() and path.stat().st_size > 1000, url
