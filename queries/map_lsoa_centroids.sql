-- name: map_lsoa_centroids
-- map_lsoa_centroids(lsoa, easting, northing): the (population-weighted) centroid of each LSOA in $codes,
-- EPSG:27700, for the map's community layer when no boundaries are loaded. Parameters: $codes (VARCHAR[]).
with wanted as (select unnest($codes::VARCHAR[]) as lsoa),
final as (
    select c.lsoa, c.easting, c.northing
    from lsoa_centroids c join wanted using (lsoa)
)
select * from final order by lsoa
