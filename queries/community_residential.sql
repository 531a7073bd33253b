-- name: community_residential
-- catchment_weight(urn, year, area, weight) for the `residential` model: LSOAs whose population-
-- weighted centroid lies within r km of the school, or the nearest LSOAs until their child population
-- of the school's phase reaches m x the school's roll (audit_pairs: src = school, tgt = LSOA, weight =
-- that child population). With $gravity, each LSOA's children are shared among the schools that can
-- serve it (those reaching it and its nearest schools, audit_lsoa_schools) in proportion to
--     a(s, l) = places_s / max(d(s, l), $floor_km)^$decay
-- so weight = children_l x a(s, l) / sum over serving schools s' of a(s', l), and a rural school near a
-- city is credited with a sliver of each city LSOA, not with all of it. Without it, weight = children_l.
-- Reads audit_pairs, audit_sources and, with $gravity, audit_lsoa_schools and audit_places.
-- Parameters: $gravity (true/false), $decay (exponent), $floor_km.
with reach as (
    select p.src::integer as urn, s.phase, p.tgt::varchar as lsoa, p.dist, p.weight as children
    from audit_pairs p join audit_sources s on s.urn = p.src::integer
    where p.weight > 0
),
serving as (                        -- every school that can serve an LSOA, once
    select lsoa, phase, urn, min(dist) as dist from (
        select lsoa, phase, urn, dist from reach
        union all
        select split_part(src, '|', 1), split_part(src, '|', 2), tgt::integer, dist
        from audit_lsoa_schools where $gravity
    ) group by all
),
attraction as (
    select v.lsoa, v.phase, v.urn,
           coalesce(p.places, 1) / power(greatest(v.dist / 1000.0, $floor_km), $decay) as a
    from serving v left join audit_places p on p.urn = v.urn
    where $gravity
),
share as (
    select lsoa, phase, urn, a / sum(a) over (partition by lsoa, phase) as share from attraction
),
final as (
    select r.urn, null::integer as year, r.lsoa as area,
           r.children * case when $gravity then s.share else 1.0 end as weight
    from reach r left join share s on s.lsoa = r.lsoa and s.phase = r.phase and s.urn = r.urn
)
select * from final where weight > 0
