-- name: community_catchment
-- catchment_weight(urn, year, area, weight) for the `catchment` model: the LSOAs whose centroid lies in
-- the school's published catchment polygon (layer $layer), weighted by child population of the phase.
-- A school's catchment is the polygon naming its URN, else the polygon it stands in (for schools of
-- the layer's phase). Schools with scope 'layer' (by default faith and selective schools, which admit
-- across a whole city or county) take every catchment of the layer that serves their LA, i.e. names or
-- holds a state-funded school of that LA.
-- Reads audit_sources (with catchment_phase and scope), audit_schools and audit_lsoa_areas.
-- Parameters: $layer.
with polygons as (
    select catchment_id, urn, geom from catchments where layer = $layer and geom is not null
),
school_points as (
    select urn, la, phase, st_point(easting, northing) as pt from audit_schools
    where scope_reason is null and easting is not null and northing is not null
),
standing as (                            -- which polygon each located in-scope school stands in
    select s.urn, s.la, s.phase, p.catchment_id
    from school_points s join polygons p on st_contains(p.geom, s.pt)
),
serves as (                              -- the LAs a catchment serves
    select distinct p.catchment_id, s.la from polygons p join audit_schools s on s.urn = p.urn
    union
    select distinct catchment_id, la from standing
),
named as (
    select s.urn, p.catchment_id from audit_sources s join polygons p on p.urn = s.urn where s.scope = 'own'
),
standing_in as (
    select s.urn, st.catchment_id
    from audit_sources s join standing st on st.urn = s.urn
    where s.scope = 'own' and s.phase = s.catchment_phase
      and s.urn not in (select urn from polygons where urn is not null)
),
whole_layer as (
    select s.urn, v.catchment_id
    from audit_sources s join serves v on v.la = s.la
    where s.scope = 'layer' and (s.phase = s.catchment_phase or s.urn in (select urn from polygons))
),
school_catchment as (
    select * from named union select * from standing_in union select * from whole_layer
),
lsoa_in as (
    select p.catchment_id, a.lsoa, a.pop_primary, a.pop_secondary
    from polygons p join (select *, st_point(easting, northing) as pt from audit_lsoa_areas) a
      on st_contains(p.geom, a.pt)
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
