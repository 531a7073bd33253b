-- name: community_nearby_schools
-- catchment_weight(urn, year, area, weight) for the `nearby-schools` model: the school's k nearest (or
-- all within a radius) same-phase state-funded mainstream schools with data, the school itself
-- included; each area is one school (its URN), weight 1, so the community rate is pupil-weighted.
-- Reads audit_pairs (repaudit/auditing/neighbours.py). Parameters: none.
with final as (
    select src::integer as urn, null::integer as year, tgt::varchar as area, 1.0 as weight from audit_pairs
)
select * from final
