-- name: community_flows
-- catchment_weight(urn, year, area, weight) for the `flows` model (Sutton Trust / NFER): a school's
-- catchment is where its pupils live, each LSOA weighted by how many of the school's pupils come from
-- it in that year; the area 'lsoa|phase' carries the rate among all pupils of the phase living there.
-- Reads audit_sources, audit_years and audit_flows (queries/flows_current.sql: URNs carried forward). Parameters: none.
with final as (
    select f.urn, f.year, f.lsoa || '|' || s.phase as area, f.pupils as weight
    from audit_flows f
    join audit_sources s on s.urn = f.urn
    where f.year in (select year from audit_years) and f.pupils > 0
)
select * from final
