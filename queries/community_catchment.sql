-- name: community_catchment
-- catchment_weight(urn, year, area, weight) for the `catchment` model: the LSOAs whose centroid lies in
-- the school's published catchment polygon (layer $layer), weighted by child population of the phase.
-- A school's catchment is the polygon naming its URN, else the polygon it stands in (for schools of
-- the layer's phase); schools with scope 'layer' (by default faith and selective schools, which admit
-- across the whole area) take every catchment of the layer.
-- Reads audit_sources (with catchment_phase and scope) and audit_lsoa_areas. Parameters: $layer.
with polygons as (
    select catchment_id, urn, geom,
           st_xmin(geom) as x0, st_xmax(geom) as x1, st_ymin(geom) as y0, st_ymax(geom) as y1
    from catchments where layer = $layer and geom is not null
),
named as (
    select s.urn, p.catchment_id from audit_sources s join polygons p on p.urn = s.urn
    where s.scope = 'own'
),
standing_in as (
    select s.urn, p.catchment_id
    from audit_sources s join polygons p
      on s.easting between p.x0 and p.x1 and s.northing between p.y0 and p.y1
     and st_contains(p.geom, st_point(s.easting, s.northing))
    where s.scope = 'own' and s.phase = s.catchment_phase
      and s.urn not in (select urn from polygons where urn is not null)
),
whole_layer as (
    select s.urn, p.catchment_id from audit_sources s, polygons p
    where s.scope = 'layer' and (s.phase = s.catchment_phase or s.urn in (select urn from polygons))
),
school_catchment as (
    select * from named union select * from standing_in union select * from whole_layer
),
lsoa_in as (
    select p.catchment_id, a.lsoa, a.pop_primary, a.pop_secondary
    from polygons p join audit_lsoa_areas a
      on a.easting between p.x0 and p.x1 and a.northing between p.y0 and p.y1
     and st_contains(p.geom, st_point(a.easting, a.northing))
),
final as (
    select distinct sc.urn, null::integer as year, l.lsoa as area,
           case s.phase when 'primary' then l.pop_primary else l.pop_secondary end as weight
    from school_catchment sc
    join audit_sources s on s.urn = sc.urn
    join lsoa_in l on l.catchment_id = sc.catchment_id
    where coalesce(case s.phase when 'primary' then l.pop_primary else l.pop_secondary end, 0) > 0
)
select * from final
