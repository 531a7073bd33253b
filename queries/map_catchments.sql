-- name: map_catchments
-- map_catchments(urn, name, wkb): the published catchment polygons of the schools in $urns (one row per
-- layer a school has a catchment in), simplified by $tolerance metres (EPSG:27700), as WKB for the map's
-- outlines of flagged schools. Parameters: $urns (INTEGER[]), $tolerance (metres).
with wanted as (select unnest($urns::INTEGER[]) as urn),
final as (
    select c.urn, coalesce(c.name, c.catchment_id) as name, c.layer,
           ST_AsWKB(ST_SimplifyPreserveTopology(c.geom, $tolerance)) as wkb
    from catchments c join wanted using (urn)
    where c.geom is not null
)
select urn, name, wkb from final order by urn, layer
