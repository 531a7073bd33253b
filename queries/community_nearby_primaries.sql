-- name: community_nearby_primaries
-- catchment_weight(urn, year, area, weight) for the `nearby-primaries` model (the published "mind the
-- gap" method): a secondary school's community is its k nearest state-funded mainstream primary schools
-- with data (or all within a radius); each area is one primary school (its URN) with weight
-- 1 / (d + offset)^2 (d and offset in km). The community rate is then
--     sum_j F_j / (d_j + offset)^2  /  sum_j N_j / (d_j + offset)^2,
-- the primaries' rates weighted by size (N_j pupils) and inverse-square distance.
-- Reads audit_pairs (repaudit/auditing/neighbours.py) and audit_sources. Parameters: none.
with final as (
    select p.src::integer as urn, null::integer as year, p.tgt::varchar as area,
           1.0 / power(p.dist / 1000.0 + try_cast(s.offset_km as double), 2) as weight
    from audit_pairs p join audit_sources s on s.urn = p.src::integer
)
select * from final
