-- name: community_residential
-- catchment_weight(urn, year, area, weight) for the `residential` model: LSOAs whose population-
-- weighted centroid lies within r km of the school, or the nearest LSOAs until their child population
-- of the school's phase reaches m x the school's roll; weight = that child population.
-- Reads audit_pairs (repaudit/auditing/neighbours.py). Parameters: none.
with final as (
    select src::integer as urn, null::integer as year, tgt::varchar as area, weight from audit_pairs
    where weight > 0
)
select * from final
