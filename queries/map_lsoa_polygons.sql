-- name: map_lsoa_polygons
-- map_lsoa_polygons(lsoa, wkb): the boundary of each LSOA in $codes, simplified by $tolerance metres
-- (EPSG:27700), as WKB for the map's community layer. Parameters: $codes (VARCHAR[]), $tolerance (metres).
with wanted as (select unnest($codes::VARCHAR[]) as lsoa),
final as (
    select b.lsoa, ST_AsWKB(ST_SimplifyPreserveTopology(b.geom, $tolerance)) as wkb
    from lsoa_boundaries b join wanted using (lsoa)
    where b.geom is not null
)
select * from final order by lsoa
